"""Self-checks of lesson 02, "The perceptron".

Every expected value below was worked out by hand on small inputs (the traces are in the
lesson). The ``mistakes`` pairs hold what a known mistake returns on the same input, so that a
failure can name it.
"""
from __future__ import annotations

import numpy as np

from ..checking import CheckFailed, call, expect, mismatch, short, signature
from . import exercise

SHAPES_HINT = ("check the shapes: X is (m, n) with one instance per row, W is (n, k) with one column "
               "per unit, b is (k,) and is added to every row of XW; the result is X @ W + b")
ARRAY_HINT = ("your function must work element-wise on NumPy arrays: an `if` on an array is ambiguous; "
              "use comparisons on the whole array or np.where")
BOOL_LABEL_HINT = ("labels not converted: with boolean labels (True/False) the error y − ŷ cannot be "
                   "computed as a difference of booleans; convert the label to 0/1 with int(y) first")


def _call(fn, *args, on_error: str | None = None, **kwargs):
    """:func:`call`, adding ``on_error`` as a hint when the student's function raises."""
    try:
        return call(fn, *args, **kwargs)
    except CheckFailed as failure:
        if on_error and "not written yet" not in failure.message:
            raise CheckFailed(f"{failure.message}\nhint: {on_error}") from None
        raise


def _fail(label: str, expected, got, reason: str, hint: str) -> None:
    raise CheckFailed(mismatch(label, short(expected), short(got), reason, hint))


# ----------------------------------------------------------------------------- step functions
@exercise("heaviside", hint="heaviside(z) is 0 where z < 0 and 1 everywhere else, including z = 0. "
                            "Compare the whole array with 0 at once; np.where or .astype(int) turn the "
                            "comparison into numbers.")
def heaviside(fn):
    """Checks ``heaviside(z)`` on arrays, scalars and exactly zero."""
    z = np.array([-2.0, -0.5, -0.001, 0.0, 0.001, 3.0])
    got = _call(fn, z.copy(), on_error=ARRAY_HINT)
    expect(got, [0, 0, 0, 1, 1, 1], call=signature(fn, (z,)), mistakes=[
        ([0, 0, 0, 0, 1, 1], "heaviside(0) must be 1 (the step is 0 only where z < 0); "
                             "np.heaviside(z, 0) and z > 0 both give 0 at z = 0"),
        ([0, 0, 0, 0.5, 1, 1], "heaviside(0) must be 1, not 0.5: the second argument of np.heaviside "
                               "is the value at 0"),
        ([-1, -1, -1, 0, 1, 1], "this is sgn(z); heaviside(z) is 0 (not −1) for z < 0"),
        ([1, 1, 1, 0, 0, 0], "the step is reversed: heaviside(z) is 1 for z >= 0 and 0 for z < 0"),
    ])
    n = 1
    for z0, want in ((0, 1), (0.0, 1), (-3, 0), (2.5, 1)):
        got = _call(fn, z0)
        expect(got, want, call=signature(fn, (z0,)), mistakes=[
            (0, "heaviside(0) must be 1: use z >= 0, not z > 0")] if z0 == 0 else [])
        n += 1
    Z = np.array([[-1, 0], [2, -5]])
    got = _call(fn, Z.copy(), on_error=ARRAY_HINT)
    expect(got, [[0, 1], [1, 0]], call=signature(fn, (Z,)),
           hint="keep the shape of z: one output per entry, for 2-D arrays too")
    return n + 1


@exercise("sgn", hint="sgn(z) has three values: −1 below zero, 0 at zero, +1 above. Two comparisons "
                      "(or nested np.where) on the whole array do it.")
