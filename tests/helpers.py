"""Shared test helpers: the repository's paths and the answer fixtures of each lesson.

A fixture is the full source of one answer cell, kept in
``tests/fixtures/<lesson>/{wrong,right}/<grade_id>__<slug>.py``. Its header comments say what
it is and what must happen:

    # mistake: returns sigma(z) instead of sigma(z) * (1 - sigma(z))
    # expect-hint: did you return
    # loses: test_sigmoid_prime

``wrong`` fixtures are plausible student mistakes: the tests they name in ``loses`` (by default
every test cell of that answer) must score zero, and the failure message must contain
``expect-hint``. ``right`` fixtures are correct answers written differently: full marks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
    for path in sorted((FIXTURES / lesson).glob("*/*.py")):
        if kind and path.parent.name != kind:
            continue
        grade_id, _, slug = path.stem.partition("__")
        source = path.read_text()
        loses = [s.strip() for s in _header(source, "loses").split(",") if s.strip()]
        out.append(AnswerFixture(lesson, path.parent.name, grade_id, slug, source,
                                 _header(source, "mistake") or _header(source, "why"),
                                 _header(source, "expect-hint"), loses))
    return out
