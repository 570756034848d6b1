"""Self-checks of lesson 06, "Automatic differentiation with TensorFlow".

The expected values below are facts worked out by hand or with lesson 04/05's formulas
(J = 51 and ∇J = [9, 15, 3] at (5, 3, 2); a neuron's gradient Xᵀ(φ − y)/m; softmax
cross-entropy's (P − Y)/m), written as numbers. The catalogues name the mistakes students
really make with tensors and tapes; the wrong implementations that would give an answer away
are kept by the instructor (``models=`` of the hidden tests), so here a mistake is a message, a
``relative`` transformation of the right answer, or the value it gives on a fixed input.

TensorFlow is never imported when this module is imported (only inside the checks that need
it, which run after the notebook has imported it anyway). Answers may return tensors or
Variables: :func:`as_numpy` turns them into NumPy arrays, as the grader's probe does.
"""
from __future__ import annotations

import copy
import functools
import math
import re
import traceback
from collections.abc import Sequence

import numpy as np

from ..checking import CheckFailed, call, check_defaults, difference, expect, mismatch, short, signature
from ..mistakes import Catalogue, Mistake, Rule, function_source
from ..observers import tensors
from . import exercise

RTOL, ATOL = 1e-4, 1e-5
"""float32 arithmetic: answers in float32 and float64 agree to about 1e-6 relative."""


def as_numpy(value):
    """Tensors and Variables (also inside tuples, lists and dicts) as NumPy arrays, as the grader's probe sees them."""
    return tensors(value)


# TensorFlow's errors for the mistakes of this lesson, and what to do instead: (pattern of the error, advice).
TF_ERRORS = (
    (r"non-persistent GradientTape",
     "a tape that is not persistent gives one tape.gradient call: ask for every gradient in one call, "
     "tape.gradient(target, [a, b, ...]), or make the tape with tf.GradientTape(persistent=True)"),
    (r"has no attribute '_id'",
     "tape.gradient was given a NumPy value or a Python number (as the target or as a source), which the tape knows "
     "nothing about: compute inside the tape with TensorFlow operations (tf.exp, tf.sin, tf.reduce_sum ..., not np.*) "
     "and make every source a tf.Variable (or a tensor you tape.watch)"),
    (r"Cannot convert the argument `type_value`",
     "tape.gradient was given a target computed from plain Python numbers, which a tape does not record: make the "
     "inputs tf.Variable first, e.g. tf.Variable(float(a))"),
    (r"has no attribute '_unique_id'",
     "optimizer.apply_gradients takes (gradient, variable) pairs, the gradient first: zip(grads, variables), not "
     "zip(variables, grads); and what it updates must be tf.Variable"),
    (r"No gradients provided for any variable",
     "every gradient was None: compute the loss inside the `with tf.GradientTape() as tape:` block, from the "
     "Variables, with TensorFlow operations (a NumPy function breaks the chain)"),
    (r"expected to be a \w+ tensor but is a \w+ tensor",
     "two dtypes met: TensorFlow never casts for you, and tf.constant of a NumPy float array is float64 (double) "
     "while tf.Variable(0.0) and tf.zeros are float32 (float). Give everything float32: tf.constant(X, tf.float32) "
     "or tf.cast(X, tf.float32)"),
    (r"Received integer type|must be either real or complex",
     "that TensorFlow operation needs floats and got integers: cast first, tf.cast(X, tf.float32)"),
    (r"not tf\.Tensor or tf\.Variable",
     "tape.watch takes a tensor, not a NumPy array or a number: convert first, x = tf.constant(x, tf.float32), "
     "then tape.watch(x)"),
    (r"ndims must be >= 2",
     "TensorFlow's @ (matmul) multiplies matrices (2-D): for a matrix times a vector use tf.linalg.matvec(X, w), "
     "or make w a column of shape (n, 1)"),
    (r"logits and labels must be broadcastable|labels_size",
     "tf.nn.softmax_cross_entropy_with_logits wants one-hot labels of the logits' shape; with integer class labels "
     "use tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)"),
)
_LIBRARY = ("site-packages", "dist-packages", "tlukit", "/lib/python")


def explain_error(message: str, exc: BaseException | None = None) -> str:
    """A failure message about an exception, with the line of the student's code that raised it
    (not TensorFlow's) and, for an error of :data:`TF_ERRORS`, what to do instead."""
    if exc is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not any(p in f.filename for p in _LIBRARY)]
        where = f"  (at line {frames[-1].lineno}: {frames[-1].line})" if frames and frames[-1].line else ""
        message = re.sub(r"\n  \(at line [^\n]*\)", "\n" + where if where else "", message, count=1)
    for pattern, advice in TF_ERRORS:
        if re.search(pattern, message):
            return f"{message}\nhint: {advice}"
    return message


def _call(fn, *args, label: str | None = None, **kwargs):
    """The student's function on copies of the arguments, its result as NumPy; an error TensorFlow
    raised inside it is explained (:func:`explain_error`)."""
    label = label or signature(fn, args, kwargs)
    raised: list[BaseException] = []

    @functools.wraps(fn)
    def watched(*a, **k):
        try:
            return fn(*a, **k)
        except Exception as exc:
            raised.append(exc)
            raise

    target = watched if callable(fn) else fn
    try:
        result = call(target, *copy.deepcopy(args), label=label, **copy.deepcopy(kwargs))
    except CheckFailed as failure:
        if failure.not_written or not raised:
            raise
        raise CheckFailed(explain_error(failure.message, raised[-1])) from None
    return as_numpy(result)