def sgn(fn):
    """Checks ``sgn(z)``: −1, 0, +1."""
    z = np.array([-3.0, -0.25, 0.0, 0.25, 3.0])
    got = _call(fn, z.copy(), on_error=ARRAY_HINT)
    expect(got, [-1, -1, 0, 1, 1], call=signature(fn, (z,)), mistakes=[
        ([-1, -1, 1, 1, 1], "sgn(0) must be 0, not +1: zero gets its own value"),
        ([-1, -1, -1, 1, 1], "sgn(0) must be 0, not −1: zero gets its own value"),
        ([0, 0, 1, 1, 1], "this is heaviside(z); sgn(z) is −1 for z < 0 and 0 at z = 0"),
        ([1, 1, 0, -1, -1], "the signs are reversed: sgn(z) is −1 for z < 0 and +1 for z > 0"),
    ])
    n = 1
    for z0, want in ((0, 0), (-7, -1), (0.5, 1)):
        got = _call(fn, z0)
        expect(got, want, call=signature(fn, (z0,)),
               mistakes=[(1, "sgn(0) must be 0, not +1"), (-1, "sgn(0) must be 0, not −1")] if z0 == 0 else [])
        n += 1
    Z = np.array([[-2, 0], [0, 4]])
    got = _call(fn, Z.copy(), on_error=ARRAY_HINT)
    expect(got, [[-1, 0], [0, 1]], call=signature(fn, (Z,)),
           hint="keep the shape of z: one output per entry, for 2-D arrays too")
    return n + 1


# ----------------------------------------------------------------------------- one TLU
@exercise("tlu", hint="Compute z = w·x + b (np.dot or @), then apply your heaviside to z.")
def tlu(fn):
    """Checks ``tlu(x, w, b)`` = heaviside(wᵀx + b) on one instance."""
    cases = [
        # x, w, b, z (worked by hand), expected, mistakes
        (np.array([1.0, 2.0]), np.array([0.5, -1.0]), 2.0, 0.5, 1,
         [(0, "add the bias: z = w·x + b (subtracting it gives z = −3.5 here)")]),
        (np.array([2.0, 1.0]), np.array([0.5, -1.0]), 0.0, 0.0, 1,
         [(0, "z is exactly 0 here and heaviside(0) = 1: the unit fires when z >= 0")]),
        (np.array([3, 0, -1]), np.array([1, 2, 3]), -0.5, -0.5, 0,
         [(-1, "this TLU uses the heaviside step (0 or 1), not sgn"),
          (1, "add the bias: z = w·x + b (subtracting it gives z = +0.5 here)")]),
        (np.array([1, 1]), np.array([1, 1]), -3, -1, 0,
         [(-1, "this TLU uses the heaviside step (0 or 1), not sgn")]),
    ]
    for x, w, b, z, want, mistakes in cases:
        got = _call(fn, x.copy(), w.copy(), b)
        expect(got, want, call=f"{signature(fn, (x, w, b))}   [here w·x + b = {z}]", mistakes=mistakes,
               hint="return a single 0 or 1: heaviside(w·x + b)")
    return len(cases)


# ----------------------------------------------------------------------------- a layer of TLUs
@exercise("dense_tlu_layer", hint="One matrix product does all the units for all the instances: X @ W has "
                                  "shape (m, k); adding b (shape (k,)) broadcasts it to every row. Then apply "
                                  "heaviside element-wise.")
def dense_tlu_layer(fn):
    """Checks ``dense_tlu_layer(X, W, b)`` = heaviside(XW + b), shape (m, k)."""
    # Square shapes first, so that a transposed W or a bias added per row runs but gives other values.
    # XW = [[0, -3], [-7, -2]]; XW + b = [[3, -1], [-4, 0]] -> [[1, 0], [0, 1]].
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    W = np.array([[-2.0, -1.0], [1.0, -1.0]])
    b = np.array([3.0, 2.0])
    got = _call(fn, X.copy(), W.copy(), b.copy(), on_error=SHAPES_HINT)
    expect(got, [[1, 0], [0, 1]], call=f"{signature(fn, (X, W, b))}   [here XW + b = [[3, -1], [-4, 0]]]",
           mistakes=[
               ([[0, 1], [0, 1]], "W is used transposed: compute X @ W (W has one column per unit), not X @ W.T"),
               ([[1, 1], [0, 1]], "the bias is not broadcast correctly: b[j] belongs to unit j (column j) and "
                                  "is added to every row, so add b as a (k,) vector, not as a column"),
               ([[1, 0], [0, 0]], "heaviside(0) must be 1: one entry of XW + b is exactly 0 here"),
           ])
    # Three units on the four boolean inputs: AND, OR and NAND (worked out in the lesson).
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    W = np.array([[1, 1, -1], [1, 1, -1]])
    b = np.array([-1.5, -0.5, 1.5])
    got = _call(fn, X.copy(), W.copy(), b.copy(), on_error=SHAPES_HINT)
    expect(got, [[0, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 0]], call=signature(fn, (X, W, b)),
           hint="column j of the output is unit j (here AND, OR, NAND); row i is instance i")
    # One unit, three instances: the output keeps its 2-D shape (3, 1).
    X = np.array([[1, 0], [0, 1], [2, 2]])
    W = np.array([[-1.0], [1.0]])
    b = np.array([0.0])
    got = _call(fn, X.copy(), W.copy(), b.copy(), on_error=SHAPES_HINT)
    expect(got, [[0], [1], [1]], call=f"{signature(fn, (X, W, b))}   [here XW + b = [[-1], [1], [0]]]",
           hint="the output has shape (m, k) = (3, 1) here: one row per instance, one column per unit")
    W, b = np.array([[2], [-1]]), np.array([-1])
    got = _call(fn, X.copy(), W.copy(), b.copy(), on_error=SHAPES_HINT)
    expect(got, [[1], [0], [1]], call=f"{signature(fn, (X, W, b))}   [here XW + b = [[1], [-2], [1]]]",
           hint="integer inputs must work too")
    return 4


