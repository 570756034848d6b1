"""Run the student's answer on inputs the grader chose, and write down what came back.

This is the only part of a hidden test that runs in the student's kernel. It holds no
expected values and decides nothing: it reads the grader's request (``request.json``), uses
the student's answer on each input, and writes the results as plain data (``result.json``,
see :mod:`tlukit.wire`) for the grader's own process to compare with the reference.
Tampering with NumPy, the builtins or this module in the kernel can change what is written,
never the verdict: a forged result still has to equal what the reference computes on inputs
the kernel has never seen before.

An answer has one of these shapes (the request's ``"shape"``):

* ``function``: called on each case's arguments (the common shape);
* ``class``: a *driver* (:data:`DRIVERS`) exercises its public surface with the case's
  program (lesson 04's ``Value``: build an expression, call ``backward()``, read every node);
* ``value``: a variable the notebook computes (a table of shapes, a choice of loss).

For each call the probe also

* seeds Python, NumPy and (when in use) TensorFlow when the case carries a seed, as the
  grader does for the reference, so that random initialisation matches;
* replaces, for the duration of the call only, the earlier exercises' functions the answer
  may call (``"helpers"``) by correct ones the grader sends, so that each exercise is graded
  on its own; the student's own functions are put back right after;
* notes an argument the answer changed in place, and the defaults of its parameters.

Some answers are objects rather than values (a Keras model, a History, a scikit-learn
estimator). An *observer* (:mod:`tlukit.observers`) turns such an object into plain data by
using it; the grader applies the same observer to the reference's object. TensorFlow tensors
always come back as NumPy arrays.
"""
from __future__ import annotations

import copy
import importlib
import inspect
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import observers, wire
from .checking import _student_frame, swapped, unwritten
from .observers import OBSERVERS


def observe(name: str | None, value: Any, args: tuple = ()) -> Any:
    """``value`` as plain data: through the observer ``name`` (:mod:`tlukit.observers`), if any,
    with TensorFlow tensors turned into NumPy arrays."""
    return observers.tensors(value if name is None else named(name, OBSERVERS)(value, *args))


def named(name: str, table: dict[str, Callable]) -> Callable:
    """The observer or driver ``name``: one of ``table``, or ``"lessonNN:function"`` for one a lesson
    keeps beside its self-checks (``tlukit.checks.lessonNN.function``), used by both checks."""
    if ":" not in name:
        return table[name]
    module, _, attr = name.partition(":")
    if not re.fullmatch(r"lesson\d\d", module) or not attr.isidentifier():
        raise ValueError(f"{name!r} is not 'lessonNN:function'")
    return getattr(importlib.import_module(f"tlukit.checks.{module}"), attr)


# ----------------------------------------------------------------------------- drivers (class shape)
def scalar_program(cls: Any, program: list) -> dict:
    """Build an expression with the scalar autodiff class ``cls``, run ``backward()``, read every node.

    ``program`` is a list of steps; step ``k`` makes node ``k`` (``backward`` makes none):
    ``("leaf", x)``, ``("add"|"mul"|"sub", i, j)``, ``("add_const"|"mul_const", i, c)``,
    ``("radd_const"|"rmul_const", i, c)`` (the constant on the left), ``("pow", i, k)``, ``("neg", i)``,
    ``("exp"|"log"|"tanh"|"relu"|"sigmoid", i)`` and ``("backward", i)``. Nodes may be used
    by several later steps (shared sub-expressions). Returns every node's data and grad.
    """
    nodes: list = []
    binary = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}
    for step in program:
        op, *rest = step
        if op == "leaf":
            nodes.append(cls(float(rest[0])))
        elif op in binary:
            nodes.append(binary[op](nodes[rest[0]], nodes[rest[1]]))
        elif op in ("add_const", "mul_const", "radd_const", "rmul_const"):
            a, c = nodes[rest[0]], float(rest[1])
            try:
                nodes.append({"add_const": lambda: a + c, "mul_const": lambda: a * c,
                              "radd_const": lambda: c + a, "rmul_const": lambda: c * a}[op]())
            except TypeError as exc:
                if op.startswith("r"):
                    method = "__radd__" if op == "radd_const" else "__rmul__"
                    raise TypeError(f"{c:g} {'+' if op == 'radd_const' else '*'} a Value failed ({exc}): define "
                                    f"{cls.__name__}.{method}, which Python calls when the number is on the left") from None
                raise
        elif op == "pow":
            nodes.append(nodes[rest[0]] ** rest[1])
        elif op == "neg":
            nodes.append(-nodes[rest[0]])
        elif op in ("exp", "log", "tanh", "relu", "sigmoid"):
            nodes.append(getattr(nodes[rest[0]], op)())
        elif op == "backward":
            nodes[rest[0]].backward()
        else:
            raise ValueError(f"unknown step {op!r}")
    return {"data": np.array([float(n.data) for n in nodes]), "grad": np.array([float(n.grad) for n in nodes])}


