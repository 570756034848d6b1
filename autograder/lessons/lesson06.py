"""The instructor's side of lesson 06, "Automatic differentiation with TensorFlow".

One home for everything the instructor keeps secret about this lesson: the reference answers
(first), then the hidden tests: the inputs each draws, and the wrong implementations that name
a mistake (small variants of the reference, kept here because they would give the answer away).

TensorFlow is imported inside the functions, never when this module is imported: the test
suite and the grader import every lesson's home, and most lessons do not need TensorFlow.
Answers may return tensors or Variables; the probe turns them into NumPy arrays on both sides,
and every comparison is by value within float32 tolerances (``RTOL``, ``ATOL``).
"""
from __future__ import annotations

import math

import numpy as np

from autograder.hidden import Case, Question, grading
from tlukit.checks import lesson06 as check

RTOL, ATOL = 1e-4, 1e-5
"""float32 arithmetic: an answer in float32 and one in float64 agree to about 1e-6 relative."""


# ============================================================================= reference answers
def standardize(X):
    """Each column of X minus its mean, divided by its standard deviation, as a float32 tensor."""
    import tensorflow as tf

    X = tf.cast(tf.convert_to_tensor(X), tf.float32)
    mean = tf.reduce_mean(X, axis=0)
    std = tf.math.reduce_std(X, axis=0)
    return (X - mean) / std


tape_watches = {"tf.Variable(3.0)": True, "tf.constant(3.0)": False, "tf.Variable(3)": False,
                "tf.Variable(3.0, trainable=False)": False, "tf.constant(3.0) after tape.watch": True}
"""What a tape records without being told: trainable float Variables only. An int Variable is not
differentiable (the tape returns None, without an error); a constant or a non-trainable Variable is recorded
only after ``tape.watch``."""


def tape_J(a, b, c):
    """J = 3(a·b + c) and its gradient [dJ/da, dJ/db, dJ/dc], computed by a GradientTape."""
    import tensorflow as tf

    a, b, c = (tf.Variable(float(v)) for v in (a, b, c))
    with tf.GradientTape() as tape:
        J = 3 * (a * b + c)
    return J, tape.gradient(J, [a, b, c])


def neuron_tape_gradients(X, y, w, b):
    """(dL/dw, dL/db) of the mean cross-entropy of a sigmoid neuron, by a GradientTape."""
    import tensorflow as tf

    X = tf.constant(X, tf.float32)
    y = tf.constant(y, tf.float32)
    w = tf.Variable(tf.constant(w, tf.float32))
    b = tf.Variable(float(b))
    with tf.GradientTape() as tape:
        z = tf.linalg.matvec(X, w) + b
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))
    dw, db = tape.gradient(loss, [w, b])
    return dw, db


def softmax_ce_gradient(logits, labels):
    """dL/dlogits of the mean softmax cross-entropy (sparse integer labels), by a GradientTape."""
    import tensorflow as tf

    logits = tf.constant(logits, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    return tape.gradient(loss, logits)


def two_gradients(x):
    """(dy/dx, dz/dx) for y = x², z = sin(y), element-wise, from one persistent tape."""
    import tensorflow as tf

    x = tf.constant(x, tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x ** 2
        z = tf.sin(y)
    dy_dx = tape.gradient(y, x)
    dz_dx = tape.gradient(z, x)
    del tape
    return dy_dx, dz_dx


def logistic_steps(X, y, learning_rate=0.5, steps=20):
    """``steps`` full-batch SGD steps of logistic regression from w = 0, b = 0, with apply_gradients.

    Returns (w, b, losses): losses[k] is the mean cross-entropy before step k.
    """
    import tensorflow as tf

    X = tf.constant(X, tf.float32)
    y = tf.constant(y, tf.float32)
    w = tf.Variable(tf.zeros(X.shape[1]))
    b = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            z = tf.linalg.matvec(X, w) + b
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
        losses.append(float(loss))
    return w, b, losses


def train_mlp(X, y, n_hidden=32, epochs=150, learning_rate=0.3):
    """A ReLU MLP (n → n_hidden → k classes) trained by full-batch SGD with momentum 0.9 in a custom loop.

    Returns (params, losses): params = [W1, b1, W2, b2], losses one mean cross-entropy per epoch.
    """
    import tensorflow as tf

    X = tf.constant(X, tf.float32)
    y = tf.constant(y, tf.int32)
    n, k = X.shape[1], int(tf.reduce_max(y)) + 1
    W1 = tf.Variable(tf.random.normal((n, n_hidden), stddev=math.sqrt(2 / n)))
    b1 = tf.Variable(tf.zeros(n_hidden))
    W2 = tf.Variable(tf.random.normal((n_hidden, k), stddev=math.sqrt(2 / n_hidden)))
    b2 = tf.Variable(tf.zeros(k))
    params = [W1, b1, W2, b2]
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    losses = []
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            logits = tf.nn.relu(X @ W1 + b1) @ W2 + b2
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, params), params))
        losses.append(float(loss))
    return params, losses


