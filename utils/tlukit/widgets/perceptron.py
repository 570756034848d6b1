"""The perceptron stepper: watch the decision boundary move, one update at a time.

The stepper knows nothing of the learning rule: it receives the student's ``update`` function,
``update(w, b, x, y, eta) -> (new w, new b)``, and calls it on one instance after another, in
order, epoch after epoch, until an epoch changes nothing (or a limit is reached). It then
shows the sequence of states:

* interactively, with a slider, a play button and "back"/"step" buttons;
* statically (nbgrader, nbconvert, GitHub), as small multiples: the boundary after a few steps.

Each frame has one fixed size (:data:`FRAME_SIZE`, drawn at twice the resolution it is shown at)
and the image is pinned to that size in the widget's layout: a VBox stretches its children to
its full width (``align-items`` is left at ``stretch``) and the image widget's CSS is
``max-width: 100%; height: auto``, so an image without a width of its own was blown up to the
notebook's width. A student's ``update`` that is still a stub, or raises, gives one friendly line
("Finish Exercise 5 (perceptron_update) to use this stepper: ...") instead of a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import matplotlib.pyplot as plt

from ..checking import CheckFailed, call, short
from .core import DPI, not_ready_message, notice, render_png, show

COLORS = {0: "#d95f02", 1: "#1b62c4"}
MARKERS = {0: "s", 1: "o"}
REGIONS = ["#fbe3d6", "#d6e6fb"]
CLASS_NAMES = ("y = 0", "y = 1")
FRAME_SIZE = (6.0, 4.4)   # inches, one frame of the widget: 600 × 440 CSS pixels at DPI 100
FIGURE_WIDTH = 7.0        # inches, the static small multiples (at most 3 panels a row)


@dataclass(frozen=True)
class Step:
    """The state after one call of ``update`` (step 0 is the initial state)."""

    t: int
    epoch: int
    index: int | None  # the instance presented (None for the initial state)
    w: np.ndarray
    b: float
    changed: bool


def stepper_history(X, y, update: Callable, eta: float = 1.0, *, w0=None, b0: float = 0.0,
                    max_epochs: int = 20, max_steps: int = 400) -> list[Step]:
    """Call ``update`` one instance at a time, in order, and record every state.

    Stops after the first epoch in which no call changed the weights (every instance was then
    predicted correctly), after ``max_epochs`` epochs, or after ``max_steps`` calls.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    steps = [Step(0, 0, None, w.copy(), b, False)]
    for epoch in range(1, max_epochs + 1):
        changed_in_epoch = False
        for i in range(len(X)):
            label = f"{getattr(update, '__name__', 'update')}(w, b, X[{i}], y[{i}], eta={eta})"
            out = call(update, w.copy(), b, X[i].copy(), y[i].item(), eta, label=label)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise CheckFailed(f"{label} must return a pair (new w, new b); it returned {short(out)}")
            w_new = np.array(out[0], dtype=float).reshape(w.shape)
            b_new = float(np.asarray(out[1], dtype=float))
            changed = not (np.array_equal(w_new, w) and b_new == b)
            changed_in_epoch |= changed
            w, b = w_new, b_new
            steps.append(Step(len(steps), epoch, i, w.copy(), b, changed))
            if len(steps) > max_steps:
                return steps
        if not changed_in_epoch:
            break
    return steps


# ----------------------------------------------------------------------------- drawing
def _limits(X, margin=0.5):
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    return (lo[0], hi[0]), (lo[1], hi[1])


