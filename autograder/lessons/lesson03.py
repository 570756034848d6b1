"""The instructor's side of lesson 03, "Multilayer perceptrons: forward pass, activations, losses".

These are the instructor's implementations the hidden tests compare against, written for
clarity in the notation of the lesson (z for a pre-activation, X W + b for a layer). Every one
of them is numerically stable: finite and warning-free for inputs of ±1000 (exp is only ever
taken of numbers <= 0, logs only of clipped probabilities), and each agrees with what Keras 3
computes (tests/lesson03/test_keras_agreement.py).

One home for everything the instructor keeps secret about this lesson: the reference
answers (first), then the hidden tests (the inputs each draws, and the wrong implementations
that name a mistake without being in the students' kit).
"""
from __future__ import annotations

import numpy as np

from autograder.hidden import Case, Question
from tlukit.checks import lesson03 as check

# The helpers (earlier exercises an answer may call) are sent to the student's kernel as source
# code; they need NumPy only.
HELPER_PRELUDE = "import numpy as np"


# ============================================================================= tensors
def broadcast_shape(shape_a, shape_b):
    """The shape of ``a + b`` for arrays of shapes ``shape_a`` and ``shape_b`` (NumPy's
    broadcasting rules), or None when they cannot be broadcast together."""
    a, b = tuple(shape_a), tuple(shape_b)
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a          # rule 1: pad the shorter shape with 1s on the left
    b = (1,) * (n - len(b)) + b
    result = []
    for da, db in zip(a, b):             # rule 2: compare dimension by dimension
        if da == db or db == 1:
            result.append(da)
        elif da == 1:                    # rule 3: a dimension of 1 is stretched
            result.append(db)
        else:
            return None
    return tuple(result)


# ============================================================================= the XOR network
def step(z):
    """The Heaviside step: 0 where z < 0, 1 where z >= 0."""
    return np.where(np.asarray(z) < 0, 0, 1)


def xor_mlp(X):
    """The MLP of Figure 10-6 on a batch X of shape (m, 2): returns its m outputs, shape (m,)."""
    X = np.asarray(X, dtype=float)
    W_h = np.array([[1.0, 1.0],
                    [1.0, 1.0]])          # every input weight is 1
    b_h = np.array([-1.5, -0.5])          # hidden neuron 1 is an AND, neuron 2 an OR
    w_o = np.array([-1.0, 1.0])           # output: OR and not AND
    b_o = -0.5
    H = step(X @ W_h + b_h)               # (m, 2)
    return step(H @ w_o + b_o)            # (m,)


def collapse_linear(W1, b1, W2, b2):
    """One linear layer (W, b) equal to two stacked linear layers: (X W1 + b1) W2 + b2 = X W + b."""
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    return W1 @ W2, b1 @ W2 + b2


# ============================================================================= activations
def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), stable: exp is only taken of -|z| <= 0."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))                        # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(z):
    """The hyperbolic tangent through the identity tanh(z) = 2 σ(2z) - 1."""
    return 2 * sigmoid(2 * np.asarray(z)) - 1


def relu(z):
    """max(0, z), element-wise."""
    return np.maximum(z, 0)


def leaky_relu(z, alpha=0.2):
    """z where z > 0, alpha * z elsewhere (Keras: ``negative_slope``, default 0.2)."""
    z = np.asarray(z)
    return np.where(z > 0, z, alpha * z)


def elu(z, alpha=1.0):
    """z where z > 0, alpha (e^z - 1) elsewhere; exp only of min(z, 0)."""
    z = np.asarray(z)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def selu(z):
    """scale * elu(z, alpha) with the constants of Klambauer et al. (2017), as in Keras."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    z = np.asarray(z)
    return scale * np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def softplus(z):
    """log(1 + e^z), stable: np.logaddexp(0, z) never overflows."""
    return np.logaddexp(0, z)


# ============================================================================= derivatives
def sigmoid_derivative(z):
    """σ'(z) = σ(z) (1 - σ(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh_derivative(z):
    """tanh'(z) = 1 - tanh(z)^2."""
    t = tanh(z)
    return 1 - t ** 2


def relu_derivative(z):
    """1 where z > 0, 0 where z < 0 (undefined at 0, where the hidden tests never look)."""
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


def leaky_relu_derivative(z, alpha=0.2):
    """1 where z > 0, alpha where z < 0."""
    return np.where(np.asarray(z) > 0, 1.0, alpha)


def elu_derivative(z, alpha=1.0):
    """1 where z > 0, alpha e^z where z < 0 (= elu(z) + alpha)."""
    z = np.asarray(z)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))


def selu_derivative(z):
    """scale where z > 0, scale alpha e^z where z < 0."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    z = np.asarray(z)
    return scale * np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))


def softplus_derivative(z):
    """softplus'(z) = σ(z)."""
    return sigmoid(z)


# ============================================================================= softmax
def softmax(Z, axis=-1):
    """exp(Z) / sum(exp(Z)) along ``axis``, stable: the largest logit is subtracted first."""
    Z = np.asarray(Z)
    E = np.exp(Z - np.max(Z, axis=axis, keepdims=True))   # every exponent <= 0
    return E / np.sum(E, axis=axis, keepdims=True)


