"""Lint of the source notebooks, and freshness of the generated release/ and solutions/."""
from __future__ import annotations

import importlib
import re

import nbformat
import pytest

from autograder import build, course
from tests.helpers import lessons


def nbgrader_cells(nb):
    return [(c, c.metadata["nbgrader"]) for c in nb.cells if "nbgrader" in c.metadata]


@pytest.fixture(params=lessons())
def lesson(request):
    return request.param


@pytest.fixture
def nb(lesson):
    paths = course.notebooks(lesson)
    assert [p.name for p in paths] == [f"{lesson}.ipynb"], "one notebook per lesson, named like its folder"
    notebook = nbformat.read(paths[0], as_version=4)
    nbformat.validate(notebook)
    return notebook


def test_lesson_folder_names(lesson):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", lesson)


def test_kernelspec_and_no_stored_outputs(nb):
    assert nb.metadata.kernelspec["name"] == "python3"
    assert nb.metadata.kernelspec.get("language") == "python"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_grade_ids_unique_and_metadata_complete(nb):
    ids = [meta["grade_id"] for _, meta in nbgrader_cells(nb)]
    assert len(ids) == len(set(ids)), f"duplicated grade ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    for cell, meta in nbgrader_cells(nb):
        assert meta.get("schema_version") == 3, meta["grade_id"]
        if course.is_graded(cell):
            assert course.points(cell) > 0, f"{meta['grade_id']} has no points"
        if course.is_graded(cell) and not course.is_answer(cell):
            assert course.is_test(cell) and meta.get("locked"), f"{meta['grade_id']}: test cells are locked code"
            assert course.is_test_id(meta["grade_id"]), meta["grade_id"]


def test_every_answer_cell_is_tested(nb):
    owner, tested = None, {}
    for cell, meta in nbgrader_cells(nb):
        if course.kind(cell) == "answer":
            owner = meta["grade_id"]
            tested[owner] = 0
            assert "### BEGIN SOLUTION" in cell.source, f"{owner} has no solution region"
        elif course.is_test(cell) and owner:
            tested[owner] += 1
    untested = [a for a, n in tested.items() if n == 0]
    assert tested and not untested, f"answer cells without a test cell: {untested}"


def test_test_cells_run_a_visible_check_and_a_known_hidden_test(nb, lesson):
    number = lesson[:2]
    module = importlib.import_module(f"autograder.lessons.lesson{number}")
    declared = {q.qid for q in module.QUESTIONS}
    used = set()
    for cell, meta in nbgrader_cells(nb):
        if course.is_test(cell):
            assert "check." in cell.source, f"{meta['grade_id']} shows no visible self-check"
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden test"
            calls = [qid for qid, _ in course.hidden_test_calls(cell.source)]
            assert calls and all(re.fullmatch(rf"{number}\.\w+", q) for q in calls), meta["grade_id"]
            used.update(calls)
    assert used <= declared, f"hidden tests not declared in autograder/lessons: {used - declared}"
    assert declared <= used, f"declared hidden tests no notebook runs: {declared - used}"


def test_written_answers_are_markdown_with_points(nb):
    for cell, meta in nbgrader_cells(nb):
        if course.is_graded(cell) and course.is_answer(cell):
            assert cell.cell_type == "markdown" and course.points(cell) > 0


def test_objectives_first_recap_last(nb):
    assert nb.cells[0].cell_type == "markdown" and "objective" in nb.cells[0].source.lower()
    assert "recap" in nb.cells[-1].source.lower() or "recap" in nb.cells[-2].source.lower()


def test_setup_cell_imports_the_kit_and_the_lessons_checks(nb, lesson):
    setup = [c for c, meta in nbgrader_cells(nb) if meta["grade_id"] == "setup"]
    assert setup, "a locked setup cell with grade id 'setup'"
    assert f"from tlukit.checks import lesson{lesson[:2]} as check" in setup[0].source
    assert "set_seed(" in setup[0].source


def test_release_and_solutions_are_up_to_date(lesson):
    assert build.stale(lesson) == [], "run `python -m autograder build` and commit release/ and solutions/"


def test_release_holds_no_solution_and_no_hidden_test(lesson):
    (path,) = course.notebooks(lesson, course.RELEASE)
    text = path.read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "hidden_test(\"" not in text
    assert "raise NotImplementedError()" in text


def test_solutions_hold_no_hidden_test_and_ran_cleanly(lesson):
    (path,) = course.notebooks(lesson, course.SOLUTIONS)
    nb = nbformat.read(path, as_version=4)
    assert "hidden_test(\"" not in path.read_text()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every solution cell was executed"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not [o for c in code for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]


def test_generated_folders_hold_only_what_source_holds(lesson):
    """What a solution writes while the build runs it (checkpoints, logs, tuner trials) stays out of the repository."""
    def files(root):
        return sorted(str(p.relative_to(root / lesson)) for p in (root / lesson).rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts)
    assert files(course.SOLUTIONS) == files(course.SOURCE) == files(course.RELEASE)


def test_grader_finds_one_hidden_test_per_test_cell(nb):
    """The grader replaces each test cell's hidden test by a probe of the function it names."""
    from autograder import hidden

    calls = course.hidden_calls(nb)
    tests = [course.grade_id(c) for c in nb.cells if course.is_test(c)]
    assert sorted(calls) == sorted(tests)
    for qid, name in calls.values():
        assert hidden.question(qid).qid == qid  # declared in autograder/lessons
