"""Unit tests of the autograder's pieces: hidden-test runner, the notebook hook, the builder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from autograder import build, course, hidden
from autograder.course import REPO
from autograder.hidden import Case, Question
from tests.helpers import lessons
from tlukit.checking import CheckFailed
from tlukit.mistakes import Catalogue, Mistake
from autograder.hidden import hidden_test


def scale(x, k):
    return np.asarray(x) * k


QUESTION = Question(
    "99.scale", scale,
    cases=lambda rng: [Case((rng.normal(size=int(rng.integers(1, 5))),), {"k": float(rng.integers(2, 5))}) for _ in range(6)],
    catalogue=Catalogue("scale", added=Mistake("you added k instead of multiplying by it",
                                               model=lambda x, k: np.asarray(x) + k)),
)


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(hidden, "question", lambda qid: QUESTION if qid == "99.scale" else hidden.question(qid))


def test_correct_answer_passes_every_random_case(registry, capsys):
    assert hidden.run("99.scale", lambda x, k: [v * k for v in x]) == 6  # lists are fine
    assert "✓ hidden test 99.scale" in capsys.readouterr().out


def test_wrong_answer_fails_with_input_expected_got_mistake_and_seed(registry):
    with pytest.raises(CheckFailed) as info:
        hidden.run("99.scale", lambda x, k: np.asarray(x) + k)
    message = str(info.value)
    for part in ("expected:", "got:", "likely mistake: you added k", "seed"):
        assert part in message


def test_unrecognised_mistake_has_no_false_diagnosis(registry):
    with pytest.raises(CheckFailed) as info:
        hidden.run("99.scale", lambda x, k: np.asarray(x) * (k + 1))
    assert "likely mistake" not in str(info.value)


def test_seed_replays_the_same_inputs(registry, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "1234")
    seen = []
    def record(x, k):
        seen.append((np.array(x).tolist(), k))
        return scale(x, k)
    hidden.run("99.scale", record)
    hidden.run("99.scale", record)
    assert seen[:6] == seen[6:]


def test_an_answer_that_changes_its_input_in_place_loses_and_is_told(registry):
    def scale_in_place(x, k):
        x *= k
        return x
    with pytest.raises(CheckFailed, match=r"changed its argument x in place.*not `x \+= \.\.\.`"):
        hidden.run("99.scale", scale_in_place)


def test_unknown_question_is_named():
    with pytest.raises(KeyError, match="no hidden test '01.nothing'"):
        hidden.question("01.nothing")


def test_every_declared_question_passes_its_own_reference():
    """The reference implementation meets every hidden test (a check that can pass)."""
    for lesson in lessons():
        module = __import__(f"autograder.lessons.lesson{lesson[:2]}", fromlist=["QUESTIONS"])
        for q in module.QUESTIONS:
            assert hidden.run(q.qid, q.reference) > 0


def test_the_helper_package_never_imports_the_autograder(tmp_path):
    script = ("import pkgutil, importlib, sys, tlukit\n"
              "for m in pkgutil.walk_packages(tlukit.__path__, 'tlukit.'):\n    importlib.import_module(m.name)\n"
              "print(sorted(n for n in sys.modules if n.split('.')[0] in ('autograder', 'tensorflow', 'keras')))")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    with pytest.raises(CheckFailed, match="expected"):  # the source notebooks' hook is the autograder's own
        hidden_test(f"{lessons()[0][:2]}." + _first_qid(lessons()[0]), lambda *a, **k: "nonsense")


def _first_qid(lesson):
    module = __import__(f"autograder.lessons.lesson{lesson[:2]}", fromlist=["QUESTIONS"])
    return module.QUESTIONS[0].qid.split(".", 1)[1]


def test_solution_notebook_strips_markers_and_hidden_tests():
    for lesson in lessons():
        source = course.notebooks(lesson)[0]
        sol = build.solution_notebook(source)
        text = "\n".join(c.source for c in sol.cells)
        assert "### BEGIN SOLUTION" not in text and "hidden_test(" not in text and "HIDDEN TESTS" not in text
        assert not [c for c in sol.cells if c.cell_type == "code" and "raise NotImplementedError()" in c.source]
        assert sol.metadata.tlukit.source_sha256 == build.sha256(source)
        graded = [c for c in sol.cells if course.is_graded(c)]
        assert graded, "the solution keeps nbgrader's metadata, so it can be submitted"


def test_check_command_spots_a_stale_release(tmp_path):
    """Edit a source notebook in a copy of the repository: `autograder check` must say so."""
    copy = tmp_path / "repo"
    for part in ("autograder", "source", "release", "solutions", "nbgrader_config.py", "course.toml"):
        src = REPO / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / part)
    lesson = lessons()[0]
    (path,) = course.notebooks(lesson, copy / "source")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, path)
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "--lesson", lesson], cwd=copy,
                          capture_output=True, text=True, env=build.with_venv_path(dict(os.environ)))
    assert done.returncode == 1
    assert f"release/{lesson}" in done.stdout and f"solutions/{lesson}" in done.stdout


def test_the_terminal_table_groups_a_long_lesson_by_answer():
    from autograder import gradebook, report

    for lesson in lessons():
        qs = gradebook.questions(lesson)
        columns = report._columns(lesson, qs)
        assert len(columns) == len(qs) if len(qs) <= report.MAX_COLUMNS else len(columns) < len(qs)
        assert sorted(g for _, ids, _ in columns for g in ids) == sorted(g for g, _ in qs)  # every question once
        assert sum(p for *_, p in columns) == sum(p for _, p in qs)


# ----------------------------------------------------------------------------- parsing under collection
_PARSE_PROGRAM = r'''
import ast, gc, sys
from autograder import course

class Finalizer:  # as asyncio's Task.__del__ does: log a traceback, which parses source in 3.11
    def __del__(self):
        ast.parse("x = (1, [2, {3: 4}])")

SOURCE = "\n".join(f"def f{i}(a, b):\n    return [a + b * {i} for _ in range(3)]" for i in range(400))
gc.set_threshold(50)
failed = {}
for name, parse in (("ast.parse", ast.parse), ("course", lambda s: course.hidden_test_calls(s + "\nhidden_test('x', f)"))):
    failed[name] = 0
    for _ in range(20):
        for _ in range(200):
            a = Finalizer(); a.me = a  # a cycle: only a collection frees it, in the middle of a parse
        try:
            parse(SOURCE)
        except SystemError:
            failed[name] += 1
print(failed["ast.parse"], failed["course"])
'''


def test_the_grader_parses_source_while_finalizers_that_parse_are_collected():
    """CI once failed a notebook with "SystemError: AST constructor recursion depth mismatch": a
    collection during ast.parse ran nbclient's orphaned task's finalizer, which parsed a traceback
    line. The grader's parses pause the collector; plain ast.parse shows the hazard is real here."""
    out = subprocess.run([sys.executable, "-c", _PARSE_PROGRAM], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'utils'}"}, timeout=120)
    assert out.returncode == 0, out.stderr
    plain, ours = map(int, out.stdout.split())
    if sys.version_info[:2] == (3, 11):
        assert plain > 0  # the hazard, reproduced
    assert ours == 0
