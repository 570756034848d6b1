"""The widgets' static fallback, the stepper's figure size, and what a stub gives.

* Where no widget front end runs (``TLUKIT_STATIC=1``, nbgrader) only the figure is shown; where
  one may, the widget view travels with an ``image/png`` (sized for the screen) and a
  ``text/plain`` beside it, and nbconvert's HTML shows that picture, never "model not found".
* The kit's JupyterLab serves ``saveState: true`` for the widget manager, so a notebook saved
  there keeps its widgets' state (what a trusted, reopened notebook needs).
* The stepper's frames have one fixed, modest size, drawn at twice the resolution they are shown
  at and pinned to that size in the widget's layout.
* A student's function that is a stub, or raises, gives one line naming the exercise to finish.
"""
from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tlukit.widgets import core, logic, perceptron  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
AND_Y = np.array([0, 0, 0, 1])
MAX_INCHES = (7.0, 4.5)


def perceptron_update(w, b, x, y, eta=1.0):
    y_hat = int(np.dot(w, x) + b >= 0)
    return w + eta * (y - y_hat) * np.asarray(x, dtype=float), b + eta * (y - y_hat)


def and_gate(a, b):
    return int(a and b)


def or_gate(a, b):
    return int(a or b)


def xor_gate(a, b):
    raise NotImplementedError()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def shown(monkeypatch):
    """What the widgets display: a list of (objects, keyword arguments)."""
    import IPython.display

    seen = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: seen.append((objs, kw)))
    return seen


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setenv("TLUKIT_STATIC", "1")


@pytest.fixture
def live(monkeypatch):
    """As in a kernel with a widget front end."""
    monkeypatch.delenv("TLUKIT_STATIC", raising=False)
    monkeypatch.setattr(core, "interactive", lambda: True)


def png_of(b64: str) -> tuple[int, int]:
    return core.png_size(base64.b64decode(b64))


def assert_labelled(fig: Figure, *, legend_names=("y = 0", "y = 1")):
    """A title, labelled axes and a legend naming the classes."""
    titled = fig._suptitle is not None or any(ax.get_title() for ax in fig.axes)
    assert titled, "the figure has a title"
    drawn = [ax for ax in fig.axes if ax.axison]
    assert all(ax.get_title() for ax in drawn), "every panel has a title"
    assert any(ax.get_xlabel() for ax in drawn) and any(ax.get_ylabel() for ax in drawn)
    legends = [*fig.legends, *(ax.get_legend() for ax in drawn if ax.get_legend())]
    assert legends, "a legend"
    names = {t.get_text() for legend in legends for t in legend.get_texts()}
    assert set(legend_names) <= names, names


# ------------------------------------------------------------------ fallback: no front end at all

def test_static_mode_shows_only_the_figure(static, shown):
    perceptron.perceptron_stepper(AND_X, AND_Y, perceptron_update)
    (objs, kw), = shown
    fig = objs[0]
    assert isinstance(fig, Figure) and not kw.get("raw")
    w, h = fig.get_size_inches()
    assert w <= MAX_INCHES[0] + 1e-9 and h <= MAX_INCHES[1] + 1e-9, (w, h)
    assert_labelled(fig)
    assert not plt.get_fignums(), "the figure is closed once shown"


