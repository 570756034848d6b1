"""Self-checks of lesson 04, "Backpropagation by hand".

Every expected value below was worked out by hand (the traces are in the lesson) or is a fact
about the functions involved (σ(0) = 1/2, ln 2, ...). The catalogues name the mistakes students
really make; the wrong implementations that would give an answer away are kept by the
instructor (``models=`` of the hidden tests), so here a mistake is only a message, or a
``relative`` transformation of the right answer, or the value it gives on a fixed input.

The scalar-program helpers (:func:`program_code`, :func:`program_difference`) explain a
``Value`` that computes a wrong gradient: they find the node that backward gets wrong first
and name the rule of the operation that feeds it. The hidden test uses the same function.

Each exercise is graded on its own. While the grader tests a later exercise, the earlier ones
it may call are the grader's correct functions; the self-checks do the same where they can
without holding an answer: a ``sigmoid`` that fails its own check is replaced by SciPy's
``expit`` while a later exercise is checked (and the check says so), and a later exercise that
fails because another earlier exercise is wrong is told which one to fix first
(:func:`_graded_alone`). ``train_neuron`` has no single right answer: its self-check and its
hidden test apply one criterion, :func:`training_reason`, on their own data.
"""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np

from ..checking import (CheckFailed, call, call_unchanged, check_defaults, difference, expect, mismatch, referenced,
                          short, signature, swapped)
from ..mistakes import Catalogue, Mistake
from ..probe import scalar_program
from . import exercise

# ============================================================================= scalar programs
# A program (see tlukit.probe.scalar_program) is a list of steps; step k makes node nk.
BINARY = {"add": "+", "sub": "-", "mul": "*"}
CONST = {"add_const": "{a} + {c}", "mul_const": "{a} * {c}", "radd_const": "{c} + {a}", "rmul_const": "{c} * {a}"}
RULES = {
    "add": "a + b passes out.grad on unchanged: a.grad += out.grad and b.grad += out.grad",
    "sub": "a - b: a.grad += out.grad and b.grad -= out.grad (the derivative of −b is −1)",
    "mul": "a * b: each operand gets the *other* operand's data, a.grad += b.data * out.grad and "
           "b.grad += a.data * out.grad",
    "add_const": "x + c: x.grad += out.grad",
    "radd_const": "c + x (Python calls x.__radd__(c)): x.grad += out.grad",
    "mul_const": "x * c: x.grad += c * out.grad",
    "rmul_const": "c * x (Python calls x.__rmul__(c)): x.grad += c * out.grad",
    "pow": "x ** k: x.grad += k * x.data ** (k - 1) * out.grad",
    "neg": "-x is x * (-1): x.grad -= out.grad",
    "exp": "exp(x): x.grad += out.data * out.grad (the derivative of eˣ is eˣ, the output itself)",
    "log": "log(x): x.grad += out.grad / x.data (the derivative of log x is 1/x, with x the input)",
    "tanh": "tanh(x): x.grad += (1 - t**2) * out.grad with t = out.data",
    "relu": "relu(x): x.grad += (1 if x.data > 0 else 0) * out.grad",
    "sigmoid": "sigmoid(x): x.grad += s * (1 - s) * out.grad with s = out.data",
}


def _nodes(program) -> list:
    return [step for step in program if step[0] != "backward"]


def operands(step) -> list[int]:
    """The nodes a step uses (a node used twice, as in x * x, is listed twice)."""
    op, *rest = step
    if op in BINARY:
        return [rest[0], rest[1]]
    if op in ("leaf", "backward"):
        return []
    return [rest[0]]


def expression(step) -> str:
    """The Python expression of a step, with nodes named n0, n1, ..."""
    op, *rest = step
    if op == "leaf":
        return f"Value({float(rest[0])!r})"
    if op in BINARY:
        return f"n{rest[0]} {BINARY[op]} n{rest[1]}"
    if op in CONST:
        return CONST[op].format(a=f"n{rest[0]}", c=repr(float(rest[1])))
    if op == "pow":
        return f"n{rest[0]} ** {rest[1]!r}"
    if op == "neg":
        return f"-n{rest[0]}"
    return f"n{rest[0]}.{op}()"


def program_code(program) -> str:
    """The program as the Python lines a student can paste and run."""
    lines, k = [], 0
    for step in program:
        if step[0] == "backward":
            lines.append(f"n{step[1]}.backward()")
        else:
            lines.append(f"n{k} = {expression(step)}")
            k += 1
    return "\n".join(lines)


