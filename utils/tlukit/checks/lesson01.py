"""Self-checks of lesson 01, "McCulloch–Pitts neurons and logic", and each exercise's catalogue
of mistakes.

Each exercise has one :class:`~tlukit.mistakes.Catalogue`, written here once and used by both
the visible self-check below and the instructor's hidden test. A message says what was done and
what to do instead; it is shown only when the mistake reproduces every output of the answer.

* The neuron's mistakes would give the answer away if they were written as code (each is the
  right neuron with one thing changed), so the instructor keeps their implementations. What each
  one returns on the self-check's fixed inputs is written down in :data:`NEURON_WRONG` (worked
  out once; ``tests/lesson01`` checks it against the instructor's implementations).
* A gate's mistakes are truth tables (the wrong function a plausible wiring computes), which
  give nothing away: their models live here.

Truth tables are always read in one order, inputs as rows: (A, B) = 00, 01, 10, 11 (one input:
A = 0, 1).
"""
from __future__ import annotations

import ast
import contextlib
import io
from itertools import product
from typing import Any, Callable

from ..checking import CheckFailed, call, difference, mismatch, referenced, short
from ..mistakes import Catalogue, Mistake, Rule
from . import exercise

# ----------------------------------------------------------------------------- exercises
EXERCISE_OF = {"mp_neuron": "Exercise 1", "identity": "Exercise 2", "and_gate": "Exercise 2",
               "or_gate": "Exercise 2", "a_and_not_b": "Exercise 2", "xor_gate": "Exercise 3",
               "not_gate": "Exercise 4", "nand_gate": "Exercise 5"}
"""The exercise where each function is written (messages name it)."""

# ----------------------------------------------------------------------------- the neuron
MP_NEURON = Catalogue(
    "mp_neuron",
    ignores_inhibition=Mistake(
        "your neuron ignores its inhibitory inputs: one active inhibitory input must veto it (output 0), "
        "however many excitatory inputs are active"),
    minus_one=Mistake(
        "your neuron subtracts the active inhibitory inputs from the count (a weight of −1): inhibition is a "
        "veto instead; one active inhibitory input gives 0 whatever the count"),
    strict=Mistake(
        "your neuron fires only when *more* than θ excitatory inputs are active (> θ): it fires when *at least* "
        "θ are, so reaching θ exactly is enough; compare with >="),
    equal=Mistake(
        "your neuron fires only when *exactly* θ excitatory inputs are active (== θ): it fires when *at least* θ "
        "are, so more than θ fire it too; compare with >="),
    reversed=Mistake(
        "your comparison is the wrong way round (θ >= count, so few active inputs fire it): the neuron fires "
        "when the count of active excitatory inputs is >= θ"),
    theta_ignored=Mistake(
        "your neuron ignores θ: it fires as soon as one excitatory input is active (and never with none); "
        "count the active excitatory inputs and compare the count with θ"),
    counts_connections=Mistake(
        "your neuron counts the excitatory *connections* (len), not the *active* ones: count the 1s "
        "(sum of the list)"),
    veto_if_connected=Mistake(
        "your neuron is vetoed whenever it has an inhibitory connection, even an inactive one (0): only an "
        "*active* inhibitory input (a 1) vetoes; use any(inhibitory)"),
    veto_needs_all=Mistake(
        "your veto needs *all* the inhibitory inputs to be active: *one* active inhibitory input is enough; "
        "use any(inhibitory), not all(inhibitory)"),
    all_of_empty=Mistake(
        "your veto uses all(inhibitory): all([]) is True in Python, so a neuron with no inhibitory input is "
        "always vetoed, and [0, 1] does not veto; one active inhibitory input is enough: use any(inhibitory)"),
    first_only=Mistake(
        "only your first inhibitory input can veto: *any* active inhibitory input vetoes the neuron; look at "
        "all of them (any(inhibitory))"),
    theta_zero_needs_input=Mistake(
        "your neuron never fires without an active excitatory input, even with θ = 0: 0 >= 0, so with θ = 0 "
        "it fires unless it is vetoed"),
    returns_count=Mistake(
        "your neuron returns the number of active inputs when it fires: return 0 or 1 (it fires or it does "
        "not), not a count"),
    none_when_silent=Mistake(
        "your function returns None when the neuron does not fire (it ends without a `return`): return 0 "
        "in that case"),
)

