"""The course's layout and its cell rules: the one place both are written down.

Layout. ``source/<lesson>/*.ipynb`` holds the instructor's notebooks (one per lesson, named like
its folder); ``release/`` and ``solutions/`` hold what :mod:`autograder.build` generates from
them, in the same layout; ``nbgrader_config.py`` is nbgrader's configuration. A lesson is a
folder of ``source/`` that holds a notebook.

Cell rules. What a cell is comes from nbgrader's metadata (``cell.metadata.nbgrader``):

* An **answer** cell has ``solution: true``: the student writes in it, and it is the only kind
  of cell whose source is taken from a submission. A code answer cell is of kind ``"answer"``;
  any other answer cell (markdown) is a **written** answer, kind ``"written"``, which also has
  ``grade: true`` and ``points``: the instructor grades it by hand.
* A **test** cell is a code cell with ``grade: true`` and no ``solution``: it is graded
  automatically and is worth its ``points``. Its grade id starts with ``test_``. It calls
  ``hidden_test("NN.name", function)`` exactly once, between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``, with the function passed by name: :func:`hidden_calls` reads that
  call, and the grader replaces it by a probe of that function.
* A cell with ``grade: true`` (a test cell or a written answer) is scored; ``points`` is what it
  is worth (0 when absent).
* Every other code cell is plain **code** (set-up, demonstrations, the cells a student added,
  which carry ``metadata.tlukit.added``); every other cell is **markdown** (raw cells too).
  When grading, the markdown cells and the written answers are not run.
* A cell with ``metadata.tlukit.grading == "skip"`` only draws: grading mode does not run it.
* In a source notebook, ``### BEGIN SOLUTION`` / ``### END SOLUTION`` mark the model answer,
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` the hidden test and
  ``=== BEGIN MARK SCHEME ===`` / ``=== END MARK SCHEME ===`` a written answer's mark scheme:
  the solutions keep none of them, and the release none of what they enclose.

A code cell marked both ``solution`` and ``grade`` (nbgrader's "autograded answer") is not used
by the kit: the lint of the source notebooks (``tests/test_notebooks.py``) refuses it.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tlukit.mistakes import parse

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source"
RELEASE = REPO / "release"
SOLUTIONS = REPO / "solutions"
CONFIG = REPO / "nbgrader_config.py"

HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)
MARK_SCHEME = re.compile(r"^=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===\n?", re.S | re.M)
TEST_PREFIX = "test_"  # of a test cell's grade id


# ----------------------------------------------------------------------------- layout
def lessons() -> list[str]:
    """The lesson folders of ``source/``, in order."""
    return sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))


def notebooks(lesson: str, root: Path = SOURCE) -> list[Path]:
    """The notebooks of ``lesson`` under ``root`` (``source/`` by default; a release or solutions folder)."""
    return sorted(p for p in (root / lesson).glob("*.ipynb"))


# ----------------------------------------------------------------------------- cells
def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def grade_id(cell) -> str | None:
    return _nbgrader(cell).get("grade_id")


def points(cell) -> float:
    """What a scored cell is worth (0 when it says nothing)."""
    return float(_nbgrader(cell).get("points", 0))


def is_answer(cell) -> bool:
    """A cell the student writes in: a code answer or a written answer."""
    return bool(_nbgrader(cell).get("solution"))


def is_test(cell) -> bool:
    """An auto-graded test cell."""
    meta = _nbgrader(cell)
    return bool(meta.get("grade") and not meta.get("solution") and cell.cell_type == "code")


def is_written(cell) -> bool:
    """A written answer: an answer cell that is not code (markdown), graded by hand."""
    return is_answer(cell) and cell.cell_type != "code"


def is_graded(cell) -> bool:
    """A scored cell: a test cell or a written answer."""
    return bool(_nbgrader(cell).get("grade"))


def is_test_id(name: str) -> bool:
    """Whether a grade id names a test cell (rather than a written answer)."""
    return name.startswith(TEST_PREFIX)


def kind(cell) -> str:
    """``"answer"``, ``"test"``, ``"written"``, ``"markdown"`` or ``"code"`` (see the module's rules)."""
    if is_test(cell):
        return "test"
    if is_written(cell):
        return "written"
    if cell.cell_type != "code":
        return "markdown"
    return "answer" if is_answer(cell) else "code"


def run_kind(cell) -> str:
    """How the grader runs a cell: ``"markdown"`` (not run: markdown cells and written answers),
    ``"test"`` (a probe of its hidden test, then its visible checks) or ``"code"`` (as written)."""
    return {"test": "test", "answer": "code", "code": "code"}.get(kind(cell), "markdown")


def skip_when_grading(cell) -> bool:
    """A cell that only draws: grading mode does not run it."""
    return cell.metadata.get("tlukit", {}).get("grading") == "skip"


def hidden_test_calls(source: str) -> list[tuple[str, str]]:
    """The ``hidden_test("NN.name", function)`` calls in a cell's source: (question id, function name)."""
    found = []
    for node in ast.walk(parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "hidden_test" and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[1], ast.Name)):
            found.append((node.args[0].value, node.args[1].id))
    return found


def hidden_calls(source_nb) -> dict[str, tuple[str, str]]:
    """Grade id of each auto-graded test cell -> (question id, name of the function it tests)."""
    calls = {}
    for cell in source_nb.cells:
        if not is_test(cell):
            continue
        meta = _nbgrader(cell)
        found = hidden_test_calls(cell.source)
        if len(found) != 1:
            raise ValueError(f"test cell {meta['grade_id']} must call hidden_test(\"NN.name\", function) exactly once")
        calls[meta["grade_id"]] = found[0]
    return calls


def cell_name(index: int, cell) -> str:
    """``cell 12 (test_gates)``: a cell by its place in the notebook, and its grade id if it has one."""
    known = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1}" + (f" ({known})" if known else "")


def describe(cell) -> str:
    """A cell as the grader's notes name it to the student: by its grade id, else by its first line."""
    meta = _nbgrader(cell)
    if meta.get("grade_id"):
        return f"{'answer cell' if meta.get('solution') else 'cell'} {meta['grade_id']}"
    first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")[:60]
    return f"a cell you added ({first!r})" if cell.metadata.get("tlukit", {}).get("added") else f"the cell {first!r}"


def definitions(nb) -> dict[str, str]:
    """Name → source of each function or class a notebook's code cells define at their top level.

    The last definition of a name wins, as when the notebook runs. Lines of IPython magics
    (``%pip``, ``!ls``) are blanked before parsing; a cell that still does not parse is skipped.
    The grader checks an exercise's structural rules on these sources.
    """
    found: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
        try:
            tree = parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name] = ast.get_source_segment(text, node) or ""
    return found
