"""The plain-data format between the student's kernel and the grader: it round-trips answers
and refuses anything else, so that nothing a student writes can run in the grader."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tlukit import wire


@pytest.mark.parametrize("value", [
    None, True, 0, -3, 2**70, 1.5, float("nan"), float("inf"), "text",
    [1, [2.0, None]], (1, (2, 3)), {"X": (3, 4), "b": [1]},
    np.int64(5), np.float32(0.25), np.bool_(True),
    np.arange(6).reshape(2, 3), np.array([[0.5, np.nan]]), np.zeros((0, 3)), np.array([True, False]),
])
def test_round_trip(value):
    back = wire.loads(wire.dumps(value))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert back == value and type(back) is type(value)


def test_objects_become_foreign_and_equal_nothing():
    class Sneaky:
        def __eq__(self, other):
            return True

    back = wire.loads(wire.dumps({"a": Sneaky(), "f": print}))
    assert isinstance(back["a"], wire.Foreign) and back["a"] != back["a"] and back["a"].type_name == "Sneaky"
    assert back["f"].type_name == "builtin_function_or_method"
    assert wire.loads(wire.dumps(np.array(["a"], dtype=object))).type_name == "ndarray"


@pytest.mark.parametrize("data", [
    {"$nd": "O", "shape": [1], "data": [1]},                   # object arrays could hold anything
    {"$nd": "<f8", "shape": [2, 2], "data": [1.0]},            # shape and data disagree
    {"$nd": "<f8", "shape": [-1], "data": []},
    {"$np": "U3", "v": "abc"},
    {"$float": "1e999"},
    {"$tuple": {"not": "a list"}},
    {"__reduce__": "os.system"},                               # unknown tags are refused
    {"$other": "x", "repr": "y", "extra": 1, "more": 2},
])
def test_malformed_data_is_refused(data):
    with pytest.raises(wire.WireError):
        wire.loads(json.dumps(data))


def test_json_constants_and_deep_nesting_and_size_are_refused():
    with pytest.raises(wire.WireError):
        wire.loads('{"$float": "nan", "x": NaN}')
    with pytest.raises(wire.WireError):
        wire.loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(wire.WireError, match="MiB"):
        wire.loads(" " * (wire.MAX_BYTES + 1))


# ----------------------------------------------------------------------------- every kind of data
def same(back, value):
    """``back`` is ``value`` decoded: the same types all the way down, NaN equal to NaN."""
    if isinstance(value, np.ndarray):
        assert type(back) is np.ndarray and back.flags.writeable
        assert back.dtype == value.dtype.newbyteorder("<") and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, (list, tuple)):
        assert type(back) is type(value) and len(back) == len(value)
        for b, v in zip(back, value):
            same(b, v)
    elif isinstance(value, dict):
        assert type(back) is dict and list(back) == list(value)
        assert [type(k) for k in back] == [type(k) for k in value]
        for k in value:
            same(back[k], value[k])
    else:
        assert type(back) is type(value)
        assert back == value or (back != back and value != value)  # NaN, or a complex with a NaN part


NUMERIC = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]
DTYPES = NUMERIC + ["U7", "S7"]


def sample(dtype, n, rng=np.random.default_rng(0)):
    """``n`` values of ``dtype``, covering its extremes, NaN, the infinities and a subnormal."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(n) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
        a[:2] = [info.min, info.max][:n]
        return a
    if dtype.kind in "US":
        words = ["", "a", "h\xe9llo", "a b\x00c", "1234567"]
        words = np.array(words if dtype.kind == "U" else [w.encode("latin-1") for w in words], dtype=dtype)
        return words[rng.integers(0, len(words), n)]
    a = rng.standard_normal(n).astype(dtype) * 1000
    if dtype.kind == "c":
        a.imag = rng.standard_normal(n)
    a[:5] = np.array([np.nan, np.inf, -np.inf, np.finfo(dtype).max, -np.finfo(dtype).smallest_subnormal])[:n]
    return a


