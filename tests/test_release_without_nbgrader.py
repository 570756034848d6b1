"""The Colab case: release notebooks run, with their self-checks, where neither nbgrader nor
the course's autograder can be imported."""
from __future__ import annotations

import os
import sys
import textwrap

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import build, simulate
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
    work = tmp_path / "work"
    work.mkdir()
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    return nb


def errors(nb):
    return [(c.metadata.get("nbgrader", {}).get("grade_id", c.source[:40]), o.ename)
            for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


@pytest.mark.parametrize("lesson", lessons())
def test_completed_release_passes_its_self_checks_without_nbgrader(lesson, tmp_path, monkeypatch):
    nb = simulate.fill(simulate.release_notebook(lesson), simulate.solution_answers(lesson))
    run_like_colab(nb, tmp_path, monkeypatch)
    assert errors(nb) == []
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "✓" in text, f"{cell.metadata.nbgrader.grade_id} printed no passing self-check"


@pytest.mark.parametrize("lesson", lessons())
def test_untouched_release_runs_and_fails_only_on_unwritten_answers(lesson, tmp_path, monkeypatch):
    """Nothing fails to import; every self-check fails readably; demos that use unwritten
    answers fail (NotImplementedError, or a NameError for a result they could not compute)."""
    nb = run_like_colab(simulate.release_notebook(lesson), tmp_path, monkeypatch)
    found = errors(nb)
    assert found, "an untouched release has unwritten answers"
    assert {ename for _, ename in found} <= {"CheckFailed", "NotImplementedError", "NameError"}, found
    assert "setup" not in {grade_id for grade_id, _ in found}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("test_"):
            assert [o.ename for o in cell.outputs if o.output_type == "error"] == ["CheckFailed"], grade_id
