"""JupyterLab with the course's environment: ``python -m autograder lab`` (``make lab``).

One command for students and instructors. It starts JupyterLab on the repository (students open
``release/``) with nbgrader's formgrader on a course folder (default ``grading/``, where
``python -m autograder grade`` writes; ``demo-output/course`` after ``make demo``):

* ``.venv/bin`` first on PATH: nbgrader runs ``alembic`` from PATH when it creates a gradebook;
  without it formgrader stays on "Loading, please wait…" and leaves a half-made gradebook.db.
* formgrader's course root is the course folder (``--CourseDirectory.root``, and the server runs
  from that folder), so its gradebook.db is there, never in the repository root.
* A course folder that does not exist yet, or whose gradebook lacks a lesson, is prepared first
  (config, sources, releases, assignments in the gradebook): formgrader lists every lesson.
* The kit's Jupyter settings (``autograder/lab_env/``) are found through JUPYTER_CONFIG_PATH and
  JUPYTER_PATH, for this server only; nothing is written to the user's home:

  - nbgrader's Assignment List and Course List (their lab plugins and server extensions) are
    off: they need nbgrader's exchange, which the kit does not use (students hand in a folder
    or a zip). Formgrader, Create Assignment and Validate stay.
  - formgrader's manual grading page loads MathJax from this server (jupyter-server-mathjax)
    instead of a CDN, so formulas render offline.
"""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from . import build
from .course import REPO, lessons

LAB_ENV = Path(__file__).resolve().parent / "lab_env"
KIT_CONFIG = LAB_ENV / "config"  # on JUPYTER_CONFIG_PATH: server extensions and lab plugins switched off
KIT_DATA = LAB_ENV / "data"  # on JUPYTER_PATH: formgrader's MathJax template

# nbgrader 0.9.6's parts that need its exchange; disabled by the files in KIT_CONFIG.
EXCHANGE_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.course_list")
EXCHANGE_LAB_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list")
MATHJAX_PATH = "static/jupyter_server_mathjax/MathJax.js"  # served by jupyter-server-mathjax


def _prepend(value: str, env: dict, name: str) -> None:
    old = env.get(name, "")
    parts = [p for p in old.split(os.pathsep) if p and p != value]
    env[name] = os.pathsep.join([value, *parts])


def environment(base: dict | None = None) -> dict:
    """The server's environment: the venv's scripts first on PATH, the kit's Jupyter settings found,
    and the repository importable, so that a source notebook's hidden tests (``from
    autograder.hidden import hidden_test``) run when the instructor opens it."""
    env = build.with_venv_path(dict(os.environ if base is None else base))
    _prepend(str(KIT_CONFIG), env, "JUPYTER_CONFIG_PATH")
    _prepend(str(KIT_DATA), env, "JUPYTER_PATH")
    _prepend(str(build.REPO), env, "PYTHONPATH")
    return env


def gradebook_lessons(course: Path) -> set[str] | None:
    """The assignments in the course's gradebook; None when it has no usable gradebook."""
    db = Path(course) / "gradebook.db"
    if not db.is_file():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        names = {row[0] for row in con.execute("SELECT name FROM assignment")} if "assignment" in tables else set()
    finally:
        con.close()
    if "alembic_version" not in tables and not names:
        # Left by a formgrader start that could not run alembic (nbgrader/api.py creates the tables,
        # then runs `alembic heads`): empty, and nbgrader would never stamp it. Start afresh.
        db.unlink()
        return None
    return names


def missing_lessons(course: Path) -> list[str]:
    """The lessons of source/ that the course's gradebook does not have yet."""
    have = gradebook_lessons(course) or set()
    return [lesson for lesson in lessons() if lesson not in have]


def prepare_course(course: Path) -> list[str]:
    """Make ``course`` a course folder formgrader can show; return the lessons it had to add.

    Only missing lessons are added: a lesson already in the gradebook (with its grades) is left alone.
    """
    from . import gradebook

    missing = missing_lessons(course)
    if missing:
        print(f"Preparing the course folder {course} for formgrader: {', '.join(missing)} ...", flush=True)
        gradebook.prepare(Path(course), missing)
    return missing


def command(course: Path, *, root: Path = REPO, port: int | None = None, open_browser: bool = True,
            extra: list[str] = ()) -> tuple[list[str], dict, Path]:
    """The JupyterLab command line, its environment and its working folder (the course folder)."""
    course, root = Path(course).resolve(), Path(root).resolve()
    if course == REPO:
        raise ValueError("The course folder cannot be the repository itself (its gradebook.db would be in the "
                         "repository root): use --course grading, the default.")
    if not course.is_relative_to(root):
        # nbgrader/server_extensions/formgrader/formgrader.py: every formgrader page is an error then.
        raise ValueError(f"The course folder {course} is not inside {root}, the folder JupyterLab serves: "
                         "formgrader needs it there. Use --root or another --course.")
    argv = [sys.executable, "-m", "jupyterlab",
            f"--ServerApp.root_dir={root}",
            f"--CourseDirectory.root={course}"]
    if port:
        argv.append(f"--ServerApp.port={port}")
    if not open_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    argv.extend(extra)
    return argv, environment(), course


def run(course: Path, *, root: Path = REPO, port: int | None = None, open_browser: bool = True,
        extra: list[str] = ()) -> int:
    """Prepare the course folder if needed, then replace this process by JupyterLab."""
    course = Path(course).resolve()
    os.environ["PATH"] = build.with_venv_path({"PATH": os.environ.get("PATH", "")})["PATH"]  # nbgrader runs alembic
    try:
        argv, env, cwd = command(course, root=root, port=port, open_browser=open_browser, extra=extra)
    except ValueError as exc:
        sys.exit(str(exc))
    try:
        prepare_course(course)
    except RuntimeError as exc:
        sys.exit(str(exc))
    stray = REPO / "gradebook.db"
    if stray.exists():
        print(f"note: {stray} is not used (left by an earlier formgrader start?); the gradebook is "
              f"{course / 'gradebook.db'}", flush=True)
    print(f"JupyterLab on {Path(root).resolve()}; students open release/. "
          f"Formgrader (menu Nbgrader → Formgrader) grades the course folder {course}.", flush=True)
    os.chdir(cwd)
    os.execve(sys.executable, argv, env)
    return 0  # not reached
