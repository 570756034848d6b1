"""Lesson 02 (the perceptron): what is particular to this lesson, and the perceptron stepper.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``. Here:

* every fixture (wrong and right) goes through *both* the self-check and the hidden test, which
  must agree;
* the catalogues: their size, the self-check's table of what each mistake returns (against the
  instructor's implementations), and each mistake named by both sides;
* defaults are part of the answer;
* each exercise is graded on its own: a wrong ``heaviside`` costs only its own point, stubs
  score nothing;
* the perceptron stepper.
"""
from __future__ import annotations

import contextlib
import copy
import io
import linecache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import course, hidden  # noqa: E402
from autograder.lessons import lesson02 as ref  # noqa: E402
from tests.helpers import REPO, SourceNotebook, answer_fixtures  # noqa: E402
from tlukit.checking import CheckFailed, difference  # noqa: E402
from tlukit.checks import lesson02 as check  # noqa: E402
from tlukit.widgets import core as widget_core  # noqa: E402
from tlukit.widgets import perceptron as stepper  # noqa: E402

questions = ref
LESSON = "02_perceptron"
NB = SourceNotebook(LESSON)
POINTS = {"test_heaviside": 1, "test_sgn": 1, "test_tlu": 1, "test_layer_shapes": 1, "test_dense_tlu_layer": 2,
          "test_perceptron_update": 2, "test_train_perceptron": 3, "test_decision_line": 1,
          "test_perceptron_as_sgd": 2}
FIXTURES = [f for kind in ("wrong", "rules", "right") for f in answer_fixtures(LESSON, kind)]

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
AND_Y = np.array([0, 0, 0, 1])


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert set(NB.answers) == {"heaviside", "sgn", "tlu", "layer_shapes", "dense_tlu_layer", "perceptron_update",
                               "train_perceptron", "decision_line", "perceptron_as_sgd"}
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert {w: p for w, (p, _) in NB.written.items()} == {"written_logreg": 2}
    answer = NB.written["written_logreg"][1]
    assert "logistic" in answer.lower()
    assert "=== BEGIN MARK SCHEME ===" in answer and "=== END MARK SCHEME ===" in answer
    assert "grow without bound" in answer  # no claim that logistic regression converges on any data
    assert "By the end of this lesson" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source
    assert any("perceptron_stepper(" in c.source for c in NB.nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in NB.nb.cells if c.cell_type == "markdown")
    for n in range(1, 10):
        assert f"### Exercise {n} " in text, f"Exercise {n} is not numbered in the text"
    assert "Exercise 3 of chapter 10" in text
    assert "converges on any data" not in text


def test_setup_cell_has_the_shape_of_the_brief():
    setup = next(c.source for c in NB.nb.cells if course.grade_id(c) == "setup")
    assert "from tlukit.demo import needs" in setup and "from tlukit.checks import lesson02 as check" in setup


def test_demos_that_use_answers_say_which_exercise():
    """A code cell that is not an answer or a test and calls a student's function does so inside
    needs(...) (or through a widget, which says which exercise to finish itself); data cells use no answer."""
    names = ("heaviside(", "sgn(", "tlu(", "layer_shapes(", "dense_tlu_layer(", "perceptron_update",
             "train_perceptron(", "decision_line(", "perceptron_as_sgd(")
    for cell in NB.nb.cells:
        if cell.cell_type != "code" or course.kind(cell) in ("answer", "test") or course.grade_id(cell) == "setup":
            continue
        if any(n in cell.source for n in names) and "widgets." not in cell.source:
            assert "with needs(\"Exercise" in cell.source, course.grade_id(cell)


def test_stubs_carry_full_docstrings():
    release = nbformat.read(course.RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4)
    for stub in (c.source for c in release.cells if course.kind(c) == "answer"):
        assert "Returns" in stub and "ine" in stub, stub[:80]