def none_gradients(label: str, want, got, names: Sequence[str]) -> None:
    """Fail, naming them, when some of the gradients ``got`` (a sequence, as ``names``) are None."""
    missing = [name for name, g in zip(names, got) if g is None]
    if not missing:
        return
    raise CheckFailed(mismatch(
        label, short(want), short(got), f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} None",
        "tape.gradient returns None for a source it recorded no path from. Make each source a tf.Variable (a "
        "constant only after tape.watch), compute inside the `with tf.GradientTape() as tape:` block, and use "
        "TensorFlow operations there: a NumPy function (np.exp, np.multiply ...) returns an array the tape cannot "
        "follow"))


# ============================================================================= rules
USE_TAPE = Rule("compute the gradient with tf.GradientTape, the point of the exercise: record the computation inside "
                "`with tf.GradientTape() as tape:` and ask tape.gradient(...); do not type in hand-derived formulas "
                "(the check reads this function's own code: keep the tape in it, not in a helper of yours)",
                must_call=("GradientTape",))
USE_APPLY = Rule("update the variables with the optimizer: optimizer.apply_gradients(zip(grads, variables)), "
                 "the step every custom training loop takes (in this function's own code, not in a helper of yours)",
                 must_call=("apply_gradients",))


def _rules(fn, *rules: Rule) -> None:
    source = function_source(fn)
    for rule in rules:
        if rule.broken_by(fn, source):
            raise CheckFailed(f"{getattr(fn, '__name__', 'your function')} breaks a rule of the exercise: "
                              f"{rule.message}")


def _function_check(name: str, fn, run, *rules: Rule, defaults: dict | None = None) -> int:
    n = run()
    _rules(fn, *rules)
    check_defaults(fn, name, defaults or {})
    return n


# ============================================================================= catalogues
STANDARDIZE = Catalogue(
    "standardize",
    int_mean=Mistake("the mean was taken on integers: tf.reduce_mean of an int tensor rounds down (the mean of [1, 2] "
                     "is 1). Cast X to float32 first, tf.cast(X, tf.float32), then take the mean"),
    rows=Mistake("the statistics were taken along the rows (axis=1): standardise each column (each feature), "
                 "with axis=0"),
    all_entries=Mistake("one mean and one standard deviation for the whole array (no axis): each column (feature) "
                        "needs its own, axis=0"),
    variance=Mistake("you divided by the variance: divide by the standard deviation, its square root "
                     "(tf.math.reduce_std)"),
    centred_only=Mistake("the columns are centred but not scaled: divide by each column's standard deviation too"),
)

_WATCH_KEYS = ("tf.Variable(3.0)", "tf.constant(3.0)", "tf.Variable(3)", "tf.Variable(3.0, trainable=False)",
               "tf.constant(3.0) after tape.watch")
TAPE_WATCHES = Catalogue(
    "tape_watches",
    all_true=Mistake("not every tensor is watched: a tape records trainable float Variables by itself, and anything "
                     "else only after tape.watch (an int Variable not even then)",
                     model=lambda want: {key: True for key in want}, relative=True),
    constant_watched=Mistake("a tf.constant is not watched: the tape records operations on trainable Variables only, "
                             "unless you call tape.watch(x)",
                             model=lambda want: {**want, "tf.constant(3.0)": True}, relative=True),
    int_variable=Mistake("an integer Variable cannot be differentiated: gradients exist only for floating-point "
                         "tensors (tape.gradient returns None). Write tf.Variable(3.0)",
                         model=lambda want: {**want, "tf.Variable(3)": True}, relative=True),
    non_trainable=Mistake("a Variable made with trainable=False is not watched automatically: it behaves like a "
                          "constant", model=lambda want: {**want, "tf.Variable(3.0, trainable=False)": True},
                          relative=True),
    watch_useless=Mistake("tape.watch(x) makes the tape record the operations on x even when x is a constant: that "
                          "is what it is for", model=lambda want: {**want, "tf.constant(3.0) after tape.watch": False},
                          relative=True),
)

TAPE_J = Catalogue(
    "tape_J",
    constants=Mistake("the gradients are None: the tape did not record J from watched variables. Make a, b, c "
                      "tf.Variable (a tf.constant is watched only after tape.watch) and compute J inside the "
                      "`with tf.GradientTape() as tape:` block"),
    ints=Mistake("the gradients are None for integer inputs: tf.Variable(5) is an int32 Variable, which cannot be "
                 "differentiated. Make floats first: tf.Variable(float(a))"),
    precedence=Mistake("J = 3(a·b + c): the 3 multiplies the whole sum; you computed 3·a·b + c (dJ/dc must be 3, not 1)"),
    no_3=Mistake("the factor 3 is missing: J = 3(a·b + c), so J and every gradient are 3 times those of a·b + c"),
)