def log_softmax(Z, axis=-1):
    """log(softmax(Z)) along ``axis`` by the log-sum-exp trick: Z - max - log(sum(exp(Z - max)))."""
    Z = np.asarray(Z)
    shifted = Z - np.max(Z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(z):
    """The (k, k) matrix of ∂ softmax(z)_i / ∂ z_j = s_i (δ_ij - s_j) for a vector z of k logits."""
    s = softmax(np.asarray(z))
    return np.diag(s) - np.outer(s, s)


# ============================================================================= a forward pass
exercise6_shapes = {"X": (None, 10), "W_h": (10, 50), "b_h": (50,), "W_o": (50, 3), "b_o": (3,), "Y": (None, 3)}
"""Exercise 6 of the book, the batch size written None as Keras does."""


def mlp_forward(X, W_h, b_h, W_o, b_o):
    """Y = ReLU(ReLU(X W_h + b_h) W_o + b_o)."""
    H = relu(np.asarray(X) @ np.asarray(W_h) + np.asarray(b_h))     # (m, n_hidden)
    return relu(H @ np.asarray(W_o) + np.asarray(b_o))               # (m, n_outputs)


# ============================================================================= losses
def mse(y_true, y_pred):
    """Mean squared error over every entry."""
    error = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.mean(error ** 2))


def mae(y_true, y_pred):
    """Mean absolute error over every entry."""
    error = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.mean(np.abs(error)))


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: ½e² where |e| <= δ, δ(|e| - ½δ) beyond; mean over every entry."""
    error = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    abs_error = np.abs(error)
    quadratic = 0.5 * error ** 2
    linear = delta * abs_error - 0.5 * delta ** 2
    return float(np.mean(np.where(abs_error <= delta, quadratic, linear)))


def binary_crossentropy(y_true, y_pred, from_logits=False):
    """Mean binary cross-entropy over every entry; probabilities clipped to [1e-7, 1 - 1e-7]."""
    y = np.asarray(y_true, dtype=float)
    if from_logits:
        z = np.asarray(y_pred, dtype=float)
        losses = np.logaddexp(0, z) - y * z        # = -[y log σ(z) + (1 - y) log(1 - σ(z))]
    else:
        p = np.clip(np.asarray(y_pred, dtype=float), 1e-7, 1 - 1e-7)
        losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(np.mean(losses))


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Mean over instances of -Σ_k y_k log p_k (Y one-hot, shape (m, K))."""
    Y = np.asarray(y_true, dtype=float)
    if from_logits:
        log_p = log_softmax(np.asarray(y_pred, dtype=float), axis=-1)
    else:
        log_p = np.log(np.clip(np.asarray(y_pred, dtype=float), 1e-7, 1 - 1e-7))
    return float(np.mean(-np.sum(Y * log_p, axis=-1)))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Mean over instances of -log p[y] (y: integer classes, shape (m,))."""
    y = np.asarray(y_true).astype(int)
    if from_logits:
        log_p = log_softmax(np.asarray(y_pred, dtype=float), axis=-1)
    else:
        log_p = np.log(np.clip(np.asarray(y_pred, dtype=float), 1e-7, 1 - 1e-7))
    return float(np.mean(-log_p[np.arange(len(y)), y]))


# ============================================================================= output layers
exercise7_heads = {
    "spam_ham": (1, "sigmoid", "binary_crossentropy"),
    "mnist": (10, "softmax", "sparse_categorical_crossentropy"),
    "house_prices": (1, None, "mse"),
}
"""Exercise 7 of the book, the model answer (other defensible choices: see ``HEADS_ACCEPTED``)."""

HEADS_ACCEPTED = {
    "spam_ham": {(1, "sigmoid", "binary_crossentropy"),
                 (2, "softmax", "sparse_categorical_crossentropy"), (2, "softmax", "categorical_crossentropy")},
    "mnist": {(10, "softmax", "sparse_categorical_crossentropy"), (10, "softmax", "categorical_crossentropy")},
    "house_prices": {(1, act, loss) for act in (None, "relu", "softplus") for loss in ("mse", "mae", "huber")},
}
"""Every answer that earns the points, after normalising names ("linear" is None, "logistic"
is "sigmoid", "mean_squared_error" is "mse", ...: :func:`tlukit.checks.lesson03.normalise_head`)."""


# ============================================================================= hidden tests
# ----------------------------------------------------------------------------- drawing inputs
def _exact32(rng, size, scale=4.0):
    """float32 values that are exact in binary (multiples of 1/8): float32 and float64 code agree."""
    return (rng.integers(-8 * scale, 8 * scale + 1, size=size) / 8).astype(np.float32)


EXTREMES = np.array([-1000.0, -745.0, -80.0, -1.0, 1.0, 80.0, 745.0, 1000.0])


def _nonzero(z):
    """``z`` with exact zeros moved away from the kink (a derivative is undefined there)."""
    z = np.array(z)
    z[z == 0] = 1 if z.dtype.kind in "iu" else 0.5
    return z


def _elementwise_cases(rng, *, kink=False, with_alpha=False):
    """Inputs for an element-wise function: floats of several shapes, ints, float32, scalars, extremes.

    ``kink``: no exact zeros (derivatives of ReLU-like functions). ``with_alpha``: also pass a random
    ``alpha`` keyword in some cases."""
    fix = _nonzero if kink else (lambda z: z)
    cases = [
        Case((fix(rng.normal(scale=3, size=int(rng.integers(6, 15)))),)),
        Case((fix(rng.normal(scale=2, size=(int(rng.integers(2, 5)), int(rng.integers(2, 6))))),)),
        Case((fix(rng.integers(-6, 7, size=int(rng.integers(5, 10)))),)),
        Case((fix(_exact32(rng, (int(rng.integers(2, 4)), 3))),)),
        Case((fix(rng.permutation(EXTREMES)),)),
        Case((float(fix(np.array([rng.normal()]))[0]),)),
        Case((int(rng.choice([-3, -2, -1, 1, 2, 3])),)),
        Case((fix(rng.uniform(-1e-3, 1e-3, size=(2, 2, 3))),)),
    ]
    if not kink:
        cases.append(Case((np.array([0.0, -0.0, 0.0]),)))
    if with_alpha:
        for _ in range(3):
            a = float(rng.choice([0.01, 0.1, 0.3, 0.5, 0.7]))   # alpha < 1: max(alpha z, z) is leaky ReLU too
            cases.append(Case((fix(rng.normal(scale=3, size=int(rng.integers(5, 10)))),), {"alpha": a}))
        cases.append(Case((fix(rng.permutation(EXTREMES)),), {"alpha": float(rng.choice([0.05, 0.5]))}))
    order = rng.permutation(len(cases))
    return [cases[i] for i in order]


def _elementwise(kink=False, with_alpha=False):
    return lambda rng: _elementwise_cases(rng, kink=kink, with_alpha=with_alpha)


def _shape_pair(rng):
    """Two shapes that broadcast: a result shape, each side dropping leading dims or using 1s."""
    n = int(rng.integers(1, 5))
    result = [int(v) for v in rng.integers(2, 7, size=n)]

    def side():
        keep = int(rng.integers(0, n + 1))
        dims = result[n - keep:]
        return tuple(1 if rng.random() < 0.35 else d for d in dims)
    return side(), side()


def _broadcast_cases(rng):
    cases = [Case(((8, 1, 6, 1), (7, 1, 5))), Case(((3,), ())), Case(((), ())),
             Case(((2, 3), (3,))), Case(((3, 2), (3,))), Case(((4, 1), (3,)))]
    for _ in range(6):
        a, b = _shape_pair(rng)
        cases.append(Case((a, b) if rng.random() < 0.5 else (b, a)))
    for _ in range(4):  # incompatible: one dimension changed to another size > 1
        a, b = _shape_pair(rng)
        if not b:
            b = (int(rng.integers(2, 5)),)
        b = list(b)
        j = int(rng.integers(len(b)))
        b[j] = int(b[j] + rng.integers(1, 4)) if b[j] > 1 else int(rng.integers(2, 5))
        a = list(a) if len(a) >= len(b) else [1] * (len(b) - len(a)) + list(a)
        a[len(a) - len(b) + j] = max(2, a[len(a) - len(b) + j])
        if a[len(a) - len(b) + j] == b[j]:
            b[j] += 1
        cases.append(Case((tuple(a), tuple(b))))
    cases.append(Case(([5, 1], [1, 4])))                       # lists are shapes too
    cases.append(Case(((int(rng.integers(2, 6)), 1, 3), (2, 1))))
    order = rng.permutation(len(cases))
    return [cases[i] for i in order]


def _xor_points(rng, n):
    """Random points of [-1, 2]² away from the hidden units' lines x1 + x2 = 0.5 and 1.5."""
    X = rng.uniform(-1, 2, size=(4 * n, 2))
    s = X.sum(axis=1)
    keep = (np.abs(s - 0.5) > 0.02) & (np.abs(s - 1.5) > 0.02)
    return X[keep][:n]