def test_reference_signatures_are_the_stubs():
    """The hidden test compares defaults with the reference's: the reference must have the stub's signature."""
    import inspect
    release = nbformat.read(course.RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4)
    namespace: dict = {"np": np}
    for cell in release.cells:
        if course.kind(cell) == "answer":
            exec(cell.source, namespace)
    for q in ref.QUESTIONS:
        name = q.qid.split(".")[1]
        assert inspect.signature(namespace[name]) == inspect.signature(q.reference), name


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
    assert per.coef_.tolist() == check.IRIS_COEF and per.intercept_.tolist() == check.IRIS_INTERCEPT
    sgd = ref.perceptron_as_sgd(42).fit(X, y)
    assert np.array_equal(sgd.coef_, per.coef_) and np.array_equal(sgd.intercept_, per.intercept_)


@pytest.mark.parametrize("random_state", [0, 1, 7])
def test_reference_sgd_matches_perceptron_on_random_data(random_state):
    from sklearn.linear_model import Perceptron
    from tlukit.observers import fitted_estimator
    X, y = ref._sgd_data(random_state)
    mine = fitted_estimator(ref.perceptron_as_sgd(random_state), X, y)
    theirs = fitted_estimator(Perceptron(random_state=random_state), X, y)
    assert mine.pop("type") == "SGDClassifier" and theirs.pop("type") == "Perceptron"
    assert hidden.difference(mine, theirs) is None


# --- the catalogues ---------------------------------------------------------------------------

def test_catalogues_are_shared_and_large_enough():
    for q in ref.QUESTIONS:
        name = q.qid.split(".")[1]
        assert getattr(check, name).catalogue is q.catalogue
        assert len(q.catalogue) >= 5, q.qid
        for mistake in q.catalogue:
            assert mistake.model is not None or mistake.key in q.models, (q.qid, mistake.key)


RANDOM = {"shuffles", "random_init"}  # cannot be written down: the self-check runs twice instead


