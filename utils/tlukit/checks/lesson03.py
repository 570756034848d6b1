"""Self-checks of lesson 03, "Multilayer perceptrons: forward pass, activations, losses".

Each exercise has a catalogue of the mistakes students really make (:class:`Catalogue`), used
by this visible self-check and by the instructor's hidden test alike. The self-checks run the
student's functions on fixed inputs whose expected values were worked out beforehand (the
tables at the end of this module, with what each known mistake returns on the same inputs),
then, for the functions that must be numerically stable, once more on extreme inputs (±1000)
with NumPy's floating-point errors turned into exceptions: an overflow, an invalid operation
(inf − inf, 0/0) or a division by zero is a failure, even when the value came out right. The
hidden tests of the same exercises fail any numerical warning (``no_warnings``), with the same
words (:data:`OVERFLOW`).

Each exercise is graded on its own. An answer may call earlier exercises' functions
(:data:`HELPERS`, which the hidden tests replace by correct ones); when such an answer fails its
self-check and one of the student's earlier functions fails its own facts, the self-check judges
the answer against the student's own function through the identity that links them
(:data:`RELATIONS`) and says which exercise to fix first.

Nothing here implements an answer: the mistake models kept in this module are either
transformations of the expected value (``relative=True``) or wrong in a way that holds no part
of the right computation, and the relations only restate, in terms of the student's own earlier
function, the identities the notebook gives.
"""
from __future__ import annotations

import contextlib
import dis
import inspect
import io
import warnings
from typing import Any, Callable

import numpy as np

from .. import wire
from ..checking import CheckFailed, call, difference, expect, mismatch, short, signature
from ..mistakes import Catalogue, Mistake, Rule, function_source
from . import exercise

nan, inf = np.nan, np.inf  # for the tables below


def _quiet(fn: Callable) -> Callable:
    """A mistake model that computes inf or NaN on purpose, without NumPy warnings."""
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


def _size(expected, y_true, *rest, **kwargs):
    return expected * np.size(y_true)


ARRAY_HINT = ("your function must work element-wise on NumPy arrays of any shape (and on plain numbers): an `if` "
              "on an array is ambiguous and math.exp takes one number only; use np.exp, np.where, np.maximum ...")
OVERFLOW_WHERE = ("exponentiate only numbers <= 0, np.exp(np.minimum(z, 0)) (np.expm1(x) computes e^x − 1 "
                  "accurately): np.where computes both of its branches for every element, so np.exp(z) overflows "
                  "for z = 1000 even though that value is thrown away")
NO_EXP = ("compare and multiply only (np.where, np.maximum): nothing here needs an exponential or a division, and "
          "z = ±1000 must not cause any numerical warning")
CLIP_OR_LOGITS = ("from probabilities, clip the probabilities to [ε, 1 − ε] before taking logs, with ε = 1e-7 "
                  "(np.clip); from logits, ")

# How each exercise that must be numerically stable says so, written once: the self-check's stability pass
# (NumPy's overflow, invalid operation and division by zero raised, even where the value comes out right) and
# the hidden test (``stable_hint`` of a ``no_warnings`` question: any RuntimeWarning fails) use the same words.
OVERFLOW = {
    "sigmoid": ("exponentiate only −|z|, which is never positive: e = np.exp(-np.abs(z)), then 1/(1 + e) where "
                "z >= 0 and e/(1 + e) where z < 0 (with np.exp(-z), z = −1000 gives e^1000 = inf, and the value "
                "comes out right only by luck of inf arithmetic)"),
    "tanh": ("write tanh with your stable sigmoid, 2σ(2z) − 1: (e^z − e^(−z))/(e^z + e^(−z)) overflows for "
             "|z| > 709.78"),
    "step": NO_EXP,
    "relu": NO_EXP,
    "leaky_relu": NO_EXP,
    "elu": OVERFLOW_WHERE,
    "selu": OVERFLOW_WHERE,
    "softplus": ("use np.logaddexp(0, z), which computes log(e^0 + e^z) without forming e^z: log(1 + e^z) overflows "
                 "for z > 709.78, even in a branch of np.where that is thrown away"),
    "sigmoid_derivative": ("compute σ′ from your stable sigmoid, σ(z)(1 − σ(z)), not from e^(−z)/(1 + e^(−z))², "
                           "which overflows for z = −1000"),
    "tanh_derivative": ("compute tanh′ as 1 − tanh(z)² with your stable tanh: e^z and e^(−z) overflow for "
                        "|z| > 709.78"),
    "relu_derivative": NO_EXP,
    "leaky_relu_derivative": NO_EXP,
    "elu_derivative": OVERFLOW_WHERE,
    "selu_derivative": OVERFLOW_WHERE,
    "softplus_derivative": ("softplus′(z) = σ(z): call your stable sigmoid, since e^z/(1 + e^z) overflows for "
                            "z = 1000"),
    "softmax": ("subtract each row's own maximum before exponentiating, np.max(Z, axis=axis, keepdims=True): "
                "e^1000 overflows to inf, and the maximum of the whole array is not enough (a row far below it "
                "underflows to 0/0)"),
    "log_softmax": ("subtract each row's maximum M before exponentiating, and never take the log of a probability "
                    "that underflowed to 0: Z − M − log Σ e^(Z − M)"),
    "softmax_jacobian": "compute s with your stable softmax (each row's maximum subtracted before exponentiating)",
    "binary_crossentropy": CLIP_OR_LOGITS + ("use softplus(z) − y·z with np.logaddexp(0, z) (your softplus), finite "
                                             "for any z"),
    "categorical_crossentropy": CLIP_OR_LOGITS + "use your log_softmax, finite for any logits",
    "sparse_categorical_crossentropy": CLIP_OR_LOGITS + "use your log_softmax, finite for any logits",
}


# ============================================================================= catalogues
BROADCAST = Catalogue(
    "broadcast_shape",
    left_aligned=Mistake("the shapes are lined up from the left: NumPy lines them up from the right (the last "
                         "dimensions first) and pads the shorter one with 1s on the LEFT, so (3,) acts as (1, 3)"),
    drops_leading=Mistake("the extra leading dimensions of the longer shape are lost: after comparing the trailing "
                          "dimensions, keep the longer shape's remaining ones (pad the shorter shape with 1s on the "
                          "left first)"),
    same_rank_only=Mistake("shapes of different lengths can be broadcast: pad the shorter one with 1s on the left "
                           "((3,) acts as (1, 3)) instead of returning None"),
    keeps_ones=Mistake("a dimension of 1 is stretched to the other size: 1 with n gives n, not 1"),
    no_check=Mistake("two different sizes that are both > 1 cannot be broadcast: return None there instead of the "
                     "larger one"),
    reversed=Mistake("the result is reversed: you built it from the last dimension backwards; reverse it at the end "
                     "(or insert each dimension at the front)"),
)
RAISES_HINT = "return None for shapes that cannot be broadcast, instead of raising an error"
NO_BROADCAST_HELPERS = Rule(
    "work it out from the three rules, without NumPy's broadcasting helpers (np.broadcast_shapes, np.broadcast, "
    "np.broadcast_to, np.broadcast_arrays) and without building arrays to try (np.zeros, np.ones, np.empty)",
    names=("broadcast_shapes", "broadcast", "broadcast_to", "broadcast_arrays", "zeros", "ones", "empty", "full"))

XOR_MLP = Catalogue(
    "xor_mlp",
    swapped_output=Mistake("the output weights are swapped: −1 comes from the hidden neuron with bias −3/2 (an AND), "
                           "+1 from the one with bias −1/2 (an OR); yours never fires"),
    no_output_bias=Mistake("the output neuron's bias −1/2 is missing: without it z = 0 for the input (0, 0), and "
                           "the step fires there"),
    flipped_biases=Mistake("the biases are added with the wrong sign: they are −3/2 and −1/2 for the hidden neurons "
                           "and −1/2 for the output neuron"),
    relu_hidden=Mistake("the hidden neurons use the Heaviside step too, not ReLU"),
    sigmoid=Mistake("the network of Figure 10-6 uses the Heaviside step, not the sigmoid: its outputs are exactly "
                    "0 or 1"),
    xor_of_inputs=Mistake("you compared the inputs (x1 != x2) instead of computing the network: the network is "
                          "defined for any real inputs, and the hidden tests use some",
                          model=lambda X: (np.asarray(X)[:, 0] != np.asarray(X)[:, 1]).astype(int)),
    column_output=Mistake("return one output per instance, shape (m,), not a column (m, 1): use a 1-D vector of "
                          "output weights, or flatten the result with .ravel()",
                          model=lambda expected, X: np.reshape(expected, (-1, 1)), relative=True),
)

COLLAPSE = Catalogue(
    "collapse_linear",
    order=Mistake("the product is in the wrong order: the input meets W1 first, so W = W1 @ W2 (shape (n, k2)), "
                  "not W2 @ W1"),
    biases_added=Mistake("the biases do not simply add up: b1 goes through the second layer too, so "
                         "b = b1 @ W2 + b2"),
    no_b2=Mistake("b2 is missing: b = b1 @ W2 + b2"),
    no_b1=Mistake("b1 is missing: the first layer's bias reaches the output through W2, so b = b1 @ W2 + b2"),
    elementwise=Mistake("use matrix products (@), not element-wise products (*): W = W1 @ W2 and b = b1 @ W2 + b2"),
    bias_wrong_side=Mistake("b1 is a row vector here, like one instance: multiply it on the left, b1 @ W2, "
                            "not W2 @ b1"),
)

# ----------------------------------------------------------------------------- activations
SIGMOID = Catalogue(
    "sigmoid",
    naive_overflow=Mistake("e^z overflows for large z (e^1000 = inf, and inf/inf = NaN): " + OVERFLOW["sigmoid"]),
    sign_flipped=Mistake("the sign of the exponent is flipped: that is σ(−z) = 1 − σ(z); σ(z) = 1/(1 + e^(−z)) "
                         "grows with z"),
    no_one_plus=Mistake("the 1 + is missing from the denominator: σ(z) = 1/(1 + e^(−z)), not 1/e^(−z) = e^z",
                        model=_quiet(lambda z: np.exp(np.asarray(z, dtype=float)))),
    is_tanh=Mistake("that is tanh(z), with values in (−1, 1); σ(z) = 1/(1 + e^(−z)) takes values in (0, 1)",
                    model=np.tanh),
    precedence=Mistake("1 / 1 + np.exp(-z) is (1/1) + e^(−z): the denominator needs parentheses, "
                       "1 / (1 + np.exp(-z))", model=_quiet(lambda z: 1 + np.exp(-np.asarray(z, dtype=float)))),
    minus_denominator=Mistake("the denominator is 1 + e^(−z), not 1 − e^(−z) (yours divides by 0 at z = 0)"),
)

TANH = Catalogue(
    "tanh",
    inner_two=Mistake("double the argument too: tanh(z) = 2σ(2z) − 1; yours is 2σ(z) − 1, which is tanh(z/2)"),
    outer_two=Mistake("multiply σ(2z) by 2: tanh(z) = 2σ(2z) − 1 (yours takes values in (−1, 0))",
                      model=lambda expected, z: (np.asarray(expected) - 1) / 2, relative=True),
    plus_one=Mistake("subtract 1, do not add it: tanh(z) = 2σ(2z) − 1",
                     model=lambda expected, z: np.asarray(expected) + 2, relative=True),
    no_minus_one=Mistake("subtract 1: tanh(z) = 2σ(2z) − 1 (yours takes values in (0, 2))",
                         model=lambda expected, z: np.asarray(expected) + 1, relative=True),
    negated=Mistake("the sign is flipped: tanh(z) = 2σ(2z) − 1 (yours is 1 − 2σ(2z), or 2σ(−2z) − 1)",
                    model=lambda expected, z: -np.asarray(expected), relative=True),
)
TANH_RULE = Rule("write tanh with your sigmoid through the identity tanh(z) = 2σ(2z) − 1: np.tanh, np.sinh and "
                 "np.cosh are not allowed here, and your function must call sigmoid",
                 names=("tanh", "sinh", "cosh", "arctanh"), must_call=("sigmoid",))

STEP = Catalogue(
    "step",
    strict=Mistake("step(0) must be 1: the unit fires when z >= 0 (use z >= 0, not z > 0; np.heaviside(z, 0) is "
                   "0 at 0)"),
    half_at_zero=Mistake("step(0) must be 1, not 0.5: the second argument of np.heaviside is the value at 0",
                         model=lambda z: np.heaviside(z, 0.5)),
    sign=Mistake("that is sgn(z): the step is 0, not −1, where z < 0", model=np.sign),
)

RELU = Catalogue(
    "relu",
    np_max=Mistake("np.max(z, 0) is a reduction (the largest entry along axis 0); the element-wise maximum is "
                   "np.maximum(z, 0)", model=lambda z: np.max(z, 0)),
    abs=Mistake("|z| is not ReLU: negative inputs give 0, not −z", model=np.abs),
    step=Mistake("that is the step (0 or 1), the derivative of ReLU; ReLU(z) = max(0, z) keeps z itself where "
                 "z > 0"),
    minimum=Mistake("np.minimum(z, 0) keeps the negative part; ReLU keeps the positive part: np.maximum(z, 0)",
                    model=lambda z: np.minimum(z, 0)),
)

LEAKY_RELU = Catalogue(
    "leaky_relu",
    wrong_side=Mistake("the slope alpha is on the wrong side: leaky ReLU is z where z > 0 and alpha·z where z <= 0"),
    no_alpha=Mistake("negative inputs must give alpha·z, not 0 (that is plain ReLU)"),
    fixed_alpha=Mistake("use the argument alpha, not a fixed 0.01"),
    ignores_argument=Mistake("use the argument alpha: the checks pass other values than the default 0.2"),
    maximum_alpha=Mistake("np.maximum(alpha, z) compares z with the number alpha; leaky ReLU is "
                          "np.maximum(alpha * z, z) (for alpha < 1) or np.where(z > 0, z, alpha * z)",
                          model=lambda z, alpha=0.2: np.maximum(alpha, z)),
)

ELU = Catalogue(
    "elu",
    no_minus_one=Mistake("ELU is alpha·(e^z − 1) where z <= 0: without the − 1 it jumps at 0 (alpha·e^0 = alpha, "
                         "not 0)"),
    alpha_everywhere=Mistake("alpha scales only the negative part: ELU(z) = z where z > 0"),
    ignores_argument=Mistake("use the argument alpha: the checks pass other values than the default 1.0"),
    exp_minus_alpha=Mistake("alpha multiplies (e^z − 1): alpha·(e^z − 1), not e^z − alpha"),
    parentheses=Mistake("alpha * np.exp(z) - 1 is alpha·e^z − 1: put e^z − 1 in parentheses, alpha·(e^z − 1) "
                        "(or use np.expm1)"),
)

SELU_CONSTANTS = "alpha = 1.6732632423543772 and scale = 1.0507009873554805 (Keras's values)"
SELU = Catalogue(
    "selu",
    swapped_constants=Mistake(f"the constants are swapped: {SELU_CONSTANTS}; alpha multiplies (e^z − 1), the "
                              f"scale multiplies both branches"),
    no_scale=Mistake(f"the scale is missing: SELU(z) = scale · ELU(z, alpha), with {SELU_CONSTANTS}"),
    scale_negative_only=Mistake("the scale multiplies both branches: SELU(z) = scale·z where z > 0"),
    alpha_one=Mistake(f"SELU is not ELU with alpha = 1: use {SELU_CONSTANTS}"),
    rounded=Mistake(f"the constants are rounded: use {SELU_CONSTANTS}; at a tolerance of 1e-6 every digit counts"),
)

SOFTPLUS = Catalogue(
    "softplus",
    naive_overflow=Mistake("log(1 + e^z) is inf for z = 1000 (e^1000 = inf; np.log1p(np.exp(z)) too): "
                           + OVERFLOW["softplus"] + " (or max(z, 0) + log1p(e^(−|z|)))"),
    sign_flipped=Mistake("that is softplus(−z) = log(1 + e^(−z)): the sign of the exponent is flipped"),
    is_relu=Mistake("that is ReLU; softplus is its smooth version, log(1 + e^z) (softplus(0) = log 2 ≈ 0.693)",
                    model=lambda z: np.maximum(z, 0)),
    no_one_plus=Mistake("log(e^z) is just z: softplus is log(1 + e^z), with the 1 +",
                        model=lambda z: np.asarray(z, dtype=float)),
    log1p_of_z=Mistake("np.log1p(z) is log(1 + z), not log(1 + e^z): exponentiate z first (np.logaddexp(0, z) does "
                       "both, stably)", model=_quiet(lambda z: np.log1p(np.asarray(z, dtype=float)))),
)

# ----------------------------------------------------------------------------- derivatives
SIGMOID_DERIVATIVE = Catalogue(
    "sigmoid_derivative",
    returned_sigmoid=Mistake("you returned σ(z) itself: σ′(z) = σ(z)(1 − σ(z))"),
    squared=Mistake("σ(z)² is not the derivative: σ′(z) = σ(z)(1 − σ(z))"),
    z_for_sigma=Mistake("the formula is in terms of σ(z), not z: σ′(z) = σ(z)(1 − σ(z)), not z(1 − z)",
                        model=lambda z: np.asarray(z) * (1 - np.asarray(z))),
    one_minus=Mistake("1 − σ(z) is only one of the two factors: σ′(z) = σ(z)(1 − σ(z))"),
    sign=Mistake("the sign is flipped: σ is increasing, so σ′(z) > 0",
                 model=lambda expected, z: -np.asarray(expected), relative=True),
)

