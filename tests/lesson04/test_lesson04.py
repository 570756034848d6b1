"""Lesson 04 (backpropagation by hand): what is particular to this lesson, and the graph drawing.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``.
"""
from __future__ import annotations

import inspect
import math
import sys
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import course, hidden  # noqa: E402
from autograder.lessons import lesson04 as ref  # noqa: E402
from tests.helpers import REPO, SourceNotebook  # noqa: E402
from tlukit import graph  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson04 as check  # noqa: E402
from tlukit.probe import scalar_program  # noqa: E402

NB = SourceNotebook("04_backprop")
POINTS = {"test_J_by_hand": 2, "test_forward_backward": 2, "test_Value": 4, "test_Value_functions": 2,
          "test_sigmoid": 1, "test_neuron_forward": 1, "test_bce_loss": 2, "test_neuron_gradients": 3,
          "test_numerical_gradients": 2, "test_relative_error": 1, "test_train_neuron": 3}


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert list(NB.answers) == ["J_by_hand", "forward_backward", "Value", "sigmoid", "neuron_forward", "bce_loss",
                                "neuron_gradients", "numerical_gradients", "relative_error", "train_neuron"]
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert {w: p for w, (p, _) in NB.written.items()} == {"written_backprop": 3}
    written = NB.written["written_backprop"][1]
    assert "reverse-mode" in written.lower() and "=== BEGIN MARK SCHEME ===" in written
    assert "By the end of this lesson" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source and "lesson 05" in NB.nb.cells[-1].source
    assert sum("graph.draw(" in c.source for c in NB.nb.cells if c.cell_type == "code") >= 3


def test_release_value_cell_keeps_the_given_parts_and_stubs_every_method():
    (path,) = course.notebooks("04_backprop", course.RELEASE)
    release = nbformat.read(path, as_version=4)
    (cell,) = [c for c in release.cells if course.grade_id(c) == "Value"]
    assert "def __init__(self, data, _children=(), _op=\"\"):" in cell.source and "def __repr__" in cell.source
    assert cell.source.count("raise NotImplementedError()") == 13
    compile(cell.source, "Value", "exec")


def test_checks_and_graph_hold_no_answer():
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson04.py").read_text()
    assert "autograder" not in source and "class Value" not in source
    assert "def sigmoid(z" not in source and "def bce_loss(phi" not in source and "def neuron_gradients(X" not in source
    drawing = (REPO / "utils" / "tlukit" / "graph.py").read_text()
    assert ".backward(" not in drawing and "_backward(" not in drawing


# --- reference facts --------------------------------------------------------------------------

def test_J_by_hand_facts():
    # a = 5, b = 3, c = 2: u = 15, v = 17, J = 51; dJ/da = 3b = 9, dJ/db = 3a = 15, dJ/dc = 3
    assert ref.J_by_hand == {"u": 15, "v": 17, "J": 51, "dJ/dv": 3, "dJ/du": 3, "dJ/dc": 3, "dJ/da": 9, "dJ/db": 15}
    values, grads = ref.forward_backward(5, 3, 2)
    assert values == {"u": 15, "v": 17, "J": 51}
    assert grads == {"v": 3, "u": 3, "c": 3, "a": 9, "b": 15}
    J = lambda a, b, c: 3 * (a * b + c)  # noqa: E731
    h = 1e-6
    numeric = [(J(5 + h, 3, 2) - J(5 - h, 3, 2)) / (2 * h), (J(5, 3 + h, 2) - J(5, 3 - h, 2)) / (2 * h),
               (J(5, 3, 2 + h) - J(5, 3, 2 - h)) / (2 * h)]
    assert np.allclose(numeric, [9, 15, 3], atol=1e-6)
    a, b, c = ref.Value(5), ref.Value(3), ref.Value(2)
    out = 3 * (a * b + c)
    out.backward()
    assert (out.data, a.grad, b.grad, c.grad) == (51, 9, 15, 3)


FUNCTIONS = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "relu": lambda x: max(0.0, x),
             "sigmoid": lambda x: 1 / (1 + math.exp(-x))}


