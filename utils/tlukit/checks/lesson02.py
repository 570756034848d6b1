"""Self-checks of lesson 02, "The perceptron", and each exercise's catalogue of mistakes.

Each exercise has one :class:`~tlukit.mistakes.Catalogue`, written here once and used by both the
visible self-check below and the instructor's hidden test. A message says what was done and what
to do instead; it is shown only when the mistake reproduces *every* output of the answer on the
check's inputs, so a message never names the wrong mistake.

Where a mistake is a transformation of the right answer (a reversed step, a transposed shape, a
flipped sign) its model lives here as a ``relative`` model: it holds no answer. A mistake whose
code would give the answer away (the right function with one thing changed) is implemented by the
instructor only; what it returns on the self-check's fixed inputs is written down in
:data:`WRONG` (worked out once; ``tests/lesson02`` checks it against the instructor's
implementations). Every expected value was worked out by hand on small inputs (the traces are
in the lesson).
"""
from __future__ import annotations

import contextlib
import copy
import inspect
import io
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..checking import (CheckFailed, call, changed, check_defaults, difference, mismatch, referenced, short,
                        signature)
from ..mistakes import Catalogue, Mistake
from . import exercise

nan, inf = float("nan"), float("inf")

EXERCISE_OF = {"heaviside": "Exercise 1", "sgn": "Exercise 1", "tlu": "Exercise 2", "layer_shapes": "Exercise 3",
               "dense_tlu_layer": "Exercise 4", "perceptron_update": "Exercise 5", "train_perceptron": "Exercise 6",
               "decision_line": "Exercise 7", "perceptron_as_sgd": "Exercise 8"}
"""The exercise where each function is written (messages name it)."""


def _at_zero(z, value, elsewhere):
    z = np.asarray(z)
    return np.where(z == 0, value, elsewhere)


# ============================================================================= the catalogues
HEAVISIDE = Catalogue(
    "heaviside",
    at_zero_0=Mistake("your heaviside(0) is 0 (as z > 0 or np.heaviside(z, 0) give): the step is 1 at z = 0; "
                      "compare with z >= 0 (np.heaviside's second argument is the value at 0: 1)",
                      relative=True, model=lambda want, z: _at_zero(z, 0, want)),
    at_zero_half=Mistake("your heaviside(0) is 0.5 at z = 0 (as np.heaviside(z, 0.5) or (np.sign(z) + 1) / 2 give): "
                         "the step is 1 at z = 0", relative=True, model=lambda want, z: _at_zero(z, 0.5, want)),
    sign=Mistake("you computed the sign function (−1, 0, +1, like np.sign): heaviside is 0 for z < 0 and 1 for "
                 "z ≥ 0", relative=True, model=lambda want, z: _at_zero(z, 0, 2 * np.asarray(want) - 1)),
    minus_one=Mistake("your step goes to −1 below zero: heaviside is 0 for z < 0 (the −1 belongs to sgn) and 1 "
                      "for z ≥ 0", relative=True, model=lambda want, z: 2 * np.asarray(want) - 1),
    reversed=Mistake("your step is reversed (1 for z < 0, 0 for z ≥ 0): heaviside is 0 below zero and 1 from zero "
                     "up", relative=True, model=lambda want, z: 1 - np.asarray(want)),
    reversed_at_zero=Mistake("your step is reversed (1 for z ≤ 0, 0 for z > 0): heaviside is 0 below zero and 1 "
                             "from zero up", relative=True, model=lambda want, z: _at_zero(z, 1, 1 - np.asarray(want))),
)

SGN = Catalogue(
    "sgn",
    zero_positive=Mistake("your sgn(0) is +1 (a two-valued step, z >= 0 → +1): zero gets its own value, sgn(0) = 0",
                          relative=True, model=lambda want, z: _at_zero(z, 1, want)),
    zero_negative=Mistake("your sgn(0) is −1 (z > 0 → +1, else −1): zero gets its own value, sgn(0) = 0",
                          relative=True, model=lambda want, z: _at_zero(z, -1, want)),
    heaviside=Mistake("you computed the Heaviside step (0 below zero, 1 from zero up): sgn is −1 for z < 0, 0 at 0 "
                      "and +1 for z > 0"),
    reversed=Mistake("your signs are reversed (+1 for z < 0): sgn is −1 for z < 0 and +1 for z > 0",
                     relative=True, model=lambda want, z: -np.asarray(want)),
    divide_by_abs=Mistake("z / |z| is undefined at z = 0 (0/0 gives NaN, with a warning): sgn(0) must be 0, so treat "
                          "zero on its own", relative=True, model=lambda want, z: _at_zero(z, nan, want)),
)

TLU = Catalogue(
    "tlu",
    strict=Mistake("your unit does not fire at z = 0 (its step is 0 there): heaviside(0) = 1, so the unit fires when "
                   "w·x + b >= 0"),
    sgn_step=Mistake("your TLU returns sgn(z), −1 below zero: this TLU uses the Heaviside step, heaviside(w·x + b), "
                     "0 or 1"),
    bias_subtracted=Mistake("your TLU subtracts the bias (w·x − b, as if b were a threshold): z = w·x + b"),
    bias_missing=Mistake("your TLU leaves out the bias: z = w·x + b"),
    bias_outside=Mistake("your TLU adds the bias after the step, heaviside(w·x) + b: the bias goes inside the step, "
                         "heaviside(w·x + b)"),
    no_step=Mistake("your TLU returns z = w·x + b itself: apply the step, heaviside(z), to get 0 or 1"),
    elementwise=Mistake("your TLU multiplies w and x element-wise (w * x gives one number per input): z needs the dot "
                        "product np.dot(w, x), a single number, not the element-wise product"),
)


def _shape_swap(key: str, make: Callable[[dict, int, int, int], tuple]):
    return lambda want, m, n, k: {**want, key: make(want, m, n, k)}


