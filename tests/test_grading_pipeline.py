"""The grading command around nbgrader: intake of folders and zips, faults that stay with
their owner (a runaway answer, a corrupt notebook), time limits, and the report."""
from __future__ import annotations

import zipfile

import nbformat
import pytest

from autograder import assemble, grade, runner, simulate
from autograder.course import is_test_id, notebooks
from autograder.__main__ import main
from tests.helpers import lessons

LESSON = lessons()[0]
NAME = notebooks(LESSON)[0].name


# ----------------------------------------------------------------------------- intake (fast)
def test_collect_takes_folders_and_zips_and_reports_problems(tmp_path):
    inbox, course = tmp_path / "inbox", tmp_path / "course"
    nb = simulate.release_notebook(LESSON)
    simulate.write_submission(inbox, "ada", {NAME: nb})
    simulate.write_submission(inbox, "ben", {NAME: nb}, as_zip=True)
    simulate.write_submission(inbox, "cy", {"homework.ipynb": nb})
    (inbox / "broken.zip").write_bytes(b"this is not a zip")
    (inbox / "notes.txt").write_text("hello")
    (inbox / "bad name!").mkdir()
    before = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*"))

    submitted, problems = grade.collect(inbox, course, [LESSON])

    assert submitted == {"ada": {LESSON}, "ben": {LESSON}, "cy": set()}
    assert (course / "submitted" / "ben" / LESSON / NAME).read_bytes() == nbformat.writes(nb).encode()
    reasons = dict(problems)
    assert "zip" in reasons["broken.zip"]
    assert "neither a folder nor a .zip" in reasons["notes.txt"]
    assert "student id" in reasons["bad name!"]
    assert any("homework.ipynb" in what for who, what in problems if who == "cy")
    assert sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*")) == before  # the inbox is untouched


def test_collect_refuses_paths_that_climb_out_of_zips(tmp_path):
    """A zip member named ../../x.ipynb is refused (tests/test_intake.py covers the rest)."""
    inbox, course = tmp_path / "inbox", tmp_path / "course"
    inbox.mkdir()
    with zipfile.ZipFile(inbox / "eve.zip", "w") as archive:
        archive.writestr(f"../../{NAME}", nbformat.writes(simulate.release_notebook(LESSON)))
    submitted, problems = grade.collect(inbox, course, [LESSON])
    assert submitted == {"eve": set()}
    assert any("'..'" in what for who, what in problems if who == "eve")
    assert not (course / "submitted" / "eve" / LESSON / NAME).exists()
    assert not (tmp_path.parent / NAME).exists()


def test_missing_inbox_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="one folder or one .zip per student"):
        grade.collect(tmp_path / "nowhere", tmp_path / "course", [LESSON])


def test_unreadable_notebook_is_named(tmp_path):
    (tmp_path / NAME).write_text('{"cells": [')
    assert "not a readable notebook" in assemble.read_submission(tmp_path / NAME).problem
    (tmp_path / NAME).write_text(nbformat.writes(simulate.release_notebook(LESSON)))
    assert assemble.read_submission(tmp_path / NAME).problem == ""


def test_unknown_lesson_is_refused_with_the_list(capsys):
    with pytest.raises(SystemExit, match="Unknown lesson"):
        main(["check", "--lesson", "99_nothing"])


# ----------------------------------------------------------------------------- faults (graded runs)
def test_faults_stay_with_their_owner(tmp_path):
    """A runaway answer, a corrupt notebook and a missing lesson do not change anyone else's grade."""
    inbox = tmp_path / "inbox"
    release = simulate.release_notebook(LESSON)
    model = simulate.solution_answers(LESSON)
    last = list(model)[-1]
    simulate.write_submission(inbox, "good", {NAME: simulate.fill(release, model)})
    simulate.write_submission(inbox, "loops", {NAME: simulate.fill(release, {**model, last: simulate.never_returns(model[last])})})
    simulate.write_submission(inbox, "corrupt", {NAME: nbformat.writes(release).encode()[:3000]}, as_zip=True)

    report = grade.grade_class(inbox, tmp_path / "course", lessons=[LESSON], progress=False,
                               limits=runner.Limits(cell_timeout=8, notebook_timeout=240))

    good, loops, corrupt = (report.outcome(s, LESSON) for s in ("good", "loops", "corrupt"))
    full = {q: p for q, p in report.questions[LESSON] if is_test_id(q)}
    assert good.status == "graded" and {q: good.scores[q][0] for q in full} == full
    assert loops.status == "graded" and "time limit" in loops.reason
    lost = [q for q in full if loops.scores[q][0] == 0]
    assert lost and len(lost) < len(full), "the runaway answer loses its own tests and keeps the others"
    assert corrupt.status == "failed" and "not a readable notebook" in corrupt.reason
    rows = report.questions_csv.read_text()
    assert "not a readable notebook" in rows


def test_notebook_time_limit_stops_a_runaway_notebook(tmp_path, capfd):
    inbox = tmp_path / "inbox"
    release = simulate.release_notebook(LESSON)
    model = simulate.solution_answers(LESSON)
    first = list(model)[0]
    simulate.write_submission(inbox, "loops", {NAME: simulate.fill(release, {**model, first: simulate.never_returns(model[first])})})
    report = grade.grade_class(inbox, tmp_path / "course", lessons=[LESSON], progress=False,
                               limits=runner.Limits(cell_timeout=600, notebook_timeout=20))
    o = report.outcome("loops", LESSON)
    assert "time limit of 20 s" in o.reason
    assert o.total == 0
    assert o.seconds < 60
    # the stopped cell's output poller ends quietly: its traceback, logged from a finalizer, once broke
    # the grader's own parsing (SystemError, CPython gh-106905; see execute._quiet_stopped_cells)
    assert "Task exception was never retrieved" not in capfd.readouterr().err