@exercise("layer_shapes", hint="Write down h = φ(XW + b) and match the dimensions: X has one row per "
                               "instance and one column per input; XW must have one column per unit.")
def layer_shapes(fn):
    """Checks ``layer_shapes(m, n, k)``: the shapes of X, W, b and the output."""
    n_checks = 0
    for m, n, k in ((32, 4, 3), (1, 5, 2)):
        label = f"layer_shapes({m}, {n}, {k})"
        got = _call(fn, m, n, k)
        if not isinstance(got, dict):
            raise CheckFailed(mismatch(label, "a dict with keys 'X', 'W', 'b', 'output'", short(got)))
        missing = [key for key in ("X", "W", "b", "output") if key not in got]
        if missing:
            raise CheckFailed(mismatch(label, "a dict with keys 'X', 'W', 'b', 'output'", short(got),
                                       f"missing key(s): {', '.join(map(repr, missing))}",
                                       "the dict needs the keys 'X', 'W', 'b' and 'output'"))
        wanted = {
            "X": ((m, n), [((n, m), "X has one row per instance: shape (m, n)")]),
            "W": ((n, k), [((k, n), "W is used transposed: it has one row per input and one column per unit, "
                                    "shape (n, k), so that XW is defined")]),
            "b": ((k,), [((k, 1), "b is a 1-D vector of k biases, shape (k,): broadcasting adds it to every row"),
                         ((1, k), "b is a 1-D vector of k biases, shape (k,), not a row matrix"),
                         ((m,), "one bias per unit, not per instance: shape (k,)"),
                         ((m, k), "b holds one bias per unit, shape (k,); broadcasting repeats it for the m rows")]),
            "output": ((m, k), [((k, m), "the output has one row per instance and one column per unit: (m, k)"),
                                ((m, n), "each unit gives one output: the output has k columns, not n")]),
        }
        for key, (want, mistakes) in wanted.items():
            value = got[key]
            value = tuple(value) if isinstance(value, (list, tuple)) else value
            expect(value, want, call=f"{label}[{key!r}]", mistakes=mistakes,
                   hint=f"a shape is a tuple of ints; here m={m} instances, n={n} inputs, k={k} units")
            n_checks += 1
    return n_checks


# ----------------------------------------------------------------------------- learning rule
@exercise("perceptron_update", hint="Predict first: ŷ = heaviside(w·x + b). The error y − ŷ is 0 (no change), "
                                    "+1 or −1; move w by η·(y − ŷ)·x and b by η·(y − ŷ). Return new arrays "
                                    "rather than changing the ones you received.")
