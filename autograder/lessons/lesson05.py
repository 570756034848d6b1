"""The instructor's side of lesson 05, "An MLP from scratch in NumPy".

One home for everything the instructor keeps secret about this lesson: the reference answers
(first; they are also the fast NumPy MLP of ``benchmarks/numpy_mlp.py``, so they keep float32
inputs in float32 and are dominated by matrix products), then the hidden tests: the inputs each
draws and the wrong implementations that name a mistake (small variants of the reference, kept
here because they would give the answer away).

Conventions of the lesson (stated in the notebook): one instance per row; a dense layer computes
Z = X W + b with W of shape (n_in, n_out); the factor 1/m of the mean loss lives in the loss
gradient dlogits = (P − Y) / m, so ``dense_backward`` has none; optimizer steps are pure
functions that return new arrays and never change their arguments.
"""
from __future__ import annotations

import numpy as np

from autograder.hidden import Case, Question
from tlukit.checks import lesson05 as check

HELPER_PRELUDE = "import numpy as np"


# ============================================================================= reference answers
def relu_backward(dA, Z):
    """dL/dZ of A = max(Z, 0): the upstream gradient where Z > 0, 0 elsewhere."""
    return dA * (Z > 0)


def sigmoid_backward(dA, Z):
    """dL/dZ of A = σ(Z): dA · σ(Z)(1 − σ(Z)), with a σ that never overflows."""
    e = np.exp(-np.abs(Z))
    s = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))
    return dA * s * (1 - s)


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against integer labels y, and its gradient (P − Y) / m."""
    shifted = logits - logits.max(axis=1, keepdims=True)          # the largest logit becomes 0: no overflow
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))   # log-softmax: no log(0)
    m = len(y)
    rows = np.arange(m)
    loss = -log_p[rows, y].mean()
    dlogits = np.exp(log_p)
    dlogits[rows, y] -= 1
    dlogits /= m
    return float(loss), dlogits


def dense_backward(dZ, X, W):
    """Gradients of Z = X W + b: (dX, dW, db) = (dZ Wᵀ, Xᵀ dZ, column sums of dZ). No 1/m: it is in dZ."""
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def mlp_loss_and_grads(params, X, y):
    """Loss and gradients of an MLP: dense layers W1, b1, ..., WL, bL, ReLU between them, softmax cross-entropy.

    Returns ``(loss, grads)``, ``grads`` a dict with the keys of ``params``.
    """
    L = len(params) // 2
    A, cache = X, []
    for layer in range(1, L + 1):
        Z = A @ params[f"W{layer}"] + params[f"b{layer}"]
        cache.append((A, Z))
        A = np.maximum(Z, 0) if layer < L else Z
    loss, dZ = softmax_cross_entropy(Z, y)
    grads = {}
    for layer in range(L, 0, -1):
        A_prev, Z = cache[layer - 1]
        if layer < L:
            dZ = relu_backward(dA, Z)
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dZ, A_prev, params[f"W{layer}"])
    return loss, grads


def init_params(layer_sizes, seed=42):
    """He initialisation: W{l} ~ N(0, 2 / n_in) of shape (n_in, n_out), b{l} = 0; float32."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)).astype(np.float32)
        params[f"b{layer}"] = np.zeros(n_out, dtype=np.float32)
    return params


