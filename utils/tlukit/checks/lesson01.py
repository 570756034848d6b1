"""Self-checks of lesson 01, "McCulloch–Pitts neurons and logic".

The neuron is checked on fixed inputs chosen so that each classic mistake fails on an input
that names it; the gates are checked against their truth tables (facts, not implementations).
When a gate's table is wrong, the message says which boolean function it computes instead.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from ..checking import call, expect
from . import exercise

BIT_HINT = "return 0 or 1 (the neuron's output: it fires or it does not), not a count or a list"

# Every boolean function of one and of two inputs, by its outputs for A = 0, 1 (one input)
# or for (A, B) = (0, 0), (0, 1), (1, 0), (1, 1).
FUNCTIONS_1 = {(0, 0): "the constant 0", (0, 1): "A (identity)", (1, 0): "NOT A", (1, 1): "the constant 1"}
FUNCTIONS_2 = {
    (0, 0, 0, 0): "the constant 0", (0, 0, 0, 1): "AND", (0, 0, 1, 0): "A AND NOT B", (0, 0, 1, 1): "A (B ignored)",
    (0, 1, 0, 0): "B AND NOT A", (0, 1, 0, 1): "B (A ignored)", (0, 1, 1, 0): "XOR", (0, 1, 1, 1): "OR",
    (1, 0, 0, 0): "NOR", (1, 0, 0, 1): "XNOR", (1, 0, 1, 0): "NOT B", (1, 0, 1, 1): "A OR NOT B",
    (1, 1, 0, 0): "NOT A", (1, 1, 0, 1): "B OR NOT A", (1, 1, 1, 0): "NAND", (1, 1, 1, 1): "the constant 1",
}

# The MP-neuron cases, in an order that lets the first failure name the mistake:
# (excitatory, inhibitory, theta, expected, hint when the other bit comes back).
NEURON_CASES = [
    ([1, 1, 1], [], 2, 1,
     "with no inhibitory inputs there is nothing to veto, so 3 active inputs ≥ θ = 2 fire "
     "(careful: all([]) is True in Python)"),
    ([1, 0, 1], [], 2, 1,
     "the neuron fires when *at least* θ excitatory inputs are active: exactly θ is enough (use >=, not >)"),
    ([0, 0, 1], [], 2, 0,
     "count the *active* excitatory inputs (the 1s), not the connections: only 1 of 3 is active here"),
    ([1, 1], [1], 2, 0,
     "an active inhibitory input must veto the neuron (output 0), however many excitatory inputs are active"),
    ([1, 1, 1], [1], 2, 0,
     "inhibition is absolute: one active inhibitory input vetoes the neuron; it does not just subtract "
     "1 from the count of active excitatory inputs"),
    ([1, 1], [0], 2, 1,
     "an inhibitory input vetoes only when it is active (1); an inactive one (0) changes nothing"),
    ([1, 1, 1], [0, 1], 2, 0,
     "*any* active inhibitory input vetoes the neuron, not only the first one or all of them together"),
    ([1, 1], [0, 0, 0], 1, 1,
     "inactive inhibitory inputs (0s) change nothing, however many there are"),
    ([0, 0], [], 0, 1,
     "with θ = 0 the neuron fires even when no excitatory input is active (0 ≥ 0), unless it is vetoed"),
    ([], [], 0, 1,
     "with no inputs at all and θ = 0 the neuron fires (0 ≥ 0)"),
    ([], [1], 0, 0,
     "an active inhibitory input vetoes the neuron even when θ = 0"),
    ([], [], 1, 0,
     "with no excitatory inputs, θ = 1 can never be reached"),
    ([1, 1, 1, 1, 0], [0], 4, 1,
     "4 active excitatory inputs reach θ = 4, and the inhibitory input is inactive"),
    ([1, 1, 1, 0, 0], [0], 4, 0,
     "3 active excitatory inputs do not reach θ = 4"),
]


def _is_bit(value) -> bool:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    return isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)) and value in (0, 1)


def _not_a_bit(got) -> str:
    return "your function returned None: did you forget a `return`?" if got is None else BIT_HINT


def _expect_bit(got, want: int, *, call: str, hint: str) -> None:
    """Expect the bit ``want``; the hint names the mistake when the other bit came back."""
    expect(got, want, call=call, hint=hint if _is_bit(got) else _not_a_bit(got))


def _note_if_not_built(fn, name: str, blocks: tuple[str, ...]) -> None:
    """A gentle note (never a failure) when a gate does not call any neuron or gate."""
    names = getattr(getattr(fn, "__code__", None), "co_names", None)
    if names is not None and not set(blocks) & set(names):
        print(f"note: {name} does not call {' or '.join(blocks)}; the exercise asks you to build it "
              "from McCulloch–Pitts neurons, not with Python's logic operators.")


def _check_gate(fn, name: str, n_inputs: int, want: tuple[int, ...], target: str,
                hints: dict[tuple[int, ...], str], blocks: tuple[str, ...]) -> int:
    """Check ``fn`` against the truth table ``want``; name the function it computes instead."""
    rows = list(product((0, 1), repeat=n_inputs))
    got = []
    for bits, w in zip(rows, want):
        label = f"{name}({', '.join(map(str, bits))})"
        value = call(fn, *bits, label=label)
        if not _is_bit(value):
            expect(value, w, call=label, hint=_not_a_bit(value))
        got.append(int(value))
    table = tuple(got)
    if table != want:
        computes = (FUNCTIONS_1 if n_inputs == 1 else FUNCTIONS_2)[table]
        inputs = "A = 0, 1" if n_inputs == 1 else "(A, B) = 00, 01, 10, 11"
        hint = (f"your {name} computes {computes} instead of {target} "
                f"(your outputs for {inputs}: {' '.join(map(str, table))}; "
                f"expected {' '.join(map(str, want))})")
        if table in hints:
            hint += f"; {hints[table]}"
        i = next(k for k, (g, w) in enumerate(zip(table, want)) if g != w)
        expect(got[i], want[i], call=f"{name}({', '.join(map(str, rows[i]))})", hint=hint)
    _note_if_not_built(fn, name, blocks)
    return len(rows)


@exercise("mp_neuron", hint="Count the active excitatory inputs (the 1s) and compare the count with θ "
          "using >=. Before that, look at the inhibitory inputs: if any of them is 1, the answer is 0 "
          "whatever the count. Return 0 or 1.")
def mp_neuron(fn):
    """Checks ``mp_neuron(excitatory, inhibitory, theta)`` on fixed inputs."""
    for excitatory, inhibitory, theta, want, why in NEURON_CASES:
        got = call(fn, list(excitatory), list(inhibitory), theta,
                   label=f"mp_neuron({excitatory}, {inhibitory}, {theta})")
        _expect_bit(got, want, call=f"mp_neuron({excitatory}, {inhibitory}, theta={theta})", hint=why)
    return len(NEURON_CASES)


NEURON = ("mp_neuron",)


@exercise("identity", hint="All thresholds are 2. How many connections from A does the neuron need so "
          "that A alone reaches θ = 2? Give mp_neuron the value of A once per connection.")
def identity(fn):
    """Checks ``identity(a)`` against the truth table of C = A."""
    return _check_gate(fn, "identity", 1, (0, 1), "A (identity)", {
        (0, 0): "with θ = 2 one connection from A can never reach the threshold: connect A twice",
        (1, 1): "the neuron fires even when A = 0: is θ = 0? Use θ = 2 with A connected twice",
        (1, 0): "A must be an excitatory input, not an inhibitory one",
    }, NEURON)


@exercise("and_gate", hint="With θ = 2 and one connection from each input, how many inputs must be "
          "active for the neuron to fire?")
def and_gate(fn):
    """Checks ``and_gate(a, b)`` against the truth table of AND."""
    return _check_gate(fn, "and_gate", 2, (0, 0, 0, 1), "AND", {
        (0, 1, 1, 1): "one active input is already enough: AND needs both, so one connection each with θ = 2",
        (0, 0, 0, 0): "the neuron never reaches its threshold: with one connection each, θ = 2 needs both A and B",
    }, NEURON)


@exercise("or_gate", hint="With θ = 2, how many connections must each input have so that it reaches "
          "the threshold on its own?")
def or_gate(fn):
    """Checks ``or_gate(a, b)`` against the truth table of OR."""
    return _check_gate(fn, "or_gate", 2, (0, 1, 1, 1), "OR", {
        (0, 0, 0, 1): "each input alone must reach θ = 2: connect A twice and B twice",
        (0, 0, 1, 1): "B is not connected strongly enough: connect B twice too",
        (0, 1, 0, 1): "A is not connected strongly enough: connect A twice too",
    }, NEURON)


@exercise("a_and_not_b", hint="A is excitatory (how many connections for θ = 2?), B is inhibitory.")
def a_and_not_b(fn):
    """Checks ``a_and_not_b(a, b)`` against the truth table of A AND NOT B."""
    return _check_gate(fn, "a_and_not_b", 2, (0, 0, 1, 0), "A AND NOT B", {
        (0, 1, 0, 0): "the roles are swapped: A must be the excitatory input and B the inhibitory one",
        (0, 0, 0, 0): "with θ = 2 one connection from A can never reach the threshold: connect A twice",
        (0, 0, 1, 1): "B must be an inhibitory input, which vetoes the neuron when B = 1",
        (0, 1, 1, 1): "B must be inhibitory, not excitatory",
    }, NEURON)


GATES = ("mp_neuron", "identity", "and_gate", "or_gate", "a_and_not_b", "not_gate", "nand_gate")


@exercise("xor_gate", hint="A ⊕ B = (A ∧ ¬B) ∨ (¬A ∧ B). Your a_and_not_b gives the first term; "
          "what do you get from a_and_not_b with its arguments swapped? Combine the two with or_gate.")
def xor_gate(fn):
    """Checks ``xor_gate(a, b)`` against the truth table of XOR."""
    return _check_gate(fn, "xor_gate", 2, (0, 1, 1, 0), "XOR", {
        (0, 0, 1, 0): "both hidden neurons compute A ∧ ¬B: the second one should compute ¬A ∧ B (= B ∧ ¬A), "
                      "so swap the arguments",
        (0, 1, 0, 0): "both hidden neurons compute ¬A ∧ B: the first one should compute A ∧ ¬B",
        (0, 1, 1, 1): "XOR must be 0 when both inputs are active: that is what the inhibitory connections are for",
        (0, 0, 0, 0): "the two hidden neurons never fire together: combine them with OR, not AND",
        (0, 0, 0, 1): "the hidden neurons A ∧ ¬B and ¬A ∧ B should be combined with OR",
    }, GATES)


@exercise("not_gate", hint="The output must be 1 when A = 0, so the neuron has to fire with no active "
          "excitatory input at all. Which θ allows that? And which kind of connection turns it off?")
def not_gate(fn):
    """Checks ``not_gate(a)`` against the truth table of NOT."""
    return _check_gate(fn, "not_gate", 1, (1, 0), "NOT A", {
        (0, 0): "the neuron never fires: with no excitatory inputs it can only fire if θ = 0",
        (1, 1): "the neuron always fires: A must be an inhibitory input, which vetoes it when A = 1",
        (0, 1): "A must be inhibitory, not excitatory",
    }, GATES)


@exercise("nand_gate", hint="One neuron cannot do it (two inhibitory inputs give NOR: either one vetoes). "
          "Compute A ∧ B with one neuron and feed it, as an inhibitory input, into a NOT neuron.")
def nand_gate(fn):
    """Checks ``nand_gate(a, b)`` against the truth table of NAND."""
    return _check_gate(fn, "nand_gate", 2, (1, 1, 1, 0), "NAND", {
        (1, 0, 0, 0): "with A and B both inhibitory, either one alone vetoes the neuron (that is NOR, "
                      "¬A ∧ ¬B); NAND must be 0 only when both are active: negate an AND",
        (0, 0, 0, 1): "NAND is the negation of AND: feed the AND into a NOT neuron",
        (0, 1, 1, 0): "NAND is also 1 when both inputs are 0",
    }, GATES)