def test_tables_match_the_instructors_models():
    """WRONG holds, for every mistake the instructor implements, what it returns on the self-check's inputs."""
    for q in ref.QUESTIONS:
        name = q.qid.split(".")[1]
        if name not in check.CASES and name != "train_perceptron" or name == "perceptron_as_sgd":
            continue
        cases = check.cases_of(name)
        assert set(check.WRONG.get(name, {})) == set(q.models) - RANDOM, name
        for key, outputs in check.WRONG.get(name, {}).items():
            assert len(outputs) == len(cases), (name, key)
            for case, wrong in zip(cases, outputs):
                try:
                    with np.errstate(all="ignore"):
                        value = q.models[key](*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
                except Exception:  # noqa: BLE001
                    assert wrong is check.RAISES, (name, key, case.args)
                    continue
                assert difference(value, wrong) is None, (name, key, case.args)
        for case in cases:  # the worked-out values agree with the reference
            assert difference(q.reference(*copy.deepcopy(case.args), **case.kwargs), case.want) is None, (name, case)


def _student(q, mistake):
    """A student's function that makes ``mistake`` (for relative mistakes: the reference, transformed)."""
    model = q.models.get(mistake.key, mistake.model)
    if not mistake.relative:
        return model
    return lambda *args, **kwargs: model(q.reference(*args, **kwargs), *args, **kwargs)


CATALOGUED = [pytest.param(q, m, id=f"{q.qid}-{m.key}") for q in ref.QUESTIONS for m in q.catalogue
              if m.key not in RANDOM]


@pytest.mark.parametrize("question,mistake", CATALOGUED)
def test_each_mistake_is_named_by_both_sides(question, mistake, monkeypatch):
    student = _student(question, mistake)
    name = question.qid.split(".")[1]
    failure = None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(check, name)(student)
    except CheckFailed as exc:
        failure = str(exc)
    assert failure is not None and mistake.message in failure, failure
    for seed in range(3):
        monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
        with pytest.raises(CheckFailed) as hidden_failure:
            hidden.run(question.qid, student, source="")
        assert f"likely mistake: {mistake.message}" in str(hidden_failure.value)


# --- both sides agree on every fixture --------------------------------------------------------

def fixture_namespace(fixture) -> dict:
    """The reference answers, with the fixture's cell run over them; its functions keep their source."""
    namespace = NB.reference_namespace()
    filename = f"<fixture {fixture.name}>"
    linecache.cache[filename] = (len(fixture.source), None, fixture.source.splitlines(True), filename)
    exec(compile(fixture.source, filename, "exec"), namespace)
    return namespace


def outcome(run) -> tuple[bool, str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            run()
    except CheckFailed as failure:
        return False, str(failure)
    return True, ""


@pytest.mark.parametrize("fixture", [pytest.param(f, id=f.name) for f in FIXTURES])
def test_self_check_and_hidden_test_agree(fixture, monkeypatch):
    namespace = fixture_namespace(fixture)
    losing = fixture.loses or NB.tests_of(fixture.grade_id)
    for test_id in NB.tests_of(fixture.grade_id):
        qid, name = NB.hidden_call(test_id)
        self_ok, self_message = outcome(lambda: getattr(check, name)(namespace[name]))
        for seed in range(3):
            monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
            hidden_ok, hidden_message = outcome(lambda: hidden.run(qid, namespace[name]))
            assert self_ok == hidden_ok, f"{test_id}: self-check {self_ok}, hidden test {hidden_ok}\n" \
                                         f"{self_message}\n{hidden_message}"
        expected_ok = fixture.kind == "right" or test_id not in losing
        assert self_ok == expected_ok, self_message
        if not expected_ok:
            assert fixture.expect_hint in self_message
            if fixture.hidden_hint:
                assert fixture.expect_hint in hidden_message


def test_named_share_of_wrong_fixtures():
    """At least 80 % of the plausible mistakes get a message naming them, on each side."""
    wrong = [f for kind in ("wrong", "rules") for f in answer_fixtures(LESSON, kind)]
    named_self = named_hidden = 0
    for fixture in wrong:
        namespace = fixture_namespace(fixture)
        test_id = (fixture.loses or NB.tests_of(fixture.grade_id))[0]
        qid, name = NB.hidden_call(test_id)
        named_self += fixture.expect_hint in outcome(lambda: getattr(check, name)(namespace[name]))[1]
        named_hidden += fixture.expect_hint in outcome(lambda: hidden.run(qid, namespace[name]))[1]
    print(f"lesson 02: {named_self}/{len(wrong)} named by the self-check, {named_hidden}/{len(wrong)} by the hidden test")
    assert named_self >= 0.8 * len(wrong) and named_hidden >= 0.8 * len(wrong)


@pytest.mark.parametrize("name,param,value", [("perceptron_update", "eta", 0.5), ("train_perceptron", "eta", 0.1),
                                              ("train_perceptron", "max_epochs", 99),
                                              ("perceptron_as_sgd", "random_state", None)])
def test_a_changed_default_loses_and_is_named_on_both_sides(name, param, value, monkeypatch):
    import inspect
    reference = getattr(ref, name)
    changed = copy.copy(reference)
    student = type(reference)(reference.__code__, reference.__globals__, name,
                              tuple(value if p == param else v.default for p, v in
                                    inspect.signature(reference).parameters.items() if v.default is not v.empty))
    wanted = f"the default of {param} in {name} is {value}"
    ok, message = outcome(lambda: getattr(check, name)(student))
    assert not ok and wanted in message, message
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "2")
    ok, message = outcome(lambda: hidden.run(f"02.{name}", student, source=""))
    assert not ok and wanted in message, message
    del changed


# --- each exercise is graded on its own -------------------------------------------------------

def solution_namespace(replace: dict[str, str] | None = None) -> dict:
    """The notebook's answer cells run in order, some replaced (by a fixture or a stub)."""
    namespace: dict = {"np": np}
    for grade_id, source in NB.answers.items():
        exec((replace or {}).get(grade_id, source), namespace)
    return namespace


def scores(namespace: dict, monkeypatch) -> dict[str, float]:
    """The points each test cell gets when graded: the hidden test alone decides (as in the grader)."""
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "5")
    out = {}
    for test_id, (points, _) in NB.tests.items():
        qid, name = NB.hidden_call(test_id)
        ok, _ = outcome(lambda: hidden.run(qid, namespace[name]))
        out[test_id] = points if ok else 0
    return out