LAYER_SHAPES = Catalogue(
    "layer_shapes",
    w_transposed=Mistake("your W is (k, n), one row per unit: W has one row per input and one column per unit, "
                         "shape (n, k), so that XW is defined",
                         relative=True, model=_shape_swap("W", lambda want, m, n, k: (k, n))),
    b_column=Mistake("your b is a column, (k, 1): b is a 1-D vector of k biases, shape (k,), which broadcasting adds "
                     "to every row", relative=True, model=_shape_swap("b", lambda want, m, n, k: (k, 1))),
    b_row=Mistake("your b is a row matrix, (1, k): b is a 1-D vector of k biases, shape (k,)",
                  relative=True, model=_shape_swap("b", lambda want, m, n, k: (1, k))),
    b_per_instance=Mistake("your b has one entry per instance, (m,): there is one bias per unit, shape (k,)",
                           relative=True, model=_shape_swap("b", lambda want, m, n, k: (m,))),
    b_full=Mistake("your b has the output's shape, (m, k): there is one bias per unit, shape (k,), and broadcasting "
                   "repeats it for the m rows", relative=True, model=_shape_swap("b", lambda want, m, n, k: (m, k))),
    output_transposed=Mistake("your output is (k, m): it has one row per instance and one column per unit, (m, k)",
                              relative=True, model=_shape_swap("output", lambda want, m, n, k: (k, m))),
    output_n=Mistake("your output has n columns, (m, n): each of the k units gives one output, so (m, k)",
                     relative=True, model=_shape_swap("output", lambda want, m, n, k: (m, n))),
    x_transposed=Mistake("your X is (n, m): X has one row per instance and one column per input, (m, n)",
                         relative=True, model=_shape_swap("X", lambda want, m, n, k: (n, m))),
)

DENSE_TLU_LAYER = Catalogue(
    "dense_tlu_layer",
    w_transposed=Mistake("your layer uses W transposed (X @ W.T): W has one column per unit, shape (n, k); "
                         "compute X @ W"),
    bias_column=Mistake("your bias is added per instance (as a column, b[:, None]): b[j] belongs to unit j and is "
                        "added to every row; add b as a (k,) vector, X @ W + b"),
    bias_missing=Mistake("the bias b is missing: compute heaviside(X @ W + b)"),
    strict=Mistake("your step is 0 at z = 0: heaviside(0) = 1 (use your heaviside, or z >= 0)"),
    sgn_step=Mistake("your layer applies sgn, −1 below zero: this layer uses the Heaviside step, 0 or 1"),
    no_step=Mistake("your layer returns X @ W + b itself: apply heaviside to it, entry by entry"),
    bias_subtracted=Mistake("your layer subtracts the bias (X @ W − b): add it, X @ W + b"),
)

PERCEPTRON_UPDATE = Catalogue(
    "perceptron_update",
    flipped=Mistake("your update has the sign flipped (error ŷ − y): the error is y − ŷ, target minus prediction"),
    bias_not_updated=Mistake("your update leaves the bias unchanged: b also moves, by η·(y − ŷ) (the bias is the "
                             "weight of an input that is always 1)"),
    strict=Mistake("your prediction is 0 at z = 0: ŷ = heaviside(z), and heaviside(0) = 1"),
    no_eta=Mistake("the learning rate eta is not used in your update: w moves by η·(y − ŷ)·x and b by η·(y − ŷ)"),
    always=Mistake("your update moves the weights even when the prediction is right (it uses y instead of the error "
                   "y − ŷ): the change is η·(y − ŷ)·x, which is 0 when ŷ = y"),
    delta_rule=Mistake("your error uses the raw z = w·x + b (y − z: the Widrow–Hoff, or delta, rule of ADALINE): the "
                       "perceptron rule uses the prediction ŷ = heaviside(z), so the error is 0 or ±1"),
    sgn_prediction=Mistake("your prediction uses sgn(z) (−1, 0, +1): with 0/1 labels the perceptron predicts "
                           "ŷ = heaviside(z), 0 or 1"),
    bias_no_eta=Mistake("your bias moves by y − ŷ without the learning rate: b moves by η·(y − ŷ), like a weight "
                        "whose input is always 1"),
)

_DELTA = ("your update uses the raw z = w·x + b in the error (y − z: the Widrow–Hoff, or delta, rule): the perceptron "
          "rule uses the prediction ŷ = heaviside(z), so the error is 0 or ±1")
TRAIN_PERCEPTRON = Catalogue(
    "train_perceptron",
    one_epoch=Mistake("your training stops after one epoch: keep making passes over the data until an epoch has no "
                      "error (or max_epochs epochs have run)"),
    never_stops=Mistake("your training never stops early: stop after the first epoch without any error (that epoch "
                        "is in the list)"),
    flipped=Mistake("your updates have the sign flipped (ŷ − y): the error is y − ŷ, target minus prediction"),
    no_bias=Mistake("your training never updates the bias: b moves by η·(y − ŷ) at each error"),
    strict=Mistake("your prediction is 0 at z = 0: ŷ = heaviside(z) and heaviside(0) = 1 (with w = 0 and b = 0 "
                   "every first prediction is 1)"),
    count_after=Mistake("you count an error when the prediction *after* the update is wrong: count the instances "
                        "predicted wrongly *before* their update"),
    ignores_eta=Mistake("your training does not use its eta argument (it trains with η = 1): pass eta on to the "
                        "update"),
    ignores_max_epochs=Mistake("your training does not use its max_epochs argument (it runs up to 100 epochs): stop "
                               "after max_epochs epochs"),
    one_extra_epoch=Mistake("off by one: your training runs up to max_epochs + 1 epochs; it must stop after "
                            "max_epochs epochs"),
    one_fewer_epoch=Mistake("off by one: your training runs at most max_epochs − 1 epochs; it must run up to "
                            "max_epochs epochs"),
    drops_last_epoch=Mistake("the error-free epoch is missing from your list: append the epoch's count before you "
                             "stop (the last entry is 0 when training converged)"),
    cumulative_errors=Mistake("your list holds the running total of errors: record the number of errors of each "
                              "epoch on its own"),
    delta_rule=Mistake(_DELTA),
    delta_rule_where=Mistake(_DELTA),
    shuffles=Mistake("your training visits the instances in a shuffled order: the exercise asks for their given "
                     "order (deterministic training)"),
    random_init=Mistake("your training starts from random weights: start from w = 0 (n zeros) and b = 0"),
)


