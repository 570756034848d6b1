"""Grade a class: take in submissions, autograde with nbgrader, feedback, gradebook CSV.

The inbox holds one entry per student: a folder (``inbox/ada/...``, notebooks anywhere inside)
or a zip archive (``inbox/ada.zip``). Notebooks are matched to lessons by file name. The inbox
is only read, never changed.

Each (student, lesson) pair is autograded by its own ``nbgrader autograde`` process, with
nbgrader's time limit per cell and this module's time limit per notebook; whatever happens to
one student (a crash, a time-out, a corrupt notebook) is recorded as that student's reason and
the batch goes on.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from . import build

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class Outcome:
    """What grading one student's notebook for one lesson gave."""

    student: str
    lesson: str
    status: str = "graded"  # graded | failed | missing
    reason: str = ""
    seconds: float = 0.0
    scores: dict[str, tuple[float | None, float]] = field(default_factory=dict)  # grade id -> (score, max)

    @property
    def total(self) -> float:
        return sum(s or 0.0 for s, _ in self.scores.values())


@dataclass
class Report:
    course: Path
    outcomes: list[Outcome]
    problems: list[tuple[str, str]]  # (student or entry, what was wrong with the submission)
    questions: dict[str, list[tuple[str, float]]]  # lesson -> [(grade id, points)] in notebook order
    seconds: float = 0.0
    grades_csv: Path | None = None
    questions_csv: Path | None = None

    def outcome(self, student: str, lesson: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.student == student and o.lesson == lesson), None)


# ----------------------------------------------------------------------------- intake
def _notebook_names(lessons: list[str]) -> dict[str, str]:
    return {p.name: lesson for lesson in lessons for p in build.notebooks(lesson)}


def collect(inbox: Path, course: Path, lessons: list[str]) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """Copy each student's notebooks from ``inbox`` to ``course/submitted/<student>/<lesson>/``.

    Returns the lessons each student submitted and the problems found (never raised: a bad
    entry is reported and the others are taken in).
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"The inbox {inbox} is not a folder. Put one folder or one .zip per student in it.")
    wanted = _notebook_names(lessons)
    submitted: dict[str, set[str]] = {}
    problems: list[tuple[str, str]] = []
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            student = entry.name
            files = [(p.name, p.read_bytes()) for p in sorted(entry.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]
        elif entry.suffix == ".zip":
            student = entry.stem
            try:
                with zipfile.ZipFile(entry) as archive:
                    files = [(Path(info.filename).name, archive.read(info))
                             for info in archive.infolist()
                             if info.filename.endswith(".ipynb") and "__MACOSX" not in info.filename
                             and ".ipynb_checkpoints" not in info.filename]
            except (zipfile.BadZipFile, OSError):
                problems.append((entry.name, "not a readable zip archive; ask the student to upload it again"))
                continue
        else:
            problems.append((entry.name, "ignored: neither a folder nor a .zip archive"))
            continue
        if not STUDENT_ID.match(student):
            problems.append((entry.name, "ignored: a student id may hold only letters, digits, '.', '_' and '-'"))
            continue
        seen: dict[str, str] = {}
        for name, data in files:
            lesson = wanted.get(name)
            if lesson is None:
                problems.append((student, f"ignored {name}: not a notebook of the graded lessons ({', '.join(sorted(wanted))})"))
                continue
            if lesson in seen:
                problems.append((student, f"two copies of {name}; graded the first one"))
                continue
            target = course / "submitted" / student / lesson
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            (target / name).write_bytes(data)
            seen[lesson] = name
        if not seen:
            problems.append((student, "no notebook of the graded lessons found in the submission"))
        submitted[student] = set(seen)
    return submitted, problems


# ----------------------------------------------------------------------------- grading
def grading_env() -> dict:
    env = build.execution_env()
    env["TLUKIT_AUTOGRADER"] = str(build.REPO / "autograder")
    return env


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        parent = psutil.Process(proc.pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def _error_lines(log: str) -> str:
    lines = [ln.split("]", 1)[-1].strip() for ln in log.splitlines() if "ERROR" in ln or "Error" in ln]
    lines = [ln for ln in lines if ln and not ln.startswith("Traceback")]
    if lines:
        return "; ".join(dict.fromkeys(lines[-3:]))
    tail = log.strip().splitlines()
    return tail[-1] if tail else "no output"


def autograde(course: Path, lesson: str, student: str, *, cell_timeout: int, notebook_timeout: int) -> Outcome:
    """Autograde one student's notebook for one lesson in its own nbgrader process."""
    out = Outcome(student, lesson)
    start = time.perf_counter()
    problem = unreadable(course / "submitted" / student / lesson)
    if problem:
        out.status, out.reason = "failed", problem
        return out
    cmd = [sys.executable, "-m", "nbgrader", "autograde", lesson, "--student", student, "--force",
           f"--Execute.timeout={cell_timeout}"]
    proc = subprocess.Popen(cmd, cwd=course, env=grading_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=notebook_timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        proc.communicate()
        out.status, out.reason = "failed", f"the notebook exceeded its time limit of {notebook_timeout} s"
    else:
        if proc.returncode != 0:
            out.status, out.reason = "failed", f"nbgrader could not grade it: {_error_lines(log)}"
        else:
            out.reason = _timeouts_in_notebook(course, lesson, student, cell_timeout)
            if not out.reason and ("CellTimeoutError" in log or "Timeout waiting for execute reply" in log):
                out.reason = f"a cell exceeded its time limit of {cell_timeout} s"
    out.seconds = time.perf_counter() - start
    out.scores = scores(course, lesson, student)
    return out


def unreadable(folder: Path) -> str:
    """Why the notebooks in ``folder`` cannot be graded, or ``""`` when they can."""
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except (nbformat.reader.NotJSONError, ValueError, UnicodeDecodeError):
            return f"{path.name} is not a readable notebook (not valid JSON: a truncated or damaged file); ask for a fresh upload"
        except Exception as exc:  # noqa: BLE001 - any other reading failure is the student's notebook's
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
            return f"{path.name} is not a readable notebook ({type(exc).__name__}: {first}); ask for a fresh upload"
    return ""


def _timeouts_in_notebook(course: Path, lesson: str, student: str, cell_timeout: int) -> str:
    for path in (course / "autograded" / student / lesson).glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") in ("KeyboardInterrupt", "CellTimeoutError"):
                    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "a cell")
                    return f"{grade_id} exceeded the time limit of {cell_timeout} s per cell and was stopped"
    return ""


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
    for path in build.notebooks(lesson):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                out.append((meta["grade_id"], float(meta.get("points", 0))))
    return out