NEURON_TAPE = Catalogue(
    "neuron_tape_gradients",
    sign=Mistake("the gradient has the wrong sign: the loss is −mean[y log φ + (1 − y) log(1 − φ)], with a minus",
                 model=lambda want, X, y, w, b: (-np.asarray(want[0]), -np.asarray(want[1])), relative=True),
    no_mean=Mistake("the loss must be the mean over the batch (tf.reduce_mean), not the sum: your gradient is m "
                    "times too large",
                    model=lambda want, X, y, w, b: (np.asarray(want[0]) * len(X), np.asarray(want[1]) * len(X)),
                    relative=True),
    bias_none=Mistake("dL/db is None: b must be a tf.Variable too (a number or a tf.constant is not watched)",
                      model=lambda want, X, y, w, b: (want[0], None), relative=True),
    probabilities_as_logits=Mistake("the sigmoid is applied twice: tf.nn.sigmoid_cross_entropy_with_logits takes the "
                                    "logits z = Xw + b, not the probabilities σ(z)"),
    keras_default=Mistake("tf.keras.losses.BinaryCrossentropy() expects probabilities by default and you gave it the "
                          "logits z: pass from_logits=True (or give it σ(z))"),
    mse=Mistake("that is the gradient of the mean squared error of φ: the neuron's loss is the cross-entropy"),
)

SOFTMAX_CE = Catalogue(
    "softmax_ce_gradient",
    not_watched=Mistake("the gradient is None: the logits are a tf.constant, which the tape does not watch; call "
                        "tape.watch(logits) inside the `with` block (or make them a tf.Variable)",
                        model=lambda want, logits, labels: None, relative=True),
    sum_loss=Mistake("the loss must be the mean over the batch: with a sum the gradient is m times too large "
                     "(dL/dlogits = (P − Y)/m)",
                     model=lambda want, logits, labels: np.asarray(want) * len(logits), relative=True),
    sign=Mistake("the sign is flipped: the loss is −mean(log p of the true class), with a minus",
                 model=lambda want, logits, labels: -np.asarray(want), relative=True),
    keras_default=Mistake("SparseCategoricalCrossentropy() expects probabilities by default and you gave it logits: "
                          "pass from_logits=True"),
    probabilities=Mistake("that is the gradient with respect to the probabilities P = softmax(logits): the exercise "
                          "asks for dL/dlogits = (P − Y)/m, so ask tape.gradient(loss, logits)"),
)

TWO_GRADIENTS = Catalogue(
    "two_gradients",
    not_watched=Mistake("the gradients are None: x is a constant, so the tape records nothing about it unless you call "
                        "tape.watch(x) inside the `with` block, before y and z are computed from it",
                        model=lambda want, x: (None, None), relative=True),
    dz_dy=Mistake("the second gradient is dz/dy = cos(y), not dz/dx: ask tape.gradient(z, x) (the chain rule "
                  "multiplies by dy/dx = 2x)"),
    swapped=Mistake("you returned (dz/dx, dy/dx): return them in the order (dy/dx, dz/dx)",
                    model=lambda want, x: (want[1], want[0]), relative=True),
)

LOGISTIC_STEPS = Catalogue(
    "logistic_steps",
    ascent=Mistake("your loss goes up: apply_gradients steps *against* the gradients you give it, so give it the "
                   "gradients of the loss as they are (no minus sign)"),
    loss_after_step=Mistake("losses are recorded after each step: record the loss computed inside the tape, before "
                            "apply_gradients (losses[0] is the loss at w = 0, b = 0: ln 2)"),
    sum_loss=Mistake("the loss must be the mean cross-entropy (tf.reduce_mean), not the sum: with a sum every step is "
                     "m times too large"),
    bias_frozen=Mistake("the bias never moves: pass both variables, [w, b], to tape.gradient and to apply_gradients"),
    ignores_learning_rate=Mistake("the optimizer does not use the learning_rate argument (it always steps with 0.5): "
                                  "tf.keras.optimizers.SGD(learning_rate=learning_rate)"),
)

TRAIN_MLP = Catalogue(
    "train_mlp",
    zero_init=Mistake("the weights start at zero: every hidden unit then computes the same thing and gets the same "
                      "gradient (here none at all), so nothing is learned. Start W1 and W2 random "
                      "(tf.random.normal), the biases at zero"),
    no_relu=Mistake("there is no ReLU between the layers: two Dense layers without an activation are one linear "
                    "model, which cannot bend its boundary around the moons"),
    last_layer_only=Mistake("only the output layer is trained: pass all four variables [W1, b1, W2, b2] to "
                            "tape.gradient and apply_gradients"),
    softmax_twice=Mistake("softmax is applied before tf.nn.sparse_softmax_cross_entropy_with_logits, which applies it "
                          "again: give the loss the logits"),
)


# ============================================================================= standardize
STD_X = np.array([[1, 2], [2, 7], [6, 4]])
"""Column means 3 and 13/3, population standard deviations √(14/3) and √(38/9)."""
STD_WANT = np.array([[-0.92582011, -1.1355499], [-0.46291006, 1.29777122], [1.38873017, -0.16222149]])
STD_WRONG = {"int_mean": np.array([[-0.92582011, -0.97332847], [-0.46291006, 1.45999265], [1.38873017, 0.0]]),
    "rows": np.array([[-1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]]), "all_entries": np.array([[-1.20604539, -0.7537784],
    [-0.7537784, 1.50755668], [1.05528963, 0.15075564]]), "variance": np.array([[-0.42857143, -0.55263162],
    [-0.21428572, 0.63157892], [0.64285719, -0.0789474]]), "centred_only": np.array([[-2.0, -2.33333349], [-1.0,
    2.66666651], [3.0, -0.33333349]])}