def _swapped(want, w, b):
    s, i = want
    return 1 / s, -i / s


DECISION_LINE = Catalogue(
    "decision_line",
    swapped=Mistake("w1 and w2 are swapped (you solved for x1): solve w1·x1 + w2·x2 + b = 0 for x2, dividing by w2",
                    relative=True, model=_swapped),
    both_signs=Mistake("both signs are wrong: moving w1·x1 and b to the other side of the equation flips their signs",
                       relative=True, model=lambda want, w, b: (-want[0], -want[1])),
    slope_sign=Mistake("the slope's sign is wrong: moving w1·x1 to the other side flips its sign",
                       relative=True, model=lambda want, w, b: (-want[0], want[1])),
    intercept_sign=Mistake("the intercept's sign is wrong: moving b to the other side flips its sign",
                           relative=True, model=lambda want, w, b: (want[0], -want[1])),
    bias_not_divided=Mistake("divide the bias by w2 too: the intercept is −b/w2, not −b",
                             relative=True, model=lambda want, w, b: (want[0], want[1] * w[1])),
    order_swapped=Mistake("you returned (intercept, slope), in the wrong order: return (slope, intercept)",
                          relative=True, model=lambda want, w, b: (want[1], want[0])),
    intercept_over_w1=Mistake("your intercept is divided by w1: solving for x2 divides every term by w2, so the "
                              "intercept is −b/w2", relative=True,
                              model=lambda want, w, b: (want[0], want[1] * w[1] / w[0])),
    slope_inverted=Mistake("your slope is upside down (−w2/w1): the slope of the line x2 = slope·x1 + intercept is "
                           "−w1/w2", relative=True, model=lambda want, w, b: (1 / want[0], want[1])),
)

PERCEPTRON_AS_SGD = Catalogue(
    "perceptron_as_sgd",
    hinge_loss=Mistake('loss is left at its default "hinge" (a linear SVM): the perceptron uses loss="perceptron"'),
    optimal_learning_rate=Mistake('learning_rate is left at its default "optimal" (a step size that shrinks): the '
                                  'perceptron uses a constant one, learning_rate="constant"'),
    l2_penalty=Mistake('penalty is left at its default "l2" (the weights shrink at every step): the perceptron has no '
                       'regularisation, penalty=None'),
    eta0=Mistake("eta0 is not 1: the perceptron's constant learning rate is 1, eta0=1 (SGDClassifier's default is "
                 "0.01)"),
    no_shuffle=Mistake("shuffle=False: Perceptron shuffles the instances at every epoch (shuffle=True, the default), "
                       "with the generator seeded by random_state"),
    hard_coded_seed=Mistake("random_state is hard-coded: pass the random_state argument on to SGDClassifier"),
    returns_perceptron=Mistake("you returned a Perceptron: return an SGDClassifier configured to train like one"),
)


# ============================================================================= the machinery
@dataclass(frozen=True)
class Fixed:
    """One fixed input of a self-check: the arguments, the value worked out by hand, and a fact
    about this input shown with the call."""

    args: tuple
    want: Any
    note: str = ""
    kwargs: dict = field(default_factory=dict)


ARRAY_ERRORS = [
    (r"truth value of an array", "your function uses a Python `if` (or and/or) on an array, which cannot say "
     "whether a whole array is negative: compare the whole array at once (z >= 0) and turn the result into "
     "numbers with np.where or .astype(int)"),
    (r"arrays can be converted to Python scalars|only length-1 arrays", "int(...) or float(...) turns one number "
     "into another, not a whole array: compare the whole array at once and use np.where or .astype(int)"),
    (r"object is not iterable|iteration over a 0-d array", "your function loops over z, which works for 1-D arrays "
     "only: plain numbers and 2-D arrays must work too; compare the whole array at once"),
]
SHAPE_ERRORS = [
    (r"matmul|not aligned", "the shapes do not fit together: X is (m, n), W is (n, k), so X @ W is (m, k); then add "
     "b, of shape (k,)"),
    (r"could not be broadcast", "b cannot be added as written: b has shape (k,), one bias per unit, and X @ W + b "
     "adds it to every row"),
]
LABEL_ERRORS = [
    (r"boolean subtract", "labels not converted: with boolean labels (True/False) the error y − ŷ cannot be computed "
     "as a difference of booleans; convert the label (and the prediction) to 0/1 with int(...) first"),
    (r"Cannot cast ufunc", "your function updates an integer array in place (w += ...): build a new float array "
     "instead, w + ..."),
]


def _call(fn, *args, errors: Sequence[tuple[str, str]] = (), label: str | None = None, **kwargs):
    """:func:`call`, adding the hint of the first ``errors`` pattern found in the message of an exception."""
    try:
        return call(fn, *args, label=label, **kwargs)
    except CheckFailed as failure:
        if failure.not_written:
            raise
        hint = next((h for pattern, h in errors if re.search(pattern, failure.message)), None)
        if hint:
            raise CheckFailed(f"{failure.message}\nhint: {hint}") from None
        raise


def _with_defaults(fn, name: str, run: Callable[[], int]) -> int:
    """Run ``run``, then compare ``fn``'s defaults with the stub's. When ``run`` fails, a changed default
    is named first (it may be what changed the values), unless the function is not written yet."""
    try:
        n = run()
    except CheckFailed as failure:
        if not failure.not_written:
            check_defaults(fn, name, DEFAULTS[name])
        raise
    check_defaults(fn, name, DEFAULTS[name])
    return n


class _Raises:
    """In :data:`WRONG`: the mistake raises an exception on this input (a shape that does not fit)."""

    def __repr__(self) -> str:
        return "RAISES"


RAISES = _Raises()


