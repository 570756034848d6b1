"""Grading mode, and the hook the notebooks' hidden tests call.

When the instructor grades, the kit runs each notebook with ``TLUKIT_GRADING=1``. A lesson
keeps its long cells cheap there with :func:`scaled`::

    EPOCHS = scaled(30, grading=2)          # 30 for the student, 2 while grading
    X_train = X_train[: scaled(None, grading=5_000)]

Graded answers never depend on these sizes: hidden tests call the student's functions on
their own small inputs, so a check means the same in both modes.

A hidden test cell in a source notebook reads::

    ### BEGIN HIDDEN TESTS
    hidden_test("02.perceptron_update", perceptron_update)
    ### END HIDDEN TESTS

The test itself (inputs drawn at random, the reference implementation, the comparison) is the
instructor's and lives in the course's ``autograder`` folder, which this module finds when the
instructor grades. Students never run hidden tests: nbgrader removes them from the release.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ENV = "TLUKIT_AUTOGRADER"
MODE = "TLUKIT_GRADING"


def grading_mode() -> bool:
    """True while the autograder runs this notebook (``TLUKIT_GRADING=1``)."""
    return os.environ.get(MODE, "") == "1"


def scaled(full, *, grading):
    """``full`` when a person runs the notebook, ``grading`` while the autograder does."""
    return grading if grading_mode() else full


def _find_autograder() -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "autograder" / "hidden.py").is_file():
            return folder / "autograder"
    raise RuntimeError(
        "Hidden tests run only when the instructor grades: the course's autograder folder was not "
        f"found. Set {ENV} to its path (the grading command does this for you)."
    )


def _load_runner():
    """Import ``autograder.hidden`` from its folder, not from the student's working directory."""
    if "autograder.hidden" in sys.modules:
        return sys.modules["autograder.hidden"]
    folder = _find_autograder()
    spec = importlib.util.spec_from_file_location(
        "autograder", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["autograder"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("autograder.hidden")


def hidden_test(question: str, *answers) -> None:
    """Run the instructor's hidden test ``question`` (``"NN.name"``) on the student's answer(s)."""
    _load_runner().run(question, *answers)