def perceptron_update(fn):
    """Checks ``perceptron_update(w, b, x, y, eta)`` → (new w, new b)."""
    cases = [
        # w, b, x, y, eta, expected (w, b) worked by hand, note, mistakes
        ([0.0, 0.0], 0.0, [1.0, 2.0], 0, 1.0, ([-1, -2], -1), "z = 0, so ŷ = 1 ≠ y: error y − ŷ = −1",
         [(([1, 2], 1), "the update sign is flipped: the error is y − ŷ (target minus prediction), not ŷ − y"),
          (([-1, -2], 0), "the bias is never updated: b also moves, by η·(y − ŷ)"),
          (([0, 0], 0), "z is exactly 0 here and heaviside(0) = 1, so the prediction ŷ = 1 is wrong")]),
        ([1.0, -1.0], 0.5, [2.0, 1.0], 1, 0.5, ([1, -1], 0.5), "z = 1.5, ŷ = 1 = y: nothing changes",
         [(([2, -0.5], 1.0), "update only in proportion to the error y − ŷ, which is 0 when the prediction is right")]),
        ([1.0, -1.0], 0.5, [1.0, 3.0], 1, 0.5, ([1.5, 0.5], 1.0), "z = −1.5, ŷ = 0: error +1",
         [(([0.5, -2.5], 0.0), "the update sign is flipped: the error is y − ŷ (target minus prediction), not ŷ − y"),
          (([2, 2], 1.5), "multiply the change by the learning rate eta"),
          (([1.5, 0.5], 0.5), "the bias is never updated: b also moves, by η·(y − ŷ)")]),
        (np.array([1, -1]), 0, np.array([2, 3]), 1, 0.5, ([2, 0.5], 0.5), "integer w and x, z = −1: error +1", []),
        ([1.0, 1.0], 0.0, [1.0, 1.0], False, 1.0, ([0, 0], -1), "boolean label False, z = 2: error −1", []),
        ([0.5, 0.5], -1.0, [1.0, 0.0], True, 1.0, ([1.5, 0.5], 0), "boolean label True, z = −0.5: error +1", []),
    ]
    for w, b, x, y, eta, want, note, mistakes in cases:
        w, x = np.array(w), np.array(x)
        w_before, x_before = w.copy(), x.copy()
        on_error = BOOL_LABEL_HINT if isinstance(y, bool) else (
            "with integer arrays, build new arrays (w + ...) instead of updating in place (w += ...)"
            if w.dtype.kind == "i" else None)
        got = _call(fn, w, b, x, y, eta, on_error=on_error)
        label = f"{signature(fn, (w_before, b, x_before, y, eta))}   [{note}]"
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            _fail(label, want, got, "expected a pair (new w, new b)", "return w_new, b_new")
        expect(tuple(got), want, call=label, mistakes=mistakes,
               hint="ŷ = heaviside(w·x + b); w ← w + η(y − ŷ)x; b ← b + η(y − ŷ)")
        if not (np.array_equal(w, w_before) and np.array_equal(x, x_before)):
            raise CheckFailed(mismatch(label, f"the arrays w and x passed in left unchanged, w = {short(w_before)}",
                                       f"w changed to {short(w)} by your function",
                                       hint="return a new array (w + ...) instead of updating in place (w += ...); "
                                            "the caller may still need the old weights"))
    return len(cases)


def _iris():
    from sklearn.datasets import load_iris

    iris = load_iris()
    return iris.data[:, 2:4], iris.target == 0


AND_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
AND_Y = [0, 0, 0, 1]
XOR_Y = [0, 1, 1, 0]
NEVER_STOPS_HINT = ("training never stops: stop after the first epoch without any error "
                    "(that epoch counts in the list)")
ONE_EPOCH_HINT = ("training stopped after one epoch: keep making passes over the data until an epoch has no "
                  "error (or max_epochs is reached)")


@exercise("train_perceptron", hint="Start from w = 0 (n zeros) and b = 0. For each epoch: go through the "
                                   "instances in order, count the ones predicted wrongly, apply your update to "
                                   "each; append the count to a list; stop if it is 0. Return w, b and the list.")
