"""Lesson 03 (MLP forward pass, activations, losses): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``; Keras's own
numbers are compared in ``test_keras_agreement.py``. Here: facts about the references, their
numerical stability, the catalogues (each mistake named by both sides), the value exercises
(including answers that lie about equality) and the activation explorer.
"""
from __future__ import annotations

import copy
import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import hidden  # noqa: E402
from autograder.lessons import lesson03 as ref  # noqa: E402
from tests.helpers import REPO, SourceNotebook, answer_fixtures  # noqa: E402
from tlukit import wire  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson03 as check  # noqa: E402
from tlukit.widgets import activations as explorer  # noqa: E402
from tlukit.widgets import core as widget_core  # noqa: E402

NB = SourceNotebook("03_mlp_forward")
POINTS = {
    "test_broadcast_shape": 2, "test_xor_mlp": 2, "test_collapse_linear": 2, "test_sigmoid": 2, "test_tanh": 1,
    "test_activations_step": 1, "test_activations_relu": 1, "test_activations_leaky_relu": 1,
    "test_activations_elu": 1, "test_activations_selu": 1, "test_activations_softplus": 2,
    "test_derivatives_sigmoid": 1, "test_derivatives_tanh": 1, "test_derivatives_relu": 1,
    "test_derivatives_leaky_relu": 1, "test_derivatives_elu": 1, "test_derivatives_selu": 1,
    "test_derivatives_softplus": 1, "test_softmax": 2, "test_softmax_log_softmax": 2, "test_softmax_jacobian": 2,
    "test_exercise6_shapes": 2, "test_mlp_forward": 2, "test_regression_losses_mse": 1,
    "test_regression_losses_mae": 1, "test_regression_losses_huber": 2, "test_cross_entropy_binary": 2,
    "test_cross_entropy_categorical": 2, "test_cross_entropy_sparse": 2, "test_exercise7_heads": 2,
}
ELEMENTWISE = ["sigmoid", "tanh", "step", "relu", "leaky_relu", "elu", "selu", "softplus", "sigmoid_derivative",
               "tanh_derivative", "relu_derivative", "leaky_relu_derivative", "elu_derivative", "selu_derivative",
               "softplus_derivative"]
QUESTIONS = {q.qid.split(".")[1]: q for q in ref.QUESTIONS}


def strict_numpy():
    """Warnings as errors, and NumPy's overflow, invalid and divide-by-zero as exceptions. Underflow stays
    allowed: e^(−1000) = 0 is the right answer in floating point, and every stable formula relies on it."""
    stack = warnings.catch_warnings()
    stack.__enter__()
    warnings.simplefilter("error")
    state = np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")
    state.__enter__()
    return stack, state


@pytest.fixture
def strict():
    stack, state = strict_numpy()
    yield
    state.__exit__(None, None, None)
    stack.__exit__(None, None, None)


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert list(NB.answers) == ["broadcast_shape", "xor_mlp", "collapse_linear", "sigmoid", "tanh", "activations",
                                "derivatives", "softmax", "exercise6_shapes", "mlp_forward", "regression_losses",
                                "cross_entropy", "exercise7_heads"]
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert NB.written == {}
    first, last = NB.nb.cells[0].source, NB.nb.cells[-1].source
    assert "Learning objectives" in first and "Recap" in last and "lesson 04" in last
    code = [c for c in NB.nb.cells if c.cell_type == "code"]
    explorer_cells = [c for c in code if "activation_explorer(" in c.source]
    assert len(explorer_cells) == 1 and explorer_cells[0].metadata["tlukit"] == {"grading": "skip"}
    assert any("Figure 10-8" in c.source for c in NB.nb.cells if c.cell_type == "markdown")
    assert any(c.metadata["nbgrader"]["grade_id"] == "figure_10_8" for c in code)
    text = "\n".join(c.source for c in NB.nb.cells if c.cell_type == "markdown")
    for fact in ("Exercise 6", "Exercise 7", "Tables 10-1 and 10-2", "Figure 10-6", "Figure 10-8", "10x + 1", "np.arange(3) + 5",
                 "None", "keras.backend.epsilon()", "from_logits=True"):
        assert fact in text, fact


def test_value_answers_are_assignments_only():
    for name in ("exercise6_shapes", "exercise7_heads"):
        source = NB.answers[name]
        assert source.startswith("### BEGIN SOLUTION\n") and source.rstrip().endswith("### END SOLUTION")
        assert f"\n{name} = " in source


