"""Self-checks of lesson 05, "An MLP from scratch in NumPy".

Backpropagation fails silently: a transposed gradient, a forgotten 1/m or a mask taken from the
wrong array still trains, just worse. So every check here does two things. It compares the
student's function with values worked out on small fixed inputs (the traces are in the lesson),
and when the answer is wrong it names the mistake: the catalogues below list the mistakes
students really make; a mistake that is a transformation of the right answer is modelled here
(``relative=True``), the others by the value they give on the fixed input (worked out once, kept
in :data:`WRONG`) and, in the hidden tests, by the instructor's wrong implementations.

``mlp_loss_and_grads`` is checked the way practitioners check their own backprop: its gradients
must agree with central differences of its own loss (a gradient check), and its loss with the
value worked out for the fixed network. ``init_params`` and ``minibatches`` have no single right
answer: their self-check and their hidden test apply one criterion (:func:`init_reason`,
:func:`batches_reason`).
"""
from __future__ import annotations

import contextlib
import functools
import io
import math
import warnings

import numpy as np

from ..checking import (CheckFailed, call_unchanged, check_defaults, difference, expect, mismatch, referenced, short,
                        signature)
from ..mistakes import Catalogue, Mistake
from . import exercise

# ============================================================================= catalogues
RELU_BACKWARD = Catalogue(
    "relu_backward",
    no_mask=Mistake("the ReLU mask is forgotten: you passed the upstream gradient dA through unchanged. ReLU blocks "
                    "the gradient where its input was negative: return dA * (Z > 0)",
                    model=lambda want, dA, Z: np.asarray(dA), relative=True),
    mask_from_upstream=Mistake("the mask is taken from the upstream gradient (dA > 0), not from the layer's input Z: "
                               "whether ReLU lets a gradient through depends on the sign of Z in the forward pass, "
                               "not on the sign of the gradient. Use dA * (Z > 0)",
                               model=lambda want, dA, Z: np.where(np.asarray(dA) > 0, dA, 0.0), relative=True),
    value_not_mask=Mistake("you multiplied dA by ReLU's output max(Z, 0) instead of its derivative: the local "
                           "derivative of ReLU is 1 where Z > 0 and 0 elsewhere (a mask), whatever the size of Z"),
    inverted=Mistake("the mask is inverted: the gradient passes where Z > 0 and is blocked where Z ≤ 0"),
    local_only=Mistake("you returned the mask (the local derivative) alone: multiply it by the upstream gradient, "
                       "dA * (Z > 0) (the chain rule)"),
)

SIGMOID_BACKWARD = Catalogue(
    "sigmoid_backward",
    sigma_not_prime=Mistake("σ is used where σ′ belongs: the local derivative of the sigmoid is σ′(Z) = σ(Z)(1 − σ(Z)), "
                            "not σ(Z). Return dA * s * (1 - s) with s = σ(Z)"),
    no_upstream=Mistake("you returned σ′(Z) alone: multiply it by the upstream gradient dA (the chain rule)"),
    one_minus_only=Mistake("the factor σ(Z) is missing: σ′(Z) = σ(Z)(1 − σ(Z)), not 1 − σ(Z)"),
    z_as_output=Mistake("you used Z where σ(Z) belongs: the formula σ′ = s(1 − s) takes the sigmoid's *output* "
                        "s = σ(Z); Z is its input. Compute s = σ(Z) first",
                        model=lambda dA, Z: np.asarray(dA) * np.asarray(Z) * (1 - np.asarray(Z))),
    sign=Mistake("the sign is flipped: dL/dZ = dA · σ′(Z), with σ′ ≥ 0",
                 model=lambda want, dA, Z: -np.asarray(want), relative=True),
)


def _one_hot_added(want, logits, y):
    d = np.array(want[1], dtype=float)
    d[np.arange(len(y)), np.asarray(y)] += 1 / len(y)
    return want[0], d


def _columns_hit(want, logits, y):
    m = len(y)
    P = np.array(want[1], dtype=float) * m
    P[np.arange(m), np.asarray(y)] += 1          # back to the probabilities
    P[:, np.unique(np.asarray(y))] -= 1          # what dlogits[:, y] -= 1 does
    return want[0], P / m


SOFTMAX_CROSS_ENTROPY = Catalogue(
    "softmax_cross_entropy",
    no_1_over_m=Mistake("the 1/m is missing from dlogits: the loss is the *mean* over the m instances, so its gradient "
                        "is (P − Y) / m. (This course puts the 1/m here, once: dense_backward then needs none)",
                        model=lambda want, logits, y: (want[0], np.asarray(want[1]) * len(y)), relative=True),
    loss_summed=Mistake("the loss is summed over the batch: return the mean over the m instances (divide by m)",
                        model=lambda want, logits, y: (want[0] * len(y), want[1]), relative=True),
    mean_over_classes=Mistake("the loss is averaged over every entry of the (m, k) array of Y·log P, classes too: "
                              "average −log P[i, y_i] over the m instances only",
                              model=lambda want, logits, y: (want[0] / np.shape(logits)[1], want[1]), relative=True),
    sign=Mistake("the gradient's sign is flipped: dL/dlogits = (P − Y) / m, prediction minus target",
                 model=lambda want, logits, y: (want[0], -np.asarray(want[1])), relative=True),
    no_one_hot=Mistake("dlogits is P / m: subtract the one-hot targets Y (1 at each row's true class) before "
                       "dividing by m", model=_one_hot_added, relative=True),
    column_index=Mistake("dlogits[:, y] -= 1 subtracts 1 in every row, at every class that occurs in y: subtract it "
                         "once per row, at that row's true class, dlogits[np.arange(m), y] -= 1",
                         model=_columns_hit, relative=True),
    overflow=Mistake("np.exp(logits) overflows for large logits (e^710 is inf, and inf / inf is nan): subtract each "
                     "row's largest logit first, logits - logits.max(axis=1, keepdims=True); softmax does not change"),
    log_underflow=Mistake("the log of a probability that underflowed to 0 is −inf: compute the log-probabilities "
                          "directly, log_p = shifted − log(sum(exp(shifted))) (log-softmax), not np.log(P)"),
)