# The self-check's inputs, in an order that shows the most telling failure first:
# (excitatory, inhibitory, theta, expected, what holds on this input).
NEURON_CASES = [
    ([1, 1, 1], [], 2, 1, "3 active ≥ θ = 2, nothing to veto"),
    ([1, 0, 1], [], 2, 1, "2 active ≥ θ = 2: reaching θ exactly is enough"),
    ([0, 0, 1], [], 2, 0, "1 active < θ = 2"),
    ([1, 1], [1], 2, 0, "an active inhibitory input vetoes"),
    ([1, 1, 1], [1], 2, 0, "an active inhibitory input vetoes, whatever the count"),
    ([1, 1], [0], 2, 1, "the inhibitory input is inactive: no veto"),
    ([1, 1, 1], [0, 1], 2, 0, "one of the inhibitory inputs is active: veto"),
    ([1, 1], [1, 0], 2, 0, "the first inhibitory input is active: veto"),
    ([1, 1], [0, 0, 0], 1, 1, "no inhibitory input is active: no veto"),
    ([0, 0], [], 0, 1, "0 active ≥ θ = 0"),
    ([], [], 0, 1, "no inputs: 0 ≥ θ = 0"),
    ([], [1], 0, 0, "an active inhibitory input vetoes, even with θ = 0"),
    ([], [], 1, 0, "no excitatory inputs: 0 < θ = 1"),
    ([1, 1, 1, 1, 0], [0], 4, 1, "4 active ≥ θ = 4"),
    ([1, 1, 1, 0, 0], [0], 4, 0, "3 active < θ = 4"),
]

