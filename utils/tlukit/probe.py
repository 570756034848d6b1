"""Run the student's function on inputs the grader chose, and write down what came back.

This is the only part of a hidden test that runs in the student's kernel. It holds no
expected values and decides nothing: it reads the grader's inputs (``request.json``), calls
the student's function on each, and writes the results as plain JSON (``result.json``) for
the grader's own process to compare with the reference. Tampering with NumPy, the builtins
or this module in the kernel can change what is written, never the verdict: a forged result
still has to equal what the reference computes on inputs the kernel has never seen before.

Some answers are objects rather than values (a scikit-learn estimator, say). An *observer*
turns such an object into plain data by using it; the grader applies the same observer to the
reference's object.
"""
from __future__ import annotations

import copy
import json
import os
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import wire
from .checking import _student_frame


def fitted_estimator(model: Any, X: np.ndarray, y: np.ndarray) -> dict:
    """What an estimator learns from ``(X, y)``: its class, coefficients and predictions."""
    seen: dict[str, Any] = {"type": type(model).__name__}
    if not hasattr(model, "fit"):
        return seen
    model = copy.deepcopy(model)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
            seen.update(coef_=np.asarray(model.coef_, dtype=float), intercept_=np.asarray(model.intercept_, dtype=float),
                        predict=np.asarray(model.predict(X)).astype(float))
    except Exception as exc:  # noqa: BLE001 - a model that cannot fit is an answer to compare, not a crash
        seen["fit"] = f"fitting it raised {type(exc).__name__}: {_text(exc)}"
    return seen


OBSERVERS: dict[str, Callable[..., Any]] = {"fitted_estimator": fitted_estimator}


def observe(name: str | None, value: Any, args: tuple = ()) -> Any:
    return value if name is None else OBSERVERS[name](value, *args)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:400]
    except Exception:  # noqa: BLE001 - an exception whose str() fails
        return ""


def evaluate_cases(fn: Any, cases: list[dict]) -> list[dict]:
    """One result per case: ``{"value": <encoded>}`` or ``{"raised": name, "message": ..., "where": ...}``.

    A case is ``{"args": tuple, "kwargs": dict, "observe": name or None, "observe_args": tuple}``
    with decoded (plain) values.
    """
    results = []
    for case in cases:
        try:
            if not callable(fn):
                raise TypeError(f"expected a function, got {type(fn).__name__}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = fn(*copy.deepcopy(case["args"]), **copy.deepcopy(case["kwargs"]))
            value = observe(case.get("observe"), value, case.get("observe_args", ()))
            results.append({"value": wire.encode(value)})
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - every failure of the student's code is a result
            results.append({"raised": type(exc).__name__, "message": _text(exc), "where": _student_frame(exc),
                            "not_written": isinstance(exc, NotImplementedError)})
    return results


def decode_request(text: str) -> list[dict]:
    """The cases of a request written by the grader (``autograder.hidden.request``)."""
    return [{"args": wire.decode(c["args"]), "kwargs": wire.decode(c["kwargs"]), "observe": c.get("observe"),
             "observe_args": wire.decode(c.get("observe_args", {"$tuple": []}))} for c in json.loads(text)["cases"]]


def read_request(folder: str | Path) -> list[dict]:
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
    """Called by the grader's version of a test cell: evaluate the function called ``name``."""
    cases = read_request(folder)
    namespace = _user_namespace()
    if name not in namespace:
        payload: dict = {"missing": f"{name} is not defined: run the cell that defines it (and keep its name)"}
    else:
        payload = {"results": evaluate_cases(namespace[name], cases)}
    text = json.dumps(payload, allow_nan=False)
    if len(text) > wire.MAX_BYTES:  # say so, rather than leave a file the grader will not read
        text = json.dumps({"missing": f"the results of {name} are {len(text) / 2**20:.0f} MiB, more than the "
                                      f"{wire.MAX_BYTES // 2**20} MiB the grader reads: return what the exercise asks for"})
    tmp = Path(folder, "result.json.tmp")
    tmp.write_text(text)
    os.replace(tmp, Path(folder, "result.json"))
    print(f"{name} was run on {len(cases)} inputs chosen by the grader; the grader compares the results.")


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