def test_stubs_carry_full_docstrings():
    """Every function a student writes comes with its arguments, shapes, what to return and about how many lines."""
    import ast
    import nbformat
    from autograder import course
    release = nbformat.read(course.RELEASE / NB.lesson / f"{NB.lesson}.ipynb", as_version=4)
    stubs = [c.source for c in release.cells if course.kind(c) == "answer"]
    functions = [node for stub in stubs for node in ast.parse(stub).body if isinstance(node, ast.FunctionDef)]
    assert len(functions) == sum(q.shape == "function" for q in QUESTIONS.values())
    for fn in functions:
        doc = ast.get_docstring(fn) or ""
        assert "Args:" in doc and "Returns:" in doc and "shape" in doc, fn.name
        assert "line" in doc.lower(), fn.name
    text = "\n".join(c.source for c in release.cells)
    assert "[lesson 04: backpropagation by hand](../04_backprop/04_backprop.ipynb)" in text
    assert (course.RELEASE / "04_backprop" / "04_backprop.ipynb").exists()


def test_tables_match_the_references_and_the_mistake_models():
    """The worked-out values of the self-checks are what the instructor's reference returns, and each value listed
    for a mistake is what that mistake's model returns on the same input."""
    for name, rows in check.CASES.items():
        q = QUESTIONS[name]
        for args, kwargs, want, note, wrong in rows:
            with np.errstate(all="ignore"):
                got = q.reference(*copy.deepcopy(args), **kwargs)
            got = tuple(got) if isinstance(got, list) else got
            assert check.difference(got, want, **check._F32) is None, (name, note)
            for key, value in wrong.items():
                mistake = getattr(q.catalogue, key)
                model = q.models.get(key, mistake.model)
                with np.errstate(all="ignore"):
                    out = (model(want, *copy.deepcopy(args), **kwargs) if mistake.relative
                           else model(*copy.deepcopy(args), **kwargs))
                out = tuple(out) if isinstance(out, list) else out
                assert check.difference(out, value, rtol=1e-9, atol=1e-11) is None, (name, key, note)


# --- facts about the references ---------------------------------------------------------------

def test_sigmoid_facts(strict):
    assert ref.sigmoid(0) == 0.5 and ref.sigmoid_derivative(0) == 0.25
    z = np.linspace(-30, 30, 601)
    assert np.allclose(ref.sigmoid(z) + ref.sigmoid(-z), 1)
    assert ref.sigmoid_derivative(z).max() == 0.25                      # the largest slope, at 0
    assert np.array_equal(ref.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])


def test_tanh_is_a_stretched_sigmoid(strict):
    z = np.linspace(-20, 20, 801)
    assert np.allclose(ref.tanh(z), np.tanh(z), rtol=1e-12, atol=1e-15)  # tanh(z) = 2σ(2z) − 1
    assert np.allclose(2 * ref.sigmoid(2 * z) - 1, np.tanh(z), atol=1e-15)
    assert np.array_equal(ref.tanh(np.array([-1000.0, 1000.0])), [-1.0, 1.0])


def test_derivative_identities(strict):
    z = np.linspace(-6, 6, 97)
    z = z[np.abs(z) > 1e-9]
    assert np.allclose(ref.softplus_derivative(z), ref.sigmoid(z))
    for alpha in (0.3, 1.0, 1.7):
        negative = z[z < 0]
        assert np.allclose(ref.elu_derivative(negative, alpha), ref.elu(negative, alpha) + alpha)
    assert np.allclose(ref.selu(z), ref.SELU_SCALE * ref.elu(z, ref.SELU_ALPHA))
    assert np.allclose(ref.tanh_derivative(z), 4 * ref.sigmoid(2 * z) * ref.sigmoid(-2 * z))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus"])
def test_each_derivative_is_the_slope_of_its_function(name):
    fn, derivative = getattr(ref, name), getattr(ref, f"{name}_derivative")
    z = np.random.default_rng(0).uniform(-6, 6, size=200)
    z = z[np.abs(z) > 1e-3]                                             # away from the kinks
    h = 1e-6
    numerical = (fn(z + h) - fn(z - h)) / (2 * h)
    assert np.allclose(derivative(z), numerical, rtol=1e-6, atol=1e-8)


def test_softmax_facts(strict):
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=3, size=(6, 4))
    S = ref.softmax(Z)
    assert np.allclose(S.sum(axis=1), 1) and (S > 0).all()
    assert np.allclose(ref.softmax(Z + 1000), S)                       # invariant to a constant per row
    assert np.allclose(ref.softmax(Z, axis=0).sum(axis=0), 1)
    assert np.allclose(ref.log_softmax(Z), np.log(S))
    assert np.allclose(ref.softmax([0.0, np.log(3.0)]), [0.25, 0.75])
    extreme = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    assert np.array_equal(ref.log_softmax(extreme)[0], [0.0, -2000.0, -1000.0])
    assert np.allclose(ref.softmax(extreme), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])


