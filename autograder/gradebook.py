"""nbgrader's side of grading: the course folder's gradebook, through nbgrader's Python API.

:func:`prepare` makes a course folder nbgrader knows (config, sources, releases, assignments in
its gradebook); :func:`record` has nbgrader record the scores of the executed notebooks (it runs
nothing: the verdicts are already in them); :func:`feedback_one` writes a notebook's HTML
feedback; :func:`export` writes the gradebook's CSV; :func:`scores` reads one submission's
scores back; :func:`questions` lists a lesson's scored cells.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import nbformat

from . import build
from .course import grade_id, is_graded, notebooks, points


def _config(course: Path):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    # Recording pass: the notebooks arrive executed, with the verdicts in the test cells'
    # outputs. nbgrader restores the trusted cells and records the scores; it runs nothing.
    config.merge(Config({"Autograde": {
        "sanitize_preprocessors": ["nbgrader.preprocessors.DeduplicateIds", "nbgrader.preprocessors.OverwriteKernelspec",
                                   "nbgrader.preprocessors.OverwriteCells", "nbgrader.preprocessors.CheckCellMetadata"],
        "autograde_preprocessors": ["nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
                                    "nbgrader.preprocessors.AssignLatePenalties",
                                    "nbgrader.preprocessors.CheckCellMetadata"],
    }}))
    return config


def nbgrader_api(course: Path, **directories):
    """nbgrader's Python API on the course folder, in this process (one start-up, not one per call)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    os.environ["PATH"] = build.with_venv_path({"PATH": os.environ.get("PATH", "")})["PATH"]  # nbgrader runs alembic
    config = _config(course)
    coursedir = CourseDirectory(config=config, root=str(course), **directories)
    return NbGraderAPI(coursedir=coursedir, config=config)


@contextlib.contextmanager
def _quiet():
    """Silence the SQLAlchemy SAWarnings nbgrader's API emits (harmless)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _check(done: dict, what: str) -> None:
    if not done.get("success"):
        raise RuntimeError(f"nbgrader {what} failed:\n{done.get('error') or ''}\n{(done.get('log') or '')[-2000:]}")


def prepare(course: Path, lessons: list[str]) -> None:
    """A course folder with the config, the sources, the releases and the assignments in its gradebook."""
    build.scratch_course(lessons, course)
    api = nbgrader_api(course)
    for lesson in lessons:
        _check(api.generate_assignment(lesson, force=True, create=True), f"generate_assignment {lesson}")


def record(course: Path, lessons: list[str]) -> dict[tuple[str, str], str]:
    """nbgrader records the scores of the executed notebooks (course/executed); it runs nothing.

    One call records a whole lesson. If nbgrader fails on it, each student is recorded on
    their own, so that a notebook nbgrader cannot take costs only its own student. Returns
    (student, lesson) -> why nbgrader could not record that notebook.
    """
    api = nbgrader_api(course, submitted_directory="executed")
    unrecorded: dict[tuple[str, str], str] = {}
    with _quiet():
        for lesson in lessons:
            students = sorted({p.parts[-3] for p in (course / "executed").glob(f"*/{lesson}/*.ipynb")})
            if not students or api.autograde(lesson, "*", force=True, create=True).get("success"):
                continue
            for student in students:
                done = api.autograde(lesson, student, force=True, create=True)
                if not done.get("success"):
                    lines = [ln for ln in (done.get("error") or done.get("log") or "").splitlines() if ln.strip()]
                    unrecorded[(student, lesson)] = (lines[-1] if lines else "no message")[:200]
    return unrecorded


def feedback_one(course: Path, lesson: str, student: str) -> str:
    """nbgrader's HTML feedback for one notebook (run in the worker pool); ``""`` or what went wrong."""
    with _quiet():
        done = nbgrader_api(course, submitted_directory="executed").generate_feedback(lesson, student, force=True)
    return "" if done.get("success") else (done.get("error") or "nbgrader generate_feedback failed")[-300:]


def export(course: Path) -> Path:
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    path = course / "grades.csv"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn-course-kit") as gb:
        CsvExportPlugin(to=str(path)).export(gb)
    return path


def scores(course: Path, lesson: str, student: str) -> dict[str, tuple[float | None, float]]:
    """Scores of one submission from the gradebook: grade id -> (score or None, max score)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            submission = gb.find_submission(lesson, student)
        except MissingEntry:
            return {}
        return {g.name: (g.score if not g.needs_manual_grade else None, g.max_score)
                for nb in submission.notebooks for g in nb.grades}


def questions(lesson: str) -> list[tuple[str, float]]:
    """The graded cells of a lesson (grade id, points) in notebook order."""
    out = []
    for path in notebooks(lesson):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_graded(cell):
                out.append((grade_id(cell), points(cell)))
    return out