DENSE_BACKWARD = Catalogue(
    "dense_backward",
    transposed=Mistake("the weight gradient is transposed: dW must have W's shape (n_in, n_out), dW = Xᵀ dZ "
                       "(X.T @ dZ), not dZᵀ X",
                       model=lambda want, dZ, X, W: (want[0], np.asarray(want[1]).T, want[2]), relative=True),
    dX_transposed=Mistake("dX is transposed: it must have X's shape (m, n_in), dX = dZ Wᵀ (dZ @ W.T), not W dZᵀ",
                          model=lambda want, dZ, X, W: (np.asarray(want[0]).T, want[1], want[2]), relative=True),
    db_wrong_axis=Mistake("the bias gradient is summed over the wrong axis: db has one entry per unit (n_out,), the "
                          "sum of dZ over the instances, dZ.sum(axis=0), not over the units (axis=1)",
                          model=lambda want, dZ, X, W: (want[0], want[1], np.asarray(dZ).sum(axis=1)), relative=True),
    extra_1_over_m=Mistake("dW and db are divided by m, but the 1/m of the mean loss is already in dZ (it came from "
                           "softmax_cross_entropy): dividing again shrinks the gradient m times. Use X.T @ dZ and "
                           "dZ.sum(axis=0)",
                           model=lambda want, dZ, X, W: (want[0], np.asarray(want[1]) / len(X), np.asarray(want[2]) / len(X)),
                           relative=True),
    db_mean=Mistake("db is a mean over the instances: the 1/m is already in dZ, so db = dZ.sum(axis=0)",
                    model=lambda want, dZ, X, W: (want[0], want[1], np.asarray(want[2]) / len(X)), relative=True),
    db_keepdims=Mistake("db must have b's shape (n_out,), not (1, n_out): sum without keepdims",
                        model=lambda want, dZ, X, W: (want[0], want[1], np.asarray(want[2]).reshape(1, -1)),
                        relative=True),
)

MLP_LOSS_AND_GRADS = Catalogue(
    "mlp_loss_and_grads",
    no_mask=Mistake("the ReLU mask is forgotten in the backward pass: between two dense layers, dZ = dA * (Z > 0) "
                    "(your relu_backward) with Z the pre-activation cached in the forward pass"),
    mask_from_upstream=Mistake("the ReLU mask is taken from the upstream gradient (dA > 0) instead of the cached "
                               "pre-activation Z: use relu_backward(dA, Z)"),
    value_not_mask=Mistake("the gradient is multiplied by ReLU's output instead of its derivative (a 0/1 mask): "
                           "use relu_backward(dA, Z)"),
    relu_on_output=Mistake("ReLU is applied to the output layer too: the last dense layer gives the logits, which go "
                           "straight into softmax_cross_entropy (they may be negative)"),
    linear=Mistake("there is no ReLU between the layers: without it, the layers collapse into one linear map. Apply "
                   "np.maximum(Z, 0) after every dense layer but the last (and relu_backward on the way back)"),
    scaled_by_m=Mistake("the gradients are m times too large: the 1/m of the mean loss is missing",
                        model=lambda want, params, X, y: (want[0], {k: np.asarray(g) * len(X) for k, g in want[1].items()}),
                        relative=True),
    sign=Mistake("the gradients have the wrong sign: you would climb the loss",
                 model=lambda want, params, X, y: (want[0], {k: -np.asarray(g) for k, g in want[1].items()}),
                 relative=True),
)


def _init(sizes, seed, weight, bias=None):
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = weight(rng, n_in, n_out)
        params[f"b{layer}"] = np.zeros(n_out)
    return params


INIT_PARAMS = Catalogue(
    "init_params",
    zeros=Mistake("all the weights are 0: every hidden unit of a layer then computes the same output and gets the "
                  "same gradient, so they stay identical forever (symmetry). Draw random weights",
                  model=lambda layer_sizes, seed=42: _init(layer_sizes, seed, lambda r, a, b: np.zeros((a, b)))),
    constant=Mistake("all the weights have the same value: the hidden units stay identical (symmetry is never "
                     "broken). Draw each weight at random",
                     model=lambda layer_sizes, seed=42: _init(layer_sizes, seed, lambda r, a, b: np.full((a, b), 0.01))),
    unscaled=Mistake("the weights are drawn from N(0, 1): with hundreds of inputs the pre-activations are huge. He "
                     "initialisation scales the standard deviation to √(2 / n_in)"),
    transposed=Mistake("W has shape (n_out, n_in): this course's layers compute X @ W, so W is (n_in, n_out)"),
    random_bias=Mistake("the biases are random: start them at 0 (the random weights already break the symmetry)"),
    glorot=Mistake("this is Glorot's scale √(2 / (n_in + n_out)); for ReLU layers use He's, √(2 / n_in)"),
)

MINIBATCHES = Catalogue(
    "minibatches",
    no_shuffle=Mistake("the instances are never shuffled: draw one random permutation of the indices "
                       "(np.random.default_rng(seed).permutation(m)) and cut *it* into batches"),
    drop_last=Mistake("the last, smaller batch is dropped: every instance belongs to exactly one batch in an epoch, "
                      "so keep the remainder as a last batch of m % batch_size instances"),
    separate=Mistake("X and y are shuffled separately, so the labels no longer belong to their images: index both "
                     "with the *same* permutation"),
    with_replacement=Mistake("the indices are drawn with replacement (some instances twice, others never): use a "
                             "permutation, which holds every index exactly once"),
)

MOMENTUM_STEP = Catalogue(
    "momentum_step",
    ascent=Mistake("the step climbs the loss: the velocity moves against the gradient, v ← βv − η g"),
    no_decay=Mistake("the old velocity is not decayed: v ← βv − η g (β, the momentum, is the friction)"),
    old_velocity=Mistake("the parameter moves by the *old* velocity: compute the new v first, then θ ← θ + v"),
    plain_sgd=Mistake("this is plain gradient descent: the velocity is never used nor updated. v ← βv − η g, then "
                      "θ ← θ + v, and return the new v"),
    sign_convention=Mistake("this is the other sign convention (v ← βv + η g, θ ← θ − v): here, as in Keras and in "
                            "Géron's Equation 11-5, the velocity points downhill, v ← βv − η g, then θ ← θ + v. The "
                            "velocity you are given (and return) follows that convention"),
    ema=Mistake("the gradient is weighted by (1 − β): in this lesson's (and Keras's) momentum, v ← βv − η g"),
)

