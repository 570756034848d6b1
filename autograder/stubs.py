"""Stubs of value exercises: ``name = ...`` instead of a top-level ``raise NotImplementedError()``.

nbgrader replaces every solution region by ``# YOUR CODE HERE`` and ``raise NotImplementedError()``.
Inside a function that is the right stub: the cell still runs and the function says it is not
written. A *value* exercise's region sits at the top level of its cell (``shapes = {...}``);
there the raise would stop *Run All* at that cell. This step gives such a stub one line per
variable the solution assigns, ``shapes = ...``: the cell runs, and a value still ``...`` is
"not written yet" for its self-check and its hidden test alike.
"""
from __future__ import annotations

import ast
import re

from tlukit.mistakes import parse

REGION = re.compile(r"^### BEGIN SOLUTION[ \t]*\n(.*?)^### END SOLUTION", re.S | re.M)
TOP_LEVEL_RAISE = re.compile(r"^raise NotImplementedError\(\)[ \t]*$", re.M)


def assigned_names(solution: str) -> list[str]:
    """The variables the top-level solution regions of a cell assign, in order."""
    names: list[str] = []
    for region in REGION.findall(solution):
        try:
            tree = parse(region)
        except SyntaxError:
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AnnAssign, ast.AugAssign)) else []
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id not in names:
                        names.append(name.id)
    return names


def value_stub(released: str, solution: str) -> str:
    """``released`` (nbgrader's stub of an answer cell) with each top-level raise replaced by ``name = ...``."""
    names = assigned_names(solution)
    if not names or not TOP_LEVEL_RAISE.search(released):
        return released
    return TOP_LEVEL_RAISE.sub("\n".join(f"{name} = ...  # replace ... with your answer" for name in names),
                               released, count=1)
