"""The class report: one self-contained HTML page for the instructor, written after grading.

For each lesson: the class size, the mean and median total, a chart of the totals; for each
question, in notebook order, a chart of how the class did (full marks, partial, zero, not
attempted, not graded) and how many students made each known mistake ("3 of 41 students:
…"), the names one click away (a ``<details>``), each linked to that student's feedback.
Then the notebooks that failed or are missing, with their reasons, and the intake problems.

The page works offline and opened as a file: no script, no font, no stylesheet from the
network; the charts are matplotlib SVGs inlined as ``data:`` images. Everything that comes
from a student (names, reasons, echoed values) is escaped by Jinja2's autoescape, and a
Content-Security-Policy forbids scripts and network requests even if something slipped
through.

:func:`summarise` computes the numbers (tested directly); :func:`write` renders them.
"""
from __future__ import annotations

import base64
import datetime
import io
import os
import statistics
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from .report import Outcome, Report

# How one student did on one question: key -> label, short label, colour (Okabe–Ito, colour-blind-safe).
CATEGORIES = {
    "full": ("full marks", "full marks", "#009E73"),
    "partial": ("partial marks", "partial", "#56B4E9"),
    "wrong": ("zero: wrong", "zero: wrong", "#D55E00"),
    "not attempted": ("not attempted", "not attempted", "#BBBBBB"),
    "not graded": ("not graded (fault or failed notebook)", "not graded", "#555555"),
    "manual": ("awaiting manual grading", "manual", "#E69F00"),
}
SHOWN = ("full", "partial", "wrong", "not attempted", "not graded")  # "manual" only where it occurs

WRONG_UNKNOWN = "wrong, no known mistake"
RAISED = "raised an error"
NOT_ATTEMPTED = "not attempted (the function is not written, or not defined)"
NOT_GRADED = "not graded (a fault stopped the test, or the notebook failed or is missing)"
MANUAL = "awaiting manual grading"
PARTIAL = "partial marks"


@dataclass
class Student:
    name: str
    link: str | None = None  # relative link to the feedback, when it exists
    note: str = ""


@dataclass
class Row:
    """One line of a question's table: a known mistake (``kind == "mistake"``) or a group."""

    label: str
    kind: str  # mistake | wrong | error | not attempted | not graded | manual | partial
    students: list[Student] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.students)


@dataclass
class QuestionSummary:
    grade_id: str
    points: float
    counts: dict[str, int]  # category -> students
    rows: list[Row]  # named mistakes by count, then the groups

    @property
    def mistakes(self) -> dict[str, int]:
        return {r.label: r.count for r in self.rows if r.kind == "mistake"}

    def row(self, label: str) -> Row | None:
        return next((r for r in self.rows if r.label == label), None)


@dataclass
class LessonSummary:
    lesson: str
    class_size: int
    graded: int
    failed: int
    missing: int
    possible: float
    totals: list[float]  # of the graded notebooks
    questions: list[QuestionSummary]
    students: list[tuple[Student, float | None, str]]  # (student, total if graded, status)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.totals) if self.totals else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.totals) if self.totals else None


# ----------------------------------------------------------------------------- the numbers
def category(o: Outcome, grade_id: str, points: float) -> str:
    """How ``o``'s student did on one question: a key of :data:`CATEGORIES`."""
    if o.status != "graded" or grade_id not in o.scores:
        return "not graded"
    score, top = o.scores[grade_id]
    top = top or points
    status, _ = o.verdicts.get(grade_id, (None, None))
    if score is None:
        return "manual"
    if score >= top > 0:
        return "full"
    if score > 0:
        return "partial"
    if status == "not written":
        return "not attempted"
    if status in ("not run", "unreadable"):
        return "not graded"
    return "wrong"  # wrong, raised, or a manual grade of zero


def _feedback_link(course: Path, base: Path, o: Outcome) -> str | None:
    folder = course / "feedback" / o.student / o.lesson
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    if not pages:
        return None
    relative = Path(os.path.relpath(pages[0], base)).as_posix()
    return urllib.parse.quote(relative)  # a path inside the course: no scheme can sneak in