def _evaluate(program, nudge=None):
    """Every node's value, computed with plain floats; ``nudge = (k, dx)`` adds dx to node k."""
    values = []
    for step in program:
        op, *rest = step
        if op == "backward":
            continue
        x = values[rest[0]] if op != "leaf" else None
        if op == "leaf":
            v = float(rest[0])
        elif op in ("add", "mul", "sub"):
            y = values[rest[1]]
            v = x + y if op == "add" else x * y if op == "mul" else x - y
        elif op in ("add_const", "radd_const"):
            v = x + rest[1]
        elif op in ("mul_const", "rmul_const"):
            v = x * rest[1]
        elif op == "pow":
            v = x ** rest[1]
        elif op == "neg":
            v = -x
        else:
            v = FUNCTIONS[op](x)
        if nudge and nudge[0] == len(values):
            v += nudge[1]
        values.append(v)
    return values


@pytest.mark.parametrize("seed", range(6))
def test_value_matches_finite_differences_on_random_programs(seed):
    """Every node's grad is d(output)/d(node), measured by nudging that node alone (central differences)."""
    rng = np.random.default_rng(seed)
    programs = [c.args[0] for c in ref._arithmetic_cases(rng) + ref._functions_cases(rng)]
    for program in programs:
        result = scalar_program(ref.Value, program)
        root = program[-1][1]
        assert np.allclose(result["data"], _evaluate(program))
        h = 1e-6
        for k in range(len(result["grad"])):
            numeric = (_evaluate(program, (k, h))[root] - _evaluate(program, (k, -h))[root]) / (2 * h)
            assert math.isclose(result["grad"][k], numeric, rel_tol=1e-5, abs_tol=1e-5), (program, k)


@pytest.mark.parametrize("seed", range(6))
def test_random_programs_reuse_nodes_and_stay_tame(seed):
    rng = np.random.default_rng(seed)
    for cases, required in ((ref._arithmetic_cases(rng), ()), (ref._functions_cases(rng), ref.FUNCTIONS + ("sub",))):
        for case in cases:
            (program,) = case.args
            uses = [j for step in program for j in check.operands(step)]
            assert any(uses.count(k) >= 2 for k in set(uses)), "a node used twice: where = instead of += shows"
            assert any(step[0] == "mul" and step[1] == step[2] for step in program)
            assert set(required) <= {step[0] for step in program}
            assert program[-1][0] == "backward"
            result = scalar_program(ref.Value, program)
            assert np.all(np.isfinite(result["data"])) and np.all(np.isfinite(result["grad"]))
            values = _evaluate(program)
            for step in program:  # no relu at its kink, no log or negative power near 0
                if step[0] == "relu":
                    assert abs(values[step[1]]) > 0.05
                if step[0] == "log":
                    assert values[step[1]] > 0.2


def test_neuron_gradient_agrees_with_gradient_checking_and_with_the_engine():
    rng = np.random.default_rng(3)
    X, y, w, b = rng.normal(size=(30, 4)), (rng.random(30) < 0.5).astype(float), rng.normal(size=4), 0.3
    analytic = np.append(*ref.neuron_gradients(X, y, w, b))
    numeric = np.append(*ref.numerical_gradients(X, y, w, b))
    assert ref.relative_error(analytic, numeric) < 1e-7
    wrong = analytic.copy()
    wrong[1] *= -1
    assert ref.relative_error(wrong, numeric) > 0.5
    # one instance through the Value engine gives the same (φ − y)·x
    w_v, b_v = [ref.Value(wi) for wi in w], ref.Value(b)
    z = b_v
    for wi, xi in zip(w_v, X[0]):
        z = z + wi * xi
    phi = z.sigmoid()
    loss = -(y[0] * phi.log() + (1 - y[0]) * (1 + -phi).log())
    loss.backward()
    dw, db = ref.neuron_gradients(X[:1], y[:1], w, b)
    assert np.allclose([wi.grad for wi in w_v], dw) and math.isclose(b_v.grad, db)


def test_stable_functions_at_the_extremes():
    assert np.array_equal(ref.sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])
    assert math.isfinite(ref.bce_loss([0.0, 1.0], [1.0, 0.0]))
    assert math.isclose(ref.bce_loss([0.5, 0.5], [0, 1]), math.log(2))


# --- Value: messages ------------------------------------------------------------------------

class _BackwardStub(ref.Value):
    def backward(self):
        raise NotImplementedError()


class _TanhStub(ref.Value):
    def tanh(self):
        raise NotImplementedError()


def _fixture_class(slug):
    """The Value class of a wrong-answer fixture."""
    namespace = {"np": np}
    exec((REPO / "tests" / "lesson04" / "fixtures" / "wrong" / f"Value__{slug}.py").read_text(), namespace)
    return namespace["Value"]