def test_nbgrader_execution_is_static_too(monkeypatch, shown):
    monkeypatch.delenv("TLUKIT_STATIC", raising=False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert not core.interactive()
    logic.truth_table_explorer(and_gate, or_gate)
    assert len(shown) == 1 and isinstance(shown[0][0][0], Figure)


@pytest.mark.parametrize("which", ["stepper", "explorer"])
def test_widget_output_carries_a_sized_picture(live, shown, which):
    if which == "stepper":
        perceptron.perceptron_stepper(AND_X, AND_Y, perceptron_update)
    else:
        logic.truth_table_explorer(and_gate, or_gate)
    (bundle,), kw = shown[-1]
    assert kw.get("raw") and core.WIDGET_MIME in bundle
    width, height = png_of(bundle["image/png"])
    size = kw["metadata"]["image/png"]
    assert (size["width"], size["height"]) == (round(width / core.SCALE), round(height / core.SCALE)), \
        "drawn at twice the size it is shown at"
    assert "Box(" not in bundle["text/plain"] and "static picture" in bundle["text/plain"]
    assert not plt.get_fignums()


def _notebook():
    import nbformat

    cells = [
        "import numpy as np\nfrom tlukit import widgets\n"
        "X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 0, 0, 1])\n"
        "def perceptron_update(w, b, x, y, eta=1.0):\n"
        "    y_hat = int(np.dot(w, x) + b >= 0)\n"
        "    return w + eta * (y - y_hat) * x, b + eta * (y - y_hat)\n"
        "def and_gate(a, b):\n    return int(a and b)\n"
        "def or_gate(a, b):\n    return int(a or b)",
        "widgets.perceptron_stepper(X, y, perceptron_update, eta=1.0)",
        "widgets.truth_table_explorer(and_gate, or_gate)",
        "def perceptron_update(w, b, x, y, eta=1.0):\n    raise NotImplementedError()\n"
        "widgets.perceptron_stepper(X, y, perceptron_update, exercise='Exercise 5')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _html(nb) -> str:
    from nbconvert import HTMLExporter

    return HTMLExporter().from_notebook_node(nb)[0]


def test_nbconvert_html_shows_the_picture_not_model_not_found(monkeypatch, tmp_path):
    """A real kernel (widgets on), then nbconvert: the saved outputs render as pictures."""
    from nbclient import NotebookClient

    monkeypatch.delenv("TLUKIT_STATIC", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = _notebook()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [c.outputs for c in nb.cells]
    assert not [o for out in outputs for o in out if o.output_type == "error"]
    models = []
    for out in outputs[1:3]:
        (display,) = [o for o in out if o.output_type == "display_data"]
        assert {core.WIDGET_MIME, "image/png", "text/plain"} <= set(display.data)
        models.append(display.data[core.WIDGET_MIME]["model_id"])

    stepper = [o for o in outputs[1] if o.output_type == "display_data"][0]
    assert stepper.metadata["image/png"]["width"] <= MAX_INCHES[0] * core.DPI
    assert stepper.metadata["image/png"]["height"] <= MAX_INCHES[1] * core.DPI

    # Saved without widget state (JupyterLab's default): nbconvert skips the widget view.
    bare = json.loads(json.dumps(nb))
    bare["metadata"].pop("widgets", None)
    import nbformat
    html = _html(nbformat.from_dict(bare))
    assert "model not found" not in html
    assert '<script type="application/vnd.jupyter.widget-view+json">' not in html
    images = [tag for tag in re.findall(r"<img\b[^>]*>", html) if 'src="data:image/png;base64,' in tag]
    assert len(images) == 2, "the stepper's and the explorer's pictures"
    width = int(re.search(r'width="(\d+)"', images[0])[1])
    assert width == stepper.metadata["image/png"]["width"], "shown at its size, not the notebook's width"
    assert "Finish Exercise 5 (perceptron_update) to use this stepper" in html

    # Saved with widget state (saveState, as `make lab` does): the state travels with the views.
    assert set(models) <= set(nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"])
    html = _html(nb)
    assert '<script type="application/vnd.jupyter.widget-state+json">' in html and "model not found" not in html


# ------------------------------------------------------------------ the kit's JupyterLab settings

def test_kit_lab_settings_save_widget_state():
    """The override file is where jupyterlab_server looks, and a real server serves it."""
    from autograder import lab

    override = lab.KIT_CONFIG / "labconfig" / "default_setting_overrides.json"
    assert json.loads(override.read_text())["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    schema = next((REPO / ".venv/share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager/schemas")
                  .rglob("plugin.json"), None)
    if schema is not None:
        assert "saveState" in json.loads(schema.read_text())["properties"]


def test_kit_lab_serves_save_state_true(tmp_path):
    from autograder import lab

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = lab.environment()
    env.update(JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.token=kit-test", f"--ServerApp.root_dir={tmp_path}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin?token=kit-test"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    reply, deadline = None, time.monotonic() + 60
    try:
        while reply is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with opener.open(url, timeout=5) as response:
                    reply = json.load(response)
            except OSError:
                time.sleep(0.25)
    finally:
        server.terminate()
        try:
            _, err = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
    assert reply is not None, f"JupyterLab did not answer: {err.decode(errors='replace')[-2000:]}"
    assert reply["schema"]["properties"]["saveState"]["default"] is True
    assert reply["settings"].get("saveState", True) is True


# ------------------------------------------------------------------------- the stepper's size

def test_stepper_frames_have_one_modest_size_and_are_pinned_in_the_layout():
    steps = perceptron.stepper_history(AND_X, AND_Y, perceptron_update)
    w_in, h_in = perceptron.FRAME_SIZE
    assert w_in <= MAX_INCHES[0] and h_in <= MAX_INCHES[1]
    fig = perceptron.frame_figure(AND_X, AND_Y, steps[3])
    assert tuple(fig.get_size_inches()) == perceptron.FRAME_SIZE
    assert_labelled(fig)

    box = perceptron.stepper_widget(AND_X, AND_Y, steps)
    controls, info, image = box.children
    css = (round(w_in * core.DPI), round(h_in * core.DPI))
    assert (image.layout.width, image.layout.height) == (f"{css[0]}px", f"{css[1]}px")
    assert image.layout.align_self == "flex-start", "a VBox would stretch the image to the notebook's width"
    assert (image.width, image.height) == tuple(map(str, css))
    sizes = set()
    for t in (0, len(steps) // 2, len(steps) - 1):  # every frame: the same pixels, twice the CSS size
        controls.children[3].value = t
        sizes.add(core.png_size(image.value))
    assert sizes == {(css[0] * core.SCALE, css[1] * core.SCALE)}


def test_static_small_multiples_fit_a_laptop_screen():
    steps = perceptron.stepper_history(AND_X, AND_Y, perceptron_update)
    fig = perceptron.stepper_figure(AND_X, AND_Y, steps, frames=6)
    w, h = fig.get_size_inches()
    assert w <= MAX_INCHES[0] + 1e-9 and h <= MAX_INCHES[1] + 1e-9
    assert len([ax for ax in fig.axes if ax.axison]) == 6
    assert_labelled(fig)


# -------------------------------------------------------------------------------- stubs

@pytest.mark.parametrize("mode", ["static", "live"])
def test_stepper_on_a_stub_says_which_exercise_to_finish(request, shown, mode):
    request.getfixturevalue(mode)

    def perceptron_update(w, b, x, y, eta=1.0):  # the release's stub
        raise NotImplementedError()

    perceptron.perceptron_stepper(AND_X, AND_Y, perceptron_update, eta=1.0, exercise="Exercise 5")
    (bundle,), kw = shown[-1]
    assert len(shown) == 1 and kw.get("raw")
    assert bundle["text/plain"] == ("Finish Exercise 5 (perceptron_update) to use this stepper: "
                                    "perceptron_update is not written yet.")
    assert "Finish Exercise 5 (perceptron_update)" in bundle["text/html"]
    assert "check failed" not in bundle["text/plain"].lower() and "Traceback" not in bundle["text/plain"]
    assert not plt.get_fignums()


def test_stepper_messages_without_exercise_for_errors_and_nested_stubs(static, shown):
    def heaviside(z):
        raise NotImplementedError()

    def update(w, b, x, y, eta=1.0):
        return w, b + heaviside(b)

    def broken(w, b, x, y, eta=1.0):
        raise ValueError("shapes do not match")

    perceptron.perceptron_stepper(AND_X, AND_Y, update)
    perceptron.perceptron_stepper(AND_X, AND_Y, broken, exercise="Exercise 5")
    perceptron.perceptron_stepper(AND_X, AND_Y, lambda w, b, x, y, eta: w, exercise="Exercise 5")
    lines = [objs[0]["text/plain"] for objs, _ in shown]
    assert lines[0] == "Finish update to use this stepper: heaviside, which update calls, is not written yet."
    assert lines[1].startswith("Finish Exercise 5 (broken) to use this stepper:")
    assert "ValueError: shapes do not match" in lines[1]
    assert "must return a pair" in lines[2]


def test_explorer_with_only_stubs_shows_one_line(static, shown):
    logic.truth_table_explorer(xor_gate, exercise="Exercise 3")
    (bundle,), kw = shown[0]
    assert len(shown) == 1 and kw.get("raw")
    assert bundle["text/plain"] == "Finish Exercise 3 (xor_gate) to use this explorer: xor_gate is not written yet."


def test_explorer_with_some_stubs_draws_them_as_unknown_and_says_so(static, shown, monkeypatch):
    logic.truth_table_explorer(and_gate, or_gate, xor_gate, exercise={"xor_gate": "Exercise 3"})
    (fig,), _ = shown[0]
    assert isinstance(fig, Figure)
    assert "Finish Exercise 3 (xor_gate) to use this explorer" in fig._suptitle.get_text()
    assert [ax.get_title() for ax in fig.axes][:3] == ["C = A ∧ B", "C = A ∨ B", "C = A ⊕ B"]

    box = logic.build_explorer((and_gate, or_gate, xor_gate), note="Finish Exercise 3 (xor_gate) ...")
    assert "Finish Exercise 3 (xor_gate)" in box.children[1].value


def test_explorer_keeps_its_call_signature(live, shown):
    logic.truth_table_explorer(and_gate, or_gate, a=0, b=1)
    (bundle,), _ = shown[-1]
    assert core.WIDGET_MIME in bundle


# ------------------------------------------------------------ the explorer's truth table and size

def identity(a):
    return a


def a_and_not_b(a, b):
    return int(a and not b)


def xor_done(a, b):
    return int(a != b)


def nand_gate(a, b):
    raise NotImplementedError()


xor_done.__name__ = "xor_gate"
FIVE = (identity, and_gate, or_gate, a_and_not_b, xor_done)


def table_rows(ax) -> list[list[str]]:
    """The cells' texts of a drawn truth table, row by row from the top, left to right."""
    cells = {}
    for t in ax.texts:
        x, y = t.get_position()
        cells.setdefault(round(y), []).append((x, t.get_text()))
    top_down = sorted(cells) if ax.yaxis_inverted() else sorted(cells, reverse=True)
    return [[text for _, text in sorted(cells[y])] for y in top_down]


def test_truth_table_has_one_row_per_input_combination():
    _, ax = plt.subplots()
    logic.draw_truth_table(ax, {"and_gate": and_gate, "identity": identity, "xor_gate": xor_gate},
                           logic.LABELS, highlight=(1, 0))
    assert table_rows(ax) == [["0", "0", "0", "0", "?"],
                              ["0", "1", "0", "0", "?"],
                              ["1", "0", "0", "1", "?"],
                              ["1", "1", "1", "1", "?"]], "rows (A, B) = 00, 01, 10, 11, outputs last"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "A∧B", "C=A", "A⊕B"]
    assert ax.get_xlabel() and ax.get_ylabel()
    framed = [p for p in ax.patches if not p.get_fill()]
    assert len(framed) == 1 and framed[0].get_y() == pytest.approx(2 - 0.5), "the row of (1, 0) is framed"
    assert framed[0].get_width() == 5 and framed[0].get_height() == 1


@pytest.mark.parametrize("gates, max_size", [
    ((and_gate,), (6.0, 4.5)),
    ((and_gate, or_gate), (12.0, 4.5)),
    (FIVE, (12.0, 7.0)),
    ((*FIVE, nand_gate), (12.0, 7.0)),
])
def test_explorer_figure_shows_the_table_by_rows_and_keeps_a_modest_size(static, shown, gates, max_size):
    logic.truth_table_explorer(*gates, a=0, b=1)
    (fig,), _ = shown[0]
    (table,) = [ax for ax in fig.axes if ax.get_title() == "truth table"]
    rows = table_rows(table)
    assert [r[:2] for r in rows] == [["0", "0"], ["0", "1"], ["1", "0"], ["1", "1"]]
    assert all(len(r) == 2 + len(gates) for r in rows)
    assert [t.get_text() for t in table.get_xticklabels()][:2] == ["A", "B"]
    drawn = fig.get_tightbbox().size          # what the picture is cropped to
    for w, h in (fig.get_size_inches(), drawn):
        assert w <= max_size[0] + 1e-9 and h <= max_size[1] + 1e-9, (len(gates), w, h)