def minibatches(X, y, batch_size=32, seed=0):
    """The instances in a random order (one permutation from ``seed``), cut into (X_batch, y_batch) pairs."""
    order = np.random.default_rng(seed).permutation(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    """Momentum: v ← βv − η g, θ ← θ + v. Returns (new param, new velocity)."""
    velocity = beta * velocity - lr * grad
    return param + velocity, velocity


def rmsprop_step(param, grad, s, lr=0.001, rho=0.9, eps=1e-7):
    """RMSProp: s ← ρs + (1 − ρ) g², θ ← θ − η g / (√s + ε). Returns (new param, new s)."""
    s = rho * s + (1 - rho) * grad * grad
    return param - lr * grad / (np.sqrt(s) + eps), s


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    """Adam, step number t (1 for the first step). Returns (new param, new m, new v)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# ============================================================================= hidden tests
def _quiet(fn):
    """``fn`` without NumPy's overflow and division warnings (a wrong formula may overflow)."""
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


def _sigma(Z):
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


# ----------------------------------------------------------------------------- relu_backward
def _relu_cases(rng):
    cases = []
    for shape in ((6,), (4, 5), (3, 7)):
        Z = rng.normal(size=shape)
        Z[np.abs(Z) < 0.05] = 0.3
        cases.append(Case((rng.normal(size=shape), Z)))
    Z = rng.normal(size=(5, 3))
    cases.append(Case((rng.normal(size=(5, 3)), np.where(np.abs(Z) < 0.05, -0.2, Z) * 10)))
    return cases


RELU_MODELS = {
    "value_not_mask": lambda dA, Z: dA * np.maximum(Z, 0),
    "inverted": lambda dA, Z: dA * (Z <= 0),
    "local_only": lambda dA, Z: (Z > 0).astype(float),
}


# ----------------------------------------------------------------------------- sigmoid_backward
def _sigmoid_cases(rng):
    cases = [Case((rng.normal(size=(4, 3)), rng.normal(scale=2, size=(4, 3)))),
             Case((rng.normal(size=7), rng.normal(scale=3, size=7)))]
    cases.append(Case((rng.normal(size=5), np.array([-800.0, -40.0, 0.5, 40.0, 800.0]))))
    return cases


SIGMOID_MODELS = {
    "sigma_not_prime": lambda dA, Z: dA * _sigma(Z),
    "no_upstream": lambda dA, Z: _sigma(Z) * (1 - _sigma(Z)),
    "one_minus_only": lambda dA, Z: dA * (1 - _sigma(Z)),
}


# ----------------------------------------------------------------------------- softmax cross-entropy
def _softmax_cases(rng):
    cases = []
    for m, k in ((5, 3), (8, 10), (4, 4)):
        cases.append(Case((rng.normal(scale=2, size=(m, k)), rng.integers(0, k, size=m))))
    logits = rng.normal(size=(4, 5))
    logits[:, 0] += 900                                   # huge logits: e^900 overflows
    logits[3, 1] -= 900                                   # and a true class far below the others
    cases.append(Case((logits, np.array([0, 2, 4, 1]))))
    return cases


def _naive_softmax_ce(logits, y):
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        P = e / e.sum(axis=1, keepdims=True)
        m = len(y)
        loss = -np.log(P[np.arange(m), y]).mean()
        d = P.copy()
        d[np.arange(m), y] -= 1
        return float(loss), d / m


def _log_of_softmax(logits, y):
    with np.errstate(all="ignore"):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        P = e / e.sum(axis=1, keepdims=True)
        m = len(y)
        loss = -np.log(P[np.arange(m), y]).mean()
        d = P.copy()
        d[np.arange(m), y] -= 1
        return float(loss), d / m


SOFTMAX_MODELS = {"overflow": _naive_softmax_ce, "log_underflow": _log_of_softmax}


# ----------------------------------------------------------------------------- dense_backward
def _dense_cases(rng):
    cases = []
    for m, n_in, n_out in ((5, 3, 4), (6, 4, 4), (7, 2, 5), (3, 6, 2)):
        cases.append(Case((rng.normal(size=(m, n_out)), rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)))))
    return cases


# ----------------------------------------------------------------------------- the whole MLP
def _mlp_params(rng, sizes):
    params = {}
    for layer, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(scale=np.sqrt(2 / a), size=(a, b))
        params[f"b{layer}"] = rng.normal(scale=0.1, size=b)
    return params


def _mlp_cases(rng):
    cases = []
    for sizes in ((4, 5, 3), (3, 6, 4, 3), (5, 4, 4, 4, 2)):
        m = int(rng.integers(5, 9))
        cases.append(Case((_mlp_params(rng, sizes), rng.normal(size=(m, sizes[0])),
                           rng.integers(0, sizes[-1], size=m))))
    return cases