# ============================================================================= hidden tests
# ----------------------------------------------------------------------------- standardize
def _standardize_cases(rng):
    cases = []
    for _ in range(2):
        m, n = int(rng.integers(4, 9)), int(rng.integers(2, 5))
        cases.append(Case((rng.normal(loc=rng.uniform(-5, 5, n), scale=rng.uniform(0.5, 4, n), size=(m, n)),)))
    X = rng.integers(0, 10, size=(int(rng.integers(5, 8)), 3))
    X[0] = X[1] + np.array([1, 2, 3])  # no constant column
    cases.append(Case((X,)))                                  # ints: cast before the mean
    cases.append(Case((X.tolist(),)))                         # a nested list of ints
    return cases


def _std_model(X, *, axis=0, cast_late=False, scale="std"):
    import tensorflow as tf

    X = tf.convert_to_tensor(X)
    if cast_late:
        mean = tf.cast(tf.reduce_mean(X, axis=axis), tf.float32)
        X = tf.cast(X, tf.float32)
    else:
        X = tf.cast(X, tf.float32)
        mean = tf.reduce_mean(X, axis=axis, keepdims=axis == 1)
    centred = X - mean
    if scale is None:
        return centred
    spread = tf.math.reduce_variance(X, axis=axis, keepdims=axis == 1)
    return centred / (spread if scale == "var" else tf.sqrt(spread))


STANDARDIZE_MODELS = {
    "int_mean": lambda X: _std_model(X, cast_late=True),
    "rows": lambda X: _std_model(X, axis=1),
    "all_entries": lambda X: _std_model(X, axis=None),
    "variance": lambda X: _std_model(X, scale="var"),
    "centred_only": lambda X: _std_model(X, scale=None),
}

# ----------------------------------------------------------------------------- tape_J
def _J_cases(rng):
    return [Case(tuple(float(v) for v in np.round(rng.normal(scale=3, size=3), 3))) for _ in range(3)] + [
        Case((int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(-5, 5))))]  # ints: make them floats


def _J_model(a, b, c, *, kind):
    import tensorflow as tf

    if kind == "constants":
        a, b, c = (tf.constant(float(v)) for v in (a, b, c))
    elif kind == "ints":
        a, b, c = (tf.Variable(v) for v in (a, b, c))
    else:
        a, b, c = (tf.Variable(float(v)) for v in (a, b, c))
    with tf.GradientTape() as tape:
        J = 3 * a * b + c if kind == "precedence" else (a * b + c if kind == "no_3" else 3 * (a * b + c))
    grads = tape.gradient(J, [a, b, c])
    return J, grads


TAPE_J_MODELS = {
    "constants": lambda a, b, c: _J_model(a, b, c, kind="constants"),
    "ints": lambda a, b, c: _J_model(a, b, c, kind="ints"),
    "precedence": lambda a, b, c: _J_model(a, b, c, kind="precedence"),
    "no_3": lambda a, b, c: _J_model(a, b, c, kind="no_3"),
}


# ----------------------------------------------------------------------------- neuron_tape_gradients
def _neuron_cases(rng):
    cases = []
    for _ in range(3):
        m, n = int(rng.integers(4, 12)), int(rng.integers(2, 5))
        cases.append(Case((rng.normal(size=(m, n)), (rng.random(m) < 0.5).astype(float), rng.normal(size=n),
                           float(rng.normal()))))
    m = int(rng.integers(4, 8))
    cases.append(Case((rng.normal(size=(m, 2)), rng.integers(0, 2, size=m), rng.normal(size=2), 0)))  # int labels
    return cases


def _neuron_model(X, y, w, b, *, kind):
    import tensorflow as tf

    X = tf.constant(X, tf.float32)
    y = tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.constant(w, tf.float32)), tf.Variable(float(b))
    with tf.GradientTape() as tape:
        z = tf.linalg.matvec(X, w) + b
        if kind == "probabilities_as_logits":
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=tf.sigmoid(z)))
        elif kind == "keras_default":
            loss = tf.keras.losses.BinaryCrossentropy()(y, z)
        else:
            phi = tf.sigmoid(z)
            loss = tf.reduce_mean(tf.square(phi - y))  # "mse"
    return tuple(tape.gradient(loss, [w, b]))


NEURON_MODELS = {
    "probabilities_as_logits": lambda X, y, w, b: _neuron_model(X, y, w, b, kind="probabilities_as_logits"),
    "keras_default": lambda X, y, w, b: _neuron_model(X, y, w, b, kind="keras_default"),
    "mse": lambda X, y, w, b: _neuron_model(X, y, w, b, kind="mse"),
}