def draw_step(ax, X, y, step: Step, *, feature_names=("$x_1$", "$x_2$"), class_names=CLASS_NAMES,
              title: str | None = None, legend: bool = True, resolution: int = 150, fontsize: float = 10):
    """Draw the data, the half-planes of z = w·x + b and the boundary z = 0 for one step."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    (x0, x1), (y0, y1) = _limits(X)
    w, b = step.w, step.b
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    z = w[0] * gx + w[1] * gy + b
    # colour each half-plane by the sign of z (blue where the unit outputs 1)
    ax.contourf(gx, gy, np.sign(z) + (z == 0), levels=[-1.5, 0.5, 1.5], colors=REGIONS, alpha=0.9)
    norm = np.hypot(w[0], w[1])
    if norm > 1e-12:
        # the boundary w·x + b = 0, drawn through the point closest to the centre of the data
        centre = X.mean(axis=0)
        p = centre - (w @ centre + b) / norm**2 * w
        d = np.array([-w[1], w[0]]) / norm
        span = 4 * max(x1 - x0, y1 - y0)
        ax.plot([p[0] - span * d[0], p[0] + span * d[0]], [p[1] - span * d[1], p[1] + span * d[1]], "k-", lw=1.5)
        arrow = 0.15 * min(x1 - x0, y1 - y0) * w / norm
        if x0 <= p[0] <= x1 and y0 <= p[1] <= y1:  # the arrow of w, where the line is in view
            ax.annotate("", xy=p + arrow, xytext=p, arrowprops=dict(arrowstyle="->", color="k", lw=1.5))
            label = p + 0.5 * arrow + 0.06 * min(x1 - x0, y1 - y0) * d  # beside the arrow, along the line
            ax.text(*label, "$\\mathbf{w}$", ha="center", va="center", fontsize=11, clip_on=True)
    for label in (0, 1):
        mask = y == label
        name = class_names[label] if label < len(class_names) else str(label)
        ax.scatter(X[mask, 0], X[mask, 1], marker=MARKERS[label], c=COLORS[label], edgecolors="k",
                   linewidths=0.5, s=40, label=name, zorder=3)
    if step.index is not None:
        color = "#d62728" if step.changed else "#2ca02c"
        ax.scatter(*X[step.index], s=260, facecolors="none", edgecolors=color, linewidths=2.2, zorder=4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(feature_names[0], fontsize=fontsize)
    ax.set_ylabel(feature_names[1], fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 1)
    if legend:
        ax.legend(loc="best", fontsize=fontsize - 1, title="class", title_fontsize=fontsize - 1)
    ax.set_title(title if title is not None else _caption(step), fontsize=fontsize)
    return ax


def _fmt(v: float) -> str:
    return f"{v:.3g}".replace("-", "−")


def _caption(step: Step) -> str:
    state = f"w = ({', '.join(_fmt(v) for v in step.w)}), b = {_fmt(step.b)}"
    if step.index is None:
        return f"start: {state}"
    what = "updated" if step.changed else "no change"
    return f"step {step.t} (epoch {step.epoch}, x[{step.index}]): {what}\n{state}"


def _describe(steps: list[Step], t: int) -> str:
    step = steps[t]
    if step.index is None:
        return "Start: w = 0, b = 0. Press <b>step ▶</b> (or play) to present the first instance."
    verdict = ("<span style='color:#d62728'>wrong prediction → the weights move</span>" if step.changed
               else "<span style='color:#2ca02c'>right prediction → nothing changes</span>")
    text = f"Epoch {step.epoch}, instance {step.index}: {verdict}."
    if t == len(steps) - 1:
        text += " <b>Last step:</b> " + ("a whole epoch without error, training has converged."
                                         if not any(s.changed for s in steps if s.epoch == step.epoch)
                                         else "the limit on steps or epochs was reached.")
    return text


def _chosen(steps: list[Step], frames: int) -> list[int]:
    """A few steps for the static figure: the start, some updates spread out, the end."""
    updates = [s.t for s in steps if s.changed]
    last = steps[-1].t
    if len(steps) <= frames:
        return list(range(len(steps)))
    inner = updates[:-1] if updates and updates[-1] == last else updates
    k = frames - 2
    if len(inner) > k:
        inner = [inner[int(round(j))] for j in np.linspace(0, len(inner) - 1, k)]
    return sorted({0, *inner, last})


def stepper_figure(X, y, steps: list[Step], *, frames: int = 6, feature_names=("$x_1$", "$x_2$"),
                   class_names=CLASS_NAMES, title: str | None = None):
    """Small multiples: the boundary after a few chosen steps, at most :data:`FIGURE_WIDTH` wide."""
    chosen = _chosen(steps, frames)
    cols = min(3, len(chosen))
    rows = int(np.ceil(len(chosen) / cols))
    panel = FIGURE_WIDTH / 3
    fig, axes = plt.subplots(rows, cols, figsize=(panel * cols, panel * 0.86 * rows + 0.45), squeeze=False,
                             sharex=True, sharey=True, layout="constrained")
    for n, (ax, t) in enumerate(zip(axes.ravel(), chosen)):
        step = steps[t]
        caption = _caption(step)
        if t == steps[-1].t and t > 0:
            caption = caption.split("\n")[0].split(":")[0] + (": converged\n" if not step.changed else ":\n") + \
                caption.split("\n")[-1]
        draw_step(ax, X, y, step, feature_names=feature_names, class_names=class_names, title=caption,
                  legend=False, fontsize=7.5)
        if n % cols:
            ax.set_ylabel("")
        if n < len(chosen) - cols:
            ax.set_xlabel("")
    for ax in axes.ravel()[len(chosen):]:
        ax.axis("off")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, title="class", loc="outside lower center", ncol=len(labels), fontsize=8,
               title_fontsize=8, frameon=False)
    fig.suptitle(title or "The perceptron rule, one instance at a time\n"
                          "(ring: the instance just presented; red = update, green = no change)", fontsize=9)
    return fig


def frame_figure(X, y, step: Step, *, feature_names=("$x_1$", "$x_2$"), class_names=CLASS_NAMES):
    """One frame of the stepper, :data:`FRAME_SIZE` inches (not a pyplot figure: nothing to close)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=FRAME_SIZE, layout="constrained")
    draw_step(fig.subplots(), X, y, step, feature_names=feature_names, class_names=class_names)
    return fig