def _mlp(params, X, y, *, backward=relu_backward, relu_out=False, linear=False):
    L = len(params) // 2
    A, cache = X, []
    for layer in range(1, L + 1):
        Z = A @ params[f"W{layer}"] + params[f"b{layer}"]
        cache.append((A, Z))
        A = Z if linear or (layer == L and not relu_out) else np.maximum(Z, 0)
    loss, dZ = softmax_cross_entropy(A if relu_out else Z, y)
    grads = {}
    for layer in range(L, 0, -1):
        A_prev, Z = cache[layer - 1]
        if layer < L:
            dZ = dA if linear else backward(dA, Z)
        elif layer == L and relu_out:
            dZ = relu_backward(dZ, Z)
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dZ, A_prev, params[f"W{layer}"])
    return loss, grads


MLP_MODELS = {
    "no_mask": lambda params, X, y: _mlp(params, X, y, backward=lambda dA, Z: dA),
    "mask_from_upstream": lambda params, X, y: _mlp(params, X, y, backward=lambda dA, Z: dA * (dA > 0)),
    "value_not_mask": lambda params, X, y: _mlp(params, X, y, backward=lambda dA, Z: dA * np.maximum(Z, 0)),
    "relu_on_output": lambda params, X, y: _mlp(params, X, y, relu_out=True),
    "linear": lambda params, X, y: _mlp(params, X, y, linear=True),
}


# ----------------------------------------------------------------------------- init_params (a criterion)
def _init_cases(rng):
    return [Case(([300, 200, 100, 10],), {"seed": int(rng.integers(1000))}),
            Case(([784, 64, 10],), {"seed": int(rng.integers(1000))}),
            Case(([50, 400],))]


def _init_with(sizes, seed, weight, bias=lambda rng, n: np.zeros(n)):
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = weight(rng, n_in, n_out)
        params[f"b{layer}"] = bias(rng, n_out)
    return params


INIT_MODELS = {
    "unscaled": lambda layer_sizes, seed=42: _init_with(layer_sizes, seed, lambda r, a, b: r.normal(size=(a, b))),
    "transposed": lambda layer_sizes, seed=42: _init_with(
        layer_sizes, seed, lambda r, a, b: r.normal(0, np.sqrt(2 / a), size=(b, a))),
    "random_bias": lambda layer_sizes, seed=42: _init_with(
        layer_sizes, seed, lambda r, a, b: r.normal(0, np.sqrt(2 / a), size=(a, b)), lambda r, n: r.normal(size=n)),
    "glorot": lambda layer_sizes, seed=42: _init_with(
        layer_sizes, seed, lambda r, a, b: r.normal(0, np.sqrt(2 / (a + b)), size=(a, b))),
}


def init_criterion(answer, case: Case) -> str | None:
    """Met when the parameters have the right keys and shapes, zero biases and He-scaled random weights."""
    return check.init_reason(answer, case.args[0])


# ----------------------------------------------------------------------------- minibatches (a criterion)
def _batch_cases(rng):
    cases = []
    for m, batch in ((23, 5), (40, 8), (17, 32)):
        X, y = check.indexed_data(m, int(rng.integers(2, 5)))
        cases.append(Case((X, y), {"batch_size": batch, "seed": int(rng.integers(1000))}))
    return cases


def _batches(X, y, batch_size=32, seed=0, *, shuffle=True, drop_last=False, separate=False, replace=False):
    rng = np.random.default_rng(seed)
    m = len(X)
    if replace:
        order = rng.integers(0, m, size=m)
    else:
        order = rng.permutation(m) if shuffle else np.arange(m)
    order_y = rng.permutation(m) if separate else order
    stop = m - m % batch_size if drop_last else m
    return [(X[order[i:i + batch_size]], y[order_y[i:i + batch_size]]) for i in range(0, stop, batch_size)]


