"""Grade a class: intake, sandboxed grading in parallel, nbgrader's gradebook, feedback, CSV.

The inbox holds one entry per student: a folder (``inbox/ada/...``, notebooks anywhere inside)
or a zip archive (``inbox/ada.zip``). Notebooks are matched to lessons by file name; no other
file of a submission is used. The inbox is only read, never changed.

Each (student, lesson) notebook is graded by :mod:`autograder.runner` in a pool of worker
processes, one per core: the student's code runs in a sandboxed kernel, the verdicts are
computed in the worker. nbgrader then records the scores (it runs nothing), writes the
feedback and exports the gradebook (:mod:`autograder.gradebook`); the scores by question and
the table in the terminal come from :mod:`autograder.report`. Whatever happens to one notebook
(a crash, a time-out, a corrupt file) is recorded as that student's reason and the batch goes on.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import gradebook, intake, runner
from .course import lessons as course_lessons, notebooks
from .intake import STUDENT_ID, collect  # noqa: F401 - intake has its own module; grade.collect stays
from .report import Outcome, Report, progress_bar, write_question_csv


# ----------------------------------------------------------------------------- grading
def _job(course: Path, student: str, lesson: str, submitted: bool, limits: runner.Limits, sandbox: str,
         grading_mode: bool, seed: int | None, notes: list[str] | None = None) -> runner.Job:
    (source,) = notebooks(lesson, course / "source")
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

    bar = progress_bar(len(jobs)) if progress else None
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
    futures = {pair: pool.submit(gradebook.feedback_one, course, pair[1], pair[0]) for pair in pairs}
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
    lessons = lessons or course_lessons()
    limits = limits or runner.Limits()
    box = sandboxes.detect(sandbox)
    for old in ("executed", "autograded", "feedback"):
        shutil.rmtree(course / old, ignore_errors=True)
    gradebook.prepare(course, lessons)
    submitted, problems = collect(Path(inbox), course, lessons)
    pairs = [(s, lesson) for s in sorted(submitted) for lesson in lessons]
    jobs = [_job(course, s, lesson, lesson in submitted[s], limits, sandbox, grading_mode, seed,
                 # why intake took no notebook (a link, too big...): in this row and in the feedback
                 [] if lesson in submitted[s] else intake.why_missing(problems, s, lesson, lessons))
            for s, lesson in pairs]
    workers = workers or os.cpu_count() or 1
    with _pool(workers) as pool:
        results = run_jobs(pool, jobs, progress)
        unrecorded = gradebook.record(course, lessons)
        no_feedback = feedback(pool, course, [pair for pair in pairs if pair not in unrecorded])
    outcomes = []
    for result in results:
        outcomes.append(Outcome(result.student, result.lesson, result.status, result.reason, result.seconds,
                                gradebook.scores(course, result.lesson, result.student),
                                {k: v.passed for k, v in result.verdicts.items()},
                                {k: (v.status, v.mistake) for k, v in result.verdicts.items()}))
        pair = (result.student, result.lesson)
        if pair in unrecorded:
            outcomes[-1].status, outcomes[-1].scores = "failed", {}
            outcomes[-1].add_reason(f"nbgrader could not record this notebook ({unrecorded[pair]}); please report it")
        if pair in no_feedback:
            outcomes[-1].add_reason(f"no feedback: {no_feedback[pair]}")
    report = Report(course, outcomes, problems, {lesson: gradebook.questions(lesson) for lesson in lessons})
    report.protections_off, report.sandbox_why, report.workers = box.off(), box.why, workers
    report.grades_csv, report.questions_csv = gradebook.export(course), course / "grades_by_question.csv"
    write_question_csv(report, report.questions_csv)
    try:
        from . import classreport

        report.class_report = classreport.write(report, course / "report.html")
    except Exception as exc:  # noqa: BLE001 - the grades are recorded; a faulty report must not hide them
        report.class_report_error = f"{type(exc).__name__}: {str(exc)[:300]}"
    report.seconds = time.perf_counter() - start
    return report