def _explain(catalogue: Catalogue, name: str, cases: list[Fixed], got: list) -> Mistake | None:
    """The first mistake that returns what the answer returned on every case it answered."""
    table = WRONG.get(name, {})
    cases = cases[: len(got)]
    for mistake in catalogue:
        try:
            if mistake.key in table:
                outputs = table[mistake.key][: len(got)]
            elif mistake.model is not None:
                with np.errstate(all="ignore"):
                    outputs = [mistake.output(c.args, c.kwargs, c.want) for c in cases]
            else:
                continue
            if all(o is not RAISES and difference(g, o) is None for g, o in zip(got, outputs)):
                return mistake
        except Exception:  # noqa: BLE001 - a model that cannot run on these inputs explains nothing
            continue
    return None


def _check_cases(fn, name: str, cases: list[Fixed], catalogue: Catalogue, *,
                 errors: Sequence[tuple[str, str]] = (),
                 observe: Callable[[list], str | None] | None = None) -> int:
    """Run ``fn`` on every case, then report the first wrong answer with the mistake that explains them all."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    got = []
    for case in cases:
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        label = signature(fn, case.args, case.kwargs, name=name)
        try:
            got.append(_call(fn, *args, errors=errors, label=label, **kwargs))
        except CheckFailed:
            if any(difference(g, c.want) is not None for g, c in zip(got, cases)):
                break  # an earlier answer is already wrong: report that one (as the hidden test does)
            raise
        for k, (before, after) in enumerate(zip(case.args, args)):
            if changed(before, after):
                arg = names[k] if k < len(names) else f"argument {k + 1}"
                raise CheckFailed(f"{label} changed its argument {arg} in place: the caller's data must stay as it "
                                  f"was. Work on a copy or build a new array (`{arg} = {arg} + ...`, not "
                                  f"`{arg} += ...`).")
    for case, value in zip(cases, got):
        reason = difference(value, case.want)
        if reason is None:
            continue
        found = _explain(catalogue, name, cases, got)
        hint = found.message if found else (observe(got) if observe else None)
        label = signature(fn, case.args, case.kwargs, name=name) + (f"   [{case.note}]" if case.note else "")
        raise CheckFailed(mismatch(label, short(case.want), short(value), reason, hint))
    return len(cases)


def _graded_alone(name: str, fn: Any, run: Callable[[], int]) -> int:
    """Run ``run``; when it fails because an earlier exercise that ``fn`` calls fails its own check,
    say so: this exercise is graded on its own."""
    try:
        return run()
    except CheckFailed as failure:
        space = getattr(fn, "__globals__", {})
        for helper in referenced(fn, EXERCISE_OF):
            if helper == name or helper not in CHECKS or not callable(space.get(helper)):
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    CHECKS[helper]._run(space[helper])
            except CheckFailed as why:
                first = why.message.splitlines()[0]
                raise CheckFailed(
                    f"{name} calls your {helper} ({EXERCISE_OF[helper]}), which fails its own check:\n  {first}\n"
                    f"Fix {EXERCISE_OF[helper]} first: until then this check cannot tell whether {name} itself is "
                    f"right. ({name} is graded on its own, so {helper}'s mistake does not cost {name}'s points.)",
                    not_written=why.not_written) from None
            except Exception:  # noqa: BLE001 - a check that cannot run blames nobody
                continue
        raise failure from None


# ============================================================================= the fixed inputs
A = np.array
AND_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
AND_Y = [0, 0, 0, 1]
XOR_Y = [0, 1, 1, 0]


def iris_setosa():
    """The iris petals (length, width in cm) in their original order, and True for the 50 setosas."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    return iris.data[:, 2:4], iris.target == 0


CASES: dict[str, list[Fixed]] = {
    "heaviside": [
        Fixed((A([-2.0, -0.5, -0.001, 0.0, 0.001, 3.0]),), [0, 0, 0, 1, 1, 1], "heaviside(0) = 1"),
        Fixed((0,), 1), Fixed((0.0,), 1), Fixed((-3,), 0), Fixed((2.5,), 1),
        Fixed((A([[-1, 0], [2, -5]]),), [[0, 1], [1, 0]], "one output per entry, for 2-D arrays too"),
    ],
    "sgn": [
        Fixed((A([-3.0, -0.25, 0.0, 0.25, 3.0]),), [-1, -1, 0, 1, 1], "sgn(0) = 0"),
        Fixed((0,), 0), Fixed((-7,), -1), Fixed((0.5,), 1),
        Fixed((A([[-2, 0], [0, 4]]),), [[-1, 0], [0, 1]], "one output per entry, for 2-D arrays too"),
    ],
    "tlu": [
        Fixed((A([1.0, 2.0]), A([0.5, -1.0]), 2.0), 1, "here w·x + b = 0.5"),
        Fixed((A([2.0, 1.0]), A([0.5, -1.0]), 0.0), 1, "here w·x + b = 0, and heaviside(0) = 1"),
        Fixed((A([3, 0, -1]), A([1, 2, 3]), -0.5), 0, "here w·x + b = −0.5"),
        Fixed((A([1, 1]), A([1, 1]), -3), 0, "here w·x + b = −1"),
        Fixed((A([1, -2]), A([2, 1]), 0.5), 1, "here w·x = 0, so w·x + b = 0.5"),
    ],
    "layer_shapes": [
        Fixed((32, 4, 3), {"X": (32, 4), "W": (4, 3), "b": (3,), "output": (32, 3)},
              "m = 32 instances, n = 4 inputs, k = 3 units"),
        Fixed((1, 5, 2), {"X": (1, 5), "W": (5, 2), "b": (2,), "output": (1, 2)},
              "m = 1 instance, n = 5 inputs, k = 2 units"),
    ],
    "dense_tlu_layer": [
        Fixed((A([[1.0, 2.0], [3.0, -1.0]]), A([[-2.0, -1.0], [1.0, -1.0]]), A([3.0, 2.0])), [[1, 0], [0, 1]],
              "here XW + b = [[3, -1], [-4, 0]]"),
        Fixed((A(AND_X), A([[1, 1, -1], [1, 1, -1]]), A([-1.5, -0.5, 1.5])), [[0, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 0]],
              "three units: AND, OR, NAND; column j is unit j, row i is instance i"),
        Fixed((A([[1, 0], [0, 1], [2, 2]]), A([[-1.0], [1.0]]), A([0.0])), [[0], [1], [1]],
              "here XW + b = [[-1], [1], [0]]: one unit, output (3, 1)"),
        Fixed((A([[1, 0], [0, 1], [2, 2]]), A([[2], [-1]]), A([-1])), [[1], [0], [1]],
              "integers; here XW + b = [[1], [-2], [1]]"),
    ],
    "perceptron_update": [
        Fixed((A([0.0, 0.0]), 0.0, A([1.0, 2.0]), 0, 1.0), ([-1, -2], -1), "z = 0, so ŷ = 1 ≠ y: error −1"),
        Fixed((A([1.0, -1.0]), 0.5, A([2.0, 1.0]), 1, 0.5), ([1, -1], 0.5), "z = 1.5, ŷ = 1 = y: nothing changes"),
        Fixed((A([1.0, -1.0]), 0.5, A([1.0, 3.0]), 1, 0.5), ([1.5, 0.5], 1.0), "z = −1.5, ŷ = 0: error +1"),
        Fixed((A([1, -1]), 0, A([2, 3]), 1, 0.5), ([2, 0.5], 0.5), "integer w and x, z = −1: error +1"),
        Fixed((A([1.0, 1.0]), 0.0, A([1.0, 1.0]), False, 1.0), ([0, 0], -1), "boolean label False, z = 2: error −1"),
        Fixed((A([0.5, 0.5]), -1.0, A([1.0, 0.0]), True, 1.0), ([1.5, 0.5], 0), "boolean label True, z = −0.5: error +1"),
        Fixed((A([0.5, -0.5]), 0.25, A([1.0, 1.0]), 0, 2.0), ([-1.5, -2.5], -1.75), "z = 0.25, ŷ = 1, y = 0: error −1"),
    ],
    "decision_line": [
        Fixed(((1.0, 2.0), -4.0), (-0.5, 2.0), "x2 = (4 − x1) / 2"),
        Fixed(((2.0, 1.0), -3.0), (-2.0, 3.0), "the AND perceptron of the lesson"),
        Fixed(((-0.6, -0.8), 2.0), (-0.75, 2.5), "the iris perceptron of the lesson"),
        Fixed((A([3, -2]), 1), (1.5, 0.5), "integers: the answer is not an integer"),
    ],
}

