"""The instructor's side of lesson 02, "The perceptron".

One home for everything the instructor keeps secret about this lesson: the reference answers
(first), then the hidden tests (the inputs each draws, and the wrong implementations that would
give an answer away, keyed like the exercise's catalogue), then ``QUESTIONS``. The catalogues of
mistakes (their messages, and the models that give nothing away) are shared with the
self-checks, in ``tlukit.checks.lesson02``.

The references are written for clarity: one idea per line, the notation of the lesson
(z = w·x + b, ŷ = heaviside(z)). Their signatures are the stubs' exactly: defaults are part of
the answer.
"""
from __future__ import annotations

import numpy as np

from autograder.hidden import Case, Question
from tlukit.checks import lesson02 as check

HELPER_PRELUDE = "import numpy as np"

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

# ----------------------------------------------------------------------------- step functions
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


def _step(z, at_zero=1, below=0):
    """A step that is ``below`` where z < 0, 1 where z > 0 and ``at_zero`` at 0 (the mistakes' steps)."""
    z = np.asarray(z)
    return np.where(z < 0, below, np.where(z > 0, 1, at_zero))


# ----------------------------------------------------------------------------- one TLU
def _tlu_cases(rng):
    cases = []
    for _ in range(4):
        n = int(rng.integers(2, 7))
        cases.append(Case((rng.normal(size=n), rng.normal(size=n), float(rng.normal()))))
    for _ in range(3):  # integers with w·x + b exactly 0
        n = int(rng.integers(2, 6))
        x, w = rng.integers(-4, 5, size=n), rng.integers(-4, 5, size=n)
        cases.append(Case((x, w, int(-(w @ x)))))
    n = int(rng.integers(2, 6))
    x, w = rng.integers(-4, 5, size=n), rng.integers(-4, 5, size=n)
    cases.append(Case((x, w, int(-(w @ x)) + int(rng.choice([-1, 1])))))
    n = int(rng.integers(2, 6))  # w·x = 0 and a positive bias: the bias alone decides
    x, w = np.zeros(n, dtype=int), rng.integers(-3, 4, size=n)
    x[0], w[0] = int(rng.choice([-2, -1, 1, 2])), 0
    cases.append(Case((x, w, 0.5)))
    return cases


TLU_MODELS = {
    "strict": lambda x, w, b: _step(np.dot(w, x) + b, at_zero=0),
    "sgn_step": lambda x, w, b: sgn(np.dot(w, x) + b),
    "bias_subtracted": lambda x, w, b: heaviside(np.dot(w, x) - b),
    "bias_missing": lambda x, w, b: heaviside(np.dot(w, x)),
    "bias_outside": lambda x, w, b: heaviside(np.dot(w, x)) + b,
    "no_step": lambda x, w, b: np.dot(w, x) + b,
    "elementwise": lambda x, w, b: heaviside(np.asarray(w) * np.asarray(x) + b),
}


# ----------------------------------------------------------------------------- a layer of TLUs
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


def _xw(X, W):
    return np.asarray(X) @ np.asarray(W)


LAYER_MODELS = {
    "w_transposed": lambda X, W, b: heaviside(_xw(X, np.asarray(W).T) + b),
    "bias_column": lambda X, W, b: heaviside(_xw(X, W) + np.asarray(b)[:, None]),
    "bias_missing": lambda X, W, b: heaviside(_xw(X, W)),
    "strict": lambda X, W, b: _step(_xw(X, W) + b, at_zero=0),
    "sgn_step": lambda X, W, b: sgn(_xw(X, W) + b),
    "no_step": lambda X, W, b: _xw(X, W) + b,
    "bias_subtracted": lambda X, W, b: heaviside(_xw(X, W) - b),
}


# ----------------------------------------------------------------------------- learning rule
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


def _update(w, b, x, y, eta=1.0, *, flip=False, no_bias=False, strict=False, no_eta=False, always=False,
            delta=False, sgn_prediction=False, bias_no_eta=False):
    """The perceptron rule on one instance with one mistake switched on."""
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    z = w @ x + b
    if delta:
        error = int(y) - z
    elif always:
        error = int(y)
    elif sgn_prediction:
        error = int(y) - int(sgn(z))
    else:
        error = int(y) - int(z > 0 if strict else z >= 0)
    if flip:
        error = -error
    step = 1.0 if no_eta else eta
    b_step = 1.0 if bias_no_eta else step
    return w + step * error * x, (b if no_bias else b + b_step * error)