RMSPROP_STEP = Catalogue(
    "rmsprop_step",
    adagrad=Mistake("s is never decayed: that is AdaGrad, whose steps shrink forever. RMSProp keeps an exponential "
                    "average, s ← ρs + (1 − ρ) g²"),
    rho_swapped=Mistake("ρ and 1 − ρ are swapped: s ← ρs + (1 − ρ) g², the old s keeps the weight ρ (0.9)"),
    not_squared=Mistake("s averages the gradient itself: it averages its *square*, g * g (element-wise)"),
    no_sqrt=Mistake("the step divides by s: divide by its square root, η g / (√s + ε)"),
    old_s=Mistake("the step uses the old s: update s first, then step with the new one"),
)

ADAM_STEP = Catalogue(
    "adam_step",
    no_correction=Mistake("Adam without bias correction: m and v start at 0, so for the first steps they are far too "
                          "small; divide them by (1 − β1ᵗ) and (1 − β2ᵗ) before the step"),
    betas_swapped=Mistake("the moments' decay rates are swapped: the first moment m uses β1 (0.9), the second "
                          "moment v uses β2 (0.999)"),
    t_from_zero=Mistake("the bias correction uses t + 1: t is already the number of this step (1 for the first), "
                        "so divide by 1 − β1**t and 1 − β2**t"),
    no_sqrt=Mistake("the step divides by v̂: divide by its square root, η m̂ / (√v̂ + ε)"),
    returns_corrected=Mistake("you returned the bias-corrected moments m̂ and v̂: return the moving averages m and v "
                              "themselves (the correction enters the step only; fed back, corrected moments would be "
                              "corrected again at the next step)",
                              model=lambda want, param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7: (
                                  want[0], np.asarray(want[1]) / (1 - beta1 ** t), np.asarray(want[2]) / (1 - beta2 ** t)),
                              relative=True),
)

# ============================================================================= shared machinery
EXERCISE_OF = {"relu_backward": "Exercise 1", "sigmoid_backward": "Exercise 2", "softmax_cross_entropy": "Exercise 3",
               "dense_backward": "Exercise 4", "mlp_loss_and_grads": "Exercise 5", "init_params": "Exercise 6",
               "minibatches": "Exercise 7", "momentum_step": "Exercise 8", "rmsprop_step": "Exercise 9",
               "adam_step": "Exercise 10"}
HELPERS = {"mlp_loss_and_grads": ("relu_backward", "softmax_cross_entropy", "dense_backward")}
DEFAULTS = {"init_params": {"seed": 42}, "minibatches": {"batch_size": 32, "seed": 0},
            "momentum_step": {"lr": 0.01, "beta": 0.9}, "rmsprop_step": {"lr": 0.001, "rho": 0.9, "eps": 1e-7},
            "adam_step": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}}
"""The defaults of the stubs' signatures, which the hidden tests compare too."""


_call = call_unchanged


def _stable_call(fn, *args, label: str, hint: str):
    """Call ``fn`` and fail when NumPy warns (overflow, log of 0, 0/0): the exercise asks for a stable formula."""
    caught: list = []

    @functools.wraps(fn)
    def watched(*a, **k):
        with warnings.catch_warnings(record=True) as seen, np.errstate(over="warn", invalid="warn", divide="warn",
                                                                       under="ignore"):
            warnings.simplefilter("always")
            try:
                return fn(*a, **k)
            finally:
                caught.extend(seen)

    got = _call(watched, *args, label=label)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    return got, (f"{label} warned {numeric[0].category.__name__}: {numeric[0].message}. {hint}" if numeric else None)


def _graded_alone(name: str, fn, run) -> int:
    """Run ``run``; when it fails and ``fn`` calls an earlier exercise that fails its own check, say to fix that first."""
    try:
        return run()
    except CheckFailed as failure:
        if failure.not_written:
            raise
        for helper in referenced(fn, HELPERS.get(name, ())):
            own = getattr(fn, "__globals__", {}).get(helper)
            if not callable(own):
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    _CHECKS[helper]._run(own)
            except CheckFailed as why:
                said = "\n    ".join(why.message.splitlines()[:4])
                raise CheckFailed(
                    f"{name} calls your {helper} ({EXERCISE_OF[helper]}), which fails its own check:\n    {said}\n"
                    f"Fix {EXERCISE_OF[helper]} first: until then this check cannot tell whether {name} itself is "
                    f"right. ({name} is graded on its own: the grader gives it a correct {helper}.)\n"
                    f"What this check saw:\n{failure.message}", not_written=why.not_written) from None
            except Exception:  # noqa: BLE001 - a check that cannot run blames nobody
                continue
        raise


def _function_check(name: str, fn, run) -> int:
    try:
        n = _graded_alone(name, fn, run)
    except CheckFailed as failure:
        if not failure.not_written:
            check_defaults(fn, name, DEFAULTS.get(name, {}))
        raise
    check_defaults(fn, name, DEFAULTS.get(name, {}))
    return n


def _cases(fn, name, cases, catalogue, *, hint, rtol=1e-6, atol=1e-8, pair=None) -> int:
    """Each case: (args, kwargs, want, note, [(wrong value, mistake), ...])."""
    for args, kwargs, want, note, mistakes in cases:
        label = signature(fn, args, kwargs, name=name) + (f"   [{note}]" if note else "")
        got = _call(fn, *args, label=label, **kwargs)
        if pair and not (isinstance(got, (tuple, list)) and len(got) == len(want)):
            raise CheckFailed(mismatch(label, short(want), short(got), f"expected {len(want)} items", pair))
        expect(tuple(got) if pair else got, want, call=label, catalogue=catalogue, args=args, kwargs=kwargs,
               mistakes=mistakes, hint=hint, rtol=rtol, atol=atol)
    return len(cases)


