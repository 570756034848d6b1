"""What grading a class tells the instructor on the spot: the outcomes (:class:`Outcome`, one per
student and lesson, gathered in a :class:`Report`), the progress bar, the table of points
per question in the terminal (:func:`print_report`), and the scores by question as a CSV
(:func:`write_question_csv`). The class report's HTML page is :mod:`autograder.classreport`.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import course


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



def progress_bar(total: int):
    """A progress bar on stderr for grading ``total`` notebooks."""
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr)


def write_question_csv(report: Report, path: Path) -> None:
    """One row per student, lesson and question: the score, the maximum, the status and the reason."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "lesson", "question", "score", "max_score", "status", "reason"])
        for o in report.outcomes:
            for grade_id, points in report.questions[o.lesson]:
                score, _ = o.scores.get(grade_id, (0.0 if o.status != "graded" else None, points))
                writer.writerow([o.student, o.lesson, grade_id, "" if score is None else score, points, o.status, o.reason])


def print_report(report: Report) -> None:
    """The points per question of every lesson, the notes, the failures and where the files are."""
    from rich.console import Console
    from rich.markup import escape as esc  # reasons quote student code: show it, never read it as markup
    from rich.table import Table

    console = Console(width=max(Console().width, 140))
    for lesson, qs in report.questions.items():
        columns = _columns(lesson, qs)
        per = "question" if len(columns) == len(qs) else "answer (per question: the CSV)"
        table = Table(title=f"{lesson}: points per {per}", title_justify="left")
        table.add_column("student")
        for name, _, points in columns:
            table.add_column(f"{name}\n/{points:g}", justify="right")
        table.add_column("total", justify="right", style="bold")
        table.add_column("status")
        notes = []
        for o in (o for o in report.outcomes if o.lesson == lesson):
            cells = []
            for _, grade_ids, _ in columns:
                scores = [o.scores[g][0] for g in grade_ids if g in o.scores]
                cells.append("·" if not scores else "manual" if None in scores else f"{sum(scores):g}")
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


MAX_COLUMNS = 14


def _columns(lesson: str, qs: list[tuple[str, float]]) -> list[tuple[str, list[str], float]]:
    """The table's columns: one per question, or, when a lesson has too many to fit, one per answer
    cell (the test cells of one answer summed); each is (title, grade ids, points)."""
    if len(qs) <= MAX_COLUMNS:
        return [(g.removeprefix(course.TEST_PREFIX), [g], p) for g, p in qs]
    import nbformat

    answers = [course.grade_id(c) for path in course.notebooks(lesson)
               for c in nbformat.read(path, as_version=4).cells if course.is_answer(c)]
    groups: dict[str, tuple[list[str], float]] = {}
    for g, p in qs:
        name = g.removeprefix(course.TEST_PREFIX)
        owner = max((a for a in answers if name == a or name.startswith(a + "_")), key=len, default=name)
        ids, total = groups.get(owner, ([], 0.0))
        groups[owner] = (ids + [g], total + p)
    return [(name, ids, total) for name, (ids, total) in groups.items()]