@exercise("standardize", hint="X = tf.cast(X, tf.float32) first; then tf.reduce_mean(X, axis=0) and "
                              "tf.math.reduce_std(X, axis=0) give one number per column; broadcasting does the rest.",
          catalogue=STANDARDIZE)
def standardize(fn):
    """Checks ``standardize(X)`` → a float tensor of the same shape, each column with mean 0 and std 1."""
    def run() -> int:
        label = f"standardize({STD_X.tolist()})   [column means 3 and 13/3]"
        got = _call(fn, STD_X, label=label)
        expect(got, STD_WANT, call=label, rtol=RTOL, atol=ATOL,
               mistakes=[(value, getattr(STANDARDIZE, key)) for key, value in STD_WRONG.items()],
               hint="(X − column means) / column standard deviations, in float32")
        dtype = getattr(call(fn, STD_X.copy(), label=label), "dtype", None)
        if dtype is not None and "float" not in str(dtype):
            raise CheckFailed(f"{label} returned a tensor of dtype {dtype}: cast to tf.float32")
        got = _call(fn, [[0.5, 10.0], [1.5, 30.0]])
        expect(got, np.array([[-1.0, -1.0], [1.0, 1.0]]), call="standardize([[0.5, 10.0], [1.5, 30.0]])", rtol=RTOL,
               atol=ATOL, hint="with two rows every standardised column is [−1, 1]")
        return 2
    return _function_check("standardize", fn, run)


# ============================================================================= tape_watches
@exercise("tape_watches", hint="Try each one: with tf.GradientTape() as tape: y = x * x, then print(tape.gradient(y, x))."
                               " None means the tape did not watch x.", catalogue=TAPE_WATCHES)
def tape_watches(answer):
    """Checks the dict ``tape_watches`` (which tensors a tape watches), key by key, against the demo's facts."""
    label = "tape_watches"
    if callable(answer):  # a function in its place: say whether it is a stub, then ask for the value itself
        call(answer, label=label)
        raise CheckFailed(mismatch(label, "a dict of True/False", short(answer),
                                   hint="assign the dict itself to tape_watches, not a function"))
    if not isinstance(answer, dict) or sorted(answer) != sorted(_WATCH_KEYS):
        raise CheckFailed(mismatch(label, f"a dict with the keys {list(_WATCH_KEYS)}", short(answer),
                                   hint="keep the five keys of the cell and set each to True or False"))
    if not all(isinstance(v, (bool, np.bool_)) for v in answer.values()):
        raise CheckFailed(mismatch(label, "True or False for each key", short(answer)))
    if all(answer.values()):
        raise CheckFailed(mismatch(label, "(not shown: it is the answer)", short(answer),
                                   hint=TAPE_WATCHES.all_true.message))
    facts = {"tf.Variable(3.0)": (True, "a trainable float Variable is exactly what a tape watches by itself"),
             "tf.constant(3.0)": (False, TAPE_WATCHES.constant_watched.message),
             "tf.Variable(3)": (False, TAPE_WATCHES.int_variable.message),
             "tf.Variable(3.0, trainable=False)": (False, TAPE_WATCHES.non_trainable.message),
             "tf.constant(3.0) after tape.watch": (True, TAPE_WATCHES.watch_useless.message)}
    for key, (want, hint) in facts.items():
        if bool(answer[key]) != want:
            raise CheckFailed(mismatch(f"tape_watches[{key!r}]", repr(want), repr(answer[key]), hint=hint))
    return len(facts)


# ============================================================================= tape_J
@exercise("tape_J", hint="a, b, c = tf.Variable(float(a)), ...; inside `with tf.GradientTape() as tape:` compute "
                         "J = 3 * (a * b + c); then tape.gradient(J, [a, b, c]).", catalogue=TAPE_J)
def tape_J(fn):
    """Checks ``tape_J(a, b, c)`` → (J, [dJ/da, dJ/db, dJ/dc]) at the lecture's point and another."""
    def run() -> int:
        cases = [((5, 3, 2), (51.0, [9.0, 15.0, 3.0]), "the lecture's example, in ints: J = 51, ∇J = [3b, 3a, 3]"),
                 ((1.5, -2.0, 0.5), (-7.5, [-6.0, 4.5, 3.0]), "J = 3(−3 + 0.5) = −7.5, ∇J = [3b, 3a, 3]")]
        for args, want, note in cases:
            label = f"{signature(fn, args)}   [{note}]"
            got = _call(fn, *args, label=label)
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                raise CheckFailed(mismatch(label, short(want), short(got), "expected a pair (J, grads)",
                                           "return J, tape.gradient(J, [a, b, c])"))
            got = (got[0], list(got[1]) if isinstance(got[1], (tuple, list, np.ndarray)) else got[1])
            wrong = [((51.0, [None, None, None]), TAPE_J.constants), ((51, [None, None, None]), TAPE_J.ints),
                     ((47.0, [9.0, 15.0, 1.0]), TAPE_J.precedence), ((17.0, [3.0, 5.0, 1.0]), TAPE_J.no_3),
                     ((-7.5, [None, None, None]), TAPE_J.constants), ((-8.5, [-6.0, 4.5, 1.0]), TAPE_J.precedence),
                     ((-2.5, [-2.0, 1.5, 1.0]), TAPE_J.no_3)]
            if args == (5, 3, 2) and got[0] is not None and got[1] == [None, None, None]:
                hint = TAPE_J.ints.message if isinstance(got[0], (int, np.integer)) or (
                    isinstance(got[0], np.ndarray) and got[0].dtype.kind in "iu") else TAPE_J.constants.message
                raise CheckFailed(mismatch(label, short(want), short(got), "the gradients are None", hint))
            if isinstance(got[1], list) and any(g is not None for g in got[1]):
                none_gradients(label, want[1], got[1], ["dJ/da", "dJ/db", "dJ/dc"])
            expect(got, want, call=label, mistakes=wrong, rtol=RTOL, atol=ATOL,
                   hint="J = 3 * (a * b + c) inside the tape, then tape.gradient(J, [a, b, c])")
        return len(cases)
    return _function_check("tape_J", fn, run, USE_TAPE)