def prepare(course: Path, lessons: list[str]) -> None:
    """A course folder with the config, the sources and the assignments in its gradebook."""
    build.scratch_course(lessons, course)
    for lesson in lessons:
        build.generate_release(lesson, course)


def feedback_and_export(course: Path, graded: list[Outcome]) -> tuple[Path, Path]:
    for lesson in sorted({o.lesson for o in graded if o.scores}):
        build.nbgrader("generate_feedback", lesson, "--force", cwd=course)
    grades_csv = course / "grades.csv"
    done = build.nbgrader("export", "--to", str(grades_csv), cwd=course)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{done.stdout}\n{done.stderr}")
    return grades_csv, course / "grades_by_question.csv"


def write_question_csv(report: Report, path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "lesson", "question", "score", "max_score", "status", "reason"])
        for o in report.outcomes:
            for grade_id, points in report.questions[o.lesson]:
                score, _ = o.scores.get(grade_id, (0.0 if o.status != "graded" else None, points))
                writer.writerow([o.student, o.lesson, grade_id, "" if score is None else score, points, o.status, o.reason])


def grade_class(inbox: Path, course: Path, *, lessons: list[str] | None = None, cell_timeout: int = 120,
                notebook_timeout: int = 900, progress: bool = True) -> Report:
    """The whole cycle for a class: intake, autograde, feedback, CSV export."""
    start = time.perf_counter()
    course = Path(course).resolve()
    lessons = lessons or build.lessons()
    prepare(course, lessons)
    submitted, problems = collect(Path(inbox), course, lessons)
    jobs = [(s, lesson) for s in sorted(submitted) for lesson in lessons]
    outcomes: list[Outcome] = []
    bar = _progress(len(jobs)) if progress else None
    for student, lesson in jobs:
        if lesson not in submitted[student]:
            outcomes.append(Outcome(student, lesson, "missing", "no notebook submitted for this lesson"))
        else:
            outcomes.append(autograde(course, lesson, student, cell_timeout=cell_timeout, notebook_timeout=notebook_timeout))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    report = Report(course, outcomes, problems, {lesson: questions(lesson) for lesson in lessons})
    report.grades_csv, report.questions_csv = feedback_and_export(course, outcomes)
    write_question_csv(report, report.questions_csv)
    report.seconds = time.perf_counter() - start
    return report


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr)


# ----------------------------------------------------------------------------- report
def print_report(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 140))
    for lesson, qs in report.questions.items():
        table = Table(title=f"{lesson}: points per question", title_justify="left")
        table.add_column("student")
        for grade_id, points in qs:
            table.add_column(f"{grade_id.removeprefix('test_')}\n/{points:g}", justify="right")
        table.add_column("total", justify="right", style="bold")
        table.add_column("status")
        notes = []
        for o in (o for o in report.outcomes if o.lesson == lesson):
            cells = []
            for grade_id, _ in qs:
                score, _ = o.scores.get(grade_id, (None, 0))
                cells.append("·" if grade_id not in o.scores else "manual" if score is None else f"{score:g}")
            possible = sum(p for _, p in qs)
            status = {"graded": "[green]graded[/green]", "failed": "[red]failed[/red]"}.get(o.status, o.status)
            if o.reason:
                notes.append(f"  {o.student}: {o.reason}")
                status += " *"
            table.add_row(o.student, *cells, f"{o.total:g}/{possible:g}", status)
        console.print(table)
        for note in notes:
            console.print(f"[yellow]*[/yellow]{note}", highlight=False)
        if any(s is None for o in report.outcomes if o.lesson == lesson for s, _ in o.scores.values()):
            console.print("  manual: a written answer waiting for manual grading (nbgrader formgrader)")
        console.print()
    for who, what in report.problems:
        console.print(f"[yellow]submission problem[/yellow] {who}: {what}", highlight=False)
    failed = [o for o in report.outcomes if o.status == "failed"]
    graded = [o for o in report.outcomes if o.status == "graded"]
    console.print(f"{len(graded)} notebooks graded, {len(failed)} failed, "
                  f"{sum(o.status == 'missing' for o in report.outcomes)} missing, in {report.seconds:.1f} s.")
    console.print(f"Gradebook CSV:      {report.grades_csv}", highlight=False)
    console.print(f"Scores by question: {report.questions_csv}", highlight=False)
    console.print(f"Feedback (HTML):    {report.course / 'feedback'}/<student>/<lesson>/", highlight=False)
    console.print(f"Gradebook database: {report.course / 'gradebook.db'}", highlight=False)
