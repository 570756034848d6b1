"""The instructor's tools as a person uses them: `autograder check` after saving a release notebook in
JupyterLab, and `autograder lab` (`make lab`) started on a fresh course folder."""
from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder import build, lab
from autograder.course import RELEASE, REPO, is_graded, notebooks
from tests.helpers import lessons


# ----------------------------------------------------------------------------- freshness
def _release(lesson: str):
    (path,) = notebooks(lesson, RELEASE)
    return path, nbformat.read(path, as_version=4)


def _saved_in_jupyterlab(nb):
    """``nb`` as opening, running and saving it in JupyterLab (Validate saves too) leaves it."""
    nb = copy.deepcopy(nb)
    nb.metadata["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
        "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": "3.11.7"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2,
                                                                           "version_minor": 0}}
    nb.metadata["toc-autonumbering"] = True
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = i + 1
            cell.outputs = []
            cell.metadata["collapsed"] = False
            cell.metadata["scrolled"] = True
            cell.metadata["trusted"] = True
            cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
        else:
            cell.metadata["jp-MarkdownHeadingCollapsed"] = True
    return nb


def _graded_cell(nb):
    return next(c for c in nb.cells if is_graded(c))


def test_saving_in_jupyterlab_is_not_a_difference():
    for lesson in lessons():
        _, nb = _release(lesson)
        assert build.release_differences(_saved_in_jupyterlab(nb), nb) == []


def test_a_changed_source_line_or_points_is_a_difference():
    _, nb = _release(lessons()[-1])
    edited = _saved_in_jupyterlab(nb)
    cell = _graded_cell(edited)
    cell.source = cell.source + "\nprint('edited')"  # any edit of a graded cell's source
    (found,) = build.release_differences(edited, nb)
    assert cell.metadata.nbgrader.grade_id in found and "source" in found

    edited = _saved_in_jupyterlab(nb)
    cell = _graded_cell(edited)
    cell.metadata.nbgrader.points += 1
    (found,) = build.release_differences(edited, nb)
    assert cell.metadata.nbgrader.grade_id in found and "nbgrader metadata" in found

    edited = copy.deepcopy(nb)
    code = next(c for c in edited.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="left over\n")]
    (found,) = build.release_differences(edited, nb)
    assert "outputs" in found

    edited = copy.deepcopy(nb)
    edited.metadata.kernelspec.name = "python2"
    assert build.release_differences(edited, nb) == ["notebook metadata 'kernelspec' differs"]


def test_check_accepts_a_release_saved_in_jupyterlab_and_spots_an_edit(tmp_path):
    """`python -m autograder check`'s function on the committed release, saved with JupyterLab's noise."""
    lesson = lessons()[0]
    path, nb = _release(lesson)
    saved = tmp_path / "saved" / lesson / path.name
    saved.parent.mkdir(parents=True)
    nbformat.write(_saved_in_jupyterlab(nb), saved)
    assert json.loads(saved.read_text()) != json.loads(path.read_text())  # what the old check called stale
    assert build.stale(lesson, release_root=tmp_path / "saved") == []

    edited = _saved_in_jupyterlab(nb)
    _graded_cell(edited).metadata.nbgrader.points = 99
    target = tmp_path / "edited" / lesson / path.name
    target.parent.mkdir(parents=True)
    nbformat.write(edited, target)
    (reason,) = build.stale(lesson, release_root=tmp_path / "edited")
    assert f"release/{lesson}/{path.name}" in reason and "nbgrader metadata" in reason


# ----------------------------------------------------------------------------- the lab command
def test_lab_command_line():
    course = REPO / "grading"
    argv, env, cwd = lab.command(course, port=9999, open_browser=False, extra=["--ServerApp.token=x"])
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={REPO}" in argv and f"--CourseDirectory.root={course}" in argv
    assert "--ServerApp.port=9999" in argv and "--no-browser" in argv and argv[-1] == "--ServerApp.token=x"
    assert ("--allow-root" in argv) == (os.geteuid() == 0)
    assert cwd == course  # nbgrader reads nbgrader_config.py and puts gradebook.db in the course folder
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)  # nbgrader runs alembic
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(lab.KIT_CONFIG)
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(lab.KIT_DATA)
    with pytest.raises(ValueError, match="not inside"):
        lab.command(Path("/elsewhere/course"))
    with pytest.raises(ValueError, match="repository itself"):
        lab.command(REPO)


def test_a_half_made_gradebook_is_started_afresh(tmp_path):
    """A formgrader start that could not run alembic leaves an empty, unstamped gradebook behind."""
    import sqlite3

    assert lab.gradebook_lessons(tmp_path) is None
    db = tmp_path / "gradebook.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE assignment (id VARCHAR(32), name VARCHAR(128))")
    con.close()
    assert lab.gradebook_lessons(tmp_path) is None and not db.exists()
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE assignment (id VARCHAR(32), name VARCHAR(128))")
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO assignment VALUES ('1', '01_mcculloch_pitts')")
    con.close()
    assert lab.gradebook_lessons(tmp_path) == {"01_mcculloch_pitts"}