# ============================================================================= Exercise 1: relu_backward
RELU_DA = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
RELU_Z = np.array([[0.5, -1.0, 2.0], [3.0, -0.5, -2.0]])


@exercise("relu_backward", hint="ReLU's local derivative is 1 where its input Z was positive and 0 elsewhere: "
                                "multiply the upstream gradient by that mask, dA * (Z > 0).", catalogue=RELU_BACKWARD)
def relu_backward(fn):
    """Checks ``relu_backward(dA, Z)`` → dZ."""
    def run() -> int:
        cases = [((RELU_DA, RELU_Z), {}, np.array([[1.0, 0.0, 3.0], [-4.0, 0.0, 0.0]]),
                  "Z > 0 at [[T, F, T], [T, F, F]]",
                  [(np.array([[0.5, 0.0, 6.0], [-12.0, 0.0, 0.0]]), RELU_BACKWARD.value_not_mask),
                   (np.array([[0.0, -2.0, 0.0], [0.0, 5.0, -6.0]]), RELU_BACKWARD.inverted),
                   (np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), RELU_BACKWARD.local_only)]),
                 ((np.array([-1.0, 2.0]), np.array([4.0, -3.0])), {}, np.array([-1.0, 0.0]), "", [])]
        return _cases(fn, "relu_backward", cases, RELU_BACKWARD, hint="dZ = dA * (Z > 0)")
    return _function_check("relu_backward", fn, run)


# ============================================================================= Exercise 2: sigmoid_backward
LN3 = math.log(3)


@exercise("sigmoid_backward", hint="σ′(Z) = σ(Z)(1 − σ(Z)): compute s = σ(Z) without overflow (as in lesson 04), "
                                   "then return dA * s * (1 - s).", catalogue=SIGMOID_BACKWARD)
def sigmoid_backward(fn):
    """Checks ``sigmoid_backward(dA, Z)`` → dZ, and that it stays finite and silent for |Z| = 800."""
    def run() -> int:
        args = (np.array([2.0, 1.0, -1.0]), np.array([0.0, LN3, -LN3]))
        n = _cases(fn, "sigmoid_backward", [
            (args, {}, np.array([0.5, 0.1875, -0.1875]), "σ(Z) = [0.5, 0.75, 0.25], σ′(Z) = [0.25, 0.1875, 0.1875]",
             [(np.array([1.0, 0.75, -0.25]), SIGMOID_BACKWARD.sigma_not_prime),
              (np.array([0.25, 0.1875, 0.1875]), SIGMOID_BACKWARD.no_upstream),
              (np.array([1.0, 0.25, -0.75]), SIGMOID_BACKWARD.one_minus_only)])],
            SIGMOID_BACKWARD, hint="dA * σ(Z) * (1 − σ(Z))")
        big = (np.array([1.0, 1.0]), np.array([-800.0, 800.0]))
        label = "sigmoid_backward(array([1., 1.]), array([-800., 800.]))   [σ′ is 0 (to 1e-300) at both]"
        got, warned = _stable_call(fn, *big, label=label, hint="σ overflows: compute it with np.exp(-np.abs(Z)) and "
                                                                "np.where, as in lesson 04, so e is never raised to a "
                                                                "large power")
        expect(got, np.zeros(2), call=label, hint="σ′(±800) = 0")
        if warned:
            raise CheckFailed(warned)
        return n + 1
    return _function_check("sigmoid_backward", fn, run)


# ============================================================================= Exercise 3: softmax_cross_entropy
LN2 = math.log(2)
SOFTMAX_LOGITS = np.array([[0.0, 0.0, 0.0], [0.0, LN2, 0.0]])
SOFTMAX_Y = np.array([0, 1])
SOFTMAX_WANT = (math.log(6) / 2, np.array([[-1 / 3, 1 / 6, 1 / 6], [0.125, -0.25, 0.125]]))
STABLE_HINT = ("np.exp of a large logit overflows, and the log of a probability that underflowed to 0 is −inf: "
               "subtract each row's largest logit, then log_p = shifted − log(sum(exp(shifted)))")


@exercise("softmax_cross_entropy", hint="Shift each row by its largest logit, log_p = shifted − log(sum(exp(shifted))) "
                                        "along axis 1, loss = −mean of log_p at the true classes; dlogits = (P − Y) / m "
                                        "with P = exp(log_p) and Y the one-hot targets.",
          catalogue=SOFTMAX_CROSS_ENTROPY)
def softmax_cross_entropy(fn):
    """Checks ``softmax_cross_entropy(logits, y)`` → (loss, dlogits), on ordinary and on huge logits."""
    def run() -> int:
        n = _cases(fn, "softmax_cross_entropy", [
            ((SOFTMAX_LOGITS, SOFTMAX_Y), {}, SOFTMAX_WANT,
             "P = [[1/3, 1/3, 1/3], [1/4, 1/2, 1/4]]: loss = (ln 3 + ln 2) / 2", [])],
            SOFTMAX_CROSS_ENTROPY, hint="loss = mean of −log P[i, y_i]; dlogits = (P − Y) / m", pair="return loss, dlogits")
        for logits, y, want, note in (
                (SOFTMAX_LOGITS + 1000, SOFTMAX_Y, SOFTMAX_WANT, "the same logits + 1000: softmax is unchanged"),
                (np.array([[1000.0, 0.0]]), np.array([1]), (1000.0, np.array([[1.0, -1.0]])),
                 "P = [1, e^-1000]: loss = 1000")):
            label = f"{signature(fn, (logits, y), name='softmax_cross_entropy')}   [{note}]"
            got, warned = _stable_call(fn, logits, y, label=label, hint=STABLE_HINT)
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                raise CheckFailed(mismatch(label, short(want), short(got), "expected a pair", "return loss, dlogits"))
            expect(tuple(got), want, call=label, catalogue=SOFTMAX_CROSS_ENTROPY, args=(logits, y),
                   mistakes=[((np.nan, np.full(np.shape(logits), np.nan)), SOFTMAX_CROSS_ENTROPY.overflow),
                             ((np.inf, want[1]), SOFTMAX_CROSS_ENTROPY.log_underflow)],
                   hint=STABLE_HINT)
            if warned:
                raise CheckFailed(warned)
            n += 1
        return n
    return _function_check("softmax_cross_entropy", fn, run)