def _train_cases() -> list[Fixed]:
    """The inputs of ``train_perceptron``'s self-check (the iris data load on first use)."""
    return [
        Fixed((AND_X, AND_Y), ([2, 1], -3, [2, 3, 3, 2, 1, 0]), "AND gate, traced by hand in the lesson"),
        Fixed(([[1, 1], [2, 0]], [1, 1]), ([0, 0], 0, [0]),
              "w = 0, b = 0 already predicts 1 for both: one epoch without error, then stop"),
        Fixed((AND_X, XOR_Y), ([-1, 0], 0, [3, 3, 4, 4, 4]),
              "XOR is not linearly separable: training stops after max_epochs = 5", {"max_epochs": 5}),
        Fixed((AND_X, AND_Y), ([1, 0.5], -1.5, [2, 3, 3, 2, 1, 0]), "AND with eta = 0.5: every step is halved",
              {"eta": 0.5}),
        Fixed((A(AND_X), A(AND_Y) == 1), ([2, 1], -3, [2, 3, 3, 2, 1, 0]), "AND with boolean labels"),
        Fixed(iris_setosa(), ([-0.6, -0.8], 2.0, [1, 3, 0]),
              "iris petals, setosa (True) or not: the 50 setosas come first and have z = 0 while w = 0"),
    ]


def cases_of(name: str) -> list[Fixed]:
    """The fixed inputs of the self-check of ``name``."""
    if name == "train_perceptron":
        if name not in CASES:
            CASES[name] = _train_cases()
    return CASES[name]


