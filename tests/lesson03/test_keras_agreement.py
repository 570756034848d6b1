"""Lesson 03 teaches what Keras computes: every reference activation, derivative and loss against Keras 3.

Activations are compared with ``keras.activations.*``, derivatives with TensorFlow's gradients of the
same Keras activations (``tf.GradientTape``), losses with both the per-sample functions
(``keras.losses.mean_squared_error`` ...) averaged over the batch and the loss objects
(``keras.losses.MeanSquaredError()`` ...), whose default reduction, ``"sum_over_batch_size"``, is the
mean the exercises ask for. Everything runs in float64 (NumPy inputs and ``dtype="float64"`` loss
objects), so that 1e-6 measures the formulas, not float32 rounding.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from autograder.lessons import lesson03 as ref

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

RTOL, ATOL = 1e-6, 1e-12
rng = np.random.default_rng(2024)


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def inputs():
    """Random logits of several shapes, and the extremes where stability matters."""
    return [rng.normal(scale=3, size=50), rng.normal(scale=2, size=(4, 6)), rng.uniform(-20, 20, size=(3, 2, 5)),
            np.array([-1000.0, -745.0, -80.0, -1e-3, 1e-3, 80.0, 745.0, 1000.0])]


def test_keras_runs_the_float64_we_give_it():
    assert keras.backend.backend() == "tensorflow"
    assert keras.activations.sigmoid(np.zeros(2)).dtype == tf.float64
    assert keras.backend.epsilon() == 1e-7                       # the clipping of the cross-entropies
    assert keras.losses.MeanSquaredError().reduction == "sum_over_batch_size"   # a mean over the batch


ACTIVATIONS = [
    ("sigmoid", ref.sigmoid, keras.activations.sigmoid),
    ("tanh", ref.tanh, keras.activations.tanh),
    ("relu", ref.relu, keras.activations.relu),
    ("leaky_relu", ref.leaky_relu, keras.activations.leaky_relu),                      # negative_slope=0.2
    ("leaky_relu_0.05", lambda z: ref.leaky_relu(z, 0.05), lambda z: keras.activations.leaky_relu(z, negative_slope=0.05)),
    ("elu", ref.elu, keras.activations.elu),
    ("elu_0.5", lambda z: ref.elu(z, 0.5), lambda z: keras.activations.elu(z, alpha=0.5)),
    ("selu", ref.selu, keras.activations.selu),
    ("softplus", ref.softplus, keras.activations.softplus),
]


@pytest.mark.parametrize("name,ours,theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_agree_with_keras(name, ours, theirs):
    for z in inputs():
        # tf.nn.leaky_relu keeps its slope in float32 (0.2 → 0.20000000298): 1.5e-8 relative at most
        close(ours(z), theirs(z), rtol=1e-7 if name.startswith("leaky") else RTOL)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_agree_with_keras(axis):
    for Z in (rng.normal(scale=3, size=(5, 4)), np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]]),
              rng.uniform(-800, 800, size=(3, 3))):
        close(ref.softmax(Z, axis=axis), keras.activations.softmax(Z, axis=axis))
        close(ref.log_softmax(Z, axis=axis), keras.activations.log_softmax(Z, axis=axis))


def _gradient(fn, z):
    """The element-wise derivative of a Keras activation, by TensorFlow's automatic differentiation."""
    x = tf.Variable(z)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(x))
    return tape.gradient(y, x).numpy()


DERIVATIVES = [
    ("sigmoid", ref.sigmoid_derivative, keras.activations.sigmoid),
    ("tanh", ref.tanh_derivative, keras.activations.tanh),
    ("relu", ref.relu_derivative, keras.activations.relu),
    ("leaky_relu", ref.leaky_relu_derivative, keras.activations.leaky_relu),
    ("elu", ref.elu_derivative, keras.activations.elu),
    ("elu_0.5", lambda z: ref.elu_derivative(z, 0.5), lambda z: keras.activations.elu(z, alpha=0.5)),
    ("selu", ref.selu_derivative, keras.activations.selu),
    ("softplus", ref.softplus_derivative, keras.activations.softplus),
]


@pytest.mark.parametrize("name,ours,theirs", DERIVATIVES, ids=[d[0] for d in DERIVATIVES])
def test_derivatives_agree_with_tensorflow_gradients(name, ours, theirs):
    """Away from z = 0, where ReLU-like functions have a kink and each framework picks a side."""
    for z in inputs():
        z = np.where(np.abs(z) < 1e-3, 0.5, z)
        close(ours(z), _gradient(theirs, z), rtol=1e-7 if name.startswith("leaky") else RTOL, atol=1e-10)


def test_softmax_jacobian_agrees_with_tensorflow():
    for z in (rng.normal(scale=2, size=5), np.array([1000.0, -1000.0, 0.0]), np.array([0.0, np.log(3.0)])):
        x = tf.Variable(z)
        with tf.GradientTape() as tape:
            s = keras.activations.softmax(x[None, :])[0]
        close(ref.softmax_jacobian(z), tape.jacobian(s, x).numpy(), atol=1e-10)


