"""tlukit's helpers: set_seed, the plots, the checking machinery, and imports that stay light."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tlukit import checking, plots, set_seed  # noqa: E402
from tlukit.checking import CheckFailed, call, difference, expect, short  # noqa: E402

LIGHT_MODULES = ["tlukit", "tlukit.data", "tlukit.plots", "tlukit.checks", "tlukit.checking", "tlukit.grading",
                 "tlukit.widgets"]


def run_python(code: str, timeout: int = 300) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------- imports

def test_importing_tlukit_never_imports_tensorflow_or_keras():
    code = (f"import importlib, sys\nfor name in {LIGHT_MODULES!r}:\n    importlib.import_module(name)\n"
            "import tlukit\ntlukit.set_seed(0)\n"
            "heavy = {'tensorflow', 'keras', 'tf_keras', 'jax', 'torch'}\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))")
    assert run_python(code).strip() == "[]"


# ------------------------------------------------------------------------------------------- seed

def test_same_seed_same_numbers():
    def draw():
        return random.random(), np.random.rand(3).tolist()

    rng = set_seed(3)
    first, first_rng = draw(), rng.random(3)
    rng = set_seed(3)
    assert draw() == first and np.array_equal(rng.random(3), first_rng)
    assert isinstance(rng, np.random.Generator)
    set_seed(4)
    assert draw() != first


def test_set_seed_seeds_keras_when_it_is_imported():
    code = """