# What each mistake the instructor implements returns on CASES, in order (worked out once from the
# instructor's implementations; tests/lesson02 keeps the two in step). Mistakes of a random nature
# (shuffling, a random start) cannot be written down: the self-check recognises them by running twice.
WRONG: dict[str, dict[str, list]] = {
    'sgn': {
        'heaviside': [[0, 0, 1, 1, 1], 1, 0, 1, [[0, 1], [1, 1]]],
    },
    'tlu': {
        'strict': [1, 0, 0, 0, 1],
        'sgn_step': [1, 0, -1, -1, 1],
        'bias_subtracted': [0, 1, 1, 1, 0],
        'bias_missing': [0, 1, 1, 1, 1],
        'bias_outside': [2.0, 1.0, 0.5, -2, 1.5],
        'no_step': [0.5, 0.0, -0.5, -1, 0.5],
        'elementwise': [[1, 1], [1, 0], [1, 0, 0], [0, 0], [1, 0]],
    },
    'dense_tlu_layer': {
        'w_transposed': [[[0, 1], [0, 1]], RAISES, RAISES, RAISES],
        'bias_column': [[[1, 1], [0, 1]], RAISES, [[0], [1], [1]], [[1], [0], [1]]],
        'bias_missing': [[[1, 0], [0, 0]], [[1, 1, 1], [1, 1, 0], [1, 1, 0], [1, 1, 0]], [[0], [1], [1]], [[1], [0], [1]]],
        'strict': [[[1, 0], [0, 0]], [[0, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 0]], [[0], [1], [0]], [[1], [0], [1]]],
        'sgn_step': [[[1, -1], [-1, 0]], [[-1, -1, 1], [-1, 1, 1], [-1, 1, 1], [1, 1, -1]], [[-1], [1], [0]], [[1], [-1], [1]]],
        'no_step': [[[3.0, -1.0], [-4.0, 0.0]], [[-1.5, -0.5, 1.5], [-0.5, 0.5, 0.5], [-0.5, 0.5, 0.5], [0.5, 1.5, -0.5]], [[-1.0], [1.0], [0.0]], [[1], [-2], [1]]],
        'bias_subtracted': [[[0, 0], [0, 0]], [[1, 1, 0], [1, 1, 0], [1, 1, 0], [1, 1, 0]], [[0], [1], [1]], [[1], [1], [1]]],
    },
    'perceptron_update': {
        'flipped': [([1.0, 2.0], 1.0), ([1.0, -1.0], 0.5), ([0.5, -2.5], 0.0), ([0.0, -2.5], -0.5), ([2.0, 2.0], 1.0), ([-0.5, 0.5], -2.0), ([2.5, 1.5], 2.25)],
        'bias_not_updated': [([-1.0, -2.0], 0.0), ([1.0, -1.0], 0.5), ([1.5, 0.5], 0.5), ([2.0, 0.5], 0), ([0.0, 0.0], 0.0), ([1.5, 0.5], -1.0), ([-1.5, -2.5], 0.25)],
        'strict': [([0.0, 0.0], 0.0), ([1.0, -1.0], 0.5), ([1.5, 0.5], 1.0), ([2.0, 0.5], 0.5), ([0.0, 0.0], -1.0), ([1.5, 0.5], 0.0), ([-1.5, -2.5], -1.75)],
        'no_eta': [([-1.0, -2.0], -1.0), ([1.0, -1.0], 0.5), ([2.0, 2.0], 1.5), ([3.0, 2.0], 1.0), ([0.0, 0.0], -1.0), ([1.5, 0.5], 0.0), ([-0.5, -1.5], -0.75)],
        'always': [([0.0, 0.0], 0.0), ([2.0, -0.5], 1.0), ([1.5, 0.5], 1.0), ([2.0, 0.5], 0.5), ([1.0, 1.0], 0.0), ([1.5, 0.5], 0.0), ([0.5, -0.5], 0.25)],
        'delta_rule': [([0.0, 0.0], 0.0), ([0.5, -1.25], 0.25), ([2.25, 2.75], 1.75), ([3.0, 2.0], 1.0), ([-1.0, -1.0], -2.0), ([2.0, 0.5], 0.5), ([0.0, -1.0], -0.25)],
        'sgn_prediction': [([0.0, 0.0], 0.0), ([1.0, -1.0], 0.5), ([2.0, 2.0], 1.5), ([3.0, 2.0], 1.0), ([0.0, 0.0], -1.0), ([2.5, 0.5], 1.0), ([-1.5, -2.5], -1.75)],
        'bias_no_eta': [([-1.0, -2.0], -1.0), ([1.0, -1.0], 0.5), ([1.5, 0.5], 1.5), ([2.0, 0.5], 1.0), ([0.0, 0.0], -1.0), ([1.5, 0.5], 0.0), ([-1.5, -2.5], -0.75)],
    },
    'train_perceptron': {
        'one_epoch': [([1.0, 1.0], 0.0, [2]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], -1.0, [3]), ([0.5, 0.5], 0.0, [2]), ([1.0, 1.0], 0.0, [2]), ([-4.7, -1.4], -1.0, [1])],
        'never_stops': [([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, *[0] * 95]), ([0.0, 0.0], 0.0, [*[0] * 100]), ([-1.0, 0.0], 0.0, [3, 3, 4, 4, 4]), ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1, *[0] * 95]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, *[0] * 95]), ([-0.6000000000000003, -0.8], 2.0, [1, 3, *[0] * 98])],
        'flipped': [([100.0, 100.0], 300.0, [*[3] * 100]), ([0.0, 0.0], 0.0, [0]), ([5.0, 5.0], 10.0, [2, 2, 2, 2, 2]), ([50.0, 50.0], 150.0, [*[3] * 100]), ([100.0, 100.0], 300.0, [*[3] * 100]), ([49059.99999999924, 16759.99999999923], 10000.0, [*[100] * 100])],
        'no_bias': [([0.0, 0.0], 0.0, [*[4] * 100]), ([0.0, 0.0], 0.0, [0]), ([-1.0, -1.0], 0.0, [2, 4, 4, 4, 4]), ([0.0, 0.0], 0.0, [*[4] * 100]), ([0.0, 0.0], 0.0, [*[4] * 100]), ([2.59999999999999, -16.80000000000021], 0.0, [1, 5, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 4, 5, 4, 5, 4, 4, 4, 4, 4, 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, *[4] * 50])],
        'strict': [([2.0, 1.0], -2.0, [1, 3, 3, 2, 1, 0]), ([1.0, 1.0], 1.0, [1, 0]), ([-1.0, 0.0], 1.0, [2, 3, 4, 4, 4]), ([1.0, 0.5], -1.0, [1, 3, 3, 2, 1, 0]), ([2.0, 1.0], -2.0, [1, 3, 3, 2, 1, 0]), ([-0.5000000000000004, -0.8], 2.0, [2, 2, 0])],
        'count_after': [([1.0, 1.0], 0.0, [0]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], -1.0, [0]), ([0.5, 0.5], 0.0, [0]), ([1.0, 1.0], 0.0, [0]), ([-4.7, -1.4], -1.0, [0])],
        'ignores_eta': [([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], 0.0, [3, 3, 4, 4, 4]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([-0.6000000000000003, -0.8], 2.0, [1, 3, 0])],
        'ignores_max_epochs': [([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], 0.0, [3, 3, *[4] * 98]), ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1, 0]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([-0.6000000000000003, -0.8], 2.0, [1, 3, 0])],
        'one_extra_epoch': [([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], 0.0, [3, 3, 4, 4, 4, 4]), ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1, 0]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([-0.6000000000000003, -0.8], 2.0, [1, 3, 0])],
        'one_fewer_epoch': [([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], 0.0, [3, 3, 4, 4]), ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1, 0]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1, 0]), ([-0.6000000000000003, -0.8], 2.0, [1, 3, 0])],
        'drops_last_epoch': [([2.0, 1.0], -3.0, [2, 3, 3, 2, 1]), ([0.0, 0.0], 0.0, []), ([-1.0, 0.0], 0.0, [3, 3, 4, 4, 4]), ([1.0, 0.5], -1.5, [2, 3, 3, 2, 1]), ([2.0, 1.0], -3.0, [2, 3, 3, 2, 1]), ([-0.6000000000000003, -0.8], 2.0, [1, 3])],
        'cumulative_errors': [([2.0, 1.0], -3.0, [2, 5, 8, 10, 11, 11]), ([0.0, 0.0], 0.0, [0]), ([-1.0, 0.0], 0.0, [3, 6, 10, 14, 18]), ([1.0, 0.5], -1.5, [2, 5, 8, 10, 11, 11]), ([2.0, 1.0], -3.0, [2, 5, 8, 10, 11, 11]), ([-0.6000000000000003, -0.8], 2.0, [1, 4, 4])],
        'delta_rule': [([100.0, 50.0], -49.0, [3, 3, 4, 4, *[3] * 96]), ([-3.0, 1.0], -1.0, [0]), ([-10.0, -5.0], 3.0, [2, 2, 4, 4, 4]), ([1.0, 0.75], -0.5, [3, 3, 3, *[2] * 97]), ([100.0, 50.0], -49.0, [3, 3, 4, 4, *[3] * 96]), ([nan, nan], nan, [74, 73, *[50] * 98])],
        'delta_rule_where': [([100.0, 50.0], -49.0, [3, 3, 4, 4, *[3] * 96]), ([-3.0, 1.0], -1.0, [0]), ([-10.0, -5.0], 3.0, [2, 2, 4, 4, 4]), ([1.0, 0.75], -0.5, [3, 3, 3, *[2] * 97]), ([100.0, 50.0], -49.0, [3, 3, 4, 4, *[3] * 96]), ([nan, nan], nan, [74, 77, *[100] * 98])],
    },
}