def program_difference(program, got, want, *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """How the nodes of ``got`` differ from ``want`` ({"data": [...], "grad": [...]}), or None.

    A wrong forward value is reported at its first node. A wrong gradient is reported at the
    last node (in program order) whose grad is wrong: backward reaches it first, so every
    node after it is right, and the mistake is in what its users pass back to it.
    """
    reason = difference(got, want, rtol=rtol, atol=atol)
    if reason is None:
        return None
    try:
        gd, gg = (np.asarray(got[key], dtype=float).reshape(-1) for key in ("data", "grad"))
        wd, wg = (np.asarray(want[key], dtype=float).reshape(-1) for key in ("data", "grad"))
    except (TypeError, KeyError, ValueError, IndexError):
        return reason
    nodes = _nodes(program)
    if not (gd.shape == wd.shape == gg.shape == wg.shape == (len(nodes),)):
        return reason
    code = "\n  " + program_code(program).replace("\n", "\n  ")
    bad = np.flatnonzero(~np.isclose(gd, wd, rtol=rtol, atol=atol))
    if bad.size:
        k = int(bad[0])
        return (f"the forward pass is wrong at n{k} = {expression(nodes[k])}: its data should be {wd[k]:.6g}, "
                f"got {gd[k]:.6g}. In the program{code}")
    bad = np.flatnonzero(~np.isclose(gg, wg, rtol=rtol, atol=atol))
    k = int(bad[-1])
    root = program[-1][1] if program and program[-1][0] == "backward" else len(nodes) - 1
    if k == root:
        return (f"after n{k}.backward(), n{k}.grad should be 1 (d n{k} / d n{k} = 1), got {gg[k]:.6g}: "
                f"backward must seed the output's grad with 1.0 before going through the nodes. In the program{code}")
    users = [j for j, step in enumerate(nodes) if k in operands(step)]
    uses = sum(operands(nodes[j]).count(k) for j in users)
    who = "the nodes that use it" if len(users) > 1 else "the node that uses it"
    text = (f"n{k}.grad should be {wg[k]:.6g}, got {gg[k]:.6g}, while every node after n{k} has the right grad: "
            f"the mistake is in what n{k} receives from {who}, "
            + "; ".join(f"n{j} = {expression(nodes[j])} (rule: {RULES[nodes[j][0]]})" for j in users) + ".")
    if uses > 1:
        text += (f" n{k} is used {uses} times: its grad is the sum of the contributions of all its uses, so each "
                 f"_backward adds to grad (+=, never =), and a node passes its grad on only after all its uses have "
                 f"added theirs (call _backward in reverse topological order, once per node).")
    return f"{text} In the program{code}"


# ============================================================================= catalogues
def _reciprocal(value):
    with np.errstate(divide="ignore"):
        return 1 / np.asarray(value, dtype=float)


GRADS = ("dJ/du", "dJ/dc", "dJ/da", "dJ/db")
J_BY_HAND = Catalogue(
    "J_by_hand",
    no_upstream=Mistake("each derivative must be multiplied by the gradient coming down from J (the chain rule): "
                        "dJ/du = dJ/dv · dv/du = 3 · 1 and dJ/da = dJ/du · du/da = 3 · b. You used the local "
                        "derivatives alone",
                        model=lambda want: {**want, **{k: want[k] / 3 for k in GRADS}}, relative=True),
    swapped=Mistake("dJ/da and dJ/db are swapped: u = a·b, so du/da = b (the *other* factor), and dJ/da = 3·b",
                    model=lambda want: {**want, "dJ/da": want["dJ/db"], "dJ/db": want["dJ/da"]}, relative=True),
    no_factor_3=Mistake("the factor 3 of J = 3v is missing: dJ/dv = 3, and every gradient below v is multiplied by it",
                        model=lambda want: {**want, **{k: want[k] / 3 for k in ("dJ/dv",) + GRADS}}, relative=True),
    precedence=Mistake("J = 3(a·b + c): the 3 multiplies the whole sum v = u + c, not just a·b",
                       model=lambda want: {**want, "v": 3 * want["u"], "J": 2 * want["u"] + want["v"],  # 3ab + c
                                           "dJ/dv": 1, "dJ/dc": 1}, relative=True),
)

FORWARD_BACKWARD = Catalogue(
    "forward_backward",
    swapped=Mistake("grads['a'] and grads['b'] are swapped: u = a·b, so du/da = b (the *other* factor), "
                    "and dJ/da = dJ/du · b",
                    model=lambda want, a, b, c: (want[0], {**want[1], "a": want[1]["b"], "b": want[1]["a"]}),
                    relative=True),
    no_upstream=Mistake("each local derivative must be multiplied by the gradient coming down from J (the chain "
                        "rule): dJ/du = dJ/dv · dv/du and dJ/da = dJ/du · du/da; you used the local derivatives alone",
                        model=lambda want, a, b, c: (want[0], {k: g if k == "v" else g / 3 for k, g in want[1].items()}),
                        relative=True),
    no_factor_3=Mistake("the factor 3 of J = 3v is missing: dJ/dv = 3, and every gradient below v is multiplied by it",
                        model=lambda want, a, b, c: (want[0], {k: g / 3 for k, g in want[1].items()}), relative=True),
    precedence=Mistake("J = 3(a·b + c): the 3 multiplies the whole sum v = u + c, not just a·b"),
)

_VALUE_MISTAKES = Catalogue(
    "Value",
    assign=Mistake("a node used more than once keeps the gradient of only one of its uses: contributions add up, "
                   "so every _backward must accumulate with += (self.grad += ...), never assign with ="),
    no_topo=Mistake("backward calls _backward recursively from the output without a topological order: a node "
                    "shared by several others passes its grad on before it has received all of it, and more than "
                    "once. Build the topological order first, then call each node's _backward once, in reverse order"),
    leaves_first=Mistake("backward goes through the nodes from the leaves to the output: call _backward in "
                         "*reverse* topological order (the output first), so that each node's grad is complete "
                         "before it is passed on"),
    no_seed=Mistake("the output's grad is not seeded: backward must set self.grad = 1.0 (d out / d out = 1) "
                    "before calling the nodes' _backward; otherwise every gradient stays 0"),
    mul_swapped=Mistake("in a * b each operand's gradient is the *other* operand's data: "
                        "self.grad += other.data * out.grad and other.grad += self.data * out.grad"),
    sub_sign=Mistake("in a - b the second operand's gradient has a minus sign: other.grad -= out.grad"),
    pow_no_k=Mistake("the derivative of x**k is k·x**(k−1): the factor k (the exponent) is missing"),
    pow_k_x_k=Mistake("the derivative of x**k is k·x**(k−1), not k·x**k: lower the exponent by one"),
    exp_x=Mistake("the derivative of eˣ is eˣ, which is the output: self.grad += out.data * out.grad "
                  "(not self.data * out.grad)"),
    exp_one=Mistake("the derivative of eˣ is eˣ, not 1: self.grad += out.data * out.grad"),
    log_out=Mistake("the derivative of log x is 1/x with x the input: self.grad += out.grad / self.data "
                    "(not / out.data)"),
    tanh_t=Mistake("the derivative of tanh is 1 − t², not t (t = tanh(x) = out.data): "
                   "self.grad += (1 - t**2) * out.grad"),
    sigmoid_s=Mistake("the derivative of σ is σ(1 − σ), not σ: self.grad += s * (1 - s) * out.grad with s = out.data"),
    relu_mask=Mistake("relu's gradient uses the wrong mask: the gradient passes (factor 1) where x > 0 and is "
                      "blocked (factor 0) where x < 0"),
    relu_value=Mistake("relu's local derivative is 1 where x > 0 (and 0 elsewhere), not the output's value: "
                       "self.grad += (out.data > 0) * out.grad"),
)
FUNCTION_KEYS = ("exp_x", "exp_one", "log_out", "tanh_t", "sigmoid_s", "relu_mask", "relu_value")
# The arithmetic test (+, *, -, **, numbers on either side, backward) and the functions test (exp, log, tanh,
# relu, sigmoid, with +, * and - but no **) each know the mistakes their programs can reveal.
VALUE = Catalogue("Value", **{m.key: m for m in _VALUE_MISTAKES if m.key not in FUNCTION_KEYS})
VALUE_FUNCTIONS = Catalogue("Value_functions", **{m.key: m for m in _VALUE_MISTAKES if not m.key.startswith("pow")})
RADD_HINT = ("a number on the left (2 + v, 3 * v) fails: Python then calls v.__radd__(2) or v.__rmul__(3). Define "
             "__radd__ and __rmul__ (return self + other, return self * other)")

SIGMOID = Catalogue(
    "sigmoid",
    flipped=Mistake("the sign of the exponent is flipped: 1 / (1 + e^z) is σ(−z) = 1 − σ(z); σ(z) = 1 / (1 + e^(−z))",
                    model=lambda want, z: 1 - np.asarray(want), relative=True),
    derivative=Mistake("this is the derivative σ(z)(1 − σ(z)), not σ(z) itself",
                       model=lambda want, z: np.asarray(want) * (1 - np.asarray(want)), relative=True),
    reciprocal=Mistake("you returned 1 + e^(−z): σ(z) is its reciprocal, 1 / (1 + e^(−z))",
                       model=lambda want, z: _reciprocal(want), relative=True),
    heaviside=Mistake("this is a step function: σ is smooth, 1 / (1 + e^(−z))"),
    tanh=Mistake("this is tanh(z) (between −1 and 1); σ(z) = 1 / (1 + e^(−z)) lies between 0 and 1"),
    no_one=Mistake("you returned e^z: σ(z) = 1 / (1 + e^(−z)), the 1 + is missing"),
    overflow_nan=Mistake("e^z / (1 + e^z) overflows to inf / inf = nan for large z: use 1 / (1 + e^(−z)) where "
                         "z ≥ 0 and e^z / (1 + e^z) where z < 0 (np.where), so that e is never raised to a large power"),
)

NEURON_FORWARD = Catalogue(
    "neuron_forward",
    no_bias=Mistake("the bias is missing: φ = σ(Xw + b)"),
    no_sigmoid=Mistake("you returned z = Xw + b: the neuron's output is φ = σ(z), call your sigmoid"),
    bias_subtracted=Mistake("the bias is added, not subtracted: z = Xw + b"),
    transposed=Mistake("X has one instance per row, shape (m, n): compute X @ w (not X.T @ w)"),
    column=Mistake("return a 1-D array of m probabilities, shape (m,), not a column (m, 1)",
                   model=lambda want, X, w, b: np.asarray(want).reshape(-1, 1), relative=True),
)

BCE_LOSS = Catalogue(
    "bce_loss",
    sign=Mistake("the loss is negative: cross-entropy is −[y log φ + (1 − y) log(1 − φ)], with a minus sign "
                 "(log of a probability is ≤ 0)", model=lambda want, phi, y, eps=1e-7: -want, relative=True),
    no_mean=Mistake("the loss is summed over the batch, not averaged: divide by m (np.mean)",
                    model=lambda want, phi, y, eps=1e-7: want * len(np.atleast_1d(y)), relative=True),
    log10=Mistake("use the natural logarithm, np.log, not np.log10",
                  model=lambda want, phi, y, eps=1e-7: want / math.log(10), relative=True),
    no_clip=Mistake("φ is not clipped: where φ is exactly 0 or 1, log(0) = −inf (and 0 · log 0 = nan). Clip φ to "
                    "[eps, 1 − eps] with np.clip before taking logs"),
    first_term_only=Mistake("the term (1 − y) log(1 − φ) is missing: instances with y = 0 must count too"),
)

NEURON_GRADIENTS = Catalogue(
    "neuron_gradients",
    sign=Mistake("the sign is flipped: dL/dz = φ − y (prediction minus target), not y − φ",
                 model=lambda want, X, y, w, b: (-np.asarray(want[0]), -want[1]), relative=True),
    no_mean=Mistake("the loss is a mean over the batch, so its gradient is too: divide by m",
                    model=lambda want, X, y, w, b: (np.asarray(want[0]) * len(X), want[1] * len(X)), relative=True),
    sigma_prime=Mistake("there is an extra factor φ(1 − φ): with cross-entropy, dL/dφ · dφ/dz simplifies to φ − y, "
                        "σ′ cancels out"),
    no_bias=Mistake("the bias gradient is missing: dL/db = mean(φ − y)",
                    model=lambda want, X, y, w, b: (want[0], 0.0), relative=True),
    wrong_axis=Mistake("dL/dw has one entry per *feature*: average over the instances, Xᵀ(φ − y) / m "
                       "(shape (n,)), not over the features"),
    vector_db=Mistake("dL/db is one number, the mean of φ − y over the batch, not one value per instance"),
)

NUMERICAL_GRADIENTS = Catalogue(
    "numerical_gradients",
    forward=Mistake("this is the one-sided (forward) difference (L(w + h) − L(w)) / h, accurate to O(h) only: use "
                    "the central difference (L(w + h) − L(w − h)) / (2h), accurate to O(h²)"),
    over_h=Mistake("the central difference L(w + h) − L(w − h) spans 2h: divide by 2h, not h",
                   model=lambda want, X, y, w, b, h=1e-5: (2 * np.asarray(want[0]), 2 * want[1]), relative=True),
    fixed_h=Mistake("h is a parameter: use the step you are given, not a fixed one (too large a step gives the "
                    "slope of a chord, too small a step drowns in rounding errors)"),
    no_b=Mistake("the bias has a derivative too: nudge b by ±h as well",
                 model=lambda want, X, y, w, b, h=1e-5: (want[0], 0.0), relative=True),
    together=Mistake("nudge one weight at a time: w + h·eᵢ changes only w[i]; adding h to every weight measures "
                     "the sum of all the partial derivatives"),
)
IN_PLACE_HINT = ("restore each entry of w to its saved value after nudging it (w[i] = saved; adding and subtracting h "
                 "leaves rounding errors behind), or work on a copy (w = np.array(w, dtype=float))")

RELATIVE_ERROR = Catalogue(
    "relative_error",
    no_denominator=Mistake("this is the absolute error |g − ĝ|: divide by max(|g| + |ĝ|, eps) to make it relative"),
    abs_of_sum=Mistake("the denominator is |g| + |ĝ| (each absolute value first), not |g + ĝ|, which vanishes when "
                       "the signs differ"),
    mean=Mistake("return the largest relative error over the entries (np.max), not their mean: one bad entry is "
                 "enough to reveal a wrong gradient"),
    no_eps=Mistake("where g and ĝ are both 0 the denominator is 0: use max(|g| + |ĝ|, eps) (np.maximum)"),
    signed=Mistake("take the absolute value of the difference, |g − ĝ|: an error is an error whatever its sign"),
    norms=Mistake("compute the relative error entry by entry and take the largest; a ratio of norms hides one bad "
                  "entry among many good ones"),
)

TRAIN_NEURON = Catalogue(
    "train_neuron",
    ascent=Mistake("your loss goes up: step against the gradient, w ← w − η·dL/dw and b ← b − η·dL/db "
                   "(a + climbs the loss)"),
    loss_after_step=Mistake("your losses are recorded after each step: record the loss of w and b at the start of "
                            "each epoch, before its step (losses[0] is the loss at w = 0, b = 0: ln 2)"),
    ignores_eta=Mistake("your training does not use its eta argument (it always steps with 0.5): use the learning "
                        "rate it is given"),
    ignores_epochs=Mistake("your training does not use its epochs argument (it always runs 1000 epochs): run "
                           "exactly `epochs` epochs"),
    bias_frozen=Mistake("your training never updates the bias: b ← b − η·dL/db at every epoch, like w"),
)

# ============================================================================= what every function check shares
EXERCISE_OF = {"J_by_hand": "Exercise 1", "forward_backward": "Exercise 2", "Value": "Exercise 3",
               "sigmoid": "Exercise 4", "neuron_forward": "Exercise 5", "bce_loss": "Exercise 6",
               "neuron_gradients": "Exercise 7", "numerical_gradients": "Exercise 8", "relative_error": "Exercise 9",
               "train_neuron": "Exercise 10"}
HELPERS = {"neuron_forward": ("sigmoid",), "neuron_gradients": ("sigmoid", "neuron_forward"),
           "numerical_gradients": ("sigmoid", "neuron_forward", "bce_loss"),
           "train_neuron": ("sigmoid", "neuron_forward", "bce_loss", "neuron_gradients")}
"""The earlier exercises each answer may call (the hidden tests' ``helpers=`` are the same)."""
DEFAULTS = {"bce_loss": {"eps": 1e-7}, "numerical_gradients": {"h": 1e-5}, "relative_error": {"eps": 1e-12},
            "train_neuron": {"eta": 0.5, "epochs": 1000}}
"""The defaults of the stubs' signatures, which the hidden tests compare too."""


def _trusted_sigmoid(z):
    """SciPy's logistic function: what a later exercise's check calls when the student's sigmoid is wrong."""
    from scipy.special import expit

    return expit(np.asarray(z, dtype=float))


STAND_INS = {"sigmoid": _trusted_sigmoid}


def _graded_alone(name: str, fn, run) -> int:
    """Run the checks ``run`` of exercise ``name`` as the grader would: on their own.

    The earlier exercises ``fn`` calls are checked first (silently). A ``sigmoid`` that fails its
    check is replaced by a correct one while ``run`` runs (the check then says so). When ``run``
    fails and ``fn`` calls another earlier exercise that fails its own check, the message says to
    fix that exercise first: this check cannot tell whether ``fn`` itself is right.
    """
    space = getattr(fn, "__globals__", None)
    calls = referenced(fn, EXERCISE_OF)
    stand_ins, replaced, broken = {}, [], []
    if isinstance(space, dict):
        for helper in HELPERS.get(name, ()):
            own = space.get(helper)
            if helper not in calls or not callable(own) or own is STAND_INS.get(helper):
                continue
            try:
                with swapped(space, stand_ins), contextlib.redirect_stdout(io.StringIO()):
                    _CHECKS[helper]._run(own)
            except CheckFailed as why:
                if helper in STAND_INS:
                    stand_ins[helper] = STAND_INS[helper]
                    replaced.append((helper, why))
                else:
                    broken.append((helper, why))
            except Exception:  # noqa: BLE001 - a check that cannot run blames nobody
                continue
    try:
        with swapped(space, stand_ins):
            n = run()
    except CheckFailed as failure:
        if failure.not_written or not broken:
            raise
        helper, why = broken[0]
        said = "\n    ".join(why.message.splitlines()[:5])
        raise CheckFailed(
            f"{name} calls your {helper} ({EXERCISE_OF[helper]}), which fails its own check:\n    {said}\n"
            f"Fix {EXERCISE_OF[helper]} first: until then this check cannot tell whether {name} itself is right. "
            f"({name} is graded on its own: the grader gives it a correct {helper}, so a mistake in {helper} does "
            f"not cost {name}'s points.)", not_written=why.not_written) from None
    for helper, why in replaced:
        state = "is not written yet" if why.not_written else "fails its own check"
        print(f"ⓘ your {helper} ({EXERCISE_OF[helper]}) {state}, so this check of {name} gave it a correct {helper} "
              f"instead, as the grader does: {name} is graded on its own.")
    return n


_call = call_unchanged


def _function_check(name: str, fn, run) -> int:
    """The checks of a function exercise: graded on its own, then its defaults (a changed default is named first
    when the checks fail, unless the function is not written yet)."""
    try:
        n = _graded_alone(name, fn, run)
    except CheckFailed as failure:
        if not failure.not_written:
            check_defaults(fn, name, DEFAULTS.get(name, {}))
        raise
    check_defaults(fn, name, DEFAULTS.get(name, {}))
    return n


# ============================================================================= J = 3(a·b + c)
J_KEYS = ("u", "v", "J", "dJ/dv", "dJ/du", "dJ/dc", "dJ/da", "dJ/db")


@exercise("J_by_hand", hint="Forward: u = a·b, v = u + c, J = 3v. Backward, from J: dJ/dv = 3; v = u + c passes it "
                            "on to u and c unchanged; u = a·b sends to a the gradient of u times b, and to b the "
                            "gradient of u times a.", catalogue=J_BY_HAND)
def J_by_hand(answer):
    """Checks the dict ``J_by_hand``: forward values and dJ/d· for a = 5, b = 3, c = 2."""
    label = "J_by_hand"
    if callable(answer):  # a function in its place: say whether it is a stub, then ask for the value itself
        call(answer, label=label)
        raise CheckFailed(mismatch(label, "a dict of numbers", short(answer),
                                   hint="assign the dict itself to J_by_hand (J_by_hand = {\"u\": 15, ...}), not a "
                                        "function that computes it"))
    if not isinstance(answer, dict):
        raise CheckFailed(mismatch(label, f"a dict with the keys {', '.join(map(repr, J_KEYS))}", short(answer),
                                   hint="assign a dict: J_by_hand = {\"u\": ..., \"v\": ..., ...}"))
    missing = [k for k in J_KEYS if k not in answer]
    if missing:
        raise CheckFailed(mismatch(label, f"a dict with the keys {', '.join(map(repr, J_KEYS))}", short(answer),
                                   f"missing key(s): {', '.join(map(repr, missing))}"))
    whole = J_BY_HAND.precedence if answer.get("J") == 47 else J_BY_HAND.no_factor_3 if answer.get("dJ/dv") == 1 else None
    per_key = {
        "u": (15, [(8, "u = a·b is a product: 5 · 3 = 15")]),
        "v": (17, [(45, J_BY_HAND.precedence), (10, "v = u + c with u = a·b = 15: v = 17")]),
        "J": (51, [(47, J_BY_HAND.precedence)]),
        "dJ/dv": (3, [(1, J_BY_HAND.no_factor_3)]),
        "dJ/du": (3, [(1, whole or J_BY_HAND.no_upstream)]),
        "dJ/dc": (3, [(1, whole or J_BY_HAND.no_upstream)]),
        "dJ/da": (9, [(15, J_BY_HAND.swapped), (3, whole or J_BY_HAND.no_upstream)]),
        "dJ/db": (15, [(9, J_BY_HAND.swapped), (5, whole or J_BY_HAND.no_upstream)]),
    }
    for key, (want, mistakes) in per_key.items():
        expect(answer[key], want, call=f"J_by_hand[{key!r}]   [a = 5, b = 3, c = 2]", mistakes=mistakes,
               hint="go node by node: forward u, v, J; backward from dJ/dJ = 1 through J = 3v, v = u + c, u = a·b")
    return len(per_key)


@exercise("forward_backward", hint="Compute u, v and J, then go back from J: dJ/dv = 3, dJ/du = dJ/dv · 1, "
                                   "dJ/dc = dJ/dv · 1, dJ/da = dJ/du · b, dJ/db = dJ/du · a. Return the two dicts.",
          catalogue=FORWARD_BACKWARD)
def forward_backward(fn):
    """Checks ``forward_backward(a, b, c)`` → (values, grads) for J = 3(a·b + c)."""
    cases = [
        # (a, b, c), values, grads, what a known mistake returns
        ((5, 3, 2), {"u": 15, "v": 17, "J": 51}, {"v": 3, "u": 3, "c": 3, "a": 9, "b": 15},
         [(({"u": 15, "v": 45, "J": 47}, {"v": 1, "u": 3, "c": 1, "a": 9, "b": 15}), FORWARD_BACKWARD.precedence)]),
        ((-1.0, 4.0, 0.5), {"u": -4, "v": -3.5, "J": -10.5}, {"v": 3, "u": 3, "c": 3, "a": 12, "b": -3},
         [(({"u": -4, "v": -12, "J": -11.5}, {"v": 1, "u": 3, "c": 1, "a": 12, "b": -3}),
           FORWARD_BACKWARD.precedence)]),
        ((2.0, -0.5, -3.0), {"u": -1, "v": -4, "J": -12}, {"v": 3, "u": 3, "c": 3, "a": -1.5, "b": 6}, []),
    ]
    for args, values, grads, mistakes in cases:
        got = call(fn, *args)
        label = signature(fn, args)
        if not (isinstance(got, (tuple, list)) and len(got) == 2 and all(isinstance(d, dict) for d in got)):
            raise CheckFailed(mismatch(label, short((values, grads)), short(got),
                                       "expected a pair of dicts (values, grads)", "return values, grads"))
        expect(tuple(got), (values, grads), call=label, mistakes=mistakes, catalogue=FORWARD_BACKWARD, args=args,
               hint="values: u = a·b, v = u + c, J = 3v; grads: multiply local derivatives from J down")
    return len(cases)


# ============================================================================= Value
def _programs(*rows):
    return [dict(zip(("title", "program", "data", "grad"), row)) for row in rows]


# title, program, data and grad of every node (worked out by hand in the lesson)
ARITHMETIC_PROGRAMS = _programs(
    ("J = 3 * (a * b + c) with a = 5, b = 3, c = 2",
     [("leaf", 5.0), ("leaf", 3.0), ("leaf", 2.0), ("mul", 0, 1), ("add", 3, 2), ("rmul_const", 4, 3.0),
      ("backward", 5)],
     [5, 3, 2, 15, 17, 51], [9, 15, 3, 3, 3, 1]),
    ("y = x * x + x with x = 3 (x is used three times)",
     [("leaf", 3.0), ("mul", 0, 0), ("add", 1, 0), ("backward", 2)],
     [3, 9, 12], [7, 1, 1]),
    ("b = 3 * a, c = a + b, d = b * c with a = 2 (b reaches d along two paths)",
     [("leaf", 2.0), ("mul_const", 0, 3.0), ("add", 0, 1), ("mul", 1, 2), ("backward", 3)],
     [2, 6, 8, 48], [48, 14, 6, 1]),
    ("t = (-((1 + x ** 3) - x)) ** -1 with x = 2",
     [("leaf", 2.0), ("pow", 0, 3), ("radd_const", 1, 1.0), ("sub", 2, 0), ("neg", 3), ("pow", 4, -1),
      ("backward", 5)],
     [2, 8, 9, 7, -7, -1 / 7], [11 / 49, 1 / 49, 1 / 49, 1 / 49, -1 / 49, 1]),
    ("y = x ** 0.5 * x with x = 4",
     [("leaf", 4.0), ("pow", 0, 0.5), ("mul", 1, 0), ("backward", 2)],
     [4, 2, 8], [3, 4, 1]),
)
FUNCTION_PROGRAMS = _programs(
    ("o = tanh(x1 * w1 + x2 * w2 + b), the neuron of the lesson",
     [("leaf", 2.0), ("leaf", -3.0), ("leaf", 0.0), ("leaf", 1.0), ("leaf", 6.881373587019543), ("mul", 0, 1),
      ("mul", 2, 3), ("add", 5, 6), ("add", 7, 4), ("tanh", 8), ("backward", 9)],
     [2, -3, 0, 1, 6.881373587019543, -6, 0, -6, 0.881373587019543, 0.7071067811865476],
     [-1.5, 1, 0.5, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 1]),
    ("t = tanh(a - b) with a = 1, b = 0.5",
     [("leaf", 1.0), ("leaf", 0.5), ("sub", 0, 1), ("tanh", 2), ("backward", 3)],
     [1, 0.5, 0.5, math.tanh(0.5)], [1 - math.tanh(0.5) ** 2, math.tanh(0.5) ** 2 - 1, 1 - math.tanh(0.5) ** 2, 1]),
    ("y = exp(x) * x with x = 2",
     [("leaf", 2.0), ("exp", 0), ("mul", 1, 0), ("backward", 2)],
     [2, math.exp(2), 2 * math.exp(2)], [3 * math.exp(2), 2, 1]),
    ("y = log(x) * x with x = 2",
     [("leaf", 2.0), ("log", 0), ("mul", 1, 0), ("backward", 2)],
     [2, math.log(2), 2 * math.log(2)], [math.log(2) + 1, 2, 1]),
    ("y = sigmoid(x) * x with x = 1",
     [("leaf", 1.0), ("sigmoid", 0), ("mul", 1, 0), ("backward", 2)],
     [1, 0.7310585786300049, 0.7310585786300049], [0.7310585786300049 + 0.19661193324148185, 1, 1]),
    ("y = relu(a) + relu(b) * relu(b) with a = -1.5, b = 3",
     [("leaf", -1.5), ("leaf", 3.0), ("relu", 0), ("relu", 1), ("mul", 3, 3), ("add", 2, 4), ("backward", 5)],
     [-1.5, 3, 0, 3, 9, 9], [0, 6, 1, 6, 1, 1]),
)
# What each known mistake of the catalogue gives on these programs (the grads; the data are right),
# in the catalogue's order: the first one that matches names the mistake.
MISTAKE_GRADS: dict[str, dict[str, list[float]]] = {
    'J = 3 * (a * b + c) with a = 5, b = 3, c = 2': {
        'leaves_first': [0.0, 0.0, 0.0, 0.0, 3.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        'mul_swapped': [85.0, 51.0, 17.0, 17.0, 17.0, 1.0],
    },
    'y = x * x + x with x = 3 (x is used three times)': {
        'assign': [3.0, 1.0, 1.0],
        'leaves_first': [1.0, 1.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0],
    },
    'b = 3 * a, c = a + b, d = b * c with a = 2 (b reaches d along two paths)': {
        'assign': [18.0, 6.0, 6.0, 1.0],
        'no_topo': [72.0, 14.0, 6.0, 1.0],
        'leaves_first': [0.0, 8.0, 6.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0, 0.0],
        'mul_swapped': [36.0, 14.0, 8.0, 1.0],
    },
    't = (-((1 + x ** 3) - x)) ** -1 with x = 2': {
        'assign': [0.244897959184, 0.0204081632653, 0.0204081632653, 0.0204081632653, -0.0204081632653, 1.0],
        'leaves_first': [0.0, 0.0, 0.0, 0.0, -0.0204081632653, 1.0],
        'no_seed': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        'mul_swapped': [-2.0, -0.142857142857, -0.142857142857, -0.142857142857, -0.0204081632653, 1.0],
        'sub_sign': [0.265306122449, 0.0204081632653, 0.0204081632653, 0.0204081632653, -0.0204081632653, 1.0],
        'pow_no_k': [-0.0612244897959, -0.0204081632653, -0.0204081632653, -0.0204081632653, 0.0204081632653, 1.0],
        'pow_k_x_k': [-3.28571428571, -0.142857142857, -0.142857142857, -0.142857142857, 0.142857142857, 1.0],
    },
    'y = x ** 0.5 * x with x = 4': {
        'assign': [1.0, 4.0, 1.0],
        'leaves_first': [2.0, 4.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0],
        'mul_swapped': [4.5, 2.0, 1.0],
        'pow_no_k': [4.0, 4.0, 1.0],
        'pow_k_x_k': [6.0, 4.0, 1.0],
    },
    'o = tanh(x1 * w1 + x2 * w2 + b), the neuron of the lesson': {
        'leaves_first': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0],
        'no_seed': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        'mul_swapped': [1.0, -1.5, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0],
        'tanh_t': [-2.12132034356, 1.41421356237, 0.707106781187, 0.0, 0.707106781187, 0.707106781187,
                   0.707106781187, 0.707106781187, 0.707106781187, 1.0],
    },
    't = tanh(a - b) with a = 1, b = 0.5': {
        'leaves_first': [0.0, 0.0, 0.786447732966, 1.0],
        'no_seed': [0.0, 0.0, 0.0, 0.0],
        'mul_swapped': [0.786447732966, 0.393223866483, 0.786447732966, 1.0],
        'sub_sign': [0.786447732966, 0.786447732966, 0.786447732966, 1.0],
        'tanh_t': [0.46211715726, -0.46211715726, 0.46211715726, 1.0],
    },
    'y = exp(x) * x with x = 2': {
        'assign': [14.7781121979, 2.0, 1.0],
        'leaves_first': [7.38905609893, 2.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0],
        'mul_swapped': [56.5981500331, 7.38905609893, 1.0],
        'exp_x': [11.3890560989, 2.0, 1.0],
        'exp_one': [9.38905609893, 2.0, 1.0],
    },
    'y = log(x) * x with x = 2': {
        'assign': [1.0, 2.0, 1.0],
        'leaves_first': [0.69314718056, 2.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0],
        'mul_swapped': [2.34657359028, 0.69314718056, 1.0],
        'log_out': [3.57853726234, 2.0, 1.0],
    },
    'y = sigmoid(x) * x with x = 1': {
        'assign': [0.196611933241, 1.0, 1.0],
        'leaves_first': [0.73105857863, 1.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0],
        'mul_swapped': [1.14373484046, 0.73105857863, 1.0],
        'sigmoid_s': [1.46211715726, 1.0, 1.0],
    },
    'y = relu(a) + relu(b) * relu(b) with a = -1.5, b = 3': {
        'assign': [0.0, 3.0, 1.0, 3.0, 1.0, 1.0],
        'no_topo': [0.0, 12.0, 1.0, 6.0, 1.0, 1.0],
        'leaves_first': [0.0, 0.0, 1.0, 0.0, 1.0, 1.0],
        'no_seed': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        'relu_mask': [1.0, 0.0, 1.0, 6.0, 1.0, 1.0],
        'relu_value': [0.0, 18.0, 1.0, 6.0, 1.0, 1.0],
    },
}


def _run_program(cls, case) -> dict:
    program = case["program"]
    try:
        return call(scalar_program, cls, program, label=f"the program {case['title']!r}")
    except CheckFailed as failure:
        if "unsupported operand" in failure.message and any(s[0] in ("radd_const", "rmul_const") for s in program):
            raise CheckFailed(f"{failure.message}\nhint: {RADD_HINT}") from None
        raise


def _check_programs(cls, programs) -> int:
    for case in programs:
        got = _run_program(cls, case)
        want = {"data": np.array(case["data"], dtype=float), "grad": np.array(case["grad"], dtype=float)}
        reason = program_difference(case["program"], got, want)
        if reason is None:
            continue
        hint = None
        for key, grads in MISTAKE_GRADS.get(case["title"], {}).items():
            if difference(got, {"data": want["data"], "grad": np.array(grads, dtype=float)}) is None:
                hint = getattr(VALUE_FUNCTIONS if key in VALUE_FUNCTIONS else VALUE, key).message
                break
        raise CheckFailed(mismatch(f"{case['title']}: every node's data and grad after backward()", short(want),
                                   short(got), reason, hint))
    return len(programs)


@exercise("Value", hint="Each operation makes an `out` Value whose _backward adds (+=) the local derivative times "
                        "out.grad to the grad of each input. backward() orders the nodes topologically, sets "
                        "self.grad = 1 and calls _backward on the nodes in reverse order.", catalogue=VALUE)
def Value(cls):
    """Checks the arithmetic of ``Value`` (+, *, -, neg, **, numbers on either side) and backward()."""
    return _check_programs(cls, ARITHMETIC_PROGRAMS)


Value_functions = exercise(
    "Value", hint="Each function is one node with one input: out = Value(f(x), (self,), 'name'), and its _backward "
                  "does self.grad += f′(x) * out.grad. Write f′ with the output where you can: exp′ = out, "
                  "tanh′ = 1 − out², σ′ = out(1 − out).", catalogue=VALUE_FUNCTIONS)(
    lambda cls: _check_programs(cls, FUNCTION_PROGRAMS))
Value_functions.__doc__ = "Checks exp, log, tanh, relu and sigmoid of ``Value``."


# ============================================================================= the sigmoid neuron
SIG = {-3: 0.04742587317756679, -1: 0.2689414213699951, 0: 0.5, 1: 0.7310585786300049, 3: 0.9525741268224334}


@exercise("sigmoid", hint="σ(z) = 1 / (1 + e^(−z)). For large negative z, e^(−z) overflows: compute "
                          "e^(−|z|), which never does, and use np.where to pick 1/(1 + e) or e/(1 + e).",
          catalogue=SIGMOID)
def sigmoid(fn):
    """Checks ``sigmoid(z)``: values, shape, and no overflow to nan."""
    def run() -> int:
        z = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
        got = _call(fn, z.copy())
        expect(got, [SIG[k] for k in (-3, -1, 0, 1, 3)], call=signature(fn, (z,)), catalogue=SIGMOID, args=(z,),
               mistakes=[(np.tanh(z), SIGMOID.tanh), (np.exp(z), SIGMOID.no_one), ((z >= 0).astype(float), SIGMOID.heaviside)],
               hint="σ(0) = 0.5, σ(−z) = 1 − σ(z), and σ(z) lies between 0 and 1")
        Z = np.array([[0.0, 1.0], [-1.0, 3.0]])
        got = _call(fn, Z.copy())
        expect(got, [[0.5, SIG[1]], [SIG[-1], SIG[3]]], call=signature(fn, (Z,)), hint="keep the shape of z")
        got = _call(fn, 0)
        expect(got, 0.5, call="sigmoid(0)", hint="plain numbers must work too: σ(0) = 0.5")
        big = np.array([-1000.0, 1000.0])
        got = _call(fn, big.copy())
        expect(got, [0.0, 1.0], call=signature(fn, (big,)), mistakes=[([0.0, np.nan], SIGMOID.overflow_nan),
                                                                      ([np.nan, 1.0], SIGMOID.overflow_nan)],
               hint="σ(−1000) is 0 and σ(1000) is 1 (to double precision): no nan")
        return 4
    return _function_check('sigmoid', fn, run)


@exercise("neuron_forward", hint="One matrix-vector product for the whole batch: z = X @ w + b (shape (m,)), "
                                 "then φ = sigmoid(z).", catalogue=NEURON_FORWARD)
def neuron_forward(fn):
    """Checks ``neuron_forward(X, w, b)`` = σ(Xw + b), shape (m,)."""
    def run() -> int:
        # square first: X used transposed runs, and gives other values
        X2, w2 = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
        got = _call(fn, X2.copy(), w2.copy(), 0.25)
        expect(got, [0.32082130082460697] * 2, call=f"{signature(fn, (X2, w2, 0.25))}   [here Xw + b = [-0.75, -0.75]]",
               mistakes=[([0.1480471980316895] * 2, NEURON_FORWARD.transposed), ([-0.75] * 2, NEURON_FORWARD.no_sigmoid),
                         ([SIG[-1]] * 2, NEURON_FORWARD.no_bias), ([0.22270013882530884] * 2, NEURON_FORWARD.bias_subtracted)],
               catalogue=NEURON_FORWARD, args=(X2, w2, 0.25), hint="φ = σ(Xw + b), X with one instance per row")
        X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
        w, b = np.array([0.5, -1.0]), 0.5
        got = _call(fn, X.copy(), w.copy(), b)
        expect(got, [SIG[-1], 0.8175744761936437, 0.8175744761936437], catalogue=NEURON_FORWARD, args=(X, w, b),
               call=f"{signature(fn, (X, w, b))}   [here Xw + b = [-1, 1.5, 1.5]]",
               mistakes=[([-1.0, 1.5, 1.5], NEURON_FORWARD.no_sigmoid),
                         ([0.18242552380635635, 0.7310585786300049, 0.7310585786300049], NEURON_FORWARD.no_bias),
                         ([0.11920292202211755, 0.6224593312018546, 0.6224593312018546], NEURON_FORWARD.bias_subtracted)],
               hint="φ = σ(Xw + b): one probability per instance")
        return 2
    return _function_check('neuron_forward', fn, run)


@exercise("bce_loss", hint="Clip φ to [eps, 1 − eps] first (np.clip), then "
                           "L = −mean(y·log φ + (1 − y)·log(1 − φ)).", catalogue=BCE_LOSS)
def bce_loss(fn):
    """Checks ``bce_loss(phi, y, eps)``: the mean binary cross-entropy, with clipping."""
    def run() -> int:
        phi, y = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])
        want = 0.2797765635793423                # (−ln 0.9 − ln 0.8 − ln 0.6) / 3
        got = _call(fn, phi.copy(), y.copy())
        expect(got, want, call=f"{signature(fn, (phi, y))}   [= (−ln 0.9 − ln 0.8 − ln 0.6) / 3]", catalogue=BCE_LOSS,
               args=(phi, y), mistakes=[(0.205395379807939, BCE_LOSS.first_term_only)],
               hint="L = −mean(y log φ + (1 − y) log(1 − φ))")
        got = _call(fn, np.array([0.5, 0.5]), np.array([1, 0]))
        expect(got, math.log(2), call="bce_loss(array([0.5, 0.5]), array([1, 0]))   [= ln 2: a coin toss]",
               hint="when φ = 0.5 everywhere the loss is ln 2 ≈ 0.693, whatever the labels")
        phi, y = np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0])
        got = _call(fn, phi.copy(), y.copy())
        want = 5.372698617161562                 # (−2 ln(1 − 1e-7) − ln(1e-7)) / 3
        expect(got, want, call=f"{signature(fn, (phi, y))}   [φ clipped to [1e-7, 1 − 1e-7]]",
               mistakes=[(np.inf, BCE_LOSS.no_clip), (np.nan, BCE_LOSS.no_clip)], hint=BCE_LOSS.no_clip.message)
        got = _call(fn, phi.copy(), y.copy(), eps=1e-3)
        expect(got, 2.303252093216434, call="bce_loss(array([0., 1., 1.]), array([0., 1., 0.]), eps=0.001)",
               hint="clip with the eps you are given: np.clip(phi, eps, 1 - eps)")
        return 4
    return _function_check('bce_loss', fn, run)