import keras, numpy as np, tlukit
def draw():
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    return np.asarray(layer.kernel), np.asarray(keras.random.uniform((3,)))
tlukit.set_seed(7); a = draw(); tlukit.set_seed(7); b = draw(); tlukit.set_seed(8); c = draw()
print(all(np.array_equal(x, y) for x, y in zip(a, b)), np.array_equal(a[0], c[0]))
"""
    assert run_python(code).split()[-2:] == ["True", "False"]


# ------------------------------------------------------------------------------------------ plots

def test_decision_boundary_shades_the_right_regions():
    X = np.array([[0.0, 0.0], [0.2, 0.3], [1.0, 1.0], [0.9, 0.7]])
    y = np.array([0, 0, 1, 1])
    ax = plots.plot_decision_boundary(lambda P: P[:, 0] + P[:, 1] > 1, X, y,
                                      feature_names=("petal length", "petal width"), class_names=("no", "yes"))
    assert isinstance(ax, plt.Axes)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("petal length", "petal width")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no", "yes"]
    filled, line = [c for c in ax.collections if isinstance(c, matplotlib.contour.ContourSet)]
    below, above = filled.get_paths()  # regions z < 0.5 and z > 0.5
    assert below.contains_point((0.1, 0.1)) and not below.contains_point((1.2, 1.2))
    assert above.contains_point((1.2, 1.2)) and not above.contains_point((0.1, 0.1))
    boundary = np.vstack([p.vertices for p in line.get_paths()])
    assert len(boundary) and np.abs(boundary.sum(axis=1) - 1).max() < 0.02  # along x1 + x2 = 1


def test_decision_boundary_rejects_other_than_two_features():
    with pytest.raises(ValueError, match="2 features"):
        plots.plot_decision_boundary(lambda P: P[:, 0] > 0, np.zeros((4, 3)), np.zeros(4))


def test_truth_table_rows():
    rows = plots.truth_table({"AND": lambda a, b: a and b, "OR": lambda a, b: a or b})
    assert rows == [{"A": 0, "B": 0, "AND": 0, "OR": 0}, {"A": 0, "B": 1, "AND": 0, "OR": 1},
                    {"A": 1, "B": 0, "AND": 0, "OR": 1}, {"A": 1, "B": 1, "AND": 1, "OR": 1}]
    three = plots.truth_table({"MAJ": lambda a, b, c: a + b + c >= 2}, n_inputs=3)
    assert len(three) == 8 and three[-1] == {"A": 1, "B": 1, "C": 1, "MAJ": 1} and three[3]["MAJ"] == 1


def test_plot_truth_table():
    ax = plots.plot_truth_table({"XOR": lambda a, b: a ^ b}, title="XOR")
    assert isinstance(ax, plt.Axes) and ax.get_title() == "XOR"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "XOR"]
    assert [t.get_text() for t in ax.texts] == ["0", "0", "0", "0", "1", "1", "1", "0", "1", "1", "1", "0"]


class FakeHistory:  # what keras.Model.fit returns, for what matters here
    history = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.7, 0.9]}


@pytest.mark.parametrize("history", [FakeHistory.history, FakeHistory()], ids=["dict", "History"])
def test_learning_curves(history):
    ax = plots.plot_learning_curves(history)
    assert isinstance(ax, plt.Axes) and ax.get_xlabel() == "epoch" and ax.get_ylabel()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["loss", "val_loss", "accuracy"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(lines)
    assert lines["val_loss"].get_linestyle() == "--" and lines["val_loss"].get_color() == lines["loss"].get_color()
    assert lines["loss"].get_xdata().tolist() == [1, 2, 3]
    only = plots.plot_learning_curves(history, metrics=["accuracy"])
    assert [line.get_label() for line in only.get_lines()] == ["accuracy"]


@pytest.mark.parametrize("bad", [{}, [0.5, 0.4], None], ids=["empty", "list", "None"])
def test_learning_curves_reject_bad_input(bad):
    with pytest.raises(ValueError, match="dict like"):
        plots.plot_learning_curves(bad)


# --------------------------------------------------------------------------------------- checking

@pytest.mark.parametrize("got, expected", [
    (1, 1), (True, 1), (1, 1.0), (np.int64(3), 3.0), (1.0 + 1e-9, 1.0), (float("nan"), float("nan")),
    (np.array([1.0, 2.0]), [1, 2]), ([[1, 2]], np.array([[1.0, 2.0]])), ((1, np.array([2.0])), (1, np.array([2.0]))),
    ({"w": np.ones(2), "b": 0}, {"w": [1, 1], "b": 0.0}), ("relu", "relu"), (None, None),
])
def test_difference_agrees(got, expected):
    assert difference(got, expected) is None


@pytest.mark.parametrize("got, expected, words", [
    (1.1, 1, "wrong value: expected 1, got 1.1"),
    (False, 1, "wrong value"),
    ("1", 1, "expected a number or an array, got str"),
    (np.zeros(3), np.zeros((3, 1)), "wrong shape: expected (3, 1), got (3,)"),
    (np.array([1, 2, 4]), [1, 2, 3], "1 of 3 values differ; first at index (2,): expected 3, got 4"),
    (float("nan"), 1.0, "got NaN"),
    (np.array([1.0, np.nan]), [1.0, 2.0], "got NaN"),
    ((1, "b"), (1, "a"), "at [1]"),
    ((1, 2), (1, "a", 3), "expected 3 items, got 2"),
    (5, (1, "a"), "expected a tuple of 2 items"),
    ({"w": 1}, {"w": 1, "b": 0}, "missing key(s): 'b'"),
    ({"w": 1, "b": 1}, {"w": 1, "b": 0}, "at ['b']"),
    ([("w", 1)], {"w": 1}, "expected a dict"),
    ("tanh", "relu", "expected 'relu', got 'tanh'"),
])
def test_difference_describes(got, expected, words):
    assert words in difference(got, expected)


def test_difference_tolerances():
    assert difference(1.05, 1.0) is not None
    assert difference(1.05, 1.0, rtol=0.1) is None
    assert difference(1e-9, 0.0) is None and difference(1e-6, 0.0) is not None
    assert difference(1e-6, 0.0, atol=1e-5) is None


def test_expect_message_names_call_expected_got_and_hint():
    expect(0.25, 0.25, call="sigmoid_prime(0)")  # agrees: no exception
    with pytest.raises(CheckFailed) as info:
        expect(0.5, 0.25, call="sigmoid_prime(0)", hint="use the derivative", exercise="Exercise 3")
    failure = info.value
    assert isinstance(failure, AssertionError)
    text = str(failure)
    for words in ("Exercise 3", "sigmoid_prime(0)", "expected: 0.25", "got:      0.5", "wrong value",
                  "hint: use the derivative"):
        assert words in text
    with pytest.raises(CheckFailed, match="hint: did you return sigma"):
        expect(0.5, 0.25, call="sigmoid_prime(0)", hint="general", mistakes=[(0.5, "did you return sigma(z)?")])
    with pytest.raises(CheckFailed, match="hint: general"):
        expect(0.7, 0.25, call="sigmoid_prime(0)", hint="general", mistakes=[(0.5, "did you return sigma(z)?")])


def test_short():
    assert short(0.1 + 0.2) == "0.3"
    assert short("a    b") == "'a b'"  # one line, single spaces
    text = short(np.arange(100.0))
    assert "shape=(100,)" in text and "..." in text  # a shortened array says its shape
    assert short(np.array([1.5, 2.0])) == "array([1.5, 2. ])"  # a short vector shows just its values
    assert short(np.zeros((2, 2))) == "array([[0., 0.], [0., 0.]], shape=(2, 2))"
    long = short(list(range(1000)), limit=50)
    assert len(long) == 50 and long.endswith("…")


def not_written(x):
    raise NotImplementedError()


def divides(x):
    return 1 / x


def warns(x):
    warnings.warn("careful")
    return x


def test_call_returns_the_result():
    assert call(divides, 4) == 0.25


def test_call_turns_not_implemented_into_a_readable_failure():
    with pytest.raises(CheckFailed, match=r"^not_written is not written yet: replace `raise NotImplementedError\(\)`") as info:
        call(not_written, 1)
    assert info.value.__suppress_context__ and info.value.__cause__ is None and info.value.not_written


def test_not_written_names_the_stub_that_raised_not_the_function_called():
    def identity(a):
        return not_written([a])

    with pytest.raises(CheckFailed, match=r"^not_written is not written yet.*\(identity\(0\) calls it\)"):
        call(identity, 0)


def test_call_turns_other_exceptions_into_a_failure_naming_the_function():
    with pytest.raises(CheckFailed) as info:
        call(divides, 0)
    text = str(info.value)
    assert "calling divides(0) raised ZeroDivisionError: division by zero" in text
    assert "return 1 / x" in text  # the student's line
    with pytest.raises(CheckFailed, match="my_label raised"):
        call(divides, 0, label="my_label")
    with pytest.raises(CheckFailed, match="expected a function, got int"):
        call(3)
    with pytest.raises(CheckFailed, match="inner"):  # a CheckFailed from inside passes through unchanged
        call(lambda: (_ for _ in ()).throw(CheckFailed("inner")))


def test_call_prints_warnings_as_a_note(capsys):
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        assert call(warns, 2) == 2
    assert outside == []
    out, err = capsys.readouterr()
    assert "note: warns(2) warned: UserWarning: careful" in out and err == ""


def test_signature():
    assert checking.signature(divides, (1, np.array([1, 2])), {"k": "v"}) == \
        "divides(1, array([1, 2]), k='v')"


def test_render_traceback_is_readable():
    lines = CheckFailed("wrong value\nhint: look again", exercise="Exercise 1")._render_traceback_()
    assert isinstance(lines, list) and all(isinstance(line, str) for line in lines)
    assert "✗ Exercise 1" in lines[0] and lines[1:] == ["wrong value", "hint: look again"]
    assert not any("Traceback" in line or 'File "' in line for line in lines)
    assert "check failed" in CheckFailed("x")._render_traceback_()[0]