def test_nbgrader_started_in_the_repository_uses_grading_not_the_root(tmp_path):
    """A plain `jupyter lab` or `nbgrader` in the repository reads its nbgrader_config.py: grading/ is
    the course folder then; the copy in a course folder leaves the root alone."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.CourseDirectory.root == str(REPO / "grading")
    shutil.copy(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    assert "root" not in config.CourseDirectory and config.CourseDirectory.course_id == "nn-course-kit"


def test_the_switched_off_parts_exist_in_the_installed_nbgrader():
    """Guards the names in autograder/lab_env against an nbgrader upgrade renaming them."""
    import nbgrader

    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    code = "".join(p.read_text(errors="replace") for p in static.glob("*.js"))
    for plugin in lab.EXCHANGE_LAB_PLUGINS + ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                                              "@jupyter/nbgrader:validate-assignment"):
        assert f'"{plugin}"' in code, plugin
    page = json.loads((lab.KIT_CONFIG / "labconfig" / "page_config.json").read_text())
    assert sorted(page["disabledExtensions"]) == sorted(lab.EXCHANGE_LAB_PLUGINS)
    server = json.loads((lab.KIT_CONFIG / "jupyter_server_config.d" / "nn-course-kit.json").read_text())
    switched = server["ServerApp"]["jpserver_extensions"]
    for name in lab.EXCHANGE_SERVER_EXTENSIONS:
        assert switched[name] is False
        assert (Path(nbgrader.__file__).parent / Path(*name.split(".")[1:])).is_dir()
    # nbgrader's formgrade template calls nbconvert's mathjax() macro without a URL: the kit overrides it
    template = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates" / "formgrade"
    assert "{{ mathjax() }}" in (template / "index.html.j2").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str, timeout: float = 10) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture
def lab_server(tmp_path):
    """`python -m autograder lab` on a fresh course folder under tmp_path, in the background."""
    course, port, token = tmp_path / "course", _free_port(), "instructor-tools-test"
    log = tmp_path / "lab.log"
    env = dict(os.environ, JUPYTER_TOKEN=token)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "autograder", "lab", "--course", str(course),
                                 "--root", str(tmp_path), "--port", str(port), "--no-browser"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"the lab command stopped:\n{log.read_text()[-3000:]}"
            try:
                if _get(f"{base}/api/status", token, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not start:\n{log.read_text()[-3000:]}"
            time.sleep(0.3)
        yield base, token, course, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_lab_on_a_fresh_course_folder(lab_server, tmp_path):
    base, token, course, log = lab_server
    repo_had_gradebook = (REPO / "gradebook.db").exists()

    # formgrader lists the lessons straight away: the course folder was prepared, alembic was found
    status, body = _get(f"{base}/formgrader/api/assignments", token)
    assert status == 200, body[-2000:]
    assert sorted(a["name"] for a in json.loads(body)) == lessons()
    assert (course / "gradebook.db").is_file()
    assert not (tmp_path / "gradebook.db").exists(), "gradebook.db in the folder JupyterLab serves"
    assert (REPO / "gradebook.db").exists() == repo_had_gradebook, "gradebook.db in the repository root"

    # the exchange-only parts of nbgrader are off; formgrader and Validate are on
    text = log.read_text()
    for name in lab.EXCHANGE_SERVER_EXTENSIONS:
        assert f"{name} | extension was successfully loaded" not in text
    assert "nbgrader.server_extensions.formgrader | extension was successfully loaded" in text
    assert "nbgrader.server_extensions.validate_assignment | extension was successfully loaded" in text
    assert _get(f"{base}/assignments", token)[0] == 404  # assignment_list's route
    assert _get(f"{base}/formgraders", token)[0] == 404  # course_list's route
    assert _get(f"{base}/nbgrader_version?version=0", token)[0] == 200  # Validate's version check still works
    status, page = _get(f"{base}/lab", token)
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    for plugin in lab.EXCHANGE_LAB_PLUGINS:
        assert plugin in config["disabledExtensions"]  # a list or a dict, by JupyterLab version

    # manual grading: a submission recorded while the server runs; its page loads MathJax from this server
    from autograder import gradebook

    lesson = lessons()[-1]
    (release,) = notebooks(lesson, course / "release")
    executed = course / "executed" / "ada" / lesson / release.name
    executed.parent.mkdir(parents=True)
    shutil.copy(release, executed)
    gradebook.record(course, [lesson])
    status, body = _get(f"{base}/formgrader/api/submitted_notebooks/{lesson}/{release.stem}", token)
    assert status == 200, body[-2000:]
    (submission,) = json.loads(body)
    page_url = f"{base}/formgrader/submissions/{submission['id']}/"
    status, page = _get(page_url, token, timeout=30)
    assert status == 200, page[-2000:]
    assert "cdnjs" not in page and "cdn.jsdelivr" not in page
    scripts = re.findall(r'<script src="([^"]*MathJax[^"]*)"', page)
    assert len(scripts) == 1, scripts
    mathjax = urllib.parse.urljoin(page_url, scripts[0])
    assert mathjax.startswith(f"{base}/{lab.MATHJAX_PATH}")
    status, js = _get(mathjax, token)
    assert status == 200 and "MathJax" in js[:5000]