TANH_DERIVATIVE = Catalogue(
    "tanh_derivative",
    returned_tanh=Mistake("you returned tanh(z) itself: tanh′(z) = 1 − tanh(z)²", model=np.tanh),
    not_squared=Mistake("square tanh: tanh′(z) = 1 − tanh(z)², not 1 − tanh(z)"),
    sign=Mistake("1 − tanh(z)², not tanh(z)² − 1: tanh is increasing, so its derivative is positive",
                 model=lambda expected, z: -np.asarray(expected), relative=True),
    plus=Mistake("1 − tanh(z)², not 1 + tanh(z)²", model=lambda expected, z: 2 - np.asarray(expected), relative=True),
    sigmoid_formula=Mistake("that is the sigmoid's rule t(1 − t) applied to tanh; tanh′(z) = 1 − tanh(z)² = "
                            "(1 − t)(1 + t)"),
)

RELU_DERIVATIVE = Catalogue(
    "relu_derivative",
    returned_relu=Mistake("you returned ReLU itself: its derivative is 1 where z > 0 and 0 where z < 0",
                          model=lambda z: np.maximum(z, 0)),
    always_one=Mistake("the slope is 0 where z < 0 (ReLU is flat there), 1 where z > 0",
                       model=lambda z: np.ones(np.shape(z))),
    reversed=Mistake("reversed: the slope is 1 where z > 0 (ReLU(z) = z there) and 0 where z < 0"),
)

LEAKY_RELU_DERIVATIVE = Catalogue(
    "leaky_relu_derivative",
    no_alpha=Mistake("the slope where z < 0 is alpha, not 0 (that is the derivative of plain ReLU)"),
    reversed=Mistake("reversed: the slope is 1 where z > 0 and alpha where z < 0"),
    returned_function=Mistake("you returned leaky ReLU itself: its derivative is 1 where z > 0 and alpha where "
                              "z < 0"),
    fixed_alpha=Mistake("use the argument alpha, not a fixed 0.01"),
    ignores_argument=Mistake("use the argument alpha: the checks pass other values than the default 0.2"),
)

ELU_DERIVATIVE = Catalogue(
    "elu_derivative",
    returned_elu=Mistake("you returned ELU itself: its derivative is 1 where z > 0 and alpha·e^z where z < 0"),
    minus_one=Mistake("the − 1 of alpha·(e^z − 1) is a constant, its derivative is 0: the slope is alpha·e^z where "
                      "z < 0, not alpha·(e^z − 1)"),
    no_alpha=Mistake("multiply by the argument alpha: the slope is alpha·e^z where z < 0 (the checks pass other "
                     "values than the default 1.0)"),
    always_one=Mistake("the slope is alpha·e^z where z < 0, not 1", model=lambda z, alpha=1.0: np.ones(np.shape(z))),
)

SELU_DERIVATIVE = Catalogue(
    "selu_derivative",
    no_scale=Mistake(f"the scale multiplies both branches: the slope is scale where z > 0 and scale·alpha·e^z where "
                     f"z < 0 ({SELU_CONSTANTS})"),
    swapped_constants=Mistake(f"the constants are swapped: {SELU_CONSTANTS}"),
    returned_selu=Mistake("you returned SELU itself: its derivative is scale where z > 0 and scale·alpha·e^z where "
                          "z < 0"),
    scale_positive_only=Mistake("the scale also multiplies the negative branch: scale·alpha·e^z where z < 0"),
)

SOFTPLUS_DERIVATIVE = Catalogue(
    "softplus_derivative",
    returned_softplus=Mistake("you returned softplus itself: its derivative is e^z/(1 + e^z) = σ(z)"),
    sign_flipped=Mistake("that is σ(−z): the derivative of log(1 + e^z) is e^z/(1 + e^z) = σ(z)"),
    naive_overflow=Mistake("e^z/(1 + e^z) is NaN for z = 1000 (inf/inf): " + OVERFLOW["softplus_derivative"]),
    sigmoid_derivative=Mistake("that is σ′(z), the second derivative of softplus; softplus′(z) = σ(z)"),
)

# ----------------------------------------------------------------------------- softmax
SOFTMAX = Catalogue(
    "softmax",
    no_shift=Mistake("e^z overflows for large logits (e^1000 = inf, and inf/inf = NaN): subtract each row's "
                     "largest logit first, np.max(Z, axis=axis, keepdims=True); softmax does not change when the "
                     "same number is subtracted from every logit of a row"),
    global_shift=Mistake("subtracting the largest logit of the whole array is not enough: in a row whose logits are "
                         "all far below it every e^z underflows to 0, and 0/0 = NaN; subtract each row's own "
                         "maximum, np.max(Z, axis=axis, keepdims=True)"),
    axis_zero=Mistake("the probabilities must sum to 1 along `axis` (the last axis by default: one row per "
                      "instance), not along axis 0; pass axis=axis to np.max and np.sum"),
    sum_all=Mistake("normalise each row on its own: sum along `axis` with keepdims=True, not over the whole array"),
    no_keepdims=Mistake("the sum lost its axis: without keepdims=True, m row sums are broadcast across the columns "
                        "(wrong values when Z is square, an error otherwise); use np.sum(E, axis=axis, "
                        "keepdims=True)"),
    no_exp=Mistake("exponentiate before normalising: softmax(z)_k = e^(z_k) / Σ_j e^(z_j), not z_k / Σ_j z_j"),
    sigmoid=Mistake("a sigmoid on each logit does not give probabilities that sum to 1: exponentiate and divide by "
                    "the sum along the axis"),
)

LOG_SOFTMAX = Catalogue(
    "log_softmax",
    log_of_softmax=Mistake("log(softmax(Z)) is −inf where a probability underflows to 0 (a logit 1000 below the "
                           "largest): compute Z − M − log Σ e^(Z − M) directly, with M the maximum along the axis "
                           "(the log-sum-exp trick)"),
    no_shift=Mistake("log Σ e^Z overflows for large logits: subtract the row maximum M first, "
                     "log Σ e^Z = M + log Σ e^(Z − M), so that log_softmax(Z) = Z − M − log Σ e^(Z − M)"),
    no_logsumexp=Mistake("subtracting the maximum is not enough: log_softmax(Z) = Z − M − log Σ e^(Z − M), with M "
                         "the maximum along the axis"),
    plus_logsumexp=Mistake("subtract the log-sum-exp, do not add it: log_softmax(Z) = Z − M − log Σ e^(Z − M) "
                           "(every log-probability is <= 0)"),
    axis0=Mistake("along `axis` (the last axis by default), not along axis 0"),
)

SOFTMAX_JACOBIAN = Catalogue(
    "softmax_jacobian",
    diagonal_only=Mistake("the off-diagonal entries are not 0: ∂s_i/∂z_j = −s_i·s_j for i ≠ j, so "
                          "J = diag(s) − s sᵀ"),
    vector=Mistake("return the whole (k, k) Jacobian matrix, not only its diagonal s(1 − s)"),
    plus=Mistake("the outer product is subtracted: J = diag(s) − s sᵀ (np.diag(s) - np.outer(s, s))"),
    no_diagonal=Mistake("the diagonal term is missing: J = diag(s) − s sᵀ (np.diag(s) - np.outer(s, s))"),
    negated=Mistake("the sign is flipped: J = diag(s) − s sᵀ", model=lambda expected, z: -np.asarray(expected),
                    relative=True),
)



# ----------------------------------------------------------------------------- a forward pass


def _swap(value):
    return tuple(value)[::-1] if isinstance(value, (tuple, list)) else value


def _change(keys, how):
    """A relative mistake model: the expected dict with ``how`` applied to the given keys."""
    return lambda expected: {k: how(v) if k in keys else v for k, v in expected.items()}


EXERCISE6_SHAPES = Catalogue(
    "exercise6_shapes",
    batch_as_m=Mistake("write the batch size as None (the way Keras shows it in shapes), not as the string 'm'",
                       model=_change(("X", "Y"), lambda v: tuple("m" if d is None else d for d in v)), relative=True),
    transposed=Mistake("the weight matrices are transposed: a weight matrix has one row per input of the layer and "
                       "one column per neuron, so that X @ W is defined",
                       model=_change(("W_h", "W_o"), _swap), relative=True),
    transposed_h=Mistake("W_h is transposed: one row per input (10) and one column per hidden neuron (50)",
                         model=_change(("W_h",), _swap), relative=True),
    transposed_o=Mistake("W_o is transposed: one row per hidden neuron (50) and one column per output neuron (3)",
                         model=_change(("W_o",), _swap), relative=True),
    bias_not_tuple=Mistake("(50) is just the number 50 in Python: a shape with one dimension is a 1-tuple, written "
                           "with a comma, (50,)", model=_change(("b_h", "b_o"), lambda v: v[0]), relative=True),
    bias_column=Mistake("a bias vector has one entry per neuron and is 1-D, shape (50,) and (3,); a column (50, 1) "
                        "would not even broadcast against (m, 50)",
                        model=_change(("b_h", "b_o"), lambda v: (v[0], 1)), relative=True),
    bias_row=Mistake("a bias vector is 1-D, shape (50,) and (3,) (a (1, 50) row happens to broadcast, but it is not "
                     "how a layer stores its biases)", model=_change(("b_h", "b_o"), lambda v: (1, v[0])), relative=True),
    bias_per_instance=Mistake("there is one bias per neuron, shared by every instance: b_h has shape (50,), not "
                              "(None, 50)", model=_change(("b_h", "b_o"), lambda v: (None, v[0])), relative=True),
)

MLP_FORWARD = Catalogue(
    "mlp_forward",
    no_output_relu=Mistake("the output layer applies ReLU too: Y = ReLU(ReLU(X W_h + b_h) W_o + b_o), as in "
                           "the book's Exercise 6"),
    no_hidden_relu=Mistake("the hidden layer needs its ReLU: H = ReLU(X W_h + b_h) (without it the two layers "
                           "collapse into one linear layer)"),
    transposed=Mistake("the weights are used transposed: X @ W_h with W_h of shape (n_inputs, n_hidden), then "
                       "H @ W_o"),
    bias_after=Mistake("add the bias before the activation: ReLU(X W_h + b_h), not ReLU(X W_h) + b_h"),
    sigmoid=Mistake("this network uses ReLU, not the sigmoid"),
    softmax_output=Mistake("the output layer of the book's Exercise 6 uses ReLU, not softmax"),
)

# ----------------------------------------------------------------------------- losses
SUM_NOT_MEAN = "average (np.mean), do not add up (np.sum): the loss must not grow with the size of the batch"

MSE = Catalogue(
    "mse",
    sum=Mistake(SUM_NOT_MEAN, model=_size, relative=True),
    half=Mistake("that is ½·MSE (some textbooks add the ½ to simplify the derivative); Keras's MSE has no ½",
                 model=lambda expected, *args: expected / 2, relative=True),
    rmse=Mistake("that is the RMSE, the square root of the MSE; the loss is the MSE itself",
                 model=lambda expected, *args: np.sqrt(expected), relative=True),
    mean_error=Mistake("square the errors before averaging: in the mean of (ŷ − y) positive and negative errors "
                       "cancel out"),
    mae=Mistake("that is the MAE, the mean of |ŷ − y|: the MSE squares the errors"),
    mean_then_square=Mistake("square each error, then average: mean((ŷ − y)²), not (mean(ŷ − y))²"),
    per_column=Mistake("average over every entry (np.mean without axis): return one number, not one loss per "
                       "column"),
)

MAE = Catalogue(
    "mae",
    no_abs=Mistake("take the absolute value of each error before averaging: in the mean of (ŷ − y) positive and "
                   "negative errors cancel out"),
    abs_of_mean=Mistake("take the absolute value of each error, then average: mean(|ŷ − y|), not |mean(ŷ − y)|"),
    median=Mistake("the MAE is the mean of the absolute errors, not their median"),
    rmse=Mistake("that is the RMSE, the square root of the mean squared error; the MAE is mean(|ŷ − y|)"),
    mse=Mistake("that is the MSE (squared errors); the MAE is mean(|ŷ − y|)"),
    sum=Mistake(SUM_NOT_MEAN, model=_size, relative=True),
)

HUBER = Catalogue(
    "huber",
    no_half=Mistake("both halves are missing: ½e² where |e| <= δ, and δ(|e| − ½δ) = δ|e| − ½δ² beyond"),
    no_half_quadratic=Mistake("the quadratic part is ½e², not e² (with the ½ the two parts join smoothly at |e| = δ)"),
    no_half_linear=Mistake("the linear part is δ|e| − ½δ², not δ|e| − δ²"),
    delta_not_squared=Mistake("the linear part is δ|e| − ½δ² = δ(|e| − ½δ): the constant is ½δ², not ½δ"),
    mae_branch=Mistake("the linear part is δ|e| − ½δ², not |e|: it must meet ½e² at |e| = δ"),
    swapped=Mistake("the parts are swapped: quadratic for small errors (|e| <= δ), linear for large ones"),
    signed=Mistake("compare |e| with δ, not e: a large negative error is an outlier too"),
    fixed_delta=Mistake("use the argument delta, not a fixed 1: the checks pass other values"),
    sum=Mistake(SUM_NOT_MEAN),
)

EPSILON_NOTE = "ε = 1e-7, Keras's keras.backend.epsilon()"
CE_FROM_LOGITS = ("with from_logits=True, y_pred holds logits z (any real numbers), not probabilities: ")
BINARY_CE = Catalogue(
    "binary_crossentropy",
    swapped=Mistake("the arguments are swapped: y_true (the labels) comes first, then y_pred (Keras's order); yours "
                    "takes the log of the labels"),
    no_clip=Mistake(f"log(0) = −inf: clip the probabilities to [ε, 1 − ε] before taking logs, with {EPSILON_NOTE} "
                    f"(np.clip(p, 1e-7, 1 - 1e-7))"),
    squashed_logits=Mistake("σ(z) followed by clipping loses the loss of confident mistakes: a logit of −1000 for a "
                            "positive instance costs 1000, not −log(1e-7) ≈ 16.1; from logits, use "
                            "softplus(z) − y·z = np.logaddexp(0, z) − y·z, exact for any z"),
    ignores_logits=Mistake(CE_FROM_LOGITS + "use the stable formula softplus(z) − y·z"),
    naive_logits=Mistake("log(1 + e^z) overflows for z = 1000: use np.logaddexp(0, z) (your softplus), finite for "
                         "any z"),
    sum=Mistake(SUM_NOT_MEAN),
    no_minus=Mistake("the loss is minus the mean log-likelihood: −[y log p + (1 − y) log(1 − p)], which is >= 0"),
    only_positive=Mistake("the (1 − y)·log(1 − p) term is missing: in yours the instances with y = 0 cost nothing"),
    log10=Mistake("use the natural logarithm, np.log"),
    other_epsilon=Mistake(f"clip with {EPSILON_NOTE}, so that the loss at p = 0 or 1 is what Keras computes: "
                          f"−log(1e-7) ≈ 16.118"),
)

CATEGORICAL_CE = Catalogue(
    "categorical_crossentropy",
    mean_classes=Mistake("sum over the classes (axis=-1), then average over the instances: np.mean over every "
                         "entry also divides by the number of classes"),
    total=Mistake(SUM_NOT_MEAN),
    no_clip=Mistake(f"log(0) = −inf (and 0·log 0 = NaN): clip the probabilities to [ε, 1 − ε] before taking logs, "
                    f"with {EPSILON_NOTE}"),
    ignores_logits=Mistake(CE_FROM_LOGITS + "take log_softmax(y_pred) as the log-probabilities"),
    naive_logits=Mistake("log(softmax(Z)) computed naively overflows or takes log(0) on extreme logits: use your "
                         "log_softmax"),
    logits_axis=Mistake("the softmax of the logits is taken along the last axis (one row of logits per instance)"),
    no_minus=Mistake("the loss is minus the mean log-likelihood: −Σ_k y_k log p_k, which is >= 0"),
    binary_terms=Mistake("categorical cross-entropy only has the y_k·log p_k terms; the (1 − y)·log(1 − p) terms "
                         "belong to the binary cross-entropy"),
)

SPARSE_CE = Catalogue(
    "sparse_categorical_crossentropy",
    columns=Mistake("P[:, y] picks whole columns (an (m, m) array): pick one entry per row, P[np.arange(m), y]"),
    rows=Mistake("P[y] picks rows: instance i's label selects a column of row i, P[np.arange(m), y]"),
    no_clip=Mistake(f"log(0) = −inf: clip the probabilities to [ε, 1 − ε] before taking logs, with {EPSILON_NOTE}"),
    ignores_logits=Mistake(CE_FROM_LOGITS + "take log_softmax(y_pred) as the log-probabilities"),
    naive_logits=Mistake("log(softmax(Z)) computed naively overflows or takes log(0) on extreme logits: use your "
                         "log_softmax"),
    total=Mistake(SUM_NOT_MEAN),
    no_minus=Mistake("the loss is minus the mean log-likelihood, −log p[y], which is >= 0"),
)

# ----------------------------------------------------------------------------- exercise 7: output layers
ACTIVATIONS = {"sigmoid": "sigmoid", "logistic": "sigmoid", "softmax": "softmax", "relu": "relu",
               "softplus": "softplus", "tanh": "tanh", "linear": None, "none": None, "identity": None, "": None,
               "elu": "elu", "selu": "selu", "leakyrelu": "leaky_relu"}
LOSSES = {"mse": "mse", "meansquarederror": "mse", "mae": "mae", "meanabsoluteerror": "mae", "huber": "huber",
          "huberloss": "huber", "binarycrossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
          "categoricalcrossentropy": "categorical_crossentropy",
          "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy"}