# ============================================================================= neuron_tape_gradients
GRAD_X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]])
GRAD_Y = np.array([0.0, 1.0, 1.0])
GRAD_W, GRAD_B = np.array([0.5, -0.25]), 1.0
"""Lesson 04's check: z = [1, 0.375, 1.25], φ − y = [0.7311, −0.4073, −0.2227]."""
GRAD_WANT = (np.array([0.37946403, 0.49371687]), 0.033675)
"""Lesson 04's formula: dL/dw = Xᵀ(φ − y)/m, dL/db = mean(φ − y)."""
GRAD_WRONG = {"probabilities_as_logits": (np.array([0.07288967, 0.09232588]), -0.00257974),
    "keras_default": (np.array([0.88888896, -0.44444448]), -0.88888896), "mse": (np.array([0.16138026,
    0.18456826]), 0.00456589)}


@exercise("neuron_tape_gradients", hint="w and b as tf.Variable (float32); inside the tape z = X @ w + b (or "
                                        "tf.linalg.matvec) and loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_"
                                        "with_logits(labels=y, logits=z)); then tape.gradient(loss, [w, b]).",
          catalogue=NEURON_TAPE)
def neuron_tape_gradients(fn):
    """Checks ``neuron_tape_gradients(X, y, w, b)`` → (dL/dw, dL/db) against lesson 04's formula."""
    def run() -> int:
        args = (GRAD_X, GRAD_Y, GRAD_W, GRAD_B)
        label = f"{signature(fn, args)}   [lesson 04's formula: Xᵀ(φ − y)/m = {short(GRAD_WANT[0])}]"
        got = _call(fn, *args, label=label)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise CheckFailed(mismatch(label, short(GRAD_WANT), short(got), "expected a pair (dw, db)",
                                       "return tape.gradient(loss, [w, b]) as (dw, db)"))
        if got[0] is None:  # (dw, None) alone is a catalogued mistake: b not a Variable
            none_gradients(label, GRAD_WANT, got, ["dL/dw", "dL/db"])
        expect(tuple(got), GRAD_WANT, call=label, catalogue=NEURON_TAPE, args=args, rtol=RTOL, atol=ATOL,
               mistakes=[(value, getattr(NEURON_TAPE, key)) for key, value in GRAD_WRONG.items()],
               hint="the mean binary cross-entropy of σ(Xw + b), differentiated by the tape")
        X1 = np.array([[2.0, -1.0, 0.5]])
        args = (X1, np.array([0.0]), np.zeros(3), 0.0)
        got = _call(fn, *args)
        expect(tuple(got) if isinstance(got, (tuple, list)) else got, (np.array([1.0, -0.5, 0.25]), 0.5),
               call=f"{signature(fn, args)}   [φ = 0.5, φ − y = 0.5]", catalogue=NEURON_TAPE, args=args,
               rtol=RTOL, atol=ATOL, hint="with w = 0 and b = 0, φ = 0.5 and dL/dw = (φ − y)·x")
        return 2
    return _function_check("neuron_tape_gradients", fn, run, USE_TAPE)


# ============================================================================= softmax_ce_gradient
SOFT_LOGITS = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
SOFT_LABELS = np.array([0, 2])
SOFT_WANT = np.array([[-0.16737953, 0.12236424, 0.04501529], [0.16666667, 0.16666667, -0.33333331]])
"""Lesson 05's formula (P − Y)/m with P = softmax(logits) = [[0.665, 0.245, 0.090], [1/3, 1/3, 1/3]], m = 2."""
SOFT_WRONG = {"keras_default": np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), "probabilities": np.array([[-0.75160742, 0.0, 0.0], [0.0, 0.0, -1.5]])}


@exercise("softmax_ce_gradient", hint="logits = tf.constant(logits, tf.float32); inside the tape tape.watch(logits), "
                                      "then loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits("
                                      "labels=labels, logits=logits)); return tape.gradient(loss, logits).",
          catalogue=SOFTMAX_CE)