def train_perceptron(fn):
    """Checks ``train_perceptron(X, y, eta, max_epochs)`` → (w, b, errors per epoch)."""
    hand = "traced by hand in the lesson"
    cases = [
        # args, kwargs, expected (w, b, errors), note, mistakes
        ((AND_X, AND_Y), {}, ([2, 1], -3, [2, 3, 3, 2, 1, 0]), f"AND gate, {hand}", [
            (([2, 1], -3, [2, 3, 3, 2, 1, 0] + [0] * 94), NEVER_STOPS_HINT),
            (([1, 1], 0, [2]), ONE_EPOCH_HINT),
            (([100, 100], 300, [3] * 100), "the update sign is flipped: the error is y − ŷ, not ŷ − y"),
            (([0, 0], 0, [4] * 100), "the bias is never updated: b also moves, by η·(y − ŷ)"),
            (([2, 1], -2, [1, 3, 3, 2, 1, 0]), "heaviside(0) must be 1: the first instance has z = 0, "
                                               "so it is predicted 1 and counts as an error"),
        ]),
        (([[1, 1], [2, 0]], [1, 1]), {}, ([0, 0], 0, [0]),
         "w = 0, b = 0 already predicts 1 for both: one epoch without error, then stop", [
             (([0, 0], 0, [0] * 100), NEVER_STOPS_HINT),
             (([1, 1], 1, [1, 0]), "heaviside(0) must be 1: with w = 0 and b = 0, z = 0 and ŷ = 1 = y"),
         ]),
        ((AND_X, XOR_Y), {"max_epochs": 5}, ([-1, 0], 0, [3, 3, 4, 4, 4]),
         "XOR is not linearly separable: training must stop after max_epochs = 5", [
             (([-1, 0], -1, [3]), ONE_EPOCH_HINT),
         ]),
        ((AND_X, AND_Y), {"eta": 0.5}, ([1, 0.5], -1.5, [2, 3, 3, 2, 1, 0]),
         "AND with eta = 0.5: from w = 0 every step is halved", [
             (([2, 1], -3, [2, 3, 3, 2, 1, 0]), "use the learning rate eta (pass it on to your update)"),
         ]),
        ((np.array(AND_X), np.array(AND_Y) == 1), {}, ([2, 1], -3, [2, 3, 3, 2, 1, 0]),
         "AND with boolean labels", []),
        (_iris(), {}, ([-0.6, -0.8], 2.0, [1, 3, 0]),
         "iris petals, setosa (True) or not: the 50 setosa come first and have z = 0 while w = 0", [
             (([-0.6, -0.8], 2.0, [1, 3, 0] + [0] * 97), NEVER_STOPS_HINT),
             (([-4.7, -1.4], -1.0, [1]), ONE_EPOCH_HINT),
         ]),
    ]
    for args, kwargs, want, note, mistakes in cases:
        on_error = BOOL_LABEL_HINT if np.asarray(args[1]).dtype == bool else None
        got = _call(fn, *args, on_error=on_error, **kwargs)
        label = f"{signature(fn, tuple(np.asarray(a) for a in args), kwargs)}   [{note}]"
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            _fail(label, want, got, "expected three values (w, b, errors)", "return w, b, errors")
        w, b, errors = got
        if kwargs.get("max_epochs") and hasattr(errors, "__len__") and len(errors) > kwargs["max_epochs"]:
            _fail(label, want, got, f"{len(errors)} epochs run", "stop after max_epochs epochs")
        expect((w, b, list(errors) if hasattr(errors, "__len__") else errors), want, call=label,
               mistakes=mistakes, hint="start from w = 0, b = 0; one error per instance predicted wrongly "
                                       "before its update; stop after the first epoch without error")
    return len(cases)


# ----------------------------------------------------------------------------- decision boundary
@exercise("decision_line", hint="On the boundary z = 0: w1·x1 + w2·x2 + b = 0. Solve this equation for x2 "
                                "and read off the coefficient of x1 and the constant term.")