# ----------------------------------------------------------------------------- softmax_ce_gradient
def _softmax_cases(rng):
    cases = []
    for _ in range(3):
        m, k = int(rng.integers(3, 8)), int(rng.integers(3, 6))
        cases.append(Case((rng.normal(scale=2, size=(m, k)), rng.integers(0, k, size=m))))
    logits = rng.normal(size=(3, 4))
    logits[1] += 300  # large logits: the gradient stays finite with a stable softmax
    cases.append(Case((logits, np.array([0, 3, 1]))))
    return cases


def _softmax_model(logits, labels, *, kind):
    import tensorflow as tf

    logits = tf.constant(logits, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        if kind == "keras_default":
            loss = tf.keras.losses.SparseCategoricalCrossentropy()(labels, logits)
        else:  # "probabilities": the gradient is taken with respect to P, not the logits
            P = tf.nn.softmax(logits)
            tape.watch(P)
            loss = tf.reduce_mean(-tf.math.log(tf.gather(P, labels, batch_dims=1)))
    return tape.gradient(loss, P if kind == "probabilities" else logits)


SOFTMAX_MODELS = {
    "keras_default": lambda logits, labels: _softmax_model(logits, labels, kind="keras_default"),
    "probabilities": lambda logits, labels: _softmax_model(logits, labels, kind="probabilities"),
}


# ----------------------------------------------------------------------------- two_gradients
def _two_cases(rng):
    return [Case((rng.uniform(-1.5, 1.5, size=int(rng.integers(3, 8))),)) for _ in range(3)] + [
        Case((float(np.round(rng.uniform(0.2, 1.5), 3)),))]


def _two_model(x, *, kind):
    import tensorflow as tf

    x = tf.constant(x, tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x ** 2
        tape.watch(y)
        z = tf.sin(y)
    if kind == "dz_dy":
        return tape.gradient(y, x), tape.gradient(z, y)
    raise ValueError(kind)


TWO_MODELS = {"dz_dy": lambda x: _two_model(x, kind="dz_dy")}


# ----------------------------------------------------------------------------- logistic_steps
def _logistic_data(rng, m, n):
    w = rng.normal(size=n)
    w *= rng.uniform(2.0, 3.0) / np.linalg.norm(w)
    X = rng.normal(size=(m, n))
    y = (rng.random(m) < 1 / (1 + np.exp(-(X @ w + rng.uniform(-1, 1))))).astype(float)
    return X, y


def _logistic_cases(rng):
    cases = [Case(_logistic_data(rng, int(rng.integers(20, 60)), int(rng.integers(2, 5))))]
    cases.append(Case(_logistic_data(rng, int(rng.integers(20, 60)), 3), {"learning_rate": 0.1, "steps": 7}))
    cases.append(Case(_logistic_data(rng, int(rng.integers(20, 60)), 2), {"learning_rate": 2.0, "steps": 5}))
    return cases


def _logistic_model(X, y, learning_rate=0.5, steps=20, *, sign=1.0, after=False, sum_loss=False, freeze_b=False,
                    fixed_lr=None):
    import tensorflow as tf

    X = tf.constant(X, tf.float32)
    y = tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros(X.shape[1])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=fixed_lr or learning_rate)
    variables = [w] if freeze_b else [w, b]
    losses = []

    def loss_of():
        per = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=tf.linalg.matvec(X, w) + b)
        return tf.reduce_sum(per) if sum_loss else tf.reduce_mean(per)

    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_of()
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip([sign * g for g in grads], variables))
        losses.append(float(loss_of() if after else loss))
    return w, b, losses


LOGISTIC_MODELS = {
    "ascent": lambda X, y, learning_rate=0.5, steps=20: _logistic_model(X, y, learning_rate, steps, sign=-1.0),
    "loss_after_step": lambda X, y, learning_rate=0.5, steps=20: _logistic_model(X, y, learning_rate, steps,
                                                                                   after=True),
    "sum_loss": lambda X, y, learning_rate=0.5, steps=20: _logistic_model(X, y, learning_rate, steps, sum_loss=True),
    "bias_frozen": lambda X, y, learning_rate=0.5, steps=20: _logistic_model(X, y, learning_rate, steps,
                                                                               freeze_b=True),
    "ignores_learning_rate": lambda X, y, learning_rate=0.5, steps=20: _logistic_model(X, y, learning_rate, steps,
                                                                                         fixed_lr=0.5),
}


# ----------------------------------------------------------------------------- train_mlp (a criterion)
def _mlp_cases(rng):
    """Moons to learn, and fresh moons of the same kind held out; one case only while grading."""
    cases = []
    for kwargs in ({}, {"n_hidden": 24, "epochs": 200}):
        m = 200
        noise = float(rng.uniform(0.05, 0.15))
        X, y = check.moons(rng, m, noise)
        held_out = check.moons(rng, 400, noise)
        cases.append(Case((X, y), kwargs, seed=int(rng.integers(0, 2**31 - 1)), secret=held_out))
    return cases[:1] if grading() else cases


