"""Plain data across the sandbox wall.

When the instructor grades, the student's functions run in a sandboxed kernel and the
grader compares their results with the reference in a separate, trusted process. The two
exchange JSON only, never pickle: decoding a student's pickle would run the student's code in
the trusted process. :func:`encode` turns numbers, strings, lists, tuples, dicts and NumPy
arrays into JSON-ready data; :func:`decode` turns that data back, checking every field, and
never builds anything but those plain types.

Anything else (a function, an estimator, a custom class) is encoded as :class:`Foreign`: its
type name and a short repr, which compares unequal to every expected value.
"""
from __future__ import annotations

import json
import math
import reprlib
from typing import Any

import numpy as np

KINDS = "biuf"  # bool, signed and unsigned integers, floats
MAX_BYTES = 64 * 2**20  # a result file larger than this is refused, not parsed
MAX_DEPTH = 40
MAX_ITEMS = 10_000_000


class Foreign:
    """A value that is not plain data, reduced to its type name and a short description."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = str(type_name)[:200], str(text)[:300]

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: Any) -> bool:
        return False

    __hash__ = None


def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as JSON-ready data (see the module docstring)."""
    if _depth > MAX_DEPTH:
        return {"$other": "deep", "repr": "a structure nested too deeply"}
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, np.generic) and value.dtype.kind in KINDS:
        item = value.item()
        return {"$np": value.dtype.str, "v": _float(item) if isinstance(item, float) else item}
    if isinstance(value, np.ndarray) and value.dtype.kind in KINDS:
        data = [_float(v) if isinstance(v, float) else v for v in np.asarray(value).ravel().tolist()]
        return {"$nd": value.dtype.str, "shape": list(value.shape), "data": data}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, _depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, _depth + 1) for v in value]
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {"$dict": {k: encode(v, _depth + 1) for k, v in value.items()}}
    try:
        text = reprlib.repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails is described by its type alone
        text = f"<{type(value).__name__}>"
    return {"$other": type(value).__name__, "repr": text}


def _float(x: float) -> Any:
    return x if math.isfinite(x) else {"$float": repr(x)}


class WireError(ValueError):
    """The data is not what :func:`encode` writes."""


def decode(data: Any, _depth: int = 0) -> Any:
    """The value :func:`encode` encoded; :class:`WireError` for anything else."""
    if _depth > MAX_DEPTH + 1:
        raise WireError("nested too deeply")
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is float:
        return data
    if type(data) is list:
        return [decode(v, _depth + 1) for v in data]
    if type(data) is not dict or len(data) not in (1, 2, 3):
        raise WireError(f"unexpected {type(data).__name__}")
    if "$float" in data:
        text = data["$float"]
        if text not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(text)
    if "$tuple" in data:
        return tuple(decode(v, _depth + 1) for v in _typed(data["$tuple"], list))
    if "$dict" in data:
        return {str(k): decode(v, _depth + 1) for k, v in _typed(data["$dict"], dict).items()}
    if "$np" in data:
        dtype = _dtype(data["$np"])
        return dtype.type(_scalar(data.get("v")))
    if "$nd" in data:
        dtype = _dtype(data["$nd"])
        shape = tuple(_typed(n, int) for n in _typed(data.get("shape"), list))
        items = _typed(data.get("data"), list)
        if any(n < 0 for n in shape) or math.prod(shape) != len(items) or len(items) > MAX_ITEMS:
            raise WireError("array data does not match its shape")
        flat = np.array([_scalar(v) for v in items], dtype=dtype) if items else np.empty(0, dtype=dtype)
        return flat.reshape(shape)
    if "$other" in data:
        return Foreign(str(data["$other"]), str(data.get("repr", "")))
    raise WireError("unknown tag")


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise WireError(f"expected {kind.__name__}")
    return value


def _scalar(v: Any) -> Any:
    if type(v) in (bool, int, float):
        return v
    if type(v) is dict and set(v) == {"$float"}:
        return decode(v)
    raise WireError("bad array item")


def _dtype(text: Any) -> np.dtype:
    if type(text) is not str or len(text) > 8:
        raise WireError("bad dtype")
    try:
        dtype = np.dtype(text)
    except TypeError as exc:
        raise WireError("bad dtype") from exc
    if dtype.kind not in KINDS:
        raise WireError("dtype is not numeric")
    return dtype


def dumps(value: Any) -> str:
    return json.dumps(encode(value), allow_nan=False)


def loads(text: str | bytes) -> Any:
    """Parse and decode one message; :class:`WireError` for anything malformed or too large."""
    if len(text) > MAX_BYTES:
        raise WireError(f"larger than {MAX_BYTES // 2**20} MiB")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"not valid JSON: {str(exc)[:80]}") from None
    try:
        return decode(data)
    except RecursionError:
        raise WireError("nested too deeply") from None


def _no_constant(name: str) -> Any:
    raise WireError(f"{name} is not allowed")