def test_softmax_jacobian_is_the_numerical_one(strict):
    z = np.array([0.3, -1.2, 2.0, 0.0])
    J = ref.softmax_jacobian(z)
    h = 1e-6
    numerical = np.column_stack([(ref.softmax(z + h * e) - ref.softmax(z - h * e)) / (2 * h) for e in np.eye(4)])
    assert np.allclose(J, numerical, atol=1e-9)
    assert np.allclose(J.sum(axis=0), 0) and np.allclose(J, J.T)
    assert np.allclose(ref.softmax_jacobian([0.0, np.log(3.0)]), [[3 / 16, -3 / 16], [-3 / 16, 3 / 16]])


def test_loss_facts(strict):
    y, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 1.0, 4.0])
    assert ref.mse(y, p) == 1.25 and ref.mae(y, p) == 0.75
    assert ref.huber(np.zeros(4), np.array([0.5, -0.5, 2.0, -3.0])) == 1.0625
    e = np.linspace(-3, 3, 61)
    for delta in (0.5, 1.0, 2.0):     # Huber: continuous at δ, and never above the half squared error
        below, above = (ref.huber(np.zeros(1), np.array([delta + s]), delta) for s in (-1e-7, 1e-7))
        assert abs(below - above) < 1e-6
        assert np.all(np.array([ref.huber(np.zeros(1), np.array([v]), delta) for v in e]) <= e ** 2 / 2 + 1e-12)
    labels, P = np.array([0, 2, 1]), ref.softmax(np.random.default_rng(2).normal(size=(3, 3)))
    assert np.isclose(ref.sparse_categorical_crossentropy(labels, P), ref.categorical_crossentropy(np.eye(3)[labels], P))
    Z = np.random.default_rng(3).normal(size=(3, 3))
    assert np.isclose(ref.categorical_crossentropy(np.eye(3)[labels], Z, from_logits=True),
                      ref.categorical_crossentropy(np.eye(3)[labels], ref.softmax(Z)))
    z = np.array([2.0, -1.0, 0.0])
    assert np.isclose(ref.binary_crossentropy([1, 0, 1], z, from_logits=True),
                      ref.binary_crossentropy([1, 0, 1], ref.sigmoid(z)))
    assert np.isclose(ref.binary_crossentropy([1.0], [0.0]), -np.log(1e-7))          # clipped: 16.118
    assert ref.binary_crossentropy([1.0, 0.0], [-1000.0, 1000.0], from_logits=True) == 1000.0


def test_xor_network_of_figure_10_6():
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert ref.xor_mlp(corners).tolist() == [0, 1, 1, 0]
    band = np.array([[0.2, 0.2], [0.5, 0.5], [1.0, 0.49], [0.9, 0.7], [-1.0, 0.0]])
    assert ref.xor_mlp(band).tolist() == [0, 1, 1, 0, 0]


def test_two_linear_layers_are_one():
    rng = np.random.default_rng(4)
    W1, b1, W2, b2 = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(5, 2)), rng.normal(size=2)
    W, b = ref.collapse_linear(W1, b1, W2, b2)
    X = rng.normal(size=(7, 3))
    assert np.allclose(X @ W + b, (X @ W1 + b1) @ W2 + b2)
    (w,), (c,) = ref.collapse_linear([[5.0]], [-1.0], [[2.0]], [3.0])      # f(g(x)) = 2(5x − 1) + 3 = 10x + 1
    assert (w[0], c) == (10.0, 1.0)


def test_broadcast_shape_agrees_with_numpy():
    sizes = [1, 2, 3]
    shapes = [()] + [s for n in (1, 2, 3) for s in itertools.product(sizes, repeat=n)]
    for a, b in itertools.product(shapes, repeat=2):
        try:
            want = tuple(np.broadcast_shapes(a, b))
        except ValueError:
            want = None
        assert ref.broadcast_shape(a, b) == want, (a, b)


def test_exercise6_shapes_fit_the_forward_pass():
    """The shapes of the model answer, with a batch of 4 for None, run through mlp_forward to Y's shape."""
    shapes = ref.exercise6_shapes
    sized = {k: tuple(4 if d is None else d for d in v) for k, v in shapes.items()}
    arrays = {k: np.ones(v) for k, v in sized.items()}
    Y = ref.mlp_forward(arrays["X"], arrays["W_h"], arrays["b_h"], arrays["W_o"], arrays["b_o"])
    assert Y.shape == sized["Y"] == (4, 3)
    assert sum(int(np.prod(sized[k])) for k in ("W_h", "b_h", "W_o", "b_o")) == 703


