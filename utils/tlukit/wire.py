"""Plain data across the sandbox wall.

When the instructor grades, the student's functions run in a sandboxed kernel and the
grader compares their results with the reference in a separate, trusted process. The two
exchange JSON only, never pickle: decoding a student's pickle would run the student's code in
the trusted process. :func:`encode` turns numbers, strings, lists, tuples, dicts and NumPy
arrays into JSON-ready data; :func:`decode` turns that data back, checking every field, and
never builds anything but those plain types.

Anything else (a function, an estimator, a custom class) is encoded as :class:`Foreign`: its
type name and a short repr, which compares unequal to every expected value.

The format
----------
The encoded form is JSON that ``json.dumps(..., allow_nan=False)`` accepts. A value is written as:

================================  ==============================================================
None, bool, str                   itself
int                               itself (one of more than ``INT_BITS`` bits is Foreign: JSON
                                  readers refuse such long numbers)
float                             itself if finite, else ``{"$float": "nan" | "inf" | "-inf"}``
complex                           ``{"$complex": [re, im]}``, each part a float as above
list                              a JSON list of the encoded items
tuple                             ``{"$tuple": [items]}``
dict with str keys only           ``{"$dict": {key: value}}``
dict with other keys              ``{"$items": [[key, value], ...]}``; keys may be None, bool, int,
                                  float, str, NumPy scalars and tuples of these, and keep their
                                  types (a dict with any other key is Foreign)
NumPy scalar                      ``{"$np": dtype, "v": item}``
NumPy array of <= SMALL elements  ``{"$nd": dtype, "shape": [n, ...], "data": [item, ...]}``,
                                  items in C order (readable)
larger NumPy array                ``{"$nd": dtype, "shape": [n, ...], "b64": text}``: base64 of
                                  the raw little-endian bytes in C order (compact)
anything else                     ``{"$other": type name, "repr": short repr}``, read as Foreign;
                                  so are values nested deeper than MAX_DEPTH and arrays beyond
                                  the limits below (``decode`` would refuse them)
================================  ==============================================================

``dtype`` is a little-endian NumPy dtype string: ``|b1`` (bool), ``|i1 <i2 <i4 <i8``,
``|u1 <u2 <u4 <u8``, ``<f2 <f4 <f8``, ``<c8 <c16``, ``<Un`` (n characters) or ``|Sn`` (n bytes),
with 1 <= n <= MAX_CHARS. Big-endian arrays are written little-endian; object, structured,
datetime and long-double arrays are Foreign. An ``item`` is a bool, an int, a float as above,
``[re, im]`` for complex, a str, or for bytes a str of one character per byte (latin-1).

An ndarray subclass (np.matrix, np.memmap, a student's class) is written as ``np.asarray(value)``,
the plain array of its data, which runs none of the subclass's methods: an overridden
``__eq__`` never reaches the grader. A masked array is Foreign, since dropping its mask would
change the answer. Decoded arrays are always base, writable ``np.ndarray``.

:func:`decode` raises :class:`WireError` for anything else: unknown tags or extra keys beside a
tag, nesting deeper than MAX_DEPTH, a dtype string outside the list above, a shape other than a
list of at most 32 ints in 0..MAX_ITEMS, data that does not match the shape (the base64 length is checked against
itemsize x elements before decoding), more than MAX_ITEMS array elements or MAX_BYTES array
bytes in one call, bool bytes other than 0 and 1, code points beyond U+10FFFF, items of the wrong
type or out of the dtype's range, and dict keys that are not hashable.
"""
from __future__ import annotations

import base64
import json
import math
import re
import reprlib
from typing import Any

import numpy as np

KINDS = "biufcUS"  # bool, signed and unsigned integers, floats, complex, unicode and byte strings
MAX_BYTES = 64 * 2**20  # a result file larger than this is refused, not parsed; also array bytes per decode
MAX_DEPTH = 40
MAX_ITEMS = 10_000_000  # array elements per decode
MAX_CHARS = 100_000  # characters (or bytes) of one string in a string array
SMALL = 64  # arrays of at most this many elements are written as JSON lists, larger ones in base64
INT_BITS = 14_000  # about 4200 digits, below the 4300 that json.loads reads by default
_DTYPE = re.compile(r"\|b1|\|[iu]1|<[iu][248]|<f[248]|<c(8|16)|<U\d{1,6}|\|S\d{1,6}")