# What each known mistake returns on NEURON_CASES, in order (worked out once from the
# instructor's implementations; tests/lesson01 keeps the two in step).
NEURON_WRONG: dict[str, tuple] = {
    "ignores_inhibition": (1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0),
    "minus_one": (1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0),
    "strict": (1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
    "equal": (0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0),
    "reversed": (0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1),
    "theta_ignored": (1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1),
    "counts_connections": (1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1),
    "veto_if_connected": (1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0),
    "veto_needs_all": (1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0),
    "all_of_empty": (0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0),
    "first_only": (1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0),
    "theta_zero_needs_input": (1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0),
    "returns_count": (3, 2, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 4, 0),
    "none_when_silent": (1, 1, None, None, None, 1, None, None, 1, 1, 1, None, None, 1, None),
}


# ----------------------------------------------------------------------------- the gates
def table(outputs: str) -> Callable[..., int]:
    """The boolean function with these outputs, for A = 0, 1 (one input) or (A, B) = 00, 01, 10, 11."""
    bits = [int(c) for c in outputs]
    n_inputs = 1 if len(bits) == 2 else 2
    return lambda *inputs: bits[int("".join(str(int(v)) for v in inputs[:n_inputs]), 2)]


IDENTITY = Catalogue(
    "identity",
    never_fires=Mistake("your identity never fires (it computes the constant 0): with θ = 2, one connection from "
                        "A cannot reach the threshold (nor can an inhibitory A); connect A twice, as an "
                        "excitatory input", model=table("00")),
    always_fires=Mistake("your identity fires even when A = 0 (it computes the constant 1): its threshold is 0; "
                         "use θ = 2, with A connected twice", model=table("11")),
    inverted=Mistake("your identity computes NOT A: A is an inhibitory input in yours; make A excitatory, "
                     "connected twice, with θ = 2", model=table("10")),
)

AND_GATE = Catalogue(
    "and_gate",
    computes_or=Mistake("one active input already fires your and_gate (it computes OR): θ is below 2, or an input "
                        "is connected twice; AND needs one connection from each input and θ = 2",
                        model=table("0111")),
    never_fires=Mistake("your and_gate never fires (it computes the constant 0): its threshold is out of reach, or "
                        "an input is missing or inhibitory; connect A and B once each, as excitatory inputs, "
                        "with θ = 2", model=table("0000")),
    a_twice=Mistake("A alone reaches θ = 2 in your and_gate (it computes A and ignores B): A is connected twice; "
                    "connect each input once", model=table("0011")),
    b_twice=Mistake("B alone reaches θ = 2 in your and_gate (it computes B and ignores A): B is connected twice; "
                    "connect each input once", model=table("0101")),
    always_fires=Mistake("your and_gate fires even when both inputs are 0 (it computes the constant 1): its "
                         "threshold is 0; use θ = 2", model=table("1111")),
    b_inhibitory=Mistake("B vetoes your and_gate (it computes A AND NOT B): B is inhibitory in yours; both inputs "
                         "must be excitatory", model=table("0010")),
    a_inhibitory=Mistake("A vetoes your and_gate (it computes B AND NOT A): A is inhibitory in yours; both inputs "
                         "must be excitatory", model=table("0100")),
)

OR_GATE = Catalogue(
    "or_gate",
    computes_and=Mistake("your or_gate needs both inputs (it computes AND): with one connection each, neither "
                         "input alone reaches θ = 2; connect A twice and B twice", model=table("0001")),
    b_once=Mistake("B alone does not fire your or_gate (it computes A, ignoring B): B is connected once; connect "
                   "B twice too", model=table("0011")),
    a_once=Mistake("A alone does not fire your or_gate (it computes B, ignoring A): A is connected once; connect "
                   "A twice too", model=table("0101")),
    never_fires=Mistake("your or_gate never fires (it computes the constant 0): its threshold is out of reach; "
                        "connect A twice and B twice, with θ = 2", model=table("0000")),
    always_fires=Mistake("your or_gate fires even when both inputs are 0 (it computes the constant 1): its "
                         "threshold is 0; use θ = 2", model=table("1111")),
    inhibitory=Mistake("A and B are inhibitory in your or_gate (with θ = 0 it computes NOR): both must be "
                       "excitatory, each connected twice, with θ = 2", model=table("1000")),
)

A_AND_NOT_B = Catalogue(
    "a_and_not_b",
    swapped=Mistake("the roles are swapped in your a_and_not_b (it computes B AND NOT A): A is the excitatory "
                    "input and B the inhibitory one", model=table("0100")),
    never_fires=Mistake("your a_and_not_b never fires (it computes the constant 0): with θ = 2, one connection "
                        "from A cannot reach the threshold; connect A twice", model=table("0000")),
    b_ignored=Mistake("B never switches your a_and_not_b off (it computes A): B must be an inhibitory input, "
                      "which vetoes the neuron when B = 1", model=table("0011")),
    b_excitatory=Mistake("B fires your a_and_not_b (it computes A OR B): B is excitatory in yours; make it an "
                         "inhibitory input", model=table("0111")),
    b_needed=Mistake("your a_and_not_b needs B to fire (it computes A AND B): B is excitatory in yours; make it "
                     "an inhibitory input, and connect A twice", model=table("0001")),
    threshold_zero=Mistake("your a_and_not_b fires when A = 0 (it computes NOT B): its threshold is 0; use θ = 2, "
                           "with A connected twice", model=table("1010")),
)

XOR_GATE = Catalogue(
    "xor_gate",
    no_swap=Mistake("both your hidden neurons compute A ∧ ¬B (your xor_gate computes A AND NOT B): call "
                    "a_and_not_b with the arguments swapped for the second one, which computes B ∧ ¬A",
                    model=table("0010")),
    both_swapped=Mistake("both your hidden neurons compute B ∧ ¬A (your xor_gate computes B AND NOT A): the first "
                         "one must compute A ∧ ¬B (arguments in their order)", model=table("0100")),
    computes_or=Mistake("your xor_gate computes OR: XOR must be 0 when both inputs are active; hidden neurons "
                        "A ∧ ¬B and B ∧ ¬A (each vetoed by the other input) take care of that",
                        model=table("0111")),
    combined_with_and=Mistake("your xor_gate never fires: its two hidden neurons, A ∧ ¬B and B ∧ ¬A, are never "
                              "on together, so an AND of them is always 0; combine them with OR",
                              model=table("0000")),
    and_hidden=Mistake("your hidden neurons compute A ∧ B (your xor_gate computes AND): they must compute "
                       "A ∧ ¬B and B ∧ ¬A, each with the other input inhibitory (a_and_not_b)",
                       model=table("0001")),
)

NOT_GATE = Catalogue(
    "not_gate",
    always_fires=Mistake("A must be inhibitory: it vetoes the neuron when A = 1", model=table("11")),
    never_fires=Mistake("your not_gate never fires (it computes the constant 0): with no excitatory input the "
                        "neuron can only fire if θ = 0; use θ = 0, with A inhibitory", model=table("00")),
)

NAND_GATE = Catalogue(
    "nand_gate",
    computes_nor=Mistake("your nand_gate computes NOR (0 as soon as one input is active): NAND is 0 only when "
                         "both are; negate an AND: an AND neuron feeding a NOT neuron", model=table("1000")),
    computes_and=Mistake("your nand_gate computes AND: it is missing the negation; feed the AND into a NOT neuron "
                         "(θ = 0, the AND as its inhibitory input)", model=table("0001")),
    computes_xor=Mistake("your nand_gate computes XOR: NAND is also 1 when both inputs are 0; negate an AND",
                         model=table("0110")),
    never_fires=Mistake("your nand_gate never fires (it computes the constant 0): the NOT neuron needs θ = 0, so "
                        "that it fires when nothing vetoes it", model=table("0000")),
    b_ignored=Mistake("your nand_gate ignores B (it computes NOT A): negate A AND B, not A alone",
                      model=table("1100")),
)

# ----------------------------------------------------------------------------- structural rules
NEURON_RULE = Rule("each network of Figure 10-3 is one McCulloch–Pitts neuron: compute it with a call of your "
                   "mp_neuron (the wiring as its arguments), not with Python's own operators",
                   must_call=("mp_neuron",))
NOT_RULE = Rule("NOT is one McCulloch–Pitts neuron: compute it with a call of your mp_neuron (θ = 0, A "
                "inhibitory), not with Python's own operators such as 1 - a or `not`",
                must_call=("mp_neuron",))
_OPERATORS = (ast.BitXor, ast.BitOr, ast.BitAnd, ast.Invert, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq,
              ast.Sub, ast.Mod)
_NAMES = ("xor", "logical_xor", "bitwise_xor", "not_equal", "ne", "logical_and", "logical_or", "logical_not",
          "abs")
XOR_RULE = Rule("build XOR from neurons: feed the outputs of your neurons and gates into other neurons; "
                "Python's operators on the inputs (^, !=, ==, and, or, not, &, |, -, %) are not allowed",
                operators=_OPERATORS, names=_NAMES)
NAND_RULE = Rule("build NAND from neurons: feed the outputs of your neurons and gates into other neurons; "
                 "Python's operators on the inputs (not, and, or, ==, !=, &, |, ^, -, %) are not allowed",
                 operators=_OPERATORS, names=_NAMES)

# Every boolean function of one and of two inputs, by its outputs (the order above).
FUNCTIONS_1 = {(0, 0): "the constant 0", (0, 1): "A (identity)", (1, 0): "NOT A", (1, 1): "the constant 1"}
FUNCTIONS_2 = {
    (0, 0, 0, 0): "the constant 0", (0, 0, 0, 1): "AND", (0, 0, 1, 0): "A AND NOT B", (0, 0, 1, 1): "A (B ignored)",
    (0, 1, 0, 0): "B AND NOT A", (0, 1, 0, 1): "B (A ignored)", (0, 1, 1, 0): "XOR", (0, 1, 1, 1): "OR",
    (1, 0, 0, 0): "NOR", (1, 0, 0, 1): "XNOR", (1, 0, 1, 0): "NOT B", (1, 0, 1, 1): "A OR NOT B",
    (1, 1, 0, 0): "NOT A", (1, 1, 0, 1): "B OR NOT A", (1, 1, 1, 0): "NAND", (1, 1, 1, 1): "the constant 1",
}


# ----------------------------------------------------------------------------- machinery
def _is_bit(value: Any) -> bool:
    try:
        return difference(value, 0) is None or difference(value, 1) is None
    except Exception:  # noqa: BLE001 - an odd object is not a bit
        return False


def _not_a_bit(value: Any) -> str:
    """What the output's type says (a fact about it, not a guess at the mistake)."""
    if value is None:
        return "your function returned None: did you forget a `return`? Return 0 or 1"
    return (f"your function returned {type(value).__name__} {short(value, 40)}: return 0 or 1 (the neuron fires "
            "or it does not), not a count, a list or a string")


def _check_rules(fn: Any, name: str, rules: tuple[Rule, ...]) -> None:
    """Raise when ``fn`` breaks a rule (the hidden test applies the same rules): read on its source
    (``function_source``), or on its bytecode when it has none (code run by ``exec``)."""
    for rule in rules:
        if rule.broken_by(fn):
            raise CheckFailed(f"{name} breaks a rule of the exercise: {rule.message}")


def _broken_helper(fn: Any, name: str) -> tuple[str, CheckFailed] | None:
    """An earlier exercise ``fn`` calls whose own self-check fails, with that failure."""
    space = getattr(fn, "__globals__", {})
    for helper in referenced(fn, EXERCISE_OF):
        if helper == name or helper not in CHECKS or not callable(space.get(helper)):
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                CHECKS[helper]._run(space[helper])
        except CheckFailed as failure:
            return helper, failure
        except Exception:  # noqa: BLE001 - a check that cannot run blames nobody
            continue
    return None


def _graded_alone(name: str, fn: Any, run: Callable[[], int]) -> int:
    """Run ``run``; when it fails because an earlier exercise ``fn`` calls is wrong, say so instead."""
    try:
        return run()
    except CheckFailed as failure:
        if "breaks a rule" in failure.message:
            raise
        found = _broken_helper(fn, name)
        if found is None:
            raise
        helper, why = found
        first = why.message.splitlines()[0]
        raise CheckFailed(
            f"{name} calls your {helper} ({EXERCISE_OF[helper]}), which fails its own check:\n  {first}\n"
            f"Fix {EXERCISE_OF[helper]} first: until then this check cannot tell whether {name} itself is right. "
            f"({name} is graded on its own, so {helper}'s mistake does not cost {name}'s points.)",
            not_written=why.not_written) from None


def _check_gate(fn, name: str, n_inputs: int, want: str, target: str, catalogue: Catalogue,
                rules: tuple[Rule, ...]) -> int:
    """Check ``fn`` against the truth table ``want``; name the function it computes and the mistake."""
    rows = list(product((0, 1), repeat=n_inputs))
    expected = [int(c) for c in want]
    got = [call(fn, *bits, label=f"{name}({', '.join(map(str, bits))})") for bits in rows]
    for bits, value, w in zip(rows, got, expected):
        label = f"{name}({', '.join(map(str, bits))})"
        if not _is_bit(value):
            raise CheckFailed(mismatch(label, str(w), short(value), "not 0 or 1", _not_a_bit(value)))
    table_got = tuple(int(v) for v in got)
    if table_got != tuple(expected):
        computes = (FUNCTIONS_1 if n_inputs == 1 else FUNCTIONS_2)[table_got]
        inputs = "A = 0, 1" if n_inputs == 1 else "(A, B) = 00, 01, 10, 11"
        reason = (f"your {name} computes {computes} instead of {target}: outputs for {inputs}: "
                  f"{' '.join(map(str, table_got))}; expected {' '.join(want)}")
        found = catalogue.explain(got, [(bits, {}, w) for bits, w in zip(rows, expected)],
                                  lambda a, b: difference(a, b) is None)
        i = next(k for k, (g, w) in enumerate(zip(table_got, expected)) if g != w)
        raise CheckFailed(mismatch(f"{name}({', '.join(map(str, rows[i]))})", str(expected[i]), short(got[i]),
                                   reason, found.message if found else None))
    _check_rules(fn, name, rules)
    return len(rows)


# ----------------------------------------------------------------------------- the self-checks
@exercise("mp_neuron", catalogue=MP_NEURON,
          hint="Look at the inhibitory inputs first: if any of them is 1, the answer is 0 whatever else. "
               "Otherwise count the active excitatory inputs (the 1s) and compare the count with θ using >=. "
               "Return 0 or 1.")
def mp_neuron(fn):
    """Checks ``mp_neuron(excitatory, inhibitory, theta)`` on fixed inputs."""
    got: list = []
    for e, i, t, want, _ in NEURON_CASES:
        label, ex, inh = f"mp_neuron({e}, {i}, theta={t})", list(e), list(i)
        try:
            got.append(call(fn, ex, inh, t, label=label))
        except CheckFailed:
            if any(difference(g, c[3]) is not None for g, c in zip(got, NEURON_CASES)):
                break  # an earlier answer is already wrong: report that one (as the hidden test does)
            raise
        for arg, before, after in (("excitatory", e, ex), ("inhibitory", i, inh)):
            if before != after:
                raise CheckFailed(f"{label} changed its argument {arg} in place: the caller's data must stay as it "
                                  f"was. Work on a copy or build a new list (`{arg} = {arg} + ...`, not "
                                  f"`{arg} += ...`).")
    for (e, i, t, want, note), value in zip(NEURON_CASES, got):
        reason = difference(value, want)
        if reason is None:
            continue
        found = next((m for m in MP_NEURON if m.key in NEURON_WRONG
                      and all(difference(g, w) is None for g, w in zip(got, NEURON_WRONG[m.key]))), None)
        hint = found.message if found else (None if _is_bit(value) else _not_a_bit(value))
        raise CheckFailed(mismatch(f"mp_neuron({e}, {i}, theta={t})   [{note}]", str(want), short(value),
                                   reason, hint))
    return len(NEURON_CASES)


@exercise("identity", catalogue=IDENTITY,
          hint="All thresholds are 2. How many connections from A does the neuron need so that A alone reaches "
               "θ = 2? Give mp_neuron the value of A once per connection.")
def identity(fn):
    """Checks ``identity(a)`` against the truth table of C = A."""
    return _graded_alone("identity", fn, lambda: _check_gate(fn, "identity", 1, "01", "A (identity)", IDENTITY,
                                                               (NEURON_RULE,)))


@exercise("and_gate", catalogue=AND_GATE,
          hint="With θ = 2 and one connection from each input, how many inputs must be active for the neuron "
               "to fire?")
def and_gate(fn):
    """Checks ``and_gate(a, b)`` against the truth table of AND."""
    return _graded_alone("and_gate", fn, lambda: _check_gate(fn, "and_gate", 2, "0001", "AND", AND_GATE,
                                                               (NEURON_RULE,)))


@exercise("or_gate", catalogue=OR_GATE,
          hint="With θ = 2, how many connections must each input have so that it reaches the threshold on its "
               "own?")
def or_gate(fn):
    """Checks ``or_gate(a, b)`` against the truth table of OR."""
    return _graded_alone("or_gate", fn, lambda: _check_gate(fn, "or_gate", 2, "0111", "OR", OR_GATE,
                                                             (NEURON_RULE,)))


@exercise("a_and_not_b", catalogue=A_AND_NOT_B,
          hint="A is excitatory (how many connections for θ = 2?), B is inhibitory.")
def a_and_not_b(fn):
    """Checks ``a_and_not_b(a, b)`` against the truth table of A AND NOT B."""
    return _graded_alone("a_and_not_b", fn, lambda: _check_gate(fn, "a_and_not_b", 2, "0010", "A AND NOT B",
                                                                  A_AND_NOT_B, (NEURON_RULE,)))


@exercise("xor_gate", catalogue=XOR_GATE,
          hint="A ⊕ B = (A ∧ ¬B) ∨ (¬A ∧ B). Your a_and_not_b gives the first term; what does a_and_not_b give "
               "with its arguments swapped? Combine the two with or_gate.")
def xor_gate(fn):
    """Checks ``xor_gate(a, b)`` against the truth table of XOR, and that it is built from neurons."""
    return _graded_alone("xor_gate", fn, lambda: _check_gate(fn, "xor_gate", 2, "0110", "XOR", XOR_GATE,
                                                               (XOR_RULE,)))


@exercise("not_gate", catalogue=NOT_GATE,
          hint="The output must be 1 when A = 0, so the neuron has to fire with no active excitatory input at "
               "all. Which θ allows that? And which kind of connection turns it off?")
def not_gate(fn):
    """Checks ``not_gate(a)`` against the truth table of NOT."""
    return _graded_alone("not_gate", fn, lambda: _check_gate(fn, "not_gate", 1, "10", "NOT A", NOT_GATE,
                                                               (NOT_RULE,)))


@exercise("nand_gate", catalogue=NAND_GATE,
          hint="One neuron cannot do it (two inhibitory inputs give NOR: either one vetoes). Compute A ∧ B with "
               "one neuron and feed it, as an inhibitory input, into a NOT neuron.")
def nand_gate(fn):
    """Checks ``nand_gate(a, b)`` against the truth table of NAND, and that it is built from neurons."""
    return _graded_alone("nand_gate", fn, lambda: _check_gate(fn, "nand_gate", 2, "1110", "NAND", NAND_GATE,
                                                                (NAND_RULE,)))


CHECKS = {"mp_neuron": mp_neuron, "identity": identity, "and_gate": and_gate, "or_gate": or_gate,
          "a_and_not_b": a_and_not_b, "xor_gate": xor_gate, "not_gate": not_gate, "nand_gate": nand_gate}