# --- numerical stability ----------------------------------------------------------------------

EXTREMES = [np.array([-1000.0, -745.0, -709.0, -100.0, 0.0, 100.0, 709.0, 745.0, 1000.0]),
            np.array([-100.0, -88.0, 88.0, 100.0], dtype=np.float32), np.array([-1000, 0, 1000])]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_references_are_finite_and_warning_free_on_extremes(name, strict):
    fn = getattr(ref, name)
    for z in EXTREMES:
        out = np.asarray(fn(z), dtype=float)
        assert out.shape == z.shape and np.isfinite(out).all(), (name, z, out)


def test_softmax_family_and_losses_are_finite_on_extremes(strict):
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [800.0, 800.0, -800.0]])
    for out in (ref.softmax(Z), ref.log_softmax(Z), ref.softmax(Z, axis=0), ref.log_softmax(Z, axis=0),
                ref.softmax_jacobian(Z[0]), ref.softmax(Z.astype(np.float32))):
        assert np.isfinite(out).all()
    labels = np.array([0, 1, 2])
    assert np.isfinite(ref.categorical_crossentropy(np.eye(3)[labels], Z, from_logits=True))
    assert np.isfinite(ref.sparse_categorical_crossentropy(labels, Z, from_logits=True))
    assert ref.sparse_categorical_crossentropy(labels, Z, from_logits=True) == pytest.approx(
        (0 + np.log(3) + 1600 + np.log(2)) / 3)
    assert np.isfinite(ref.binary_crossentropy([1, 0, 1, 0], [1000.0, -1000.0, -1000.0, 1000.0], from_logits=True))
    for p in ([0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]):
        assert np.isfinite(ref.binary_crossentropy([1, 0, 1, 0], p))
    assert np.isfinite(ref.categorical_crossentropy(np.eye(3), np.eye(3)[[1, 2, 0]]))


def test_the_naive_formulas_are_not_stable():
    """The mistakes the stability checks exist for: each textbook formula overflows on ±1000."""
    z = np.array([-1000.0, 1000.0])
    naive = {"e^z / (1 + e^z)": lambda: np.exp(z) / (1 + np.exp(z)),
             "1 / (1 + e^-z)": lambda: 1 / (1 + np.exp(-z)),
             "log(1 + e^z)": lambda: np.log(1 + np.exp(z)),
             "softmax without the maximum": lambda: np.exp(z) / np.exp(z).sum()}
    for name, compute in naive.items():
        with np.errstate(over="raise"), pytest.raises(FloatingPointError):
            compute()


