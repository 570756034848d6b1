"""Grade a class: intake, sandboxed grading in parallel, nbgrader's gradebook, feedback, CSV.

The inbox holds one entry per student: a folder (``inbox/ada/...``, notebooks anywhere inside)
or a zip archive (``inbox/ada.zip``). Notebooks are matched to lessons by file name; no other
file of a submission is used. The inbox is only read, never changed.

Each (student, lesson) notebook is graded by :mod:`autograder.runner` in a pool of worker
processes, one per core: the student's code runs in a sandboxed kernel, the verdicts are
computed in the worker. nbgrader then records the scores (it runs nothing), writes the
feedback and exports the gradebook. Whatever happens to one notebook (a crash, a time-out, a
corrupt file) is recorded as that student's reason and the batch goes on.
"""
from __future__ import annotations

import contextlib
import csv
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import build, intake, runner
from .intake import STUDENT_ID, collect  # noqa: F401 - intake has its own module; grade.collect stays


@dataclass
class Outcome:
    """What grading one student's notebook for one lesson gave."""

    student: str
    lesson: str
    status: str = "graded"  # graded | failed | missing
    reason: str = ""
    seconds: float = 0.0
    scores: dict[str, tuple[float | None, float]] = field(default_factory=dict)  # grade id -> (score, max)
    passed: dict[str, bool] = field(default_factory=dict)  # grade id -> the grader's verdict
    verdicts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Grade id -> (status, known mistake or None) of the grader's verdict (``hidden.Verdict``)."""

    def add_reason(self, text: str) -> None:
        self.reason = f"{self.reason}; {text}" if self.reason else text

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
    protections_off: list[str] = field(default_factory=list)
    sandbox_why: str = ""
    workers: int = 1
    class_report: Path | None = None  # the instructor's HTML report (autograder/classreport.py)
    class_report_error: str = ""  # why it could not be written, if it could not

    def outcome(self, student: str, lesson: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.student == student and o.lesson == lesson), None)


# ----------------------------------------------------------------------------- nbgrader
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


# ----------------------------------------------------------------------------- grading
def _job(course: Path, student: str, lesson: str, submitted: bool, limits: runner.Limits, sandbox: str,
         grading_mode: bool, seed: int | None, notes: list[str] | None = None) -> runner.Job:
    (source,) = build.notebooks(lesson, course / "source")
    release = course / "release" / lesson / source.name
    path = course / "submitted" / student / lesson / source.name
    return runner.Job(student, lesson, source, release, path if submitted else None,
                      course / "executed" / student / lesson / source.name, limits, sandbox, grading_mode, seed,
                      notes or [])


def _grade_one(job: runner.Job) -> runner.Result:
    try:
        return runner.grade(job)
    except Exception as exc:  # noqa: BLE001 - a fault of the grader with one notebook must not stop the batch
        result = runner.Result(job.student, job.lesson, "failed")
        result.reasons.append(f"the grader could not grade this notebook ({type(exc).__name__}: {str(exc)[:200]}); "
                              "please report it")
        return result


def _pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"))


def run_jobs(pool, jobs: list[runner.Job], progress: bool = True) -> list[runner.Result]:
    """Grade the notebooks in the worker pool, with a progress bar."""
    from concurrent.futures import as_completed

    bar = _progress(len(jobs)) if progress else None
    results: dict[int, runner.Result] = {}
    futures = {pool.submit(_grade_one, job): i for i, job in enumerate(jobs)}
    for future in as_completed(futures):
        i = futures[future]
        try:
            results[i] = future.result()
        except Exception as exc:  # noqa: BLE001 - a worker that died takes only its own notebook with it
            job = jobs[i]
            results[i] = runner.Result(job.student, job.lesson, "failed",
                                       [f"the grading worker died ({type(exc).__name__}); please report it"])
        if bar:
            bar.set_postfix_str(f"{jobs[i].student}/{jobs[i].lesson}", refresh=False)
            bar.update(1)
    if bar:
        bar.close()
    return [results[i] for i in range(len(jobs))]


