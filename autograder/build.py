"""Generate the student release and the executed solutions from ``source/``.

* The release is nbgrader's own ``generate_assignment``, run in a scratch course folder so
  no gradebook is left in the repository.
* A solution notebook is the source notebook with the solution markers and the hidden tests
  removed (the markers are those of :mod:`autograder.course`), executed from top to bottom
  (static figures in place of widgets).

Both carry ``metadata.tlukit.source_sha256``, the hash of the source notebook they came from;
:func:`stale` compares it (and what matters of the generated content, not what saving a notebook
in JupyterLab adds: see :func:`release_differences`) with ``source/`` to tell when they need
rebuilding.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from . import colab, stubs
from .course import (CONFIG, HIDDEN_TESTS, MARK_SCHEME, REPO, RELEASE, SOLUTION_MARKER, SOLUTIONS, SOURCE, cell_name,
                     grade_id, is_answer, notebooks)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stamp(nb, source: Path) -> None:
    nb.metadata["tlukit"] = {
        "source": source.relative_to(REPO).as_posix(),
        "source_sha256": sha256(source),
    }


def with_venv_path(env: dict) -> dict:
    """``env`` with this interpreter's scripts folder first on PATH (nbgrader runs ``alembic``)."""
    scripts = str(Path(sys.executable).parent)
    path = env.get("PATH", "")
    if path.split(os.pathsep)[0] != scripts:
        env["PATH"] = scripts + os.pathsep + path
    return env