def _pairs():
    for shape in ((20,), (6, 3), (4, 1)):
        y = rng.normal(scale=2, size=shape)
        yield y, y + rng.normal(scale=1.5, size=shape)
    y = rng.normal(size=10)
    p = y + rng.normal(scale=0.2, size=10)
    p[3] += 25.0  # an outlier
    yield y, p


@pytest.mark.parametrize("ours,per_sample,loss_object", [
    (ref.mse, keras.losses.mean_squared_error, keras.losses.MeanSquaredError),
    (ref.mae, keras.losses.mean_absolute_error, keras.losses.MeanAbsoluteError),
    (ref.huber, keras.losses.huber, keras.losses.Huber),
], ids=["mse", "mae", "huber"])
def test_regression_losses_agree_with_keras(ours, per_sample, loss_object):
    for y, p in _pairs():
        close(ours(y, p), np.mean(per_sample(y, p)))                 # per sample, then the mean over the batch
        close(ours(y, p), loss_object(dtype="float64")(y, p))       # Keras's loss object: the same mean


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
def test_huber_delta_agrees_with_keras(delta):
    for y, p in _pairs():
        close(ref.huber(y, p, delta=delta), keras.losses.Huber(delta=delta, dtype="float64")(y, p))
        close(ref.huber(y, p, delta=delta), np.mean(keras.losses.huber(y, p, delta=delta)))


def _binary():
    y = rng.integers(0, 2, size=(6, 3)).astype(float)                # multilabel
    yield y, rng.uniform(0.01, 0.99, size=(6, 3)), False
    p = rng.uniform(0.01, 0.99, size=(6, 3))
    p[0, 0], p[1, 1], p[2, 2] = 0.0, 1.0, 1.0                         # clipped to [1e-7, 1 − 1e-7], as Keras does
    yield y, p, False
    yield y, rng.normal(scale=3, size=(6, 3)), True
    yield np.array([[1.0, 0.0, 1.0, 0.0]]), np.array([[1000.0, -1000.0, -1000.0, 1000.0]]), True


def test_binary_crossentropy_agrees_with_keras():
    for y, p, logits in _binary():
        ours = ref.binary_crossentropy(y, p, from_logits=logits)
        close(ours, keras.losses.BinaryCrossentropy(from_logits=logits, dtype="float64")(y, p))
        close(ours, np.mean(keras.losses.binary_crossentropy(y, p, from_logits=logits)))


def _categorical(exact_zeros: bool):
    for m, k in ((8, 4), (5, 5), (3, 10)):
        labels = rng.integers(0, k, size=m)
        P = ref.softmax(rng.normal(scale=2, size=(m, k)))
        if exact_zeros:
            P[0] = 0.0
            P[0, (labels[0] + 1) % k] = 1.0
        yield labels, P, False
        yield labels, rng.normal(scale=3, size=(m, k)), True
    yield np.array([0, 1, 2]), np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [3.0, 1.0, 0.0]]), True


def test_categorical_crossentropies_agree_with_keras():
    for labels, P, logits in _categorical(exact_zeros=False):
        one_hot = np.eye(P.shape[1])[labels]
        ours = ref.categorical_crossentropy(one_hot, P, from_logits=logits)
        close(ours, keras.losses.CategoricalCrossentropy(from_logits=logits, dtype="float64")(one_hot, P))
        close(ours, np.mean(keras.losses.categorical_crossentropy(one_hot, P, from_logits=logits)))
        sparse = ref.sparse_categorical_crossentropy(labels, P, from_logits=logits)
        close(sparse, ours)
        close(sparse, keras.losses.SparseCategoricalCrossentropy(from_logits=logits, dtype="float64")(labels, P))


def test_cross_entropies_with_exact_zeros_agree_with_keras():
    """With a probability of exactly 0 both clip it to 1e-7 (a loss of 16.118 for that instance). Keras's
    sparse version then renormalises the clipped row (it feeds log p to a softmax), which moves the loss by
    at most K · 1e-7: an absolute difference below 1e-5, which the lesson's formula does not reproduce."""
    for labels, P, logits in _categorical(exact_zeros=True):
        one_hot = np.eye(P.shape[1])[labels]
        close(ref.categorical_crossentropy(one_hot, P, from_logits=logits),
              keras.losses.CategoricalCrossentropy(from_logits=logits, dtype="float64")(one_hot, P))
        close(ref.sparse_categorical_crossentropy(labels, P, from_logits=logits),
              keras.losses.SparseCategoricalCrossentropy(from_logits=logits, dtype="float64")(labels, P),
              rtol=0, atol=1e-5)


def test_keras_float32_defaults_are_close_too():
    """What a student sees with Keras's default float32 objects: the same values to float32 precision."""
    y, p = rng.integers(0, 2, size=20).astype(float), rng.uniform(0.05, 0.95, size=20)
    close(ref.binary_crossentropy(y, p), keras.losses.BinaryCrossentropy()(y, p), rtol=1e-5)
    z = rng.normal(scale=3, size=(4, 5)).astype(np.float32)
    close(ref.softmax(z), keras.activations.softmax(z), rtol=1e-5, atol=1e-7)
