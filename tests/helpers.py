"""Shared test helpers: the repository's paths, each lesson's source notebook taken apart for
in-process tests (:class:`SourceNotebook`), and the answer fixtures of each lesson.

A fixture is the full source of one answer cell, kept in
``tests/lessonNN/fixtures/{wrong,right}/<grade_id>__<slug>.py`` (each lesson's tests and
fixtures share one folder, ``tests/lessonNN/``). Its header comments say what
it is and what must happen:

    # mistake: returns sigma(z) instead of sigma(z) * (1 - sigma(z))
    # expect-hint: did you return
    # loses: test_sigmoid_prime

``wrong`` fixtures are plausible student mistakes: the tests they name in ``loses`` (by default
every test cell of that answer) must score zero, and the failure message must contain
``expect-hint``. ``right`` fixtures are correct answers written differently: full marks.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from autograder import course, hidden
from autograder.course import REPO


def fixtures_folder(lesson: str) -> Path:
    """``tests/lessonNN/fixtures``: the answer fixtures of ``lesson`` (``"02_perceptron"`` or ``"02"``)."""
    return Path(__file__).resolve().parent / f"lesson{lesson[:2]}" / "fixtures"


@dataclass
class AnswerFixture:
    lesson: str
    kind: str  # "wrong" or "right"
    grade_id: str
    slug: str
    source: str
    description: str = ""
    expect_hint: str = ""
    loses: list[str] = field(default_factory=list)
    hidden_hint: bool = True
    """The hidden test names the mistake too (``# hidden-hint: no`` when only the self-check can)."""

    @property
    def name(self) -> str:
        return f"{self.lesson}/{self.kind}/{self.grade_id}__{self.slug}"


def _header(source: str, key: str) -> str:
    match = re.search(rf"^#\s*{key}:\s*(.+)$", source, re.MULTILINE)
    return match.group(1).strip() if match else ""


def lessons() -> list[str]:
    return sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def answer_fixtures(lesson: str, kind: str | None = None) -> list[AnswerFixture]:
    out = []
    for path in sorted(fixtures_folder(lesson).glob("*/*.py")):
        if kind and path.parent.name != kind:
            continue
        grade_id, _, slug = path.stem.partition("__")
        source = path.read_text()
        loses = [s.strip() for s in _header(source, "loses").split(",") if s.strip()]
        out.append(AnswerFixture(lesson, path.parent.name, grade_id, slug, source,
                                 _header(source, "mistake") or _header(source, "why"),
                                 _header(source, "expect-hint"), loses, _header(source, "hidden-hint") != "no"))
    return out


class SourceNotebook:
    """A lesson's source notebook ``source/<lesson>/<lesson>.ipynb``, taken apart for in-process tests.

    ``answers``: {grade_id: source} of the code answer cells; ``tests``: {grade_id: (points, source)}
    of the auto-graded test cells; ``written``: {grade_id: (points, source)} of the manually graded
    markdown answers. All three keep notebook order.
    """

    def __init__(self, lesson: str):
        self.lesson, number = lesson, lesson[:2]
        self.nb = nbformat.read(course.SOURCE / lesson / f"{lesson}.ipynb", as_version=4)
        self.check = importlib.import_module(f"tlukit.checks.lesson{number}")
        self.home = importlib.import_module(f"autograder.lessons.lesson{number}")
        self.reference = self.questions = self.home  # one module holds both
        self.answers: dict[str, str] = {}
        self.tests: dict[str, tuple[float, str]] = {}
        self.written: dict[str, tuple[float, str]] = {}
        self._owner: dict[str, str | None] = {}  # test cell -> the answer cell above it
        owner = None
        for cell in self.nb.cells:
            kind, grade_id = course.kind(cell), course.grade_id(cell)
            if kind == "answer":
                owner = grade_id
                self.answers[owner] = cell.source
            elif kind == "written":
                self.written[grade_id] = (cell.metadata["nbgrader"]["points"], cell.source)
            elif kind == "test":
                self.tests[grade_id] = (cell.metadata["nbgrader"]["points"], cell.source)
                self._owner[grade_id] = owner

    def tests_of(self, answer_id: str) -> list[str]:
        """The test cells between answer cell ``answer_id`` and the next answer cell."""
        return [t for t, owner in self._owner.items() if owner == answer_id]

    def hidden_call(self, test_id: str) -> tuple[str, str]:
        """(qid, function name) of the ``hidden_test("qid", fn)`` call in a test cell."""
        found = course.hidden_test_calls(self.tests[test_id][1])
        assert found, f"{test_id} has no hidden_test call"
        return found[0]

    def run_self_check(self, test_id: str, namespace: dict) -> None:
        """Execute only the visible part of a test cell (its hidden test removed) on ``namespace``."""
        exec(course.HIDDEN_TESTS.sub("", self.tests[test_id][1]), {**namespace, "check": self.check})

    def run_test_cell(self, test_id: str, namespace: dict) -> None:
        """Execute a test cell (visible self-check, then hidden test) on ``namespace``."""
        exec(self.tests[test_id][1], {**namespace, "check": self.check, "hidden_test": hidden.run})

    def reference_namespace(self) -> dict:
        """numpy as ``np`` and the reference answer of every hidden test of the lesson."""
        answers = {}
        for test_id in self.tests:
            qid, name = self.hidden_call(test_id)
            q = hidden.question(qid)
            answers[name] = q.reference() if q.shape == "value" and callable(q.reference) else q.reference
        return {"np": np, **answers}
