"""Grading mode: smaller sizes while the autograder runs a notebook.

When the instructor grades, the kit runs each notebook with ``TLUKIT_GRADING=1``. A lesson
keeps its long cells cheap there with :func:`scaled`::

    EPOCHS = scaled(30, grading=2)          # 30 for the student, 2 while grading
    X_train = X_train[: scaled(None, grading=5_000)]

``TLUKIT_QUICK=1`` gives the small sizes without grading mode's other effects (self-checks that
raise): the test suite runs releases that way.

Graded answers never depend on these sizes: hidden tests call the student's functions on
their own small inputs, so a check means the same in both modes.

Hidden tests are the instructor's: a source notebook's hidden test cell imports
``autograder.hidden.hidden_test`` itself, and nbgrader removes those cells from the release.
This package never imports the autograder.
"""
from __future__ import annotations

import os

MODE = "TLUKIT_GRADING"


def grading_mode() -> bool:
    """True while the autograder runs this notebook (``TLUKIT_GRADING=1``)."""
    return os.environ.get(MODE, "") == "1"


def quick() -> bool:
    """True in grading mode, and where ``TLUKIT_QUICK=1`` asks for the small sizes alone (the test
    suite's Run All of a release: small sizes, but self-checks that print as they do for a person)."""
    return grading_mode() or os.environ.get("TLUKIT_QUICK", "") == "1"


def scaled(full, *, grading):
    """``full`` when a person runs the notebook, ``grading`` while the autograder does (or
    ``TLUKIT_QUICK=1``)."""
    return grading if quick() else full