DEFAULTS = {"perceptron_update": {"eta": 1.0}, "train_perceptron": {"eta": 1.0, "max_epochs": 100},
            "perceptron_as_sgd": {"random_state": 42}}


# ============================================================================= the self-checks
@exercise("heaviside", catalogue=HEAVISIDE,
          hint="heaviside(z) is 0 where z < 0 and 1 everywhere else, including z = 0. Compare the whole array with 0 "
               "at once; np.where or .astype(int) turn the comparison into numbers.")
def heaviside(fn):
    """Checks ``heaviside(z)`` on arrays, plain numbers and exactly zero."""
    return _check_cases(fn, "heaviside", cases_of("heaviside"), HEAVISIDE, errors=ARRAY_ERRORS)


@exercise("sgn", catalogue=SGN,
          hint="sgn(z) has three values: −1 below zero, 0 at zero, +1 above. Two comparisons (or nested np.where) on "
               "the whole array do it.")
def sgn(fn):
    """Checks ``sgn(z)``: −1, 0, +1."""
    return _graded_alone("sgn", fn, lambda: _check_cases(fn, "sgn", cases_of("sgn"), SGN, errors=ARRAY_ERRORS))


@exercise("tlu", catalogue=TLU, hint="Compute z = w·x + b (np.dot or @), then apply your heaviside to z.")
def tlu(fn):
    """Checks ``tlu(x, w, b)`` = heaviside(w·x + b) on one instance."""
    return _graded_alone("tlu", fn, lambda: _check_cases(fn, "tlu", cases_of("tlu"), TLU))


@exercise("layer_shapes", catalogue=LAYER_SHAPES,
          hint="Write down h = φ(XW + b) and match the dimensions: X has one row per instance and one column per "
               "input; XW must have one column per unit.")
def layer_shapes(fn):
    """Checks ``layer_shapes(m, n, k)``: the shapes of X, W, b and the output."""
    return _check_cases(fn, "layer_shapes", cases_of("layer_shapes"), LAYER_SHAPES)


@exercise("dense_tlu_layer", catalogue=DENSE_TLU_LAYER,
          hint="One matrix product does all the units for all the instances: X @ W has shape (m, k); adding b "
               "(shape (k,)) broadcasts it to every row. Then apply heaviside element-wise.")
def dense_tlu_layer(fn):
    """Checks ``dense_tlu_layer(X, W, b)`` = heaviside(XW + b), shape (m, k)."""
    return _graded_alone("dense_tlu_layer", fn, lambda: _check_cases(
        fn, "dense_tlu_layer", cases_of("dense_tlu_layer"), DENSE_TLU_LAYER, errors=SHAPE_ERRORS))


@exercise("perceptron_update", catalogue=PERCEPTRON_UPDATE,
          hint="Predict first: ŷ = heaviside(w·x + b). The error y − ŷ is 0 (no change), +1 or −1; move w by "
               "η·(y − ŷ)·x and b by η·(y − ŷ). Return new arrays rather than changing the ones you received.")
def perceptron_update(fn):
    """Checks ``perceptron_update(w, b, x, y, eta=1.0)`` → (new w, new b)."""
    return _with_defaults(fn, "perceptron_update", lambda: _graded_alone("perceptron_update", fn, lambda: _check_cases(
        fn, "perceptron_update", cases_of("perceptron_update"), PERCEPTRON_UPDATE, errors=LABEL_ERRORS)))


def _train_observations(fn) -> Callable[[list], str | None]:
    """What the outputs of ``train_perceptron`` say when no known mistake explains them."""
    def observe(got: list) -> str | None:
        first = cases_of("train_perceptron")[0]
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                again = fn(*copy.deepcopy(first.args), **first.kwargs)
            if difference(again, got[0]) is not None:
                return ("your training is random: two runs on the same data gave different results (does it visit "
                        "the instances in a shuffled order, or start from random weights?); visit them in their given "
                        "order, starting from w = 0 and b = 0")
        except Exception:  # noqa: BLE001 - a second run that fails says nothing more
            pass
        try:
            w, b, errors = got[1]
            if list(errors) == [0] and (np.any(np.asarray(w, dtype=float) != 0) or float(b) != 0):
                return ("no instance was misclassified, yet your w or b is not 0: training must start from w = 0 "
                        "(n zeros) and b = 0, and change them only on errors")
        except Exception:  # noqa: BLE001 - outputs of another form say nothing here
            pass
        return None
    return observe


