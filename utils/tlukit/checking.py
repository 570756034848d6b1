"""The machinery behind every self-check and hidden test.

A check calls the student's function on an input, compares what came back with what was
expected, and when they differ raises :class:`CheckFailed` with a message that names the
input, the expected value, the value that came back and, when it can tell, the likely mistake.

Three small pieces do the work:

* :func:`call` runs the student's function and turns its exceptions into readable failures;
* :func:`difference` says in words how two values differ (``None`` when they agree);
* :func:`expect` puts the two together and picks a hint.

The visible checks in :mod:`tlukit.checks` and the instructor's hidden tests both use them.
"""
from __future__ import annotations

import contextlib
import copy
import inspect
import traceback
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

RTOL = 1e-6
ATOL = 1e-8


class CheckFailed(AssertionError):
    """A self-check or hidden test failed. The message says why; the traceback is hidden."""

    def __init__(self, message: str, *, exercise: str | None = None, not_written: bool = False):
        self.exercise = exercise
        self.not_written = not_written
        self.message = message
        title = f"{exercise}: " if exercise else ""
        super().__init__(title + message)

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        title = f"✗ {self.exercise}" if self.exercise else "✗ check failed"
        return [f"\x1b[1;31m{title}\x1b[0m", *self.message.splitlines()]


def short(value: Any, limit: int = 160) -> str:
    """A compact, one-line description of a value for messages."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, threshold=12, edgeitems=3, linewidth=10_000):
            body = np.array2string(value, separator=", ")
        shown_all = value.size <= 12
        text = f"array({body})" if value.ndim <= 1 and shown_all else f"array({body}, shape={value.shape})"
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating))


def _as_array(value: Any) -> np.ndarray | None:
    """Numbers, arrays and (nested) lists of numbers as a float array; anything else None."""
    if isinstance(value, np.ndarray):
        arr = value
    elif _is_number(value):
        arr = np.asarray(value)
    elif isinstance(value, (list, tuple)) and value and all(_is_number(v) or isinstance(v, (list, tuple, np.ndarray)) for v in value):
        try:
            arr = np.asarray(value)
        except ValueError:
            return None
    else:
        return None
    if arr.dtype.kind not in "biuf":
        return None
    return arr.astype(float)


def difference(got: Any, expected: Any, *, rtol: float = RTOL, atol: float = ATOL, where: str = "") -> str | None:
    """Describe how ``got`` differs from ``expected``, or return ``None`` when they agree.

    Numbers and arrays agree when they have the same shape and agree within the tolerances
    (bools, ints and floats of equal value agree: ``True == 1 == 1.0``). Tuples and lists are
    compared item by item, dicts key by key, anything else with ``==``.
    """
    at = f" at {where}" if where else ""
    want = _as_array(expected)
    if want is not None:
        have = _as_array(got)
        if have is None:
            return f"expected a number or an array{at}, got {type(got).__name__}: {short(got)}"
        if have.shape != want.shape:
            return f"wrong shape{at}: expected {want.shape}, got {have.shape}"
        if np.isnan(have).any() and not np.isnan(want).any():
            return f"got NaN{at}: {short(got)}"
        ok = np.isclose(have, want, rtol=rtol, atol=atol, equal_nan=True)
        if ok.all():
            return None
        if want.ndim == 0:
            return f"wrong value{at}: expected {short(expected)}, got {short(got)}"
        bad = np.argwhere(~ok)
        first = tuple(int(i) for i in bad[0])
        return (f"{len(bad)} of {want.size} values differ{at}; first at index {first}: "
                f"expected {want[first]:.6g}, got {have[first]:.6g}")
    if isinstance(expected, np.ndarray) and expected.dtype.kind in "USc":  # strings, bytes, complex numbers
        have = np.asarray(got) if isinstance(got, (np.ndarray, list, tuple)) else None
        if have is None or have.shape != expected.shape:
            return f"wrong shape or type{at}: expected an array of shape {expected.shape}, got {short(got)}"
        if expected.dtype.kind == "c":
            ok = np.isclose(have.astype(complex), expected, rtol=rtol, atol=atol, equal_nan=True)
        else:
            ok = have.astype(expected.dtype.kind) == expected if have.dtype.kind in "US" else np.zeros(expected.shape, bool)
        if np.all(ok):
            return None
        bad = np.argwhere(~np.asarray(ok, dtype=bool).reshape(expected.shape))
        first = tuple(int(i) for i in bad[0]) if bad.size else ()
        return f"{len(bad)} of {expected.size} values differ{at}; first at index {first}: expected {expected[first].item()!r}, got {have[first].item()!r}"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict{at}, got {type(got).__name__}: {short(got)}"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"missing key(s){at}: {', '.join(map(repr, missing))}"
        for key in expected:
            reason = difference(got[key], expected[key], rtol=rtol, atol=atol, where=f"{where}[{key!r}]")
            if reason:
                return reason
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list, np.ndarray)):
            return f"expected a {type(expected).__name__} of {len(expected)} items{at}, got {type(got).__name__}: {short(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items{at}, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            reason = difference(g, e, rtol=rtol, atol=atol, where=f"{where}[{i}]")
            if reason:
                return reason
        return None
    try:
        equal = bool(got == expected)
    except Exception:  # noqa: BLE001 - an odd object that cannot be compared is a difference
        equal = False
    return None if equal else f"wrong value{at}: expected {short(expected)}, got {short(got)}"


def call(fn: Callable, *args: Any, label: str | None = None, **kwargs: Any) -> Any:
    """Call a student's function; turn an exception into a :class:`CheckFailed` that says where.

    Warnings raised inside are collected instead of printed (a warning on stderr would cost
    a test its points under nbgrader) and shown as a note on stdout.
    """
    label = label or signature(fn, args, kwargs)
    if fn is Ellipsis:
        raise CheckFailed("not written yet: replace `...` with your answer and run its cell again", not_written=True)
    if not callable(fn):
        raise CheckFailed(f"expected a function, got {type(fn).__name__}: {short(fn)}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except CheckFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - any student error becomes a readable failure
            stub = unwritten(exc)
            if stub:
                own = stub == getattr(fn, "__name__", None)
                raise CheckFailed(f"{stub} is not written yet: replace `raise NotImplementedError()` in {stub} "
                                  f"with your code" + ("." if own else f" ({label} calls it)."),
                                  not_written=True) from None
            where = _student_frame(exc)
            raise CheckFailed(
                f"calling {label} raised {type(exc).__name__}: {exc}" + (f"\n  (at {where})" if where else "")
            ) from None
    for w in caught:
        print(f"note: {label} warned: {w.category.__name__}: {w.message}")
    return result


def unwritten(exc: BaseException) -> str | None:
    """The name of the function whose stub raised ``exc`` (a ``NotImplementedError``), else None."""
    if not isinstance(exc, NotImplementedError):
        return None
    tb = exc.__traceback__
    name = None
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name if name and not name.startswith("<") else "your function"


def _student_frame(exc: BaseException) -> str:
    """The innermost frame of the traceback that is the student's: not in this package, nor in an
    installed library (TensorFlow, Keras, NumPy raise from deep inside themselves)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "tlukit" not in f.filename and "-packages" not in f.filename and "/lib/python3" not in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    return f"line {f.lineno}: {f.line}" if f.line else f"line {f.lineno}"