def test_self_check_catches_overflow_even_when_the_value_is_right():
    """1 / (1 + e^(−z)) gives the right values on ±1000, with an overflow: the self-check says so."""
    def sigmoid(z):
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    with np.errstate(all="ignore"):
        assert np.array_equal(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    with pytest.raises(CheckFailed, match="luck of inf arithmetic"):
        check.sigmoid(sigmoid)

    def elu(z, alpha=1.0):
        z = np.asarray(z)
        return np.where(z > 0, z, alpha * (np.exp(z) - 1))
    with pytest.raises(CheckFailed, match="np.where computes both of its branches"):
        check.elu(elu)


# --- catalogues: one per exercise, each mistake named by both sides ------------------------------

def test_catalogues_are_big_enough_and_models_are_placed_once():
    small = {name: len(q.catalogue) for name, q in QUESTIONS.items() if len(q.catalogue) < 5}
    # Few real mistakes exist for these: a step, ReLU and its derivative are one comparison each.
    assert set(small) <= {"step", "relu", "relu_derivative", "softplus_derivative", "selu_derivative",
                          "elu_derivative"}, small
    assert sum(len(q.catalogue) for q in QUESTIONS.values()) >= 150
    for name, q in QUESTIONS.items():
        for key in q.models:
            assert key in q.catalogue, f"{name}: model {key!r} names no catalogue mistake"
            assert getattr(q.catalogue, key).model is None, f"{name}: {key!r} is modelled twice"


def _as_answer(q, mistake):
    model = q.models.get(mistake.key, mistake.model)
    name = q.qid.split(".")[1]
    if q.shape == "value":
        return model(copy.deepcopy(q.reference)) if mistake.relative else model()
    if mistake.relative:
        reference = getattr(ref, name)

        def answer(*args, **kwargs):
            return model(reference(*copy.deepcopy(args), **copy.deepcopy(kwargs)), *args, **kwargs)
        answer.__name__ = name
        return answer
    return model


MODELLED = [pytest.param(q, m, id=f"{name}-{m.key}") for name, q in QUESTIONS.items() for m in q.catalogue]


# The source each model stands for, as far as a structural rule looks at it: tanh's models compute its value
# with the reference (relative models) or without sigmoid, but stand for a student's code that calls sigmoid.
RULE_ABIDING_SOURCE = {"tanh": "def tanh(z):\n    return 2 * sigmoid(2 * z) - 1\n"}


@pytest.mark.parametrize("q,mistake", MODELLED)
def test_hidden_test_names_every_mistake(q, mistake, monkeypatch):
    answer = _as_answer(q, mistake)
    for seed in range(3):
        monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
        with pytest.raises(CheckFailed) as failure:
            hidden.run(q.qid, answer, source=RULE_ABIDING_SOURCE.get(q.qid.split(".")[1], ""))
        assert mistake.message in str(failure.value), f"seed {seed}: {failure.value}"


# Where the self-check names another (true) mistake first: the rule of Exercise 5 comes before the values for a
# function that never calls sigmoid, and Exercise 9 names W_h on its own before W_o.
SELF_CHECK_NAMES_ANOTHER = {("tanh", "outer_two"), ("tanh", "plus_one"), ("tanh", "no_minus_one"), ("tanh", "negated"),
                            ("tanh", "naive_overflow"), ("exercise6_shapes", "transposed")}


@pytest.mark.parametrize("q,mistake", MODELLED)
def test_self_check_fails_every_mistake_and_names_it(q, mistake):
    name = q.qid.split(".")[1]
    with pytest.raises(CheckFailed) as failure:
        getattr(check, name)(_as_answer(q, mistake))
    if (name, mistake.key) not in SELF_CHECK_NAMES_ANOTHER:
        assert mistake.message in str(failure.value)


def test_tlukit_models_are_wrong_and_hold_no_answer():
    """A model kept in the students' kit is either relative (a transformation of the answer) or differs
    from the reference on the hidden test's own inputs (it is a mistake, not the answer in disguise)."""
    rng = np.random.default_rng(0)
    for name, q in QUESTIONS.items():
        if q.shape == "value":
            continue
        for m in q.catalogue:
            if m.model is None or m.relative:
                continue
            cases = q.draw(rng)
            differs = False
            for case in cases:
                try:
                    with np.errstate(all="ignore"):
                        got = m.model(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
                except Exception:  # noqa: BLE001
                    differs = True
                    break
                if q.differ(wire.decode(wire.encode(got)), q.expected(case), case) is not None:
                    differs = True
                    break
            assert differs, f"{name}: the tlukit model {m.key!r} computes the answer"
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson03.py").read_text()
    assert "autograder" not in source and "def sigmoid(z" not in source and "def softmax(Z" not in source


def test_fixture_share_named():
    wrong = answer_fixtures("03_mlp_forward", "wrong")
    generic = ("expected", "got", "not written", "raised", "differ", "exercise6_shapes[", "exercise7_heads[")
    named = [f for f in wrong if len(f.expect_hint) >= 12 and not f.expect_hint.startswith(generic)]
    assert len(named) / len(wrong) >= 0.9
    per_answer = {a: sum(f.grade_id == a for f in wrong) for a in NB.answers}
    assert min(per_answer.values()) >= 3, per_answer
    for answer in NB.answers:   # the first wrong fixture of each answer (the one the end-to-end test grades) is named
        first = next(f for f in wrong if f.grade_id == answer)
        assert first in named and first.hidden_hint, first.name


# --- each exercise graded on its own: a wrong earlier function, right later answers ---------------

WRONG_EARLIER = {   # the wrong function of an earlier exercise, as a student writes it
    "sigmoid_sign_flipped": "def sigmoid(z):\n    return 1 / (1 + np.exp(np.asarray(z, dtype=float)))\n",
    "sigmoid_naive": "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n",  # overflows
    "sigmoid_precedence": "def sigmoid(z):\n    return 1 / 1 + np.exp(-np.asarray(z, dtype=float))\n",
    "tanh_negated": "def tanh(z):\n    return 1 - 2 * sigmoid(2 * np.asarray(z))\n",
    "elu_no_minus_one": ("def elu(z, alpha=1.0):\n    z = np.asarray(z)\n"
                         "    return np.where(z > 0, z, alpha * np.exp(np.minimum(z, 0)))\n"),
    "elu_naive": ("def elu(z, alpha=1.0):\n    z = np.asarray(z, dtype=float)\n"
                  "    return np.where(z > 0, z, alpha * (np.exp(z) - 1))\n"),                     # overflows
    "relu_abs": "def relu(z):\n    return np.abs(z)\n",
    "softplus_naive": "def softplus(z):\n    return np.log1p(np.exp(np.asarray(z, dtype=float)))\n",
    "elu_derivative_minus_one": ("def elu_derivative(z, alpha=1.0):\n    z = np.asarray(z)\n"
                                 "    return np.where(z > 0, 1.0, alpha * np.expm1(np.minimum(z, 0)))\n"),
    "softmax_no_shift": ("def softmax(Z, axis=-1):\n    E = np.exp(np.asarray(Z, dtype=float))\n"
                         "    return E / E.sum(axis=axis, keepdims=True)\n"),
    "softmax_axis_zero": ("def softmax(Z, axis=-1):\n    Z = np.asarray(Z, dtype=float)\n"
                          "    E = np.exp(Z - Z.max(axis=0, keepdims=True))\n    return E / E.sum(axis=0, keepdims=True)\n"),
    "log_softmax_no_shift": ("def log_softmax(Z, axis=-1):\n    Z = np.asarray(Z, dtype=float)\n"
                             "    return Z - np.log(np.sum(np.exp(Z), axis=axis, keepdims=True))\n"),
}
LATER_CELLS = ("tanh", "activations", "derivatives", "softmax", "mlp_forward", "cross_entropy")


def _versions(cell):
    """The solution of an answer cell and each of its right fixtures: (name, source)."""
    return [("solution", NB.answers[cell])] + [(f.slug, f.source) for f in answer_fixtures(NB.lesson, "right")
                                               if f.grade_id == cell]


AGREEMENT = [pytest.param(wrong, cell, version, source, id=f"{wrong}-{cell}-{version}")
             for wrong in WRONG_EARLIER for cell in LATER_CELLS for version, source in _versions(cell)]


@pytest.mark.parametrize("wrong,cell,version,source", AGREEMENT)
def test_a_right_answer_passes_both_sides_whatever_the_earlier_functions(wrong, cell, version, source, monkeypatch,
                                                                          capsys):
    """A notebook with one wrong earlier function (sigmoid, elu, softmax ...) and right later answers: the hidden
    test replaces the wrong function by a correct one (helpers=), and the self-check judges the answer against the
    student's own function. Every later answer passes both, and the wrong function's own test fails both."""
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "0")
    namespace: dict = {"np": np}
    for answer, solution in NB.answers.items():
        exec(source if answer == cell else solution, namespace)
    exec(WRONG_EARLIER[wrong], namespace)
    broken = wrong.split("_")[0] if not wrong.startswith(("elu_derivative", "log_softmax")) else (
        "elu_derivative" if wrong.startswith("elu_derivative") else "log_softmax")
    order = list(NB.tests)
    own = next(t for t in order if NB.hidden_call(t)[1] == broken)
    with pytest.raises(CheckFailed):
        NB.run_self_check(own, namespace)
    with pytest.raises(CheckFailed):
        hidden.run(NB.hidden_call(own)[0], namespace[broken])
    later = [t for t in NB.tests_of(cell) if order.index(t) > order.index(own)]
    for test_id in later:
        qid, name = NB.hidden_call(test_id)
        NB.run_self_check(test_id, namespace)
        hidden.run(qid, namespace[name])
    out = capsys.readouterr().out
    assert out.count("✓") == 2 * len(later), out
    assert "note:" not in out


def test_the_self_check_says_which_earlier_exercise_to_fix():
    """A wrong selu that uses a wrong elu: the self-check names elu's exercise and says selu is graded alone."""
    namespace: dict = {"np": np}
    for solution in NB.answers.values():
        exec(solution, namespace)
    exec(WRONG_EARLIER["elu_no_minus_one"], namespace)
    exec("def selu(z):\n    return elu(z, alpha=1.6732632423543772)\n", namespace)   # the scale is missing too
    with pytest.raises(CheckFailed) as failure:
        NB.run_self_check("test_activations_selu", namespace)
    message = str(failure.value)
    assert "your selu uses your elu, which fails its own check (Exercise 6)" in message
    assert "selu itself is graded with a correct elu" in message
    assert "your selu is wrong as well" in message
    with pytest.raises(CheckFailed, match="scale is missing"):
        hidden.run("03.selu", namespace["selu"])


def test_helpers_are_declared_once_and_exist():
    for name, q in QUESTIONS.items():
        assert q.helpers == check.HELPERS.get(name, ()), name
        assert all(h in QUESTIONS for h in q.helpers), name
        for h in q.helpers:   # an earlier exercise, in the notebook's order
            assert list(QUESTIONS).index(h) < list(QUESTIONS).index(name), (name, h)
        for helper, _, _ in check.RELATIONS.get(name, ()):
            assert helper in q.helpers, (name, helper)
        assert (name in check.OVERFLOW) == q.no_warnings, name
    text = "\n".join(c.source for c in NB.nb.cells)
    for name, label in check.EXERCISE_OF.items():   # the exercise each answer belongs to, as the notebook numbers it
        heading = text.index(f"### {label} ")
        assert heading < text.index(f"def {name}(" if name in QUESTIONS and QUESTIONS[name].shape == "function"
                                    else f"{name} = "), name
        following = text.find("### Exercise ", heading + 1)
        assert following == -1 or text.index(f"def {name}(" if QUESTIONS[name].shape == "function"
                                             else f"{name} = ") < following, name


# --- the value exercises ----------------------------------------------------------------------

class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True


@pytest.mark.parametrize("name,keys", [("exercise6_shapes", list(ref.exercise6_shapes)),
                                       ("exercise7_heads", list(ref.exercise7_heads))])
def test_a_value_that_lies_about_equality_fails_both_sides(name, keys, monkeypatch):
    liars = [np.zeros(2).view(Liar), {k: np.zeros(3).view(Liar) for k in keys},
             {k: np.array([None, 10], dtype=object).view(Liar) for k in keys}]
    for value in liars:
        with pytest.raises(CheckFailed):
            getattr(check, name)(value)
        monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "0")
        with pytest.raises(CheckFailed):
            hidden.run(f"03.{name}", value)
    assert type(wire.decode(wire.encode(np.zeros(2).view(Liar)))) is np.ndarray