def _xor_cases(rng):
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    return [
        Case((corners[rng.permutation(4)],)),
        Case((corners[rng.integers(0, 4, size=7)].astype(float),)),
        Case((corners[rng.permutation(4)].astype(bool),)),
        Case((np.vstack([_xor_points(rng, int(rng.integers(8, 16))), [[-0.8, -0.4]]]),)),  # one with x1 + x2 < -0.5
        Case((_xor_points(rng, 1),)),
        Case((_xor_points(rng, 5).astype(np.float32),)),
    ]


def _collapse_cases(rng):
    cases = []
    for square in (True, True, False, False, False):
        if square:
            n = k1 = k2 = int(rng.integers(2, 5))
        else:
            n, k1, k2 = (int(v) for v in rng.choice(np.arange(1, 7), size=3, replace=False))
        cases.append(Case((rng.normal(size=(n, k1)), rng.normal(size=k1), rng.normal(size=(k1, k2)),
                           rng.normal(size=k2))))
    n = int(rng.integers(2, 4))
    cases.append(Case((rng.integers(-3, 4, size=(n, n)), rng.integers(-3, 4, size=n),
                       rng.integers(-3, 4, size=(n, n)), rng.integers(-3, 4, size=n))))
    return cases


def _jacobian_cases(rng):
    return [Case((rng.normal(scale=2, size=int(rng.integers(2, 7))),)),
            Case((rng.normal(size=3),)),
            Case((rng.integers(-4, 5, size=4),)),
            Case((_exact32(rng, 5),)),
            Case((np.array([1000.0, -1000.0, 0.0, 999.0]),)),
            Case((np.array([float(rng.normal())]),))]


def _softmax_cases(rng):
    m, k = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    s = int(rng.integers(2, 5))
    extreme = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [800.0, 800.0, 799.0]])
    first = Case((rng.normal(scale=2, size=(s, s)),))  # square, and first: a sum without keepdims runs (and is named)
    cases = [
        Case((rng.normal(scale=2, size=(m, k + (k == m))),)),
        Case((rng.normal(size=int(rng.integers(2, 7))),)),         # one vector of logits
        Case((rng.integers(-5, 6, size=(m, 3)),)),                 # integer logits
        Case((_exact32(rng, (2, 4)),)),
        Case((extreme[rng.permutation(3)],)),                      # ±1000: stability
        Case((np.array([1000.0, 1001.0, 999.5]),)),
        Case((rng.normal(scale=2, size=(s + 1, s)),), {"axis": 0}),
        Case((rng.normal(size=(2, 3, 4)),), {"axis": int(rng.choice([-1, 1]))}),
    ]
    order = rng.permutation(len(cases))
    return [first] + [cases[i] for i in order]


