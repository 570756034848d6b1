"""Lesson 03: the activation explorer.

:func:`activation_explorer` receives the student's activation functions and their derivatives,
``{"sigmoid": (sigmoid, sigmoid_derivative), "elu": (elu, elu_derivative), ...}``, and draws
them: each function on the left, and on the right its derivative as the student wrote it,
beside the slope measured numerically on the student's own function (central differences),
so that a wrong derivative shows up as two curves that part. Nothing here computes an
activation: every curve comes from the functions passed in.

* Interactively: a dropdown picks the activation, a slider sets ``alpha`` for the functions
  that take one (leaky ReLU, ELU; it starts at the function's own default), another the range
  of z.
* Statically (nbgrader, nbconvert, GitHub, ``TLUKIT_STATIC=1``): small multiples of every
  activation with its derivative, which never wait for input.

A function that is still a stub (or raises) is left out, and one line says which exercise to
finish; when none of them runs yet, only that line is shown.
"""
from __future__ import annotations

import inspect
import textwrap
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .core import DPI, not_ready_message, notice, render_png, show, unfinished_message

FRAME_SIZE = (8.0, 3.3)   # inches, one frame of the widget: 800 × 330 CSS pixels at DPI 100
COLOR_F, COLOR_D, COLOR_NUM = "#1b62c4", "#d95f02", "0.35"
STEP = 1e-5               # central differences: (f(z + h) − f(z − h)) / 2h


def takes_alpha(fn: Callable) -> bool:
    """Whether ``fn`` has a parameter called ``alpha`` (leaky ReLU, ELU)."""
    try:
        return "alpha" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def default_alpha(fn: Callable, fallback: float = 0.2) -> float | None:
    """The default of ``fn``'s ``alpha`` parameter (``fallback`` when it has none); None without ``alpha``."""
    if not takes_alpha(fn):
        return None
    default = inspect.signature(fn).parameters["alpha"].default
    return float(default) if isinstance(default, (int, float)) and not isinstance(default, bool) else fallback


def _kwargs(fn: Callable | None, alpha: float | None) -> dict:
    return {"alpha": alpha} if fn is not None and alpha is not None and takes_alpha(fn) else {}


