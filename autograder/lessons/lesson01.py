"""The instructor's side of lesson 01, "McCulloch–Pitts neurons and logic".

One home for everything the instructor keeps secret about this lesson: the reference answers
(first), then the hidden tests (the inputs each draws, and the wrong implementations that would
give an answer away), then ``QUESTIONS``. The catalogues of mistakes (their messages, and the
models that give nothing away) are shared with the self-checks, in ``tlukit.checks.lesson01``.

Every gate is a network of McCulloch–Pitts neurons, wired as in Figure 10-3 of *Hands-On Machine
Learning* (3rd ed.): all thresholds 2 except NOT's, which is 0.
"""
from __future__ import annotations

from itertools import product

from autograder.hidden import Case, Question
from tlukit.checks import lesson01 as check


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
    """The self-check's inputs (each known mistake fails on one of them), and 40 random neurons."""
    cases = [Case((list(e), list(i), t)) for e, i, t, _, _ in check.NEURON_CASES]
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


def _fires(e, i, t):
    return sum(e) >= t and not any(i)


# The neuron with one thing changed: these would give the answer away, so they stay here.
NEURON_MODELS = {
    "ignores_inhibition": lambda e, i, t: int(sum(e) >= t),
    "minus_one": lambda e, i, t: int(sum(e) - sum(i) >= t),
    "strict": lambda e, i, t: int(sum(e) > t and not any(i)),
    "equal": lambda e, i, t: int(sum(e) == t and not any(i)),
    "reversed": lambda e, i, t: int(t >= sum(e) and not any(i)),
    "theta_ignored": lambda e, i, t: int(any(e) and not any(i)),
    "counts_connections": lambda e, i, t: int(len(e) >= t and not any(i)),
    "veto_if_connected": lambda e, i, t: int(sum(e) >= t and not i),
    "veto_needs_all": lambda e, i, t: int(sum(e) >= t and not (i and all(i))),
    "all_of_empty": lambda e, i, t: 0 if all(i) else int(sum(e) >= t),
    "first_only": lambda e, i, t: int(sum(e) >= t and not (i and i[0])),
    "theta_zero_needs_input": lambda e, i, t: int(sum(e) >= t and any(e) and not any(i)),
    "returns_count": lambda e, i, t: sum(e) if _fires(e, i, t) else 0,
    "none_when_silent": lambda e, i, t: 1 if _fires(e, i, t) else None,
}


# --- the gates: whole truth tables ------------------------------------------------------------

def _truth_table(n_inputs):
    def cases(rng):
        rows = [Case(bits) for bits in product((0, 1), repeat=n_inputs)] * 2
        return [rows[i] for i in rng.permutation(len(rows))]
    return cases


# The wirings behind the one-neuron gates' mistakes (the catalogue holds their truth tables; these
# are the networks a student actually builds, so that they also keep the "call mp_neuron" rule).
WIRING_MODELS = {
    "01.identity": {
        "never_fires": lambda a: mp_neuron([a], [], theta=2),
        "always_fires": lambda a: mp_neuron([a, a], [], theta=0),
        "inverted": lambda a: mp_neuron([], [a], theta=0),
    },
    "01.and_gate": {
        "computes_or": lambda a, b: mp_neuron([a, b], [], theta=1),
        "never_fires": lambda a, b: mp_neuron([a, b], [], theta=3),
        "a_twice": lambda a, b: mp_neuron([a, a, b], [], theta=2),
        "b_twice": lambda a, b: mp_neuron([a, b, b], [], theta=2),
        "always_fires": lambda a, b: mp_neuron([a, b], [], theta=0),
        "b_inhibitory": lambda a, b: mp_neuron([a, a], [b], theta=2),
        "a_inhibitory": lambda a, b: mp_neuron([b, b], [a], theta=2),
    },
    "01.or_gate": {
        "computes_and": lambda a, b: mp_neuron([a, b], [], theta=2),
        "b_once": lambda a, b: mp_neuron([a, a, b], [], theta=2),
        "a_once": lambda a, b: mp_neuron([a, b, b], [], theta=2),
        "never_fires": lambda a, b: mp_neuron([a, b], [], theta=3),
        "always_fires": lambda a, b: mp_neuron([a, a, b, b], [], theta=0),
        "inhibitory": lambda a, b: mp_neuron([], [a, b], theta=0),
    },
    "01.a_and_not_b": {
        "swapped": lambda a, b: mp_neuron([b, b], [a], theta=2),
        "never_fires": lambda a, b: mp_neuron([a], [b], theta=2),
        "b_ignored": lambda a, b: mp_neuron([a, a], [], theta=2),
        "b_excitatory": lambda a, b: mp_neuron([a, a, b, b], [], theta=2),
        "b_needed": lambda a, b: mp_neuron([a, b], [], theta=2),
        "threshold_zero": lambda a, b: mp_neuron([a, a], [b], theta=0),
    },
    "01.not_gate": {
        "always_fires": lambda a: mp_neuron([a], [], theta=0),
        "never_fires": lambda a: mp_neuron([], [a], theta=1),
    },
}

NEURON = ("mp_neuron",)
GATES = NEURON + ("identity", "and_gate", "or_gate", "a_and_not_b")


def _gate(qid, reference, n_inputs, catalogue, rule, helpers):
    return Question(qid=qid, reference=reference, cases=_truth_table(n_inputs), catalogue=catalogue,
                    models=WIRING_MODELS.get(qid, {}), helpers=helpers, rules=(rule,))


QUESTIONS = [
    Question(qid="01.mp_neuron", reference=mp_neuron, cases=_neuron_cases, catalogue=check.MP_NEURON,
             models=NEURON_MODELS),
    _gate("01.identity", identity, 1, check.IDENTITY, check.NEURON_RULE, NEURON),
    _gate("01.and_gate", and_gate, 2, check.AND_GATE, check.NEURON_RULE, NEURON),
    _gate("01.or_gate", or_gate, 2, check.OR_GATE, check.NEURON_RULE, NEURON),
    _gate("01.a_and_not_b", a_and_not_b, 2, check.A_AND_NOT_B, check.NEURON_RULE, NEURON),
    _gate("01.xor_gate", xor_gate, 2, check.XOR_GATE, check.XOR_RULE, GATES),
    _gate("01.not_gate", not_gate, 1, check.NOT_GATE, check.NOT_RULE, GATES + ("xor_gate",)),
    _gate("01.nand_gate", nand_gate, 2, check.NAND_GATE, check.NAND_RULE, GATES + ("xor_gate", "not_gate")),
]