def _mlp_cases(rng):
    cases = []
    s = int(rng.integers(2, 5))  # square weights first: a transposed matrix runs (and is named) before others fail
    cases.append(Case((rng.normal(size=(s, s)), rng.normal(size=(s, s)), rng.normal(size=s),
                       rng.normal(size=(s, s)), rng.normal(size=s))))
    m = int(rng.integers(2, 7))
    cases.append(Case((rng.normal(size=(m, 10)), rng.normal(scale=0.3, size=(10, 50)), rng.normal(scale=0.1, size=50),
                       rng.normal(scale=0.3, size=(50, 3)), rng.normal(scale=0.1, size=3))))
    n, h, k = (int(v) for v in rng.choice(np.arange(2, 8), size=3, replace=False))
    cases.append(Case((rng.normal(size=(1, n)), rng.normal(size=(n, h)), rng.normal(size=h),
                       rng.normal(size=(h, k)), rng.normal(size=k))))   # a batch of one instance
    cases.append(Case((rng.integers(-3, 4, size=(4, n)), rng.integers(-2, 3, size=(n, h)), rng.integers(-2, 3, size=h),
                       rng.integers(-2, 3, size=(h, k)), rng.integers(-2, 3, size=k))))
    cases.append(Case((_exact32(rng, (3, n), 2), _exact32(rng, (n, h), 1), _exact32(rng, h, 1),
                       _exact32(rng, (h, k), 1), _exact32(rng, k, 1))))
    return cases


def _regression_cases(rng, delta=False):
    cases = []
    for shape in ((int(rng.integers(5, 12)),), (int(rng.integers(3, 6)), int(rng.integers(2, 4))), (int(rng.integers(2, 5)), 1)):
        y = rng.normal(scale=2, size=shape)
        cases.append(Case((y, y + rng.normal(scale=1.5, size=shape))))
    cases.append(Case((rng.integers(0, 10, size=6), rng.uniform(0, 10, size=6))))   # integer targets
    y32 = _exact32(rng, (4, 2), 3)
    cases.append(Case((y32, y32 + _exact32(rng, (4, 2), 2))))
    y = rng.normal(size=8)
    outliers = y + rng.normal(scale=0.3, size=8)
    outliers[rng.integers(8)] += float(rng.choice([-1, 1]) * rng.uniform(8, 20))
    cases.append(Case((y, outliers)))
    if delta:
        for d in (0.5, 2.0, float(rng.choice([0.2, 1.5, 3.0]))):
            y = rng.normal(scale=2, size=int(rng.integers(6, 12)))
            cases.append(Case((y, y + rng.normal(scale=2, size=len(y))), {"delta": d}))
    order = rng.permutation(len(cases))
    return [cases[i] for i in order]


