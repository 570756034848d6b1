"""Lesson 06 (automatic differentiation with TensorFlow): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autograder import course, hidden
from autograder.lessons import lesson06 as ref
from tests.helpers import REPO, SourceNotebook
from tlukit.checking import CheckFailed
from tlukit.checks import lesson06 as check

NB = SourceNotebook("06_autodiff_tf")
POINTS = {"test_standardize": 1, "test_tape_watches": 1, "test_tape_J": 2, "test_neuron_tape_gradients": 2,
          "test_softmax_ce_gradient": 2, "test_two_gradients": 1, "test_logistic_steps": 3, "test_train_mlp": 3}


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert list(NB.answers) == ["standardize", "tape_watches", "tape_J", "neuron_tape_gradients",
                                "softmax_ce_gradient", "two_gradients", "logistic_steps", "train_mlp"]
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert "By the end of this lesson" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source and "lesson 07" in NB.nb.cells[-1].source
    setup = next(c for c in NB.nb.cells if course.grade_id(c) == "setup").source
    assert "keras, tf = import_keras()" in setup


def test_drawing_cells_are_skipped_while_grading():
    skipped = [course.grade_id(c) for c in NB.nb.cells if course.skip_when_grading(c)]
    assert skipped == ["figure_moons"]


def test_checks_import_neither_tensorflow_nor_the_answers():
    code = ("import sys; import tlukit.checks.lesson06; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson06.py").read_text()
    assert "autograder" not in source
    for answer in ("def standardize(X", "def tape_J(a", "def train_mlp(X", "def logistic_steps(X"):
        assert answer not in source


# --- reference facts --------------------------------------------------------------------------

def test_tape_gradients_are_the_hand_derived_ones():
    J, grads = check.as_numpy(ref.tape_J(5, 3, 2))
    assert float(J) == 51 and [float(g) for g in grads] == [9, 15, 3]
    rng = np.random.default_rng(0)
    X, y, w, b = rng.normal(size=(30, 3)), (rng.random(30) < 0.5).astype(float), rng.normal(size=3), 0.2
    phi = 1 / (1 + np.exp(-(X @ w + b)))
    dw, db = check.as_numpy(ref.neuron_tape_gradients(X, y, w, b))
    assert np.allclose(dw, X.T @ (phi - y) / 30, atol=1e-6) and np.isclose(db, np.mean(phi - y), atol=1e-6)
    Z, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert np.allclose(check.as_numpy(ref.softmax_ce_gradient(Z, labels)), (P - np.eye(4)[labels]) / 5, atol=1e-6)
    x = np.linspace(-1, 1, 7)
    dy, dz = check.as_numpy(ref.two_gradients(x))
    assert np.allclose(dy, 2 * x, atol=1e-6) and np.allclose(dz, np.cos(x ** 2) * 2 * x, atol=1e-6)


def test_logistic_steps_is_lesson_04s_gradient_descent():
    X, y = check.LOG_X, check.LOG_Y
    w, b, losses = check.as_numpy(ref.logistic_steps(X, y, learning_rate=0.5, steps=20))
    w_hand, b_hand = np.zeros(2), 0.0
    for _ in range(20):
        phi = 1 / (1 + np.exp(-(X @ w_hand + b_hand)))
        w_hand, b_hand = w_hand - 0.5 * X.T @ (phi - y) / len(X), b_hand - 0.5 * np.mean(phi - y)
    assert np.allclose(w, w_hand, atol=1e-4) and np.isclose(b, b_hand, atol=1e-4)
    assert np.isclose(losses[0], np.log(2)) and all(np.diff(losses) < 0)


def test_moons_are_two_balanced_classes_a_line_cannot_separate():
    X, y = check.moons(np.random.default_rng(0), 200, 0.1)
    assert X.shape == (200, 2) and sorted(np.bincount(y)) == [100, 100]
    # the best straight line through them: least squares on ±1 labels gets far from all of them right
    A = np.c_[X, np.ones(len(X))]
    line = np.linalg.lstsq(A, 2 * y - 1, rcond=None)[0]
    assert np.mean((A @ line > 0) == y) < 0.92


# --- the MLP criterion ------------------------------------------------------------------------

def _trained():
    X, y = check.MLP_DATA
    from tlukit.seed import set_seed
    import tensorflow  # noqa: F401 - seeded only once imported
    set_seed(0)
    return check.as_numpy(ref.train_mlp(X, y))


def test_the_criterion_accepts_the_reference_and_recomputes_everything():
    X, y = check.MLP_DATA
    params, losses = _trained()
    assert check.mlp_reason((params, losses), X, y, 150, 32, held_out=check.MLP_HELD_OUT, target=check.MLP_TARGET) is None
    untrained = [np.zeros_like(p) for p in params]
    reason = check.mlp_reason((untrained, losses), X, y, 150, 32, held_out=check.MLP_HELD_OUT, target=check.MLP_TARGET)
    assert "held-out" in reason  # the accuracy is earned by the weights, not reported
    reason = check.mlp_reason((params, list(np.geomspace(2, 1, 150))), X, y, 150, 32, held_out=check.MLP_HELD_OUT,
                              target=check.MLP_TARGET)
    assert "really has" in reason  # losses typed in by hand do not follow the weights
    reason = check.mlp_reason((params[:2], losses), X, y, 150, 32, held_out=check.MLP_HELD_OUT, target=0.9)
    assert "[W1, b1, W2, b2]" in reason


def test_grading_mode_draws_one_training_case(monkeypatch):
    monkeypatch.setenv("TLUKIT_GRADING", "1")
    assert hidden.grading() and len(ref._mlp_cases(np.random.default_rng(0))) == 1
    monkeypatch.setenv("TLUKIT_GRADING", "0")
    assert len(ref._mlp_cases(np.random.default_rng(0))) == 2


# --- messages ---------------------------------------------------------------------------------

def test_a_numpy_op_inside_the_tape_fails_readably():
    def tape_J(a, b, c):
        import tensorflow as tf
        a, b, c = (tf.Variable(float(v)) for v in (a, b, c))
        with tf.GradientTape() as tape:
            J = 3 * (np.multiply(a, b) + c)
        return J, tape.gradient(J, [a, b, c])
    with pytest.raises(CheckFailed, match="dJ/da and dJ/db are None"):
        check.tape_J(tape_J)


def test_tensorflows_errors_are_explained_at_the_students_line():
    import tensorflow as tf

    def logistic_steps(X, y, learning_rate=0.5, steps=20):
        X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
        w, b = tf.Variable(tf.zeros(X.shape[1])), tf.Variable(0.0)
        optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
        losses = []
        for _ in range(steps):
            with tf.GradientTape() as tape:
                z = tf.linalg.matvec(X, w) + b
                loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))
            optimizer.apply_gradients(zip([w, b], tape.gradient(loss, [w, b])))  # (variable, gradient): swapped
            losses.append(float(loss))
        return w, b, losses
    with pytest.raises(CheckFailed, match="the gradient first") as failure:
        check.logistic_steps(logistic_steps)
    assert "optimizer.apply_gradients(zip([w, b]" in failure.value.message  # the student's line, not Keras's

    def neuron_tape_gradients(X, y, w, b):
        X, y = tf.constant(X), tf.constant(y)  # float64, while the Variables are float32
        w, b = tf.Variable(w, dtype=tf.float32), tf.Variable(float(b))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=tf.linalg.matvec(X, w) + b))
        return tuple(tape.gradient(loss, [w, b]))
    with pytest.raises(CheckFailed, match="TensorFlow never casts for you") as failure:
        check.neuron_tape_gradients(neuron_tape_gradients)
    assert "_status_to_exception" not in failure.value.message

    def tape_J(a, b, c):
        with tf.GradientTape() as tape:
            J = 3 * (a * b + c)  # Python numbers: nothing recorded
        return J, tape.gradient(J, [a, b, c])
    with pytest.raises(CheckFailed, match="plain Python numbers"):
        check.tape_J(tape_J)


def test_the_two_tape_rules_are_named():
    def logistic_steps(X, y, learning_rate=0.5, steps=20):
        return np.zeros(np.shape(X)[1]), 0.0, [np.log(2)] * steps
    with pytest.raises(CheckFailed, match="GradientTape|apply_gradients|losses|expected"):
        check.logistic_steps(logistic_steps)
