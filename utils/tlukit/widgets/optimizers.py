"""Lesson 05: the optimizer race on a 2-D loss surface.

:func:`optimizer_paths` receives the student's optimizers, each as a *stepper*
``step(theta, grad, state, lr) -> (theta, state)`` (``state`` is None on the first call; the
notebook wraps its ``momentum_step``, ``adam_step``, ... into steppers) with a learning rate,
and draws the path each one takes from the same starting point on a 2-D loss surface, beside
the loss along the way. Nothing here implements an optimizer: every path comes from the
functions passed in.

* Interactively: a dropdown picks the surface, a slider scales every learning rate (×0.1 to
  ×10, log scale), another sets the number of steps.
* Statically (nbgrader, nbconvert, GitHub, ``TLUKIT_STATIC=1``): the figure of the default
  settings, which never waits for input.

A stepper that is still a stub (or raises) is left out, and one line says which exercise to
finish; when none runs yet, only that line is shown.
"""
from __future__ import annotations

from typing import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from .core import DPI, not_ready_message, notice, render_png, show, unfinished_message

FRAME_SIZE = (10.0, 4.2)


def _ravine(p):
    x, y = p
    return 0.05 * x ** 2 + 2.0 * y ** 2, np.array([0.1 * x, 4.0 * y])


def _rosenbrock(p):
    x, y = p
    return (1 - x) ** 2 + 10 * (y - x ** 2) ** 2, np.array([-2 * (1 - x) - 40 * x * (y - x ** 2), 20 * (y - x ** 2)])


def _saddle(p):
    x, y = p
    return 0.5 * x ** 2 - 0.5 * y ** 2 + 0.25 * y ** 4, np.array([x, -y + y ** 3])


SURFACES = {
    "ravine": (_ravine, (-9.0, 1.2), (-10, 2, -1.6, 1.6), (0.0, 0.0)),
    "Rosenbrock": (_rosenbrock, (-1.5, 2.0), (-2, 2, -1, 3), (1.0, 1.0)),
    "saddle": (_saddle, (-2.0, 0.001), (-2.5, 2.5, -1.6, 1.6), (0.0, 1.0)),
}
"""name → (loss-and-gradient function, start, (xmin, xmax, ymin, ymax), minimum)."""


def run_path(step: Callable, lr: float, surface: str = "ravine", steps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The points (steps + 1, 2) and losses (steps + 1,) of ``step`` from the surface's start."""
    f, start, box, _ = SURFACES[surface]
    theta, state = np.array(start, dtype=float), None
    points, losses = [theta], [f(theta)[0]]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta, state = step(theta, f(theta)[1], state, lr)
            theta = np.asarray(theta, dtype=float).reshape(2)
            points.append(theta)
            losses.append(f(theta)[0])
            if not np.all(np.isfinite(theta)) or np.abs(theta).max() > 1e6:
                break
    return np.array(points), np.array(losses)


def race_figure(optimizers: Mapping[str, tuple], surface: str = "ravine", steps: int = 60, factor: float = 1.0,
                note: str | None = None, figure=None):
    """The paths on the surface's contours (left) and the loss along the way (right)."""
    from matplotlib.figure import Figure

    fig = figure or Figure(figsize=FRAME_SIZE, layout="constrained")
    ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.4, 1))
    f, start, (x0, x1, y0, y1), best = SURFACES[surface]
    xs, ys = np.meshgrid(np.linspace(x0, x1, 240), np.linspace(y0, y1, 240))
    zs = f(np.array([xs, ys]))[0]
    ax.contour(xs, ys, zs, levels=np.quantile(zs, np.linspace(0.002, 0.9, 18)), cmap="Greys", linewidths=0.7)
    ax.plot(*best, "k*", ms=12, label="minimum")
    for k, (name, (step, lr)) in enumerate(optimizers.items()):
        points, losses = run_path(step, lr * factor, surface, steps)
        color = f"C{k}"
        ax.plot(points[:, 0], points[:, 1], "o-", color=color, ms=2.5, lw=1.2, label=f"{name} (lr = {lr * factor:.3g})")
        ax_loss.semilogy(np.arange(len(losses)), np.maximum(losses - f(np.array(best))[0], 1e-12), color=color,
                         lw=1.6, label=name)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    ax.set_title(f"Paths on the {surface} surface from {start}, {steps} steps")
    ax.legend(fontsize="small", loc="best")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss − minimum (log scale)")
    ax_loss.set_title("Loss along the way")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(fontsize="small")
    if note:
        fig.suptitle(note, fontsize=9)
    return fig


def _problem(step: Callable) -> BaseException | None:
    try:
        run_path(step, 0.01, "ravine", 2)
    except Exception as exc:  # noqa: BLE001 - the student's code is not ready
        return exc
    return None


def race_widget(optimizers: Mapping[str, tuple], surface: str = "ravine", steps: int = 60, note: str | None = None):
    """The ipywidgets box of :func:`optimizer_paths` (never waits for input)."""
    import html

    import ipywidgets as W

    width, height = (round(inches * DPI) for inches in FRAME_SIZE)
    choose = W.Dropdown(options=list(SURFACES), value=surface, description="surface")
    factor = W.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.1, description="lr ×", continuous_update=False)
    n = W.IntSlider(value=steps, min=5, max=300, step=5, description="steps", continuous_update=False)
    image = W.Image(format="png", width=str(width), height=str(height),
                    layout=W.Layout(width=f"{width}px", height=f"{height}px", object_fit="contain", flex="0 0 auto"))
    info = W.HTML(f"ℹ️ {html.escape(note)}" if note else "")

    def render(*_):
        fig = race_figure(optimizers, choose.value, n.value, factor.value)
        image.value = render_png(fig, tight=False)[0]

    for control in (choose, factor, n):
        control.observe(render, names="value")
    render()
    return W.VBox([W.HBox([choose, factor, n]), info, image])


def optimizer_paths(optimizers: Mapping[str, tuple], *, surface: str = "ravine", steps: int = 60,
                    exercise: str | Mapping[str, str] | None = None) -> None:
    """Race optimizers on a 2-D loss surface: ``{"Adam": (stepper, lr), ...}``.

    A stepper is ``step(theta, grad, state, lr) -> (theta, state)``, ``state`` None on the first
    call. Steppers that are stubs (or raise) are left out and one line names them; ``exercise``
    labels them, one label for all or one per name.
    """
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, not {surface!r}")
    broken = {name: exc for name, (step, _) in optimizers.items() if (exc := _problem(step)) is not None}
    ready = {name: pair for name, pair in optimizers.items() if name not in broken}
    note = None
    if len(broken) == 1:
        (name, exc), = broken.items()
        note = not_ready_message(name, exc, exercise=exercise, what="race")
    elif broken:
        note = unfinished_message(broken, exercise=exercise, what="race",
                                  until="until then they are left out." if ready else "none of them runs yet.")
    if not ready:
        notice(note)
        return
    if note:
        notice(note)
    show(lambda: race_widget(ready, surface, steps, note), lambda: race_figure(ready, surface, steps),
         description="optimizer race")


def _close(fig) -> None:  # pragma: no cover - used by callers that draw with pyplot
    plt.close(fig)