def wrong_fixture(grade_id: str, slug: str) -> str:
    return next(f.source for f in answer_fixtures(LESSON, "wrong") if f.grade_id == grade_id and f.slug == slug)


@pytest.mark.parametrize("slug", ["strict_comparison", "np_sign", "half_at_zero"])
def test_a_wrong_heaviside_costs_only_its_own_point(slug, monkeypatch):
    got = scores(solution_namespace({"heaviside": wrong_fixture("heaviside", slug)}), monkeypatch)
    assert got == {**POINTS, "test_heaviside": 0}


def test_a_wrong_update_costs_only_its_own_points(monkeypatch):
    got = scores(solution_namespace({"perceptron_update": wrong_fixture("perceptron_update", "sign_flipped")}),
                 monkeypatch)
    assert got == {**POINTS, "test_perceptron_update": 0}


def test_later_stubs_score_nothing_and_earlier_answers_keep_theirs(monkeypatch):
    release = nbformat.read(course.RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4)
    stubs = {course.grade_id(c): c.source for c in release.cells if course.kind(c) == "answer"}
    later = ("tlu", "dense_tlu_layer", "perceptron_update", "train_perceptron")
    got = scores(solution_namespace({g: stubs[g] for g in later}), monkeypatch)
    assert got == {**POINTS, **{f"test_{g}": 0 for g in later}}
    got = scores(solution_namespace({"heaviside": stubs["heaviside"]}), monkeypatch)
    assert got == {**POINTS, "test_heaviside": 0}


def test_the_self_check_says_when_an_earlier_exercise_is_the_cause():
    namespace = solution_namespace({"heaviside": wrong_fixture("heaviside", "strict_comparison")})
    for name in ("tlu", "dense_tlu_layer", "perceptron_update", "train_perceptron"):
        with pytest.raises(CheckFailed) as failure:
            getattr(check, name)(namespace[name])
        assert f"{name} calls your heaviside (Exercise 1), which fails its own check" in str(failure.value)


# --- the self-checks --------------------------------------------------------------------------

def test_failure_messages_name_input_expected_got_and_hint():
    def heaviside(z):
        return np.heaviside(z, 0)

    def perceptron_update(w, b, x, y, eta=1.0):
        error = int(heaviside(np.dot(w, x) + b)) - int(y)
        return np.asarray(w, dtype=float) + eta * error * np.asarray(x, dtype=float), b + eta * error

    with pytest.raises(CheckFailed) as failure:
        check.heaviside(heaviside)
    message = str(failure.value)
    assert "heaviside(array([-2. , -0.5 , -0.001, 0. , 0.001, 3. ]" in message
    assert "expected: [0, 0, 0, 1, 1, 1]" in message and "got:" in message
    assert "hint: your heaviside(0) is 0" in message
    with pytest.raises(CheckFailed) as failure:
        check.perceptron_update(lambda w, b, x, y, eta=1.0: (np.asarray(w) - eta * np.asarray(x), b - eta))
    message = str(failure.value)
    assert "perceptron_update(" in message and "expected:" in message and "hint:" not in message  # no guess


def test_decision_line_accepts_any_pair_on_both_sides(monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "4")
    for wrap in (tuple, list, np.array):
        def decision_line(w, b, wrap=wrap):
            return wrap([-w[0] / w[1], -b / w[1]])
        check.decision_line(decision_line)
        hidden.run("02.decision_line", decision_line)
    for bad in (lambda w, b: np.array([[-w[0] / w[1]], [-b / w[1]]]), lambda w, b: {"slope": -w[0] / w[1]}):
        assert not outcome(lambda: check.decision_line(bad))[0]
        assert not outcome(lambda: hidden.run("02.decision_line", bad))[0]


def test_checks_and_widget_hold_no_answer():
    """The self-checks hard-code expected values; the stepper only calls the update it is given."""
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson02.py").read_text()
    assert "autograder" not in source and "def heaviside(z" not in source
    assert "np.where(np.asarray(z) < 0, 0, 1)" not in source and "z >= 0, 1" not in source
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