# ============================================================================= Exercise 4: dense_backward
DENSE_DZ = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
DENSE_X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [3.0, 1.0, 0.0]])
DENSE_W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
DENSE_WANT = (np.array([[1.0, 0.0, 1.0], [0.0, 2.0, -2.0], [1.0, 1.0, 0.0]]),
              np.array([[4.0, 3.0], [1.0, 3.0], [2.0, 2.0]]), np.array([2.0, 3.0]))


@exercise("dense_backward", hint="Z = X W + b: dX = dZ Wᵀ (shape of X), dW = Xᵀ dZ (shape of W), db = the sum of dZ "
                                 "over the instances (shape of b). Check each shape against the array it belongs to.",
          catalogue=DENSE_BACKWARD)
def dense_backward(fn):
    """Checks ``dense_backward(dZ, X, W)`` → (dX, dW, db)."""
    def run() -> int:
        X1, W1, dZ1 = np.array([[2.0, -1.0]]), np.array([[1.0], [3.0]]), np.array([[0.5]])
        return _cases(fn, "dense_backward", [
            ((DENSE_DZ, DENSE_X, DENSE_W), {}, DENSE_WANT, "m = 3 instances, 3 inputs, 2 units", []),
            ((dZ1, X1, W1), {}, (np.array([[0.5, 1.5]]), np.array([[1.0], [-0.5]]), np.array([0.5])),
             "one instance: dW = xᵀ dz", [])],
            DENSE_BACKWARD, hint="dX = dZ @ W.T, dW = X.T @ dZ, db = dZ.sum(axis=0)", pair="return dX, dW, db")
    return _function_check("dense_backward", fn, run)


# ============================================================================= Exercise 5: mlp_loss_and_grads
MLP_PARAMS = {"W1": np.array([[1.0, -1.0], [0.5, 2.0]]), "b1": np.array([0.0, 0.5]),
              "W2": np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]), "b2": np.array([0.1, 0.0, -0.1])}
MLP_X = np.array([[1.0, 2.0], [-1.0, 0.5]])
MLP_Y = np.array([2, 0])
# Forward by hand: Z1 = X W1 + b1 = [[2, 3.5], [-0.75, 2.5]], A1 = [[2, 3.5], [0, 2.5]],
# logits = A1 W2 + b2 = [[9.1, 3.5, -2.1], [5.1, 2.5, -0.1]]; loss = mean of −log P[i, y_i].
MLP_LOSS = 5.640235688515655


def numerical_grads(fn, params, X, y, h=1e-6) -> dict:
    """Central differences of the loss returned by ``fn(params, X, y)``, entry by entry (a gradient check)."""
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value, dtype=float)
        for i in np.ndindex(value.shape):
            losses = []
            for step in (h, -h):
                nudged = {k: np.array(v, dtype=float) for k, v in params.items()}
                nudged[key][i] += step
                with contextlib.redirect_stdout(io.StringIO()):
                    losses.append(float(fn(nudged, X.copy(), y.copy())[0]))
            g[i] = (losses[0] - losses[1]) / (2 * h)
        grads[key] = g
    return grads


@exercise("mlp_loss_and_grads", hint="Forward: for each layer Z = A @ W + b, keep (A, Z), A = np.maximum(Z, 0) except "
                                     "after the last layer. loss, dZ = softmax_cross_entropy(logits, y). Backward, from "
                                     "the last layer: dA, dW, db = dense_backward(dZ, A_prev, W); then, below it, "
                                     "dZ = relu_backward(dA, Z) with that layer's cached Z.",
          catalogue=MLP_LOSS_AND_GRADS)
def mlp_loss_and_grads(fn):
    """Checks ``mlp_loss_and_grads(params, X, y)``: its loss on a fixed network, and a gradient check of its grads."""
    def run() -> int:
        args = (MLP_PARAMS, MLP_X, MLP_Y)
        label = "mlp_loss_and_grads(MLP_PARAMS, MLP_X, MLP_Y)   [2 → 2 → 3, hidden Z1 = [[2, 3.5], [-0.75, 2.5]]]"
        got = _call(fn, *args, label=label)
        if not (isinstance(got, (tuple, list)) and len(got) == 2 and isinstance(got[1], dict)):
            raise CheckFailed(mismatch(label, "(loss, {'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...})", short(got),
                                       hint="return loss, grads with grads a dict keyed like params"))
        expect(got[0], MLP_LOSS, call=label + " → loss",
               mistakes=[(WRONG["mlp_loss_linear"], MLP_LOSS_AND_GRADS.linear),
                         (WRONG["mlp_loss_relu_on_output"], MLP_LOSS_AND_GRADS.relu_on_output)],
               hint="the logits are A1 @ W2 + b2 (no ReLU after the last layer); loss = softmax_cross_entropy(...)[0]")
        numeric = numerical_grads(fn, MLP_PARAMS, MLP_X, MLP_Y)
        expect((got[0], got[1]), (MLP_LOSS, numeric), call=label + " → grads, against central differences of your own "
               "loss (a gradient check)", catalogue=MLP_LOSS_AND_GRADS, args=args,
               mistakes=[((MLP_LOSS, WRONG["mlp_" + key]), getattr(MLP_LOSS_AND_GRADS, key))
                         for key in ("no_mask", "mask_from_upstream", "value_not_mask")],
               hint="the gradients disagree with the slope of your own loss: backprop layer by layer, dense_backward "
                    "then relu_backward with the Z cached in the forward pass", rtol=1e-4, atol=1e-7)
        return 2
    return _function_check("mlp_loss_and_grads", fn, run)