@exercise("train_perceptron", catalogue=TRAIN_PERCEPTRON,
          hint="Start from w = 0 (n zeros) and b = 0. For each epoch: go through the instances in order, count the "
               "ones predicted wrongly, apply your update to each; append the count to a list; stop if it is 0. "
               "Return w, b and the list.")
def train_perceptron(fn):
    """Checks ``train_perceptron(X, y, eta=1.0, max_epochs=100)`` → (w, b, errors per epoch)."""
    return _with_defaults(fn, "train_perceptron", lambda: _graded_alone("train_perceptron", fn, lambda: _check_cases(
        fn, "train_perceptron", cases_of("train_perceptron"), TRAIN_PERCEPTRON, errors=LABEL_ERRORS,
        observe=_train_observations(fn))))


@exercise("decision_line", catalogue=DECISION_LINE,
          hint="On the boundary z = 0: w1·x1 + w2·x2 + b = 0. Solve this equation for x2 and read off the coefficient "
               "of x1 and the constant term.")
def decision_line(fn):
    """Checks ``decision_line(w, b)`` → (slope, intercept) of the line w1·x1 + w2·x2 + b = 0.

    Any pair of two numbers is accepted: a tuple, a list or a 1-D array of length 2.
    """
    return _check_cases(fn, "decision_line", cases_of("decision_line"), DECISION_LINE)


SGD_SETTINGS = {"loss": "perceptron", "learning_rate": "constant", "eta0": 1, "penalty": None, "shuffle": True}
# Perceptron(random_state=42) fitted on the iris petals, setosa or not (scikit-learn 1.x).
IRIS_COEF, IRIS_INTERCEPT, IRIS_NEW, IRIS_NEW_PREDICTIONS = [[-1.4, -2.2]], [4.0], [[2, 0.5], [3, 1]], [True, False]


def _sgd_mistakes(model, other) -> list[str]:
    """The catalogue's messages for the settings of ``model`` that differ from Perceptron's (exact)."""
    if type(model).__name__ == "Perceptron":
        return [PERCEPTRON_AS_SGD.returns_perceptron.message]
    params = model.get_params()
    found = []
    loss, rate = params.get("loss"), params.get("learning_rate")
    if loss == "hinge":
        found.append(PERCEPTRON_AS_SGD.hinge_loss.message)
    elif loss != "perceptron":
        found.append(f'loss is {loss!r}: the perceptron uses loss="perceptron"')
    if rate == "optimal":
        found.append(PERCEPTRON_AS_SGD.optimal_learning_rate.message)
    elif rate != "constant":
        found.append(f'learning_rate is {rate!r}: the perceptron uses a constant one, learning_rate="constant"')
    if params.get("eta0") != 1:
        found.append(PERCEPTRON_AS_SGD.eta0.message)
    if params.get("penalty") == "l2" and params.get("alpha", 0) > 0:
        found.append(PERCEPTRON_AS_SGD.l2_penalty.message)
    elif params.get("penalty") not in (None, "l2") and params.get("alpha", 0) > 0:
        found.append(f"penalty is {params.get('penalty')!r}: the perceptron has no regularisation, penalty=None")
    if params.get("shuffle") is False:
        found.append(PERCEPTRON_AS_SGD.no_shuffle.message)
    if not hasattr(other, "get_params") or other.get_params().get("random_state") != 7:
        found.append(PERCEPTRON_AS_SGD.hard_coded_seed.message)
    return found


@exercise("perceptron_as_sgd", catalogue=PERCEPTRON_AS_SGD,
          hint="The Perceptron class is an SGDClassifier with the perceptron loss, a constant learning rate of 1 and "
               "no regularisation. Read the SGDClassifier documentation for the names of these parameters.")
def perceptron_as_sgd(fn):
    """Checks ``perceptron_as_sgd(random_state=42)``: an SGDClassifier that trains like Perceptron."""
    return _with_defaults(fn, "perceptron_as_sgd", lambda: _check_sgd(fn))


def _check_sgd(fn) -> int:
    model = _call(fn, label="perceptron_as_sgd()")
    other = _call(fn, random_state=7, label="perceptron_as_sgd(random_state=7)")
    if not hasattr(model, "fit") or not hasattr(model, "get_params"):
        raise CheckFailed(mismatch("perceptron_as_sgd()", "an (unfitted) SGDClassifier", short(model),
                                   hint="return a configured sklearn.linear_model.SGDClassifier"))
    hint = "; ".join(_sgd_mistakes(model, other)) or None
    if type(model).__name__ != "SGDClassifier":
        raise CheckFailed(mismatch("perceptron_as_sgd()", "an SGDClassifier", type(model).__name__, hint=hint))
    X, y = iris_setosa()
    with contextlib.redirect_stdout(io.StringIO()):
        fitted = _call(copy.deepcopy(model).fit, X, y, label="perceptron_as_sgd().fit(X_iris, y_setosa)")
    got = (fitted.coef_, fitted.intercept_, fitted.predict(IRIS_NEW))
    for what, value, want in zip(("coef_", "intercept_", f"predict({IRIS_NEW})"), got,
                                 (IRIS_COEF, IRIS_INTERCEPT, IRIS_NEW_PREDICTIONS)):
        reason = difference(value, want)
        if reason:
            raise CheckFailed(mismatch(f"perceptron_as_sgd().fit(X_iris, y_setosa).{what}   [Perceptron(random_state=42) "
                                       f"learns coef_ {IRIS_COEF}, intercept_ {IRIS_INTERCEPT}]",
                                       short(want), short(value), reason, hint))
    if other.get_params().get("random_state") != 7:
        raise CheckFailed(mismatch("perceptron_as_sgd(random_state=7)", "an SGDClassifier with random_state=7",
                                   f"random_state={other.get_params().get('random_state')!r}", hint=hint))
    return 4


CHECKS = {"heaviside": heaviside, "sgn": sgn, "tlu": tlu, "layer_shapes": layer_shapes,
          "dense_tlu_layer": dense_tlu_layer, "perceptron_update": perceptron_update,
          "train_perceptron": train_perceptron, "decision_line": decision_line, "perceptron_as_sgd": perceptron_as_sgd}