def stepper_widget(X, y, steps: list[Step], *, feature_names=("$x_1$", "$x_2$"), class_names=CLASS_NAMES):
    """An ipywidgets box: slider + play + back/step buttons over ``steps``, and the current figure.

    Every frame is a PNG of :data:`FRAME_SIZE` inches drawn at twice :data:`~.core.DPI`, shown at
    exactly ``FRAME_SIZE × DPI`` CSS pixels (never stretched to the notebook's width).
    """
    import ipywidgets as W

    cache: dict[int, bytes] = {}

    def frame(t: int) -> bytes:
        if t not in cache:
            cache[t] = render_png(frame_figure(X, y, steps[t], feature_names=feature_names,
                                               class_names=class_names), tight=False)[0]
        return cache[t]

    width, height = (round(inches * DPI) for inches in FRAME_SIZE)
    last = len(steps) - 1
    slider = W.IntSlider(value=0, min=0, max=last, description="step", continuous_update=False,
                         layout=W.Layout(width="420px"))
    play = W.Play(value=0, min=0, max=last, step=1, interval=700, description="play")
    W.jslink((play, "value"), (slider, "value"))
    back = W.Button(description="◀ back", layout=W.Layout(width="90px"))
    forward = W.Button(description="step ▶", layout=W.Layout(width="90px"), button_style="primary")
    image = W.Image(value=frame(0), format="png", width=str(width), height=str(height),
                    layout=W.Layout(width=f"{width}px", height=f"{height}px", align_self="flex-start",
                                    object_fit="contain", flex="0 0 auto"))
    info = W.HTML(_describe(steps, 0))

    def render(change):
        t = change["new"]
        image.value = frame(t)
        info.value = _describe(steps, t)

    slider.observe(render, names="value")
    back.on_click(lambda _: setattr(slider, "value", max(0, slider.value - 1)))
    forward.on_click(lambda _: setattr(slider, "value", min(last, slider.value + 1)))
    box = W.VBox([W.HBox([play, back, forward, slider]), info, image])
    box.steps = steps  # for inspection
    return box


def perceptron_stepper(X, y, update: Callable, eta: float = 1.0, *, w0=None, b0: float = 0.0,
                       max_epochs: int = 20, max_steps: int = 400, frames: int = 6,
                       feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
                       class_names: Sequence[str] = CLASS_NAMES, title: str | None = None,
                       exercise: str | None = None) -> None:
    """Step through perceptron training on 2-D data with *your* ``update(w, b, x, y, eta)``.

    ``X`` is (m, 2), ``y`` holds 0/1 labels. Your function is called on instance 0, 1, ... in
    order, epoch after epoch, starting from ``w0`` (zeros by default) and ``b0``, until an
    epoch changes nothing. Where widgets run you get a slider and a step button; elsewhere a
    figure of the boundary after a few steps.

    While ``update`` is a stub (or raises, or returns something else than a pair), one line says
    what to finish instead: ``exercise="Exercise 5"`` names the exercise in it.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"perceptron_stepper draws 2-D data: X must have shape (m, 2), not {X.shape}.")
    try:
        steps = stepper_history(X, y, update, eta, w0=w0, b0=b0, max_epochs=max_epochs, max_steps=max_steps)
    except Exception as exc:  # noqa: BLE001 - the student's code is not ready: say so, no traceback
        notice(not_ready_message(getattr(update, "__name__", "update"), exc, exercise=exercise, what="stepper"))
        return
    show(lambda: stepper_widget(X, y, steps, feature_names=feature_names, class_names=class_names),
         lambda: stepper_figure(X, y, steps, frames=frames, feature_names=feature_names,
                                class_names=class_names, title=title),
         description="perceptron stepper")
