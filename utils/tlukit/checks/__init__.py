"""Visible self-checks, one module per lesson, one call per exercise.

In a notebook::

    from tlukit.checks import lesson01 as check
    check.mp_neuron(mp_neuron)      # ✓ on success, a specific message on failure
    check.mp_neuron.hint()          # a nudge, never the answer

A self-check tests known facts on fixed inputs (a truth table, σ'(0) = 0.25, ...). The
instructor's hidden tests, which compare against a reference on fresh random inputs, live
in the course's ``autograder`` folder, not here.
"""
from __future__ import annotations

from typing import Callable

from ..checking import CheckFailed, passed


class Exercise:
    """A self-check: call it with the student's function(s)."""

    def __init__(self, run: Callable[..., int], name: str, hint: str):
        self._run = run
        self.name = name
        self._hint = hint
        self.__doc__ = run.__doc__
        self.__name__ = run.__name__

    def __call__(self, *answers) -> None:
        try:
            n = self._run(*answers)
        except CheckFailed as failure:
            if failure.exercise is None:
                raise CheckFailed(failure.message, exercise=self.name) from None
            raise
        passed(self.name, n)

    def hint(self) -> None:
        """Print a hint for this exercise."""
        print(f"hint ({self.name}): {self._hint}")

    def __repr__(self) -> str:
        return f"<self-check {self.name}: call it with your function; .hint() for a nudge>"


def exercise(name: str, hint: str) -> Callable[[Callable[..., int]], Exercise]:
    """Declare a self-check. The decorated function runs the checks and returns how many passed."""
    return lambda run: Exercise(run, name, hint)
