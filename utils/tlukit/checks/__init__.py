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

import os
from typing import Callable

from ..checking import CheckFailed, passed

STRICT_ENV = ("NBGRADER_EXECUTION", "TLUKIT_GRADING", "TLUKIT_STRICT")


def strict() -> bool:
    """True when a failed check must raise: nbgrader validating or autograding (it sets
    ``NBGRADER_EXECUTION``), the kit's grader, ``TLUKIT_STRICT=1``, or plain Python (tests).

    In a notebook that a person runs, a failed check prints its message instead, so that
    *Run All* reaches the end of a lesson with unfinished exercises; nbgrader's *Validate*
    still lists every failing check.
    """
    if any(os.environ.get(name, "") not in ("", "0") for name in STRICT_ENV):
        return True
    try:
        from IPython import get_ipython
    except ImportError:
        return True
    return get_ipython() is None


def report(failure: CheckFailed) -> None:
    """Show a failed check without raising (see :func:`strict`)."""
    lines = failure._render_traceback_()
    note = ("this exercise is not written yet" if failure.not_written else "this check failed")
    print("\n".join(lines) + f"\n\x1b[2m({note}; the notebook goes on. nbgrader's Validate lists it.)\x1b[0m")


class Exercise:
    """A self-check: call it with the student's answer(s)."""

    def __init__(self, run: Callable[..., int], name: str, hint: str, catalogue=None):
        self._run = run
        self.name = name
        self._hint = hint
        self.catalogue = catalogue
        """The mistakes students make on this exercise (:class:`tlukit.mistakes.Catalogue`)."""
        self.__doc__ = run.__doc__
        self.__name__ = run.__name__

    def __call__(self, *answers) -> None:
        try:
            if any(a is Ellipsis for a in answers):
                raise CheckFailed("not written yet: replace `...` with your answer and run its cell again",
                                  not_written=True)
            n = self._run(*answers)
        except CheckFailed as failure:
            if failure.exercise is None:
                failure = CheckFailed(failure.message, exercise=self.name, not_written=failure.not_written)
            if strict():
                raise failure from None
            report(failure)
            return
        passed(self.name, n)

    def hint(self) -> None:
        """Print a hint for this exercise."""
        print(f"hint ({self.name}): {self._hint}")

    def __repr__(self) -> str:
        return f"<self-check {self.name}: call it with your answer; .hint() for a nudge>"


def exercise(name: str, hint: str, catalogue=None) -> Callable[[Callable[..., int]], Exercise]:
    """Declare a self-check. The decorated function runs the checks and returns how many passed."""
    return lambda run: Exercise(run, name, hint, catalogue)