def _updating(**switches):
    return lambda w, b, x, y, eta=1.0: _update(w, b, x, y, eta, **switches)


UPDATE_MODELS = {
    "flipped": _updating(flip=True),
    "bias_not_updated": _updating(no_bias=True),
    "strict": _updating(strict=True),
    "no_eta": _updating(no_eta=True),
    "always": _updating(always=True),
    "delta_rule": _updating(delta=True),
    "sgn_prediction": _updating(sgn_prediction=True),
    "bias_no_eta": _updating(bias_no_eta=True),
}


# ----------------------------------------------------------------------------- training
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


def _iris_setosa():
    """The real iris petals in their original order, setosa (True) or not."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    return iris.data[:, 2:4], iris.target == 0


def _train_cases(rng):
    """Every case passes eta and max_epochs, so that a changed default is named by the defaults check;
    every case carries a seed, so that a student who shuffles or starts at random with NumPy's global
    generator can be recognised."""
    def seed():
        return int(rng.integers(2**31))

    cases = []
    for _ in range(3):
        X, y = _separable(rng, int(rng.integers(10, 40)), int(rng.integers(2, 6)))
        cases.append(Case((X, y), {"eta": float(rng.choice([0.1, 0.5])), "max_epochs": 200}, seed=seed()))
    X, y = _separable(rng, int(rng.integers(10, 30)), int(rng.integers(2, 4)), integer=True)
    cases.append(Case((X, y), {"eta": 1.0, "max_epochs": 100}, seed=seed()))
    X, y = _separable(rng, int(rng.integers(10, 30)), 2)
    cases.append(Case((X, y.astype(bool)), {"eta": 1.0, "max_epochs": 300}, seed=seed()))
    cases.append(Case(_iris_setosa(), {"eta": 1.0, "max_epochs": 100}, seed=seed()))  # the lesson's real data
    X = rng.normal(size=(int(rng.integers(12, 25)), 2))  # random labels: not separable
    cases.append(Case((X, rng.integers(0, 2, size=len(X))), {"eta": 1.0, "max_epochs": int(rng.integers(3, 9))},
                      seed=seed()))
    return cases


def _train(X, y, eta=1.0, max_epochs=100, *, flip=False, no_bias=False, strict=False, epochs=None,
           never_stop=False, count_after=False, delta=None, drop_last=False, cumulative=False, shuffle=False,
           random_init=False):
    """The perceptron's training loop with one mistake switched on (``delta``: "ge" or "where", how the
    prediction counted as an error is made when z is not a number)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    w = np.random.randn(X.shape[1]) if random_init else np.zeros(X.shape[1])
    b, errors, total = 0.0, [], 0
    with np.errstate(all="ignore"):
        for _ in range(max_epochs if epochs is None else epochs):
            n_errors = 0
            order = np.random.permutation(len(X)) if shuffle else range(len(X))
            for i in order:
                x_i, y_i = X[i], y[i]
                z = w @ x_i + b
                y_hat = int(z > 0 if strict else (z >= 0 if delta != "where" else not z < 0))
                error = y_i - y_hat
                if flip:
                    error = -error
                if delta:
                    n_errors += int(y_hat != y_i)
                    w, b = w + eta * (y_i - z) * x_i, b + eta * (y_i - z)
                    continue
                w = w + eta * error * x_i
                if not no_bias:
                    b = b + eta * error
                n_errors += int((w @ x_i + b >= 0) != y_i) if count_after else int(error != 0)
            total += n_errors
            if drop_last and n_errors == 0:
                break
            errors.append(total if cumulative else n_errors)
            if n_errors == 0 and not never_stop:
                break
    return w, b, errors


def _training(**switches):
    return lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, **switches)