def softmax_ce_gradient(fn):
    """Checks ``softmax_ce_gradient(logits, labels)`` → dL/dlogits against lesson 05's (P − Y)/m."""
    def run() -> int:
        args = (SOFT_LOGITS, SOFT_LABELS)
        label = f"{signature(fn, args)}   [lesson 05's formula: (P − Y)/m]"
        got = _call(fn, *args, label=label)
        expect(got, SOFT_WANT, call=label, catalogue=SOFTMAX_CE, args=args, rtol=RTOL, atol=ATOL,
               mistakes=[(value, getattr(SOFTMAX_CE, key)) for key, value in SOFT_WRONG.items()],
               hint="(softmax(logits) − one_hot(labels)) / m, computed by the tape")
        args = (np.array([[1000.0, 0.0]]), np.array([1]))
        got = _call(fn, *args)
        expect(got, np.array([[1.0, -1.0]]), call=f"{signature(fn, args)}   [P = [1, 0]: a huge logit]",
               catalogue=SOFTMAX_CE, args=args, rtol=RTOL, atol=ATOL,
               hint="tf.nn.sparse_softmax_cross_entropy_with_logits stays finite for huge logits; a hand-made "
                    "softmax overflows")
        return 2
    return _function_check("softmax_ce_gradient", fn, run, USE_TAPE)


# ============================================================================= two_gradients
TWO_X = np.array([0.0, 0.5, 1.0, -1.5])
TWO_WANT = (np.array([0.0, 1.0, 2.0, -3.0]), np.array([0.0, 0.96891242, 1.08060455, 1.88452101]))
"""dy/dx = 2x and dz/dx = cos(x²)·2x."""
TWO_DZ_DY = (TWO_WANT[0], np.cos(TWO_X ** 2))


@exercise("two_gradients", hint="x = tf.constant(x, tf.float32); with tf.GradientTape(persistent=True) as tape: "
                                "tape.watch(x); y = x ** 2; z = tf.sin(y). Then tape.gradient(y, x) and "
                                "tape.gradient(z, x): two calls need persistent=True.", catalogue=TWO_GRADIENTS)
def two_gradients(fn):
    """Checks ``two_gradients(x)`` → (dy/dx, dz/dx) for y = x², z = sin(y)."""
    def run() -> int:
        label = f"{signature(fn, (TWO_X,))}   [dy/dx = 2x, dz/dx = cos(x²)·2x]"
        got = _call(fn, TWO_X, label=label)  # a second gradient call on a plain tape: explained by _call
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            summed = got is not None and difference(got, TWO_WANT[0] + TWO_WANT[1], rtol=RTOL, atol=ATOL) is None
            raise CheckFailed(mismatch(label, short(TWO_WANT), short(got), "expected a pair (dy_dx, dz_dx)",
                                       "tape.gradient([y, z], x) gives one gradient, that of y + z: ask for "
                                       "tape.gradient(y, x) and tape.gradient(z, x), and return both"
                                       if summed else "return dy_dx, dz_dx"))
        expect(tuple(got), TWO_WANT, call=label, catalogue=TWO_GRADIENTS, args=(TWO_X,), rtol=RTOL, atol=ATOL,
               mistakes=[(TWO_DZ_DY, TWO_GRADIENTS.dz_dy)], hint="dy/dx = 2x; dz/dx = cos(x²)·2x (chain rule)")
        got = _call(fn, 1.0)
        expect(tuple(got) if isinstance(got, (tuple, list)) else got, (2.0, 2 * math.cos(1.0)),
               call="two_gradients(1.0)   [a number]", catalogue=TWO_GRADIENTS, args=(1.0,), rtol=RTOL, atol=ATOL)
        return 2
    return _function_check("two_gradients", fn, run, USE_TAPE)


# ============================================================================= logistic_steps
LOG_X = np.array([[0.5, 1.0], [-1.0, 0.5], [1.5, -0.5], [-0.5, -1.5], [1.0, 1.0], [-1.5, 0.0]])
LOG_Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
# keyword arguments -> (the exercise's (w, b, losses) on LOG_X, LOG_Y, {mistake: what it gives instead}), worked
# out once with the lesson's loop; a mistake that changes nothing on a run is left out of that run.
LOG_RUNS = {
    (): ((np.array([2.01031899, 0.8482064]), -0.0471818, [0.69314718, 0.55767018, 0.46001461, 0.38834396,
        0.33446717, 0.29295108, 0.26021031, 0.23384885, 0.21223308, 0.19422428, 0.17901057, 0.16600095, 0.15475659,
        0.14494592, 0.13631423, 0.12866299, 0.12183535, 0.11570588, 0.1101732, 0.10515446]),
        {"ascent": (np.array([-8.97913837, -3.74281502]), -0.03717462, [0.69314718, 0.85107297, 1.06010878,
            1.33149564, 1.67156613, 2.07826352, 2.54152608, 3.04747319, 3.58289719, 4.13753939, 4.7043128,
            5.27862978, 5.85761642, 6.43949938, 7.02318621, 7.60800505, 8.19353676, 8.77952099, 9.36579704,
            9.95225811]),
         "loss_after_step": (np.array([2.01031899, 0.8482064]), -0.0471818, [0.55767018, 0.46001461, 0.38834396,
             0.33446717, 0.29295108, 0.26021031, 0.23384885, 0.21223308, 0.19422428, 0.17901057, 0.16600095,
             0.15475659, 0.14494592, 0.13631423, 0.12866299, 0.12183535, 0.11570588, 0.1101732, 0.10515446,
             0.10058141]),
         "sum_loss": (np.array([3.76362181, 1.55530763]), -0.15447859, [4.15888309, 1.00894499, 0.65876073,
             0.49872994, 0.40460238, 0.3419193, 0.29690212, 0.2628735, 0.23617731, 0.21463302, 0.19685498,
             0.18191834, 0.16918096, 0.15818238, 0.14858349, 0.14012881, 0.13262197, 0.12590957, 0.11986982,
             0.11440491]),
         "bias_frozen": (np.array([2.01120925, 0.84564453]), 0.0, [0.69314718, 0.55767018, 0.46001863, 0.38835928,
             0.3345001, 0.29300573, 0.26028886, 0.23395197, 0.21236049, 0.19437499, 0.17918332, 0.16619419,
             0.15496886, 0.14517567, 0.13655998, 0.1289233, 0.12210893, 0.1159915, 0.11046973, 0.10546084])}),
    (('learning_rate', 0.1), ('steps', 5)): ((np.array([0.23506601, 0.09816211]), -0.00040906, [0.69314718,
        0.66425776, 0.63711566, 0.61161119, 0.58763868]),
        {"ascent": (np.array([-0.26587275, -0.11054256]), -0.00045582, [0.69314718, 0.7229383, 0.75458759,
            0.78820556, 0.82390386]),
         "loss_after_step": (np.array([0.23506601, 0.09816211]), -0.00040906, [0.66425776, 0.63711566, 0.61161119,
             0.58763868, 0.56509763]),
         "sum_loss": (np.array([1.06663227, 0.44895843]), -0.01034903, [4.15888309, 3.19942737, 2.55411935,
             2.10688472, 1.78519309]),
         "bias_frozen": (np.array([0.23506601, 0.09816124]), 0.0, [0.69314718, 0.66425776, 0.63711572, 0.61161131,
             0.58763915]),
         "ignores_learning_rate": (np.array([0.93521494, 0.39323965]), -0.00772573, [0.69314718, 0.55767018,
             0.46001461, 0.38834396, 0.33446717])}),
}