def _probabilities(rng, shape, exact=True):
    """Probabilities in (0, 1), with a few exact 0s and 1s (clipping matters there) when ``exact``."""
    p = rng.uniform(0.02, 0.98, size=shape)
    if exact:
        flat = p.reshape(-1)
        flat[rng.choice(flat.size, size=max(1, flat.size // 5), replace=False)] = rng.choice([0.0, 1.0])
    return p


def _binary_cases(rng):
    m, k = int(rng.integers(5, 10)), int(rng.integers(2, 4))
    y1, y2 = rng.integers(0, 2, size=m), rng.integers(0, 2, size=(4, k))
    z_extreme = np.array([1000.0, -1000.0, 1000.0, -1000.0, 3.0, -3.0])
    cases = [
        Case((y1, rng.uniform(0.05, 0.95, size=m))),
        Case((y2, _probabilities(rng, (4, k)))),                                    # multilabel, exact 0s and 1s
        Case((y1.astype(float), rng.normal(scale=3, size=m)), {"from_logits": True}),
        Case((y2, rng.normal(scale=2, size=(4, k))), {"from_logits": True}),
        Case((np.array([1, 0, 0, 1, 1, 0]), z_extreme), {"from_logits": True}),   # right and wrong by ±1000
        Case((y1.astype(np.float32), rng.uniform(0.1, 0.9, size=m).astype(np.float32))),
        Case((y1.astype(bool), rng.uniform(0.05, 0.95, size=m)), {"from_logits": False}),
    ]
    order = rng.permutation(len(cases))
    return [cases[i] for i in order]


def _class_data(rng, m, k, *, logits=False, exact=False):
    labels = rng.integers(0, k, size=m)
    if logits:
        return labels, rng.normal(scale=2, size=(m, k))
    P = softmax(rng.normal(scale=1.5, size=(m, k)))
    if exact:  # one instance predicted with certainty, but wrongly: p of its true class is exactly 0
        wrong = (labels[0] + 1) % k
        P[0] = 0.0
        P[0, wrong] = 1.0
    return labels, P


def _one_hot(labels, k):
    return np.eye(k)[labels]


def _categorical_cases(rng, sparse=False):
    m, k = int(rng.integers(4, 9)), int(rng.integers(3, 6))
    s = int(rng.integers(3, 6))
    cases = []
    for (mm, kk), kwargs, exact in (((s, s), {}, False), ((m, k), {}, False), ((m, k), {}, True),
                                    ((m, k), {"from_logits": True}, False), ((s, s), {"from_logits": True}, False)):
        labels, P = _class_data(rng, mm, kk, logits=bool(kwargs), exact=exact)
        cases.append(Case((labels if sparse else _one_hot(labels, kk), P), kwargs))
    labels = np.array([0, 1, 2, 1])
    Z = np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [-1000.0, 0.0, 1000.0], [3.0, 1.0, 0.0]])
    cases.append(Case((labels if sparse else _one_hot(labels, 3), Z), {"from_logits": True}))
    labels, P = _class_data(rng, 5, 4)
    cases.append(Case((labels.astype(np.int32) if sparse else _one_hot(labels, 4).astype(np.float32),
                       P.astype(np.float32))))
    order = 1 + rng.permutation(len(cases) - 1)   # the square case stays first: P[y] runs there (and is named)
    return [cases[0]] + [cases[i] for i in order]


# ----------------------------------------------------------------------------- wrong implementations
# Kept here rather than in the students' kit: each is the reference with one switch, and would
# give the answer away (the catalogues in tlukit hold their messages).

def _broadcast(shape_a, shape_b, *, left=False, drop=False, same_rank=False, keep_ones=False, no_check=False,
               reverse=False):
    a, b = tuple(shape_a), tuple(shape_b)
    if same_rank and len(a) != len(b):
        return None
    if drop:
        pairs = list(zip(reversed(a), reversed(b)))[::-1]
    else:
        n = max(len(a), len(b))
        pad = (lambda s: s + (1,) * (n - len(s))) if left else (lambda s: (1,) * (n - len(s)) + s)
        pairs = list(zip(pad(a), pad(b)))
    out = []
    for da, db in pairs:
        if no_check:
            out.append(max(da, db))
        elif da == db:
            out.append(da)
        elif da == 1 or db == 1:
            out.append(min(da, db) if keep_ones else (db if da == 1 else da))
        else:
            return None
    return tuple(out[::-1]) if reverse else tuple(out)


def _xor(X, *, swap_out=False, no_out_bias=False, hidden=step, output=step, flip_biases=False):
    X = np.asarray(X, dtype=float)
    b_h = np.array([1.5, 0.5]) if flip_biases else np.array([-1.5, -0.5])
    w_o = np.array([1.0, -1.0]) if swap_out else np.array([-1.0, 1.0])
    b_o = 0.0 if no_out_bias else (0.5 if flip_biases else -0.5)
    H = hidden(X @ np.ones((2, 2)) + b_h)
    return output(H @ w_o + b_o)


def _naive_sigmoid(z):
    z = np.asarray(z, dtype=float)
    with np.errstate(all="ignore"):
        return np.exp(z) / (1 + np.exp(z))


def _quiet(fn):
    """``fn`` without floating-point warnings (the models of unstable mistakes overflow on purpose)."""
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


def _tanh_via(z, inner=2.0, outer=2.0, shift=-1.0):
    return outer * sigmoid(inner * np.asarray(z)) + shift


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _selu(z, alpha=SELU_ALPHA, scale=SELU_SCALE, scale_negative_only=False):
    z = np.asarray(z)
    negative = alpha * np.expm1(np.minimum(z, 0))
    return np.where(z > 0, z if scale_negative_only else scale * z, scale * negative)


def _softmax(Z, axis=-1, *, shift="row", sum_axis="same", keepdims=True, use_exp=True):
    Z = np.asarray(Z, dtype=float)
    with np.errstate(all="ignore"):
        if shift == "row":
            Z = Z - np.max(Z, axis=axis, keepdims=True)
        elif shift == "all":
            Z = Z - np.max(Z)
        E = np.exp(Z) if use_exp else Z
        if sum_axis == "all":
            return E / np.sum(E)
        a = axis if sum_axis == "same" else 0
        return E / np.sum(E, axis=a, keepdims=keepdims)


def _log_softmax(Z, axis=-1, *, mode):
    Z = np.asarray(Z, dtype=float)
    with np.errstate(all="ignore"):
        shifted = Z - np.max(Z, axis=axis, keepdims=True)
        if mode == "log_of_softmax":
            return np.log(softmax(Z, axis=axis))
        if mode == "no_shift":
            return Z - np.log(np.sum(np.exp(Z), axis=axis, keepdims=True))
        if mode == "no_logsumexp":
            return shifted
        if mode == "plus_logsumexp":
            return shifted + np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        if mode == "axis0":
            return log_softmax(Z, axis=0)
    raise ValueError(mode)


def _mlp(X, W_h, b_h, W_o, b_o, *, out_act=relu, hidden_act=relu, transpose=False, bias_after=False):
    X, W_h, b_h, W_o, b_o = (np.asarray(a, dtype=float) for a in (X, W_h, b_h, W_o, b_o))
    if transpose:
        W_h, W_o = W_h.T, W_o.T
    if bias_after:
        return out_act((hidden_act(X @ W_h) + b_h) @ W_o) + b_o
    return out_act(hidden_act(X @ W_h + b_h) @ W_o + b_o)


def _identity(z):
    return z


def _errors(y_true, y_pred):
    return np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)


def _huber(y_true, y_pred, delta=1.0, *, half_quad=0.5, linear="right", swap=False, signed=False, fixed_delta=False,
           reduce=np.mean):
    e = _errors(y_true, y_pred)
    d = 1.0 if fixed_delta else delta
    a = np.abs(e)
    quad = half_quad * e ** 2
    lin = {"right": d * a - 0.5 * d ** 2, "no_half": d * a - d ** 2, "delta_not_squared": d * a - 0.5 * d,
           "mae": a}[linear]
    small = (e <= d) if signed else (a <= d)
    if swap:
        small = ~small
    return float(reduce(np.where(small, quad, lin)))


def _bce(y_true, y_pred, from_logits=False, *, swap=False, clip=True, ignore_logits=False, squash_logits=False,
         reduce=np.mean, sign=-1.0, only_positive=False, log=np.log, naive_logits=False, eps=1e-7):
    y, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if swap:  # the parameters in the other order: the labels are taken for predictions and the other way round
        y, p = p, y
    with np.errstate(all="ignore"):
        if from_logits and not ignore_logits:
            if squash_logits:
                p = 1 / (1 + np.exp(-p))
            elif naive_logits:
                return float(reduce(np.log(1 + np.exp(p)) - y * p))
            else:
                return float(reduce(np.logaddexp(0, p) - y * p))
        if clip:
            p = np.clip(p, eps, 1 - eps)
        terms = y * log(p) + (0 if only_positive else (1 - y) * log(1 - p))
        return float(reduce(sign * terms))