def summarise(report: Report, base: Path | None = None) -> list[LessonSummary]:
    """The report's numbers, lesson by lesson; links are relative to the folder ``base``."""
    base = Path(base or report.course)
    lessons = []
    for lesson, qs in report.questions.items():
        outcomes = sorted((o for o in report.outcomes if o.lesson == lesson), key=lambda o: o.student)
        people = {o.student: Student(o.student, _feedback_link(report.course, base, o)) for o in outcomes}
        questions = []
        for grade_id, points in qs:
            counts = dict.fromkeys(CATEGORIES, 0)
            mistakes: dict[str, list[Student]] = {}
            groups: dict[str, list[Student]] = {k: [] for k in ("wrong", "error", "not attempted", "not graded",
                                                               "manual", "partial")}
            for o in outcomes:
                cat = category(o, grade_id, points)
                counts[cat] += 1
                who = people[o.student]
                status, mistake = o.verdicts.get(grade_id, (None, None))
                if cat == "wrong" and mistake:
                    mistakes.setdefault(mistake, []).append(who)
                elif cat == "wrong":
                    groups["error" if status == "error" else "wrong"].append(who)
                elif cat == "not graded":
                    why = o.status if o.status != "graded" else (status or "no score")
                    groups["not graded"].append(Student(who.name, who.link, why))
                elif cat != "full":
                    groups[cat].append(who)
            rows = [Row(hint, "mistake", names) for hint, names in
                    sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))]
            labels = {"wrong": WRONG_UNKNOWN, "error": RAISED, "not attempted": NOT_ATTEMPTED,
                      "not graded": NOT_GRADED, "manual": MANUAL, "partial": PARTIAL}
            rows += [Row(labels[kind], kind, names) for kind, names in groups.items() if names]
            questions.append(QuestionSummary(grade_id, points, counts, rows))
        graded = [o for o in outcomes if o.status == "graded"]
        lessons.append(LessonSummary(
            lesson=lesson, class_size=len(outcomes), graded=len(graded),
            failed=sum(o.status == "failed" for o in outcomes), missing=sum(o.status == "missing" for o in outcomes),
            possible=sum(p for _, p in qs), totals=[o.total for o in graded], questions=questions,
            students=[(people[o.student], o.total if o.status == "graded" else None, o.status) for o in outcomes]))
    return lessons