GRAD_X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
GRAD_Y = np.array([1.0, 0.0, 1.0])
GRAD_W, GRAD_B = np.array([0.5, -1.0]), 0.5
# φ = σ([-1, 1.5, 1.5]) = [0.26894, 0.81757, 0.81757]; φ − y = [-0.73106, 0.81757, -0.18243]
GRAD_WANT = (np.array([-0.4261117166830246, -0.7903014651189441]), -0.0319698754142392)


@exercise("neuron_gradients", hint="With cross-entropy, dL/dz = φ − y for each instance (σ′ cancels). Then "
                                   "dL/dw = Xᵀ(φ − y) / m and dL/db = mean(φ − y).", catalogue=NEURON_GRADIENTS)
def neuron_gradients(fn):
    """Checks ``neuron_gradients(X, y, w, b)`` → (dL/dw, dL/db)."""
    def run() -> int:
        args = (GRAD_X, GRAD_Y, GRAD_W, GRAD_B)
        got = _call(fn, *(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
        label = f"{signature(fn, args)}   [here φ − y = [-0.7311, 0.8176, -0.1824]]"
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise CheckFailed(mismatch(label, short(GRAD_WANT), short(got), "expected a pair (dw, db)", "return dw, db"))
        expect(tuple(got), GRAD_WANT, call=label, catalogue=NEURON_GRADIENTS, args=args,
               mistakes=[((np.array([-0.07511973312852847, -0.14100402438778936]), -0.016334875890820815),
                          NEURON_GRADIENTS.sigma_prime),
                         ((np.array([-1.0965878679450074, -0.4087872380968218, -0.3192446666611236]), GRAD_WANT[1]),
                          NEURON_GRADIENTS.wrong_axis),
                         ((GRAD_WANT[0], np.array([-0.2436861928766683, 0.2725248253978812, -0.06080850793545212])),
                          NEURON_GRADIENTS.vector_db)],
               hint="dL/dw = Xᵀ(φ − y) / m, shape (n,); dL/db = mean(φ − y), a number")
        X = np.array([[2.0, -1.0, 0.5]])
        got = _call(fn, X, np.array([0.0]), np.zeros(3), 0.0)
        expect(tuple(got), (np.array([1.0, -0.5, 0.25]), 0.5), call="neuron_gradients(array([[2., -1., 0.5]]), "
               "array([0.]), array([0., 0., 0.]), 0.0)   [one instance, φ = 0.5, φ − y = 0.5]",
               catalogue=NEURON_GRADIENTS, args=(X, np.array([0.0]), np.zeros(3), 0.0),
               hint="with w = 0 and b = 0, φ = 0.5; dL/dw = (φ − y)·x")
        return 2
    return _function_check('neuron_gradients', fn, run)


# ============================================================================= gradient checking
NUMERIC_WANT = (np.array([-0.4261117167114747, -0.7903014651255978]), -0.03196987541365104)  # the analytic one ± 1e-10
NUMERIC_WANT_H3 = (np.array([-0.4261118537305375, -0.7903014201325886]), -0.0319698808922686)


@exercise("numerical_gradients", hint="For each weight: save w[i], set w[i] = saved + h and compute the loss, set "
                                      "w[i] = saved − h and compute it again, put w[i] = saved back; the slope is "
                                      "(L₊ − L₋) / (2h). Same for b.", catalogue=NUMERICAL_GRADIENTS)
def numerical_gradients(fn):
    """Checks ``numerical_gradients(X, y, w, b, h)`` by central differences of the cross-entropy."""
    def run() -> int:
        n = 0
        for kwargs, want, mistakes in (
                ({}, NUMERIC_WANT,
                 [((np.array([-0.4261091518298343, -0.7902998436559726]), -0.03196905056235266),
                   NUMERICAL_GRADIENTS.forward),
                  ((np.array([-1.2164131818148682, -1.2164131818148682]), NUMERIC_WANT[1]), NUMERICAL_GRADIENTS.together)]),
                ({"h": 1e-3}, NUMERIC_WANT_H3,
                 [((np.array([-0.425855365379757, -0.7901392733407064]), -0.03188739675286101), NUMERICAL_GRADIENTS.forward),
                  (NUMERIC_WANT, NUMERICAL_GRADIENTS.fixed_h),
                  ((np.array([-1.2164132658945004, -1.2164132658945004]), -0.0319698808922686), NUMERICAL_GRADIENTS.together)])):
            args = (GRAD_X, GRAD_Y, GRAD_W, GRAD_B)
            label = f"{signature(fn, args, kwargs)}   [the analytic gradient is ([-0.42611, -0.79030], -0.031970)]"
            got = _call(fn, *args, label=label, in_place_hints={"w": IN_PLACE_HINT}, **kwargs)
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                raise CheckFailed(mismatch(label, short(want), short(got), "expected a pair (dw, db)", "return dw, db"))
            expect(tuple(got), want, call=label, mistakes=mistakes, catalogue=NUMERICAL_GRADIENTS, args=args,
                   kwargs=kwargs, rtol=1e-7, atol=1e-10,
                   hint="the central difference (L(w + h·eᵢ) − L(w − h·eᵢ)) / (2h) for each weight, then the same for b")
            n += 1
        return n
    return _function_check('numerical_gradients', fn, run)


@exercise("relative_error", hint="Entry by entry: |g − ĝ| / max(|g| + |ĝ|, eps) (np.abs, np.maximum), then "
                                 "the largest of them (np.max), as a float.", catalogue=RELATIVE_ERROR)
def relative_error(fn):
    """Checks ``relative_error(g, g_hat, eps)``."""
    def run() -> int:
        cases = [
            ((np.array([1.0, -2.0, 0.0, 3.0]), np.array([1.1, -2.0, 0.0, 2.9])), 0.1 / 2.1,
             "entries: 0.1/2.1, 0, 0 (0 against 0), 0.1/5.9", [
                 (0.1, RELATIVE_ERROR.no_denominator), (np.nan, RELATIVE_ERROR.no_eps),
                 ((0.1 / 2.1 + 0.1 / 5.9) / 4, RELATIVE_ERROR.mean), (0.1 / 5.9, RELATIVE_ERROR.signed),
                 (0.019028232065585737, RELATIVE_ERROR.norms)]),
            ((np.array([1.0, 2.0]), np.array([-1.0, 2.0])), 1.0, "opposite signs: 2/2 = 1 at the first entry", [
                (2e12, RELATIVE_ERROR.abs_of_sum), (np.inf, RELATIVE_ERROR.abs_of_sum), (2.0, RELATIVE_ERROR.no_denominator)]),
            ((0.5, 0.5), 0.0, "two equal numbers", []),
            ((np.array([1e-9, 2.0]), np.array([3e-9, 2.0])), 0.5, "tiny entries count too: 2e-9/4e-9", []),
        ]
        for args, want, note, mistakes in cases:
            got = _call(fn, *args)
            expect(got, want, call=f"{signature(fn, args)}   [{note}]", mistakes=mistakes, catalogue=RELATIVE_ERROR,
                   args=args, hint="the largest entry of |g − ĝ| / max(|g| + |ĝ|, eps)")
        return len(cases)
    return _function_check('relative_error', fn, run)


# ============================================================================= training: one criterion
def training_loss(X, y, w, b, eps: float = 1e-7) -> float:
    """The mean cross-entropy of the weights ``w``, ``b`` on ``(X, y)``, with φ clipped to [eps, 1 − eps].

    Computed from the logits z = Xw + b, where −log φ = log(1 + e^(−z)) and −log(1 − φ) = log(1 + e^z)
    never overflow; clipping φ clips each instance's loss to [−log(1 − eps), −log(eps)].
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    z = X @ np.asarray(w, dtype=float) + float(b)
    per_instance = np.logaddexp(0.0, z) - y * z
    return float(np.mean(np.clip(per_instance, -math.log1p(-eps), -math.log(eps))))


def training_accuracy(X, y, w, b) -> float:
    """The share of the instances of ``(X, y)`` on the right side of the line Xw + b = 0 (φ ≥ 0.5 means 1)."""
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + float(b)
    return float(np.mean((z >= 0) == (np.asarray(y) == 1)))


def training_reason(answer, X, y, eta: float, epochs: int, *, best: float, held_out: tuple, target: float,
                    whose: str = "the grader's") -> str | None:
    """Why ``answer = train_neuron(X, y, eta=eta, epochs=epochs)`` does not do what the exercise asks, or None.

    The criterion of both the self-check and the hidden test. Everything is recomputed here from the
    returned ``w`` and ``b``: their loss on ``(X, y)`` must be within 0.01 of ``best`` (what ``epochs``
    full-batch steps of gradient descent reach from w = 0, b = 0), their accuracy on ``held_out``
    (data the function never sees) within 3 points of ``target``; and the reported losses must be
    one per epoch, start at ln 2 (w = 0, b = 0), never go up, and end at the loss of the returned
    weights one step earlier: a list typed in by hand cannot follow the data. (The tolerances let float32
    arithmetic through.)
    """
    if not (isinstance(answer, (tuple, list)) and len(answer) == 3):
        return "train_neuron must return three things: (w, b, losses)"
    w, b, losses = answer
    try:
        w = np.asarray(w, dtype=float).reshape(-1)
        b = float(np.asarray(b, dtype=float).reshape(-1)[0]) if np.size(b) == 1 else None
        losses = np.asarray(losses, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return "w must be an array of n weights, b a number and losses a list of numbers"
    n = np.shape(X)[1]
    if w.shape != (n,) or b is None:
        return f"w must have one weight per feature, shape ({n},), and b must be one number"
    if not (np.all(np.isfinite(w)) and math.isfinite(b)):
        return "the weights are not finite (nan or inf)"
    loss = training_loss(X, y, w, b)
    start = math.log(2)
    if loss >= start - 1e-3:
        return (f"the loss of the returned w and b on {whose} training data is {loss:.4f}, no lower than "
                f"ln 2 = {start:.4f}, its value from w = 0, b = 0: your training made it worse or did nothing")
    if loss > best + 0.01:
        return (f"the loss of the returned w and b on {whose} training data is {loss:.4f}; {epochs} epochs of "
                f"gradient descent with eta={eta:g} from w = 0, b = 0 reach {best:.4f}. Use the eta and epochs you are "
                f"given and take one full-batch step per epoch")
    accuracy = training_accuracy(*held_out, w, b)
    if accuracy < target - 0.03:
        return (f"on {whose} held-out data the returned w and b are right {accuracy:.0%} of the time; "
                f"gradient descent reaches {target:.0%}")
    if losses.shape != (epochs,) or not np.all(np.isfinite(losses)):
        return f"losses must hold one finite loss per epoch ({epochs} here), got {losses.size} values"
    if abs(losses[0] - start) > 1e-6:
        return (f"losses[0] is {losses[0]:.6g}: the first epoch starts from w = 0, b = 0, where every φ is 0.5 "
                f"and the loss is ln 2 = {start:.6f} (record the loss of each epoch before its step)")
    if not (loss - 1e-5 * (1 + loss) <= losses[-1] <= loss + max(2e-3, 0.05 * loss)):
        return (f"the last recorded loss, {losses[-1]:.6g}, is not the loss of the returned w and b on the same "
                f"data ({loss:.6g}) one step earlier: record the loss your neuron really has, epoch by epoch")
    if np.any(np.diff(losses) > 1e-5 * np.abs(losses[:-1]) + 1e-9):  # float32 rounding allowed
        return "the recorded loss goes up at some epoch, which gradient descent with this learning rate never does"
    return None


def _spread(m: int, radius: float) -> np.ndarray:
    """``m`` points spread evenly over a disc (a sunflower: radius √k, golden-angle turns), rounded to 0.01."""
    k = np.arange(m)
    r, turn = radius * np.sqrt((k + 0.5) / m), k * math.pi * (3 - math.sqrt(5))
    return np.round(np.c_[r * np.cos(turn), r * np.sin(turn)], 2)


# The check's data: 100 points over a disc, labelled by a noisy line (a fixed sequence in [0, 1) plays the
# noise: y = 1 where it falls below σ(1.5 x₁ − 2.5 x₂ − 1)); held out, an 11 × 11 grid labelled by the line.
TRAIN_X = _spread(100, 2.5)
TRAIN_Y = (np.round((np.arange(100) * 7 * (math.sqrt(5) - 1) / 2 + 0.31) % 1.0, 3)
           < _trusted_sigmoid(TRAIN_X @ [1.5, -2.5] - 1.0)).astype(float)
TRAIN_GRID = np.array([[a, c] for a in np.linspace(-2.5, 2.5, 11) for c in np.linspace(-2.5, 2.5, 11)])
TRAIN_GRID_Y = (TRAIN_GRID @ [1.5, -2.5] - 1.0 >= 0).astype(float)
# (keyword arguments, the loss gradient descent reaches on TRAIN_X, its accuracy on TRAIN_GRID): worked out with
# the lesson's training loop; the hidden test draws data of the same kind and uses the same keyword arguments.
TRAIN_RUNS = (
    ({}, 0.23086777742312706, 118 / 121),
    ({"eta": 0.3, "epochs": 400}, 0.23119858180673591, 118 / 121),
    ({"eta": 4.0, "epochs": 20}, 0.23170516236669647, 118 / 121),
)


def _training_mistake(fn, answer, kwargs):
    """The known mistake that ``answer`` shows for certain (a fact about what it returned), or None."""
    try:
        w, b, losses = answer
        losses = np.asarray(losses, dtype=float).reshape(-1)
        b = float(np.asarray(b, dtype=float).reshape(-1)[0])
    except Exception:  # noqa: BLE001 - an answer of the wrong shape shows no known mistake
        return None
    eta, epochs = kwargs.get("eta", 0.5), kwargs.get("epochs", 1000)
    if losses.size == 1000 != epochs:
        return TRAIN_NEURON.ignores_epochs
    try:
        after = training_loss(TRAIN_X, TRAIN_Y, w, b)
    except Exception:  # noqa: BLE001
        return None
    # the recorded losses follow the returned weights: a real training run, whose mistake the facts below tell
    followed = losses.size == epochs and after - 1e-5 * (1 + after) <= losses[-1] <= after + max(2e-3, 0.05 * after)
    if followed and b == 0.0:
        return TRAIN_NEURON.bias_frozen
    if followed and losses[-1] > losses[0]:
        return TRAIN_NEURON.ascent
    if losses.size == epochs and losses[0] < math.log(2) - 1e-6 and abs(losses[-1] - after) <= 1e-6 * (1 + after):
        return TRAIN_NEURON.loss_after_step
    if eta != 0.5:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                again = fn(TRAIN_X.copy(), TRAIN_Y.copy(), eta=0.5, epochs=epochs)
            if difference(again, answer, rtol=0, atol=0) is None:
                return TRAIN_NEURON.ignores_eta
        except Exception:  # noqa: BLE001
            return None
    return None


@exercise("train_neuron", hint="Start from w = zeros(n) and b = 0. Each epoch: record the loss of the current "
                               "w and b, compute the gradients on the whole batch, step w ← w − η·dw and "
                               "b ← b − η·db. Return w, b and the list of losses.", catalogue=TRAIN_NEURON)
def train_neuron(fn):
    """Checks ``train_neuron(X, y, eta, epochs)`` → (w, b, losses) by the criterion of the hidden test."""
    def run() -> int:
        for kwargs, best, target in TRAIN_RUNS:
            eta, epochs = kwargs.get("eta", 0.5), kwargs.get("epochs", 1000)
            label = (f"train_neuron(TRAIN_X, TRAIN_Y{''.join(f', {k}={v!r}' for k, v in kwargs.items())})   "
                     f"[TRAIN_X: 100 points (2 features), TRAIN_Y: labels of a noisy line]")
            got = _call(fn, TRAIN_X, TRAIN_Y, label=label, **kwargs)
            reason = training_reason(got, TRAIN_X, TRAIN_Y, eta, epochs, best=best, target=target,
                                     held_out=(TRAIN_GRID, TRAIN_GRID_Y), whose="the check's")
            if reason:
                mistake = _training_mistake(fn, got, kwargs)
                raise CheckFailed(f"{label} does not do what the exercise asks: {reason}"
                                  + (f"\nhint: {mistake.message}" if mistake and mistake.message not in reason else ""))
        return len(TRAIN_RUNS)
    return _function_check("train_neuron", fn, run)


_CHECKS = {"sigmoid": sigmoid, "neuron_forward": neuron_forward, "bce_loss": bce_loss,
           "neuron_gradients": neuron_gradients, "numerical_gradients": numerical_gradients,
           "relative_error": relative_error, "train_neuron": train_neuron}
