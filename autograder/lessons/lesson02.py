"""The instructor's side of lesson 02, "The perceptron".

These are the instructor's implementations the hidden tests compare against. They are written
for clarity: one idea per line, the notation of the lesson (z = w·x + b, ŷ = heaviside(z)).

One home for everything the instructor keeps secret about this lesson: the reference
answers (first), then the hidden tests (the inputs each draws, and the wrong implementations
that name a mistake).
"""
from __future__ import annotations

import numpy as np

from autograder.hidden import Case, Question


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


# ============================================================================= hidden tests

# ----------------------------------------------------------------------------- random inputs
def _with_zeros(rng, z):
    """``z`` with a few entries set to exactly 0 (where the step functions are tricky)."""
    z = z.copy()
    flat = z.reshape(-1)
    flat[rng.choice(flat.size, size=max(1, flat.size // 4), replace=False)] = 0
    return z


def _step_cases(rng):
    shape = (int(rng.integers(5, 12)),)
    shape2 = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    return [
        Case((_with_zeros(rng, rng.normal(scale=3, size=shape)),)),
        Case((_with_zeros(rng, rng.integers(-5, 6, size=shape2)),)),
        Case((_with_zeros(rng, rng.uniform(-1e-6, 1e-6, size=shape)),)),
        Case((0,)), Case((0.0,)),
        Case((float(rng.normal()),)), Case((int(rng.integers(-9, 10)),)),
    ]


def _tlu_cases(rng):
    cases = []
    for _ in range(4):
        n = int(rng.integers(1, 7))
        cases.append(Case((rng.normal(size=n), rng.normal(size=n), float(rng.normal()))))
    for _ in range(3):  # integers with w·x + b exactly 0
        n = int(rng.integers(2, 6))
        x, w = rng.integers(-4, 5, size=n), rng.integers(-4, 5, size=n)
        cases.append(Case((x, w, int(-(w @ x)))))
    n = int(rng.integers(2, 6))
    x, w = rng.integers(-4, 5, size=n), rng.integers(-4, 5, size=n)
    cases.append(Case((x, w, int(-(w @ x)) + int(rng.choice([-1, 1])))))
    return cases


def _layer_cases(rng):
    cases = []
    s = int(rng.integers(2, 6))  # square first: a transposed W or a per-row bias runs but gives other values
    cases.append(Case((rng.normal(size=(s, s)), rng.normal(size=(s, s)), rng.normal(size=s))))
    s = int(rng.integers(2, 5))
    X, W = rng.integers(-3, 4, size=(s, s)), rng.integers(-3, 4, size=(s, s))
    cases.append(Case((X, W, -(X @ W)[int(rng.integers(s))])))  # integers; one row is exactly 0
    m, n, k = (int(v) for v in rng.choice(np.arange(2, 9), size=3, replace=False))
    cases.append(Case((rng.normal(size=(m, n)), rng.normal(size=(n, k)), rng.normal(size=k))))
    m, n, k = int(rng.integers(2, 7)), int(rng.integers(2, 5)), int(rng.integers(1, 5))
    X, W = rng.integers(-3, 4, size=(m, n)), rng.integers(-3, 4, size=(n, k))
    cases.append(Case((X, W, -(X @ W)[0])))  # integers; the first row is exactly 0
    m, n = int(rng.integers(3, 9)), int(rng.integers(1, 4))
    cases.append(Case((rng.normal(size=(m, n)), rng.normal(size=(n, 1)), rng.normal(size=1))))  # one unit
    return cases


def _update_cases(rng):
    cases = []
    for i in range(8):
        n = int(rng.integers(1, 6))
        w, x, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        y_hat = int(w @ x + b >= 0)
        y = 1 - y_hat if i % 4 else y_hat  # mostly wrong predictions, so that updates happen
        eta = float(rng.choice([0.1, 0.5, 1.0, 2.0]))
        cases.append(Case((w, b, x, bool(y) if i % 3 == 2 else y, eta)))
    for _ in range(2):  # integers, w·x + b exactly 0, label 0: the prediction 1 is wrong
        n = int(rng.integers(2, 5))
        w, x = rng.integers(-3, 4, size=n), rng.integers(-3, 4, size=n)
        cases.append(Case((w, int(-(w @ x)), x, 0, float(rng.choice([0.5, 1.0])))))
    return cases


def _separable(rng, m, n, margin=0.3, integer=False):
    """``m`` points in ``n`` dimensions labelled by a random hyperplane, none closer than ``margin``."""
    if integer:
        w = rng.integers(-3, 4, size=n)
        while not w.any():
            w = rng.integers(-3, 4, size=n)
        b = int(rng.integers(-3, 4))
    else:
        w, b = rng.normal(size=n), float(rng.normal())
    X = np.empty((0, n), dtype=int if integer else float)
    while len(X) < m:
        cand = rng.integers(-5, 6, size=(4 * m, n)) if integer else rng.normal(scale=2, size=(4 * m, n))
        dist = (cand @ w + b) / np.linalg.norm(w)
        X = np.vstack([X, cand[np.abs(dist) > margin]])
    X = X[:m]
    return X, (X @ w + b > 0).astype(int)


def _train_cases(rng):
    cases = []
    for _ in range(3):
        X, y = _separable(rng, int(rng.integers(10, 40)), int(rng.integers(2, 6)))
        cases.append(Case((X, y), {"eta": float(rng.choice([0.1, 0.5, 1.0])), "max_epochs": 200}))
    X, y = _separable(rng, int(rng.integers(10, 30)), int(rng.integers(2, 4)), integer=True)
    cases.append(Case((X, y)))
    X, y = _separable(rng, int(rng.integers(10, 30)), 2)
    cases.append(Case((X, y.astype(bool)), {"max_epochs": 300}))
    cases.append(Case(_iris_setosa()))  # the real data of the lesson
    X = rng.normal(size=(int(rng.integers(12, 25)), 2))  # random labels: not separable
    cases.append(Case((X, rng.integers(0, 2, size=len(X))), {"max_epochs": int(rng.integers(3, 9))}))
    return cases


# ----------------------------------------------------------------------------- known mistakes
def _heaviside_strict(z):
    return (np.asarray(z) > 0).astype(int)


def _train(X, y, eta=1.0, max_epochs=100, *, flip=False, no_bias=False, strict=False, epochs=None,
           never_stop=False, count_after=False):
    """The perceptron's training loop with one mistake switched on."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs or max_epochs):
        n_errors = 0
        for x_i, y_i in zip(X, y):
            z = w @ x_i + b
            error = y_i - int(z > 0 if strict else z >= 0)
            if flip:
                error = -error
            w = w + eta * error * x_i
            if not no_bias:
                b = b + eta * error
            n_errors += int((w @ x_i + b >= 0) != y_i) if count_after else int(error != 0)
        errors.append(n_errors)
        if n_errors == 0 and not never_stop:
            break
    return w, b, errors


def _update(w, b, x, y, eta=1.0, *, flip=False, no_bias=False, strict=False, no_eta=False, always=False):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    z = w @ x + b
    error = int(y) if always else int(y) - int(z > 0 if strict else z >= 0)
    if flip:
        error = -error
    step = 1.0 if no_eta else eta
    return w + step * error * x, (b if no_bias else b + step * error)


FLIPPED = "the update sign is flipped: the error is y − ŷ (target minus prediction), not ŷ − y"
NO_BIAS = "the bias is never updated: b also moves, by η·(y − ŷ)"
STRICT = "heaviside(0) must be 1 (the step is 0 only where z < 0): use z >= 0, not z > 0 or np.heaviside(z, 0)"


# ----------------------------------------------------------------------------- scikit-learn
def _sgd_data(random_state):
    rng = np.random.default_rng(random_state)
    X = rng.normal(size=(60, 3))
    y = X @ rng.normal(size=3) + 0.3 * rng.normal(size=60) > 0  # nearly separable: several epochs
    return X, y


def _fit_data(case):
    """The data both estimators are fitted on (the observer ``fitted_estimator`` runs the fit)."""
    return _sgd_data(case.kwargs.get("random_state", case.args[0] if case.args else 42))


def _perceptron(random_state=42):
    from sklearn.linear_model import Perceptron

    return Perceptron(random_state=random_state)


def _sgd(random_state=42, **changes):
    from sklearn.linear_model import SGDClassifier

    params = dict(loss="perceptron", learning_rate="constant", eta0=1, penalty=None, random_state=random_state)
    params.update(changes)
    return SGDClassifier(**params)


# ----------------------------------------------------------------------------- decision line
def _line_cases(rng):
    cases = []
    for _ in range(4):
        w = rng.normal(size=2)
        w[1] = np.copysign(max(abs(w[1]), 0.1), w[1])
        cases.append(Case((w, float(rng.normal()))))
    w = rng.integers(1, 6, size=2) * rng.choice([-1, 1], size=2)
    cases.append(Case((w, int(rng.integers(-5, 6)))))
    cases.append(Case(((float(rng.normal()), float(rng.choice([-2.0, -0.5, 0.5, 2.0]))), float(rng.normal()))))
    return cases


def _line(w, b, *, swap=False, s_slope=-1, s_int=-1, divide_b=True):
    w1, w2 = w
    if swap:
        w1, w2 = w2, w1
    return s_slope * w1 / w2, s_int * (b / w2 if divide_b else b)


def _iris_setosa():
    """The real iris petals in their original order, setosa (True) or not."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    return iris.data[:, 2:4], iris.target == 0


QUESTIONS = [
    Question(
        qid="02.heaviside",
        reference=heaviside,
        cases=_step_cases,
        mistakes={
            STRICT: _heaviside_strict,
            "heaviside(0) must be 1, not 0.5 (the second argument of np.heaviside is the value at 0)":
                lambda z: np.heaviside(z, 0.5),
            "this is sgn(z): heaviside(z) is 0, not −1, for z < 0": sgn,
        },
    ),
    Question(
        qid="02.sgn",
        reference=sgn,
        cases=_step_cases,
        mistakes={
            "sgn(0) must be 0, not +1": lambda z: np.where(np.asarray(z) >= 0, 1, -1),
            "sgn(0) must be 0, not −1": lambda z: np.where(np.asarray(z) > 0, 1, -1),
            "this is heaviside(z): sgn(z) is −1 for z < 0": heaviside,
        },
    ),
    Question(
        qid="02.tlu",
        reference=tlu,
        cases=_tlu_cases,
        mistakes={
            STRICT: lambda x, w, b: _heaviside_strict(np.dot(w, x) + b),
            "this TLU uses the heaviside step (0 or 1), not sgn": lambda x, w, b: sgn(np.dot(w, x) + b),
            "add the bias: z = w·x + b (it is subtracted)": lambda x, w, b: heaviside(np.dot(w, x) - b),
            "add the bias: z = w·x + b (it is missing)": lambda x, w, b: heaviside(np.dot(w, x)),
        },
    ),
    Question(
        qid="02.dense_tlu_layer",
        reference=dense_tlu_layer,
        cases=_layer_cases,
        mistakes={
            "W is used transposed: compute X @ W (shape (n, k), one column per unit), not X @ W.T":
                lambda X, W, b: heaviside(X @ W.T + b),
            "the bias is not broadcast correctly: b[j] belongs to unit j and is added to every row "
            "(add b as a (k,) vector, not as a column)":
                lambda X, W, b: heaviside(X @ W + np.asarray(b)[:, None]),
            STRICT: lambda X, W, b: _heaviside_strict(X @ W + b),
            "the bias is missing: XW + b": lambda X, W, b: heaviside(X @ W),
        },
    ),
    Question(
        qid="02.layer_shapes",
        reference=layer_shapes,
        cases=lambda rng: [Case(tuple(int(v) for v in rng.choice(np.arange(1, 100), size=3, replace=False)))
                           for _ in range(4)],
        mistakes={
            "W is used transposed: W has one row per input and one column per unit, shape (n, k)":
                lambda m, n, k: {"X": (m, n), "W": (k, n), "b": (k,), "output": (m, k)},
            "b is a 1-D vector of k biases, shape (k,)":
                lambda m, n, k: {"X": (m, n), "W": (n, k), "b": (k, 1), "output": (m, k)},
            "one bias per unit, not per instance: b has shape (k,)":
                lambda m, n, k: {"X": (m, n), "W": (n, k), "b": (m,), "output": (m, k)},
            "the output has one row per instance and one column per unit: (m, k)":
                lambda m, n, k: {"X": (m, n), "W": (n, k), "b": (k,), "output": (k, m)},
        },
    ),
    Question(
        qid="02.perceptron_update",
        reference=perceptron_update,
        cases=_update_cases,
        mistakes={
            FLIPPED: lambda *a: _update(*a, flip=True),
            NO_BIAS: lambda *a: _update(*a, no_bias=True),
            STRICT: lambda *a: _update(*a, strict=True),
            "multiply the change by the learning rate eta": lambda *a: _update(*a, no_eta=True),
            "update in proportion to the error y − ŷ, which is 0 when the prediction is right":
                lambda *a: _update(*a, always=True),
        },
    ),
    Question(
        qid="02.train_perceptron",
        reference=train_perceptron,
        cases=_train_cases,
        mistakes={
            "training stopped after one epoch: keep going until an epoch has no error (or max_epochs)":
                lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, epochs=1),
            "training never stops: stop after the first epoch without any error (and count that epoch)":
                lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, never_stop=True),
            FLIPPED: lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, flip=True),
            NO_BIAS: lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, no_bias=True),
            STRICT: lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, strict=True),
            "count an error when the prediction made before the update is wrong, not after it":
                lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, count_after=True),
            "use the arguments eta and max_epochs (not fixed values)":
                lambda X, y, eta=1.0, max_epochs=100: _train(X, y),
        },
    ),
    Question(
        qid="02.decision_line",
        reference=decision_line,
        cases=_line_cases,
        mistakes={
            "w1 and w2 are swapped: solve for x2, so divide by w2": lambda w, b: _line(w, b, swap=True),
            "both signs are wrong: x2 = −(w1/w2)·x1 − b/w2": lambda w, b: _line(w, b, s_slope=1, s_int=1),
            "the slope's sign is wrong: x2 = −(w1/w2)·x1 − b/w2": lambda w, b: _line(w, b, s_slope=1),
            "the intercept's sign is wrong: x2 = −(w1/w2)·x1 − b/w2": lambda w, b: _line(w, b, s_int=1),
            "divide the bias by w2 too: the intercept is −b/w2": lambda w, b: _line(w, b, divide_b=False),
        },
    ),
    Question(
        qid="02.perceptron_as_sgd",
        reference=perceptron_as_sgd,
        cases=lambda rng: [Case((int(rs),)) for rs in rng.choice(10_000, size=3, replace=False)],
        observe="fitted_estimator",
        observe_args=_fit_data,
        mistakes={
            'learning_rate is left at its default "optimal": the perceptron uses learning_rate="constant"':
                lambda random_state=42: _sgd(random_state, learning_rate="optimal"),
            'penalty is left at its default "l2": the perceptron has no regularisation, penalty=None':
                lambda random_state=42: _sgd(random_state, penalty="l2"),
            "the random_state argument is not passed on to SGDClassifier":
                lambda random_state=42: _sgd(42),
            "the learning rate eta0 must be 1": lambda random_state=42: _sgd(random_state, eta0=0.01),
            "return an SGDClassifier set up as a perceptron, not the Perceptron class itself":
                lambda random_state=42: _perceptron(random_state),
        },
    ),
]