@pytest.mark.parametrize("n", [5, 300])
@pytest.mark.parametrize("dtype", DTYPES)
def test_arrays_of_every_kind_round_trip(dtype, n):
    value = sample(dtype, n)
    same(wire.loads(wire.dumps(value)), value)
    same(wire.loads(wire.dumps(value.reshape(-1, 1 + (n > 5) * 2))), value.reshape(-1, 1 + (n > 5) * 2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_odd_layouts_round_trip(dtype):
    big = sample(dtype, 600).reshape(20, 30)
    for value in [big.T, big[::3, 1::2], np.asfortranarray(big), big[:0], big[:, :0], big[2, 3, ...],
                  big.astype(big.dtype.newbyteorder(">")), big[:4, :4].astype(big.dtype.newbyteorder(">")).T]:
        same(wire.loads(wire.dumps(value)), value)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_scalars_of_every_kind_round_trip(dtype):
    for value in sample(dtype, 6):
        assert isinstance(value, np.generic)
        back = wire.loads(wire.dumps(value))
        same(back, value)
        assert back.dtype == value.dtype


@pytest.mark.parametrize("value", [
    np.float64(2.5), np.float64("nan"), np.complex128(1 - 2j), 1 + 2j, complex(float("nan"), float("-inf")),
    2**200, -(2**64), "naïve \u2603 \ud800", np.str_("über"), np.bytes_(b"\xff\x00x"), [], (), {}, ((),),
])
def test_other_scalars_round_trip(value):
    same(wire.loads(wire.dumps(value)), value)


@pytest.mark.parametrize("value", [
    {0: "a", 1: "b", -5: [1]},                                   # integer keys (class labels)
    {"x": 1, 2: "two", None: 0, True: (1,), 2.5: -1, float("inf"): 3},
    {(0, 1): 0.5, (2, ("a", None)): np.float64(1)},              # tuple keys, nested
    {np.int64(3): 1, np.str_("k"): 2, np.bool_(False): 3},       # NumPy scalar keys keep their type
    [{1: {2: {3: np.arange(3)}}}],
])
def test_dicts_with_any_plain_keys_round_trip(value):
    same(wire.loads(wire.dumps(value)), value)


def test_nan_and_infinity_round_trip_anywhere():
    nan, inf = float("nan"), float("inf")
    value = {"a": [nan, (inf, -inf, np.float32(nan))], 3: np.array([[nan, inf], [-inf, 0.0]]),
             "big": np.full(500, nan), "c": np.array([complex(nan, inf)] * 100, dtype="c8"), (nan,): {"x": -inf}}
    text = wire.dumps(value)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the encoded text"))
    back = wire.loads(text)
    assert [k for k in back][:4] == ["a", 3, "big", "c"] and type(list(back)[4]) is tuple
    same(back["a"], value["a"])
    for key in (3, "big", "c"):
        same(back[key], value[key])


@pytest.mark.parametrize("value", [
    np.random.default_rng(1).standard_normal((100, 50)),
    np.arange(10_000, dtype=np.int64), np.arange(3000) % 3 == 0, np.linspace(0, 1, 5000, dtype="f4"),
    np.array(["label_%d" % (i % 7) for i in range(2000)]),
])
def test_large_arrays_go_binary(value):
    encoded = wire.encode(value)
    assert set(encoded) == {"$nd", "shape", "b64"} and encoded["shape"] == list(value.shape)
    text = json.dumps(encoded, allow_nan=False)
    assert len(text) < 1.4 * value.nbytes + 100                  # base64 of the raw bytes, nothing more
    if value.dtype.kind == "f":
        assert len(text) < 0.6 * len(json.dumps(value.tolist()))  # much smaller than the list of numbers
    assert wire.encode(value.ravel()[:wire.SMALL]).keys() == {"$nd", "shape", "data"}  # small ones stay readable
    same(wire.loads(text), value)


def test_zero_dim_and_empty_arrays_round_trip():
    for value in [np.array(3.5), np.array("x"), np.array(True), np.zeros((2, 0, 3), "c16"), np.array([], "S3"),
                  np.empty((0,), "U5"), np.array(np.nan, dtype="f2")]:
        same(wire.loads(wire.dumps(value)), value)


# ----------------------------------------------------------------------------- subclasses stay honest
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_an_array_subclass_is_read_as_its_plain_data():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), dtype=bool)

        def __array_finalize__(self, obj):
            self.sneaky = True

    value = np.arange(6.0).reshape(2, 3).view(Liar)
    assert (value == -1).all()
    back = wire.loads(wire.dumps(value))
    assert type(back) is np.ndarray and not hasattr(back, "sneaky")
    assert not (back == -1).any() and (back == np.arange(6.0).reshape(2, 3)).all()
    back = wire.loads(wire.dumps(np.matrix([[1, 2], [3, 4]])))
    assert type(back) is np.ndarray and back.shape == (2, 2) and (back[0] == [1, 2]).all()
    masked = wire.loads(wire.dumps(np.ma.masked_array([1, 2], mask=[0, 1])))
    assert isinstance(masked, wire.Foreign) and masked.type_name == "MaskedArray"