BATCH_MODELS = {
    "no_shuffle": lambda X, y, batch_size=32, seed=0: _batches(X, y, batch_size, seed, shuffle=False),
    "drop_last": lambda X, y, batch_size=32, seed=0: _batches(X, y, batch_size, seed, drop_last=True),
    "separate": lambda X, y, batch_size=32, seed=0: _batches(X, y, batch_size, seed, separate=True),
    "with_replacement": lambda X, y, batch_size=32, seed=0: _batches(X, y, batch_size, seed, replace=True),
}


def batch_criterion(answer, case: Case) -> str | None:
    X, y = case.args
    return check.batches_reason(answer, X, y, case.kwargs.get("batch_size", 32))


# ----------------------------------------------------------------------------- optimizers
def _state_cases(rng, n_state=1, steps=(None,)):
    cases = []
    for shape in ((3,), (2, 4), (5,)):
        arrays = [rng.normal(size=shape) for _ in range(2)]
        state = [rng.normal(scale=0.3, size=shape) for _ in range(n_state)]
        cases.append(Case(tuple(arrays + state)))
    return cases


def _momentum_cases(rng):
    cases = _state_cases(rng)
    cases.append(Case(cases[0].args, {"lr": 0.1, "beta": 0.5}))
    return cases


MOMENTUM_MODELS = {
    "ascent": lambda param, grad, velocity, lr=0.01, beta=0.9: (param + (beta * velocity + lr * grad),
                                                                 beta * velocity + lr * grad),
    "no_decay": lambda param, grad, velocity, lr=0.01, beta=0.9: (param + velocity - lr * grad, velocity - lr * grad),
    "old_velocity": lambda param, grad, velocity, lr=0.01, beta=0.9: (param + velocity,
                                                                       beta * velocity - lr * grad),
    "plain_sgd": lambda param, grad, velocity, lr=0.01, beta=0.9: (param - lr * grad, velocity),
    "sign_convention": lambda param, grad, velocity, lr=0.01, beta=0.9: (param - (beta * velocity + lr * grad),
                                                                          beta * velocity + lr * grad),
    "ema": lambda param, grad, velocity, lr=0.01, beta=0.9: (param + beta * velocity - (1 - beta) * lr * grad,
                                                              beta * velocity - (1 - beta) * lr * grad),
}


def _rmsprop_cases(rng):
    cases = _state_cases(rng)
    cases = [Case((p, g, np.abs(s))) for p, g, s in (c.args for c in cases)]
    cases.append(Case(cases[1].args, {"lr": 0.05, "rho": 0.5}))
    return cases


def _rms(param, grad, s, lr=0.001, rho=0.9, eps=1e-7, *, new_s, sqrt=True, use_old=False):
    with np.errstate(all="ignore"):
        s_new = new_s(s, grad, rho)
        scale = s if use_old else s_new
        return param - lr * grad / ((np.sqrt(scale) if sqrt else scale) + eps), s_new


RMSPROP_MODELS = {
    "adagrad": lambda param, grad, s, lr=0.001, rho=0.9, eps=1e-7: _rms(param, grad, s, lr, rho, eps,
                                                                       new_s=lambda s, g, r: s + g * g),
    "rho_swapped": lambda param, grad, s, lr=0.001, rho=0.9, eps=1e-7: _rms(
        param, grad, s, lr, rho, eps, new_s=lambda s, g, r: (1 - r) * s + r * g * g),
    "not_squared": lambda param, grad, s, lr=0.001, rho=0.9, eps=1e-7: _rms(
        param, grad, s, lr, rho, eps, new_s=lambda s, g, r: r * s + (1 - r) * g),
    "no_sqrt": lambda param, grad, s, lr=0.001, rho=0.9, eps=1e-7: _rms(
        param, grad, s, lr, rho, eps, new_s=lambda s, g, r: r * s + (1 - r) * g * g, sqrt=False),
    "old_s": lambda param, grad, s, lr=0.001, rho=0.9, eps=1e-7: _rms(
        param, grad, s, lr, rho, eps, new_s=lambda s, g, r: r * s + (1 - r) * g * g, use_old=True),
}


