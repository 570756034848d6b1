"""Lesson 01: drawings of McCulloch–Pitts networks and the truth-table explorer.

:func:`plot_networks` draws the small networks of the lesson (the four of Figure 10-3 of
*Hands-On Machine Learning*, 3rd ed., and the two-layer XOR network): input neurons at the
bottom, the output neuron on top, excitatory connections as arrows, inhibitory ones ending in
a bar (⊣), each neuron's threshold θ written inside it. Given the student's functions and an
input (A, B), the neurons that fire are coloured.

:func:`truth_table_explorer` puts that drawing under two toggles (A and B) beside the truth
table of the same functions; where no widget can run it shows the same picture, statically.

Nothing here computes a neuron: every output shown comes from the functions passed in (the
student's), so a function that is not written yet is drawn as "?", and one line says which
exercise to finish (``exercise=`` names it) instead of a failure.
"""
from __future__ import annotations

import inspect
from itertools import product
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .core import not_ready_message, notice, show, unfinished_message

FIRE = "#f5a623"      # a neuron that fires
SILENT = "white"      # a neuron that does not
UNKNOWN = "#d9d9d9"   # a function that raised (not written yet, or broken)
EXCITE = "#333333"
INHIBIT = "#c0392b"
RADIUS = 0.24

# The wiring of the book's networks: inputs (name -> position), neurons (name -> position,
# threshold, the student's function that gives its output), connections (source, target,
# "+" excitatory or "-" inhibitory, how many). ``state`` names a function by ``__name__`` and
# the arguments it gets, so that each neuron shows what the student's code computes.
NETWORKS: dict[str, dict] = {
    "identity": dict(
        title="C = A", inputs={"A": (1.0, 0.35)},
        neurons={"C": ((1.0, 1.75), 2, ("identity", "A"))},
        links=[("A", "C", "+", 2)]),
    "and_gate": dict(
        title="C = A ∧ B", inputs={"A": (0.5, 0.35), "B": (1.5, 0.35)},
        neurons={"C": ((1.0, 1.75), 2, ("and_gate", "A", "B"))},
        links=[("A", "C", "+", 1), ("B", "C", "+", 1)]),
    "or_gate": dict(
        title="C = A ∨ B", inputs={"A": (0.5, 0.35), "B": (1.5, 0.35)},
        neurons={"C": ((1.0, 1.75), 2, ("or_gate", "A", "B"))},
        links=[("A", "C", "+", 2), ("B", "C", "+", 2)]),
    "a_and_not_b": dict(
        title="C = A ∧ ¬B", inputs={"A": (0.5, 0.35), "B": (1.5, 0.35)},
        neurons={"C": ((1.0, 1.75), 2, ("a_and_not_b", "A", "B"))},
        links=[("A", "C", "+", 2), ("B", "C", "-", 1)]),
    "xor_gate": dict(
        title="C = A ⊕ B", inputs={"A": (0.45, 0.35), "B": (1.55, 0.35)},
        neurons={"A∧¬B": ((0.45, 1.3), 2, ("a_and_not_b", "A", "B")),
                 "B∧¬A": ((1.55, 1.3), 2, ("a_and_not_b", "B", "A")),
                 "C": ((1.0, 2.25), 2, ("xor_gate", "A", "B"))},
        links=[("A", "A∧¬B", "+", 2), ("B", "A∧¬B", "-", 1),
               ("B", "B∧¬A", "+", 2), ("A", "B∧¬A", "-", 1),
               ("A∧¬B", "C", "+", 2), ("B∧¬A", "C", "+", 2)]),
}