class Foreign:
    """A value that is not plain data, reduced to its type name and a short description."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = str(type_name)[:200], str(text)[:300]

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: Any) -> bool:
        return False

    __hash__ = None


class WireError(ValueError):
    """The data is not what :func:`encode` writes."""


# ----------------------------------------------------------------------------- encode
def encode(value: Any, _depth: int = 0) -> Any:
    """``value`` as JSON-ready data (see the module docstring)."""
    if _depth > MAX_DEPTH:
        return {"$other": "deep", "repr": "a structure nested too deeply"}
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, np.generic):  # before int and float: np.float64 is a float
        a = np.asarray(value)
        if _plain(a.dtype):
            return {"$np": a.dtype.str, "v": _item(a.item(), a.dtype.kind)}
    elif isinstance(value, int) and int(value).bit_length() <= INT_BITS:
        return int(value)
    elif isinstance(value, float):
        return _float(float(value))
    elif isinstance(value, complex):
        return {"$complex": _item(complex(value), "c")}
    elif isinstance(value, np.ndarray) and not isinstance(value, np.ma.MaskedArray):
        return _array(value)
    elif isinstance(value, tuple):
        return {"$tuple": [encode(v, _depth + 1) for v in value]}
    elif isinstance(value, list):
        return [encode(v, _depth + 1) for v in value]
    elif isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {"$dict": {k: encode(v, _depth + 1) for k, v in value.items()}}
        if all(_is_key(k, _depth + 1) for k in value):
            return {"$items": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in value.items()]}
    return _other(value)


def _array(value: np.ndarray) -> Any:
    a = np.asarray(value)  # a subclass's data as a base ndarray, without calling its methods
    if not _plain(a.dtype):
        return _other(value)
    if a.size > MAX_ITEMS or a.nbytes > MAX_BYTES:
        return _other(value, f"an array of {a.size} elements ({a.nbytes} bytes), more than the grader reads")
    a = a.astype(a.dtype.newbyteorder("<"), copy=False)
    head = {"$nd": a.dtype.str, "shape": list(a.shape)}
    if a.size <= SMALL:
        return {**head, "data": [_item(x, a.dtype.kind) for x in a.ravel().tolist()]}
    return {**head, "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def _plain(dtype: np.dtype) -> bool:
    return (dtype.kind in KINDS and _DTYPE.fullmatch(dtype.newbyteorder("<").str) is not None
            and 0 < _chars(dtype) <= MAX_CHARS)


def _chars(dtype: np.dtype) -> int:
    return dtype.itemsize // 4 if dtype.kind == "U" else dtype.itemsize


def _item(x: Any, kind: str) -> Any:
    """One array item or scalar (as ``.tolist()`` gives it) as JSON-ready data."""
    if kind == "f":
        return _float(x)
    if kind == "c":
        return [_float(x.real), _float(x.imag)]
    if kind == "S":
        return x.decode("latin-1")
    return x


def _float(x: float) -> Any:
    return x if math.isfinite(x) else {"$float": repr(x)}


def _is_key(k: Any, depth: int) -> bool:
    """Whether ``encode`` writes ``k`` as data that decodes to a hashable key."""
    if depth > MAX_DEPTH:
        return False
    if type(k) is tuple:
        return all(_is_key(x, depth + 1) for x in k)
    if isinstance(k, np.generic):
        return _plain(np.asarray(k).dtype)
    return k is None or type(k) in (bool, float, str) or type(k) is int and k.bit_length() <= INT_BITS


def _other(value: Any, text: str | None = None) -> dict:
    if text is None:
        try:
            text = reprlib.repr(value)
        except Exception:  # noqa: BLE001 - a repr that fails is described by its type alone
            text = f"<{type(value).__name__}>"
    return {"$other": type(value).__name__, "repr": text}


# ----------------------------------------------------------------------------- decode
# The exact keys of each tagged dict, and its tag.
_TAGS = {frozenset(keys): keys[0] for keys in [
    ("$float",), ("$complex",), ("$tuple",), ("$dict",), ("$items",), ("$np", "v"),
    ("$nd", "shape", "data"), ("$nd", "shape", "b64"), ("$other", "repr")]}
_ITEM_TYPES = {"b": (bool,), "i": (int,), "u": (int,), "f": (int, float), "c": (), "U": (str,), "S": (str,)}


def decode(data: Any) -> Any:
    """The value :func:`encode` encoded; :class:`WireError` for anything else."""
    try:
        with np.errstate(all="raise"):
            return _Reader().read(data, 0)
    except WireError:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError, Warning) as exc:
        # checked data NumPy or Python still refuses: an int out of range, a float16 overflow...
        raise WireError(f"unreadable data: {str(exc)[:80]}") from None


class _Reader:
    """One call of :func:`decode`, which counts the array elements and bytes it builds."""

    def __init__(self) -> None:
        self.items, self.nbytes = MAX_ITEMS, MAX_BYTES

    def read(self, data: Any, depth: int) -> Any:
        if depth > MAX_DEPTH + 1:
            raise WireError("nested too deeply")
        if data is None or type(data) in (bool, int, float, str):
            return data
        if type(data) is list:
            return [self.read(v, depth + 1) for v in data]
        tag = _TAGS.get(frozenset(data)) if type(data) is dict and len(data) <= 3 else None
        if tag is None:
            raise WireError("unknown tag, or extra keys beside it" if type(data) is dict
                            else f"unexpected {type(data).__name__}")
        body = data[tag]
        if tag == "$float":
            return _unitem(data, "f")
        if tag == "$complex":
            return _unitem(body, "c")
        if tag == "$tuple":
            return tuple(self.read(v, depth + 1) for v in _typed(body, list))
        if tag == "$dict":
            return {_typed(k, str): self.read(v, depth + 1) for k, v in _typed(body, dict).items()}
        if tag == "$items":
            return dict(self.item(pair, depth + 1) for pair in _typed(body, list))
        if tag == "$other":
            return Foreign(_typed(body, str), _typed(data["repr"], str))
        dtype = _dtype(body)
        if tag == "$np":
            return dtype.type(_unitem(data["v"], dtype.kind))
        return self.array(dtype, data)

    def item(self, pair: Any, depth: int) -> tuple:
        if type(pair) is not list or len(pair) != 2:
            raise WireError("a dict item is not a [key, value] pair")
        key = self.read(pair[0], depth)
        try:
            hash(key)
        except TypeError:
            raise WireError(f"a dict key cannot be a {type(key).__name__}") from None
        return key, self.read(pair[1], depth)

    def array(self, dtype: np.dtype, data: dict) -> np.ndarray:
        shape = _typed(data["shape"], list)
        if len(shape) > 32 or any(type(n) is not int or not 0 <= n <= MAX_ITEMS for n in shape):
            raise WireError("bad array shape")
        n = math.prod(shape)
        self.items -= n
        self.nbytes -= n * dtype.itemsize
        if self.items < 0 or self.nbytes < 0:
            raise WireError(f"more than {MAX_ITEMS} array elements or {MAX_BYTES} array bytes")
        if "data" in data:
            items = _typed(data["data"], list)
            if len(items) != n:
                raise WireError("array data does not match its shape")
            return np.array([_unitem(v, dtype.kind) for v in items], dtype=dtype).reshape(shape)
        text = _typed(data["b64"], str)
        if len(text) != 4 * -(-n * dtype.itemsize // 3):  # checked before anything is decoded
            raise WireError("array data does not match its shape")
        raw = base64.b64decode(text, validate=True)
        if len(raw) != n * dtype.itemsize:
            raise WireError("array data does not match its shape")
        if dtype.kind == "b" and raw.translate(None, b"\0\1"):
            raise WireError("bool array bytes other than 0 and 1")
        if dtype.kind == "U" and n and np.frombuffer(raw, "<u4").max() > 0x10FFFF:
            raise WireError("not a unicode code point")
        return np.frombuffer(raw, dtype).reshape(shape).copy()


def _unitem(v: Any, kind: str) -> Any:
    """One array item or scalar of ``kind``, as the Python value NumPy builds it from."""
    if kind == "c":
        if type(v) is list and len(v) == 2:
            return complex(_unitem(v[0], "f"), _unitem(v[1], "f"))
    elif kind == "f" and type(v) is dict and len(v) == 1 and v.get("$float") in ("nan", "inf", "-inf"):
        return float(v["$float"])
    elif type(v) in _ITEM_TYPES[kind]:
        return v.encode("latin-1") if kind == "S" else v
    raise WireError(f"bad {kind!r} item")


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise WireError(f"expected {kind.__name__}")
    return value


def _dtype(text: Any) -> np.dtype:
    if type(text) is not str or not _DTYPE.fullmatch(text):
        raise WireError("dtype is not plain data")
    dtype = np.dtype(text)
    if dtype.str != text or not 0 < _chars(dtype) <= MAX_CHARS:
        raise WireError("dtype is not plain data")
    return dtype


# ----------------------------------------------------------------------------- text
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
    return decode(data)


def _no_constant(name: str) -> Any:
    raise WireError(f"{name} is not allowed")
