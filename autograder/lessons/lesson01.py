"""The instructor's side of lesson 01, "McCulloch–Pitts neurons and logic".

These are the instructor's implementations the hidden tests compare against. Every gate is a
network of McCulloch–Pitts neurons, wired as in Figure 10-3 of *Hands-On Machine Learning*
(3rd ed.): all thresholds 2 except NOT's, which is 0.

One home for everything the instructor keeps secret about this lesson: the reference
answers (first), then the hidden tests (the inputs each draws, and the wrong implementations
that name a mistake).
"""
from __future__ import annotations

from itertools import product

from autograder.hidden import Case, Question


def mp_neuron(excitatory, inhibitory, theta):
    """A McCulloch–Pitts neuron: 1 when no inhibitory input is active and at least ``theta``
    excitatory inputs are active, else 0. Inputs are sequences of 0s and 1s."""
    if any(inhibitory):                # one active inhibitory input vetoes the neuron
        return 0
    active = sum(excitatory)           # how many excitatory inputs are active
    return 1 if active >= theta else 0


# The four networks of Figure 10-3: one neuron each, threshold 2.

def identity(a):
    """C = A: A reaches the neuron through two connections, so A alone reaches θ = 2."""
    return mp_neuron([a, a], [], theta=2)


def and_gate(a, b):
    """C = A ∧ B: one connection each, so both must be active to reach θ = 2."""
    return mp_neuron([a, b], [], theta=2)


def or_gate(a, b):
    """C = A ∨ B: two connections each, so either one alone reaches θ = 2."""
    return mp_neuron([a, a, b, b], [], theta=2)


def a_and_not_b(a, b):
    """C = A ∧ ¬B: A fires the neuron through two connections unless B vetoes it."""
    return mp_neuron([a, a], [b], theta=2)


# Two layers: A ⊕ B = (A ∧ ¬B) ∨ (¬A ∧ B).

def xor_gate(a, b):
    """C = A ⊕ B: two hidden A∧¬B-type neurons (one with the inputs swapped) feed an OR."""
    a_only = a_and_not_b(a, b)
    b_only = a_and_not_b(b, a)
    return or_gate(a_only, b_only)


# NOT needs a neuron that fires on its own (θ = 0) unless vetoed; NAND is NOT after AND.

def not_gate(a):
    """C = ¬A: with θ = 0 the neuron fires unless A, its inhibitory input, is active."""
    return mp_neuron([], [a], theta=0)


def nand_gate(a, b):
    """C = ¬(A ∧ B): an AND neuron whose output vetoes a θ = 0 neuron (two neurons)."""
    return not_gate(and_gate(a, b))


# ============================================================================= hidden tests

# --- the neuron -------------------------------------------------------------------------------

def _neuron_cases(rng):
    edge = [
        ([], [], 0), ([], [], 1), ([0, 0], [], 0), ([], [1], 0), ([1], [], 1), ([1], [], 2),
        ([1, 1], [], 2), ([1, 0, 1], [], 2), ([1, 1, 1], [], 2), ([0, 0, 1], [], 2),
        ([1, 1], [1], 2), ([1, 1, 1], [1], 2), ([1, 1], [0], 2), ([1, 1, 1], [0, 1], 2),
        ([1, 1, 1], [1, 1], 1), ([0, 1], [0, 0, 0], 1),
    ]
    cases = [Case((list(e), list(i), t)) for e, i, t in edge]
    for _ in range(40):
        n = int(rng.integers(0, 9))
        excitatory = [int(v) for v in rng.integers(0, 2, size=n)]
        k = int(rng.integers(0, 4))
        inhibited = rng.random() < 0.35                     # most neurons are not vetoed
        inhibitory = [int(v) for v in rng.integers(0, 2, size=k)] if inhibited else [0] * k
        theta = int(rng.integers(0, n + 2))
        cases.append(Case((excitatory, inhibitory, theta)))
    order = rng.permutation(len(cases))
    return [cases[i] for i in order]