def _cce(y_true, y_pred, from_logits=False, *, sparse=False, clip=True, ignore_logits=False, naive_logits=False,
         mean_classes=False, total=False, sign=-1.0, logit_axis=-1, binary_terms=False, index="right"):
    y = np.asarray(y_true)
    P = np.asarray(y_pred, dtype=float)
    with np.errstate(all="ignore"):
        if from_logits and not ignore_logits:
            if naive_logits:
                E = np.exp(P)
                log_p = np.log(E / E.sum(axis=-1, keepdims=True))
            else:
                log_p = log_softmax(P, axis=logit_axis)
        else:
            log_p = np.log(np.clip(P, 1e-7, 1 - 1e-7) if clip else P)
        if sparse:
            y = y.astype(int)
            picked = {"right": lambda: log_p[np.arange(len(y)), y], "columns": lambda: log_p[:, y],
                      "rows": lambda: log_p[y]}[index]()
            return float(sign * (np.sum(picked) if total else np.mean(picked)))
        Y = y.astype(float)
        terms = Y * log_p
        if binary_terms:
            terms = terms + (1 - Y) * np.log(1 - np.exp(log_p))
        if mean_classes:
            return float(sign * np.mean(terms))
        per_instance = np.sum(terms, axis=-1)
        return float(sign * (np.sum(per_instance) if total else np.mean(per_instance)))


# ----------------------------------------------------------------------------- exercise 7: the criterion
def heads_criterion(answer, case) -> str | None:
    """None when every task of Exercise 7 has an accepted (neurons, activation, loss); else why not."""
    if not isinstance(answer, dict):
        return f"exercise7_heads must be a dict with the keys {sorted(HEADS_ACCEPTED)}, not a {type(answer).__name__}"
    for task, accepted in HEADS_ACCEPTED.items():
        if task not in answer:
            return f"the key {task!r} is missing"
        head = check.normalise_head(answer[task])
        if head is None:
            return (f"{task}: expected (number of output neurons, activation, loss), e.g. (4, 'relu', 'mse'); "
                    f"got {answer[task]!r}")
        if head not in accepted:
            why = check.head_mistake(task, head)
            return f"{task}: {head!r} is not a good choice" + (f": {why}" if why else "")
    return None


# ----------------------------------------------------------------------------- the questions
def _q(name, cases, catalogue, *, models=None, rtol=1e-6, atol=1e-8, **kw):
    """The hidden test of exercise ``name``. The earlier exercises its answer may call (``helpers``) and, for an
    exercise about numerical stability, the rule that any numerical warning fails (``no_warnings``, with the words
    of the self-check's stability pass) come from the kit's checks module, so that both sides agree."""
    stable = {"no_warnings": True, "stable_hint": check.OVERFLOW[name]} if name in check.OVERFLOW else {}
    return Question(qid=f"03.{name}", reference=globals()[name], cases=cases, catalogue=catalogue,
                    models=models or {}, helpers=check.HELPERS.get(name, ()), rtol=rtol, atol=atol, **stable, **kw)


F32 = dict(rtol=1e-5, atol=1e-6)  # float32 inputs: float32 and float64 code both pass