def evaluate(fn: Callable, z: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """``fn(z)`` as a float array of the shape of z (warnings silenced: a student's overflow is not ours to show)."""
    with np.errstate(all="ignore"):
        out = np.asarray(fn(z.copy(), **_kwargs(fn, alpha)), dtype=float)
    return np.broadcast_to(out, z.shape) if out.shape != z.shape else out


def numerical_derivative(fn: Callable, z: np.ndarray, alpha: float | None = None, h: float = STEP) -> np.ndarray:
    """The slope of the student's ``fn`` at each z, measured by central differences."""
    return (evaluate(fn, z + h, alpha) - evaluate(fn, z - h, alpha)) / (2 * h)


def _problem(fn: Callable | None) -> BaseException | None:
    """The exception ``fn`` raises on a few inputs (a stub, or broken), else None."""
    if fn is None:
        return None
    try:
        evaluate(fn, np.linspace(-2.0, 2.0, 9))
    except Exception as exc:  # noqa: BLE001 - the student's code is not ready
        return exc
    return None


def draw_activation(ax_f, ax_d, name: str, fn: Callable, derivative: Callable | None, z: np.ndarray,
                    alpha: float | None = None, *, legend: bool = True, fontsize: float = 10) -> None:
    """The function on ``ax_f``; the derivative and the numerical slope on ``ax_d`` (``ax_d`` may be ``ax_f``)."""
    f = evaluate(fn, z, alpha)
    shown = f"{name}(z" + (f", alpha={alpha:g})" if takes_alpha(fn) and alpha is not None else ")")
    ax_f.plot(z, f, color=COLOR_F, lw=2, label=shown)
    slope = numerical_derivative(fn, z, alpha)
    if derivative is not None:
        ax_d.plot(z, evaluate(derivative, z, alpha), color=COLOR_D, lw=2, ls="--" if ax_d is ax_f else "-",
                  label=f"{getattr(derivative, '__name__', 'derivative')}(z)")
    ax_d.plot(z, slope, ":", color=COLOR_NUM, lw=2, label="numerical slope of " + name)
    for ax in {ax_f, ax_d}:
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("z", fontsize=fontsize)
        ax.tick_params(labelsize=fontsize - 1)
        if legend:
            ax.legend(loc="best", fontsize=fontsize - 2)


def mismatch_note(fn: Callable, derivative: Callable | None, z: np.ndarray, alpha: float | None = None) -> str:
    """A line saying whether the derivative agrees with the numerical slope (away from z = 0, where kinks are)."""
    if derivative is None:
        return "derivative: not written yet (the dotted curve is the slope measured on your function)"
    away = z[np.abs(z) > 0.05]
    want, got = numerical_derivative(fn, away, alpha), evaluate(derivative, away, alpha)
    bad = ~np.isclose(got, want, rtol=1e-3, atol=1e-4)
    if bad.any():
        return (f"your derivative differs from the numerical slope at z = {away[bad][0]:.3g} "
                f"({got[bad][0]:.4g} instead of about {want[bad][0]:.4g})")
    return "your derivative agrees with the numerical slope"


def explorer_frame(name: str, fn: Callable, derivative: Callable | None, z_range=(-5.0, 5.0),
                   alpha: float | None = None):
    """One frame of the explorer: the function (left) and its derivative (right), :data:`FRAME_SIZE` inches."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=FRAME_SIZE, layout="constrained")
    ax_f, ax_d = fig.subplots(1, 2)
    z = np.linspace(*z_range, 801)
    draw_activation(ax_f, ax_d, name, fn, derivative, z, alpha)
    ax_f.set_title(f"{name}", fontsize=11)
    ax_d.set_title("its derivative", fontsize=11)
    ax_f.set_ylabel("activation")
    ax_d.set_ylabel("slope")
    return fig


def activations_figure(functions: Mapping[str, tuple], z_range=(-4.0, 4.0), *, note: str | None = None,
                       cols: int = 4):
    """Small multiples: every activation (solid) with its derivative (dashed) and the numerical slope (dotted)."""
    names = list(functions)
    rows = int(np.ceil(len(names) / cols))
    cols = min(cols, len(names))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.6 * rows + 0.6), squeeze=False, layout="constrained")
    z = np.linspace(*z_range, 401)
    for ax, name in zip(axes.ravel(), names):
        fn, derivative = functions[name]
        alpha = default_alpha(fn)
        draw_activation(ax, ax, name, fn, derivative, z, alpha, legend=False, fontsize=8)
        ax.set_title(name + (f" (alpha = {alpha:g})" if alpha is not None else ""), fontsize=9)
        ax.set_ylim(-2.2, 4.2)
    for ax in axes[:, 0]:
        ax.set_ylabel("value and slope", fontsize=8)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], color=COLOR_F, lw=2), plt.Line2D([], [], color=COLOR_D, lw=2, ls="--"),
               plt.Line2D([], [], color=COLOR_NUM, lw=2, ls=":")]
    fig.legend(handles, ["your activation", "your derivative", "numerical slope of your activation"],
               loc="outside lower center", ncol=3, fontsize=9, frameon=False)
    title = "Activation functions and their derivatives (your code)"
    if note:
        title += "\n" + "\n".join(textwrap.wrap(note, 30 * cols))
    fig.suptitle(title, fontsize=10)
    return fig


def explorer_widget(functions: Mapping[str, tuple], z_range=(-5.0, 5.0), *, start: str | None = None,
                    note: str | None = None):
    """The ipywidgets box of :func:`activation_explorer` (never waits for input)."""
    import html

    import ipywidgets as W

    names = list(functions)
    width, height = (round(inches * DPI) for inches in FRAME_SIZE)
    choose = W.Dropdown(options=names, value=start if start in names else names[0], description="activation")
    alpha_slider = W.FloatSlider(value=default_alpha(functions[choose.value][0]) or 0.2, min=0.0, max=2.0,
                                 step=0.05, description="alpha", continuous_update=False)
    span = W.FloatRangeSlider(value=list(z_range), min=-20.0, max=20.0, step=0.5, description="z from, to",
                              continuous_update=False, layout=W.Layout(width="420px"))
    image = W.Image(format="png", width=str(width), height=str(height),
                    layout=W.Layout(width=f"{width}px", height=f"{height}px", align_self="flex-start",
                                    object_fit="contain", flex="0 0 auto"))
    info = W.HTML()
    extra = f"<br>ℹ️ {html.escape(note)}" if note else ""

    def render(*_):
        fn, derivative = functions[choose.value]
        a = alpha_slider.value if takes_alpha(fn) else None
        alpha_slider.disabled = a is None
        low, high = span.value
        if high - low < 0.5:
            high = low + 0.5
        fig = explorer_frame(choose.value, fn, derivative, (low, high), a)
        image.value = render_png(fig, tight=False)[0]
        z = np.linspace(low, high, 201)
        info.value = html.escape(mismatch_note(fn, derivative, z, a)) + extra

    def chosen(change):
        alpha = default_alpha(functions[change["new"]][0])
        if alpha is not None and alpha != alpha_slider.value:
            alpha_slider.value = alpha  # renders once, through the slider
        else:
            render()

    choose.observe(chosen, names="value")
    for control in (alpha_slider, span):
        control.observe(render, names="value")
    render()
    return W.VBox([W.HBox([choose, alpha_slider]), span, info, image])


def activation_explorer(functions: Mapping[str, tuple | Callable], *, z_range: Sequence[float] = (-5.0, 5.0),
                        start: str | None = None, exercise: str | Mapping[str, str] | None = None) -> None:
    """Explore activation functions and their derivatives: pick one, see it, see its slope.

    ``functions`` maps a name to ``(function, derivative)`` (or to a function alone); they are
    your functions, e.g. ``{"sigmoid": (sigmoid, sigmoid_derivative), "relu": (relu,
    relu_derivative)}``. The right-hand plot shows your derivative and, dotted, the slope of your
    function measured numerically: the two curves must lie on top of each other. Where no
    widget can run, a figure of all of them is shown instead.

    Functions that are still stubs (or raise) are left out and one line names them:
    ``exercise`` labels them, one label for all or one per name (``{"elu": "Exercise 6"}``).
    """
    pairs = {name: (value if isinstance(value, tuple) else (value, None)) for name, value in functions.items()}
    if not pairs:
        raise ValueError("activation_explorer needs at least one function, e.g. {'sigmoid': (sigmoid, None)}.")
    broken_fn = {name: exc for name, (fn, _) in pairs.items() if (exc := _problem(fn)) is not None}
    broken_d = {getattr(d, "__name__", f"{name}_derivative"): exc for name, (fn, d) in pairs.items()
                if name not in broken_fn and (exc := _problem(d)) is not None}
    ready = {name: (fn, None if _problem(d) else d) for name, (fn, d) in pairs.items() if name not in broken_fn}
    lines = []
    if len(broken_fn) == 1:
        (name, exc), = broken_fn.items()
        lines.append(not_ready_message(name, exc, exercise=exercise, what="explorer"))
    elif broken_fn:
        lines.append(unfinished_message(broken_fn, exercise=exercise, what="explorer",
                                        until="until then they are left out." if ready else "none of them runs yet."))
    if broken_d:
        lines.append(unfinished_message(broken_d, exercise=exercise, what="explorer",
                                        until="until then only the numerical slope is drawn."))
    note = " ".join(lines) if lines else None
    if not ready:
        notice(note)
        return
    show(lambda: explorer_widget(ready, tuple(z_range), start=start, note=note),
         lambda: activations_figure(ready, note=note),
         description="activation explorer")