def test_an_unwritten_method_is_named(monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "0")
    with pytest.raises(CheckFailed, match="backward is not written yet"):
        check.Value(_BackwardStub)
    with pytest.raises(CheckFailed, match="backward is not written yet"):
        hidden.run("04.Value", _BackwardStub)
    check.Value(_TanhStub)  # the arithmetic does not need tanh
    hidden.run("04.Value", _TanhStub)
    with pytest.raises(CheckFailed, match="tanh is not written yet"):
        check.Value_functions(_TanhStub)
    with pytest.raises(CheckFailed, match="tanh is not written yet"):
        hidden.run("04.Value_functions", _TanhStub)


@pytest.mark.parametrize("seed", range(5))
def test_a_missing_radd_is_named_by_the_self_check_and_the_hidden_test(seed, monkeypatch):
    _NoRadd = _fixture_class("no_radd_rmul")
    with pytest.raises(CheckFailed) as failure:
        check.Value(_NoRadd)
    assert "define Value.__rmul__" in str(failure.value) and "unsupported operand" in str(failure.value)
    check.Value_functions(_NoRadd)  # the functions test puts no number on the left
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
    with pytest.raises(CheckFailed, match=r"define Value\.__r(add|mul)__, which Python calls when the number is on the "
                                          r"left"):  # the probe's driver names the method
        hidden.run("04.Value", _NoRadd)


def test_diagnosis_names_the_first_node_backward_gets_wrong():
    program = [("leaf", 0.5), ("leaf", 2.0), ("mul", 0, 1), ("tanh", 2), ("add", 3, 0), ("backward", 4)]
    want = scalar_program(ref.Value, program)
    got = scalar_program(ref.VALUE_MODELS["tanh_t"], program)
    message = check.program_difference(program, got, want)
    assert message.startswith("n2.grad should be") and "n3 = n2.tanh()" in message
    assert check.RULES["tanh"] in message and "n2 = n0 * n1" in message  # the program, as code
    got = scalar_program(ref.VALUE_MODELS["assign"], program)
    message = check.program_difference(program, got, want)
    assert "n0 is used 2 times" in message and "+=" in message
    got = scalar_program(ref.VALUE_MODELS["no_seed"], program)
    assert "seed the output's grad with 1.0" in check.program_difference(program, got, want)
    assert check.program_difference(program, want, want) is None


@pytest.mark.parametrize("key", check.FUNCTION_KEYS)
def test_a_mistake_in_a_function_keeps_the_arithmetic_points(key, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "1")
    hidden.run("04.Value", ref.VALUE_MODELS[key])
    check.Value(ref.VALUE_MODELS[key])


@pytest.mark.parametrize("key", ["pow_no_k", "pow_k_x_k"])
def test_a_mistake_in_pow_keeps_the_function_points(key, monkeypatch):
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "1")
    hidden.run("04.Value_functions", ref.VALUE_MODELS[key])
    check.Value_functions(ref.VALUE_MODELS[key])


def test_self_check_values_of_the_mistakes_are_what_the_models_give():
    """The wrong grads written in the self-check are those of the instructor's models (no stale number)."""
    for case in check.ARITHMETIC_PROGRAMS + check.FUNCTION_PROGRAMS:
        for key, grads in check.MISTAKE_GRADS[case["title"]].items():
            assert np.allclose(scalar_program(ref.VALUE_MODELS[key], case["program"])["grad"], grads), (case, key)


# --- training: a criterion --------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_gradient_descent_meets_the_criterion(seed):
    q = hidden.question("04.train_neuron")
    for case in q.draw(np.random.default_rng(seed)):
        assert q.criterion(ref.train_neuron(*case.args, **case.kwargs), case) is None


def test_criterion_recomputes_everything_from_w_and_b(monkeypatch):
    q = hidden.question("04.train_neuron")
    case = q.draw(np.random.default_rng(0))[0]
    X, y = case.args
    w, b, losses = ref.train_neuron(X, y)
    assert "no lower than ln 2" in q.criterion((-w, -b, losses), case)          # a good curve, bad weights
    assert "not the loss" in q.criterion((w, b, list(np.geomspace(math.log(2), 0.01, 1000))), case)  # typed in
    assert "losses[0]" in q.criterion((w, b, [0.5] + list(losses[1:])), case)
    assert "one finite loss per epoch" in q.criterion((w, b, losses[:10]), case)
    assert "three things" in q.criterion((w, b), case)
    flipped = ref.TRAIN_MODELS["ascent"](X, y)
    assert "likely mistake: " + check.TRAIN_NEURON.ascent.message in q.criterion(flipped, case)
    # the held-out labels stay with the grader
    cases, request = hidden.request(q, 0)
    assert all(c.secret is not None for c in cases)
    X_test, y_test = cases[0].secret
    assert str(round(float(X_test[0, 0]), 6)) not in request and "secret" not in request