def test_exercise6_accepts_equivalent_spellings(monkeypatch, capsys):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "0")
    for value in ({k: list(v) for k, v in ref.exercise6_shapes.items()},
                  {k: tuple(np.int64(d) if d is not None else None for d in v) for k, v in ref.exercise6_shapes.items()}):
        check.exercise6_shapes(value)
        hidden.run("03.exercise6_shapes", value)
    assert capsys.readouterr().out.count("✓") == 4


def test_exercise6_messages_name_the_key_and_never_print_the_answer():
    wrong = {**ref.exercise6_shapes, "W_o": (3, 50)}
    with pytest.raises(CheckFailed) as failure:
        check.exercise6_shapes(wrong)
    message = str(failure.value)
    assert "exercise6_shapes['W_o']" in message and "W_o is transposed" in message
    assert "(None, 10)" not in message


VOCABULARY_ACT = [None, "sigmoid", "softmax", "relu", "softplus", "tanh", "elu", "linear", "logistic"]
VOCABULARY_LOSS = ["mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy",
                   "sparse_categorical_crossentropy", "mean_squared_error", "BinaryCrossentropy"]


def test_exercise7_self_check_and_criterion_agree_on_every_choice():
    for task in ref.HEADS_ACCEPTED:
        for n, act, loss in itertools.product((0, 1, 2, 3, 10, 50), VOCABULARY_ACT, VOCABULARY_LOSS):
            head = check.normalise_head((n, act, loss))
            accepted = head in ref.HEADS_ACCEPTED[task]
            assert (check.head_mistake(task, head) is None) == accepted, (task, n, act, loss)
            answer = {**ref.exercise7_heads, task: (n, act, loss)}
            assert (ref.heads_criterion(answer, None) is None) == accepted