def call_unchanged(fn: Callable, *args: Any, label: str | None = None, in_place_hints: dict | None = None,
                   **kwargs: Any) -> Any:
    """:func:`call` on copies of the arguments; like the hidden test, fail when the function changed
    one of them in place (``in_place_hints``: a hint to add for an argument's name)."""
    label = label or signature(fn, args, kwargs)
    given_args, given_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    got = call(fn, *given_args, label=label, **given_kwargs)
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    moved = [names[k] if k < len(names) else f"argument {k + 1}"
             for k, (old, new) in enumerate(zip(args, given_args)) if changed(old, new)]
    moved += [key for key in kwargs if changed(kwargs[key], given_kwargs[key])]
    if moved:
        extra = (in_place_hints or {}).get(moved[0])
        raise CheckFailed(in_place_message(label, moved[0]) + (f"\nhint: {extra}" if extra else ""))
    return got


def signature(fn: Any, args: Sequence = (), kwargs: dict | None = None, *, name: str | None = None) -> str:
    """``name(arg, ..., key=value)`` with compact argument descriptions."""
    name = name or getattr(fn, "__name__", "your function")
    parts = [short(a, 60) for a in args] + [f"{k}={short(v, 60)}" for k, v in (kwargs or {}).items()]
    return f"{name}({', '.join(parts)})"


