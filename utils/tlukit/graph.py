"""Draw an expression graph built with lesson 04's ``Value``: every node with its data and grad.

``draw(root)`` follows ``_prev`` (the nodes a node was computed from) and ``_op`` (the
operation that made it) back from ``root``, and draws one box per value, labelled with its
``data`` and ``grad``, and one small circle per operation. It uses Graphviz when both the
``graphviz`` Python package and its ``dot`` program are there (as on Colab), and otherwise
Matplotlib, which needs no system package.

It never raises: when the graph cannot be read (an unfinished ``Value``, say), it prints one
line saying which exercise to finish, and returns None. It only reads the attributes above;
it computes nothing.
"""
from __future__ import annotations

import math
import shutil
from typing import Any

MAX_NODES = 60
FINISH = "Exercise 3 (the Value class)"
TITLE = "Expression graph: data (forward) and grad (backward) of every node"


class GraphError(Exception):
    """The object is not (yet) a graph of Values."""


class GraphTooLarge(GraphError):
    """A graph of Values with too many nodes to draw legibly."""


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except Exception:  # noqa: BLE001 - anything that is not a number
        raise GraphError(f"a node's {what} is {value!r:.60}, not a number") from None


def walk(root: Any, max_nodes: int = MAX_NODES) -> tuple[list, list[tuple[int, int]]]:
    """The nodes reachable from ``root`` through ``_prev`` (each after the nodes it is computed
    from), and the edges (child index, parent index). Raises :class:`GraphError`."""
    for attribute in ("data", "grad", "_prev"):
        if not hasattr(root, attribute):
            raise GraphError(f"{type(root).__name__} has no attribute {attribute!r}")
    order: list = []
    index: dict[int, int] = {}
    edges: list[tuple[int, int]] = []
    stack: list[tuple[Any, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, expanded = stack.pop()
        if expanded:
            on_path.discard(id(node))
            index[id(node)] = len(order)
            order.append(node)
            continue
        if id(node) in index:
            continue
        if id(node) in on_path:
            raise GraphError("_prev leads back to a node it came from (a cycle)")
        if len(index) + len(on_path) >= max_nodes:
            raise GraphTooLarge(f"the graph has more than {max_nodes} nodes, too many to draw legibly")
        for attribute in ("data", "grad", "_prev"):
            if not hasattr(node, attribute):
                raise GraphError(f"a node of type {type(node).__name__} has no attribute {attribute!r}")
        try:
            children = list(node._prev)
        except TypeError:
            raise GraphError(f"_prev should hold the nodes this one was computed from, not {node._prev!r:.60}") from None
        on_path.add(id(node))
        stack.append((node, True))
        for child in reversed(children):
            if id(child) not in index:
                stack.append((child, False))
    for node in order:
        for child in node._prev:
            edges.append((index[id(child)], index[id(node)]))
    return order, edges


def _describe(nodes: list, names: dict | None) -> list[dict]:
    by_id = {id(v): k for k, v in (names or {}).items()}
    out = []
    for node in nodes:
        name = by_id.get(id(node)) or str(getattr(node, "label", "") or "")
        out.append({"name": name[:20], "data": _number(node.data, "data"), "grad": _number(node.grad, "grad"),
                    "op": str(getattr(node, "_op", "") or "")[:12]})
    return out


def _fmt(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else str(x)


def _graphviz(info: list[dict], edges: list[tuple[int, int]], rankdir: str, title: str | None = None):
    """A ``graphviz.Digraph`` of the graph, or None when Graphviz cannot draw here."""
    if shutil.which("dot") is None:
        return None
    try:
        import graphviz
    except ImportError:
        return None
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": rankdir, "label": title or TITLE, "labelloc": "t",
                                                     "fontsize": "12"})
    for k, node in enumerate(info):
        label = " | ".join(part for part in (node["name"], f"data {_fmt(node['data'])}",
                                             f"grad {_fmt(node['grad'])}") if part)
        dot.node(f"n{k}", label="{ " + label + " }", shape="record")
        if node["op"]:
            dot.node(f"n{k}op", label=node["op"], shape="circle")
            dot.edge(f"n{k}op", f"n{k}")
    for child, parent in edges:
        dot.edge(f"n{child}", f"n{parent}op" if info[parent]["op"] else f"n{parent}")
    try:
        dot.pipe(format="svg")  # render once now: a broken Graphviz falls back to Matplotlib
    except Exception:  # noqa: BLE001 - any failure of the dot program
        return None
    return dot


def _layers(info: list[dict], edges: list[tuple[int, int]]) -> list[int]:
    """Column of each node: one more than its furthest input; a leaf just before its first use."""
    column = [0] * len(info)
    for child, parent in edges:  # edges are listed parent by parent, in topological order
        column[parent] = max(column[parent], column[child] + 1)
    has_inputs = {parent for _, parent in edges}
    for child, parent in edges:  # an input (a leaf) sits just before its first use, not in the first column
        if child not in has_inputs:
            later = [column[p] for c, p in edges if c == child]
            column[child] = min(later) - 1
    return column


def _matplotlib(info: list[dict], edges: list[tuple[int, int]], ax=None, title: str | None = None):
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    column = _layers(info, edges)
    n_cols = max(column) + 1
    inputs: dict[int, list[int]] = {}
    users: dict[int, list[int]] = {}
    for child, parent in edges:
        inputs.setdefault(parent, []).append(child)
        users.setdefault(child, []).append(parent)
    rows = {c: [k for k in range(len(info)) if column[k] == c] for c in range(n_cols)}
    y = [0.0] * len(info)

    def place(c: int) -> None:
        for r, k in enumerate(rows[c]):
            y[k] = -(r - (len(rows[c]) - 1) / 2) * 1.6

    def mean_y(ks: list[int], default: float) -> float:
        return sum(y[i] for i in ks) / len(ks) if ks else default

    for c in range(n_cols):
        place(c)
    for _ in range(2):  # barycentre sweeps: order each column by the heights of its neighbours (fewer crossings)
        for c in range(1, n_cols):
            rows[c].sort(key=lambda k: -mean_y(inputs.get(k, []), y[k]))
            place(c)
        for c in range(n_cols - 2, -1, -1):
            rows[c].sort(key=lambda k: -mean_y(users.get(k, []), y[k]))
            place(c)
    height = max(len(m) for m in rows.values())
    created = ax is None
    if created:
        fig, ax = plt.subplots(figsize=(min(2.7 * n_cols + 1, 18), min(1.0 + 1.1 * height, 12)))
    x = [3.0 * c for c in column]
    box = dict(boxstyle="round,pad=0.35", fc="#eef3fb", ec="#1b62c4", lw=1)
    for k, node in enumerate(info):
        text = "\n".join(part for part in (node["name"] and f"$\\bf{{{node['name']}}}$",
                                           f"data {_fmt(node['data'])}", f"grad {_fmt(node['grad'])}") if part)
        ax.text(x[k], y[k], text, ha="center", va="center", fontsize=9, bbox=box, zorder=3)
        if node["op"] and inputs.get(k):
            ax.text(x[k] - 1.3, y[k], node["op"], ha="center", va="center", fontsize=9, zorder=3,
                    bbox=dict(boxstyle="circle,pad=0.25", fc="#fdf0e6", ec="#d95f02", lw=1))
    for child, parent in edges:
        end = (x[parent] - 1.3, y[parent]) if info[parent]["op"] else (x[parent] - 0.45, y[parent])
        span = column[parent] - column[child]  # a long edge bends, so that it does not run through other boxes
        bend = 0.0 if span == 1 else (0.3 if y[child] <= y[parent] else -0.3) * min(1.0, 1.6 / span)
        ax.add_patch(FancyArrowPatch((x[child] + 0.45, y[child]), end, arrowstyle="-|>", mutation_scale=10,
                                     connectionstyle=f"arc3,rad={bend}", color="#555555", lw=0.9, shrinkA=8,
                                     shrinkB=10, zorder=2))
    for k, node in enumerate(info):
        if node["op"] and inputs.get(k):
            ax.add_patch(FancyArrowPatch((x[k] - 1.3, y[k]), (x[k] - 0.45, y[k]), arrowstyle="-|>",
                                         mutation_scale=10, color="#555555", lw=0.9, shrinkA=10, shrinkB=8))
    ax.set_xlim(-1.1 if min(column) == 0 else -2.2, 3.0 * (n_cols - 1) + 1.1)
    ax.set_ylim(min(y) - 1.0, max(y) + 1.0)
    ax.axis("off")
    ax.set_title(title or TITLE, fontsize=10)
    if created:
        fig.tight_layout()
        plt.close(fig)  # returned, not left open: a notebook shows it once, as the cell's result
        return fig
    return ax


def draw(root: Any, names: dict | None = None, *, engine: str = "auto", rankdir: str = "LR", ax=None,
         title: str | None = None, exercise: str = FINISH, max_nodes: int = MAX_NODES):
    """Draw the graph that computed ``root``: each value with its data and grad, each operation.

    ``names`` maps a name to a node (``{"a": a, "J": J}``) to label those boxes. ``engine`` is
    ``"auto"`` (Graphviz if its ``dot`` program is installed, else Matplotlib), ``"graphviz"``
    or ``"matplotlib"``. Returns a ``graphviz.Digraph`` or a Matplotlib ``Figure`` (or ``ax``
    when one is given): make it the last line of a cell to see it. Returns None, after printing
    which exercise to finish, when ``root`` is not a finished ``Value`` (or says so when the graph
    has more than ``max_nodes`` nodes).
    """
    try:
        nodes, edges = walk(root, max_nodes)
        info = _describe(nodes, names)
    except GraphTooLarge as why:
        print(f"⚠ {why}: draw a smaller expression (or pass max_nodes=... to draw it anyway).")
        return None
    except GraphError as why:
        print(f"⏳ finish {exercise} to draw this graph: {why}.")
        return None
    except Exception as exc:  # noqa: BLE001 - reading a student's object must never stop the notebook
        print(f"⏳ finish {exercise} to draw this graph: reading it raised {type(exc).__name__}: {exc}.")
        return None
    try:
        if engine in ("auto", "graphviz") and ax is None:
            dot = _graphviz(info, edges, rankdir, title)
            if dot is not None:
                return dot
        return _matplotlib(info, edges, ax=ax, title=title)
    except Exception as exc:  # noqa: BLE001 - a drawing problem is reported, never raised
        print(f"⚠ the graph could not be drawn ({type(exc).__name__}: {exc}).")
        return None