# ============================================================================= Exercise 6: init_params (a criterion)
def init_reason(answer, layer_sizes) -> str | None:
    """Why ``answer = init_params(layer_sizes)`` is not a He initialisation with zero biases, or None."""
    L = len(layer_sizes) - 1
    keys = [f"{p}{layer}" for layer in range(1, L + 1) for p in "Wb"]
    if not isinstance(answer, dict) or sorted(answer) != sorted(keys):
        return f"init_params({list(layer_sizes)}) must return a dict with exactly the keys {', '.join(keys)}"
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        W, b = (np.asarray(answer[f"{p}{layer}"], dtype=float) for p in "Wb")
        if W.shape != (n_in, n_out):
            return f"W{layer} has shape {W.shape}; a layer from {n_in} to {n_out} units needs ({n_in}, {n_out})"
        if b.shape != (n_out,):
            return f"b{layer} has shape {b.shape}; it needs one bias per unit, ({n_out},)"
        if not np.all(np.isfinite(W)):
            return f"W{layer} holds nan or inf"
        if np.ptp(W) == 0:
            return f"every weight of W{layer} is {W.flat[0]:g}: all the units of layer {layer} are identical"
        if np.any(b != 0):
            return f"b{layer} is not all zeros"
        want = math.sqrt(2 / n_in)
        # five standard errors of the sample's mean and standard deviation: a right answer fails
        # about once in three million draws, while every catalogued scale is far outside
        if abs(W.std() / want - 1) > max(0.15, 5 / math.sqrt(2 * W.size)) or abs(W.mean()) > 5 * want / math.sqrt(W.size):
            return (f"the weights of W{layer} have mean {W.mean():.3g} and standard deviation {W.std():.3g}; a He "
                    f"initialisation draws them around 0 with standard deviation √(2 / {n_in}) = {want:.3g}")
    return None


def _init_mistake(answer, layer_sizes):
    """The known mistake that ``answer`` shows for certain (a fact about it), or None."""
    try:
        Ws = [np.asarray(answer[f"W{k}"], dtype=float) for k in range(1, len(layer_sizes))]
        bs = [np.asarray(answer[f"b{k}"], dtype=float) for k in range(1, len(layer_sizes))]
    except Exception:  # noqa: BLE001
        return None
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    if all(W.shape == (b_, a) for W, (a, b_) in zip(Ws, pairs)) and any(a != b_ for a, b_ in pairs):
        return INIT_PARAMS.transposed
    if all(np.all(W == 0) for W in Ws):
        return INIT_PARAMS.zeros
    if all(W.size and np.ptp(W) == 0 for W in Ws):
        return INIT_PARAMS.constant
    if any(np.any(b != 0) for b in bs):
        return INIT_PARAMS.random_bias
    stds = [W.std() for W in Ws]
    if all(abs(s - 1) < 0.1 for s in stds):
        return INIT_PARAMS.unscaled
    if all(abs(s / math.sqrt(2 / (a + b_)) - 1) < 0.1 for s, (a, b_) in zip(stds, pairs)):
        return INIT_PARAMS.glorot
    return None


@exercise("init_params", hint="For each pair of consecutive sizes (n_in, n_out): W = rng.normal(0, np.sqrt(2 / n_in), "
                              "size=(n_in, n_out)) and b = np.zeros(n_out), with rng = np.random.default_rng(seed), "
                              "in float32 (.astype(np.float32)).", catalogue=INIT_PARAMS)
def init_params(fn):
    """Checks ``init_params(layer_sizes, seed)``: keys, shapes, zero biases, He-scaled weights, the seed is used."""
    def run() -> int:
        n = 0
        for sizes, kwargs in (([300, 200, 100, 10], {}), ([784, 64, 10], {"seed": 1})):
            label = signature(fn, (sizes,), kwargs, name="init_params")
            got = _call(fn, sizes, label=label, **kwargs)
            reason = init_reason(got, sizes)
            if reason:
                mistake = _init_mistake(got, sizes)
                raise CheckFailed(f"{label}: {reason}" + (f"\nhint: {mistake.message}" if mistake else ""))
            n += 1
        a, b, c = (_call(fn, [20, 10], seed=s) for s in (7, 7, 8))
        if difference(a, b, rtol=0, atol=0) is not None:
            raise CheckFailed("init_params([20, 10], seed=7) gave different weights twice: draw them with "
                              "rng = np.random.default_rng(seed), so that a seed gives the same network every time")
        if difference(a, c, rtol=0, atol=0) is None:
            raise CheckFailed("init_params([20, 10], seed=7) and seed=8 gave the same weights: use the seed you are "
                              "given, np.random.default_rng(seed)")
        return n + 1
    return _function_check("init_params", fn, run)


# ============================================================================= Exercise 7: minibatches (a criterion)
def indexed_data(m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """m instances whose first feature is their index (0, 1, ...), and labels that can be traced back to them."""
    X = np.arange(m, dtype=float)[:, None] + np.arange(n) / 10.0
    return X, (np.arange(m) * 7) % 5


def batches_reason(answer, X, y, batch_size) -> str | None:
    """Why ``answer = minibatches(X, y, batch_size, seed)`` is not an epoch of shuffled mini-batches, or None."""
    m = len(X)
    if not isinstance(answer, (list, tuple)):
        return (f"minibatches must return a list of (X_batch, y_batch) pairs, not a {type(answer).__name__} (a "
                f"generator that yields the pairs is not a list: collect them, e.g. with a list comprehension)")
    try:
        batches = list(answer)
        pairs = [(np.asarray(xb), np.asarray(yb)) for xb, yb in batches]
    except Exception:  # noqa: BLE001
        return "minibatches must return a list of (X_batch, y_batch) pairs"
    sizes = [len(xb) for xb, _ in pairs]
    want = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])
    if sizes != want or any(len(yb) != len(xb) for xb, yb in pairs):
        return (f"with {m} instances and batch_size={batch_size} the batches must hold {want} instances "
                f"(in that order), got {sizes}")
    rows = {tuple(row): i for i, row in enumerate(np.asarray(X).tolist())}
    try:
        index = np.concatenate([[rows[tuple(row)] for row in xb.reshape(len(xb), -1).tolist()] for xb, _ in pairs])
    except KeyError:
        return "a batch holds a row that is not a row of X"
    if sorted(index.tolist()) != list(range(m)):
        return "some instances appear twice in the epoch and others never"
    labels = np.concatenate([yb for _, yb in pairs])
    if not np.array_equal(labels, np.asarray(y)[index]):
        return "some labels in y_batch are not the labels of the rows of X_batch beside them"
    if np.array_equal(index, np.arange(m)):
        return "the batches hold the instances in their original order"
    return None