def _mlp_model(X, y, n_hidden=32, epochs=150, learning_rate=0.3, *, zeros=False, linear=False, last_only=False,
               softmax_twice=False):
    import tensorflow as tf

    X = tf.constant(X, tf.float32)
    y = tf.constant(y, tf.int32)
    n, k = X.shape[1], int(tf.reduce_max(y)) + 1
    if zeros:
        W1, W2 = tf.Variable(tf.zeros((n, n_hidden))), tf.Variable(tf.zeros((n_hidden, k)))
    else:
        W1 = tf.Variable(tf.random.normal((n, n_hidden), stddev=math.sqrt(2 / n)))
        W2 = tf.Variable(tf.random.normal((n_hidden, k), stddev=math.sqrt(2 / n_hidden)))
    b1, b2 = tf.Variable(tf.zeros(n_hidden)), tf.Variable(tf.zeros(k))
    params = [W1, b1, W2, b2]
    trained = [W2, b2] if last_only else params
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    losses = []
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            hidden = X @ W1 + b1
            logits = (hidden if linear else tf.nn.relu(hidden)) @ W2 + b2
            if softmax_twice:
                logits = tf.nn.softmax(logits)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, trained), trained))
        losses.append(float(loss))
    return params, losses


MLP_MODELS = {
    "zero_init": lambda X, y, n_hidden=32, epochs=150, learning_rate=0.3: _mlp_model(
        X, y, n_hidden, epochs, learning_rate, zeros=True),
    "no_relu": lambda X, y, n_hidden=32, epochs=150, learning_rate=0.3: _mlp_model(
        X, y, n_hidden, epochs, learning_rate, linear=True),
    "last_layer_only": lambda X, y, n_hidden=32, epochs=150, learning_rate=0.3: _mlp_model(
        X, y, n_hidden, epochs, learning_rate, last_only=True),
    "softmax_twice": lambda X, y, n_hidden=32, epochs=150, learning_rate=0.3: _mlp_model(
        X, y, n_hidden, epochs, learning_rate, softmax_twice=True),
}


def mlp_criterion(answer, case: Case) -> str | None:
    """Met when the returned weights classify the grader's held-out moons well and the losses are earned.

    Everything is recomputed from the returned weights by :func:`tlukit.checks.lesson06.mlp_reason`,
    the criterion the self-check applies to its own data.
    """
    X, y = case.args
    return check.mlp_reason(answer, X, y, case.kwargs.get("epochs", 150), case.kwargs.get("n_hidden", 32),
                            held_out=case.secret, target=check.MLP_TARGET)


# ============================================================================= the questions
QUESTIONS = [
    Question(qid="06.standardize", reference=standardize, cases=_standardize_cases, catalogue=check.STANDARDIZE,
             models=STANDARDIZE_MODELS, rtol=RTOL, atol=ATOL),
    Question(qid="06.tape_watches", reference=tape_watches, shape="value", catalogue=check.TAPE_WATCHES),
    Question(qid="06.tape_J", reference=tape_J, cases=_J_cases, catalogue=check.TAPE_J, models=TAPE_J_MODELS,
             rules=(check.USE_TAPE,), rtol=RTOL, atol=ATOL),
    Question(qid="06.neuron_tape_gradients", reference=neuron_tape_gradients, cases=_neuron_cases,
             catalogue=check.NEURON_TAPE, models=NEURON_MODELS, rules=(check.USE_TAPE,), rtol=RTOL, atol=ATOL),
    Question(qid="06.softmax_ce_gradient", reference=softmax_ce_gradient, cases=_softmax_cases,
             catalogue=check.SOFTMAX_CE, models=SOFTMAX_MODELS, rules=(check.USE_TAPE,), rtol=RTOL, atol=ATOL),
    Question(qid="06.two_gradients", reference=two_gradients, cases=_two_cases, catalogue=check.TWO_GRADIENTS,
             models=TWO_MODELS, rules=(check.USE_TAPE,), rtol=RTOL, atol=ATOL),
    Question(qid="06.logistic_steps", reference=logistic_steps, cases=_logistic_cases, catalogue=check.LOGISTIC_STEPS,
             models=LOGISTIC_MODELS, rules=(check.USE_TAPE, check.USE_APPLY), rtol=1e-3, atol=1e-4),
    Question(qid="06.train_mlp", reference=train_mlp, cases=_mlp_cases, criterion=mlp_criterion,
             catalogue=check.TRAIN_MLP, models=MLP_MODELS, rules=(check.USE_TAPE, check.USE_APPLY), tensorflow=True),
]