def test_exercise7_model_answer_is_the_books():
    assert ref.exercise7_heads == {"spam_ham": (1, "sigmoid", "binary_crossentropy"),
                                   "mnist": (10, "softmax", "sparse_categorical_crossentropy"),
                                   "house_prices": (1, None, "mse")}
    assert ref.heads_criterion(ref.exercise7_heads, None) is None
    assert "not a good choice" in ref.heads_criterion({**ref.exercise7_heads, "mnist": (10, "sigmoid", "mse")}, None)
    assert "missing" in ref.heads_criterion({"mnist": ref.exercise7_heads["mnist"]}, None)
    assert "expected (number of output neurons" in ref.heads_criterion({**ref.exercise7_heads, "spam_ham": "sigmoid"},
                                                                         None)


def test_value_answers_given_as_functions_are_refused():
    def shapes():
        return dict(ref.exercise6_shapes)
    with pytest.raises(CheckFailed, match="assign the answer itself"):
        check.exercise6_shapes(shapes)


# --- the self-checks' messages ----------------------------------------------------------------

def test_failure_messages_name_input_expected_got_and_hint():
    with pytest.raises(CheckFailed) as failure:
        check.sigmoid_derivative(lambda z: ref.sigmoid(z))
    message = str(failure.value)
    assert "sigmoid_derivative(" in message or "<lambda>(" in message
    assert "expected:" in message and "got:" in message and "hint: you returned σ(z) itself" in message
    with pytest.raises(CheckFailed) as failure:
        check.softmax(lambda Z, axis=-1: np.exp(Z) / np.sum(np.exp(Z), axis=axis, keepdims=True))
    assert "e^z overflows for large logits" in str(failure.value)


