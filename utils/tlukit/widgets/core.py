"""Show a widget with a static figure as its fallback; say so when the student's code is not ready.

Where the fallback comes from, front end by front end:

* nbconvert (HTML export, nbviewer-like renderers) draws a widget view only when the notebook's
  metadata holds the state of that widget; otherwise it takes the next mimetype of the output
  (nbconvert/filters/widgetsdatatypefilter.py), here the ``image/png`` stored beside the view.
* JupyterLab and Notebook 7 render an *untrusted* output with a safe renderer only, so a
  notebook from elsewhere shows the ``image/png`` (rendermime's ``preferredMimeType(data,
  trusted ? "any" : "ensure")``; the widget renderer is registered ``safe: false``).
* A *trusted* notebook (one the user saved) is rendered with the widget renderer (rank -10,
  ahead of every image), which says "Error displaying widget: model not found" when the model
  is neither in the kernel nor in the notebook's metadata. Only saved widget state helps there:
  the kit's JupyterLab (``make lab``) turns on ``@jupyter-widgets/jupyterlab-manager:plugin``
  ``saveState`` (autograder/lab_env/config/labconfig/default_setting_overrides.json); elsewhere
  it is Settings → "Save Widget State Automatically".
* Where no kernel with ipywidgets runs the notebook (nbgrader, ``TLUKIT_STATIC=1``), no widget
  is built at all and the figure is displayed on its own.
"""
from __future__ import annotations

import base64
import html
import io
import os
import struct
from typing import Callable, Iterable, Mapping

import matplotlib.pyplot as plt

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
DPI = 100    # CSS pixels per inch at which the kit's pictures are shown
SCALE = 2    # rendered at SCALE × DPI, shown at DPI: sharp on high-density screens, like IPython's "retina"


def interactive() -> bool:
    """True when an interactive widget can be shown: inside a live IPython kernel, not while
    nbgrader grades or validates, and unless ``TLUKIT_STATIC=1`` asks for static figures."""
    if os.environ.get("NBGRADER_EXECUTION") or os.environ.get("TLUKIT_STATIC") == "1":
        return False
    try:
        from IPython import get_ipython
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


# ------------------------------------------------------------------------------------ pictures
def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of the PNG ``data`` (from its IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def render_png(fig, *, tight: bool = True, dpi: int = DPI, scale: int = SCALE) -> tuple[bytes, int, int]:
    """``fig`` as PNG bytes drawn at ``scale × dpi``, and the CSS width and height to show it at.

    With ``tight=False`` the picture is exactly the figure's size (figsize × dpi CSS pixels), so
    that frames of an animation all have one size.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi * scale, **({"bbox_inches": "tight"} if tight else {}))
    data = buffer.getvalue()
    width, height = png_size(data)
    return data, round(width / scale), round(height / scale)


def fallback_bundle(fig, description: str) -> tuple[dict, dict]:
    """The static stand-in for a widget: ``image/png`` (with the size to show it at) and a
    ``text/plain`` line for front ends that show neither widgets nor images. A figure with a
    layout engine (constrained layout) is drawn at its own size, others cropped to what is drawn."""
    data, width, height = render_png(fig, tight=fig.get_layout_engine() is None)
    return ({"image/png": base64.b64encode(data).decode("ascii"),
             "text/plain": f"<{description}: a static picture; run the notebook in Jupyter to use it>"},
            {"image/png": {"width": width, "height": height}})


def show(make_widget: Callable[[], object], make_figure: Callable[[], object], *,
         description: str = "interactive widget") -> None:
    """Display ``make_widget()``, with the figure ``make_figure()`` as its static fallback.

    The fallback travels in the same output as the widget view (``image/png`` and ``text/plain``
    beside ``application/vnd.jupyter.widget-view+json``, see the module's docstring for who
    picks which). Where no widget can run, only the figure is built and shown.
    """
    from IPython.display import display

    fig = make_figure()
    if not interactive():
        display(fig)
        plt.close(fig)
        return
    try:
        data, metadata = fallback_bundle(fig, description)
    finally:
        plt.close(fig)
    widget = make_widget()
    bundle = dict(widget._repr_mimebundle_())
    bundle.update(data)
    display(bundle, raw=True, metadata=metadata)


# ------------------------------------------------------------------- the student's code not ready
def stub_name(exc: BaseException | None) -> str | None:
    """When ``exc`` is, or was raised while handling, a ``NotImplementedError`` (a stub that is not
    written yet), the name of the function whose body raised it; else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, NotImplementedError):
            tb, name = exc.__traceback__, None
            while tb is not None:
                name = tb.tb_frame.f_code.co_name
                tb = tb.tb_next
            return name if name and not name.startswith("<") else "your function"
        exc = exc.__cause__ or exc.__context__
    return None


def exercise_label(name: str, exercise: str | Mapping[str, str] | None) -> str:
    """"Exercise 5 (perceptron_update)" when the exercise is known, else "perceptron_update"."""
    label = exercise.get(name) if isinstance(exercise, Mapping) else exercise
    return f"{label} ({name})" if label else name


def not_ready_message(name: str, exc: BaseException, *, exercise: str | Mapping[str, str] | None = None,
                      what: str = "explorer") -> str:
    """One friendly line for a student's function ``name`` that raised ``exc``."""
    task = exercise_label(name, exercise)
    stub = stub_name(exc)
    if stub is not None:
        why = (f"{name} is not written yet" if stub in (name, "your function")
               else f"{stub}, which {name} calls, is not written yet")
        return f"Finish {task} to use this {what}: {why}."
    reason = getattr(exc, "message", None) or f"{name} raised {type(exc).__name__}: {exc}"
    reason = " ".join(str(reason).split())
    return f"Finish {task} to use this {what}: {reason}"


def unfinished_message(names: Iterable[str], *, exercise: str | Mapping[str, str] | None = None,
                       what: str = "explorer", until: str = "") -> str:
    """One line for several unfinished functions, grouped by exercise."""
    groups: dict[str, list[str]] = {}
    for name in names:
        label = exercise.get(name) if isinstance(exercise, Mapping) else exercise
        groups.setdefault(label or "", []).append(name)
    tasks = [f"{label} ({', '.join(names)})" if label else ", ".join(names) for label, names in groups.items()]
    listed = tasks[0] if len(tasks) == 1 else f"{', '.join(tasks[:-1])} and {tasks[-1]}"
    return f"Finish {listed} to use this {what}" + (f"; {until}" if until else ".")


def notice(text: str) -> None:
    """Display one friendly line (never raises, never a traceback)."""
    from IPython.display import display

    display({"text/plain": text,
             "text/html": f'<div class="tlukit-notice" style="padding:0.4em 0.6em;border-left:4px solid #1b62c4;'
                          f'background:#eef4fc">ℹ️ {html.escape(text)}</div>'}, raw=True)