DRIVERS: dict[str, Callable[..., Any]] = {"scalar_program": scalar_program}


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:400]
    except Exception:  # noqa: BLE001 - an exception whose str() fails
        return ""


def compile_helpers(prelude: str, sources: dict[str, str]) -> dict[str, Callable]:
    """The grader's correct functions for earlier exercises, defined in a namespace of their own."""
    if not sources:
        return {}
    namespace: dict[str, Any] = {"__name__": "grader_helpers"}
    exec(compile(prelude + "\n\n" + "\n\n".join(sources.values()), "<the grader's helpers>", "exec"), namespace)
    return {name: namespace[name] for name in sources}


def _helpers_in_place(target: Any, helpers: dict[str, Callable]):
    """Put ``helpers`` where ``target`` looks its global names up, for one call; then put back what was there."""
    space = getattr(target, "__globals__", None)
    if space is None and isinstance(target, type) and inspect.getmodule(target):
        space = vars(inspect.getmodule(target))
    return swapped(space, helpers)


def parameters(fn: Any) -> tuple[list[str], dict[str, Any]]:
    """The parameter names of ``fn`` and the defaults that are plain data."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return [], {}
    names = [p.name for p in sig.parameters.values()]
    defaults = {p.name: p.default for p in sig.parameters.values()
                if p.default is not inspect.Parameter.empty and _plain(p.default)}
    return names, defaults


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str, tuple, np.generic))


def _changed(before: Any, after: Any) -> bool:
    try:
        return json.dumps(wire.encode(before)) != json.dumps(wire.encode(after))
    except Exception:  # noqa: BLE001 - what cannot be compared is not reported as changed
        return False


def run_case(fn: Any, case: dict, helpers: dict[str, Callable] | None = None) -> dict:
    """Use ``fn`` on one case; ``{"value": <encoded>}`` or ``{"raised": ...}``, plus ``"modified"``."""
    args, kwargs = case.get("args", ()), case.get("kwargs", {})
    given = copy.deepcopy((tuple(args), dict(kwargs)))
    item: dict[str, Any] = {}
    try:
        if not callable(fn):
            raise TypeError(f"expected {'a class' if case.get('drive') else 'a function'}, got {type(fn).__name__}")
        if case.get("seed") is not None:
            from .seed import set_seed

            if case.get("tensorflow"):
                import keras  # noqa: F401 - seeded only once imported, as on the grader's side
            set_seed(int(case["seed"]))
        with warnings.catch_warnings(record=True) as caught, _helpers_in_place(fn, helpers or {}):
            warnings.simplefilter("always")
            if case.get("drive"):
                value = named(case["drive"], DRIVERS)(fn, *given[0], **given[1])
            else:
                value = fn(*given[0], **given[1])
            value = observe(case.get("observe"), value, case.get("observe_args", ()))
        item["value"] = wire.encode(value)
        numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        if numeric:  # overflow, invalid value, division by zero: the grader decides whether that matters
            item["warned"] = f"{numeric[0].category.__name__}: {_text(numeric[0].message)}"[:200]
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - every failure of the student's code is a result
        item = {"raised": type(exc).__name__, "message": _text(exc), "where": _student_frame(exc),
                "not_written": unwritten(exc)}
    if not case.get("drive"):
        names = parameters(fn)[0] if callable(fn) else []
        for k, (old, new) in enumerate(zip(args, given[0])):
            if _changed(old, new):
                item["modified"] = names[k] if k < len(names) else f"argument {k + 1}"
                break
        for key in kwargs:
            if "modified" not in item and _changed(kwargs[key], given[1][key]):
                item["modified"] = key
    return item


def evaluate_cases(fn: Any, cases: list[dict], helpers: dict[str, Callable] | None = None) -> list[dict]:
    """One result per case (see :func:`run_case`)."""
    return [run_case(fn, case, helpers) for case in cases]


def answer(target: Any, request: dict) -> dict:
    """The payload for the grader: results of every case, or why there are none."""
    if request.get("shape") == "value":
        if target is Ellipsis:
            return {"missing": "is still `...`: replace `...` with your answer and run the cell"}
        try:
            return {"results": [{"value": wire.encode(observe(c.get("observe"), target, c.get("observe_args", ())))}
                                for c in request["cases"]]}
        except Exception as exc:  # noqa: BLE001 - an observer that fails on a student's value
            return {"results": [{"raised": type(exc).__name__, "message": _text(exc), "where": "", "not_written": None}]}
    helpers = compile_helpers(request.get("prelude", ""), request.get("helpers", {}))
    payload: dict[str, Any] = {"results": evaluate_cases(target, request["cases"], helpers)}
    if request.get("shape", "function") == "function" and callable(target):
        payload["defaults"] = wire.encode(parameters(target)[1])
    return payload


def decode_request(text: str) -> dict:
    """The request written by the grader (``autograder.hidden.request``), with plain values."""
    data = json.loads(text)
    data["cases"] = [{**c, "args": wire.decode(c["args"]), "kwargs": wire.decode(c["kwargs"]),
                      "observe_args": wire.decode(c.get("observe_args", {"$tuple": []}))} for c in data["cases"]]
    return data


def read_request(folder: str | Path) -> dict:
    return decode_request(Path(folder, "request.json").read_text())


def _user_namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    import __main__

    return vars(__main__)


def evaluate(name: str, folder: str) -> None:
    """Called by the grader's version of a test cell: use the answer called ``name``."""
    request = read_request(folder)
    namespace = _user_namespace()
    if name not in namespace:
        payload: dict = {"missing": "is not defined: run the cell that defines it (and keep its name)"}
    else:
        payload = answer(namespace[name], request)
    text = json.dumps(payload, allow_nan=False)
    if len(text) > wire.MAX_BYTES:  # say so, rather than leave a file the grader will not read
        text = json.dumps({"missing": f"gave results of {len(text) / 2**20:.0f} MiB, more than the "
                                      f"{wire.MAX_BYTES // 2**20} MiB the grader reads: return what the exercise asks for"})
    tmp = Path(folder, "result.json.tmp")
    tmp.write_text(text)
    os.replace(tmp, Path(folder, "result.json"))
    print(f"{name} was run on {len(request['cases'])} input(s) chosen by the grader; the grader compares the results.")


# ----------------------------------------------------------------------------- progress
_line_file: int | None = None


def track(path: str) -> None:
    """Write down, in ``path``, the first line of the top-level statement each cell is running.

    The grader calls this before any student code runs. When a cell hangs, kills its kernel or
    exhausts its memory, the grader reads where it stopped, restarts the kernel and replays the
    lines above that statement: the definitions that completed are kept, so the questions after
    the fault are still graded. (Removing this only makes that replay less precise.)
    """
    import ast

    from IPython import get_ipython

    global _line_file
    _line_file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    class Lines(ast.NodeTransformer):
        def visit_Module(self, node: ast.Module) -> ast.Module:
            body: list[ast.stmt] = []
            for stmt in node.body:
                if not (isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"):
                    first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
                    mark = ast.parse(f"__import__('tlukit.probe').probe.at({first})").body[0]
                    body.append(ast.copy_location(mark, stmt))
                body.append(stmt)
            node.body = body
            return ast.fix_missing_locations(node)

    get_ipython().ast_transformers.append(Lines())


def at(line: int) -> None:
    """The cell's statement starting at ``line`` is about to run (see :func:`track`)."""
    if _line_file is not None:
        os.pwrite(_line_file, b"%-10d\n" % line, 0)