REGRESSION_LOSSES = ("mse", "mae", "huber")
CROSS_ENTROPIES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def normalise_head(value: Any) -> tuple | None:
    """``(neurons, activation, loss)`` with Keras's names normalised ("linear" and "none" become None,
    "logistic" becomes "sigmoid", "mean_squared_error" becomes "mse" ...); None when it is not such a triple.
    Unknown names are kept (lower case) so that the message can say which name is unknown."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return None
    n, activation, loss = value
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer, float, np.floating)) or n != int(n):
        return None
    if activation is not None and not isinstance(activation, str) or not isinstance(loss, str):
        return None
    act = None if activation is None else ACTIVATIONS.get(_key(activation), activation.lower())
    return int(n), act, LOSSES.get(_key(loss), loss.lower())


def _choose(task: str, head: tuple):
    """A relative mistake model of the book's Exercise 7: the expected choices with ``task``'s replaced by ``head``."""
    return lambda expected: {**expected, task: head}


EXERCISE7_HEADS = Catalogue(
    "exercise7_heads",
    unknown_activation=Mistake("use Keras's names for the activation: 'sigmoid', 'softmax', 'relu', 'softplus', "
                               "'tanh', or None for no activation",
                               model=_choose("spam_ham", (1, "logit", "binary_crossentropy")), relative=True),
    unknown_loss=Mistake("use Keras's names for the loss: 'mse', 'mae', 'huber', 'binary_crossentropy', "
                         "'categorical_crossentropy' or 'sparse_categorical_crossentropy'",
                         model=_choose("mnist", (10, "softmax", "cross_entropy")), relative=True),
    softmax_one=Mistake("softmax over a single neuron always outputs 1 (e^z / e^z): one neuron needs the sigmoid",
                        model=_choose("spam_ham", (1, "softmax", "binary_crossentropy")), relative=True),
    not_probability=Mistake("a classifier's output must be a probability: sigmoid for one neuron (or independent "
                            "labels), softmax for mutually exclusive classes; without an activation (or with ReLU, "
                            "softplus, tanh) the outputs are not probabilities",
                            model=_choose("mnist", (10, None, "sparse_categorical_crossentropy")), relative=True),
    regression_loss_for_classification=Mistake("MSE, MAE and Huber measure distances between numbers; a classifier "
                                               "that outputs probabilities is trained with a cross-entropy",
                                               model=_choose("mnist", (10, "softmax", "mse")), relative=True),
    crossentropy_for_regression=Mistake("a cross-entropy compares probabilities, but a price is a number: use MSE "
                                        "(or MAE, or Huber when there are outliers)",
                                        model=_choose("house_prices", (1, None, "binary_crossentropy")), relative=True),
    squashing_regression=Mistake("sigmoid, tanh and softmax squash the output into (0, 1) or (−1, 1), but prices "
                                 "are not in a known small range: no activation (or ReLU/softplus to keep it "
                                 "positive)", model=_choose("house_prices", (1, "sigmoid", "mse")), relative=True),
    binary_ce_multiclass=Mistake("binary cross-entropy treats each output as its own yes/no question; with softmax "
                                 "over classes that exclude one another, use (sparse) categorical cross-entropy",
                                 model=_choose("mnist", (10, "softmax", "binary_crossentropy")), relative=True),
    categorical_ce_sigmoid=Mistake("categorical cross-entropy compares a distribution over classes; with sigmoid "
                                   "outputs (independent yes/no probabilities) use binary cross-entropy",
                                   model=_choose("spam_ham", (1, "sigmoid", "categorical_crossentropy")), relative=True),
    independent_sigmoids=Mistake("several sigmoid neurons give independent probabilities (a multilabel classifier); "
                                 "here exactly one class is right: one sigmoid neuron for a yes/no question, or "
                                 "softmax over the classes",
                                 model=_choose("mnist", (10, "sigmoid", "binary_crossentropy")), relative=True),
    neurons_per_class=Mistake("softmax needs one output neuron per class: 2 for spam/ham, 10 for the digits",
                              model=_choose("mnist", (9, "softmax", "sparse_categorical_crossentropy")), relative=True),
    one_neuron_regression=Mistake("one output neuron per value to predict: a house has one price",
                                  model=_choose("house_prices", (2, None, "mse")), relative=True),
    regression_activation=Mistake("a regression output needs no activation (or ReLU/softplus to keep it positive)",
                                  model=_choose("house_prices", (1, "selu", "mse")), relative=True),
)


def head_mistake(task: str, head: tuple) -> str | None:
    """Why ``head`` = (neurons, activation, loss), normalised, is a poor choice for ``task``; None if it is not."""
    n, act, loss = head
    if act is not None and act not in ACTIVATIONS.values():
        return EXERCISE7_HEADS.unknown_activation.message
    if loss not in LOSSES.values():
        return EXERCISE7_HEADS.unknown_loss.message
    if task == "house_prices":
        if n != 1:
            return EXERCISE7_HEADS.one_neuron_regression.message
        if act in ("sigmoid", "tanh", "softmax"):
            return EXERCISE7_HEADS.squashing_regression.message
        if act not in (None, "relu", "softplus"):
            return EXERCISE7_HEADS.regression_activation.message
        if loss in CROSS_ENTROPIES:
            return EXERCISE7_HEADS.crossentropy_for_regression.message
        return None
    classes = {"spam_ham": 2, "mnist": 10}.get(task)
    if classes is None:
        return f"unknown task {task!r}"
    if act == "softmax" and n == 1:
        return EXERCISE7_HEADS.softmax_one.message
    if act not in ("sigmoid", "softmax"):
        return EXERCISE7_HEADS.not_probability.message
    if loss in REGRESSION_LOSSES:
        return EXERCISE7_HEADS.regression_loss_for_classification.message
    if act == "sigmoid":
        if n != 1:
            return EXERCISE7_HEADS.independent_sigmoids.message
        if classes != 2:
            return EXERCISE7_HEADS.independent_sigmoids.message
        if loss != "binary_crossentropy":
            return EXERCISE7_HEADS.categorical_ce_sigmoid.message
        return None
    if n != classes:
        return EXERCISE7_HEADS.neurons_per_class.message
    if loss == "binary_crossentropy":
        return EXERCISE7_HEADS.binary_ce_multiclass.message
    return None


# ============================================================================= machinery
def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _use(fn, args=(), kwargs=None, *, on_error: str | None = None, label: str | None = None, stable=False):
    """Call the student's function on copies; fail readably when it raises or changes its input."""
    kwargs = dict(kwargs or {})
    given = tuple(_copy(a) for a in args)
    label = label or signature(fn, args, kwargs)
    try:
        if stable:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                got = call(fn, *given, label=label, **kwargs)
        else:
            got = call(fn, *given, label=label, **kwargs)
    except CheckFailed as failure:
        if on_error and not failure.not_written:
            raise CheckFailed(f"{failure.message}\nhint: {on_error}") from None
        raise
    for before, after in zip(args, given):
        if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True):
            raise CheckFailed(mismatch(label, f"the array passed in left unchanged, {short(before)}",
                                       f"changed to {short(after)} by your function",
                                       hint="build a new array (np.maximum(z, 0), z * 2, ...) instead of writing into "
                                            "the one you received (z[z < 0] = 0, z *= 2): the caller may still need "
                                            "it"))
    return got


def _floating_error(fn, args=(), kwargs=None) -> str | None:
    """The floating-point error ``fn`` commits on this input, as text (an overflow, an invalid operation such as
    inf − inf, a division by zero), or None. Underflow to 0 is allowed: e^(−1000) = 0 is the right answer in
    floating point. Any other exception is left to the value check, which reports it."""
    given = tuple(_copy(a) for a in args)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                fn(*given, **dict(kwargs or {}))
    except FloatingPointError as exc:
        return f"FloatingPointError: {exc}"
    except Exception:  # noqa: BLE001 - not a floating-point error: the value check says what happened
        return None
    return None


def _unstable(fn, name: str, args, kwargs, label: str) -> None:
    """Fail when ``fn`` computed a right value with a numerical warning on the way (the hidden test of an exercise
    about stability fails any RuntimeWarning, so the self-check does too)."""
    error = _floating_error(fn, args, kwargs)
    if error:
        raise CheckFailed(mismatch(label, "the right value, computed without overflow, invalid operation or division "
                                          "by zero", f"the right value, but NumPy raised {error}", hint=OVERFLOW[name]))


def _table(fn, name: str, catalogue: Catalogue, hint: str, *, rtol=1e-6, atol=1e-8, on_error=ARRAY_HINT) -> int:
    """Run ``fn`` on every fixed input of ``CASES[name]`` and compare with the worked-out values.

    For an exercise about stability (``name in OVERFLOW``) the values are computed with NumPy's warnings off, so that
    a wrong value is named first; a right value computed with an overflow on the way fails next."""
    strict = name in OVERFLOW
    n = 0
    for args, kwargs, want, note, wrong in CASES[name]:
        label = signature(fn, args, kwargs) + (f"   [{note}]" if note else "")
        with np.errstate(all="ignore") if strict else contextlib.nullcontext():
            got = _use(fn, args, kwargs, on_error=on_error, label=label)
        expect(got, want, call=label, hint=hint, mistakes=[(v, getattr(catalogue, k)) for k, v in wrong.items()],
               catalogue=catalogue, args=args, kwargs=kwargs, rtol=rtol, atol=atol)
        if strict:
            _unstable(fn, name, args, kwargs, label)
        n += 1
    return n


def _stable(fn, inputs: list[tuple[tuple, dict]], message: str) -> int:
    """Call ``fn`` on extreme inputs with NumPy's overflow, invalid and divide errors raised (underflow to 0 is
    fine: e^(−1000) = 0 is the right answer in floating point)."""
    for args, kwargs in inputs:
        _use(fn, args, kwargs, stable=True, on_error=message,
             label=signature(fn, args, kwargs) + "   [extreme inputs: no overflow, no invalid operation allowed]")
    return 1


def _names_used(fn) -> set[str]:
    """The global and attribute names a function's code uses (its nested functions' too)."""
    code = getattr(fn, "__code__", None)
    names, stack = set(), [code] if code is not None else []
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    return names