def _adam_cases(rng):
    cases = []
    for shape, t in (((3,), 1), ((2, 4), 2), ((5,), 5), ((4,), 3)):
        param, grad, m = (rng.normal(size=shape) for _ in range(3))
        v = np.abs(rng.normal(scale=0.5, size=shape))
        cases.append(Case((param, grad, m * 0.3, v, t)))
    cases.append(Case(cases[1].args, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99}))
    return cases


def _adam(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, *, correct=True, swap=False,
          t_shift=0, no_sqrt=False):
    with np.errstate(all="ignore"):
        b1, b2 = (beta2, beta1) if swap else (beta1, beta2)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        k = t + t_shift
        m_hat, v_hat = (m / (1 - b1 ** k), v / (1 - b2 ** k)) if correct else (m, v)
        return param - lr * m_hat / ((v_hat if no_sqrt else np.sqrt(v_hat)) + eps), m, v


def _adam_model(**switch):
    return lambda param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7: _adam(
        param, grad, m, v, t, lr, beta1, beta2, eps, **switch)


ADAM_MODELS = {
    "no_correction": _adam_model(correct=False),
    "betas_swapped": _adam_model(swap=True),
    "t_from_zero": _adam_model(t_shift=1),
    "no_sqrt": _adam_model(no_sqrt=True),
}


# ============================================================================= the questions
FLOAT32 = dict(rtol=1e-5, atol=1e-6)
"""Tolerances that accept an answer computed in float32 (about 7 significant digits); every catalogued
mistake differs by far more."""

QUESTIONS = [
    Question(qid="05.relu_backward", reference=relu_backward, cases=_relu_cases, catalogue=check.RELU_BACKWARD,
             models=RELU_MODELS, **FLOAT32),
    Question(qid="05.sigmoid_backward", reference=sigmoid_backward, cases=_sigmoid_cases,
             catalogue=check.SIGMOID_BACKWARD, models=SIGMOID_MODELS, no_warnings=True,
             stable_hint="compute σ without overflow, e.g. with np.exp(-np.abs(Z)) and np.where", **FLOAT32),
    Question(qid="05.softmax_cross_entropy", reference=softmax_cross_entropy, cases=_softmax_cases,
             catalogue=check.SOFTMAX_CROSS_ENTROPY, models=SOFTMAX_MODELS, no_warnings=True,
             stable_hint="subtract each row's largest logit before np.exp, and compute log-probabilities as "
                         "shifted − log(sum(exp(shifted))) instead of the log of a probability", **FLOAT32),
    Question(qid="05.dense_backward", reference=dense_backward, cases=_dense_cases, catalogue=check.DENSE_BACKWARD, **FLOAT32),
    Question(qid="05.mlp_loss_and_grads", reference=mlp_loss_and_grads, cases=_mlp_cases,
             catalogue=check.MLP_LOSS_AND_GRADS, models=MLP_MODELS,
             helpers=("relu_backward", "softmax_cross_entropy", "dense_backward"), rtol=1e-5, atol=1e-8),
    Question(qid="05.init_params", reference=init_params, cases=_init_cases, criterion=init_criterion,
             catalogue=check.INIT_PARAMS, models=INIT_MODELS),
    Question(qid="05.minibatches", reference=minibatches, cases=_batch_cases, criterion=batch_criterion,
             catalogue=check.MINIBATCHES, models=BATCH_MODELS),
    Question(qid="05.momentum_step", reference=momentum_step, cases=_momentum_cases, catalogue=check.MOMENTUM_STEP,
             models=MOMENTUM_MODELS, **FLOAT32),
    Question(qid="05.rmsprop_step", reference=rmsprop_step, cases=_rmsprop_cases, catalogue=check.RMSPROP_STEP,
             models=RMSPROP_MODELS, **FLOAT32),
    Question(qid="05.adam_step", reference=adam_step, cases=_adam_cases, catalogue=check.ADAM_STEP,
             models=ADAM_MODELS, **FLOAT32),
]