@pytest.mark.parametrize("value", [
    np.array([1, "a"], dtype=object), np.zeros(2, dtype="i4,f8"), np.array(["2020-01-01"], dtype="M8[D]"),
    np.timedelta64(3, "s"), np.void(b"ab"), np.zeros(2, dtype=np.longdouble), pytest.param(10**5000, id="huge int"),
    {object(): 1}, {(1, object()): 3}, np.array(["x" * (wire.MAX_CHARS + 1)]),
])
def test_what_is_not_plain_data_is_foreign(value):
    back = wire.loads(wire.dumps(value))
    assert isinstance(back, wire.Foreign) and back != back


def test_an_array_beyond_the_limits_is_foreign_not_unreadable(monkeypatch):
    monkeypatch.setattr(wire, "MAX_ITEMS", 100)
    back = wire.loads(wire.dumps(np.zeros(101)))
    assert isinstance(back, wire.Foreign) and "101 elements" in back.text
    assert wire.loads(wire.dumps(np.zeros(100))).shape == (100,)


# ----------------------------------------------------------------------------- hostile data
def nd(dtype="<f8", shape=(2,), **data):
    return {"$nd": dtype, "shape": list(shape), **(data or {"data": [0.0] * int(np.prod(shape))})}


B64_8 = "AAAAAAAAAAA="  # eight zero bytes


