"""End to end, per lesson: a class is put in place, graded in one batch by the kit's grading
command (sandboxed kernels, verdicts outside them, scores recorded by nbgrader), and each student's score per question is asserted.

The class of a lesson, four notebooks:
* the solution notebook: full marks;
* the untouched release: zero, and quick;
* "wrong-all", one student holding the first wrong-answer fixture of every answer cell at once:
  each of those answers loses its tests' points and the feedback names its mistake, and every
  other test keeps its points. Each exercise is graded on its own, so the mistakes do not add
  up (every fixture is also checked alone, in-process, by tests/test_lessons_inprocess.py);
* "right-all", one student holding every right-answer fixture at once (correct answers written
  differently): full marks.
"""
from __future__ import annotations

import nbformat
import pytest

from autograder import course, grade, runner, simulate
from tests.helpers import SourceNotebook, answer_fixtures, lessons

CELL_TIMEOUT = 60
NOTEBOOK_TIMEOUT = 300


def e2e_fixtures(lesson: str, kind: str):
    """Every right fixture; the first wrong fixture of each answer cell (all of them are
    checked in-process by tests/test_lessonNN.py; here each answer's mistake goes through nbgrader)."""
    fixtures = answer_fixtures(lesson, kind)
    if kind == "right":
        return fixtures
    first = {}
    for fx in fixtures:
        first.setdefault(fx.grade_id, fx)
    return list(first.values())


def grade_lesson_class(lesson: str, tmp_path_factory):
    """Put the lesson's simulated class in place and grade it in one batch."""
    tmp = tmp_path_factory.mktemp(f"class-{lesson}")
    inbox = tmp / "inbox"
    release = simulate.release_notebook(lesson)
    model = simulate.solution_answers(lesson)
    (name,) = [p.name for p in course.notebooks(lesson)]
    solution = nbformat.read(course.SOLUTIONS / lesson / name, as_version=4)
    simulate.write_submission(inbox, "solution", {name: solution})
    simulate.write_submission(inbox, "release", {name: release}, as_zip=True)
    wrong = e2e_fixtures(lesson, "wrong")
    simulate.write_submission(inbox, "wrong-all", {name: simulate.fill(release, {**model, **{fx.grade_id: fx.source for fx in wrong}})})
    right = e2e_fixtures(lesson, "right")
    simulate.write_submission(inbox, "right-all", {name: simulate.fill(release, {**model, **{fx.grade_id: fx.source for fx in right}})})
    report = grade.grade_class(inbox, tmp / "course", lessons=[lesson], progress=False,
                               limits=runner.Limits(cell_timeout=CELL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT))
    return lesson, report, wrong, right


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory):
    return grade_lesson_class(request.cls.lesson, tmp_path_factory)


def auto_tests(report, lesson):
    return [q for q, _ in report.questions[lesson] if course.is_test_id(q)]


def feedback_errors(report, outcome, grade_ids) -> str:
    """What the graded notebook shows under the given test cells: the visible checks' output and
    the grader's verdict."""
    (path,) = (report.course / "autograded" / outcome.student / outcome.lesson).glob("*.ipynb")
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if course.grade_id(cell) in grade_ids:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    texts.append(out.get("text", ""))
                if out.get("output_type") == "error":
                    texts.append(f"{out['ename']}: {out['evalue']}\n" + "\n".join(out.get("traceback", [])))
    return "\n".join(texts)


class LessonClass:
    """The tests of one lesson's graded class; one subclass per lesson below. With
    `pytest -n 2 --dist loadscope` (tests/conftest.py) each subclass runs on one worker, so its class is graded once."""

    lesson: str

    def test_batch_completed_and_exported(self, graded):
        lesson, report, wrong, right = graded
        students = {o.student for o in report.outcomes}
        assert students == {"solution", "release", "right-all", "wrong-all"}
        assert all(o.status == "graded" for o in report.outcomes), [(o.student, o.reason) for o in report.outcomes]
        assert report.problems == []
        csv_text = report.grades_csv.read_text()
        assert all(s in csv_text for s in students)
        assert report.questions_csv.read_text().count("\n") == 1 + len(students) * len(report.questions[lesson])

    def test_solution_scores_full_marks(self, graded):
        lesson, report, *_ = graded
        o = report.outcome("solution", lesson)
        for grade_id, points in report.questions[lesson]:
            score, max_score = o.scores[grade_id]
            if course.is_test_id(grade_id):
                assert score == max_score == points, f"{grade_id}: {score}/{max_score}"
            else:
                assert score is None, f"{grade_id} is a written answer and waits for manual grading"

    def test_untouched_release_scores_zero_quickly(self, graded):
        lesson, report, *_ = graded
        o = report.outcome("release", lesson)
        assert o.status == "graded" and o.reason == ""  # no cell hit the time limit
        assert all(o.scores[q][0] == 0 for q in auto_tests(report, lesson))
        written = [q for q, _ in report.questions[lesson] if not course.is_test_id(q)]
        assert all(o.scores[q][0] in (0, None) for q in written)
        assert o.seconds < NOTEBOOK_TIMEOUT

    def test_right_answers_written_differently_get_full_marks(self, graded):
        lesson, report, *_ = graded
        o = report.outcome("right-all", lesson)
        for q in auto_tests(report, lesson):
            score, max_score = o.scores[q]
            assert score == max_score, f"{q}: {score}/{max_score}"

    def test_each_plausible_mistake_loses_its_points_and_is_named(self, graded):
        lesson, report, wrong, _ = graded
        notebook = SourceNotebook(lesson)
        o = report.outcome("wrong-all", lesson)
        lost = set()
        for fx in wrong:
            losing = fx.loses or notebook.tests_of(fx.grade_id)
            lost.update(losing)
            for q in losing:
                assert o.scores[q][0] == 0, f"{fx.name}: {q} kept {o.scores[q][0]} points"
            if fx.expect_hint:
                text = feedback_errors(report, o, losing)
                assert fx.expect_hint.lower() in text.lower(), f"{fx.name}: hint {fx.expect_hint!r} not in\n{text}"
        for q in auto_tests(report, lesson):  # graded on its own: the mistakes above cost nothing here
            if q not in lost:
                score, max_score = o.scores[q]
                assert score == max_score, f"{q}: {score}/{max_score} next to the other answers' mistakes"

    def test_feedback_is_written_and_hides_the_hidden_tests(self, graded):
        lesson, report, wrong, _ = graded
        for o in report.outcomes:
            (html,) = (report.course / "feedback" / o.student / lesson).glob("*.html")
            text = html.read_text()
            assert "hidden_test(" not in text and "BEGIN HIDDEN TESTS" not in text
        mistaken = report.outcome("wrong-all", lesson)
        (html,) = (report.course / "feedback" / mistaken.student / lesson).glob("*.html")
        assert "expected" in html.read_text()


for _lesson in lessons():
    globals()[f"TestLesson{_lesson}"] = type(f"TestLesson{_lesson}", (LessonClass,), {"lesson": _lesson})