def _globals_loaded(fn) -> set[str]:
    """The global names a function's code reads (its nested functions' and lambdas' too); attributes such as the
    ``tanh`` of ``np.tanh`` are not among them."""
    code = getattr(fn, "__code__", None)
    names, stack = set(), [code] if code is not None else []
    while stack:
        c = stack.pop()
        names.update(i.argval for i in dis.get_instructions(c) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        stack.extend(k for k in c.co_consts if hasattr(k, "co_code"))
    return names


def _rule(fn, rule: Rule) -> None:
    """Raise when ``fn`` breaks ``rule``: judged on its source (as the hidden test does), or, for a function
    whose source cannot be found (defined by exec), on the names its code uses."""
    source = function_source(fn)
    if source is not None:
        broken = rule.broken(source)
    else:
        used = _names_used(fn)
        broken = bool(used & set(rule.names)) or any(name not in used for name in rule.must_call)
    if broken:
        name = getattr(fn, "__name__", "your function")
        raise CheckFailed(mismatch(f"the code of {name}", "code that follows the rule of the exercise",
                                   "code that breaks it", hint=rule.message))


EXTREME = np.array([-1000.0, -50.0, 50.0, 1000.0])
EXTREME_ROWS = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
_F32 = dict(rtol=1e-5, atol=1e-6)


# ============================================================================= earlier exercises
# An answer may call the functions of earlier exercises (selu may call elu). The hidden test replaces them by
# correct versions while it tests the answer (``helpers=`` of its question, taken from HELPERS below), so that one
# early mistake costs only its own points. This kit holds no correct versions, so the self-check does the next best
# thing: when an answer fails and calls an earlier function that fails its own fixed-input facts, it checks the
# answer against that function, the student's own, through the identity that links them (RELATIONS: selu(z) =
# scale · elu(z, alpha) computed with the student's elu), and says which exercise to fix first. A right answer then
# passes its self-check, as it passes its hidden test.
HELPERS: dict[str, tuple[str, ...]] = {
    "tanh": ("sigmoid",),
    "selu": ("elu",),
    "sigmoid_derivative": ("sigmoid",),
    "tanh_derivative": ("sigmoid", "tanh"),
    "relu_derivative": ("step", "relu"),
    "leaky_relu_derivative": ("step", "leaky_relu"),
    "elu_derivative": ("elu",),
    "selu_derivative": ("elu", "selu", "elu_derivative"),
    "softplus_derivative": ("sigmoid", "softplus"),
    "log_softmax": ("softmax",),
    "softmax_jacobian": ("softmax",),
    "mlp_forward": ("relu",),
    "binary_crossentropy": ("sigmoid", "softplus"),
    "categorical_crossentropy": ("softmax", "log_softmax"),
    "sparse_categorical_crossentropy": ("softmax", "log_softmax"),
}
"""Exercise -> the earlier exercises its answer may call (the hidden tests' ``helpers``)."""

EXERCISE_OF = {
    "broadcast_shape": "Exercise 1", "xor_mlp": "Exercise 2", "collapse_linear": "Exercise 3", "sigmoid": "Exercise 4",
    "tanh": "Exercise 5", **dict.fromkeys(("step", "relu", "leaky_relu", "elu", "selu", "softplus"), "Exercise 6"),
    **dict.fromkeys(("sigmoid_derivative", "tanh_derivative", "relu_derivative", "leaky_relu_derivative",
                     "elu_derivative", "selu_derivative", "softplus_derivative"), "Exercise 7"),
    **dict.fromkeys(("softmax", "log_softmax", "softmax_jacobian"), "Exercise 8"), "exercise6_shapes": "Exercise 9",
    "mlp_forward": "Exercise 10", **dict.fromkeys(("mse", "mae", "huber"), "Exercise 11"),
    **dict.fromkeys(("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"),
                    "Exercise 12"),
    "exercise7_heads": "Exercise 13",
}
"""Which exercise of the notebook each answer belongs to."""

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805   # given in the exercise (Keras's values)


def _f(x):
    return np.asarray(x, dtype=float)


def _z(args):
    return np.asarray(args[0])


def _logits_only(value):
    """A relation of a loss: computed with the student's helper from logits; from probabilities no helper is
    involved, and the worked-out value stands."""
    return lambda h, a, k, expected: value(h, a, k) if k.get("from_logits") else expected


RELATIONS: dict[str, list[tuple[str, str, Callable]]] = {
    "tanh": [
        ("sigmoid", "tanh(z) = 2σ(2z) − 1", lambda h, a, k, e: 2 * _f(h["sigmoid"](2 * _z(a))) - 1),
        ("sigmoid", "tanh(z) = σ(2z) − σ(−2z)",
         lambda h, a, k, e: _f(h["sigmoid"](2 * _z(a))) - _f(h["sigmoid"](-2 * _z(a)))),
    ],
    "selu": [("elu", "SELU(z) = scale·ELU(z, alpha)",
              lambda h, a, k, e: SELU_SCALE * _f(h["elu"](_z(a), alpha=SELU_ALPHA)))],
    "sigmoid_derivative": [
        ("sigmoid", "σ′(z) = σ(z)(1 − σ(z))", lambda h, a, k, e: _f(h["sigmoid"](_z(a))) * (1 - _f(h["sigmoid"](_z(a))))),
        ("sigmoid", "σ′(z) = σ(z)σ(−z)", lambda h, a, k, e: _f(h["sigmoid"](_z(a))) * _f(h["sigmoid"](-_z(a)))),
    ],
    "tanh_derivative": [
        ("tanh", "tanh′(z) = 1 − tanh(z)²", lambda h, a, k, e: 1 - _f(h["tanh"](_z(a))) ** 2),
        ("sigmoid", "tanh′(z) = 4σ(2z)(1 − σ(2z))",
         lambda h, a, k, e: 4 * _f(h["sigmoid"](2 * _z(a))) * (1 - _f(h["sigmoid"](2 * _z(a))))),
        ("sigmoid", "tanh′(z) = 4σ(2z)σ(−2z)",
         lambda h, a, k, e: 4 * _f(h["sigmoid"](2 * _z(a))) * _f(h["sigmoid"](-2 * _z(a)))),
    ],
    "relu_derivative": [
        ("step", "ReLU′(z) = step(z) for z ≠ 0", lambda h, a, k, e: _f(h["step"](_z(a)))),
        ("relu", "ReLU′(z) = 1 where ReLU(z) > 0, else 0", lambda h, a, k, e: (_f(h["relu"](_z(a))) > 0) * 1.0),
    ],
    "elu_derivative": [("elu", "ELU′(z) = ELU(z) + alpha where z < 0",
                        lambda h, a, k, e: np.where(_z(a) > 0, 1.0, _f(h["elu"](_z(a), **k)) + k.get("alpha", 1.0)))],
    "selu_derivative": [
        ("elu_derivative", "SELU′(z) = scale·ELU′(z, alpha)",
         lambda h, a, k, e: SELU_SCALE * _f(h["elu_derivative"](_z(a), alpha=SELU_ALPHA))),
        ("elu", "SELU′(z) = scale·(ELU(z, alpha) + alpha) where z < 0",
         lambda h, a, k, e: np.where(_z(a) > 0, SELU_SCALE,
                                     SELU_SCALE * (_f(h["elu"](_z(a), alpha=SELU_ALPHA)) + SELU_ALPHA))),
        ("selu", "SELU′(z) = SELU(z) + scale·alpha where z < 0",
         lambda h, a, k, e: np.where(_z(a) > 0, SELU_SCALE, _f(h["selu"](_z(a))) + SELU_SCALE * SELU_ALPHA)),
    ],
    "softplus_derivative": [
        ("sigmoid", "softplus′(z) = σ(z)", lambda h, a, k, e: _f(h["sigmoid"](_z(a)))),
        ("sigmoid", "softplus′(z) = 1 − σ(−z)", lambda h, a, k, e: 1 - _f(h["sigmoid"](-_z(a)))),
    ],
    "softmax_jacobian": [("softmax", "J = diag(s) − s sᵀ with s = softmax(z)",
                          lambda h, a, k, e: np.diag(_f(h["softmax"](_z(a)))) - np.outer(_f(h["softmax"](_z(a))),
                                                                                        _f(h["softmax"](_z(a)))))],
    "mlp_forward": [("relu", "Y = ReLU(ReLU(X W_h + b_h) W_o + b_o)",
                     lambda h, a, k, e: _f(h["relu"](_f(h["relu"](_f(a[0]) @ _f(a[1]) + _f(a[2]))) @ _f(a[3])
                                                     + _f(a[4]))))],
    "binary_crossentropy": [
        ("softplus", "the mean of softplus(z) − y·z",
         _logits_only(lambda h, a, k: float(np.mean(_f(h["softplus"](_f(a[1]))) - _f(a[0]) * _f(a[1]))))),
        ("softplus", "the mean of y·softplus(−z) + (1 − y)·softplus(z)",
         _logits_only(lambda h, a, k: float(np.mean(_f(a[0]) * _f(h["softplus"](-_f(a[1])))
                                                    + (1 - _f(a[0])) * _f(h["softplus"](_f(a[1]))))))),
    ],
    "categorical_crossentropy": [
        ("log_softmax", "the mean of −Σ_k y_k log_softmax(z)_k",
         _logits_only(lambda h, a, k: float(np.mean(-np.sum(_f(a[0]) * _f(h["log_softmax"](_f(a[1]), axis=-1)),
                                                            axis=-1))))),
    ],
    "sparse_categorical_crossentropy": [
        ("log_softmax", "the mean of −log_softmax(z)[y]",
         _logits_only(lambda h, a, k: float(np.mean(-_f(h["log_softmax"](_f(a[1]), axis=-1))[
             np.arange(len(a[0])), np.asarray(a[0]).astype(int)])))),
    ],
}
"""Exercise -> (helper, the identity in words, its value computed with the student's helper ``h[helper]``)."""

FACTS: dict[str, Callable[[Any], int]] = {}
"""Exercise -> its fixed-input facts alone (the values and the stability pass), to judge an earlier function."""

STABLE: dict[str, list[tuple[tuple, dict]]] = {}
"""Exercise -> its extreme inputs (the stability pass)."""


def _own_helpers(name: str, fn) -> dict[str, Callable]:
    """The earlier exercises' functions that ``fn`` reads from its namespace (the student's own), directly or
    through other functions of the same namespace (sparse_categorical_crossentropy may call the student's
    categorical_crossentropy, which calls log_softmax)."""
    space = getattr(fn, "__globals__", None)
    if not isinstance(space, dict):
        return {}
    wanted = HELPERS.get(name, ())
    used, seen, todo = set(), set(), [fn]
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        for g in _globals_loaded(f):
            used.add(g)
            value = space.get(g)
            if g not in wanted and inspect.isfunction(value) and value.__globals__ is space:
                todo.append(value)
    return {h: space[h] for h in wanted if h in used and callable(space.get(h))}


def _wrong_on_its_own(helper: str, fn) -> str | None:
    """Why the student's ``helper`` fails its own exercise's fixed-input facts (the first lines), else None."""
    facts = FACTS.get(helper)
    if facts is None:
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            facts(fn)
    except CheckFailed as failure:
        return "\n".join("    " + line for line in failure.message.splitlines()[:4])
    return None


@contextlib.contextmanager
def _quiet_helpers(fn, helpers: dict[str, Callable]):
    """The student's helpers, silenced (their own overflows are their exercise's business), in place of the
    originals in ``fn``'s namespace for the time of the check; the originals are back afterwards."""
    space = fn.__globals__
    saved = {h: space[h] for h in helpers}
    space.update({h: _quiet(f) for h, f in helpers.items()})
    try:
        yield {h: space[h] for h in helpers}
    finally:
        space.update(saved)


def _relation_value(value, own, args, kwargs, expected):
    """The identity's value with the student's (silenced) helpers; raises what the helper raises."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return value(own, tuple(_copy(a) for a in args), dict(kwargs), expected)


def _all_finite(value) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True


def _judgeable(value, own, args, kwargs) -> bool:
    """Whether the identity can be computed, finite, with the student's helpers on this input."""
    try:
        return _all_finite(_relation_value(value, own, args, kwargs, None))
    except Exception:  # noqa: BLE001 - the student's helper fails on this input
        return False


def _against_own(name: str, fn, helpers: dict[str, Callable], relation: tuple[str, str, Callable]) -> int:
    """Check ``fn`` on the fixed inputs against ``relation`` computed with the student's own helpers, then its
    stability with those helpers silenced: what the hidden test checks with correct helpers.

    Where the student's helper returns inf or NaN nothing can be judged (inf − inf and 0·inf are NaN whichever
    way they are written): those entries are left out, and so is the stability of an input that meets them."""
    helper, identity, value = relation
    n = 0
    with _quiet_helpers(fn, helpers) as own:
        for args, kwargs, expected, note, _ in CASES[name]:
            label = signature(fn, args, kwargs) + f"   [{identity}, with your own {helper}]"
            try:
                want = _relation_value(value, own, args, kwargs, expected)
            except Exception as exc:  # noqa: BLE001 - the student's helper fails on this input: no identity to check
                raise CheckFailed(f"{label}: your {helper} raised {type(exc).__name__} on this input") from None
            with np.errstate(all="ignore") if name in OVERFLOW else contextlib.nullcontext():
                got = _use(fn, args, kwargs, label=label)
            finite = _all_finite(want)
            if not finite and np.ndim(want) > 0 and np.shape(got) == np.shape(want):
                keep = np.isfinite(np.asarray(want, dtype=float))
                want, got = np.where(keep, want, 0.0), np.where(keep, np.asarray(got, dtype=float), 0.0)
            elif not finite:
                continue
            reason = difference(got, want, **_F32)
            if reason:
                raise CheckFailed(mismatch(label, short(want), short(got), reason))
            if name in OVERFLOW and finite:
                _unstable(fn, name, args, kwargs, label)
            n += 1
        inputs = [(args, kwargs) for args, kwargs in STABLE.get(name, ()) if _judgeable(value, own, args, kwargs)]
        if inputs:
            n += _stable(fn, inputs, OVERFLOW[name])
    return n


def _graded_alone(name: str, facts: Callable[[Any], int]) -> Callable[[Any], int]:
    """The self-check of an answer that may call earlier exercises (HELPERS): its facts first; when they fail and
    the answer calls an earlier function that fails its own facts, it is judged against that function instead."""
    FACTS[name] = facts

    def run(fn):
        try:
            return facts(fn)
        except CheckFailed as failure:
            if failure.not_written or not HELPERS.get(name):
                raise
            return _judge_with_own_helpers(name, fn, failure)
    run.__name__, run.__doc__ = name, facts.__doc__
    return run


def _judge_with_own_helpers(name: str, fn, failure: CheckFailed) -> int:
    helpers = _own_helpers(name, fn)
    broken = {h: why for h, f in helpers.items() if (why := _wrong_on_its_own(h, f))}
    if not broken:
        raise failure
    which = " and ".join(broken)
    exercises = " and ".join(dict.fromkeys(EXERCISE_OF[h] for h in broken))
    wrong: list[tuple[tuple, CheckFailed]] = []
    for relation in RELATIONS.get(name, ()):
        if relation[0] not in helpers:
            continue
        try:
            n = _against_own(name, fn, helpers, relation)
        except CheckFailed as own:
            wrong.append((relation, own))
            continue
        print(f"ℹ your {which} fails its own check ({exercises}), so {name} was checked against your {which} "
              f"through {relation[1]} instead, and agrees with it. {name} itself is graded with a correct {which}; "
              f"fix {exercises} for its own points.")
        return n
    lines = [f"your {name} uses your {h}, which fails its own check ({EXERCISE_OF[h]}):\n{why}"
             for h, why in broken.items()]
    lines.append(f"Fix {exercises} ({which}) first: {name} itself is graded with a correct {which}.")
    if wrong:
        (helper, identity, _), own = wrong[0]
        lines.append(f"Checked against your own {helper} through {identity}, your {name} is wrong as well:\n"
                     f"{own.message}")
    else:
        lines.append(f"This check cannot judge {name} until your {which} passes its check. What it saw:\n"
                     f"{failure.message}")
    raise CheckFailed("\n".join(lines))


# ============================================================================= tensors
@exercise("broadcast_shape", hint="Line the two shapes up on the right, padding the shorter one with 1s on the left. "
                                  "Then, dimension by dimension: equal sizes stay, a 1 is stretched to the other "
                                  "size, and two different sizes > 1 mean the shapes cannot be broadcast (None).",
          catalogue=BROADCAST)
def broadcast_shape(fn):
    """Checks ``broadcast_shape(shape_a, shape_b)`` → the shape of the result, or None."""
    n = 0
    for args, kwargs, want, note, wrong in CASES["broadcast_shape"]:
        label = signature(fn, args, kwargs) + (f"   [{note}]" if note else "")
        got = _use(fn, args, kwargs, label=label, on_error=RAISES_HINT if want is None else None)
        if isinstance(got, list):
            got = tuple(got)
        expect(got, want, call=label, mistakes=[(v, getattr(BROADCAST, k)) for k, v in wrong.items()],
               hint="line the shapes up on the right; equal sizes stay, 1 stretches, else None")
        n += 1
    _rule(fn, NO_BROADCAST_HELPERS)
    return n + 1


# ============================================================================= the XOR network
@exercise("xor_mlp", hint="Two layers, each X @ W + b followed by the Heaviside step. Hidden layer: W_h = all ones "
                          "(2×2), b_h = (−1.5, −0.5). Output: weights (−1, +1), bias −0.5. Return one 0/1 per row.",
          catalogue=XOR_MLP)
def xor_mlp(fn):
    """Checks ``xor_mlp(X)`` on the four corners and on real inputs."""
    return _table(fn, "xor_mlp", XOR_MLP, "hidden = step(X @ W_h + b_h); output = step(hidden @ w_o + b_o)")


@exercise("collapse_linear", hint="Expand (X W1 + b1) W2 + b2 = X (W1 W2) + (b1 W2 + b2): read off W and b.",
          catalogue=COLLAPSE)
def collapse_linear(fn):
    """Checks ``collapse_linear(W1, b1, W2, b2)`` → (W, b)."""
    n = 0
    for args, kwargs, want, note, wrong in CASES["collapse_linear"]:
        label = signature(fn, args) + (f"   [{note}]" if note else "")
        got = _use(fn, args, label=label, on_error="W1 is (n, k1), W2 is (k1, k2): W = W1 @ W2 is (n, k2), and "
                                                   "b = b1 @ W2 + b2 is (k2,)")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise CheckFailed(mismatch(label, short(want), short(got), "expected a pair (W, b)", "return W, b"))
        expect(tuple(got), want, call=label, mistakes=[(v, getattr(COLLAPSE, k)) for k, v in wrong.items()],
               catalogue=COLLAPSE, args=args, hint="W = W1 @ W2 and b = b1 @ W2 + b2")
        n += 1
    # the two networks agree on a batch: one layer does what two linear layers did
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]])
    W1, b1, W2, b2 = CASES["collapse_linear"][0][0]
    W, b = _use(fn, (W1, b1, W2, b2))
    expect(X @ np.asarray(W) + np.asarray(b), (X @ W1 + b1) @ W2 + b2, call="X @ W + b against (X @ W1 + b1) @ W2 + b2",
           hint="the single layer must give the same outputs as the two stacked ones on any batch X")
    return n + 1


# ============================================================================= activations
def _elementwise_check(name: str, catalogue: Catalogue, hint: str, *, kwargs_list=({},)):
    """The self-check of an element-wise function: worked-out values, then ±1000 without any numerical warning."""
    STABLE[name] = [((EXTREME,), kw) for kw in kwargs_list]

    def facts(fn):
        n = _table(fn, name, catalogue, hint, **_F32)
        return n + _stable(fn, STABLE[name], OVERFLOW[name])
    facts.__name__ = name
    facts.__doc__ = f"Checks ``{name}`` on fixed inputs (worked-out values), then on ±1000 without overflow."
    return _graded_alone(name, facts)


sigmoid = exercise("sigmoid", catalogue=SIGMOID, hint=(
    "σ(z) = 1/(1 + e^(−z)). To stay finite for z = ±1000, exponentiate only −|z|: e = np.exp(-np.abs(z)); then "
    "σ(z) = 1/(1 + e) where z >= 0 and e/(1 + e) where z < 0 (the same number, written two ways).")
)(_elementwise_check("sigmoid", SIGMOID, "σ(0) = 0.5, σ(z) → 1 as z → +∞ and → 0 as z → −∞"))

_tanh_values = _elementwise_check("tanh", TANH, "tanh(0) = 0, tanh(z) → ±1 as z → ±∞")


@exercise("tanh", hint="tanh(z) = 2σ(2z) − 1: call your sigmoid on 2z, double it, subtract 1.", catalogue=TANH)
def tanh(fn):
    """Checks ``tanh(z)`` written as 2σ(2z) − 1 with the student's sigmoid."""
    n = _tanh_values(fn)
    _rule(fn, TANH_RULE)
    return n + 1


step = exercise("step", catalogue=STEP, hint="0 where z < 0 and 1 where z >= 0 (so step(0) = 1), element-wise: "
                                             "np.where(z >= 0, 1, 0).")(
    _elementwise_check("step", STEP, "step(0) = 1"))
relu = exercise("relu", catalogue=RELU, hint="ReLU(z) = max(0, z) element-wise: np.maximum(z, 0) (np.max is a "
                                             "reduction, not what you want).")(
    _elementwise_check("relu", RELU, "ReLU(z) = z where z > 0, 0 elsewhere"))
leaky_relu = exercise("leaky_relu", catalogue=LEAKY_RELU, hint="z where z > 0, alpha·z elsewhere: "
                                                               "np.where(z > 0, z, alpha * z).")(
    _elementwise_check("leaky_relu", LEAKY_RELU, "z where z > 0, alpha·z elsewhere",
                       kwargs_list=({}, {"alpha": 0.5})))
elu = exercise("elu", catalogue=ELU, hint="z where z > 0, alpha·(e^z − 1) elsewhere. np.where computes both "
                                          "branches: exponentiate np.minimum(z, 0) so that e^1000 is never computed.")(
    _elementwise_check("elu", ELU, "ELU(0) = 0; ELU(z) → −alpha as z → −∞", kwargs_list=({}, {"alpha": 0.5})))
selu = exercise("selu", catalogue=SELU, hint=f"SELU(z) = scale·ELU(z, alpha) with {SELU_CONSTANTS}: scale·z where "
                                             f"z > 0, scale·alpha·(e^z − 1) elsewhere.")(
    _elementwise_check("selu", SELU, "SELU(z) → −scale·alpha ≈ −1.7581 as z → −∞"))
softplus = exercise("softplus", catalogue=SOFTPLUS, hint="softplus(z) = log(1 + e^z) = log(e^0 + e^z): "
                                                         "np.logaddexp(0, z) computes it without overflow.")(
    _elementwise_check("softplus", SOFTPLUS, "softplus(0) = log 2; softplus(z) ≈ z for large z, ≈ 0 for very negative z"))

# ============================================================================= derivatives
sigmoid_derivative = exercise("sigmoid_derivative", catalogue=SIGMOID_DERIVATIVE,
                              hint="σ′(z) = σ(z)(1 − σ(z)): call your sigmoid once, then combine.")(
    _elementwise_check("sigmoid_derivative", SIGMOID_DERIVATIVE, "σ′(0) = 0.25, the largest slope of σ"))
tanh_derivative = exercise("tanh_derivative", catalogue=TANH_DERIVATIVE,
                           hint="tanh′(z) = 1 − tanh(z)²: call your tanh.")(
    _elementwise_check("tanh_derivative", TANH_DERIVATIVE, "tanh′(0) = 1"))
relu_derivative = exercise("relu_derivative", catalogue=RELU_DERIVATIVE,
                           hint="1 where z > 0, 0 where z < 0 (the value at exactly 0 is not checked).")(
    _elementwise_check("relu_derivative", RELU_DERIVATIVE, "slope 1 where z > 0, 0 where z < 0"))
leaky_relu_derivative = exercise("leaky_relu_derivative", catalogue=LEAKY_RELU_DERIVATIVE,
                                 hint="1 where z > 0, alpha where z < 0: np.where(z > 0, 1.0, alpha).")(
    _elementwise_check("leaky_relu_derivative", LEAKY_RELU_DERIVATIVE, "slope 1 where z > 0, alpha where z < 0",
                       kwargs_list=({}, {"alpha": 0.5})))
elu_derivative = exercise("elu_derivative", catalogue=ELU_DERIVATIVE,
                          hint="1 where z > 0, alpha·e^z where z < 0; exponentiate np.minimum(z, 0).")(
    _elementwise_check("elu_derivative", ELU_DERIVATIVE, "slope 1 where z > 0, alpha·e^z where z < 0",
                       kwargs_list=({}, {"alpha": 0.5})))
selu_derivative = exercise("selu_derivative", catalogue=SELU_DERIVATIVE,
                           hint="scale where z > 0, scale·alpha·e^z where z < 0 (SELU's two constants).")(
    _elementwise_check("selu_derivative", SELU_DERIVATIVE, "slope scale ≈ 1.0507 where z > 0"))
softplus_derivative = exercise("softplus_derivative", catalogue=SOFTPLUS_DERIVATIVE,
                               hint="The derivative of log(1 + e^z) is e^z/(1 + e^z): a function you already have.")(
    _elementwise_check("softplus_derivative", SOFTPLUS_DERIVATIVE, "softplus′(0) = 0.5"))


# ============================================================================= softmax
KEEPDIMS = ("a sum or a max along an axis drops that axis: an (m, k) array and m row sums of shape (m,) do not "
            "broadcast; keep the axis with keepdims=True (shape (m, 1)), and pass axis=axis everywhere")
