"""Reference answers of lesson 02, "The perceptron".

These are the instructor's implementations the hidden tests compare against. They are written
for clarity: one idea per line, the notation of the lesson (z = w·x + b, ŷ = heaviside(z)).
"""
from __future__ import annotations

import numpy as np


def heaviside(z):
    """The Heaviside step: 0 where z < 0, 1 where z >= 0 (so heaviside(0) = 1)."""
    return np.where(np.asarray(z) < 0, 0, 1)


def sgn(z):
    """The sign function: -1 where z < 0, 0 where z == 0, +1 where z > 0."""
    z = np.asarray(z)
    return np.where(z < 0, -1, np.where(z > 0, 1, 0))


def tlu(x, w, b):
    """Output of one threshold logic unit on one instance: heaviside(wᵀx + b)."""
    z = np.dot(w, x) + b
    return heaviside(z)


def dense_tlu_layer(X, W, b):
    """Outputs of a layer of k TLUs on a batch: heaviside(XW + b), shape (m, k).

    X: (m, n) one instance per row; W: (n, k) one column per unit; b: (k,) one bias per unit.
    """
    Z = np.asarray(X) @ np.asarray(W) + np.asarray(b)  # b is broadcast to every row
    return heaviside(Z)


def layer_shapes(m, n, k):
    """Shapes in h = φ(XW + b) for m instances, n inputs and k units."""
    return {"X": (m, n), "W": (n, k), "b": (k,), "output": (m, k)}


def perceptron_update(w, b, x, y, eta=1.0):
    """One step of the perceptron learning rule on one instance; returns the new (w, b).

    The prediction is ŷ = heaviside(wᵀx + b); the weights move by η (y − ŷ) x and the bias
    by η (y − ŷ). Nothing changes when the prediction is right. The inputs are not modified.
    """
    w = np.asarray(w, dtype=float)
    x = np.asarray(x, dtype=float)
    y_hat = int(heaviside(w @ x + b))
    error = int(y) - y_hat  # booleans become 0/1
    return w + eta * error * x, b + eta * error


def train_perceptron(X, y, eta=1.0, max_epochs=100):
    """Train a perceptron with the perceptron rule, one instance at a time, in order.

    Starts from w = 0, b = 0. An epoch is one pass over the instances in their order. An error
    is an instance predicted wrongly before its update. Training stops after the first epoch
    without error (that epoch is counted), or after ``max_epochs`` epochs.

    Returns ``(w, b, errors)``: the final weights (n,), the final bias, and the list of the
    number of errors in each epoch run.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(max_epochs):
        n_errors = 0
        for x_i, y_i in zip(X, y):
            if heaviside(w @ x_i + b) != y_i:
                n_errors += 1
            w, b = perceptron_update(w, b, x_i, y_i, eta)
        errors.append(n_errors)
        if n_errors == 0:
            break
    return w, b, errors


def decision_line(w, b):
    """The decision boundary w1·x1 + w2·x2 + b = 0 of a 2-input TLU as a line x2 = slope·x1 + intercept.

    Returns ``(slope, intercept)``; needs w2 ≠ 0.
    """
    w1, w2 = w
    return -w1 / w2, -b / w2


def perceptron_as_sgd(random_state=42):
    """An SGDClassifier that trains exactly like sklearn's Perceptron(random_state=...)."""
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="perceptron", learning_rate="constant", eta0=1, penalty=None,
                         random_state=random_state)