def nbgrader(*args: str, cwd: Path, timeout: float | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run an nbgrader command in the course folder ``cwd``."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=with_venv_path(dict(env or os.environ)))


def scratch_course(lessons_: list[str], into: Path) -> Path:
    """A course folder holding a copy of the config and of the given lessons' sources."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, into / "nbgrader_config.py")
    for lesson in lessons_:
        target = into / "source" / lesson
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(SOURCE / lesson, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return into


def generate_release(lesson: str, course: Path, *, db: bool = True) -> Path:
    """Run ``nbgrader generate_assignment`` for ``lesson`` in ``course``; return its release folder."""
    args = ["generate_assignment", lesson, "--force"] + ([] if db else ["--no-db"])
    done = nbgrader(*args, cwd=course)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {lesson} failed:\n{done.stdout}\n{done.stderr}")
    return course / "release" / lesson


def build_release(lesson: str, out: Path = RELEASE) -> list[Path]:
    """Regenerate ``out/<lesson>/`` from ``source/<lesson>/``."""
    with tempfile.TemporaryDirectory() as tmp:
        released = generate_release(lesson, scratch_course([lesson], Path(tmp)), db=False)
        target = out / lesson
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
    written = []
    for path in notebooks(lesson, out):
        nb = nbformat.read(path, as_version=4)
        source = nbformat.read(SOURCE / lesson / path.name, as_version=4)
        finish_release(nb, source, f"release/{lesson}/{path.name}")
        _stamp(nb, SOURCE / lesson / path.name)
        nbformat.write(nb, path)
        written.append(path)
    return written


COLAB_BLOCK = re.compile(r"^import sys\nif \"google\.colab\" in sys\.modules:.*\n[ \t]+%pip install .*$", re.M)


def colab_setup(text: str) -> str:
    """A setup cell's Colab lines, as ``course.toml`` says (:func:`autograder.colab.setup_lines`)."""
    return COLAB_BLOCK.sub(lambda _: "\n".join(colab.setup_lines()), text, count=1)


def finish_release(nb, source, path_in_repo: str) -> None:
    """What nbgrader's release needs from the kit: the Colab setup line and link, and value stubs.

    * the setup cell installs ``tlukit`` on Colab from where ``course.toml`` says;
    * the title cell gets an "Open in Colab" badge for this notebook;
    * a value exercise's stub reads ``name = ...`` instead of a top-level raise
      (:mod:`autograder.stubs`), so that *Run All* reaches the end.

    Cells nbgrader keeps a checksum of get it recomputed, so *Validate* sees them unchanged.
    """
    from nbgrader.utils import compute_checksum

    solutions = {grade_id(c): c.source for c in source.cells if is_answer(c)}
    for cell in nb.cells:
        before = cell.source
        if grade_id(cell) == "setup":
            cell.source = colab_setup(cell.source)
        elif is_answer(cell) and grade_id(cell) in solutions:
            cell.source = stubs.value_stub(cell.source, solutions[grade_id(cell)])
        if cell.source != before and "checksum" in cell.metadata.get("nbgrader", {}):
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    title = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if title is not None and colab.BADGE not in title.source:
        title.source = title.source.rstrip() + "\n\n" + colab.badge_markdown(path_in_repo)


def solution_notebook(source: Path):
    """The unexecuted solution notebook of ``source``: markers and hidden tests removed, Colab set up."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        text = HIDDEN_TESTS.sub("", cell.source)
        text = colab_setup(text) if grade_id(cell) == "setup" else text
        text = SOLUTION_MARKER.sub("", text)
        text = MARK_SCHEME.sub("", text)
        cell.source = text.rstrip("\n") if text.strip() else text.strip()
    _stamp(nb, source)
    return nb


def execution_env() -> dict:
    """Environment for executing lesson notebooks non-interactively."""
    env = with_venv_path(dict(os.environ))
    env.update(TLUKIT_STATIC="1", MPLBACKEND="module://matplotlib_inline.backend_inline",
               PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2")
    return env


def execute(nb, cwd: Path, timeout: int = 600):
    """Execute ``nb`` in a fresh kernel with ``cwd`` as its working folder."""
    from nbclient import NotebookClient

    saved = dict(os.environ)
    os.environ.update(execution_env())  # the kernel inherits this process's environment
    try:
        # the kernel process's own log (its start-up notices) is not the notebook's: its outputs come by message
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute(
            stderr=subprocess.DEVNULL)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def build_solutions(lesson: str, out: Path = SOLUTIONS, timeout: int = 600) -> list[Path]:
    """Regenerate ``out/<lesson>/``: each source notebook as an executed solution."""
    target = out / lesson
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SOURCE / lesson, target, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"))
    written = []
    for source in notebooks(lesson):
        # run in a scratch copy of the folder: what the notebook writes (checkpoints, logs, tuner
        # trials) stays out of the repository, where only the executed notebook belongs
        with tempfile.TemporaryDirectory(prefix=f"tlukit-build-{lesson}-") as scratch:
            shutil.copytree(target, scratch, dirs_exist_ok=True)
            nb = execute(solution_notebook(source), cwd=Path(scratch), timeout=timeout)
        path = target / source.name
        nbformat.write(nb, path)
        written.append(path)
    return written


def _code(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


# What a release notebook's freshness depends on: what nbgrader and the grader read (cell types, ids,
# sources, nbgrader metadata with grade ids, points and checksums, locks) and the kit's own
# metadata (the source's hash, grading-mode tags). Not what opening and saving it in JupyterLab
# adds or changes (language_info, widget state, execution counts, empty outputs, collapsed,
# scrolled, jp-MarkdownHeadingCollapsed, trusted, ...). Outputs are never in a release.
NOTEBOOK_METADATA = ("kernelspec", "nbgrader", "tlukit")
CELL_FIELDS = ("cell_type", "id", "source", "attachments")
CELL_METADATA = ("nbgrader", "tlukit", "tags", "editable", "deletable")


def release_differences(committed, fresh) -> list[str]:
    """How the committed release notebook differs from a fresh one, in what matters (see above)."""
    found = []
    for key in NOTEBOOK_METADATA:
        if committed.metadata.get(key) != fresh.metadata.get(key):
            found.append(f"notebook metadata {key!r} differs")
    if len(committed.cells) != len(fresh.cells):
        found.append(f"{len(committed.cells)} cells instead of {len(fresh.cells)}")
    for i, (old, new) in enumerate(zip(committed.cells, fresh.cells)):
        what = [key for key in CELL_FIELDS if old.get(key) != new.get(key)]
        what += [f"{key} metadata" for key in CELL_METADATA if old.metadata.get(key) != new.metadata.get(key)]
        if old.get("outputs"):
            what.append("outputs (a release has none: clear them)")
        if what:
            found.append(f"{cell_name(i, new)}: {', '.join(what)} differ{'s' if len(what) == 1 else ''}")
    return found


def stale(lesson: str, release_root: Path = RELEASE, solutions_root: Path = SOLUTIONS) -> list[str]:
    """Reasons why the committed release or solutions of ``lesson`` do not match its source."""
    reasons = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build_release(lesson, Path(tmp))
        for path in fresh:
            committed = release_root / lesson / path.name
            if not committed.exists():
                reasons.append(f"release/{lesson}/{path.name} is missing")
                continue
            try:
                old = nbformat.read(committed, as_version=4)
            except Exception as exc:  # noqa: BLE001 - any unreadable file is simply stale
                reasons.append(f"release/{lesson}/{path.name} is not a readable notebook ({type(exc).__name__})")
                continue
            differences = release_differences(old, nbformat.read(path, as_version=4))
            if differences:
                more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
                reasons.append(f"release/{lesson}/{path.name} differs from a fresh nbgrader release: "
                               f"{'; '.join(differences[:3])}{more}")
    for source in notebooks(lesson):
        committed = solutions_root / lesson / source.name
        if not committed.exists():
            reasons.append(f"solutions/{lesson}/{source.name} is missing")
            continue
        nb = nbformat.read(committed, as_version=4)
        if nb.metadata.get("tlukit", {}).get("source_sha256") != sha256(source):
            reasons.append(f"solutions/{lesson}/{source.name} was built from another version of the source")
        elif _code(nb) != _code(solution_notebook(source)):
            reasons.append(f"solutions/{lesson}/{source.name} cells differ from the source's solution")
        elif any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])):
            reasons.append(f"solutions/{lesson}/{source.name} holds an error output")
    return reasons