def _arity(fn: Callable) -> int:
    """How many inputs a gate takes (1 or 2)."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
        return 1 if len(params) == 1 else 2
    except (TypeError, ValueError):
        return 2


def _output(fn: Callable | None, *bits: int) -> int | None:
    """``fn(*bits)`` as 0 or 1, or ``None`` when it is missing, raises or returns something else."""
    if fn is None:
        return None
    try:
        value = fn(*bits)
    except Exception:  # noqa: BLE001 - not written yet or broken: drawn as "?"
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if value in (0, 1) else None


def _by_name(functions: Sequence[Callable]) -> dict[str, Callable]:
    return {getattr(fn, "__name__", f"f{i}"): fn for i, fn in enumerate(functions)}


def _colour(value: int | None) -> str:
    return UNKNOWN if value is None else (FIRE if value else SILENT)


def _neuron(ax, xy, value, label=None, inner=None, *, input_neuron=False, side="top"):
    circle = Circle(xy, RADIUS, facecolor=_colour(value), edgecolor="k", lw=1.6 if not input_neuron else 1.2,
                    hatch="//" if value is None and not input_neuron else None, zorder=3)
    ax.add_patch(circle)
    if inner is not None:
        ax.text(*xy, inner, ha="center", va="center", fontsize=9, zorder=4)
    if label and input_neuron:
        ax.text(xy[0], xy[1] - RADIUS - 0.08, label, ha="center", va="top", fontsize=10, fontweight="bold", zorder=4)
    elif label:  # a hidden neuron: its name beside it, on the outer side
        dx = -(RADIUS + 0.06) if side == "left" else RADIUS + 0.06
        ax.text(xy[0] + dx, xy[1] + 0.2, label, ha="right" if side == "left" else "left", va="bottom",
                fontsize=9, color="0.25", zorder=4)
    return circle


def _link(ax, patch_a, patch_b, kind: str, count: int):
    rads = [0.0] if count == 1 else list(np.linspace(-0.22, 0.22, count))
    for rad in rads:
        style = "-|>,head_length=0.5,head_width=0.25" if kind == "+" else "-[,widthB=0.6,lengthB=0"
        ax.add_patch(FancyArrowPatch(
            posA=patch_a.center, posB=patch_b.center, patchA=patch_a, patchB=patch_b,
            arrowstyle=style, connectionstyle=f"arc3,rad={rad}", mutation_scale=14,
            color=EXCITE if kind == "+" else INHIBIT, lw=1.4 if kind == "+" else 1.8, shrinkA=1, shrinkB=2, zorder=2))


def draw_network(ax, name: str, functions: dict[str, Callable] | None = None,
                 a: int | None = None, b: int | None = None, *, fn: Callable | None = None, top: float = 2.7):
    """Draw network ``name`` (a key of :data:`NETWORKS`, or any other function as a black box
    ``fn``) on ``ax``. With inputs ``a, b`` the neurons are coloured by what ``functions``
    (name -> the student's function) return: orange fires, white is silent, grey "?" unknown."""
    functions = functions or {}
    bits = {"A": a, "B": b}
    ax.set_xlim(-0.05, 2.05)
    ax.set_ylim(-0.2, top)
    ax.set_aspect("equal")
    ax.axis("off")
    known = a is not None and b is not None
    spec = NETWORKS.get(name)
    if spec is None:  # a function without a drawing: one box that shows its output
        n = _arity(fn) if fn is not None else 2
        names = ["A"] if n == 1 else ["A", "B"]
        value = _output(fn, *[bits[k] for k in names]) if known else None
        box = FancyBboxPatch((0.6, 1.45), 0.8, 0.55, boxstyle="round,pad=0.05", zorder=3,
                             facecolor=_colour(value) if known else SILENT, edgecolor="k", lw=1.6)
        ax.add_patch(box)
        ax.text(1.0, 1.72, "?" if known and value is None else "f", ha="center", va="center", fontsize=12, zorder=4)
        for i, k in enumerate(names):
            x = 1.0 if n == 1 else 0.5 + i
            circle = _neuron(ax, (x, 0.35), bits[k], k, input_neuron=True)
            ax.add_patch(FancyArrowPatch(posA=circle.center, posB=(1.0 if n == 1 else 0.8 + 0.4 * i, 1.4),
                                         patchA=circle, arrowstyle="-|>", mutation_scale=14, color=EXCITE, lw=1.4))
        if known:
            ax.text(1.47, 1.72, "C" if value is None else f"C={value}", ha="left", va="center", fontsize=10)
        ax.set_title(f"C = {LABELS[name]}" if name in LABELS else name, fontsize=11)
        return ax
    patches = {}
    for key, xy in spec["inputs"].items():
        patches[key] = _neuron(ax, xy, bits[key] if known else 0, key, input_neuron=True)
    for key, (xy, theta, (fname, *args)) in spec["neurons"].items():
        value = _output(functions.get(fname), *[bits[k] for k in args]) if known else 0
        if known and functions.get(fname) is None:
            value = None
        inner = "?" if value is None else f"θ={theta}"
        patches[key] = _neuron(ax, xy, value, None if key == "C" else key, inner,
                               side="left" if xy[0] < 1 else "right")
        if key == "C":
            ax.text(xy[0] + RADIUS + 0.07, xy[1], "C" if value is None or not known else f"C={value}",
                    ha="left", va="center", fontsize=10)
    for src, dst, kind, count in spec["links"]:
        _link(ax, patches[src], patches[dst], kind, count)
    ax.set_title(spec["title"], fontsize=11)
    return ax


def plot_networks(names: Sequence[str] = ("identity", "and_gate", "or_gate", "a_and_not_b"),
                  functions: Sequence[Callable] | dict[str, Callable] = (),
                  a: int | None = None, b: int | None = None, *, axes=None):
    """Draw several networks side by side (default: the four of Figure 10-3).

    Without ``a, b`` the drawing shows only the wiring. With them, each neuron is coloured by
    what the student's ``functions`` (looked up by their ``__name__``) return for that input.
    """
    funcs = functions if isinstance(functions, dict) else _by_name(functions)
    if axes is None:
        _, axes = plt.subplots(1, len(names), figsize=(2.3 * len(names), 3.0))
    axes = np.atleast_1d(axes)
    _draw_networks(axes, names, funcs, a, b)
    if a is not None:
        _legend(axes[0].figure, (0.5, -0.02))
    axes[0].figure.text(0.5, 0.005 if a is None else -0.06, KEY, ha="center", fontsize=9, color="0.3")
    return axes


KEY = "→ excitatory connection     ⊣ inhibitory connection (vetoes)     θ threshold"


def _draw_networks(axes, names: Sequence[str], funcs: dict[str, Callable], a: int | None, b: int | None):
    """Each network of ``names`` on its axes, all with the same height (that of the tallest)."""
    heights = [max(xy[1] for xy, *_ in NETWORKS[n]["neurons"].values()) if n in NETWORKS else 2.0 for n in names]
    for ax, name in zip(axes, names):
        draw_network(ax, name, funcs, a, b, fn=funcs.get(name), top=max(heights) + 0.45)


def _legend(fig, anchor, transform=None):
    """The colours of the neurons: which fires, which is silent."""
    legend = [Circle((0, 0), 1, facecolor=FIRE, edgecolor="k"), Circle((0, 0), 1, facecolor=SILENT, edgecolor="k")]
    fig.legend(legend, ["fires (1)", "silent (0)"], loc="lower center", ncol=2, frameon=False,
               fontsize=9, bbox_to_anchor=anchor, **({"bbox_transform": transform} if transform else {}))


COMBOS = list(product((0, 1), repeat=2))  # (A, B) = 00, 01, 10, 11: the order of the whole course


def _table(functions: dict[str, Callable]) -> list[list[int | None]]:
    """One row per input combination (A, B) = 00, 01, 10, 11: the inputs A and B, then each
    function's output; ``None`` where a function gave no 0/1 (1-input functions read A)."""
    return [[a, b, *(_output(fn, a) if _arity(fn) == 1 else _output(fn, a, b) for fn in functions.values())]
            for a, b in COMBOS]


def draw_truth_table(ax, functions: dict[str, Callable], labels: dict[str, str] | None = None,
                     highlight: tuple[int, int] | None = None):
    """The truth table of ``functions`` as in :func:`tlukit.plots.plot_truth_table`: one row per
    input combination (A, B) = 00, 01, 10, 11, the inputs A and B as the first columns, one column
    per function (its output) after them; 1s shaded (an output that fires in the neurons' orange,
    inputs lighter), "?" where a function gives no 0/1. The row of input ``highlight`` = (a, b)
    is framed."""
    labels = labels or {}
    rows = _table(functions)
    columns = ["A", "B", *[labels.get(k, k) for k in functions]]
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            face = UNKNOWN if v is None else ((FIRE if j >= 2 else "#fde3b6") if v else "white")
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=face, edgecolor="0.75", lw=0.8))
            ax.text(j, i, "?" if v is None else str(v), ha="center", va="center", fontsize=11)
    if highlight is not None:
        i = COMBOS.index((int(highlight[0]), int(highlight[1])))
        ax.add_patch(plt.Rectangle((-0.5, i - 0.5), len(columns), 1, fill=False, edgecolor="k", lw=2.2,
                                   zorder=5, clip_on=False))
    ax.axvline(1.5, color="k", lw=2)
    long = max(len(c) for c in columns) > 5
    ax.set_xticks(range(len(columns)), columns, fontsize=9, rotation=35 if long else 0,
                  ha="left" if long else "center", rotation_mode="anchor" if long else "default")
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("inputs (A, B)  |  outputs", fontsize=9, labelpad=8)
    ax.set_yticks([])
    ax.set_ylabel("one row per input", fontsize=9, labelpad=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return ax


LABELS = {"identity": "C=A", "and_gate": "A∧B", "or_gate": "A∨B", "a_and_not_b": "A∧¬B", "xor_gate": "A⊕B",
          "not_gate": "¬A", "nand_gate": "¬(A∧B)"}


# The explorer's figure, in inches: a network panel, a cell of the truth table, the margins.
NET_W, NET_H = 2.1, 2.6
CELL = 0.45
PAD = 0.25
PER_ROW = 3  # networks in a row; more wrap onto the next row (five gates: two rows of three)
MAX_WIDTH = 12.0


def _wrap(text: str, width_in: float, fontsize: float = 10) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize``."""
    import textwrap

    chars = max(20, int(width_in / (0.0078 * fontsize)))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


def explorer_figure(functions: Sequence[Callable], a: int = 1, b: int = 0, *, caption: str | None = None,
                    note: str | None = None):
    """The picture of the explorer: the networks at input (a, b) and the whole truth table.

    The networks are drawn in rows of at most three, the truth table (one row per input
    combination 00, 01, 10, 11, the row of (a, b) framed) to their right; one gate fits in
    about 5 × 3.7 in, five in about 10 × 6.2 in, never wider than 12 in.

    ``caption`` titles the figure (default: the input shown); ``note`` is a second line under it
    (which of the student's functions are not finished yet)."""
    funcs = _by_name(functions)
    names = list(funcs)
    n = len(names)
    rows = -(-n // PER_ROW)
    per_row = -(-n // rows)
    cell = min(CELL, 4.2 / (n + 2))      # the table stays within 4.7 in
    table_w = 0.45 + (n + 2) * cell          # the label on the left, then the columns
    width = min(MAX_WIDTH, 2 * PAD + per_row * NET_W + 0.3 + table_w)
    title = caption if caption is not None else f"Your networks at A = {a}, B = {b}"
    if note:
        title = f"{title}\n{note}"
    title = _wrap(title, width - 2 * PAD)
    key = KEY if width >= 6.2 else "→ excitatory   ⊣ inhibitory (vetoes)   θ threshold"
    header = 0.25 + 0.19 * (title.count("\n") + 1)
    footer = 0.45 + 0.16 * (key.count("\n") + 1)
    height = header + rows * NET_H + footer
    fig = plt.figure(figsize=(width, height))

    def box(left, bottom, w, h):  # inches from the bottom left -> a new axes
        return fig.add_axes((left / width, bottom / height, w / width, h / height))

    axes = [box(PAD + (k % per_row) * NET_W, footer + (rows - 1 - k // per_row) * NET_H, NET_W, NET_H - 0.35)
            for k in range(n)]
    _draw_networks(axes, names, funcs, a, b)
    body = rows * NET_H
    block = 4 * cell + 0.9                   # the table and, above it, its column labels and title
    table = box(width - PAD - (n + 2) * cell, footer + (body - block) / 2, (n + 2) * cell, 4 * cell)
    draw_truth_table(table, funcs, LABELS, highlight=(a, b))
    table.set_title("truth table", fontsize=11)
    inches = fig.dpi_scale_trans
    _legend(fig, (width / 2, footer - 0.38), inches)
    fig.text(width / 2, 0.1, key, ha="center", va="bottom", fontsize=9, color="0.3", transform=inches)
    fig.suptitle(title, fontsize=10, y=1 - 0.12 / height, va="top")
    return fig


def _problems(functions: Sequence[Callable]) -> dict[str, BaseException]:
    """The functions that raise on some input (a stub, or broken), with the first exception."""
    found = {}
    for name, fn in _by_name(functions).items():
        for bits in product((0, 1), repeat=_arity(fn)):
            try:
                fn(*bits)
            except Exception as exc:  # noqa: BLE001 - the student's code is not ready
                found[name] = exc
                break
    return found


def _not_ready_line(functions: Sequence[Callable], problems: dict[str, BaseException],
                    exercise: str | Mapping[str, str] | None) -> str:
    count = len(_by_name(functions))
    if len(problems) == 1:
        (name, exc), = problems.items()
        line = not_ready_message(name, exc, exercise=exercise, what="explorer")
        return line if count == 1 else line + " Until then it is drawn as “?”."
    if len(problems) == count:
        return unfinished_message(problems, exercise=exercise, what="explorer", until="none of them runs yet.")
    return unfinished_message(problems, exercise=exercise, what="explorer",
                              until="until then they are drawn as “?”.")


def truth_table_explorer(*functions: Callable, a: int = 1, b: int = 0,
                         exercise: str | Mapping[str, str] | None = None) -> None:
    """Toggle the inputs A and B and watch which neurons of your networks fire.

    Pass your gate functions, e.g. ``truth_table_explorer(identity, and_gate, or_gate,
    a_and_not_b, xor_gate)``; they are recognised by name and drawn as the book's networks
    (the hidden neurons of XOR use your ``a_and_not_b``), any other function as a black box.
    Where no widget can run, the picture for A = ``a``, B = ``b`` is shown instead.

    A function that is still a stub (or raises) is drawn as "?" and one line says which exercise
    to finish; when none of them runs yet, only that line is shown. ``exercise`` names the
    exercise in it: one label for all (``"Exercise 2"``) or one per function name
    (``{"and_gate": "Exercise 2", "xor_gate": "Exercise 3"}``).
    """
    if not functions:
        raise ValueError("truth_table_explorer needs at least one function, e.g. truth_table_explorer(and_gate).")
    problems = _problems(functions)
    note = _not_ready_line(functions, problems, exercise) if problems else None
    if problems and len(problems) == len(_by_name(functions)):
        notice(note)
        return
    show(lambda: build_explorer(functions, a, b, note=note),
         lambda: explorer_figure(functions, a, b, note=note,
                                 caption=f"A = {a}, B = {b} (static picture: run the notebook in Jupyter to toggle the inputs)"),
         description="truth-table explorer")


def build_explorer(functions: Sequence[Callable], a: int = 1, b: int = 0, *, note: str | None = None):
    """The ipywidgets object of :func:`truth_table_explorer` (never waits for input)."""
    import html

    import ipywidgets as w
    from IPython.display import display

    toggles = [w.ToggleButtons(options=[("0", 0), ("1", 1)], value=v, description=name,
                               style={"button_width": "3em"}) for name, v in (("A", a), ("B", b))]
    status = w.HTML()
    out = w.Output()
    extra = f"<br>ℹ️ {html.escape(note)}" if note else ""

    def redraw(*_):
        x, y = (t.value for t in toggles)
        funcs = _by_name(functions)
        firing = [LABELS.get(k, k) for k, fn in funcs.items()
                  if _output(fn, *((x,) if _arity(fn) == 1 else (x, y))) == 1]
        status.value = f"A = {x}, B = {y} → firing outputs: <b>{', '.join(firing) or 'none'}</b>{extra}"
        fig = explorer_figure(functions, x, y)
        with out:
            out.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    for t in toggles:
        t.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox(toggles), status, out])