# --- the graph drawing ------------------------------------------------------------------------

def _J():
    a, b, c = ref.Value(5.0), ref.Value(3.0), ref.Value(2.0)
    u = a * b
    v = u + c
    J = 3 * v
    J.backward()
    return J, {"a": a, "b": b, "c": c, "u": u, "v": v, "J": J}


def test_draw_with_matplotlib_when_dot_is_missing(monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    J, names = _J()
    fig = graph.draw(J, names=names)
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("data 51" in t and "grad 1" in t for t in texts) and any("data 5\ngrad 9" in t for t in texts)
    assert sorted(t for t in texts if t in ("+", "*")) == ["*", "*", "+"]
    assert not plt.get_fignums(), "the figure is returned, not left open"
    ax = plt.subplots()[1]
    assert graph.draw(J, ax=ax) is ax
    plt.close("all")


class _FakeDigraph:
    fail = False

    def __init__(self, **kwargs):
        self.nodes, self.edges = {}, []

    def node(self, name, label="", **kwargs):
        self.nodes[name] = label

    def edge(self, a, b):
        self.edges.append((a, b))

    def pipe(self, format="svg"):
        if self.fail:
            raise RuntimeError("dot crashed")
        return b"<svg/>"


def test_draw_with_graphviz_when_dot_is_on_the_path(monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=_FakeDigraph))
    J, names = _J()
    dot = graph.draw(J, names=names)
    assert isinstance(dot, _FakeDigraph)
    values = [label for name, label in dot.nodes.items() if not name.endswith("op")]
    assert len(values) == 7 and any("J | data 51 | grad 1" in label for label in values)
    assert sorted(label for name, label in dot.nodes.items() if name.endswith("op")) == ["*", "*", "+"]
    assert len(dot.edges) == 6 + 3  # inputs into operations, operations into their results
    assert isinstance(graph.draw(J, engine="matplotlib"), Figure)
    monkeypatch.setattr(_FakeDigraph, "fail", True)
    assert isinstance(graph.draw(J), Figure), "a broken Graphviz falls back to Matplotlib"


