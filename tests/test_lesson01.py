"""Lesson 01 (McCulloch–Pitts neurons and logic): checks, hidden tests, fixtures and widget.

Everything runs in-process and fast: the notebook's own test cells are executed against the
reference answers, the solution cells, and every wrong/right answer fixture.
"""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import hidden  # noqa: E402
from autograder.questions import lesson01 as questions  # noqa: E402
from autograder.reference import lesson01 as ref  # noqa: E402
from tests.helpers import REPO, answer_fixtures  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson01 as check  # noqa: E402

LESSON = "01_mcculloch_pitts"
NOTEBOOK = REPO / "source" / LESSON / f"{LESSON}.ipynb"
FUNCTIONS = ["mp_neuron", "identity", "and_gate", "or_gate", "a_and_not_b", "xor_gate", "not_gate", "nand_gate"]
EXERCISES = [getattr(check, name) for name in FUNCTIONS]


def _load():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    answers, tests = {}, {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            answers[meta["grade_id"]] = cell.source
        if meta.get("grade"):
            tests[meta["grade_id"]] = (meta["points"], cell.source)
    return nb, answers, tests


NB, ANSWERS, TESTS = _load()


def cells_testing(answer_id: str) -> list[str]:
    return [t for t in TESTS if t == f"test_{answer_id}" or t.startswith(f"test_{answer_id}_")]


def hidden_call(test_id: str) -> tuple[str, str]:
    """(qid, function name) of the hidden test in a test cell."""
    match = re.search(r'hidden_test\("([^"]+)",\s*(\w+)\)', TESTS[test_id][1])
    assert match, f"{test_id} has no hidden_test call"
    return match.group(1), match.group(2)


def reference_namespace() -> dict:
    return {name: getattr(ref, name) for name in FUNCTIONS}


def run_test_cell(test_id: str, namespace: dict) -> None:
    """Execute a test cell of the notebook (self-check and hidden test) on ``namespace``."""
    exec(TESTS[test_id][1], {**namespace, "check": check, "hidden_test": hidden.run})


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_structure():
    assert NB.metadata.kernelspec["name"] == "python3"
    assert NB.nbformat == 4
    ids = [c.metadata["nbgrader"]["grade_id"] for c in NB.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for cell in NB.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "no outputs in source/"
            assert cell.metadata["nbgrader"]["schema_version"] == 3
    assert set(ANSWERS) == {"mp_neuron", "gates", "xor_gate", "not_gate", "nand_gate"}
    assert sorted(TESTS) == sorted(t for a in ANSWERS for t in cells_testing(a))
    assert {t: p for t, (p, _) in TESTS.items()} == {
        "test_mp_neuron": 3, "test_gates_identity": 1, "test_gates_and": 1, "test_gates_or": 1,
        "test_gates_a_and_not_b": 1, "test_xor_gate": 2, "test_not_gate": 1, "test_nand_gate": 2}
    setup = next(c for c in NB.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert "from tlukit.checks import lesson01 as check" in setup.source
    assert NB.cells[0].cell_type == "markdown" and "Learning objectives" in NB.cells[0].source
    assert "Recap" in NB.cells[-1].source


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
    namespace: dict = {}
    for source in ANSWERS.values():
        exec(source, namespace)
    for test_id in TESTS:
        run_test_cell(test_id, namespace)
    assert capsys.readouterr().out.count("✓") == 2 * len(TESTS)


@pytest.mark.parametrize("seed", range(5))
def test_reference_passes_hidden_tests_on_many_seeds(seed, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    for q in questions.QUESTIONS:
        hidden.run(q.qid, getattr(ref, q.qid.split(".")[1]))


# --- the fixtures -----------------------------------------------------------------------------

WRONG = answer_fixtures(LESSON, "wrong")
RIGHT = answer_fixtures(LESSON, "right")


def test_every_answer_has_fixtures():
    for answer in ANSWERS:
        assert any(f.grade_id == answer for f in WRONG), f"no wrong fixture for {answer}"
        assert any(f.grade_id == answer for f in RIGHT), f"no right fixture for {answer}"


@pytest.mark.parametrize("fixture", WRONG, ids=lambda f: f.name)
def test_wrong_fixture_loses_points(fixture):
    assert fixture.grade_id in ANSWERS and fixture.expect_hint
    namespace = reference_namespace()
    exec(fixture.source, namespace)
    lost = fixture.loses or cells_testing(fixture.grade_id)
    for test_id in cells_testing(fixture.grade_id):
        if test_id not in lost:
            run_test_cell(test_id, namespace)  # the other gates of the cell keep their points
            continue
        with pytest.raises(CheckFailed) as failure:
            run_test_cell(test_id, namespace)
        message = str(failure.value)
        assert fixture.expect_hint in message, message
        assert "expected" in message and "got" in message
        qid, name = hidden_call(test_id)  # the hidden test alone catches it too
        with pytest.raises(CheckFailed):
            hidden.run(qid, namespace[name])


@pytest.mark.parametrize("fixture", RIGHT, ids=lambda f: f.name)
@pytest.mark.parametrize("seed", [0, 1])
def test_right_fixture_gets_full_marks(fixture, seed, monkeypatch, capsys):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    namespace = reference_namespace()
    exec(fixture.source, namespace)
    for test_id in cells_testing(fixture.grade_id):
        run_test_cell(test_id, namespace)
    assert "note:" not in capsys.readouterr().out


# --- the self-checks --------------------------------------------------------------------------

def test_failure_messages_name_input_expected_got_and_hint():
    with pytest.raises(CheckFailed) as failure:
        check.mp_neuron(lambda e, i, t: int(sum(e) >= t))  # inhibition ignored
    message = str(failure.value)
    assert "mp_neuron([1, 1], [1], theta=2)" in message
    assert "expected: 0" in message and "got:      1" in message
    assert "hint:" in message and "veto" in message
    with pytest.raises(CheckFailed) as failure:
        check.and_gate(lambda a, b: a | b)
    message = str(failure.value)
    assert "and_gate(0, 1)" in message and "expected: 0" in message and "got:      1" in message
    assert "computes OR instead of AND" in message


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_hint_prints_something(exercise, capsys):
    exercise.hint()
    assert len(capsys.readouterr().out) > 30


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_unwritten_answer_says_so(exercise):
    def stub(*args):
        raise NotImplementedError()
    with pytest.raises(CheckFailed, match="not written yet"):
        exercise(stub)


def test_non_bit_results_are_named():
    with pytest.raises(CheckFailed, match="return 0 or 1"):
        check.mp_neuron(lambda e, i, t: [1])
    with pytest.raises(CheckFailed, match="forget a `return`"):
        check.mp_neuron(lambda e, i, t: None)
    with pytest.raises(CheckFailed, match="return 0 or 1"):
        check.or_gate(lambda a, b: a + b)


def test_bool_and_numpy_results_pass(capsys):
    import numpy as np
    check.mp_neuron(lambda e, i, t: bool(sum(e) >= t and not any(i)))
    check.mp_neuron(lambda e, i, t: np.int64(np.sum(e) >= t and not np.any(i)))
    check.not_gate(lambda a: ref.mp_neuron([], [a], 0) == 1)
    assert capsys.readouterr().out.count("✓") == 3


def test_python_operators_pass_with_a_note(capsys):
    check.xor_gate(lambda a, b: a ^ b)
    out = capsys.readouterr().out
    assert "✓" in out and "note:" in out


def test_hidden_test_names_the_mistake(monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "7")
    for hint, wrong in list(questions.NEURON_MISTAKES.items())[:3]:
        with pytest.raises(CheckFailed) as failure:
            hidden.run("01.mp_neuron", wrong)
        message = str(failure.value)
        assert "likely mistake" in message and "seed 7" in message
    with pytest.raises(CheckFailed, match="ignores inhibition"):  # diagnosed whatever the case
        hidden.run("01.mp_neuron", questions.NEURON_MISTAKES[next(iter(questions.NEURON_MISTAKES))])


@pytest.mark.parametrize("seed", range(5))
def test_hidden_neuron_test_catches_every_known_mistake(seed, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    for wrong in questions.NEURON_MISTAKES.values():
        with pytest.raises(CheckFailed):
            hidden.run("01.mp_neuron", wrong)


# --- the widget -------------------------------------------------------------------------------

GATES = [ref.identity, ref.and_gate, ref.or_gate, ref.a_and_not_b, ref.xor_gate]


def _capture_display(monkeypatch):
    import IPython.display
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    return shown


def test_explorer_falls_back_to_a_static_figure(monkeypatch):
    from tlukit import widgets
    monkeypatch.setenv("TLUKIT_STATIC", "1")
    shown = _capture_display(monkeypatch)

    def unwritten(a, b):
        raise NotImplementedError()

    widgets.truth_table_explorer(*GATES, ref.nand_gate, unwritten)
    assert len(shown) == 1 and isinstance(shown[0], Figure)
    assert not plt.get_fignums(), "the figure is closed after display"


def test_explorer_widget_builds_and_redraws(monkeypatch):
    import ipywidgets
    from tlukit.widgets import logic
    shown = _capture_display(monkeypatch)
    box = logic.build_explorer(GATES, a=0, b=1)
    assert isinstance(box, ipywidgets.VBox)
    toggle_a, toggle_b = box.children[0].children
    assert "A⊕B" in box.children[1].value
    toggle_a.value = 1                       # A = 1, B = 1: AND and OR fire, XOR does not
    assert "A∧B" in box.children[1].value and "A⊕B" not in box.children[1].value
    assert len(shown) >= 2 and all(isinstance(f, Figure) for f in shown)
    assert not plt.get_fignums()


def test_explorer_interactive_bundle_carries_the_fallback(monkeypatch):
    from tlukit.widgets import core, logic
    monkeypatch.setattr(core, "interactive", lambda: True)
    shown = _capture_display(monkeypatch)
    logic.truth_table_explorer(*GATES)
    bundle = shown[-1]
    assert core.WIDGET_MIME in bundle and "image/png" in bundle


def test_plot_networks_draws_figure_10_3():
    from tlukit.widgets import logic
    axes = logic.plot_networks()
    assert len(axes) == 4 and [a.get_title() for a in axes][0] == "C = A"
    plt.close("all")


def test_all_right_fixtures_together_get_full_marks(capsys):
    """As in the end-to-end grading test: one student holding every right fixture at once."""
    chosen = {fx.grade_id: fx.source for fx in RIGHT}
    namespace: dict = {}
    for answer in ANSWERS:  # in notebook order: later cells use the earlier answers
        exec(chosen[answer], namespace)
    for test_id in TESTS:
        run_test_cell(test_id, namespace)
    assert capsys.readouterr().out.count("✓") == 2 * len(TESTS)