def decision_line(fn):
    """Checks ``decision_line(w, b)`` → (slope, intercept) of the line w1·x1 + w2·x2 + b = 0."""
    cases = [
        # w, b, expected (slope, intercept) worked by hand, mistakes
        ((1.0, 2.0), -4.0, (-0.5, 2.0), [
            ((-2.0, 4.0), "w1 and w2 are swapped: solve for x2, so divide by w2 (the weight of x2)"),
            ((0.5, -2.0), "both signs are wrong: moving w1·x1 and b to the other side flips their signs"),
            ((0.5, 2.0), "the slope's sign is wrong: moving w1·x1 to the other side flips its sign"),
            ((-0.5, -2.0), "the intercept's sign is wrong: moving b to the other side flips its sign"),
            ((-0.5, -4.0), "divide the bias by w2 too, not only w1"),
        ]),
        ((2.0, 1.0), -3.0, (-2.0, 3.0), []),  # the AND perceptron of the lesson
        ((-0.6, -0.8), 2.0, (-0.75, 2.5), []),  # the iris perceptron of the lesson
        (np.array([3, -2]), 1, (1.5, 0.5), []),  # integers: the answer is not an integer
    ]
    for w, b, want, mistakes in cases:
        got = _call(fn, w, b)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            _fail(signature(fn, (w, b)), want, got, "expected a pair (slope, intercept)", "return slope, intercept")
        expect(tuple(got), want, call=signature(fn, (w, b)), mistakes=mistakes,
               hint="solve w1·x1 + w2·x2 + b = 0 for x2; the slope multiplies x1, the intercept is the rest")
    return len(cases)


# ----------------------------------------------------------------------------- scikit-learn
@exercise("perceptron_as_sgd", hint="The Perceptron class is an SGDClassifier with the perceptron loss, a "
                                    "constant learning rate of 1 and no regularisation. Read the "
                                    "SGDClassifier documentation for the names of these parameters.")
def perceptron_as_sgd(fn):
    """Checks ``perceptron_as_sgd(random_state)``: an SGDClassifier that trains like Perceptron."""
    from sklearn.linear_model import SGDClassifier

    model = _call(fn)
    if not isinstance(model, SGDClassifier):
        raise CheckFailed(mismatch("perceptron_as_sgd()", "an SGDClassifier", short(model),
                                   hint="return a configured (unfitted) sklearn.linear_model.SGDClassifier"
                                        + (", not a Perceptron" if type(model).__name__ == "Perceptron" else "")))
    params = model.get_params()
    if params.get("random_state") != 42:
        raise CheckFailed(mismatch("perceptron_as_sgd()", "random_state=42 (the default of the argument)",
                                   f"random_state={params.get('random_state')!r}",
                                   hint="pass random_state on to SGDClassifier(..., random_state=random_state)"))
    other = _call(fn, random_state=7)
    if not hasattr(other, "get_params") or other.get_params().get("random_state") != 7:
        raise CheckFailed(mismatch("perceptron_as_sgd(random_state=7)", "an SGDClassifier with random_state=7",
                                   short(other), hint="pass the random_state argument on, do not hard-code 42"))
    hint = None
    if params.get("loss") != "perceptron":
        hint = f'loss is {params.get("loss")!r}: the perceptron uses loss="perceptron"'
    elif params.get("learning_rate") == "optimal":
        hint = 'learning_rate is left at its default "optimal": the perceptron uses a constant learning rate'
    elif params.get("learning_rate") != "constant":
        hint = f'learning_rate is {params.get("learning_rate")!r}: the perceptron uses a constant learning rate'
    elif params.get("eta0") != 1:
        hint = f"eta0 is {params.get('eta0')!r}: the perceptron's constant learning rate is 1"
    elif params.get("penalty") is not None:
        hint = (f"penalty is {params.get('penalty')!r} (\"l2\" is the default): the perceptron has no "
                "regularisation, penalty=None")
    X, y = _iris()
    fitted = _call(model.fit, X, y, label="perceptron_as_sgd().fit(X, y) on iris (petal features, setosa)")
    # Perceptron(random_state=42) on these data: coef_ [[-1.4, -2.2]], intercept_ [4.0].
    expect(fitted.coef_, [[-1.4, -2.2]], call="perceptron_as_sgd().fit(X_iris, y_setosa).coef_", hint=hint or
           "the fitted weights must be those of Perceptron(random_state=42); compare the parameters")
    expect(fitted.intercept_, [4.0], call="perceptron_as_sgd().fit(X_iris, y_setosa).intercept_", hint=hint)
    expect(fitted.predict([[2, 0.5], [3, 1]]), [True, False],
           call="perceptron_as_sgd().fit(X_iris, y_setosa).predict([[2, 0.5], [3, 1]])", hint=hint)
    return 5