def test_draw_without_the_graphviz_package(monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz raises ImportError
    assert isinstance(graph.draw(_J()[0]), Figure)


class _Loop:
    def __init__(self):
        self.data, self.grad, self._op = 1.0, 0.0, "+"
        self._prev = (self,)


class _Raising:
    data, grad, _prev = 1.0, 0.0, ()

    def __getattr__(self, name):  # reading its label fails, as an unfinished property would
        if name == "label":
            raise NotImplementedError()
        raise AttributeError(name)


def _chain(n):
    x = ref.Value(1.0)
    for _ in range(n):
        x = x + 1
    return x


@pytest.mark.parametrize("broken,why", [
    (object(), "has no attribute 'data'"),
    (None, "has no attribute 'data'"),
    (types.SimpleNamespace(data=1.0, grad=0.0), "has no attribute '_prev'"),
    (types.SimpleNamespace(data=None, grad=0.0, _prev=()), "not a number"),
    (types.SimpleNamespace(data=1.0, grad=0.0, _prev=5), "_prev should hold"),
    (types.SimpleNamespace(data=1.0, grad=0.0, _prev=(object(),)), "has no attribute 'data'"),
    (_Loop(), "a cycle"),
    (_Raising(), "raised NotImplementedError"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_draw_never_raises_on_a_broken_value(broken, why, capsys):
    assert graph.draw(broken) is None
    out = capsys.readouterr().out
    assert "finish Exercise 3 (the Value class)" in out and why in out
    assert not plt.get_fignums()


# --- the self-check and the hidden test of train_neuron apply one criterion ---------------------

def test_the_checks_training_data_and_targets_are_what_gradient_descent_reaches():
    assert 0.3 < check.TRAIN_Y.mean() < 0.7
    line = (check.TRAIN_X @ [1.5, -2.5] - 1.0 >= 0).astype(float)
    assert 3 <= np.sum(line != check.TRAIN_Y) <= 20, "noisy labels: no line separates them"
    for kwargs, best, target in check.TRAIN_RUNS:
        w, b, losses = ref.train_neuron(check.TRAIN_X, check.TRAIN_Y, **kwargs)
        assert math.isclose(check.training_loss(check.TRAIN_X, check.TRAIN_Y, w, b), best, rel_tol=1e-9)
        assert check.training_accuracy(check.TRAIN_GRID, check.TRAIN_GRID_Y, w, b) == target
        assert check.training_reason((w, b, losses), check.TRAIN_X, check.TRAIN_Y, kwargs.get("eta", 0.5),
                                     kwargs.get("epochs", 1000), best=best, target=target,
                                     held_out=(check.TRAIN_GRID, check.TRAIN_GRID_Y)) is None
    assert [kwargs for kwargs, _, _ in check.TRAIN_RUNS] == [c.kwargs for c in ref._train_cases(np.random.default_rng(0))]


def test_the_criterions_loss_is_the_lessons_cross_entropy():
    rng = np.random.default_rng(1)
    for scale in (0.5, 3.0, 40.0):  # 40: saturated probabilities, where the clipping matters
        X, y, w, b = rng.normal(size=(30, 3)), (rng.random(30) < 0.5).astype(float), rng.normal(size=3) * scale, 0.2
        assert math.isclose(check.training_loss(X, y, w, b), ref.bce_loss(ref.neuron_forward(X, w, b), y),
                            rel_tol=1e-9, abs_tol=1e-12)
        assert check.training_accuracy(X, y, w, b) == np.mean((ref.neuron_forward(X, w, b) >= 0.5) == (y == 1))


def _train_fixtures():
    from tests.helpers import answer_fixtures

    return [f for f in answer_fixtures("04_backprop") if f.grade_id == "train_neuron"]


def _verdict(run) -> bool:
    try:
        run()
    except CheckFailed:
        return False
    return True


@pytest.mark.parametrize("answer", [pytest.param(f, id=f"{f.kind}/{f.slug}") for f in _train_fixtures()]
                         + [pytest.param(key, id=f"model/{key}") for key in ref.TRAIN_MODELS])
def test_train_self_check_and_hidden_test_decide_alike(answer, monkeypatch, capsys):
    """Right answers (float32 arithmetic among them) pass both; wrong ones, per-instance updates among them, fail both."""
    if isinstance(answer, str):
        fn, right = ref.TRAIN_MODELS[answer], False
    else:
        namespace = NB.reference_namespace()
        exec(answer.source, namespace)
        fn, right = namespace["train_neuron"], answer.kind == "right"
    assert _verdict(lambda: check.train_neuron._run(fn)) is right
    for seed in range(5):
        monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
        assert _verdict(lambda: hidden.run("04.train_neuron", fn, source="")) is right, seed


def test_the_self_check_names_a_training_mistake_only_when_it_is_certain():
    for key, mistake in (("ascent", check.TRAIN_NEURON.ascent), ("loss_after_step", check.TRAIN_NEURON.loss_after_step),
                         ("ignores_eta", check.TRAIN_NEURON.ignores_eta),
                         ("ignores_epochs", check.TRAIN_NEURON.ignores_epochs),
                         ("bias_frozen", check.TRAIN_NEURON.bias_frozen)):
        with pytest.raises(CheckFailed) as failure:
            check.train_neuron._run(ref.TRAIN_MODELS[key])
        assert mistake.message in str(failure.value), key
    for slug, reason in (("fake_losses", "not the loss"), ("constant_answer", "made it worse or did nothing")):
        namespace = NB.reference_namespace()  # adversarial answers: nothing certain to name
        exec(next(f.source for f in _train_fixtures() if f.slug == slug), namespace)
        with pytest.raises(CheckFailed) as failure:
            check.train_neuron._run(namespace["train_neuron"])
        assert reason in str(failure.value) and "hint:" not in str(failure.value), slug


# --- each exercise is graded on its own, by the self-check as by the hidden test ----------------

def test_the_self_checks_helpers_and_defaults_are_the_hidden_tests():
    for name in ("neuron_forward", "neuron_gradients", "numerical_gradients", "train_neuron"):
        assert check.HELPERS[name] == hidden.question(f"04.{name}").helpers
    from tlukit.probe import parameters
    for name, defaults in check.DEFAULTS.items():
        assert parameters(getattr(ref, name))[1] == defaults
    functions = [name for name in NB.answers if inspect.isfunction(getattr(ref, name))]
    assert set(check.DEFAULTS) == {name for name in functions if parameters(getattr(ref, name))[1]}


def _solutions(**replaced) -> dict:
    """The notebook's solutions, run in one namespace as a student's, with some answers replaced by fixtures."""
    namespace: dict = {"np": np}
    for answer, source in NB.answers.items():
        exec(source, namespace)
    for answer, slug in replaced.items():
        exec((REPO / "tests" / "lesson04" / "fixtures" / "wrong" / f"{answer}__{slug}.py").read_text(), namespace)
    return namespace


LATER = ("neuron_forward", "neuron_gradients", "numerical_gradients", "train_neuron")
SIGMOID_STUB = "def sigmoid(z):\n    raise NotImplementedError()\n"


@pytest.mark.parametrize("slug", ["exponent_sign", "overflow_nan", "reciprocal_missing", "stub"])
def test_a_wrong_sigmoid_costs_no_later_exercise(slug, monkeypatch, capsys):
    """Right later answers that call a wrong sigmoid pass their self-checks and their hidden tests."""
    if slug == "stub":
        namespace = _solutions()
        exec(SIGMOID_STUB, namespace)
    else:
        namespace = _solutions(sigmoid=slug)
    with pytest.raises(CheckFailed):
        NB.run_self_check("test_sigmoid", namespace)
    for answer in LATER:
        (test_id,) = NB.tests_of(answer)
        NB.run_self_check(test_id, namespace)
        out = capsys.readouterr().out
        assert f"✓ {answer}" in out and "ⓘ your sigmoid (Exercise 4)" in out, out
        assert ("is not written yet" if slug == "stub" else "fails its own check") in out
        for seed in range(3):
            monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
            hidden.run(f"04.{answer}", namespace[answer])
    assert namespace["sigmoid"].__code__.co_filename == "<string>", "the student's sigmoid is put back"


@pytest.mark.parametrize("helper,slug,exercise", [("neuron_forward", "no_bias", "Exercise 5"),
                                                   ("bce_loss", "sum", "Exercise 6"),
                                                   ("neuron_gradients", "sign", "Exercise 7")])
def test_a_later_self_check_names_the_wrong_earlier_exercise(helper, slug, exercise, monkeypatch):
    """Where no correct stand-in exists, a later check that fails says which earlier exercise to fix first; the
    hidden test (which gives the answer the grader's helpers) passes."""
    namespace = _solutions(**{helper: slug})
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "0")
    for answer in LATER[LATER.index(helper) + 1 if helper in LATER else 0:]:
        if helper not in check.HELPERS[answer]:
            continue
        (test_id,) = NB.tests_of(answer)
        with pytest.raises(CheckFailed) as failure:
            NB.run_self_check(test_id, namespace)
        assert f"calls your {helper} ({exercise}), which fails its own check" in str(failure.value)
        assert f"Fix {exercise} first" in str(failure.value)
        hidden.run(f"04.{answer}", namespace[answer])


def test_a_later_answer_that_does_not_call_the_wrong_helper_is_not_told_to_fix_it():
    namespace = _solutions(neuron_forward="no_bias")
    exec("def neuron_gradients(X, y, w, b):\n"
         "    error = 1 / (1 + np.exp(-(X @ w + b))) - y\n"
         "    return -(X.T @ error) / len(X), -float(np.mean(error))\n", namespace)  # wrong, and calls no helper
    with pytest.raises(CheckFailed) as failure:
        NB.run_self_check("test_neuron_gradients", namespace)
    assert "the sign is flipped" in str(failure.value) and "Fix Exercise 5" not in str(failure.value)


def test_a_large_graph_of_a_finished_value_is_not_blamed_on_exercise_3(capsys):
    big = _chain(100)
    assert graph.draw(big) is None
    out = capsys.readouterr().out
    assert "more than 60 nodes" in out and "draw a smaller expression" in out and "finish Exercise" not in out
    assert isinstance(graph.draw(big, max_nodes=300, engine="matplotlib"), Figure)
    plt.close("all")


def test_graphviz_drawing_has_a_title(monkeypatch):
    seen = {}

    class _Titled(_FakeDigraph):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            seen.update(kwargs.get("graph_attr", {}))

    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=_Titled))
    graph.draw(_J()[0], title="my graph")
    assert seen["label"] == "my graph" and seen["labelloc"] == "t"