STABLE["softmax"] = [((EXTREME_ROWS,), {}), ((EXTREME_ROWS.T,), {"axis": 0})]
STABLE["log_softmax"] = [((EXTREME_ROWS,), {})]
STABLE["softmax_jacobian"] = [((np.array([1000.0, -1000.0, 0.0]),), {})]


def _softmax_facts(fn):
    """Checks ``softmax(Z, axis=-1)``: rows of probabilities, stable for logits of ±1000."""
    n = _table(fn, "softmax", SOFTMAX, "softmax(z)_k = e^(z_k) / Σ_j e^(z_j) along axis", on_error=KEEPDIMS, **_F32)
    return n + _stable(fn, STABLE["softmax"], OVERFLOW["softmax"])


def _log_softmax_facts(fn):
    """Checks ``log_softmax(Z, axis=-1)``, stable for logits of ±1000."""
    n = _table(fn, "log_softmax", LOG_SOFTMAX, "every log-probability is <= 0, and their exponentials sum to 1",
               on_error=KEEPDIMS, **_F32)
    return n + _stable(fn, STABLE["log_softmax"], OVERFLOW["log_softmax"])


def _softmax_jacobian_facts(fn):
    """Checks ``softmax_jacobian(z)`` → the (k, k) matrix of partial derivatives."""
    n = _table(fn, "softmax_jacobian", SOFTMAX_JACOBIAN, "J[i, j] = ∂ softmax(z)_i / ∂ z_j; each column sums to 0",
               **_F32)
    return n + _stable(fn, STABLE["softmax_jacobian"], OVERFLOW["softmax_jacobian"])


softmax = exercise("softmax", catalogue=SOFTMAX, hint=(
    "Subtract each row's maximum (np.max(Z, axis=axis, keepdims=True)), exponentiate, and divide by the sum along "
    "the same axis (keepdims=True)."))(_graded_alone("softmax", _softmax_facts))
log_softmax = exercise("log_softmax", catalogue=LOG_SOFTMAX, hint=(
    "log softmax(z)_k = z_k − M − log Σ_j e^(z_j − M), with M the maximum along the axis (keepdims=True): never "
    "take the log of a probability that underflowed to 0."))(_graded_alone("log_softmax", _log_softmax_facts))
softmax_jacobian = exercise("softmax_jacobian", catalogue=SOFTMAX_JACOBIAN, hint=(
    "With s = softmax(z): ∂s_i/∂z_j = s_i(1 − s_i) on the diagonal and −s_i·s_j elsewhere, that is "
    "np.diag(s) − np.outer(s, s)."))(_graded_alone("softmax_jacobian", _softmax_jacobian_facts))


# ============================================================================= a forward pass
_SHAPE_RULES = {  # key -> (what the shape is, the right dims as (batch?, size) rules)
    "X": "(batch, inputs): one row per instance, one column per input feature",
    "W_h": "(inputs, hidden neurons): one row per input, one column per hidden neuron",
    "b_h": "(hidden neurons,): a 1-D vector, one bias per hidden neuron",
    "W_o": "(hidden neurons, output neurons): one row per hidden neuron, one column per output neuron",
    "b_o": "(output neurons,): a 1-D vector, one bias per output neuron",
    "Y": "(batch, output neurons): one row per instance, one column per output neuron",
}
BATCH_AS_NUMBER = "the batch size m is not known in advance: write it as None, not as a number"
WRONG_OUTPUT = "Y has one row per instance and one column per output neuron"
_SIZES = {"inputs": 10, "hidden": 50, "outputs": 3}
_RIGHT = {"X": (None, 10), "W_h": (10, 50), "b_h": (50,), "W_o": (50, 3), "b_o": (3,), "Y": (None, 3)}  # the problem's sizes


def _as_shape(value):
    """A shape as a plain tuple (a list or a numeric array too), else the value itself."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, list):
        value = tuple(value)
    return value


def _value(value, name: str):
    """A value answer: a function in its place is called only to say whether it is a stub."""
    if callable(value):
        call(value, label=name)
        raise CheckFailed(mismatch(name, "a value (assign it: name = {...})", short(value),
                                   hint=f"assign the answer itself to {name}, not a function that computes it"))
    return _as_sent(value)


def _as_sent(value):
    """``value`` as the grader receives it: plain data only (an array subclass becomes a plain array, an
    object the grader cannot read becomes unequal to everything), so that this check and the hidden test agree."""
    return wire.decode(wire.encode(value))


def _shape_hint(key: str, got) -> str | None:
    right = _RIGHT[key]
    if not isinstance(got, tuple):
        if isinstance(got, (int, np.integer)) and len(right) == 1 and got == right[0]:
            return EXERCISE6_SHAPES.bias_not_tuple.message
        return "a shape is a tuple of sizes, e.g. (4, 5), with a comma for one dimension: (5,)"
    if key in ("X", "Y") and len(got) == 2:
        if got[0] == "m" and got[1] == right[1]:
            return EXERCISE6_SHAPES.batch_as_m.message
        if isinstance(got[0], (int, np.integer)) and got[1] == right[1]:
            return BATCH_AS_NUMBER
        if got[::-1] == right or (got[1] in ("m", None) and got[0] == right[1]):
            return f"{key} has one row per instance: the batch size comes first"
        return WRONG_OUTPUT if key == "Y" else None
    if key in ("W_h", "W_o") and got == right[::-1]:
        return getattr(EXERCISE6_SHAPES, f"transposed_{key[-1]}").message
    if key in ("b_h", "b_o"):
        n = right[0]
        for wrong, mistake in (((n, 1), "bias_column"), ((1, n), "bias_row"), ((None, n), "bias_per_instance"),
                               (("m", n), "bias_per_instance")):
            if got == wrong:
                return getattr(EXERCISE6_SHAPES, mistake).message
    return None


@exercise("exercise6_shapes", hint="Write Y = ReLU(ReLU(X W_h + b_h) W_o + b_o) and make every product defined: X has "
                                   "one row per instance, each weight matrix one row per input of its layer and one "
                                   "column per neuron, each bias one entry per neuron. The batch size is None.",
          catalogue=EXERCISE6_SHAPES)
def exercise6_shapes(value):
    """Checks the dict of the shapes of the book's Exercise 6 (10 inputs, 50 hidden neurons, 3 outputs)."""
    label = "exercise6_shapes"
    value = _value(value, label)
    if not isinstance(value, dict):
        raise CheckFailed(mismatch(label, "a dict {'X': ..., 'W_h': ..., 'b_h': ..., 'W_o': ..., 'b_o': ..., 'Y': ...}",
                                   short(value), hint="assign a dict with one shape per key"))
    missing = [k for k in _RIGHT if k not in value]
    if missing:
        raise CheckFailed(mismatch(label, f"a dict with the keys {', '.join(map(repr, _RIGHT))}", short(value),
                                   f"missing key(s): {', '.join(map(repr, missing))}", "one shape per key"))
    n = 0
    for key, right in _RIGHT.items():
        got = _as_shape(value[key])
        if difference(value[key], right) is not None:
            raise CheckFailed(mismatch(f"{label}[{key!r}]", _SHAPE_RULES[key] + f", with {_SIZES['inputs']} inputs, "
                                       f"{_SIZES['hidden']} hidden neurons, {_SIZES['outputs']} outputs and the batch "
                                       f"size written None", short(value[key]),
                                       hint=_shape_hint(key, got) or "check the rule for this key (above)"))
        n += 1
    return n


def _mlp_forward_facts(fn):
    """Checks ``mlp_forward(X, W_h, b_h, W_o, b_o)`` → Y = ReLU(ReLU(X W_h + b_h) W_o + b_o)."""
    return _table(fn, "mlp_forward", MLP_FORWARD, "Y = ReLU(ReLU(X W_h + b_h) W_o + b_o), shape (m, n_outputs)",
                  on_error="check the shapes: X (m, n), W_h (n, h), b_h (h,), W_o (h, k), b_o (k,)", **_F32)


mlp_forward = exercise("mlp_forward", hint="Two lines: H = relu(X @ W_h + b_h), then return relu(H @ W_o + b_o).",
                       catalogue=MLP_FORWARD)(_graded_alone("mlp_forward", _mlp_forward_facts))


# ============================================================================= losses
def _loss_check(name: str, catalogue: Catalogue, hint: str, *, stable_inputs=()):
    """The self-check of a loss: worked-out values (and, for the cross-entropies, no numerical warning on the way),
    then extreme inputs (logits of ±1000, probabilities of exactly 0 and 1) without any numerical warning."""
    strict = name in OVERFLOW
    if stable_inputs:
        STABLE[name] = [(args, kwargs) for args, kwargs, _ in stable_inputs]

    def facts(fn):
        n = 0
        for args, kwargs, want, note, wrong in CASES[name]:
            label = signature(fn, args, kwargs) + (f"   [{note}]" if note else "")
            with np.errstate(all="ignore") if strict else contextlib.nullcontext():
                got = _use(fn, args, kwargs, label=label,
                           on_error="y_true and y_pred are NumPy arrays: use np.mean, np.abs, np.log ... on whole "
                                    "arrays")
            if isinstance(got, np.ndarray) and got.ndim == 0:
                got = got.item()
            expect(got, want, call=label, hint=hint, mistakes=[(v, getattr(catalogue, k)) for k, v in wrong.items()],
                   catalogue=catalogue, args=args, kwargs=kwargs, **_F32)
            if strict:
                _unstable(fn, name, args, kwargs, label)
            n += 1
        for args, kwargs, key in stable_inputs:
            _use(fn, args, kwargs, stable=True, on_error=getattr(catalogue, key).message,
                 label=signature(fn, args, kwargs) + "   [extreme inputs: no overflow, no log(0) allowed]")
            n += 1
        return n
    facts.__name__ = name
    facts.__doc__ = f"Checks ``{name}`` on fixed inputs with worked-out values."
    return _graded_alone(name, facts)


mse = exercise("mse", catalogue=MSE, hint="The mean over every entry of the squared errors (ŷ − y)²: one number.")(
    _loss_check("mse", MSE, "MSE = mean((ŷ − y)²) over every entry"))
mae = exercise("mae", catalogue=MAE, hint="The mean over every entry of the absolute errors |ŷ − y|: one number.")(
    _loss_check("mae", MAE, "MAE = mean(|ŷ − y|) over every entry"))
huber = exercise("huber", catalogue=HUBER, hint="Per entry: ½e² where |e| <= delta, delta·(|e| − ½delta) beyond "
                                                "(np.where); then the mean.")(
    _loss_check("huber", HUBER, "quadratic ½e² up to |e| = δ, linear δ(|e| − ½δ) beyond; mean over every entry"))

_LOGITS = np.array([1000.0, -1000.0, 1000.0, -1000.0])
binary_crossentropy = exercise(
    "binary_crossentropy", catalogue=BINARY_CE,
    hint="From probabilities: clip p to [1e-7, 1 − 1e-7], then the mean of −[y log p + (1 − y) log(1 − p)]. From "
         "logits z: the mean of softplus(z) − y·z (np.logaddexp(0, z) − y * z), exact for any z.")(
    _loss_check("binary_crossentropy", BINARY_CE, "the mean over every entry of −[y log p + (1 − y) log(1 − p)]",
                stable_inputs=[((np.array([1.0, 1.0, 0.0, 0.0]), _LOGITS), {"from_logits": True}, "naive_logits"),
                               ((np.array([1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0])), {}, "no_clip")]))
categorical_crossentropy = exercise(
    "categorical_crossentropy", catalogue=CATEGORICAL_CE,
    hint="log-probabilities: np.log(np.clip(P, 1e-7, 1 - 1e-7)), or log_softmax(Z) from logits; then −Σ_k y_k log p_k "
         "per instance (axis=-1), and the mean over the instances.")(
    _loss_check("categorical_crossentropy", CATEGORICAL_CE, "the mean over the instances of −Σ_k y_k log p_k",
                stable_inputs=[((np.eye(2), EXTREME_ROWS[:, :2].copy()), {"from_logits": True}, "naive_logits"),
                               ((np.eye(3)[:2], np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])), {}, "no_clip")]))
sparse_categorical_crossentropy = exercise(
    "sparse_categorical_crossentropy", catalogue=SPARSE_CE,
    hint="y holds class numbers: pick each instance's log-probability of its class, log_p[np.arange(m), y], where "
         "log_p = np.log(np.clip(P, 1e-7, 1 - 1e-7)) (or log_softmax(Z) from logits); minus the mean.")(
    _loss_check("sparse_categorical_crossentropy", SPARSE_CE, "the mean over the instances of −log p[y]",
                stable_inputs=[((np.array([0, 1]), EXTREME_ROWS.copy()), {"from_logits": True}, "naive_logits"),
                               ((np.array([0, 2]), np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])), {}, "no_clip")]))


# ============================================================================= exercise 7
_TASKS = {"spam_ham": "spam or ham (a yes/no question)", "mnist": "MNIST digits (10 classes)",
          "house_prices": "house prices (one number)"}


@exercise("exercise7_heads", hint="For each task ask: how many numbers must come out, in what range (a probability? "
                                  "a distribution over classes? any real number?), and how are they compared with "
                                  "the target? Tables 10-1 and 10-2 answer all three.", catalogue=EXERCISE7_HEADS)
def exercise7_heads(value):
    """Checks the choices of the book's Exercise 7: (neurons, activation, loss) for each task."""
    label = "exercise7_heads"
    value = _value(value, label)
    if not isinstance(value, dict):
        raise CheckFailed(mismatch(label, f"a dict with the keys {', '.join(map(repr, _TASKS))}", short(value),
                                   hint="assign a dict: task -> (neurons, activation, loss)"))
    missing = [k for k in _TASKS if k not in value]
    if missing:
        raise CheckFailed(mismatch(label, f"a dict with the keys {', '.join(map(repr, _TASKS))}", short(value),
                                   f"missing key(s): {', '.join(map(repr, missing))}", "one entry per task"))
    for task, what in _TASKS.items():
        head = normalise_head(value[task])
        expected = f"(number of output neurons, activation, loss) for {what}"
        if head is None:
            raise CheckFailed(mismatch(f"{label}[{task!r}]", expected, short(value[task]),
                                       hint="a tuple of three: an int, a Keras activation name (or None), a Keras "
                                            "loss name, e.g. (4, 'relu', 'mse')"))
        why = head_mistake(task, head)
        if why:
            raise CheckFailed(mismatch(f"{label}[{task!r}]", expected, short(value[task]), hint=why))
    return len(_TASKS)