def _batches_mistake(answer, X, y, batch_size):
    reason = batches_reason(answer, X, y, batch_size)
    if reason is None:
        return None
    if "twice" in reason:
        return MINIBATCHES.with_replacement
    if "labels" in reason:
        return MINIBATCHES.separate
    if "original order" in reason:
        return MINIBATCHES.no_shuffle
    try:
        if len(list(answer)) == len(X) // batch_size and len(X) % batch_size:
            return MINIBATCHES.drop_last
    except Exception:  # noqa: BLE001
        return None
    return None


@exercise("minibatches", hint="order = np.random.default_rng(seed).permutation(len(X)); then, for i = 0, batch_size, "
                              "2·batch_size, ...: idx = order[i:i + batch_size] and the pair (X[idx], y[idx]).",
          catalogue=MINIBATCHES)
def minibatches(fn):
    """Checks ``minibatches(X, y, batch_size, seed)``: every instance once, labels with their rows, shuffled, seeded."""
    def run() -> int:
        X, y = indexed_data(23, 2)
        for kwargs in ({"batch_size": 5, "seed": 3}, {"batch_size": 32}):
            label = signature(fn, (X, y), kwargs, name="minibatches") + "   [X[i, 0] = i: each row says its index]"
            got = _call(fn, X, y, label=label, **kwargs)
            reason = batches_reason(got, X, y, kwargs["batch_size"])
            if reason:
                mistake = _batches_mistake(got, X, y, kwargs["batch_size"])
                raise CheckFailed(f"{label}: {reason}" + (f"\nhint: {mistake.message}" if mistake else ""))
        a, b, c = (_call(fn, X, y, batch_size=5, seed=s) for s in (1, 1, 2))
        if difference(a, b, rtol=0, atol=0) is not None or difference(a, c, rtol=0, atol=0) is None:
            raise CheckFailed("minibatches(X, y, batch_size=5, seed=1) must give the same batches every time, and "
                              "seed=2 other ones: shuffle with np.random.default_rng(seed).permutation(len(X))")
        return 3
    return _function_check("minibatches", fn, run)


# ============================================================================= Exercises 8-10: optimizers
@exercise("momentum_step", hint="v ← β·v − η·g, then θ ← θ + v; return both new arrays (no +=, which would change "
                                "the caller's arrays).", catalogue=MOMENTUM_STEP)
def momentum_step(fn):
    """Checks ``momentum_step(param, grad, velocity, lr, beta)`` → (param, velocity)."""
    def run() -> int:
        p, g, v = np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([0.1, 0.0])
        kw = {"lr": 0.1, "beta": 0.9}
        cases = [((p, g, v), kw, (np.array([1.04, 2.1]), np.array([0.04, 0.1])),
                  "v = 0.9·[0.1, 0] − 0.1·[0.5, −1] = [0.04, 0.1]",
                  [((np.array([1.14, 1.9]), np.array([0.14, -0.1])), MOMENTUM_STEP.ascent),
                   ((np.array([1.05, 2.1]), np.array([0.05, 0.1])), MOMENTUM_STEP.no_decay),
                   ((np.array([1.1, 2.0]), np.array([0.04, 0.1])), MOMENTUM_STEP.old_velocity),
                   ((np.array([0.95, 2.1]), np.array([0.1, 0.0])), MOMENTUM_STEP.plain_sgd),
                   ((np.array([1.085, 2.01]), np.array([0.085, 0.01])), MOMENTUM_STEP.ema),
                   ((np.array([0.86, 2.1]), np.array([0.14, -0.1])), MOMENTUM_STEP.sign_convention)]),
                 ((p, g, v), {}, (np.array([1.085, 2.01]), np.array([0.085, 0.01])), "defaults lr=0.01, beta=0.9", [])]
        return _cases(fn, "momentum_step", cases, MOMENTUM_STEP, hint="v = beta * velocity - lr * grad; "
                      "return param + v, v", pair="return param, velocity")
    return _function_check("momentum_step", fn, run)


@exercise("rmsprop_step", hint="s ← ρ·s + (1 − ρ)·g² (element-wise), then θ ← θ − η·g / (√s + ε); return both.",
          catalogue=RMSPROP_STEP)
def rmsprop_step(fn):
    """Checks ``rmsprop_step(param, grad, s, lr, rho, eps)`` → (param, s)."""
    def run() -> int:
        p, g, s = np.array([1.0, 1.0]), np.array([2.0, -1.0]), np.array([0.0, 1.0])
        kw = {"lr": 0.1, "rho": 0.8}
        cases = [((p, g, s), kw, WRONG["rmsprop_want"], "s = 0.8·[0, 1] + 0.2·[4, 1] = [0.8, 1.0]",
                  [(WRONG[f"rmsprop_{k}"], getattr(RMSPROP_STEP, k)) for k in RMSPROP_STEP.keys()]),
                 ((p, g, s), {}, WRONG["rmsprop_default"], "defaults: s = 0.9·[0, 1] + 0.1·[4, 1] = [0.4, 1.0]", [])]
        return _cases(fn, "rmsprop_step", cases, RMSPROP_STEP, hint="s = rho * s + (1 - rho) * grad**2; "
                      "return param - lr * grad / (np.sqrt(s) + eps), s", pair="return param, s")
    return _function_check("rmsprop_step", fn, run)


@exercise("adam_step", hint="m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ); "
                            "θ ← θ − η·m̂ / (√v̂ + ε). Return the new θ, m and v (m and v without the correction).",
          catalogue=ADAM_STEP)
