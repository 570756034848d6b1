"""The Colab case: release notebooks run, with their self-checks, where neither nbgrader nor
the course's autograder can be imported."""
from __future__ import annotations

import os
import sys
import textwrap

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import course, simulate
from tests.helpers import lessons

BLOCKER = textwrap.dedent('''
    import sys
    class _Blocked:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("nbgrader", "autograder"):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked: the Colab case)")
    sys.meta_path.insert(0, _Blocked())
''')


def run_like_colab(nb, tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    monkeypatch.delenv("TLUKIT_AUTOGRADER", raising=False)
    monkeypatch.delenv("TLUKIT_STATIC", raising=False)  # widgets take their interactive path
    monkeypatch.setenv("TLUKIT_QUICK", "1")  # grading mode's sizes (training epochs, data) without its strictness
    work = tmp_path / "work"
    work.mkdir()
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    return nb


def errors(nb):
    return [(course.grade_id(c) or c.source[:40], o.ename)
            for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


@pytest.mark.parametrize("lesson", lessons())
def test_completed_release_passes_its_self_checks_without_nbgrader(lesson, tmp_path, monkeypatch):
    nb = simulate.fill(simulate.release_notebook(lesson), simulate.solution_answers(lesson))
    run_like_colab(nb, tmp_path, monkeypatch)
    assert errors(nb) == []
    checks = [c for c in nb.cells if course.is_test(c)]
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "✓" in text, f"{cell.metadata.nbgrader.grade_id} printed no passing self-check"


@pytest.mark.parametrize("lesson", lessons())
def test_untouched_release_runs_to_the_end_and_says_what_is_unfinished(lesson, tmp_path, monkeypatch):
    """Run All on an untouched release reaches the last cell: no cell raises, every self-check
    says its exercise is not written yet, and nothing prints a traceback."""
    nb = run_like_colab(simulate.release_notebook(lesson), tmp_path, monkeypatch)
    assert errors(nb) == []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "Traceback" not in text, course.grade_id(cell)
        if course.is_test(cell):
            assert "not written yet" in text, f"{course.grade_id(cell)}: {text[:300]}"


@pytest.mark.parametrize("lesson", lessons())
def test_nbgrader_validate_still_lists_every_failing_check_of_an_untouched_release(lesson, tmp_path, monkeypatch):
    """nbgrader sets NBGRADER_EXECUTION while it validates: then each self-check raises."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    nb = run_like_colab(simulate.release_notebook(lesson), tmp_path, monkeypatch)
    for cell in nb.cells:
        if course.is_test(cell):
            assert [o.ename for o in cell.outputs if o.output_type == "error"] == ["CheckFailed"], course.grade_id(cell)