# ----------------------------------------------------------------------------- the charts
def _svg(fig) -> str:
    """A matplotlib figure as a ``data:`` URI (an <img> runs no script and shares no ids)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tlukit"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    fig = Figure(figsize=(width, height))
    fig.set_facecolor("white")
    return fig, fig.add_subplot()


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def totals_chart(s: LessonSummary) -> str:
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure(5.6, 2.4)
    top = max(s.possible, max(s.totals, default=0.0))
    step = 1.0 if top <= 40 else top / 20
    edges = np.arange(-step / 2, top + step, step)
    ax.hist(s.totals, bins=edges, color="#0072B2", edgecolor="white")
    if s.totals:
        ax.axvline(s.mean, color="#D55E00", linestyle="--", linewidth=1.2, label=f"mean {s.mean:.1f}")
        ax.axvline(s.median, color="#000000", linestyle=":", linewidth=1.2, label=f"median {s.median:g}")
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlim(-step, top + step)
    ax.set_title(f"{s.lesson}: total points of the {s.graded} graded notebooks", fontsize=10)
    ax.set_xlabel(f"total points (out of {s.possible:g})", fontsize=9)
    ax.set_ylabel("students", fontsize=9)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _style(ax)
    return _svg(fig)


def _shown(counts: dict[str, int]) -> list[str]:
    return [*SHOWN, *(["manual"] if counts.get("manual") else [])]


def overview_chart(s: LessonSummary) -> str:
    """All questions of a lesson as stacked bars: where the class lost its points."""
    from matplotlib.ticker import MaxNLocator

    keys = [k for k in CATEGORIES if any(q.counts[k] for q in s.questions) or k in SHOWN]
    fig, ax = _figure(7.0, 0.9 + 0.32 * len(s.questions))
    names = [f"{q.grade_id} ({q.points:g})" for q in s.questions][::-1]
    left = [0] * len(s.questions)
    for key in keys:
        values = [q.counts[key] for q in s.questions][::-1]
        label, _, colour = CATEGORIES[key]
        ax.barh(names, values, left=left, color=colour, label=label, edgecolor="white", linewidth=0.5)
        left = [a + b for a, b in zip(left, values)]
    ax.set_title(f"{s.lesson}: outcome of each question ({s.class_size} students)", fontsize=10)
    ax.set_xlabel("students", fontsize=9)
    ax.set_ylabel("question (points)", fontsize=9)
    ax.set_xlim(0, max(s.class_size, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    _style(ax)
    return _svg(fig)


def question_chart(q: QuestionSummary, class_size: int) -> str:
    from matplotlib.ticker import MaxNLocator

    keys = _shown(q.counts)
    fig, ax = _figure(3.6, 0.6 + 0.24 * len(keys))
    labels = [CATEGORIES[k][1] for k in keys][::-1]
    values = [q.counts[k] for k in keys][::-1]
    bars = ax.barh(labels, values, color=[CATEGORIES[k][2] for k in keys][::-1])
    ax.bar_label(bars, labels=[str(v) if v else "" for v in values], fontsize=8, padding=2)
    ax.set_xlim(0, max(class_size, 1) * 1.08)
    ax.set_title(f"{q.grade_id} ({q.points:g} point{'s' if q.points != 1 else ''})", fontsize=10)
    ax.set_xlabel("students", fontsize=9)
    ax.set_ylabel("outcome", fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _style(ax)
    return _svg(fig)


# ----------------------------------------------------------------------------- the page
TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1em 1.5em 4em; color: #222; line-height: 1.4; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 2px solid #ddd; padding-bottom: .2em; }
h3 { margin: 1.6em 0 .4em; } .muted { color: #666; font-size: .9em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { text-align: left; vertical-align: top;
       padding: .3em .7em; border-bottom: 1px solid #e4e4e4; } th { background: #f5f5f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.facts td:first-child { color: #555; }
.question { display: grid; grid-template-columns: minmax(300px, 440px) 1fr; gap: 1em; align-items: start;
            border-top: 1px solid #eee; padding-top: .6em; }
@media (max-width: 800px) { .question { grid-template-columns: 1fr; } }
img.chart { max-width: 100%; height: auto; }
details > summary { cursor: pointer; color: #0b57d0; white-space: nowrap; }
details > summary:hover { text-decoration: underline; }
ul.names { margin: .3em 0 .2em; padding-left: 1.2em; } ul.names .note { color: #777; font-size: .85em; }
.mistakes td.hint { max-width: 520px; } .mistakes tr.group td.hint { font-style: italic; color: #444; }
.warn { border-left: 4px solid #c62828; background: #fdecea; padding: .5em 1em; }
.ok { border-left: 4px solid #009E73; background: #e8f5ef; padding: .5em 1em; }
nav a { margin-right: 1em; }
</style>
</head>
<body>
<h1>Class report</h1>
<p class="muted">{{ course }} · generated {{ generated }} · {{ lessons|length }} lesson{{ "s" if lessons|length != 1 }},
{{ students }} student{{ "s" if students != 1 }}. Click a count to see the students; a name opens their feedback.</p>
{% if protections_off %}
<div class="warn"><strong>No sandbox</strong>: {{ sandbox_why }}. Protections that were off:
<ul>{% for what in protections_off %}<li>{{ what }}</li>{% endfor %}</ul></div>
{% endif %}
<nav>{% for s in lessons %}<a href="#{{ s.lesson }}">{{ s.lesson }}</a>{% endfor %}
{% if trouble %}<a href="#failed">failed and missing notebooks ({{ trouble|length }})</a>{% endif %}
{% if problems %}<a href="#problems">submission problems ({{ problems|length }})</a>{% endif %}</nav>

{% for s in lessons %}
<section id="{{ s.lesson }}">
<h2>{{ s.lesson }}</h2>
<table class="facts">
<tr><td>class size</td><td class="num">{{ s.class_size }}</td></tr>
<tr><td>graded / failed / missing</td><td class="num">{{ s.graded }} / {{ s.failed }} / {{ s.missing }}</td></tr>
<tr><td>mean total</td><td class="num">{{ fmt(s.mean) }} / {{ "%g"|format(s.possible) }}</td></tr>
<tr><td>median total</td><td class="num">{{ fmt(s.median) }} / {{ "%g"|format(s.possible) }}</td></tr>
</table>
<p class="muted">Totals are over the graded notebooks; a failed or missing notebook scores 0 in the gradebook.</p>
<img class="chart" src="{{ charts[s.lesson] }}" alt="Histogram of the total points of {{ s.lesson }}">
<img class="chart" src="{{ overviews[s.lesson] }}" alt="Outcome of each question of {{ s.lesson }}">

{% for q in s.questions %}
<h3 id="{{ s.lesson }}-{{ q.grade_id }}">{{ loop.index }}. {{ q.grade_id }}
<span class="muted">({{ "%g"|format(q.points) }} point{{ "s" if q.points != 1 }}) · full marks: {{ q.counts["full"] }} of {{ s.class_size }}</span></h3>
<div class="question">
<img class="chart" src="{{ qcharts[s.lesson][loop.index0] }}" alt="Outcomes of {{ q.grade_id }}">
<div>
{% if q.rows %}
<table class="mistakes">
<tr><th>students</th><th>mistake</th></tr>
{% for r in q.rows %}
<tr class="{{ 'mistake' if r.kind == 'mistake' else 'group' }}">
<td><details><summary>{{ r.count }} of {{ s.class_size }} students</summary>
<ul class="names">{% for who in r.students %}<li>{% if who.link %}<a href="{{ who.link }}">{{ who.name }}</a>{% else %}{{ who.name }}{% endif %}{% if who.note %} <span class="note">({{ who.note }})</span>{% endif %}</li>{% endfor %}</ul>
</details></td>
<td class="hint">{{ r.label }}</td>
</tr>
{% endfor %}
</table>
{% else %}
<p class="ok">Every student got full marks.</p>
{% endif %}
</div>
</div>
{% endfor %}

<details><summary>All {{ s.class_size }} students of {{ s.lesson }}</summary>
<table>
<tr><th>student</th><th class="num">total</th><th>status</th></tr>
{% for who, total, status in s.students %}
<tr><td>{% if who.link %}<a href="{{ who.link }}">{{ who.name }}</a>{% else %}{{ who.name }}{% endif %}</td>
<td class="num">{{ "—" if total is none else "%g"|format(total) }}</td><td>{{ status }}</td></tr>
{% endfor %}
</table>
</details>
</section>
{% endfor %}

<h2 id="failed">Failed and missing notebooks</h2>
{% if trouble %}
<table>
<tr><th>student</th><th>lesson</th><th>status</th><th>reason</th></tr>
{% for o, link in trouble %}
<tr><td>{% if link %}<a href="{{ link }}">{{ o.student }}</a>{% else %}{{ o.student }}{% endif %}</td>
<td>{{ o.lesson }}</td><td>{{ o.status }}</td><td>{{ o.reason }}</td></tr>
{% endfor %}
</table>
{% else %}
<p>None: every notebook was graded.</p>
{% endif %}
{% if notes %}
<details><summary>Notes from the grader on graded notebooks ({{ notes|length }})</summary>
<table>
<tr><th>student</th><th>lesson</th><th>note</th></tr>
{% for o, link in notes %}
<tr><td>{% if link %}<a href="{{ link }}">{{ o.student }}</a>{% else %}{{ o.student }}{% endif %}</td>
<td>{{ o.lesson }}</td><td>{{ o.reason }}</td></tr>
{% endfor %}
</table>
</details>
{% endif %}

<h2 id="problems">Submission problems</h2>
{% if problems %}
<table>
<tr><th>student or entry</th><th>problem</th></tr>
{% for who, what in problems %}<tr><td>{{ who }}</td><td>{{ what }}</td></tr>{% endfor %}
</table>
{% else %}
<p>None.</p>
{% endif %}
</body>
</html>
"""


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def render(report: Report, base: Path) -> str:
    """The HTML of the class report, with links relative to the folder ``base``."""
    import jinja2

    lessons = summarise(report, base)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    link = {(who.name, s.lesson): who.link for s in lessons for who, _, _ in s.students}  # found once, in summarise
    order = sorted(report.outcomes, key=lambda o: (o.lesson, o.student))
    return env.from_string(TEMPLATE).render(
        course=str(report.course), generated=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        students=len({o.student for o in report.outcomes}), lessons=lessons, fmt=_fmt,
        charts={s.lesson: totals_chart(s) for s in lessons},
        overviews={s.lesson: overview_chart(s) for s in lessons},
        qcharts={s.lesson: [question_chart(q, s.class_size) for q in s.questions] for s in lessons},
        trouble=[(o, link[(o.student, o.lesson)]) for o in order if o.status != "graded"],
        notes=[(o, link[(o.student, o.lesson)]) for o in order if o.status == "graded" and o.reason],
        problems=list(report.problems), protections_off=list(report.protections_off),
        sandbox_why=report.sandbox_why)


def write(report: Report, path: Path) -> Path:
    """Write the class report to ``path`` (an .html file); return its path."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(report, path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