def test_in_place_modification_is_named():
    def relu(z):
        z = np.asarray(z)
        z[z < 0] = 0
        return z
    with pytest.raises(CheckFailed, match="build a new array"):
        check.relu(relu)


# --- the activation explorer ------------------------------------------------------------------

FUNCTIONS = {name: (getattr(ref, name), getattr(ref, f"{name}_derivative"))
             for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus")}


def _stub(z):
    raise NotImplementedError()


def _capture(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    return shown


def test_explorer_static_fallback(monkeypatch):
    monkeypatch.setenv("TLUKIT_STATIC", "1")
    shown = _capture(monkeypatch)
    explorer.activation_explorer({**FUNCTIONS, "step": (ref.step, None)})
    assert len(shown) == 1 and isinstance(shown[0][0][0], Figure)
    fig = shown[0][0][0]
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 8 and "leaky_relu (alpha = 0.2)" in titles and "elu (alpha = 1)" in titles
    assert not plt.get_fignums(), "the fallback figure is closed after display"


def test_explorer_leaves_out_unfinished_functions_and_says_which(monkeypatch):
    monkeypatch.setenv("TLUKIT_STATIC", "1")
    shown = _capture(monkeypatch)
    explorer.activation_explorer({"sigmoid": (ref.sigmoid, _stub), "elu": (_stub, None), "relu": (ref.relu, None)},
                                 exercise={"elu": "Exercise 6", "_stub": "Exercise 7"})
    fig = shown[0][0][0]
    assert len([ax for ax in fig.axes if ax.get_title()]) == 2
    assert "Finish Exercise 6 (elu)" in fig._suptitle.get_text()
    plt.close("all")
    shown.clear()
    explorer.activation_explorer({"elu": (_stub, None)}, exercise="Exercise 6")
    (bundle,), kwargs = shown[0]
    assert kwargs.get("raw") and "Finish Exercise 6 (elu)" in bundle["text/plain"]


def test_explorer_builds_a_widget_when_interactive(monkeypatch):
    monkeypatch.delenv("TLUKIT_STATIC", raising=False)
    monkeypatch.setattr(widget_core, "interactive", lambda: True)
    shown = _capture(monkeypatch)
    explorer.activation_explorer(FUNCTIONS)
    (bundle,), kwargs = shown[0]
    assert kwargs.get("raw") and widget_core.WIDGET_MIME in bundle and "image/png" in bundle


def test_explorer_widget_follows_its_controls():
    box = explorer.explorer_widget(FUNCTIONS)
    (choose, alpha), span, info, image = box.children[0].children, box.children[1], box.children[2], box.children[3]
    assert alpha.disabled and "agrees" in info.value
    first = image.value
    choose.value = "elu"
    assert not alpha.disabled and alpha.value == 1.0 and image.value != first
    before = image.value
    alpha.value = 0.5
    assert image.value != before
    span.value = (-2.0, 2.0)
    choose.value = "leaky_relu"
    assert alpha.value == 0.2


def test_explorer_shows_a_wrong_derivative():
    z = np.linspace(-3, 3, 61)
    assert "agrees" in explorer.mismatch_note(ref.sigmoid, ref.sigmoid_derivative, z)
    note = explorer.mismatch_note(ref.sigmoid, ref.sigmoid, z)          # σ instead of σ′
    assert "differs from the numerical slope" in note
    assert "not written yet" in explorer.mismatch_note(ref.sigmoid, None, z)


def test_explorer_never_fails_on_odd_student_functions(monkeypatch):
    monkeypatch.setenv("TLUKIT_STATIC", "1")
    shown = _capture(monkeypatch)
    explorer.activation_explorer({"overflowing": (lambda z: np.exp(z) / (1 + np.exp(z)), None),
                                  "scalar": (lambda z: 0.5, lambda z: 0.0)})
    assert isinstance(shown[0][0][0], Figure)
    plt.close("all")


def test_explorer_computes_no_activation():
    source = (REPO / "utils" / "tlukit" / "widgets" / "activations.py").read_text()
    for formula in ("logaddexp", "expm1", "1 + np.exp", "np.maximum(z, 0)", "1.6732"):
        assert formula not in source