NEURON_MISTAKES = {
    "an active inhibitory input vetoes the neuron whatever the excitatory count "
    "(yours ignores inhibition, or treats it as a weight of -1)":
        lambda e, i, t: int(sum(e) >= t),
    "the neuron fires when *at least* θ inputs are active: use >=, not >":
        lambda e, i, t: int(sum(e) > t and not any(i)),
    "inhibition is absolute (a veto), not a weight of -1 subtracted from the count":
        lambda e, i, t: int(sum(e) - sum(i) >= t),
    "an inhibitory input vetoes only when it is active (1), not merely because it is connected":
        lambda e, i, t: int(sum(e) >= t and not i),
    "count the *active* excitatory inputs (the 1s), not the connections":
        lambda e, i, t: int(len(e) >= t and not any(i)),
    "any active inhibitory input vetoes, not only all of them together":
        lambda e, i, t: int(sum(e) >= t and not (i and all(i))),
    "with θ = 0 the neuron fires even when no excitatory input is active":
        lambda e, i, t: int(sum(e) >= t and any(e) and not any(i)),
}


# --- the gates: whole truth tables ------------------------------------------------------------

def _truth_table(n_inputs):
    def cases(rng):
        rows = [Case(bits) for bits in product((0, 1), repeat=n_inputs)] * 2
        return [rows[i] for i in rng.permutation(len(rows))]
    return cases


def _gate(qid, reference, n_inputs, mistakes):
    return Question(qid=qid, reference=reference, cases=_truth_table(n_inputs), mistakes=mistakes)


ALWAYS_0 = lambda *bits: 0  # noqa: E731
ALWAYS_1 = lambda *bits: 1  # noqa: E731

QUESTIONS = [
    Question(qid="01.mp_neuron", reference=mp_neuron, cases=_neuron_cases, mistakes=NEURON_MISTAKES),
    _gate("01.identity", identity, 1, {
        "with θ = 2 a single connection from A never reaches the threshold: connect A twice": ALWAYS_0,
        "A must be excitatory (and θ = 2), not inhibitory": lambda a: 1 - a,
    }),
    _gate("01.and_gate", and_gate, 2, {
        "one active input is enough in yours (that is OR): AND needs one connection each and θ = 2":
            lambda a, b: int(a or b),
        "your neuron never fires: with one connection each, θ = 2 needs both inputs": ALWAYS_0,
    }),
    _gate("01.or_gate", or_gate, 2, {
        "each input alone must reach θ = 2 (yours computes AND): connect A twice and B twice":
            lambda a, b: int(a and b),
        "B alone does not reach the threshold: connect B twice too": lambda a, b: a,
        "A alone does not reach the threshold: connect A twice too": lambda a, b: b,
    }),
    _gate("01.a_and_not_b", a_and_not_b, 2, {
        "the roles are swapped: A is excitatory, B inhibitory": lambda a, b: int(b and not a),
        "with θ = 2 one connection from A never reaches the threshold: connect A twice": ALWAYS_0,
        "B must be an inhibitory input (a veto)": lambda a, b: a,
    }),
    _gate("01.xor_gate", xor_gate, 2, {
        "the second hidden neuron must compute B ∧ ¬A: swap the arguments of a_and_not_b":
            lambda a, b: int(a and not b),
        "XOR is 0 when both inputs are active (yours computes OR)": lambda a, b: int(a or b),
        "combine the two hidden neurons with OR, not AND": ALWAYS_0,
    }),
    _gate("01.not_gate", not_gate, 1, {
        "with no excitatory inputs the neuron can only fire if θ = 0": ALWAYS_0,
        "A must be inhibitory: it vetoes the neuron when A = 1": ALWAYS_1,
    }),
    _gate("01.nand_gate", nand_gate, 2, {
        "one neuron with A and B inhibitory computes NOR: negate an AND instead":
            lambda a, b: int(not a and not b),
        "that is AND: feed it into a NOT": lambda a, b: int(a and b),
    }),
]
