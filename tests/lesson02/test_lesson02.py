"""Lesson 02 (the perceptron): what is particular to this lesson, and the perceptron stepper.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import hidden  # noqa: E402
from autograder.lessons import lesson02 as questions  # noqa: E402
from autograder.lessons import lesson02 as ref  # noqa: E402
from tests.helpers import REPO, SourceNotebook  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson02 as check  # noqa: E402
from tlukit.widgets import core as widget_core  # noqa: E402
from tlukit.widgets import perceptron as stepper  # noqa: E402

NB = SourceNotebook("02_perceptron")
POINTS = {"test_heaviside": 1, "test_sgn": 1, "test_tlu": 1, "test_layer_shapes": 1, "test_dense_tlu_layer": 2,
          "test_perceptron_update": 2, "test_train_perceptron": 3, "test_decision_line": 1,
          "test_perceptron_as_sgd": 2}

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
AND_Y = np.array([0, 0, 0, 1])


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert set(NB.answers) == {"heaviside", "sgn", "tlu", "layer_shapes", "dense_tlu_layer", "perceptron_update",
                               "train_perceptron", "decision_line", "perceptron_as_sgd"}
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert {w: p for w, (p, _) in NB.written.items()} == {"written_logreg": 2}
    assert "logistic" in NB.written["written_logreg"][1].lower()
    assert "By the end of this lesson" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source
    assert any("perceptron_stepper(" in c.source for c in NB.nb.cells if c.cell_type == "code")


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
    from tlukit.probe import fitted_estimator
    X, y = questions._sgd_data(random_state)
    mine, theirs = fitted_estimator(ref.perceptron_as_sgd(random_state), X, y), fitted_estimator(Perceptron(random_state=random_state), X, y)
    assert mine.pop("type") == "SGDClassifier" and theirs.pop("type") == "Perceptron"
    assert hidden.difference(mine, theirs) is None


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
