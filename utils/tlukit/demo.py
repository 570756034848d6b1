"""Demos that use the student's own functions, and say which exercise to finish when they cannot run."""
from __future__ import annotations

import contextlib

from .checking import CheckFailed, unwritten


@contextlib.contextmanager
def needs(exercise: str):
    """Run a demo that uses the student's code from ``exercise`` (``"Exercise 2 (mp_neuron)"``).

    When that code is not written yet, or raises, the demo prints one line saying which exercise
    to finish or fix, instead of a traceback, and the notebook goes on::

        with needs("Exercise 2 (mp_neuron)"):
            plots.truth_table(and_gate)
    """
    try:
        yield
    except CheckFailed as failure:
        print(f"⏳ finish {exercise} to see this: {failure.message.splitlines()[0]}")
    except Exception as exc:  # noqa: BLE001 - a demo never stops the notebook
        stub = unwritten(exc)
        if stub:
            print(f"⏳ finish {exercise} to see this ({stub} is not written yet).")
        else:
            several = exercise.startswith("Exercises ")
            print(f"⚠ this demo uses your code from {exercise}, which raised {type(exc).__name__}: {exc}. "
                  f"Fix {exercise} ({'their checks say' if several else 'its check says'} more) to see this.")
