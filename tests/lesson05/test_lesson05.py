"""Lesson 05 (an MLP from scratch in NumPy): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder.lessons import lesson05 as ref  # noqa: E402
from tests.helpers import REPO, SourceNotebook  # noqa: E402
from tlukit.checks import lesson05 as check  # noqa: E402

NB = SourceNotebook("05_mlp_numpy")
POINTS = {"test_relu_backward": 2, "test_sigmoid_backward": 1, "test_softmax_cross_entropy": 3,
          "test_dense_backward": 3, "test_mlp_loss_and_grads": 3, "test_init_params": 2, "test_minibatches": 2,
          "test_momentum_step": 1, "test_rmsprop_step": 2, "test_adam_step": 3}


def test_notebook_facts():
    assert list(NB.answers) == ["relu_backward", "sigmoid_backward", "softmax_cross_entropy", "dense_backward",
                                "mlp_loss_and_grads", "init_params", "minibatches", "momentum_step", "rmsprop_step",
                                "adam_step"]
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert "By the end of this lesson" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source and "lesson 06" in NB.nb.cells[-1].source
    assert any("widgets.optimizer_paths(" in c.source for c in NB.nb.cells)


def test_checks_and_widget_hold_no_answer():
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson05.py").read_text()
    assert "autograder" not in source
    for stub in ("def relu_backward(dA", "def softmax_cross_entropy(logits", "def dense_backward(dZ",
                 "def adam_step(param", "def momentum_step(param", "def rmsprop_step(param"):
        assert stub not in source
    widget = (REPO / "utils" / "tlukit" / "widgets" / "optimizers.py").read_text()
    assert "beta1" not in widget and "1 - beta" not in widget


def test_worked_values_are_the_reference_and_models():
    """Every number written into the self-checks is what the lesson's formulas give."""
    args = (check.MLP_PARAMS, check.MLP_X, check.MLP_Y)
    assert np.isclose(ref.mlp_loss_and_grads(*args)[0], check.MLP_LOSS)
    for key in ("no_mask", "mask_from_upstream", "value_not_mask"):
        got = ref.MLP_MODELS[key](*args)[1]
        assert all(np.allclose(got[k], check.WRONG["mlp_" + key][k]) for k in got)
    assert np.isclose(ref.MLP_MODELS["linear"](*args)[0], check.WRONG["mlp_loss_linear"])
    p, g = np.array([1.0, 1.0]), np.array([0.5, -2.0])
    want = ref.adam_step(p, g, np.zeros(2), np.zeros(2), 1)
    assert all(np.allclose(a, b) for a, b in zip(want, check.WRONG["adam_t1"]))
    assert np.allclose(want[0], p - 0.001 * np.sign(g))        # Adam's first step is lr · sign(g)
    loss, d = ref.softmax_cross_entropy(check.SOFTMAX_LOGITS, check.SOFTMAX_Y)
    assert np.isclose(loss, check.SOFTMAX_WANT[0]) and np.allclose(d, check.SOFTMAX_WANT[1])
    got = ref.dense_backward(check.DENSE_DZ, check.DENSE_X, check.DENSE_W)
    assert all(np.allclose(a, b) for a, b in zip(got, check.DENSE_WANT))


@pytest.mark.parametrize("seed", range(3))
def test_reference_gradients_match_central_differences(seed):
    rng = np.random.default_rng(seed)
    case = ref._mlp_cases(rng)[1]
    params, X, y = case.args
    _, grads = ref.mlp_loss_and_grads(params, X, y)
    numeric = check.numerical_grads(ref.mlp_loss_and_grads, params, X, y)
    for key in params:
        assert np.allclose(grads[key], numeric[key], rtol=1e-5, atol=1e-7), key


def test_reference_keeps_float32():
    params = ref.init_params([20, 8, 3])
    X = np.random.default_rng(0).random((6, 20), dtype=np.float32)
    loss, grads = ref.mlp_loss_and_grads(params, X, np.array([0, 1, 2, 0, 1, 2]))
    assert all(g.dtype == np.float32 for g in grads.values())
    new = ref.adam_step(params["W1"], grads["W1"], np.zeros_like(grads["W1"]), np.zeros_like(grads["W1"]), 1)
    assert all(a.dtype == np.float32 for a in new)


def test_zero_initialisation_leaves_hidden_units_identical():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 3, size=30)
    params = {"W1": np.full((3, 5), 0.3), "b1": np.zeros(5), "W2": np.full((5, 3), 0.2), "b2": np.zeros(3)}
    for _ in range(50):
        _, grads = ref.mlp_loss_and_grads(params, X, y)
        params = {k: params[k] - 0.5 * grads[k] for k in params}
    assert np.allclose(params["W1"], params["W1"][:, :1])       # every hidden unit is still a clone


def test_optimizer_race_static_figure_and_stub_notice(monkeypatch, capsys):
    from tlukit.widgets import optimizers

    monkeypatch.setenv("TLUKIT_STATIC", "1")

    def sgd(theta, grad, state, lr):
        return theta - lr * grad, None

    def stub(theta, grad, state, lr):
        raise NotImplementedError()

    points, losses = optimizers.run_path(sgd, 0.4, "ravine", 30)
    assert points.shape == (31, 2) and losses[-1] < losses[0]
    fig = optimizers.race_figure({"SGD": (sgd, 0.4)})
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_legend() is not None
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a))
    optimizers.optimizer_paths({"SGD": (sgd, 0.4), "Adam": (stub, 0.5)}, exercise={"Adam": "Exercise 10"})
    assert any("Exercise 10" in str(a) for a in shown)