@exercise("logistic_steps", hint="w = tf.Variable(tf.zeros(n)), b = tf.Variable(0.0), optimizer = "
                                 "tf.keras.optimizers.SGD(learning_rate=learning_rate). Each step: inside a tape compute "
                                 "the mean cross-entropy of z = Xw + b, append it to losses, then "
                                 "optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b])).",
          catalogue=LOGISTIC_STEPS)
def logistic_steps(fn):
    """Checks ``logistic_steps(X, y, learning_rate, steps)`` → (w, b, losses) on a small data set."""
    def run() -> int:
        for kwargs, (want, wrong) in LOG_RUNS.items():
            kwargs = dict(kwargs)
            label = f"logistic_steps(LOG_X, LOG_Y{''.join(f', {k}={v!r}' for k, v in kwargs.items())})   " \
                    f"[LOG_X: 6 points, 2 features]"
            got = _call(fn, LOG_X, LOG_Y, label=label, **kwargs)
            if not (isinstance(got, (tuple, list)) and len(got) == 3):
                raise CheckFailed(mismatch(label, "(w, b, losses)", short(got), "expected three things",
                                           "return w, b, losses: the weights, the bias and the list of the "
                                           "losses recorded at each step"))
            got = (got[0], got[1], list(np.asarray(got[2], dtype=float).reshape(-1)))
            expect(got, want, call=label, rtol=1e-3, atol=1e-4,
                   mistakes=[(value, getattr(LOGISTIC_STEPS, key)) for key, value in wrong.items()],
                   hint="one full-batch step per iteration; losses[k] is the loss before step k (losses[0] = ln 2)")
        return len(LOG_RUNS)
    return _function_check("logistic_steps", fn, run, USE_TAPE, USE_APPLY,
                           defaults={"learning_rate": 0.5, "steps": 20})


# ============================================================================= train_mlp
MLP_TARGET = 0.92
"""Held-out accuracy an MLP reaches on the moons (a linear model stays below 0.9)."""
MLP_LOSS = 0.2
"""Training loss the MLP of the exercise gets below (after 150 epochs)."""


def moons(rng: np.random.Generator, m: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (like scikit-learn's make_moons), m points, Gaussian noise, labels 0/1."""
    k = m // 2
    t_out, t_in = rng.uniform(0, math.pi, m - k), rng.uniform(0, math.pi, k)
    X = np.r_[np.c_[np.cos(t_out), np.sin(t_out)], np.c_[1 - np.cos(t_in), 0.5 - np.sin(t_in)]]
    X += rng.normal(scale=noise, size=X.shape)
    y = np.r_[np.zeros(m - k, int), np.ones(k, int)]
    order = rng.permutation(m)
    return X[order], y[order]


def mlp_logits(params, X) -> np.ndarray:
    W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in params)
    return np.maximum(np.asarray(X, dtype=float) @ W1 + b1, 0) @ W2 + b2


def mlp_loss(params, X, y) -> float:
    """The mean softmax cross-entropy of the MLP ``params`` on (X, y), computed stably."""
    logits = mlp_logits(params, X)
    logits = logits - logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(y)), np.asarray(y, dtype=int)]))


