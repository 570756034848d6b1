"""Figures the lessons share: decision boundaries, truth tables, learning curves.

Each function draws on a Matplotlib ``Axes`` (a new figure when none is given) and returns
the ``Axes`` so a notebook can add to it.
"""
from __future__ import annotations

from itertools import product
from typing import Callable, Mapping, Sequence

import numpy as np
import matplotlib.pyplot as plt


def _axes(ax=None, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    ax=None,
    resolution: int = 200,
    margin: float = 0.5,
    feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
    class_names: Sequence[str] = ("class 0", "class 1"),
    title: str | None = None,
):
    """Shade the regions where ``predict`` outputs each class, and scatter the data ``X, y``.

    ``predict`` takes an (n, 2) array and returns n labels (any numeric or boolean type).
    ``class_names`` name the two classes in the legend (pass names that mean something: "setosa").
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2 features per row; X has shape {X.shape}.")
    ax = _axes(ax)
    (x0, x1), (y0, y1) = [(X[:, j].min() - margin, X[:, j].max() + margin) for j in (0, 1)]
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()]
    zz = np.asarray(predict(grid), dtype=float).reshape(gx.shape)
    ax.contourf(gx, gy, zz, levels=[-np.inf, 0.5, np.inf], colors=["#fbe3d6", "#d6e6fb"], alpha=0.9)
    ax.contour(gx, gy, zz, levels=[0.5], colors="k", linewidths=1)
    for label, marker, color in ((0, "s", "#d95f02"), (1, "o", "#1b62c4")):
        mask = y == label
        name = class_names[label] if label < len(class_names) else str(label)
        ax.scatter(X[mask, 0], X[mask, 1], marker=marker, c=color, edgecolors="k", linewidths=0.5, s=30, label=name)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.legend(loc="best", fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def truth_table(functions: Mapping[str, Callable[..., int]], n_inputs: int = 2,
                input_names: Sequence[str] = ("A", "B", "C", "D")) -> list[dict]:
    """Rows of a truth table: every 0/1 input combination and each function's output."""
    rows = []
    for bits in product((0, 1), repeat=n_inputs):
        row = dict(zip(input_names, bits))
        row.update({name: int(fn(*bits)) for name, fn in functions.items()})
        rows.append(row)
    return rows


def plot_truth_table(functions: Mapping[str, Callable[..., int]], n_inputs: int = 2, *, ax=None,
                     input_names: Sequence[str] = ("A", "B", "C", "D"), title: str | None = None):
    """Draw a truth table as a grid: one row per input combination, in the order 00, 01, 10, 11
    (the order the whole course uses), the inputs on the left, one column per function; 1s shaded."""
    rows = truth_table(functions, n_inputs, input_names)
    columns = list(rows[0])
    values = np.array([[row[c] for c in columns] for row in rows])
    ax = _axes(ax, figsize=(0.9 * len(columns) + 0.6, 0.45 * len(rows) + 0.8))
    shade = values.astype(float)
    shade[:, :n_inputs] *= 0.35  # inputs lighter than outputs
    ax.imshow(shade, cmap="Blues", vmin=0, vmax=1.6, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=12, color="white" if shade[i, j] > 0.8 else "black")
    ax.set_xticks(range(len(columns)), columns)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel(f"inputs ({', '.join(columns[:n_inputs])})  |  outputs", fontsize=9, labelpad=10)
    ax.set_yticks([])
    ax.set_ylabel("one row per input", fontsize=9)
    ax.axvline(n_inputs - 0.5, color="k", lw=2)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, pad=12)
    return ax


def plot_learning_curves(history: Mapping[str, Sequence[float]] | object, *, ax=None,
                         metrics: Sequence[str] | None = None, title: str | None = None):
    """Plot per-epoch curves from a dict of lists or a Keras ``History`` (uses ``.history``).

    Validation curves (``val_*``) are dashed, in the colour of their training curve.
    """
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) or not data:
        raise ValueError("plot_learning_curves needs a dict like {'loss': [...], 'val_loss': [...]} or a Keras History.")
    names = list(metrics) if metrics else [k for k in data if not k.startswith("val_")]
    ax = _axes(ax, figsize=(6, 4))
    for i, name in enumerate(names):
        color = f"C{i}"
        epochs = np.arange(1, len(data[name]) + 1)
        ax.plot(epochs, data[name], color=color, label=name)
        if f"val_{name}" in data:
            ax.plot(epochs, data[f"val_{name}"], color=color, ls="--", label=f"val_{name}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("value")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax
