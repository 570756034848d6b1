"""Lesson 02 (the perceptron): checks, hidden tests, fixtures and the perceptron stepper.

Everything runs in-process and fast: the notebook's own test cells are executed against the
reference answers, the solution cells, and every wrong/right answer fixture.
"""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import hidden  # noqa: E402
from autograder.questions import lesson02 as questions  # noqa: E402
from autograder.reference import lesson02 as ref  # noqa: E402
from tests.helpers import REPO, answer_fixtures  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson02 as check  # noqa: E402
from tlukit.widgets import core as widget_core  # noqa: E402
from tlukit.widgets import perceptron as stepper  # noqa: E402

LESSON = "02_perceptron"
NOTEBOOK = REPO / "source" / LESSON / f"{LESSON}.ipynb"
FUNCTIONS = ["heaviside", "sgn", "tlu", "layer_shapes", "dense_tlu_layer", "perceptron_update",
             "train_perceptron", "decision_line", "perceptron_as_sgd"]
EXERCISES = [getattr(check, name) for name in FUNCTIONS]
POINTS = {"test_heaviside": 1, "test_sgn": 1, "test_tlu": 1, "test_layer_shapes": 1, "test_dense_tlu_layer": 2,
          "test_perceptron_update": 2, "test_train_perceptron": 3, "test_decision_line": 1,
          "test_perceptron_as_sgd": 2}

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
AND_Y = np.array([0, 0, 0, 1])