def mlp_reason(answer, X, y, epochs: int, n_hidden: int, *, held_out: tuple, target: float,
               whose: str = "the grader's") -> str | None:
    """Why ``answer = train_mlp(X, y, ...)`` does not do what the exercise asks, or None.

    The criterion of both the self-check and the hidden test, recomputed from the returned weights:
    their shapes, their accuracy on held-out data the function never saw (at least ``target``), and
    losses that are one per epoch, fall, and end near the loss of the returned weights.
    """
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return "train_mlp must return two things: (params, losses)"
    params, losses = answer
    if not (isinstance(params, (tuple, list)) and len(params) == 4):
        return "params must be the list [W1, b1, W2, b2]"
    try:
        params = [np.asarray(p, dtype=float) for p in params]
        losses = np.asarray(losses, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return "params must be four arrays (or Variables) and losses a list of numbers"
    n, k = np.shape(X)[1], int(np.max(y)) + 1
    shapes = [(n, n_hidden), (n_hidden,), (n_hidden, k), (k,)]
    if [p.shape for p in params] != shapes:
        return f"the shapes of [W1, b1, W2, b2] must be {shapes}, got {[p.shape for p in params]}"
    if not all(np.all(np.isfinite(p)) for p in params):
        return "the weights are not finite (nan or inf)"
    if np.all(params[1] == 0) and np.any(params[0] != 0):  # random features can fit the moons on their own
        return ("the first layer's bias b1 is still exactly zero, so the hidden layer was never trained. "
                "likely mistake: " + TRAIN_MLP.last_layer_only.message)
    accuracy = float(np.mean(mlp_logits(params, held_out[0]).argmax(axis=1) == held_out[1]))
    if accuracy < target:
        return (f"on {whose} held-out data the returned weights are right {accuracy:.0%} of the time; a trained "
                f"MLP reaches at least {target:.0%}")
    if losses.shape != (epochs,) or not np.all(np.isfinite(losses)):
        return f"losses must hold one finite loss per epoch ({epochs} here), got {losses.size} values"
    if not losses[-1] < 0.7 * losses[0]:
        return f"the recorded loss does not fall (from {losses[0]:.4f} to {losses[-1]:.4f})"
    loss = mlp_loss(params, X, y)
    if loss > MLP_LOSS:
        return (f"the loss of the returned weights on {whose} training data is {loss:.3f}; the training of the exercise "
                f"gets it below {MLP_LOSS}")
    if abs(loss - losses[-1]) > 0.05 + 0.3 * loss:
        return (f"the last recorded loss, {losses[-1]:.4f}, is not the loss of the returned weights on the same data "
                f"({loss:.4f}): record the loss each epoch really has")
    return None


def _ce(logits, y) -> float:
    logits = logits - logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(y)), np.asarray(y, dtype=int)]))


def mlp_mistake(answer, X, y) -> Mistake | None:
    """The known mistake that ``answer`` shows for certain (a fact about what it returned), or None.

    All-equal hidden units mean the weights started equal (zero); a first-layer bias still exactly
    zero means the first layer never moved; recorded losses that follow a forward pass without the
    ReLU, or with a second softmax, and not the exercise's, name those forward passes.
    """
    try:
        params, losses = answer
        W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in params)
        last = float(np.asarray(losses, dtype=float).reshape(-1)[-1])
        X = np.asarray(X, dtype=float)
        if np.allclose(W1, W1[:, :1]) and np.allclose(W2, W2[:1, :]):
            return TRAIN_MLP.zero_init
        if np.all(b1 == 0) and np.any(W1 != 0):
            return TRAIN_MLP.last_layer_only
        hidden = X @ W1 + b1
        right = abs(_ce(np.maximum(hidden, 0) @ W2 + b2, y) - last)
        linear = abs(_ce(hidden @ W2 + b2, y) - last)
        logits = np.maximum(hidden, 0) @ W2 + b2
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        twice = abs(_ce(p / p.sum(axis=1, keepdims=True), y) - last)
    except Exception:  # noqa: BLE001 - an answer of the wrong shape shows no known mistake
        return None
    if linear < 0.5 * right:
        return TRAIN_MLP.no_relu
    if twice < 0.5 * right:
        return TRAIN_MLP.softmax_twice
    return None


MLP_DATA = moons(np.random.default_rng(6), 200, 0.1)
MLP_HELD_OUT = moons(np.random.default_rng(7), 400, 0.1)


@exercise("train_mlp", hint="Make W1 (n, n_hidden) and W2 (n_hidden, k) tf.Variable from tf.random.normal, biases "
                            "zero; an SGD optimizer with momentum=0.9. Each epoch: inside a tape logits = "
                            "relu(X @ W1 + b1) @ W2 + b2 and the mean sparse softmax cross-entropy; append it; "
                            "apply_gradients on all four variables.", catalogue=TRAIN_MLP)
def train_mlp(fn):
    """Checks ``train_mlp(X, y, n_hidden, epochs, learning_rate)`` by the criterion of the hidden test."""
    def run() -> int:
        kwargs = {}
        label = "train_mlp(MLP_X, MLP_Y)   [MLP_X: 200 points of two moons, MLP_Y: labels 0 and 1]"
        got = _call(fn, *MLP_DATA, label=label, **kwargs)
        reason = mlp_reason(got, *MLP_DATA, 150, 32, held_out=MLP_HELD_OUT, target=MLP_TARGET, whose="the check's")
        if reason:
            mistake = mlp_mistake(got, *MLP_DATA)
            raise CheckFailed(f"{label} does not do what the exercise asks: {reason}"
                              + (f"\nhint: {mistake.message}" if mistake and mistake.message not in reason else ""))
        return 1
    return _function_check("train_mlp", fn, run, USE_TAPE, USE_APPLY,
                           defaults={"n_hidden": 32, "epochs": 150, "learning_rate": 0.3})
