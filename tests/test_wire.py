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