def feedback(pool, course: Path, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Feedback for every (student, lesson) in parallel; what went wrong, by pair."""
    futures = {pair: pool.submit(feedback_one, course, pair[1], pair[0]) for pair in pairs}
    problems = {}
    for pair, future in futures.items():
        try:
            problem = future.result()
        except Exception as exc:  # noqa: BLE001
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            problems[pair] = problem
    return problems


def grade_class(inbox: Path, course: Path, *, lessons: list[str] | None = None, limits: runner.Limits | None = None,
                workers: int | None = None, sandbox: str = "auto", grading_mode: bool = True, seed: int | None = None,
                progress: bool = True) -> Report:
    """The whole cycle for a class: intake, sandboxed grading in parallel, scores, feedback, CSV."""
    from . import sandbox as sandboxes

    start = time.perf_counter()
    course = Path(course).resolve()
    lessons = lessons or build.lessons()
    limits = limits or runner.Limits()
    box = sandboxes.detect(sandbox)
    for old in ("executed", "autograded", "feedback"):
        shutil.rmtree(course / old, ignore_errors=True)
    prepare(course, lessons)
    submitted, problems = collect(Path(inbox), course, lessons)
    pairs = [(s, lesson) for s in sorted(submitted) for lesson in lessons]
    jobs = [_job(course, s, lesson, lesson in submitted[s], limits, sandbox, grading_mode, seed,
                 # why intake took no notebook (a link, too big...): in this row and in the feedback
                 [] if lesson in submitted[s] else intake.why_missing(problems, s, lesson, lessons))
            for s, lesson in pairs]
    workers = workers or os.cpu_count() or 1
    with _pool(workers) as pool:
        results = run_jobs(pool, jobs, progress)
        unrecorded = record(course, lessons)
        no_feedback = feedback(pool, course, [pair for pair in pairs if pair not in unrecorded])
    outcomes = []
    for result in results:
        outcomes.append(Outcome(result.student, result.lesson, result.status, result.reason, result.seconds,
                                scores(course, result.lesson, result.student),
                                {k: v.passed for k, v in result.verdicts.items()},
                                {k: (v.status, v.mistake) for k, v in result.verdicts.items()}))
        pair = (result.student, result.lesson)
        if pair in unrecorded:
            outcomes[-1].status, outcomes[-1].scores = "failed", {}
            outcomes[-1].add_reason(f"nbgrader could not record this notebook ({unrecorded[pair]}); please report it")
        if pair in no_feedback:
            outcomes[-1].add_reason(f"no feedback: {no_feedback[pair]}")
    report = Report(course, outcomes, problems, {lesson: questions(lesson) for lesson in lessons})
    report.protections_off, report.sandbox_why, report.workers = box.off(), box.why, workers
    report.grades_csv, report.questions_csv = export(course), course / "grades_by_question.csv"
    write_question_csv(report, report.questions_csv)
    try:
        from . import classreport

        report.class_report = classreport.write(report, course / "report.html")
    except Exception as exc:  # noqa: BLE001 - the grades are recorded; a faulty report must not hide them
        report.class_report_error = f"{type(exc).__name__}: {str(exc)[:300]}"
    report.seconds = time.perf_counter() - start
    return report


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr)


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


def write_question_csv(report: Report, path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "lesson", "question", "score", "max_score", "status", "reason"])
        for o in report.outcomes:
            for grade_id, points in report.questions[o.lesson]:
                score, _ = o.scores.get(grade_id, (0.0 if o.status != "graded" else None, points))
                writer.writerow([o.student, o.lesson, grade_id, "" if score is None else score, points, o.status, o.reason])



# ----------------------------------------------------------------------------- report
def print_report(report: Report) -> None:
    from rich.console import Console
    from rich.markup import escape as esc  # reasons quote student code: show it, never read it as markup
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
                notes.append(f"  {o.student}: {esc(o.reason)}")
                status += " *"
            table.add_row(o.student, *cells, f"{o.total:g}/{possible:g}", status)
        console.print(table)
        for note in notes:
            console.print(f"[yellow]*[/yellow]{note}", highlight=False)
        if any(s is None for o in report.outcomes if o.lesson == lesson for s, _ in o.scores.values()):
            console.print("  manual: a written answer waiting for manual grading (nbgrader formgrader)")
        console.print()
    for who, what in report.problems:
        console.print(f"[yellow]submission problem[/yellow] {esc(who)}: {esc(what)}", highlight=False)
    failed = [o for o in report.outcomes if o.status == "failed"]
    graded = [o for o in report.outcomes if o.status == "graded"]
    console.rule("summary")
    console.print(f"{len(graded)} notebooks graded, {len(failed)} failed, "
                  f"{sum(o.status == 'missing' for o in report.outcomes)} missing, in {report.seconds:.1f} s "
                  f"({report.workers} worker{'s' if report.workers != 1 else ''}).")
    for o in failed:
        console.print(f"  [red]failed[/red] {o.student}/{o.lesson}: {esc(o.reason)}", highlight=False)
    if report.protections_off:
        console.print(f"[bold red]No sandbox[/bold red]: {esc(report.sandbox_why)}. Protections that are off:", highlight=False)
        for what in report.protections_off:
            console.print(f"  - {esc(what)}", highlight=False)
    else:
        console.print("Student code ran in a bubblewrap sandbox; every verdict was computed outside it.")
    console.print(f"Gradebook CSV:      {esc(str(report.grades_csv))}", highlight=False)
    console.print(f"Scores by question: {esc(str(report.questions_csv))}", highlight=False)
    console.print(f"Feedback (HTML):    {esc(str(report.course / 'feedback'))}/<student>/<lesson>/", highlight=False)
    console.print(f"Gradebook database: {esc(str(report.course / 'gradebook.db'))}", highlight=False)
    if report.class_report:
        console.print(f"Class report:       {esc(str(report.class_report))}  (open it in a browser)", highlight=False)
    elif report.class_report_error:
        console.print(f"[red]Class report not written[/red]: {esc(report.class_report_error)}", highlight=False)
