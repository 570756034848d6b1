"""Lesson 01 (McCulloch–Pitts neurons and logic): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import hidden  # noqa: E402
from autograder.lessons import lesson01 as questions  # noqa: E402
from autograder.lessons import lesson01 as ref  # noqa: E402
from tests.helpers import SourceNotebook  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson01 as check  # noqa: E402

NB = SourceNotebook("01_mcculloch_pitts")


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert set(NB.answers) == {"mp_neuron", "gates", "xor_gate", "not_gate", "nand_gate"}
    assert {t: p for t, (p, _) in NB.tests.items()} == {
        "test_mp_neuron": 3, "test_gates_identity": 1, "test_gates_and": 1, "test_gates_or": 1,
        "test_gates_a_and_not_b": 1, "test_xor_gate": 2, "test_not_gate": 1, "test_nand_gate": 2}
    assert NB.written == {}
    assert "Learning objectives" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source
    assert any("truth_table_explorer(" in c.source for c in NB.nb.cells if c.cell_type == "code")


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