def _load():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    answers, tests, written = {}, {}, {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            answers[meta["grade_id"]] = cell.source
        elif meta.get("solution") and meta.get("grade"):
            written[meta["grade_id"]] = (meta["points"], cell.source)
        elif meta.get("grade"):
            tests[meta["grade_id"]] = (meta["points"], cell.source)
    return nb, answers, tests, written


NB, ANSWERS, TESTS, WRITTEN = _load()


def cells_testing(answer_id: str) -> list[str]:
    return [t for t in TESTS if t == f"test_{answer_id}" or t.startswith(f"test_{answer_id}_")]


def hidden_call(test_id: str) -> tuple[str, str]:
    """(qid, function name) of the hidden test in a test cell."""
    match = re.search(r'hidden_test\("([^"]+)",\s*(\w+)\)', TESTS[test_id][1])
    assert match, f"{test_id} has no hidden_test call"
    return match.group(1), match.group(2)


def reference_namespace() -> dict:
    return {"np": np, **{name: getattr(ref, name) for name in FUNCTIONS}}


def run_test_cell(test_id: str, namespace: dict) -> None:
    """Execute a test cell of the notebook (self-check and hidden test) on ``namespace``."""
    exec(TESTS[test_id][1], {**namespace, "check": check, "hidden_test": hidden.run})


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_structure():
    assert NB.metadata.kernelspec["name"] == "python3" and NB.nbformat == 4
    ids = [c.metadata["nbgrader"]["grade_id"] for c in NB.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for cell in NB.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "no outputs in source/"
            assert cell.metadata["nbgrader"]["schema_version"] == 3
    assert set(ANSWERS) == set(FUNCTIONS)
    assert sorted(TESTS) == sorted(t for a in ANSWERS for t in cells_testing(a))
    assert {t: p for t, (p, _) in TESTS.items()} == POINTS
    assert {w: p for w, (p, _) in WRITTEN.items()} == {"written_logreg": 2}
    assert "logistic" in WRITTEN["written_logreg"][1].lower()
    setup = next(c for c in NB.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert "from tlukit.checks import lesson02 as check" in setup.source
    assert NB.cells[0].cell_type == "markdown" and "By the end of this lesson" in NB.cells[0].source
    assert "Recap" in NB.cells[-1].source
    assert any("perceptron_stepper(" in c.source for c in NB.cells if c.cell_type == "code")


def test_every_hidden_test_is_a_question_and_back():
    used = {hidden_call(t)[0] for t in TESTS}
    declared = {q.qid for q in questions.QUESTIONS}
    assert used == declared


@pytest.mark.parametrize("test_id", sorted(TESTS))
def test_reference_passes(test_id, capsys):
    run_test_cell(test_id, reference_namespace())
    out = capsys.readouterr().out
    assert out.count("✓") == 2 and "note:" not in out


def test_solution_cells_pass(capsys):
    namespace: dict = {"np": np}
    for source in ANSWERS.values():
        exec(source, namespace)
    for test_id in TESTS:
        run_test_cell(test_id, namespace)
    assert capsys.readouterr().out.count("✓") == 2 * len(TESTS)


@pytest.mark.parametrize("seed", range(5))
def test_reference_passes_hidden_tests_on_many_seeds(seed, monkeypatch, capsys):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    for q in questions.QUESTIONS:
        hidden.run(q.qid, getattr(ref, q.qid.split(".")[1]))
    assert "note:" not in capsys.readouterr().out


def test_reference_facts():
    assert ref.train_perceptron(AND_X, AND_Y)[2] == [2, 3, 3, 2, 1, 0]
    w, b, errors = ref.train_perceptron(AND_X, [0, 1, 1, 0], max_epochs=5)
    assert errors == [3, 3, 4, 4, 4]
    from sklearn.datasets import load_iris
    from sklearn.linear_model import Perceptron
    iris = load_iris()
    X, y = iris.data[:, 2:4], iris.target == 0
    per = Perceptron(random_state=42).fit(X, y)
    assert per.predict([[2, 0.5], [3, 1]]).tolist() == [True, False]
    sgd = ref.perceptron_as_sgd(42).fit(X, y)
    assert np.array_equal(sgd.coef_, per.coef_) and np.array_equal(sgd.intercept_, per.intercept_)


@pytest.mark.parametrize("random_state", [0, 1, 7])
def test_reference_sgd_matches_perceptron_on_random_data(random_state):
    from sklearn.linear_model import Perceptron
    X, y = questions._sgd_data(random_state)
    assert questions._compare_estimators(ref.perceptron_as_sgd(random_state), Perceptron(random_state=random_state),
                                         hidden.Case((random_state,))) is None


# --- hidden tests: known mistakes are recognised -------------------------------------------------

MISTAKES = [pytest.param(q, hint, wrong, id=f"{q.qid}-{i}")
            for q in questions.QUESTIONS for i, (hint, wrong) in enumerate(q.mistakes.items())]


@pytest.mark.parametrize("question,hint,wrong", MISTAKES)
@pytest.mark.parametrize("seed", [0, 1])
def test_hidden_mistake_models_fail_with_a_diagnosis(question, hint, wrong, seed, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    with pytest.raises(CheckFailed) as failure:
        hidden.run(question.qid, wrong)
    assert "likely mistake:" in str(failure.value)


# --- the fixtures -----------------------------------------------------------------------------

WRONG = answer_fixtures(LESSON, "wrong")
RIGHT = answer_fixtures(LESSON, "right")


def test_every_answer_has_fixtures():
    for answer in ANSWERS:
        assert any(f.grade_id == answer for f in WRONG), f"no wrong fixture for {answer}"
        assert any(f.grade_id == answer for f in RIGHT), f"no right fixture for {answer}"
    for fixture in WRONG + RIGHT:
        assert fixture.grade_id in ANSWERS, fixture.name


@pytest.mark.parametrize("fixture", WRONG, ids=lambda f: f.name)
def test_wrong_fixture_loses_points(fixture, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "0")
    assert fixture.expect_hint, f"{fixture.name} has no expect-hint"
    namespace = reference_namespace()
    exec(fixture.source, namespace)
    lost = fixture.loses or cells_testing(fixture.grade_id)
    for test_id in cells_testing(fixture.grade_id):
        if test_id not in lost:
            run_test_cell(test_id, namespace)
            continue
        with pytest.raises(CheckFailed) as failure:
            run_test_cell(test_id, namespace)
        message = str(failure.value)
        assert fixture.expect_hint in message, message
        assert "expected" in message or "raised" in message, message


@pytest.mark.parametrize("fixture", RIGHT, ids=lambda f: f.name)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_fixture_gets_full_marks(fixture, seed, monkeypatch, capsys):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    namespace = reference_namespace()
    exec(fixture.source, namespace)
    for test_id in cells_testing(fixture.grade_id):
        run_test_cell(test_id, namespace)
    assert "note:" not in capsys.readouterr().out


# --- the self-checks --------------------------------------------------------------------------

def test_failure_messages_name_input_expected_got_and_hint():
    def heaviside(z):
        return np.heaviside(z, 0)

    def perceptron_update(w, b, x, y, eta):
        return w - eta * x, b - eta

    with pytest.raises(CheckFailed) as failure:
        check.heaviside(heaviside)
    message = str(failure.value)
    assert "heaviside(array([-2. , -0.5 , -0.001, 0. , 0.001, 3. ]" in message
    assert "expected: [0, 0, 0, 1, 1, 1]" in message and "got:" in message
    assert "hint: heaviside(0) must be 1" in message
    with pytest.raises(CheckFailed) as failure:
        check.perceptron_update(perceptron_update)
    message = str(failure.value)
    assert "perceptron_update(" in message and "expected:" in message and "hint:" in message


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_hint_prints_something(exercise, capsys):
    exercise.hint()
    assert len(capsys.readouterr().out) > 30


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_unwritten_answer_says_so(exercise):
    def stub(*args, **kwargs):
        raise NotImplementedError()
    with pytest.raises(CheckFailed, match="not written yet"):
        exercise(stub)


def test_checks_and_widget_hold_no_answer():
    """The self-checks hard-code expected values; the stepper only calls the update it is given."""
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson02.py").read_text()
    assert "autograder" not in source and "def heaviside(z" not in source
    widget = (REPO / "utils" / "tlukit" / "widgets" / "perceptron.py").read_text()
    assert "eta *" not in widget and "* eta" not in widget and "y_hat" not in widget


# --- the perceptron stepper -------------------------------------------------------------------

def _spy():
    calls = []

    def update(w, b, x, y, eta=1.0):
        calls.append((np.array(w), b, np.array(x), y, eta))
        return ref.perceptron_update(w, b, x, y, eta)
    return update, calls


def test_stepper_calls_the_given_update_in_order():
    update, calls = _spy()
    steps = stepper.stepper_history(AND_X, AND_Y, update, eta=1.0)
    assert len(calls) == len(steps) - 1 == 24  # six epochs of four instances
    assert [int(c[2].tolist() == AND_X[i % 4].tolist()) for i, c in enumerate(calls)] == [1] * 24
    assert steps[1].changed and steps[1].b == -1 and not steps[2].changed
    assert steps[-1].w.tolist() == [2, 1] and steps[-1].b == -3 and steps[-1].epoch == 6
    assert not any(s.changed for s in steps if s.epoch == 6)


def test_stepper_uses_whatever_update_it_is_given():
    def frozen(w, b, x, y, eta=1.0):  # never learns: one epoch without change, then stop
        return w, b
    steps = stepper.stepper_history(AND_X, AND_Y, frozen)
    assert len(steps) == 5 and not any(s.changed for s in steps)

    def in_place(w, b, x, y, eta=1.0):  # a student who mutates w: the history must stay intact
        w += 1.0
        return w, b + 1
    steps = stepper.stepper_history(AND_X, AND_Y, in_place, max_epochs=1)
    assert [s.w.tolist() for s in steps[:3]] == [[0, 0], [1, 1], [2, 2]]


def test_stepper_reports_student_errors_readably():
    def unwritten(w, b, x, y, eta=1.0):
        raise NotImplementedError()
    with pytest.raises(CheckFailed, match="not written yet"):
        stepper.stepper_history(AND_X, AND_Y, unwritten)
    with pytest.raises(CheckFailed, match="must return a pair"):
        stepper.stepper_history(AND_X, AND_Y, lambda w, b, x, y, eta: w)


def test_stepper_static_fallback(monkeypatch):
    monkeypatch.setenv("TLUKIT_STATIC", "1")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    update, calls = _spy()
    stepper.perceptron_stepper(AND_X, AND_Y, update)
    assert calls, "the stepper must call the update it is given"
    assert len(shown) == 1 and isinstance(shown[0][0][0], Figure)
    assert len(shown[0][0][0].axes) == 6
    assert not plt.get_fignums(), "the fallback figure is closed after display"


def test_stepper_figure_small_multiples():
    steps = stepper.stepper_history(AND_X, AND_Y, ref.perceptron_update)
    fig = stepper.stepper_figure(AND_X, AND_Y, steps, frames=6)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0].startswith("start") and "converged" in titles[-1]
    plt.close(fig)
    few = stepper.stepper_history(AND_X, [1, 1, 1, 1], ref.perceptron_update)  # converged at once
    fig = stepper.stepper_figure(AND_X, [1, 1, 1, 1], few, frames=6)
    assert len([ax for ax in fig.axes if ax.get_title()]) == len(few) == 5
    plt.close(fig)


def test_stepper_builds_a_widget_when_interactive(monkeypatch):
    monkeypatch.delenv("TLUKIT_STATIC", raising=False)
    monkeypatch.setattr(widget_core, "interactive", lambda: True)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    stepper.perceptron_stepper(AND_X, AND_Y, ref.perceptron_update)
    (bundle,), kwargs = shown[0]
    assert kwargs.get("raw") and widget_core.WIDGET_MIME in bundle and "image/png" in bundle


def test_stepper_widget_steps():
    import ipywidgets
    steps = stepper.stepper_history(AND_X, AND_Y, ref.perceptron_update)
    box = stepper.stepper_widget(AND_X, AND_Y, steps)
    assert isinstance(box, ipywidgets.VBox)
    controls, info, image = box.children
    play, back, forward, slider = controls.children
    assert isinstance(play, ipywidgets.Play) and slider.max == len(steps) - 1
    first = image.value
    forward.click()
    assert slider.value == 1 and image.value != first and "wrong prediction" in info.value
    back.click()
    assert slider.value == 0 and image.value == first
    slider.value = slider.max
    assert "converged" in info.value


def test_stepper_rejects_non_2d_data():
    with pytest.raises(ValueError, match=r"shape \(m, 2\)"):
        stepper.perceptron_stepper(np.zeros((4, 3)), AND_Y, ref.perceptron_update)