QUESTIONS = [
    _q("broadcast_shape", _broadcast_cases, check.BROADCAST, rules=(check.NO_BROADCAST_HELPERS,), models={
        "left_aligned": lambda a, b: _broadcast(a, b, left=True),
        "drops_leading": lambda a, b: _broadcast(a, b, drop=True),
        "same_rank_only": lambda a, b: _broadcast(a, b, same_rank=True),
        "keeps_ones": lambda a, b: _broadcast(a, b, keep_ones=True),
        "no_check": lambda a, b: _broadcast(a, b, no_check=True),
        "reversed": lambda a, b: _broadcast(a, b, reverse=True),
    }),
    _q("xor_mlp", _xor_cases, check.XOR_MLP, models={
        "swapped_output": lambda X: _xor(X, swap_out=True),
        "flipped_biases": lambda X: _xor(X, flip_biases=True),
        "no_output_bias": lambda X: _xor(X, no_out_bias=True),
        "relu_hidden": lambda X: _xor(X, hidden=relu),
        "sigmoid": lambda X: _xor(X, hidden=sigmoid, output=sigmoid),
    }),
    _q("collapse_linear", _collapse_cases, check.COLLAPSE, models={
        "order": lambda W1, b1, W2, b2: (np.asarray(W2) @ W1, np.asarray(b1) @ W2 + b2),
        "biases_added": lambda W1, b1, W2, b2: (np.asarray(W1) @ W2, np.asarray(b1) + b2),
        "no_b2": lambda W1, b1, W2, b2: (np.asarray(W1) @ W2, np.asarray(b1) @ W2),
        "no_b1": lambda W1, b1, W2, b2: (np.asarray(W1) @ W2, np.asarray(b2, dtype=float)),
        "elementwise": lambda W1, b1, W2, b2: (np.asarray(W1) * W2, np.asarray(b1) * W2 + b2),
        "bias_wrong_side": lambda W1, b1, W2, b2: (np.asarray(W1) @ W2, np.asarray(W2) @ b1 + b2),
    }),
    _q("sigmoid", _elementwise(), check.SIGMOID, **F32, models={
        "naive_overflow": _naive_sigmoid,
        "sign_flipped": _quiet(lambda z: sigmoid(-np.asarray(z))),
        "minus_denominator": _quiet(lambda z: 1 / (1 - np.exp(-np.asarray(z, dtype=float)))),
    }),
    _q("tanh", _elementwise(), check.TANH, **F32, rules=(check.TANH_RULE,), models={
        "inner_two": lambda z: _tanh_via(z, inner=1.0),
    }),
    _q("step", _elementwise(), check.STEP, **F32, models={
        "strict": lambda z: (np.asarray(z) > 0).astype(int),
    }),
    _q("relu", _elementwise(), check.RELU, **F32, models={
        "step": lambda z: (np.asarray(z) > 0).astype(int),
    }),
    _q("leaky_relu", _elementwise(with_alpha=True), check.LEAKY_RELU, **F32, models={
        "wrong_side": lambda z, alpha=0.2: np.where(np.asarray(z) > 0, alpha * np.asarray(z), z),
        "no_alpha": lambda z, alpha=0.2: np.maximum(z, 0),
        "fixed_alpha": lambda z, alpha=0.2: leaky_relu(z, 0.01),
        "ignores_argument": lambda z, alpha=0.2: leaky_relu(z),
    }),
    _q("elu", _elementwise(with_alpha=True), check.ELU, **F32, models={
        "no_minus_one": _quiet(lambda z, alpha=1.0: np.where(np.asarray(z) > 0, z, alpha * np.exp(z))),
        "alpha_everywhere": lambda z, alpha=1.0: alpha * elu(z, 1.0),
        "ignores_argument": lambda z, alpha=1.0: elu(z),
        "exp_minus_alpha": _quiet(lambda z, alpha=1.0: np.where(np.asarray(z) > 0, z, np.exp(z) - alpha)),
        "parentheses": _quiet(lambda z, alpha=1.0: np.where(np.asarray(z) > 0, z, alpha * np.exp(z) - 1)),
    }),
    _q("selu", _elementwise(), check.SELU, **F32, models={
        "swapped_constants": lambda z: _selu(z, alpha=SELU_SCALE, scale=SELU_ALPHA),
        "no_scale": lambda z: _selu(z, scale=1.0),
        "scale_negative_only": lambda z: _selu(z, scale_negative_only=True),
        "alpha_one": lambda z: _selu(z, alpha=1.0),
        "rounded": lambda z: _selu(z, alpha=1.67, scale=1.05),
    }),
    _q("softplus", _elementwise(), check.SOFTPLUS, **F32, models={
        "naive_overflow": _quiet(lambda z: np.log(1 + np.exp(z))),
        "sign_flipped": lambda z: softplus(-np.asarray(z)),
    }),
    _q("sigmoid_derivative", _elementwise(), check.SIGMOID_DERIVATIVE, **F32, models={
        "returned_sigmoid": sigmoid,
        "squared": lambda z: sigmoid(z) ** 2,
        "one_minus": lambda z: 1 - sigmoid(z),
    }),
    _q("tanh_derivative", _elementwise(), check.TANH_DERIVATIVE, **F32, models={
        "not_squared": lambda z: 1 - tanh(z),
        "sigmoid_formula": lambda z: tanh(z) * (1 - tanh(z)),
    }),
    _q("relu_derivative", _elementwise(kink=True), check.RELU_DERIVATIVE, **F32, models={
        "reversed": lambda z: np.where(np.asarray(z) > 0, 0.0, 1.0),
    }),
    _q("leaky_relu_derivative", _elementwise(kink=True, with_alpha=True), check.LEAKY_RELU_DERIVATIVE, **F32,
       models={
           "no_alpha": lambda z, alpha=0.2: relu_derivative(z),
           "reversed": lambda z, alpha=0.2: np.where(np.asarray(z) > 0, alpha, 1.0),
           "returned_function": leaky_relu,
           "fixed_alpha": lambda z, alpha=0.2: leaky_relu_derivative(z, 0.01),
           "ignores_argument": lambda z, alpha=0.2: leaky_relu_derivative(z),
       }),
    _q("elu_derivative", _elementwise(kink=True, with_alpha=True), check.ELU_DERIVATIVE, **F32, models={
        "returned_elu": elu,
        "minus_one": _quiet(lambda z, alpha=1.0: np.where(np.asarray(z) > 0, 1.0, alpha * (np.exp(z) - 1))),
        "no_alpha": _quiet(lambda z, alpha=1.0: np.where(np.asarray(z) > 0, 1.0, np.exp(np.minimum(z, 0)))),
    }),
    _q("selu_derivative", _elementwise(kink=True), check.SELU_DERIVATIVE, **F32,
       models={
           "no_scale": lambda z: selu_derivative(z) / SELU_SCALE,
           "swapped_constants": lambda z: SELU_ALPHA * np.where(np.asarray(z) > 0, 1.0,
                                                               SELU_SCALE * np.exp(np.minimum(z, 0))),
           "returned_selu": selu,
           "scale_positive_only": lambda z: np.where(np.asarray(z) > 0, SELU_SCALE,
                                                     SELU_ALPHA * np.exp(np.minimum(z, 0))),
       }),
    _q("softplus_derivative", _elementwise(), check.SOFTPLUS_DERIVATIVE, **F32, models={
        "returned_softplus": softplus,
        "sign_flipped": lambda z: sigmoid(-np.asarray(z)),
        "naive_overflow": _naive_sigmoid,
        "sigmoid_derivative": sigmoid_derivative,
    }),
    _q("softmax", _softmax_cases, check.SOFTMAX, **F32, models={
        "no_shift": lambda Z, axis=-1: _softmax(Z, axis, shift=None),
        "global_shift": lambda Z, axis=-1: _softmax(Z, axis, shift="all"),
        "axis_zero": lambda Z, axis=-1: _softmax(Z, 0),
        "sum_all": lambda Z, axis=-1: _softmax(Z, axis, sum_axis="all"),
        "no_keepdims": lambda Z, axis=-1: _softmax(Z, axis, keepdims=False),
        "no_exp": lambda Z, axis=-1: _softmax(Z, axis, shift=None, use_exp=False),
        "sigmoid": lambda Z, axis=-1: sigmoid(Z),
    }),
    _q("log_softmax", _softmax_cases, check.LOG_SOFTMAX, **F32, models={
        key: (lambda mode: lambda Z, axis=-1: _log_softmax(Z, axis, mode=mode))(key)
        for key in ("log_of_softmax", "no_shift", "no_logsumexp", "plus_logsumexp", "axis0")
    }),
    _q("softmax_jacobian", _jacobian_cases, check.SOFTMAX_JACOBIAN, **F32, models={
        "diagonal_only": lambda z: np.diag(softmax(np.asarray(z)) * (1 - softmax(np.asarray(z)))),
        "vector": lambda z: softmax(np.asarray(z)) * (1 - softmax(np.asarray(z))),
        "plus": lambda z: np.diag(softmax(np.asarray(z))) + np.outer(softmax(np.asarray(z)), softmax(np.asarray(z))),
        "no_diagonal": lambda z: -np.outer(softmax(np.asarray(z)), softmax(np.asarray(z))),
    }),
    Question(qid="03.exercise6_shapes", reference=exercise6_shapes, shape="value", catalogue=check.EXERCISE6_SHAPES),
    _q("mlp_forward", _mlp_cases, check.MLP_FORWARD, **F32, models={
        "no_output_relu": lambda *a: _mlp(*a, out_act=_identity),
        "no_hidden_relu": lambda *a: _mlp(*a, hidden_act=_identity),
        "transposed": lambda *a: _mlp(*a, transpose=True),
        "bias_after": lambda *a: _mlp(*a, bias_after=True),
        "sigmoid": lambda *a: _mlp(*a, out_act=sigmoid, hidden_act=sigmoid),
        "softmax_output": lambda *a: _mlp(*a, out_act=softmax),
    }),
    _q("mse", lambda rng: _regression_cases(rng), check.MSE, **F32, models={
        "mean_error": lambda y, p: float(np.mean(_errors(y, p))),
        "mae": mae,
        "mean_then_square": lambda y, p: float(np.mean(_errors(y, p)) ** 2),
        "per_column": lambda y, p: np.mean(_errors(y, p) ** 2, axis=0),
    }),
    _q("mae", lambda rng: _regression_cases(rng), check.MAE, **F32, models={
        "no_abs": lambda y, p: float(np.mean(_errors(y, p))),
        "abs_of_mean": lambda y, p: float(abs(np.mean(_errors(y, p)))),
        "median": lambda y, p: float(np.median(np.abs(_errors(y, p)))),
        "rmse": lambda y, p: float(np.sqrt(np.mean(_errors(y, p) ** 2))),
        "mse": mse,
    }),
    _q("huber", lambda rng: _regression_cases(rng, delta=True), check.HUBER, **F32, models={
        "no_half": lambda y, p, delta=1.0: _huber(y, p, delta, half_quad=1.0, linear="no_half"),
        "no_half_quadratic": lambda y, p, delta=1.0: _huber(y, p, delta, half_quad=1.0),
        "no_half_linear": lambda y, p, delta=1.0: _huber(y, p, delta, linear="no_half"),
        "delta_not_squared": lambda y, p, delta=1.0: _huber(y, p, delta, linear="delta_not_squared"),
        "mae_branch": lambda y, p, delta=1.0: _huber(y, p, delta, linear="mae"),
        "swapped": lambda y, p, delta=1.0: _huber(y, p, delta, swap=True),
        "signed": lambda y, p, delta=1.0: _huber(y, p, delta, signed=True),
        "fixed_delta": lambda y, p, delta=1.0: _huber(y, p, delta, fixed_delta=True),
        "sum": lambda y, p, delta=1.0: _huber(y, p, delta, reduce=np.sum),
    }),
    _q("binary_crossentropy", _binary_cases, check.BINARY_CE, **F32, models={
        "swapped": lambda y, p, from_logits=False: _bce(y, p, from_logits, swap=True),
        "no_clip": lambda y, p, from_logits=False: _bce(y, p, from_logits, clip=False),
        "ignores_logits": lambda y, p, from_logits=False: _bce(y, p, from_logits, ignore_logits=True),
        "squashed_logits": lambda y, p, from_logits=False: _bce(y, p, from_logits, squash_logits=True),
        "naive_logits": lambda y, p, from_logits=False: _bce(y, p, from_logits, naive_logits=True),
        "sum": lambda y, p, from_logits=False: _bce(y, p, from_logits, reduce=np.sum),
        "no_minus": lambda y, p, from_logits=False: _bce(y, p, from_logits, sign=1.0),
        "only_positive": lambda y, p, from_logits=False: _bce(y, p, from_logits, only_positive=True),
        "log10": lambda y, p, from_logits=False: _bce(y, p, from_logits, log=np.log10),
        "other_epsilon": lambda y, p, from_logits=False: _bce(y, p, from_logits, eps=1e-15),
    }),
    _q("categorical_crossentropy", lambda rng: _categorical_cases(rng), check.CATEGORICAL_CE, **F32, models={
           "mean_classes": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, mean_classes=True),
           "total": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, total=True),
           "no_clip": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, clip=False),
           "ignores_logits": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, ignore_logits=True),
           "naive_logits": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, naive_logits=True),
           "logits_axis": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, logit_axis=0),
           "no_minus": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, sign=1.0),
           "binary_terms": lambda Y, P, from_logits=False: _cce(Y, P, from_logits, binary_terms=True),
       }),
    _q("sparse_categorical_crossentropy", lambda rng: _categorical_cases(rng, sparse=True), check.SPARSE_CE, **F32, models={
           "columns": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, index="columns"),
           "rows": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, index="rows"),
           "no_clip": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, clip=False),
           "ignores_logits": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, ignore_logits=True),
           "naive_logits": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, naive_logits=True),
           "total": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, total=True),
           "no_minus": lambda y, P, from_logits=False: _cce(y, P, from_logits, sparse=True, sign=1.0),
       }),
    Question(qid="03.exercise7_heads", reference=exercise7_heads, shape="value", catalogue=check.EXERCISE7_HEADS,
             criterion=heads_criterion),
]