# ============================================================================= worked-out values
# One entry per self-check: (args, kwargs, expected, note, {mistake key: what that mistake returns}).
# Worked out with the instructor's reference and the mistake models on these inputs; the notes give
# the facts a student can check by hand. (Generated once, then kept here as plain numbers.)
# BEGIN GENERATED CASES
CASES: dict[str, list] = {
    'broadcast_shape': [
        (((3,), ()), {}, (3,), 'np.arange(3) + 5: a number has shape ()',
         {'drops_leading': (), 'same_rank_only': None, 'keeps_ones': (1,)}),
        (((2, 3), (3,)), {}, (2, 3), 'a row added to every row of a matrix',
         {'left_aligned': None, 'drops_leading': (3,), 'keeps_ones': (1, 3), 'reversed': (3, 2)}),
        (((3, 2), (3,)), {}, None, 'the last sizes, 2 and 3, differ',
         {'left_aligned': (3, 2), 'no_check': (3, 3)}),
        (((3, 1), (4,)), {}, (3, 4), 'a column plus a row: an outer sum',
         {'left_aligned': None, 'drops_leading': (4,), 'keeps_ones': (1, 1), 'reversed': (4, 3)}),
        (((4, 1, 3), (2, 1)), {}, (4, 2, 3), '',
         {'left_aligned': None, 'drops_leading': (2, 3), 'keeps_ones': (1, 1, 1), 'reversed': (3, 2, 4)}),
        (((8, 1, 6, 1), (7, 1, 5)), {}, (8, 7, 6, 5), "the example of NumPy's documentation",
         {'left_aligned': None, 'drops_leading': (7, 6, 5), 'keeps_ones': (1, 1, 1, 1), 'reversed': (5, 6, 7, 8)}),
        (((5, 4), (4, 5)), {}, None, '',
         {'no_check': (5, 5)}),
        (((1,), (5, 4)), {}, (5, 4), '',
         {'drops_leading': (4,), 'same_rank_only': None, 'keeps_ones': (1, 1), 'reversed': (4, 5)}),
        (([2, 1], [1, 3]), {}, (2, 3), 'shapes given as lists',
         {'keeps_ones': (1, 1), 'reversed': (3, 2)}),
        (((), ()), {}, (), 'two numbers',
         {}),
    ],
    'xor_mlp': [
        ((np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, -0.2]]),), {}, np.array([0, 1, 1, 0, 0]), 'the four corners (XOR) and a point off the square',
         {'swapped_output': np.array([0, 0, 0, 0, 0]), 'no_output_bias': np.array([1, 1, 1, 1, 1]), 'flipped_biases': np.array([1, 1, 1, 1, 0]), 'relu_hidden': np.array([0, 1, 1, 1, 0]), 'sigmoid': np.array([0.424363776235, 0.436573206453, 0.436573206453, 0.424363776235, 0.399269906842])}),
        ((np.array([[0, 0], [0, 1], [1, 0], [1, 1]]),), {}, np.array([0, 1, 1, 0]), 'the four corners, as integers',
         {'swapped_output': np.array([0, 0, 0, 0]), 'no_output_bias': np.array([1, 1, 1, 1]), 'relu_hidden': np.array([0, 1, 1, 1]), 'sigmoid': np.array([0.424363776235, 0.436573206453, 0.436573206453, 0.424363776235])}),
        ((np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]),), {}, np.array([0, 1, 0]), 'floats',
         {'swapped_output': np.array([0, 0, 0]), 'no_output_bias': np.array([1, 1, 1]), 'relu_hidden': np.array([1, 1, 0]), 'sigmoid': np.array([0.424363776235, 0.436573206453, 0.424363776235])}),
        ((np.array([[False, True], [True, True]]),), {}, np.array([1, 0]), 'booleans',
         {'swapped_output': np.array([0, 0]), 'no_output_bias': np.array([1, 1]), 'sigmoid': np.array([0.436573206453, 0.424363776235])}),
        ((np.array([[0.2, 0.1], [0.9, 0.3], [1.2, 0.9], [-0.5, 0.4], [0.3, 0.4]]),), {}, np.array([0, 1, 0, 0, 1]), 'real inputs: the output is 1 inside the band 0.5 < x1 + x2 < 1.5',
         {'swapped_output': np.array([0, 0, 0, 0, 0]), 'no_output_bias': np.array([1, 1, 1, 1, 1]), 'relu_hidden': np.array([0, 1, 1, 0, 0]), 'sigmoid': np.array([0.43013283412, 0.436010401061, 0.422227012874, 0.422227012874, 0.435316628538])}),
        ((np.array([[1, 0]]),), {}, np.array([1]), 'a batch of one',
         {'swapped_output': np.array([0]), 'sigmoid': np.array([0.436573206453])}),
    ],
    'collapse_linear': [
        ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 0.0]), np.array([[0.0, 1.0], [2.0, 0.0]]), np.array([1.0, 1.0])), {}, (np.array([[4.0, 1.0], [8.0, 3.0]]), np.array([1.0, 2.0])), 'W = W1 @ W2 = [[4, 1], [8, 3]], b = b1 @ W2 + b2 = [1, 2]',
         {'order': (np.array([[3.0, 4.0], [2.0, 4.0]]), np.array([1.0, 2.0])), 'biases_added': (np.array([[4.0, 1.0], [8.0, 3.0]]), np.array([2.0, 1.0])), 'no_b2': (np.array([[4.0, 1.0], [8.0, 3.0]]), np.array([0.0, 1.0])), 'no_b1': (np.array([[4.0, 1.0], [8.0, 3.0]]), np.array([1.0, 1.0])), 'elementwise': (np.array([[0.0, 2.0], [6.0, 0.0]]), np.array([[1.0, 1.0], [3.0, 1.0]])), 'bias_wrong_side': (np.array([[4.0, 1.0], [8.0, 3.0]]), np.array([1.0, 3.0]))}),
        ((np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]), np.array([1.0, -1.0, 0.0]), np.array([[1.0, 1.0], [0.0, 2.0], [1.0, 0.0]]), np.array([0.5, -0.5])), {}, (np.array([[3.0, 1.0], [-1.0, 2.0]]), np.array([1.5, -1.5])), '2 inputs → 3 → 2: W = W1 @ W2 = [[3, 1], [-1, 2]], b = b1 @ W2 + b2 = [1.5, -1.5]',
         {'order': (np.array([[1.0, 1.0, 1.0], [0.0, 2.0, -2.0], [1.0, 0.0, 2.0]]), np.array([1.5, -1.5])), 'no_b2': (np.array([[3.0, 1.0], [-1.0, 2.0]]), np.array([1.0, -1.0])), 'no_b1': (np.array([[3.0, 1.0], [-1.0, 2.0]]), np.array([0.5, -0.5]))}),
        ((np.array([[5.0]]), np.array([-1.0]), np.array([[2.0]]), np.array([3.0])), {}, (np.array([[10.0]]), np.array([1.0])), 'g(x) = 5x − 1, then f(x) = 2x + 3: f(g(x)) = 10x + 1',
         {'biases_added': (np.array([[10.0]]), np.array([2.0])), 'no_b2': (np.array([[10.0]]), np.array([-2.0])), 'no_b1': (np.array([[10.0]]), np.array([3.0])), 'elementwise': (np.array([[10.0]]), np.array([[1.0]]))}),
        ((np.array([[1, 2], [0, -1]]), np.array([2, 1]), np.array([[1, 0], [2, 1]]), np.array([0, 3])), {}, (np.array([[5.0, 2.0], [-2.0, -1.0]]), np.array([4.0, 4.0])), 'integers',
         {'order': (np.array([[1, 2], [2, 3]]), np.array([4, 4])), 'biases_added': (np.array([[5, 2], [-2, -1]]), np.array([2, 4])), 'no_b2': (np.array([[5, 2], [-2, -1]]), np.array([4, 1])), 'no_b1': (np.array([[5, 2], [-2, -1]]), np.array([0.0, 3.0])), 'elementwise': (np.array([[1, 0], [0, -1]]), np.array([[2, 3], [4, 4]])), 'bias_wrong_side': (np.array([[5, 2], [-2, -1]]), np.array([2, 8]))}),
    ],
    'sigmoid': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0.0474258731776, 0.26894142137, 0.377540668798, 0.5, 0.622459331202, 0.73105857863, 0.952574126822]), '',
         {'sign_flipped': np.array([0.952574126822, 0.73105857863, 0.622459331202, 0.5, 0.377540668798, 0.26894142137, 0.0474258731776]), 'minus_denominator': np.array([-0.0523956964913, -0.581976706869, -1.54149408254, inf, 2.54149408254, 1.58197670687, 1.05239569649])}),
        ((0,), {}, 0.5, 'σ(0) = 0.5',
         {'minus_denominator': inf}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0.119202922022, 0.5], [0.73105857863, 0.982013790038]]), 'a 2-D array of integers: same shape out',
         {'sign_flipped': np.array([[0.880797077978, 0.5], [0.26894142137, 0.0179862099621]]), 'minus_denominator': np.array([[-0.15651764275, inf], [1.58197670687, 1.01865736036]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0758581800212, 0.562176500886, 0.982013790038]), 'float32 input',
         {'sign_flipped': np.array([0.924141824245, 0.437823474407, 0.0179862100631]), 'minus_denominator': np.array([-0.0894254898339, 4.52081166419, 1.01865736036])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 1.92874984796e-22, 1.0, 1.0]), 'σ(−1000) = 0 and σ(1000) = 1 in floating point',
         {'naive_overflow': np.array([0.0, 1.92874984796e-22, 1.0, nan]), 'sign_flipped': np.array([1.0, 1.0, 1.92874984796e-22, 0.0])}),
    ],
    'tanh': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([-0.995054753687, -0.761594155956, -0.46211715726, 0.0, 0.46211715726, 0.761594155956, 0.995054753687]), '',
         {'inner_two': np.array([-0.905148253645, -0.46211715726, -0.244918662404, 0.0, 0.244918662404, 0.46211715726, 0.905148253645])}),
        ((0,), {}, 0.0, 'tanh(0) = 0',
         {}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[-0.964027580076, 0.0], [0.761594155956, 0.999329299739]]), 'a 2-D array of integers: same shape out',
         {'inner_two': np.array([[-0.761594155956, 0.0], [0.46211715726, 0.964027580076]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([-0.986614298151, 0.244918662404, 0.999329299739]), 'float32 input',
         {'inner_two': np.array([-0.848283648491, 0.124353051186, 0.964027523994])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([-1.0, -1.0, 1.0, 1.0]), 'tanh(±1000) = ±1',
         {}),
    ],
    'step': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0, 0, 0, 1, 1, 1, 1]), '',
         {'strict': np.array([0, 0, 0, 0, 1, 1, 1])}),
        ((0,), {}, 1, 'step(0) = 1',
         {'strict': 0}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0, 1], [1, 1]]), 'a 2-D array of integers: same shape out',
         {'strict': np.array([[0, 0], [1, 1]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0, 1, 1]), 'float32 input',
         {}),
    ],
    'relu': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0]), '',
         {'step': np.array([0, 0, 0, 0, 1, 1, 1])}),
        ((0,), {}, 0, 'ReLU(0) = 0',
         {}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0, 0], [1, 4]]), 'a 2-D array of integers: same shape out',
         {'step': np.array([[0, 0], [1, 1]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0, 0.25, 4.0]), 'float32 input',
         {'step': np.array([0, 1, 1])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 0.0, 50.0, 1000.0]), 'extreme inputs',
         {'step': np.array([0, 0, 1, 1])}),
        ((-2.5,), {}, 0.0, 'a plain number',
         {}),
    ],
    'leaky_relu': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([-0.6, -0.2, -0.1, 0.0, 0.5, 1.0, 3.0]), '',
         {'wrong_side': np.array([-3.0, -1.0, -0.5, 0.0, 0.1, 0.2, 0.6]), 'no_alpha': np.array([0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0]), 'fixed_alpha': np.array([-0.03, -0.01, -0.005, 0.0, 0.5, 1.0, 3.0])}),
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {'alpha': 0.5}, np.array([-1.5, -0.5, -0.25, 0.0, 0.5, 1.0, 3.0]), 'alpha = 0.5',
         {'wrong_side': np.array([-3.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.5]), 'no_alpha': np.array([0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0]), 'fixed_alpha': np.array([-0.03, -0.01, -0.005, 0.0, 0.5, 1.0, 3.0]), 'ignores_argument': np.array([-0.6, -0.2, -0.1, 0.0, 0.5, 1.0, 3.0])}),
        ((0,), {}, 0.0, '',
         {}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[-0.4, 0.0], [1.0, 4.0]]), 'a 2-D array of integers: same shape out',
         {'wrong_side': np.array([[-2.0, 0.0], [0.2, 0.8]]), 'no_alpha': np.array([[0, 0], [1, 4]]), 'fixed_alpha': np.array([[-0.02, 0.0], [1.0, 4.0]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([-0.5, 0.25, 4.0]), 'float32 input',
         {'wrong_side': np.array([-2.5, 0.0500000007451, 0.800000011921]), 'no_alpha': np.array([0.0, 0.25, 4.0]), 'fixed_alpha': np.array([-0.0249999985099, 0.25, 4.0])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([-200.0, -10.0, 50.0, 1000.0]), 'extreme inputs',
         {'wrong_side': np.array([-1000.0, -50.0, 10.0, 200.0]), 'no_alpha': np.array([0.0, 0.0, 50.0, 1000.0]), 'fixed_alpha': np.array([-10.0, -0.5, 50.0, 1000.0])}),
        ((-3,), {}, -0.6, 'a plain number: −3 · 0.2',
         {'wrong_side': -3.0, 'no_alpha': 0, 'fixed_alpha': -0.03}),
    ],
    'elu': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([-0.950212931632, -0.632120558829, -0.393469340287, 0.0, 0.5, 1.0, 3.0]), '',
         {'no_minus_one': np.array([0.0497870683679, 0.367879441171, 0.606530659713, 1.0, 0.5, 1.0, 3.0])}),
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {'alpha': 0.5}, np.array([-0.475106465816, -0.316060279414, -0.196734670144, 0.0, 0.5, 1.0, 3.0]), 'alpha = 0.5',
         {'no_minus_one': np.array([0.0248935341839, 0.183939720586, 0.303265329856, 0.5, 0.5, 1.0, 3.0]), 'alpha_everywhere': np.array([-0.475106465816, -0.316060279414, -0.196734670144, 0.0, 0.25, 0.5, 1.5]), 'ignores_argument': np.array([-0.950212931632, -0.632120558829, -0.393469340287, 0.0, 0.5, 1.0, 3.0]), 'exp_minus_alpha': np.array([-0.450212931632, -0.132120558829, 0.106530659713, 0.5, 0.5, 1.0, 3.0]), 'parentheses': np.array([-0.975106465816, -0.816060279414, -0.696734670144, -0.5, 0.5, 1.0, 3.0])}),
        ((0,), {}, 0.0, '',
         {'no_minus_one': 1.0}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[-0.864664716763, 0.0], [1.0, 4.0]]), 'a 2-D array of integers: same shape out',
         {'no_minus_one': np.array([[0.135335283237, 1.0], [1.0, 4.0]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([-0.917915001376, 0.25, 4.0]), 'float32 input',
         {'no_minus_one': np.array([0.082085005939, 0.25, 4.0])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([-1.0, -1.0, 50.0, 1000.0]), 'ELU(−1000) = −alpha, ELU(1000) = 1000',
         {'no_minus_one': np.array([0.0, 1.92874984796e-22, 50.0, 1000.0])}),
    ],
    'selu': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([-1.67056872877, -1.11133073781, -0.691758187803, 0.0, 0.525350493678, 1.05070098736, 3.15210296207]), '',
         {'swapped_constants': np.array([-1.67056872877, -1.11133073781, -0.691758187803, 0.0, 0.836631621177, 1.67326324235, 5.01978972706]), 'no_scale': np.array([-1.58995637091, -1.05770409582, -0.658377784096, 0.0, 0.5, 1.0, 3.0]), 'scale_negative_only': np.array([-1.67056872877, -1.11133073781, -0.691758187803, 0.0, 0.5, 1.0, 3.0]), 'alpha_one': np.array([-0.998389665464, -0.664169695289, -0.413418624334, 0.0, 0.525350493678, 1.05070098736, 3.15210296207]), 'rounded': np.array([-1.66619837562, -1.10842339991, -0.689948488194, 0.0, 0.525, 1.05, 3.15])}),
        ((0,), {}, 0.0, '',
         {}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[-1.5201664686, 0.0], [1.05070098736, 4.20280394942]]), 'a 2-D array of integers: same shape out',
         {'swapped_constants': np.array([[-1.5201664686, 0.0], [1.67326324235, 6.69305296942]]), 'no_scale': np.array([[-1.44681168752, 0.0], [1.0, 4.0]]), 'scale_negative_only': np.array([[-1.5201664686, 0.0], [1.0, 4.0]]), 'alpha_one': np.array([[-0.908504071635, 0.0], [1.05070098736, 4.20280394942]]), 'rounded': np.array([[-1.51618958084, 0.0], [1.05, 4.2]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([-1.61378575887, 0.262675246839, 4.20280394942]), 'float32 input',
         {'swapped_constants': np.array([-1.61378586292, 0.418315798044, 6.69305276871]), 'no_scale': np.array([-1.53591346741, 0.25, 4.0]), 'scale_negative_only': np.array([-1.61378586292, 0.25, 4.0]), 'alpha_one': np.array([-0.964454293251, 0.262675255537, 4.20280408859]), 'rounded': np.array([-1.60956394672, 0.262499988079, 4.19999980927])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([-1.75809934085, -1.75809934085, 52.5350493678, 1050.70098736]), 'SELU(−1000) = −scale·alpha ≈ −1.7581',
         {'swapped_constants': np.array([-1.75809934085, -1.75809934085, 83.6631621177, 1673.26324235]), 'no_scale': np.array([-1.67326324235, -1.67326324235, 50.0, 1000.0]), 'scale_negative_only': np.array([-1.75809934085, -1.75809934085, 50.0, 1000.0]), 'alpha_one': np.array([-1.05070098736, -1.05070098736, 52.5350493678, 1050.70098736]), 'rounded': np.array([-1.7535, -1.7535, 52.5, 1050.0])}),
    ],
    'softplus': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0.0485873515737, 0.313261687518, 0.47407698418, 0.69314718056, 0.97407698418, 1.31326168752, 3.04858735157]), '',
         {'sign_flipped': np.array([3.04858735157, 1.31326168752, 0.97407698418, 0.69314718056, 0.47407698418, 0.313261687518, 0.0485873515737])}),
        ((0,), {}, 0.69314718056, 'softplus(0) = log 2',
         {}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0.126928011043, 0.69314718056], [1.31326168752, 4.01814992792]]), 'a 2-D array of integers: same shape out',
         {'sign_flipped': np.array([[2.12692801104, 0.69314718056], [0.313261687518, 0.0181499279178]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0788897342925, 0.825939419879, 4.01814992792]), 'float32 input',
         {'sign_flipped': np.array([2.5788898468, 0.575939416885, 0.0181499291211])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 1.92874984796e-22, 50.0, 1000.0]), 'softplus(1000) = 1000, softplus(−1000) = 0',
         {'naive_overflow': np.array([0.0, 0.0, 50.0, inf]), 'sign_flipped': np.array([1000.0, 50.0, 1.92874984796e-22, 0.0])}),
    ],
    'sigmoid_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0.0451766597309, 0.196611933241, 0.235003712202, 0.25, 0.235003712202, 0.196611933241, 0.0451766597309]), '',
         {'returned_sigmoid': np.array([0.0474258731776, 0.26894142137, 0.377540668798, 0.5, 0.622459331202, 0.73105857863, 0.952574126822]), 'squared': np.array([0.00224921344665, 0.0723294881285, 0.142536956597, 0.25, 0.387455619, 0.534446645389, 0.907397467092]), 'one_minus': np.array([0.952574126822, 0.73105857863, 0.622459331202, 0.5, 0.377540668798, 0.26894142137, 0.0474258731776])}),
        ((0,), {}, 0.25, 'σ′(0) = 0.25',
         {'returned_sigmoid': 0.5}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0.104993585404, 0.25], [0.196611933241, 0.0176627062133]]), 'a 2-D array of integers: same shape out',
         {'returned_sigmoid': np.array([[0.119202922022, 0.5], [0.73105857863, 0.982013790038]]), 'squared': np.array([[0.0142093366186, 0.25], [0.534446645389, 0.964351083825]]), 'one_minus': np.array([[0.880797077978, 0.5], [0.26894142137, 0.0179862099621]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0701037165451, 0.246134082738, 0.0176627062133]), 'float32 input',
         {'returned_sigmoid': np.array([0.0758581832051, 0.562176525593, 0.982013761997]), 'squared': np.array([0.00575446384028, 0.316042453051, 0.964351058006]), 'one_minus': np.array([0.924141824245, 0.437823474407, 0.0179862380028])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 1.92874984796e-22, 0.0, 0.0]), 'extreme inputs',
         {'returned_sigmoid': np.array([0.0, 1.92874984796e-22, 1.0, 1.0]), 'one_minus': np.array([1.0, 1.0, 0.0, 0.0])}),
    ],
    'tanh_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0.00986603716544, 0.419974341614, 0.786447732966, 1.0, 0.786447732966, 0.419974341614, 0.00986603716544]), '',
         {'not_squared': np.array([1.99505475369, 1.76159415596, 1.46211715726, 1.0, 0.53788284274, 0.238405844044, 0.00494524631327]), 'sigmoid_formula': np.array([-1.98518871652, -1.34161981434, -0.675669424294, 0.0, 0.248564890226, 0.18156849757, 0.00492079085217])}),
        ((0,), {}, 1.0, 'tanh′(0) = 1',
         {'sigmoid_formula': 0.0}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0.0706508248532, 1.0], [0.419974341614, 0.00134095068303]]), 'a 2-D array of integers: same shape out',
         {'not_squared': np.array([[1.96402758008, 1.0], [0.238405844044, 0.000670700260933]]), 'sigmoid_formula': np.array([[-1.89337675522, 0.0], [0.18156849757, 0.000670250422093]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0265922266832, 0.940014848806, 0.00134095068303]), 'float32 input',
         {'not_squared': np.array([1.98661422729, 0.755081295967, 0.000670671463013]), 'sigmoid_formula': np.array([-1.96002197266, 0.184933528304, 0.000670221634209])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 0.0, 0.0, 0.0]), 'extreme inputs',
         {'not_squared': np.array([2.0, 2.0, 0.0, 0.0]), 'sigmoid_formula': np.array([-2.0, -2.0, 0.0, 0.0])}),
    ],
    'relu_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {}, np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]), '',
         {'reversed': np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])}),
        ((np.array([[-2, 3], [1, -4]]),), {}, np.array([[0.0, 1.0], [1.0, 0.0]]), 'a 2-D array of integers: same shape out',
         {'reversed': np.array([[1.0, 0.0], [0.0, 1.0]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0, 1.0, 1.0]), 'float32 input',
         {'reversed': np.array([1.0, 0.0, 0.0])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 0.0, 1.0, 1.0]), 'extreme inputs',
         {'reversed': np.array([1.0, 1.0, 0.0, 0.0])}),
    ],
    'leaky_relu_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {}, np.array([0.2, 0.2, 0.2, 1.0, 1.0, 1.0]), '',
         {'no_alpha': np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]), 'reversed': np.array([1.0, 1.0, 1.0, 0.2, 0.2, 0.2]), 'returned_function': np.array([-0.6, -0.2, -0.1, 0.5, 1.0, 3.0]), 'fixed_alpha': np.array([0.01, 0.01, 0.01, 1.0, 1.0, 1.0])}),
        ((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {'alpha': 0.5}, np.array([0.5, 0.5, 0.5, 1.0, 1.0, 1.0]), 'alpha = 0.5',
         {'no_alpha': np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]), 'reversed': np.array([1.0, 1.0, 1.0, 0.5, 0.5, 0.5]), 'returned_function': np.array([-1.5, -0.5, -0.25, 0.5, 1.0, 3.0]), 'fixed_alpha': np.array([0.01, 0.01, 0.01, 1.0, 1.0, 1.0]), 'ignores_argument': np.array([0.2, 0.2, 0.2, 1.0, 1.0, 1.0])}),
        ((np.array([[-2, 3], [1, -4]]),), {}, np.array([[0.2, 1.0], [1.0, 0.2]]), 'a 2-D array of integers: same shape out',
         {'no_alpha': np.array([[0.0, 1.0], [1.0, 0.0]]), 'reversed': np.array([[1.0, 0.2], [0.2, 1.0]]), 'returned_function': np.array([[-0.4, 3.0], [1.0, -0.8]]), 'fixed_alpha': np.array([[0.01, 1.0], [1.0, 0.01]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.2, 1.0, 1.0]), 'float32 input',
         {'no_alpha': np.array([0.0, 1.0, 1.0]), 'reversed': np.array([1.0, 0.2, 0.2]), 'returned_function': np.array([-0.5, 0.25, 4.0]), 'fixed_alpha': np.array([0.01, 1.0, 1.0])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.2, 0.2, 1.0, 1.0]), 'extreme inputs',
         {'no_alpha': np.array([0.0, 0.0, 1.0, 1.0]), 'reversed': np.array([1.0, 1.0, 0.2, 0.2]), 'returned_function': np.array([-200.0, -10.0, 50.0, 1000.0]), 'fixed_alpha': np.array([0.01, 0.01, 1.0, 1.0])}),
    ],
    'elu_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {}, np.array([0.0497870683679, 0.367879441171, 0.606530659713, 1.0, 1.0, 1.0]), '',
         {'returned_elu': np.array([-0.950212931632, -0.632120558829, -0.393469340287, 0.5, 1.0, 3.0]), 'minus_one': np.array([-0.950212931632, -0.632120558829, -0.393469340287, 1.0, 1.0, 1.0])}),
        ((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {'alpha': 0.5}, np.array([0.0248935341839, 0.183939720586, 0.303265329856, 1.0, 1.0, 1.0]), 'alpha = 0.5',
         {'returned_elu': np.array([-0.475106465816, -0.316060279414, -0.196734670144, 0.5, 1.0, 3.0]), 'minus_one': np.array([-0.475106465816, -0.316060279414, -0.196734670144, 1.0, 1.0, 1.0]), 'no_alpha': np.array([0.0497870683679, 0.367879441171, 0.606530659713, 1.0, 1.0, 1.0])}),
        ((np.array([[-2, 3], [1, -4]]),), {}, np.array([[0.135335283237, 1.0], [1.0, 0.0183156388887]]), 'a 2-D array of integers: same shape out',
         {'returned_elu': np.array([[-0.864664716763, 3.0], [1.0, -0.981684361111]]), 'minus_one': np.array([[-0.864664716763, 1.0], [1.0, -0.981684361111]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0820849986239, 1.0, 1.0]), 'float32 input',
         {'returned_elu': np.array([-0.917915046215, 0.25, 4.0]), 'minus_one': np.array([-0.91791498661, 1.0, 1.0])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 1.92874984796e-22, 1.0, 1.0]), 'extreme inputs',
         {'returned_elu': np.array([-1.0, -1.0, 50.0, 1000.0]), 'minus_one': np.array([-1.0, -1.0, 1.0, 1.0])}),
    ],
    'selu_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 3.0]),), {}, np.array([0.0875306120803, 0.646768603035, 1.06634115304, 1.05070098736, 1.05070098736, 1.05070098736]), '',
         {'no_scale': np.array([0.0833068714445, 0.61555914653, 1.01488545826, 1.0, 1.0, 1.0]), 'swapped_constants': np.array([0.0875306120803, 0.646768603035, 1.06634115304, 1.67326324235, 1.67326324235, 1.67326324235]), 'returned_selu': np.array([-1.67056872877, -1.11133073781, -0.691758187803, 0.525350493678, 1.05070098736, 3.15210296207]), 'scale_positive_only': np.array([0.0833068714445, 0.61555914653, 1.01488545826, 1.05070098736, 1.05070098736, 1.05070098736])}),
        ((np.array([[-2, 3], [1, -4]]),), {}, np.array([[0.237932872252, 1.05070098736], [1.05070098736, 0.0322007126575]]), 'a 2-D array of integers: same shape out',
         {'no_scale': np.array([[0.226451554833, 1.0], [1.0, 0.0306468853128]]), 'swapped_constants': np.array([[0.237932872252, 1.67326324235], [1.67326324235, 0.0322007126575]]), 'returned_selu': np.array([[-1.5201664686, 3.15210296207], [1.05070098736, -1.72589862819]]), 'scale_positive_only': np.array([[0.226451554833, 1.05070098736], [1.05070098736, 0.0306468853128]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.144313581974, 1.05070098736, 1.05070098736]), 'float32 input',
         {'no_scale': np.array([0.137349814177, 1.0, 1.0]), 'swapped_constants': np.array([0.144313588738, 1.67326319218, 1.67326319218]), 'returned_selu': np.array([-1.61378586292, 0.262675255537, 4.20280408859]), 'scale_positive_only': np.array([0.137349814177, 1.05070102215, 1.05070102215])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 3.39093383636e-22, 1.05070098736, 1.05070098736]), 'extreme inputs',
         {'no_scale': np.array([0.0, 3.22730622429e-22, 1.0, 1.0]), 'swapped_constants': np.array([0.0, 3.39093383636e-22, 1.67326324235, 1.67326324235]), 'returned_selu': np.array([-1.75809934085, -1.75809934085, 52.5350493678, 1050.70098736])}),
    ],
    'softplus_derivative': [
        ((np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]),), {}, np.array([0.0474258731776, 0.26894142137, 0.377540668798, 0.5, 0.622459331202, 0.73105857863, 0.952574126822]), '',
         {'returned_softplus': np.array([0.0485873515737, 0.313261687518, 0.47407698418, 0.69314718056, 0.97407698418, 1.31326168752, 3.04858735157]), 'sign_flipped': np.array([0.952574126822, 0.73105857863, 0.622459331202, 0.5, 0.377540668798, 0.26894142137, 0.0474258731776]), 'sigmoid_derivative': np.array([0.0451766597309, 0.196611933241, 0.235003712202, 0.25, 0.235003712202, 0.196611933241, 0.0451766597309])}),
        ((0,), {}, 0.5, 'softplus′(0) = σ(0) = 0.5',
         {'returned_softplus': 0.69314718056, 'sigmoid_derivative': 0.25}),
        ((np.array([[-2, 0], [1, 4]]),), {}, np.array([[0.119202922022, 0.5], [0.73105857863, 0.982013790038]]), 'a 2-D array of integers: same shape out',
         {'returned_softplus': np.array([[0.126928011043, 0.69314718056], [1.31326168752, 4.01814992792]]), 'sign_flipped': np.array([[0.880797077978, 0.5], [0.26894142137, 0.0179862099621]]), 'sigmoid_derivative': np.array([[0.104993585404, 0.25], [0.196611933241, 0.0176627062133]])}),
        ((np.array([-2.5, 0.25, 4.0], dtype=np.float32),), {}, np.array([0.0758581800212, 0.562176500886, 0.982013790038]), 'float32 input',
         {'returned_softplus': np.array([0.078889735043, 0.825939416885, 4.01814985275]), 'sign_flipped': np.array([0.924141824245, 0.437823474407, 0.0179862100631]), 'sigmoid_derivative': np.array([0.0701037198305, 0.246134072542, 0.0176627337933])}),
        ((np.array([-1000.0, -50.0, 50.0, 1000.0]),), {}, np.array([0.0, 1.92874984796e-22, 1.0, 1.0]), 'extreme inputs',
         {'returned_softplus': np.array([0.0, 1.92874984796e-22, 50.0, 1000.0]), 'sign_flipped': np.array([1.0, 1.0, 1.92874984796e-22, 0.0]), 'naive_overflow': np.array([0.0, 1.92874984796e-22, 1.0, nan]), 'sigmoid_derivative': np.array([0.0, 1.92874984796e-22, 0.0, 0.0])}),
    ],
    'softmax': [
        ((np.array([[0.0, 1.09861228867], [1.38629436112, 0.0]]),), {}, np.array([[0.25, 0.75], [0.8, 0.2]]), 'row 1: e^0 : e^(ln 3) = 1 : 3, so (1/4, 3/4); row 2: (4/5, 1/5)',
         {'axis_zero': np.array([[0.2, 0.75], [0.8, 0.25]]), 'sum_all': np.array([[0.129032258065, 0.387096774194], [0.387096774194, 0.0967741935484]]), 'no_keepdims': np.array([[0.25, 0.8], [0.75, 0.2]]), 'no_exp': np.array([[0.0, 1.0], [1.0, 0.0]]), 'sigmoid': np.array([[0.5, 0.75], [0.8, 0.5]])}),
        ((np.array([1.0, 2.0, 3.0]),), {}, np.array([0.0900305731704, 0.244728471055, 0.665240955775]), 'one vector of logits',
         {'no_exp': np.array([0.166666666667, 0.333333333333, 0.5]), 'sigmoid': np.array([0.73105857863, 0.880797077978, 0.952574126822])}),
        ((np.array([[1, 2, 3], [1, 1, 1]]),), {}, np.array([[0.0900305731704, 0.244728471055, 0.665240955775], [0.333333333333, 0.333333333333, 0.333333333333]]), 'equal logits give equal probabilities',
         {'axis_zero': np.array([[0.5, 0.73105857863, 0.880797077978], [0.5, 0.26894142137, 0.119202922022]]), 'sum_all': np.array([[0.0300530380004, 0.0816926270865, 0.222063583728], [0.222063583728, 0.222063583728, 0.222063583728]]), 'no_exp': np.array([[0.166666666667, 0.333333333333, 0.5], [0.333333333333, 0.333333333333, 0.333333333333]]), 'sigmoid': np.array([[0.73105857863, 0.880797077978, 0.952574126822], [0.73105857863, 0.73105857863, 0.73105857863]])}),
        ((np.array([[0.0, 1.38629436112], [1.09861228867, 0.0], [0.0, 0.0]]),), {'axis': 0}, np.array([[0.2, 0.666666666667], [0.6, 0.166666666667], [0.2, 0.166666666667]]), 'axis=0: each column sums to 1',
         {'sum_all': np.array([[0.105263157895, 0.315789473684], [0.315789473684, 0.0789473684211], [0.105263157895, 0.0789473684211]]), 'no_exp': np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]), 'sigmoid': np.array([[0.5, 0.8], [0.75, 0.5], [0.5, 0.5]])}),
        ((np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]),), {}, np.array([[1.0, 0.0, 0.0], [0.333333333333, 0.333333333333, 0.333333333333]]), "extreme logits: subtract each row's maximum",
         {'no_shift': np.array([[nan, 0.0, 0.0], [nan, nan, nan]]), 'global_shift': np.array([[1.0, 0.0, 0.0], [nan, nan, nan]]), 'axis_zero': np.array([[1.0, 0.5, 1.0], [0.0, 0.5, 0.0]]), 'sum_all': np.array([[0.25, 0.0, 0.0], [0.25, 0.25, 0.25]]), 'no_exp': np.array([[inf, -inf, nan], [0.333333333333, 0.333333333333, 0.333333333333]]), 'sigmoid': np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.0]])}),
        ((np.array([[0.5, -0.25, 2.0], [1.0, 1.0, 0.0]], dtype=np.float32),), {}, np.array([[0.167952747388, 0.0793352603073, 0.752711992304], [0.422318798252, 0.422318798252, 0.155362403497]]), 'float32 logits',
         {'axis_zero': np.array([[0.377540668798, 0.222700138825, 0.880797077978], [0.622459331202, 0.777299861175, 0.119202922022]]), 'sum_all': np.array([[0.0603640372748, 0.028513952197, 0.270532846096], [0.270532846096, 0.270532846096, 0.0995234722403]]), 'no_exp': np.array([[0.222222222222, -0.111111111111, 0.888888888889], [0.5, 0.5, 0.0]]), 'sigmoid': np.array([[0.622459352016, 0.437823474407, 0.880797028542], [0.731058597565, 0.731058597565, 0.5]])}),
    ],
    'softmax_jacobian': [
        ((np.array([0.0, 1.09861228867]),), {}, np.array([[0.1875, -0.1875], [-0.1875, 0.1875]]), 's = (1/4, 3/4): J = [[3/16, −3/16], [−3/16, 3/16]]',
         {'diagonal_only': np.array([[0.1875, 0.0], [0.0, 0.1875]]), 'vector': np.array([0.1875, 0.1875]), 'plus': np.array([[0.3125, 0.1875], [0.1875, 1.3125]]), 'no_diagonal': np.array([[-0.0625, -0.1875], [-0.1875, -0.5625]])}),
        ((np.array([1.0, 2.0, 3.0]),), {}, np.array([[0.081925069065, -0.0220330445202, -0.0598920245448], [-0.0220330445202, 0.18483644651, -0.16280340199], [-0.0598920245448, -0.16280340199, 0.222695426535]]), '',
         {'diagonal_only': np.array([[0.081925069065, 0.0, 0.0], [0.0, 0.18483644651, 0.0], [0.0, 0.0, 0.222695426535]]), 'vector': np.array([0.081925069065, 0.18483644651, 0.222695426535]), 'plus': np.array([[0.0981360772758, 0.0220330445202, 0.0598920245448], [0.0220330445202, 0.3046204956, 0.16280340199], [0.0598920245448, 0.16280340199, 1.10778648502]]), 'no_diagonal': np.array([[-0.00810550410539, -0.0220330445202, -0.0598920245448], [-0.0220330445202, -0.0598920245448, -0.16280340199], [-0.0598920245448, -0.16280340199, -0.44254552924]])}),
        ((np.array([0, 0, 0]),), {}, np.array([[0.222222222222, -0.111111111111, -0.111111111111], [-0.111111111111, 0.222222222222, -0.111111111111], [-0.111111111111, -0.111111111111, 0.222222222222]]), 's = (1/3, 1/3, 1/3): 2/9 on the diagonal, −1/9 elsewhere',
         {'diagonal_only': np.array([[0.222222222222, 0.0, 0.0], [0.0, 0.222222222222, 0.0], [0.0, 0.0, 0.222222222222]]), 'vector': np.array([0.222222222222, 0.222222222222, 0.222222222222]), 'plus': np.array([[0.444444444444, 0.111111111111, 0.111111111111], [0.111111111111, 0.444444444444, 0.111111111111], [0.111111111111, 0.111111111111, 0.444444444444]]), 'no_diagonal': np.array([[-0.111111111111, -0.111111111111, -0.111111111111], [-0.111111111111, -0.111111111111, -0.111111111111], [-0.111111111111, -0.111111111111, -0.111111111111]])}),
        ((np.array([0.5, -1.0, 2.0, 0.0], dtype=np.float32),), {}, np.array([[0.133339983542, -0.0056016215269, -0.112511576008, -0.0152267860065], [-0.0056016215269, 0.0341039027004, -0.0251047259733, -0.00339755520017], [-0.112511576008, -0.0251047259733, 0.205858022403, -0.0682417204216], [-0.0152267860065, -0.00339755520017, -0.0682417204216, 0.0868660616283]]), 'float32',
         {'diagonal_only': np.array([[0.133339971304, 0.0, 0.0, 0.0], [0.0, 0.0341039001942, 0.0, 0.0], [0.0, 0.0, 0.205858036876, 0.0], [0.0, 0.0, 0.0, 0.0868660509586]]), 'vector': np.array([0.133339971304, 0.0341039001942, 0.205858036876, 0.0868660509586]), 'plus': np.array([[0.183549404144, 0.0056016203016, 0.11251155287, 0.0152267832309], [0.0056016203016, 0.0366036817431, 0.0251047220081, 0.00339755462483], [0.11251155287, 0.0251047220081, 1.21434164047, 0.0682417079806], [0.0152267832309, 0.00339755462483, 0.0682417079806, 0.105337075889]]), 'no_diagonal': np.array([[-0.0251047182828, -0.0056016203016, -0.11251155287, -0.0152267832309], [-0.0056016203016, -0.00124989054166, -0.0251047220081, -0.00339755462483], [-0.11251155287, -0.0251047220081, -0.50424182415, -0.0682417079806], [-0.0152267832309, -0.00339755462483, -0.0682417079806, -0.00923551153392]])}),
        ((np.array([1000.0, -1000.0, 0.0]),), {}, np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), 'extreme logits: s = (1, 0, 0) and J = 0',
         {'vector': np.array([0.0, 0.0, 0.0]), 'plus': np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), 'no_diagonal': np.array([[-1.0, -0.0, -0.0], [-0.0, -0.0, -0.0], [-0.0, -0.0, -0.0]])}),
    ],
    'mlp_forward': [
        ((np.array([[1.0, -2.0], [0.5, 1.0], [2.0, 0.0]]), np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([0.5, -1.0]), np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([-0.5, 0.25])), {}, np.array([[3.0, 0.0], [0.0, 1.25], [3.5, 3.75]]), 'square weights',
         {'no_output_relu': np.array([[3.0, -3.25], [-0.25, 1.25], [3.5, 3.75]]), 'transposed': np.array([[0.0, 0.25], [2.5, 1.75], [2.0, 1.5]]), 'bias_after': np.array([[3.0, 0.25], [0.25, 0.75], [3.5, 3.75]]), 'sigmoid': np.array([[0.672758450562, 0.569377600086], [0.577185380145, 0.730058354824], [0.711037630319, 0.773994675155]]), 'softmax_output': np.array([[0.998073265337, 0.00192673466333], [0.182425523806, 0.817574476194], [0.437823499114, 0.562176500886]])}),
        ((np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -2.0]]), np.array([0.0, 0.5, 1.0]), np.array([[1.0, -1.0], [-2.0, 1.0], [1.0, 1.0]]), np.array([0.5, -0.5])), {}, np.array([[0.0, 0.0], [0.0, 1.5]]), '2 inputs → 3 hidden → 2 outputs',
         {'no_output_relu': np.array([[-0.5, -1.0], [-3.5, 1.5]]), 'no_hidden_relu': np.array([[0.0, 0.0], [0.0, 1.75]]), 'bias_after': np.array([[0.5, 0.0], [0.5, 2.5]]), 'sigmoid': np.array([[0.45549467534, 0.380514638778], [0.362799924512, 0.607667090683]]), 'softmax_output': np.array([[0.622459331202, 0.377540668798], [0.00669285092428, 0.993307149076]])}),
        ((np.array([[1, 0, 2]]), np.array([[1, -1], [2, 0], [0, 1]]), np.array([0, 1]), np.array([[1], [-1]]), np.array([2])), {}, np.array([[1]]), 'integers, one instance, one output',
         {'bias_after': np.array([[2.0]]), 'sigmoid': np.array([[0.864157803239]])}),
        ((np.array([[0.5, -1.5]], dtype=np.float32), np.array([[1.0, 0.5], [-0.5, 2.0]], dtype=np.float32), np.array([0.25, 0.0], dtype=np.float32), np.array([[2.0], [1.0]], dtype=np.float32), np.array([0.5], dtype=np.float32)), {}, np.array([[3.5]]), 'float32',
         {'no_hidden_relu': np.array([[0.75]]), 'sigmoid': np.array([[0.899820849799]]), 'softmax_output': np.array([[1.0]])}),
    ],
    'log_softmax': [
        ((np.array([[0.0, 1.09861228867], [1.38629436112, 0.0]]),), {}, np.array([[-1.38629436112, -0.287682072452], [-0.223143551314, -1.60943791243]]), 'row 1: e^0 : e^(ln 3) = 1 : 3, so (1/4, 3/4); row 2: (4/5, 1/5)',
         {'no_logsumexp': np.array([[-1.09861228867, 0.0], [0.0, -1.38629436112]]), 'plus_logsumexp': np.array([[-0.810930216216, 0.287682072452], [0.223143551314, -1.16315080981]]), 'axis0': np.array([[-1.60943791243, -0.287682072452], [-0.223143551314, -1.38629436112]])}),
        ((np.array([1.0, 2.0, 3.0]),), {}, np.array([-2.40760596444, -1.40760596444, -0.407605964444]), 'one vector of logits',
         {'no_logsumexp': np.array([-2.0, -1.0, 0.0]), 'plus_logsumexp': np.array([-1.59239403556, -0.592394035556, 0.407605964444])}),
        ((np.array([[1, 2, 3], [1, 1, 1]]),), {}, np.array([[-2.40760596444, -1.40760596444, -0.407605964444], [-1.09861228867, -1.09861228867, -1.09861228867]]), 'equal logits give equal probabilities',
         {'no_logsumexp': np.array([[-2.0, -1.0, 0.0], [0.0, 0.0, 0.0]]), 'plus_logsumexp': np.array([[-1.59239403556, -0.592394035556, 0.407605964444], [1.09861228867, 1.09861228867, 1.09861228867]]), 'axis0': np.array([[-0.69314718056, -0.313261687518, -0.126928011043], [-0.69314718056, -1.31326168752, -2.12692801104]])}),
        ((np.array([[0.0, 1.38629436112], [1.09861228867, 0.0], [0.0, 0.0]]),), {'axis': 0}, np.array([[-1.60943791243, -0.405465108108], [-0.510825623766, -1.79175946923], [-1.60943791243, -1.79175946923]]), 'axis=0: each column sums to 1',
         {'no_logsumexp': np.array([[-1.09861228867, 0.0], [0.0, -1.38629436112], [-1.09861228867, -1.38629436112]]), 'plus_logsumexp': np.array([[-0.587786664902, 0.405465108108], [0.510825623766, -0.980829253012], [-0.587786664902, -0.980829253012]])}),
        ((np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]),), {}, np.array([[0.0, -2000.0, -1000.0], [-1.09861228867, -1.09861228867, -1.09861228867]]), "extreme logits: subtract each row's maximum",
         {'log_of_softmax': np.array([[0.0, -inf, -inf], [-1.09861228867, -1.09861228867, -1.09861228867]]), 'no_shift': np.array([[-inf, -inf, -inf], [inf, inf, inf]]), 'no_logsumexp': np.array([[0.0, -2000.0, -1000.0], [0.0, 0.0, 0.0]]), 'plus_logsumexp': np.array([[0.0, -2000.0, -1000.0], [1.09861228867, 1.09861228867, 1.09861228867]]), 'axis0': np.array([[0.0, -0.69314718056, 0.0], [-2000.0, -0.69314718056, -1000.0]])}),
        ((np.array([[0.5, -0.25, 2.0], [1.0, 1.0, 0.0]], dtype=np.float32),), {}, np.array([[-1.78407260469, -2.53407260469, -0.284072604686], [-0.861994804058, -0.861994804058, -1.86199480406]]), 'float32 logits',
         {'no_logsumexp': np.array([[-1.5, -2.25, 0.0], [0.0, 0.0, -1.0]]), 'plus_logsumexp': np.array([[-1.21592739531, -1.96592739531, 0.284072604686], [0.861994804058, 0.861994804058, -0.138005195942]]), 'axis0': np.array([[-0.97407698418, -1.50192908135, -0.126928011043], [-0.47407698418, -0.251929081345, -2.12692801104]])}),
    ],
    'mse': [
        ((np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 1.0, 4.0])), {}, 1.25, 'errors (1, 0, −2, 0)',
         {'mean_error': -0.25, 'mae': 0.75, 'mean_then_square': 0.0625}),
        ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 0.0], [3.0, 7.0]])), {}, 3.3125, 'errors [[0.5, −2], [0, 3]]: one number for the whole array',
         {'mean_error': 0.375, 'mae': 1.375, 'mean_then_square': 0.140625, 'per_column': np.array([0.125, 6.5])}),
        ((np.array([3, 1, 0, 2]), np.array([2.5, 1.0, 0.5, 4.0])), {}, 1.125, 'integer targets',
         {'mean_error': 0.5, 'mae': 0.75, 'mean_then_square': 0.25}),
        ((np.array([0.5, 1.5, -1.0], dtype=np.float32), np.array([1.0, 1.0, 2.0], dtype=np.float32)), {}, 3.16666666667, 'float32',
         {'mean_error': 1.0, 'mae': 1.33333333333}),
    ],
    'mae': [
        ((np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 1.0, 4.0])), {}, 0.75, 'errors (1, 0, −2, 0)',
         {'no_abs': -0.25, 'abs_of_mean': 0.25, 'median': 0.5, 'rmse': 1.11803398875, 'mse': 1.25}),
        ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 0.0], [3.0, 7.0]])), {}, 1.375, 'errors [[0.5, −2], [0, 3]]: one number for the whole array',
         {'no_abs': 0.375, 'median': 1.25, 'rmse': 1.82002747232, 'mse': 3.3125}),
        ((np.array([3, 1, 0, 2]), np.array([2.5, 1.0, 0.5, 4.0])), {}, 0.75, 'integer targets',
         {'no_abs': 0.5, 'rmse': 1.06066017178, 'mse': 1.125}),
        ((np.array([0.5, 1.5, -1.0], dtype=np.float32), np.array([1.0, 1.0, 2.0], dtype=np.float32)), {}, 1.33333333333, 'float32',
         {'no_abs': 1.0, 'median': 0.5, 'rmse': 1.77951304201, 'mse': 3.16666666667}),
    ],
    'huber': [
        ((np.array([0.0, 0.0, 0.0, 0.0]), np.array([0.5, -0.5, 2.0, -3.0])), {}, 1.0625, 'δ = 1: ½·0.25, ½·0.25, 2 − ½, 3 − ½ → mean 1.0625',
         {'no_half': 0.875, 'no_half_quadratic': 1.125, 'no_half_linear': 0.8125, 'mae_branch': 1.3125, 'swapped': 1.625, 'signed': 1.5625, 'sum': 4.25}),
        ((np.array([0.0, 0.0, 0.0, 0.0]), np.array([0.5, -0.5, 2.0, -3.0])), {'delta': 1.5}, 1.375, 'δ = 1.5: ½·0.25, ½·0.25, 1.5·2 − 1.125, 1.5·3 − 1.125 → mean 1.375',
         {'no_half': 0.875, 'no_half_quadratic': 1.4375, 'no_half_linear': 0.8125, 'delta_not_squared': 1.5625, 'mae_branch': 1.3125, 'signed': 1.65625, 'fixed_delta': 1.0625, 'sum': 5.5}),
        ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 0.0], [3.0, 7.0]])), {'delta': 0.5}, 0.59375, 'δ = 0.5',
         {'no_half': 0.5625, 'no_half_quadratic': 0.625, 'no_half_linear': 0.53125, 'mae_branch': 1.28125, 'swapped': 1.625, 'signed': 0.875, 'fixed_delta': 1.03125, 'sum': 2.375}),
        ((np.array([0.5, 1.5, -1.0], dtype=np.float32), np.array([1.0, 1.0, 4.0], dtype=np.float32)), {}, 1.58333333333, 'float32',
         {'no_half': 1.5, 'no_half_quadratic': 1.66666666667, 'no_half_linear': 1.41666666667, 'mae_branch': 1.75, 'swapped': 4.16666666667, 'sum': 4.75}),
    ],
    'binary_crossentropy': [
        ((np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.6, 0.5])), {}, 0.383119217824, '−(ln 0.9 + ln 0.8 + ln 0.6 + ln 0.5)/4',
         {'swapped': 4.83542876535, 'sum': 1.5324768713, 'no_minus': -0.383119217824, 'only_positive': 0.154046534856, 'log10': 0.166386562212}),
        ((np.array([[1, 0, 1], [0, 0, 1]]), np.array([[0.8, 0.1, 0.7], [0.3, 0.4, 0.9]])), {}, 0.276340015712, 'multilabel: the mean over every entry',
         {'swapped': 3.76088906194, 'sum': 1.65804009427, 'no_minus': -0.276340015712, 'only_positive': 0.114196501818, 'log10': 0.120012943953}),
        ((np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])), {}, 5.37269861699, 'p = 1 and 0 exactly: clipped to 1 − 1e-7 and 1e-7',
         {'no_clip': nan, 'sum': 16.118095851, 'no_minus': -5.37269861699, 'log10': 2.33333336229, 'other_epsilon': 11.512925465}),
        ((np.array([1, 0, 1, 0]), np.array([2.0, -1.0, 0.0, 3.0])), {'from_logits': True}, 1.04548105767, 'logits: σ(0) = 0.5 costs ln 2',
         {'swapped': 0.503204434039, 'ignores_logits': 8.05904787561, 'sum': 4.18192423069}),
        ((np.array([1, 0, 1, 0]), np.array([1000.0, -1000.0, -1000.0, 1000.0])), {'from_logits': True}, 500.0, 'logits ±1000: two right (cost 0), two confidently wrong (cost 1000 each)',
         {'swapped': 1.00320443404, 'squashed_logits': 8.05904787561, 'naive_logits': inf, 'sum': 2000.0}),
        ((np.array([1.0, 0.0], dtype=np.float32), np.array([0.75, 0.25], dtype=np.float32)), {}, 0.287682072452, 'float32',
         {'swapped': 4.02952398781, 'sum': 0.575364144904, 'no_minus': -0.287682072452, 'only_positive': 0.143841036226, 'log10': 0.124938736608}),
    ],
    'categorical_crossentropy': [
        ((np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])), {}, 0.524911062249, '−(ln 0.7 + ln 0.5)/2',
         {'mean_classes': 0.174970354083, 'total': 1.0498221245, 'no_minus': -0.524911062249, 'binary_terms': 0.997256165447}),
        ((np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), np.array([[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.2, 0.6, 0.2]])), {}, 5.77402281843, 'the second instance gets p = 0 for its class: clipped to 1e-7',
         {'mean_classes': 1.92467427281, 'total': 17.3220684553, 'no_clip': nan, 'no_minus': -5.77402281843, 'binary_terms': 11.4872718181}),
        ((np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])), {'from_logits': True}, 0.753109126556, 'logits',
         {'mean_classes': 0.251036375519, 'total': 1.50621825311, 'ignores_logits': 8.05904787548, 'logits_axis': 0.720094849281, 'no_minus': -0.753109126556, 'binary_terms': 1.34608534983}),
        ((np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [3.0, 1.0, 0.0]])), {'from_logits': True}, 667.723282007, 'extreme logits: right (cost 0), wrong by 2000 (cost 2000), moderate',
         {'mean_classes': 222.574427336, 'total': 2003.16984602, 'ignores_logits': 10.745397134, 'naive_logits': nan, 'logits_axis': 334.263919823, 'no_minus': -667.723282007}),
        ((np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32), np.array([[0.25, 0.75], [0.5, 0.5]], dtype=np.float32)), {}, 0.490414626506, 'float32',
         {'mean_classes': 0.245207313253, 'total': 0.980829253012, 'no_minus': -0.490414626506}),
    ],
    'sparse_categorical_crossentropy': [
        ((np.array([0, 1]), np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])), {}, 0.524911062249, '−(ln 0.7 + ln 0.5)/2, as with one-hot labels',
         {'columns': 1.24046128248, 'rows': 1.36345349247, 'total': 1.0498221245, 'no_minus': -0.524911062249}),
        ((np.array([0, 2, 1]), np.array([[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.2, 0.6, 0.2]])), {}, 5.77402281843, 'the second instance gets p = 0 for its class: clipped to 1e-7',
         {'columns': 4.38129208371, 'no_clip': inf, 'total': 17.3220684553, 'no_minus': -5.77402281843}),
        ((np.array([0, 1]), np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])), {'from_logits': True}, 0.753109126556, 'logits',
         {'columns': 1.00310912656, 'rows': 1.25310912656, 'ignores_logits': 8.05904787548, 'total': 1.50621825311, 'no_minus': -0.753109126556}),
        ((np.array([0, 1, 2]), np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [3.0, 1.0, 0.0]])), {'from_logits': True}, 667.723282007, 'extreme logits',
         {'columns': 667.278837562, 'ignores_logits': 10.745397134, 'naive_logits': nan, 'total': 2003.16984602, 'no_minus': -667.723282007}),
        ((np.array([1, 0], dtype=np.int32), np.array([[0.25, 0.75], [0.5, 0.5]], dtype=np.float32)), {}, 0.490414626506, 'int32 labels, float32',
         {'columns': 0.765067698673, 'total': 0.980829253012, 'no_minus': -0.490414626506}),
    ],
}
# END GENERATED CASES