def expect(
    got: Any,
    expected: Any,
    *,
    call: str,
    hint: str | None = None,
    mistakes: Iterable[tuple[Any, Any]] = (),
    catalogue: Any = None,
    args: tuple = (),
    kwargs: dict | None = None,
    exercise: str | None = None,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Raise :class:`CheckFailed` unless ``got`` agrees with ``expected``.

    ``mistakes`` pairs the value a known mistake would return with a hint naming it (a string
    or a :class:`tlukit.mistakes.Mistake`); ``catalogue`` (a :class:`tlukit.mistakes.Catalogue`)
    runs each modelled mistake on ``args``/``kwargs``, the input that gave ``got``. The first
    mistake that returns exactly what came back replaces the general ``hint``.
    """
    reason = difference(got, expected, rtol=rtol, atol=atol)
    if reason is None:
        return
    for wrong_value, why in mistakes:
        if difference(got, wrong_value, rtol=rtol, atol=atol) is None:
            hint = getattr(why, "message", why)
            break
    else:
        if catalogue is not None:
            found = catalogue.explain([got], [(tuple(args), dict(kwargs or {}), expected)],
                                      lambda a, b: difference(a, b, rtol=rtol, atol=atol) is None)
            if found is not None:
                hint = found.message
    raise CheckFailed(mismatch(call, short(expected), short(got), reason, hint), exercise=exercise)


def mismatch(call: str, expected: str, got: str, reason: str | None = None, hint: str | None = None) -> str:
    """The message of every failed check: the call, what was expected, what came back (both as
    text to show), the difference, and a hint."""
    lines = [call, f"  expected: {expected}", f"  got:      {got}"]
    if reason:
        lines.append(f"  ({reason})")
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)


def passed(exercise: str, n: int) -> None:
    """Print the short success line of a self-check."""
    print(f"✓ {exercise}: {n} check{'s' if n != 1 else ''} passed")


# ----------------------------------------------------------------------------- shared by self-checks and hidden tests
def changed(before: Any, after: Any) -> bool:
    """Whether a value the student's function was given differs from what it was (changed in place)."""
    try:
        return difference(after, before, rtol=0, atol=0) is not None
    except Exception:  # noqa: BLE001 - what cannot be compared is not reported as changed
        return False


def in_place_message(label: str, arg: str) -> str:
    """What both sides say of an answer that changed its argument ``arg`` in place."""
    return (f"{label} changed its argument {arg} in place: the caller's data must stay as it was. "
            f"Work on a copy or build a new array (`{arg} = {arg} + ...`, not `{arg} += ...`).")


def default_problem(name: str, param: str, have: Any, want: Any, *, missing: bool = False) -> str | None:
    """What both sides say when a parameter's default is not the stub's, or None when it is."""
    if missing:
        return (f"{name}'s parameter {param} has lost its default: the exercise's signature gives "
                f"{param}={want!r}; keep the stub's signature.")
    if difference(have, want) is not None:
        return (f"the default of {param} in {name} is {short(have)}; the exercise's signature says "
                f"{param}={want!r}. Defaults are part of the answer: keep the stub's signature.")
    return None


def check_defaults(fn: Any, name: str, defaults: dict[str, Any]) -> None:
    """Raise :class:`CheckFailed` when ``fn``'s defaults are not ``defaults`` (the stub's)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return
    for param, want in defaults.items():
        p = params.get(param)
        missing = p is None or p.default is inspect.Parameter.empty
        problem = default_problem(name, param, None if missing else p.default, want, missing=missing)
        if problem:
            raise CheckFailed(problem)


def referenced(fn: Any, exercises: Iterable[str], seen: set[str] | None = None) -> list[str]:
    """The functions among ``exercises`` that ``fn`` calls, directly or through the others, in their order."""
    exercises = list(exercises)
    seen = set() if seen is None else seen
    code, space = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
    stack, names = ([code] if code is not None else []), []
    while stack:
        c = stack.pop()
        names.extend(c.co_names)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    for name in names:
        if name in exercises and name not in seen:
            seen.add(name)
            referenced(space.get(name), exercises, seen)
    return [name for name in exercises if name in seen]


@contextlib.contextmanager
def swapped(space: Any, replacements: dict):
    """Put ``replacements`` into the namespace ``space`` for a while, then put back what was there."""
    if not replacements or not isinstance(space, dict):
        yield
        return
    absent = object()
    saved = {name: space.get(name, absent) for name in replacements}
    space.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is absent:
                space.pop(name, None)
            else:
                space[name] = value