TRAIN_MODELS = {
    "one_epoch": _training(epochs=1),
    "never_stops": _training(never_stop=True),
    "flipped": _training(flip=True),
    "no_bias": _training(no_bias=True),
    "strict": _training(strict=True),
    "count_after": _training(count_after=True),
    "ignores_eta": lambda X, y, eta=1.0, max_epochs=100: _train(X, y, 1.0, max_epochs),
    "ignores_max_epochs": lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, 100),
    "one_extra_epoch": lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, epochs=max_epochs + 1),
    "one_fewer_epoch": lambda X, y, eta=1.0, max_epochs=100: _train(X, y, eta, max_epochs, epochs=max_epochs - 1),
    "drops_last_epoch": _training(drop_last=True),
    "cumulative_errors": _training(cumulative=True),
    "delta_rule": _training(delta="ge"),
    "delta_rule_where": _training(delta="where"),
    "shuffles": _training(shuffle=True),
    "random_init": _training(random_init=True),
}


# ----------------------------------------------------------------------------- decision line
def _line_cases(rng):
    cases = []
    for _ in range(4):
        w = rng.normal(size=2)
        w = np.copysign(np.maximum(np.abs(w), 0.1), w)  # neither weight near 0
        cases.append(Case((w, float(rng.normal()))))
    w = rng.integers(1, 6, size=2) * rng.choice([-1, 1], size=2)
    cases.append(Case((w, int(rng.integers(-5, 6)))))
    cases.append(Case(((float(rng.choice([-1.5, -0.5, 0.5, 1.5])), float(rng.choice([-2.0, -0.5, 0.5, 2.0]))),
                       float(rng.normal()))))
    return cases


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


SGD_MODELS = {
    "hinge_loss": lambda random_state=42: _sgd(random_state, loss="hinge"),
    "optimal_learning_rate": lambda random_state=42: _sgd(random_state, learning_rate="optimal"),
    "l2_penalty": lambda random_state=42: _sgd(random_state, penalty="l2"),
    "eta0": lambda random_state=42: _sgd(random_state, eta0=0.01),
    "no_shuffle": lambda random_state=42: _sgd(random_state, shuffle=False),
    "hard_coded_seed": lambda random_state=42: _sgd(42),
    "returns_perceptron": _perceptron,
}


# ============================================================================= the questions
QUESTIONS = [
    Question(qid="02.heaviside", reference=heaviside, cases=_step_cases, catalogue=check.HEAVISIDE),
    Question(qid="02.sgn", reference=sgn, cases=_step_cases, catalogue=check.SGN, models={"heaviside": heaviside},
             helpers=("heaviside",)),
    Question(qid="02.tlu", reference=tlu, cases=_tlu_cases, catalogue=check.TLU, models=TLU_MODELS,
             helpers=("heaviside", "sgn")),
    Question(qid="02.layer_shapes", reference=layer_shapes, catalogue=check.LAYER_SHAPES,
             cases=lambda rng: [Case(tuple(int(v) for v in rng.choice(np.arange(1, 100), size=3, replace=False)))
                                for _ in range(4)]),
    Question(qid="02.dense_tlu_layer", reference=dense_tlu_layer, cases=_layer_cases, catalogue=check.DENSE_TLU_LAYER,
             models=LAYER_MODELS, helpers=("heaviside", "sgn", "tlu")),
    Question(qid="02.perceptron_update", reference=perceptron_update, cases=_update_cases,
             catalogue=check.PERCEPTRON_UPDATE, models=UPDATE_MODELS, helpers=("heaviside", "sgn", "tlu")),
    Question(qid="02.train_perceptron", reference=train_perceptron, cases=_train_cases,
             catalogue=check.TRAIN_PERCEPTRON, models=TRAIN_MODELS,
             helpers=("heaviside", "sgn", "tlu", "dense_tlu_layer", "perceptron_update")),
    Question(qid="02.decision_line", reference=decision_line, cases=_line_cases, catalogue=check.DECISION_LINE),
    Question(qid="02.perceptron_as_sgd", reference=perceptron_as_sgd, catalogue=check.PERCEPTRON_AS_SGD,
             cases=lambda rng: [Case((int(rs),)) for rs in rng.choice(10_000, size=3, replace=False)],
             observe="fitted_estimator", observe_args=_fit_data, models=SGD_MODELS),
]