def adam_step(fn):
    """Checks ``adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)`` → (param, m, v)."""
    def run() -> int:
        p, g = np.array([1.0, 1.0]), np.array([0.5, -2.0])
        zero = np.zeros(2)
        cases = [((p, g, zero, zero, 1), {}, WRONG["adam_t1"],
                  "t = 1: m̂ = g and v̂ = g², so the first step is lr·sign(g)",
                  [(WRONG[f"adam_t1_{k}"], getattr(ADAM_STEP, k)) for k in ADAM_STEP.keys() if f"adam_t1_{k}" in WRONG]),
                 ((p, g, np.array([0.2, -0.1]), np.array([0.5, 0.3]), 3), {"lr": 0.01, "beta1": 0.8, "beta2": 0.99},
                  WRONG["adam_t3"], "t = 3",
                  [(WRONG[f"adam_t3_{k}"], getattr(ADAM_STEP, k)) for k in ADAM_STEP.keys() if f"adam_t3_{k}" in WRONG])]
        return _cases(fn, "adam_step", cases, ADAM_STEP, hint="bias-corrected moments m̂ = m / (1 - beta1**t), "
                      "v̂ = v / (1 - beta2**t)", pair="return param, m, v")
    return _function_check("adam_step", fn, run)


_CHECKS = {"relu_backward": relu_backward, "sigmoid_backward": sigmoid_backward,
           "softmax_cross_entropy": softmax_cross_entropy, "dense_backward": dense_backward}

# ============================================================================= worked-out values
# The values the fixed inputs above give, right and wrong (written out once with the lesson's formulas;
# tests/lesson05 recomputes every one of them).
# BEGIN WORKED VALUES
WRONG = {
    'mlp_loss': 5.640235688515655,
    'mlp_no_mask': {'W2': np.array([[0.9963021866618496, 0.0036841897067094584, -0.9999863763685589], [1.6511611763567893, 0.09242882885552015, -1.7435900052123092]]), 'b2': np.array([0.46120403321034575, 0.03623469360086617, -0.497438726811212]), 'W1': np.array([[1.0376458030088507, 1.037645803008851], [1.976537802283585, 1.9765378022835853]]), 'b1': np.array([0.9586427600215577, 0.9586427600215577])},
    'mlp_mask_from_upstream': {'W2': np.array([[0.9963021866618496, 0.0036841897067094584, -0.9999863763685589], [1.6511611763567893, 0.09242882885552015, -1.7435900052123092]]), 'b2': np.array([0.46120403321034575, 0.03623469360086617, -0.497438726811212]), 'W1': np.array([[0.9981442815152042, 0.9981442815152043], [1.9962885630304084, 1.9962885630304086]]), 'b1': np.array([0.9981442815152042, 0.9981442815152043])},
    'mlp_value_not_mask': {'W2': np.array([[0.9963021866618496, 0.0036841897067094584, -0.9999863763685589], [1.6511611763567893, 0.09242882885552015, -1.7435900052123092]]), 'b2': np.array([0.46120403321034575, 0.03623469360086617, -0.497438726811212]), 'W1': np.array([[1.9962885630304084, 3.5922587890373316], [3.9925771260608167, 6.937633068739372]]), 'b1': np.array([1.9962885630304084, 3.3947511815690987])},
    'mlp_loss_linear': 5.685439665373121,
    'mlp_loss_relu_on_output': 4.590553083659912,
    'rmsprop_want': (np.array([0.7763932272500181, 1.099999990000001]), np.array([0.7999999999999998, 1.0])),
    'rmsprop_default': (np.array([0.9968377228398315, 1.0009999999]), np.array([0.3999999999999999, 1.0])),
    'rmsprop_adagrad': (np.array([0.9000000049999998, 1.070710673118655]), np.array([4.0, 2.0])),
    'rmsprop_rho_swapped': (np.array([0.8881966073750102, 1.099999990000001]), np.array([3.2, 1.0])),
    'rmsprop_not_squared': (np.array([0.6837722839831541, 1.129099428206916]), np.array([0.3999999999999999, 0.6000000000000001])),
    'rmsprop_no_sqrt': (np.array([0.750000031249996, 1.099999990000001]), np.array([0.7999999999999998, 1.0])),
    'rmsprop_old_s': (np.array([-1999999.0000000002, 1.099999990000001]), np.array([0.7999999999999998, 1.0])),
    'adam_t1': (np.array([0.9990000001999999, 1.00099999995]), np.array([0.04999999999999999, -0.19999999999999996]), np.array([0.0002500000000000002, 0.0040000000000000036])),
    'adam_t1_no_correction': (np.array([0.9968377423397051, 1.0031622726601763]), np.array([0.04999999999999999, -0.19999999999999996]), np.array([0.0002500000000000002, 0.0040000000000000036])),
    'adam_t1_betas_swapped': (np.array([0.9990000001999999, 1.00099999995]), np.array([0.0005000000000000004, -0.0020000000000000018]), np.array([0.024999999999999994, 0.3999999999999999])),
    'adam_t1_t_from_zero': (np.array([0.999255863386854, 1.0007441367709617]), np.array([0.04999999999999999, -0.19999999999999996]), np.array([0.0002500000000000002, 0.0040000000000000036])),
    'adam_t1_no_sqrt': (np.array([0.9980000007999997, 1.0004999999875]), np.array([0.04999999999999999, -0.19999999999999996]), np.array([0.0002500000000000002, 0.0040000000000000036])),
    'adam_t3': (np.array([0.9986982052711012, 1.002920061430254]), np.array([0.26, -0.4799999999999999]), np.array([0.4975, 0.337])),
    'adam_t3_no_correction': (np.array([0.9963138182565696, 1.0082684901262626]), np.array([0.26, -0.4799999999999999]), np.array([0.4975, 0.337])),
    'adam_t3_betas_swapped': (np.array([0.9288248198555648, 1.0274453707072417]), np.array([0.203, -0.11900000000000002]), np.array([0.45, 1.0399999999999998])),
    'adam_t3_t_from_zero': (np.array([0.9987606312413592, 1.0027800334620678]), np.array([0.26, -0.4799999999999999]), np.array([0.4975, 0.337])),
    'adam_t3_no_sqrt': (np.array([0.9996819235540861, 1.0008668871840707]), np.array([0.26, -0.4799999999999999]), np.array([0.4975, 0.337])),
}
# END WORKED VALUES
