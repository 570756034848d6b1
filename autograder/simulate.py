"""Simulated students: build submissions from the release, the solutions and answer fixtures.

Used by the demo and by the end-to-end tests. A submission is the release notebook with some
answer cells filled in, exactly as a student would hand it in.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import nbformat

from . import build, course


def answer_cells(nb) -> dict[str, str]:
    """Grade id -> source of the code answer cells of a notebook."""
    return {course.grade_id(c): c.source for c in nb.cells if course.kind(c) == "answer"}


def solution_answers(lesson: str) -> dict[str, str]:
    """The model answers of a lesson's auto-graded cells, markers removed."""
    nbs = [build.solution_notebook(p) for p in course.notebooks(lesson)]
    return {k: v for nb in nbs for k, v in answer_cells(nb).items()}


def release_notebook(lesson: str, release_root: Path = course.RELEASE):
    (path,) = course.notebooks(lesson, release_root)
    return nbformat.read(path, as_version=4)


def fill(nb, answers: dict[str, str]):
    """A copy of ``nb`` whose answer cells hold ``answers`` (by grade id)."""
    nb = nbformat.from_dict(nb)
    known = set()
    for cell in nb.cells:
        grade_id = course.grade_id(cell)
        if grade_id in answers:
            cell.source = answers[grade_id]
            known.add(grade_id)
    unknown = set(answers) - known
    if unknown:
        raise KeyError(f"no answer cell with grade id {', '.join(sorted(unknown))}")
    return nb


def never_returns(source: str) -> str:
    """An answer whose first function loops forever (a student's runaway ``while``)."""
    name = re.search(r"^def (\w+)\(", source, re.M).group(1)
    return f"def {name}(*args, **kwargs):\n    while True:  # the exit condition was forgotten\n        pass\n"


def write_submission(inbox: Path, student: str, notebooks: dict[str, object], *, as_zip: bool = False) -> Path:
    """Put a student's notebooks (file name -> notebook node or raw bytes) in the inbox."""
    inbox.mkdir(parents=True, exist_ok=True)
    def payload(nb):
        return nb if isinstance(nb, bytes) else nbformat.writes(nb).encode()
    if as_zip:
        path = inbox / f"{student}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, nb in notebooks.items():
                archive.writestr(f"{student}/{name}", payload(nb))
        return path
    folder = inbox / student
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        (folder / name).write_bytes(payload(nb))
    return folder


def mistake_answers(lesson: str, count: int = 2) -> dict[str, str]:
    """Plausible mistakes from the test fixtures: the first wrong answer of ``count`` answer cells."""
    chosen: dict[str, str] = {}
    for path in sorted((course.REPO / "tests" / f"lesson{lesson[:2]}" / "fixtures" / "wrong").glob("*.py")):
        grade_id = path.stem.partition("__")[0]
        if grade_id not in chosen and len(chosen) < count:
            chosen[grade_id] = path.read_text()
    return chosen


TAMPERING = """import numpy as np
np.allclose = np.array_equal = lambda *args, **kwargs: True       # every comparison passes...
np.testing.assert_allclose = lambda *args, **kwargs: None
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: print("✓ passed"))  # ...and no error shows
print("Score: 100%")"""


def tampered(nb, answers: dict[str, str]):
    """``nb`` with ``answers`` and a cell right after the set-up that tries to game the checks."""
    nb = fill(nb, answers)
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(TAMPERING))
    return nb


def demo_class(inbox: Path, release_root: Path, solutions_root: Path, lessons: list[str]) -> dict[str, str]:
    """Write the demo's students into ``inbox``; return who is who."""
    def name(lesson):
        return course.notebooks(lesson)[0].name
    release = {lesson: release_notebook(lesson, release_root) for lesson in lessons}
    model = {lesson: solution_answers(lesson) for lesson in lessons}
    write_submission(inbox, "ada", {name(l): nbformat.read(course.notebooks(l, solutions_root)[0], as_version=4)
                                    for l in lessons})
    write_submission(inbox, "ben", {name(l): release[l] for l in lessons}, as_zip=True)
    write_submission(inbox, "casey", {name(l): fill(release[l], {**model[l], **mistake_answers(l)}) for l in lessons})
    first = lessons[0]
    last_answer = list(model[first])[-1]
    dana = {name(l): fill(release[l], model[l]) for l in lessons}
    dana[name(first)] = fill(release[first], {**model[first], last_answer: never_returns(model[first][last_answer])})
    write_submission(inbox, "dana", dana)
    eve = {name(l): fill(release[l], model[l]) for l in lessons}
    eve[name(lessons[-1])] = nbformat.writes(release[lessons[-1]]).encode()[:2000]  # cut off mid-upload
    write_submission(inbox, "eve", eve, as_zip=True)
    first_answer = next(iter(model[first]))
    write_submission(inbox, "fran", {name(l): tampered(release[l], {first_answer: model[first][first_answer]}
                                                       if l == first else {}) for l in lessons})
    return {
        "ada": "hands in the solutions",
        "ben": "hands in the untouched release (as a zip)",
        "casey": "makes plausible mistakes in two answers per lesson",
        "dana": f"writes an answer that never returns ({first}: {last_answer})",
        "eve": f"uploads a truncated, corrupt notebook for {lessons[-1]} (as a zip)",
        "fran": f"answers only {first}: {first_answer}, patches NumPy's comparisons, hides errors and prints "
                "a fake score",
    }
