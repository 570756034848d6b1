"""Reference answers of lesson 01, "McCulloch–Pitts neurons and logic".

These are the instructor's implementations the hidden tests compare against. Every gate is a
network of McCulloch–Pitts neurons, wired as in Figure 10-3 of *Hands-On Machine Learning*
(3rd ed.): all thresholds 2 except NOT's, which is 0.
"""
from __future__ import annotations


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