@pytest.mark.parametrize("data", [
    nd(b64=B64_8[:-4]), nd(b64=B64_8 + "AAAA"), nd(shape=(1,), b64="AAAAAAA="), nd(shape=(1,), b64="AAA=AAAA"),
    nd(shape=(1,), b64="AAAA AAA"), nd(shape=(1,), b64="AAAAAAA*"), nd(shape=(1,), b64=["AAAAAAAAAAA="]),
    nd(shape=(10**9,), b64=""), nd(shape=(10**4, 10**4), b64=""), nd(shape=(0, 10**12), data=[]),
    nd(shape=(-1, -1), b64=""), nd(shape=(2.0,)), nd(shape=(True,)), nd(shape=[1] * 40), nd(shape=(0,)) | {"shape": 0},
    nd("O"), nd("|O"), nd("|V8"), nd("M8"), nd("<M8[s]"), nd("<m8"), nd(">f8"), nd("f8"), nd("<f16"), nd("<c32"),
    nd("i4,i4"), nd("(2,)<f8"), nd("<U0", data=["", ""]), nd("<U000001", data=["", ""]), nd(5),
    nd(f"<U{wire.MAX_CHARS + 1}", data=["", ""]), nd("|S999999", shape=(64,), data=[""] * 64),
    nd("|b1", shape=(1,), b64="Ag=="), nd("<U1", shape=(1,), b64="/////w=="),  # a bool byte of 2, U+FFFFFFFF
    nd("<i8", data=[1, 1.5]), nd("<i8", data=[1, True]), nd("|u1", data=[0, 256]), nd("|i1", data=[0, -129]),
    nd("<f8", data=[1.0, "1"]), nd("<f8", data=[1.0, {"$float": "1e999"}]), nd("<f8", data=[1.0, 10**400]),
    nd("<c16", data=[[1.0], [1.0, 2.0]]), nd("<U3", data=["a", 1]), nd("|S3", data=["a", "\u20ac"]),
    nd("<f8", data=[1.0]), nd("<f8", data={"0": 1.0}), nd() | {"b64": ""}, nd() | {"extra": 1},
    {"$np": "|i1", "v": 300}, {"$np": "<f2", "v": 1e10}, {"$np": "<i8", "v": "1"}, {"$np": "O", "v": 1},
    {"$np": "<f8"}, {"$complex": [1.0]}, {"$complex": [10**400, 0]}, {"$complex": "1+2j"},
    {"$float": "nan", "v": 1}, {"$float": 1.5}, {"$float": "NaN"}, {"$tuple": [], "$dict": {}}, {"$set": [1, 2]}, {},
    {"$dict": [["a", 1]]}, {"$items": {"a": 1}}, {"$items": [[1, 2, 3]]}, {"$items": [[[1], 2]]}, {"$items": [1]},
    {"$items": [[{"$other": "x", "repr": "y"}, 1]]}, {"$items": [[{"$tuple": [[1]]}, 1]]},
    {"$items": [[nd(), 1]]}, {"$items": [[{"$dict": {}}, 1]]}, {"$other": 1, "repr": "y"}, {"$other": "x"},
])
def test_hostile_data_is_refused(data):
    with pytest.raises(wire.WireError):
        wire.loads(json.dumps(data))


@pytest.mark.parametrize("data", [
    {1: 2}, {"$dict": {1: 2}}, {"$float": float("nan")}, object(), b"bytes", np.float64(1), {"$tuple": (1,)},
    {"$nd": np.dtype("f8")},
])
def test_python_objects_are_refused_by_decode(data):
    with pytest.raises(wire.WireError):
        wire.decode(data)


def test_deep_nesting_is_refused_by_decode_as_by_loads():
    for wrap in (lambda d: [d], lambda d: {"$tuple": [d]}, lambda d: {"$dict": {"k": d}},
                 lambda d: {"$items": [[1, d]]}, lambda d: {"$items": [[{"$tuple": [d]}, 1]]}):
        data = 1
        for _ in range(wire.MAX_DEPTH + 5):
            data = wrap(data)
        with pytest.raises(wire.WireError, match="deep"):
            wire.decode(data)
    deep = [1]
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    assert isinstance(wire.loads(wire.dumps(deep)), list)  # encode cuts it short instead


def test_the_array_budget_counts_the_whole_message(monkeypatch):
    monkeypatch.setattr(wire, "MAX_ITEMS", 100)
    wire.decode([wire.encode(np.zeros(50)), wire.encode(np.zeros(50))])
    with pytest.raises(wire.WireError, match="more than 100"):
        wire.decode([wire.encode(np.zeros(50)), wire.encode(np.zeros(51))])
    monkeypatch.setattr(wire, "MAX_BYTES", 1000)
    with pytest.raises(wire.WireError, match="1000 array bytes"):  # wide strings cost their width
        wire.decode([wire.encode(np.array(["", ""], dtype="U100"))] * 2)


def test_every_encoded_form_is_strict_json():
    value = [sample(d, n) for d in DTYPES for n in (3, 100)] + [sample(d, 2)[1] for d in DTYPES]
    text = json.dumps(wire.encode(value), allow_nan=False)
    same(wire.decode(json.loads(text)), value)
