"""The exercise shapes of the hidden tests, and what every shape shares.

Each test declares a small question of its own (lesson "99", a throwaway home module) and runs
it in-process through :func:`autograder.hidden.run`: the same request, probe and judge as the
grader, without the sandbox. Shapes: a function, a class driven by a random program, a value,
a criterion; and for all: seeded cases, earlier exercises replaced by correct helpers, inputs
changed in place, defaults, structural rules, and "not written yet" naming the right function.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap

import numpy as np
import pytest

from autograder import hidden
from autograder.hidden import Case, Question
from tlukit import checks
from tlukit.checking import CheckFailed
from tlukit.mistakes import Catalogue, Mistake, Rule

HOME = textwrap.dedent('''
    import numpy as np


    def double(x):
        return 2 * np.asarray(x)


    def double_all(xs):
        return [double(x) for x in xs]


    def noise(n, scale=1.0):
        return scale * np.random.normal(size=n)
''')


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A lesson home module ``autograder.lessons.lesson99`` written to a file (helpers are sent as source)."""
    path = tmp_path / "lesson99.py"
    path.write_text(HOME)
    spec = importlib.util.spec_from_file_location("autograder.lessons.lesson99", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "autograder.lessons.lesson99", module)
    registered: dict[str, Question] = {}
    original = hidden.question
    monkeypatch.setattr(hidden, "question", lambda qid: registered[qid] if qid in registered else original(qid))
    module.register = lambda q: registered.__setitem__(q.qid, q) or q
    return module


def namespace_of(source: str) -> dict:
    """Run a student's cell in a namespace of its own, as a notebook would."""
    ns: dict = {"np": np}
    exec(textwrap.dedent(source), ns)
    return ns


# ----------------------------------------------------------------------------- each exercise on its own
def test_a_later_exercise_is_graded_with_correct_helpers_in_place(home):
    home.register(Question("99.double_all", home.double_all, lambda rng: [Case(([rng.normal(size=3), 2.0],))],
                           helpers=("double",)))
    student = namespace_of('''
        def double(x):
            return x + 2          # wrong: exercise 1 loses its own points

        def double_all(xs):
            return [double(x) for x in xs]
    ''')
    assert hidden.run("99.double_all", student["double_all"]) == 1
    assert student["double"](1) == 3, "the student's own helper is back after the test"


def test_correct_helpers_never_hand_points_for_an_unsolved_exercise(home):
    home.register(Question("99.double_all", home.double_all, lambda rng: [Case(([1.0],))], helpers=("double",)))
    student = namespace_of('''
        def double(x):
            return 2 * x

        def double_all(xs):
            raise NotImplementedError()
    ''')
    with pytest.raises(CheckFailed, match="double_all is not written yet"):
        hidden.run("99.double_all", student["double_all"])


def test_the_reference_helper_is_not_left_where_student_code_can_read_it(home):
    home.register(Question("99.double_all", home.double_all, lambda rng: [Case(([1.0],))], helpers=("double",)))
    student = namespace_of('''
        seen = []
        def double_all(xs):
            seen.append(double)
            return [double(x) for x in xs]
    ''')
    hidden.run("99.double_all", student["double_all"])
    assert "double" not in student, "the helper was only there during the call"
    assert student["seen"][0].__module__ == "grader_helpers", "during the call it was the grader's"


def test_not_written_names_the_stub_that_raised():
    from tlukit.checking import call

    student = namespace_of('''
        def mp_neuron(excitatory, inhibitory, theta):
            raise NotImplementedError()

        def identity(a):
            return mp_neuron([a, a], [], 2)
    ''')
    with pytest.raises(CheckFailed, match=r"^mp_neuron is not written yet.*identity\(0\) calls it"):
        call(student["identity"], 0)


# ----------------------------------------------------------------------------- seeds, defaults, in place, rules
def test_a_seeded_case_gives_both_sides_the_same_random_numbers(home):
    home.register(Question("99.noise", home.noise, lambda rng: [Case((5,), seed=int(rng.integers(1000)))
                                                                 for _ in range(3)]))
    student = namespace_of('''
        def noise(n, scale=1.0):
            return np.random.normal(0, scale, size=n)
    ''')
    assert hidden.run("99.noise", student["noise"]) == 3


def test_a_changed_default_loses_and_is_named(home):
    home.register(Question("99.noise", home.noise, lambda rng: [Case((3,), {"scale": 2.0}, seed=1)]))
    student = namespace_of('''
        def noise(n, scale=0.5):
            return scale * np.random.normal(size=n)
    ''')
    with pytest.raises(CheckFailed, match=r"the default of scale in noise is 0.5; the exercise's signature says scale=1.0"):
        hidden.run("99.noise", student["noise"])


def test_changing_an_input_in_place_loses_and_is_named(home):
    home.register(Question("99.double", home.double, lambda rng: [Case((rng.normal(size=4),))]))
    student = namespace_of('''
        def double(x):
            x *= 2
            return x
    ''')
    with pytest.raises(CheckFailed, match=r"changed its argument x in place"):
        hidden.run("99.double", student["double"])


NO_XOR = Rule("build XOR from neurons: the operators ^ and != are not allowed", operators=(ast.BitXor, ast.NotEq))


def test_a_structural_rule_is_enforced_on_the_source(home):
    home.register(Question("99.xor", lambda a, b: int(a != b), lambda rng: [Case((a, b)) for a in (0, 1) for b in (0, 1)],
                           rules=(NO_XOR,), check_defaults=False))

    def xor(a, b):
        return a ^ b

    with pytest.raises(CheckFailed, match="breaks a rule of the exercise: build XOR from neurons"):
        hidden.run("99.xor", xor)

    def xor_by_table(a, b):
        return [[0, 1], [1, 0]][a][b]

    assert hidden.run("99.xor", xor_by_table) == 4
    assert NO_XOR.broken("def f(a, b):\n    return int(a != b)\n")
    assert not NO_XOR.broken("def f(a, b):\n    return (a or b) and not (a and b)\n")


# ----------------------------------------------------------------------------- the value shape
SHAPES = {"X": (None, 10), "W_h": (10, 50), "b_h": (50,)}
SHAPES_MISTAKES = Catalogue("shapes", transposed=Mistake("W_h is (inputs, units): (10, 50), not (50, 10)",
                                                         model=lambda: {**SHAPES, "W_h": (50, 10)}))


def test_a_value_is_compared_and_its_mistake_named(home):
    home.register(Question("99.shapes", SHAPES, shape="value", catalogue=SHAPES_MISTAKES))
    assert hidden.run("99.shapes", {"X": (None, 10), "W_h": [10, 50], "b_h": (50,)}) == 1
    with pytest.raises(CheckFailed, match=r"likely mistake: W_h is \(inputs, units\)"):
        hidden.run("99.shapes", {**SHAPES, "W_h": (50, 10)})
    with pytest.raises(CheckFailed, match=r"still `...`: replace `...` with your answer"):
        hidden.run("99.shapes", ...)


class Liar(np.ndarray):
    """An array that claims to equal everything."""

    def __eq__(self, other):
        return True

    __hash__ = None


def test_an_array_subclass_with_a_lying_eq_does_not_pass(home):
    home.register(Question("99.table", np.array([0, 1, 1, 0]), shape="value"))
    with pytest.raises(CheckFailed):
        hidden.run("99.table", np.array([1, 1, 1, 1]).view(Liar))
    assert hidden.run("99.table", np.array([0, 1, 1, 0]).view(Liar)) == 1  # its data is what counts


# ----------------------------------------------------------------------------- the class shape
ENGINE = textwrap.dedent('''
    import math


    class Value:
        def __init__(self, data, _prev=()):
            self.data, self.grad, self._prev, self._backward = float(data), 0.0, _prev, lambda: None

        def _lift(self, other):
            return other if isinstance(other, Value) else Value(other)

        def __add__(self, other):
            other = self._lift(other)
            out = Value(self.data + other.data, (self, other))
            def backward():
                self.grad ACC out.grad
                other.grad ACC out.grad
            out._backward = backward
            return out

        def __mul__(self, other):
            other = self._lift(other)
            out = Value(self.data * other.data, (self, other))
            def backward():
                self.grad ACC other.data * out.grad
                other.grad ACC self.data * out.grad
            out._backward = backward
            return out

        __radd__, __rmul__ = __add__, __mul__

        def __neg__(self):
            return self * -1

        def __sub__(self, other):
            return self + (-self._lift(other))

        def __pow__(self, k):
            out = Value(self.data ** k, (self,))
            def backward():
                self.grad ACC k * self.data ** (k - 1) * out.grad
            out._backward = backward
            return out

        def _unary(self, value, local):
            out = Value(value, (self,))
            def backward():
                self.grad ACC local(out.data) * out.grad
            out._backward = backward
            return out

        def exp(self):
            return self._unary(math.exp(self.data), lambda e: e)

        def log(self):
            return self._unary(math.log(self.data), lambda _: 1 / self.data)

        def tanh(self):
            return self._unary(math.tanh(self.data), lambda t: 1 - t * t)

        def relu(self):
            return self._unary(max(0.0, self.data), lambda r: float(r > 0))

        def sigmoid(self):
            return self._unary(1 / (1 + math.exp(-self.data)), lambda s: s * (1 - s))

        def backward(self):
            order, seen = [], set()
            def visit(v):
                if id(v) not in seen:
                    seen.add(id(v))
                    for child in v._prev:
                        visit(child)
                    order.append(v)
            visit(self)
            self.grad = 1.0
            for v in reversed(order):
                v._backward()
''')


def engine(acc: str = "+=") -> type:
    return namespace_of(ENGINE.replace("ACC", acc))["Value"]


def programs(rng) -> list[Case]:
    """Random expressions over all the operations, each with a node used twice."""
    cases = []
    for _ in range(4):
        steps = [("leaf", float(rng.uniform(0.5, 2))), ("leaf", float(rng.uniform(-2, -0.5))), ("mul", 0, 1),
                 ("add", 2, 0), ("tanh", 3), ("exp", 0), ("log", 5), ("sigmoid", 1), ("relu", 0), ("pow", 0, 3),
                 ("mul", 4, 4), ("add", 10, 6), ("add", 11, 7), ("add", 12, 8), ("sub", 13, 9),
                 ("rmul_const", 14, 3.0), ("add_const", 15, 1.0), ("neg", 16), ("backward", 17)]
        cases.append(Case((steps,)))
    return cases


def test_a_class_is_driven_by_random_programs(home):
    home.register(Question("99.Value", engine(), programs, shape="class", drive="scalar_program"))
    assert hidden.run("99.Value", engine()) == 4


def test_a_class_that_assigns_gradients_instead_of_accumulating_loses(home):
    home.register(Question("99.Value", engine(), programs, shape="class", drive="scalar_program",
                           catalogue=Catalogue("Value", assign=Mistake("gradients are assigned with = instead of "
                                                                       "accumulated with +=")),
                           models={"assign": engine("=")}))
    with pytest.raises(CheckFailed, match="likely mistake: gradients are assigned with = instead of accumulated"):
        hidden.run("99.Value", engine("="))


def test_a_class_whose_gradients_lie_loses(home):
    home.register(Question("99.Value", engine(), programs, shape="class", drive="scalar_program"))
    Honest = engine()

    class Liar(Honest):
        grad = property(lambda self: 0.5, lambda self, value: None)

    with pytest.raises(CheckFailed, match="grad"):
        hidden.run("99.Value", Liar)


def test_a_stub_class_names_the_method_not_written(home):
    home.register(Question("99.Value", engine(), programs, shape="class", drive="scalar_program"))
    Stub = namespace_of(ENGINE.replace("ACC", "+=").replace(
        "    def tanh(self):\n", "    def tanh(self):\n        raise NotImplementedError()\n"))["Value"]
    with pytest.raises(CheckFailed, match="^hidden test 99.Value: tanh is not written yet"):
        hidden.run("99.Value", Stub)


# ----------------------------------------------------------------------------- the criterion shape
def _loss(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))


def _data(rng):
    X = rng.normal(size=(200, 2))
    X_test = rng.normal(size=(100, 2))
    w = np.array([2.0, -3.0])
    return Case((X, (X @ w > 0).astype(float)), secret=(X_test, (X_test @ w > 0).astype(float)))


def _criterion(answer, case):
    """Recomputed from the returned weights on the grader's data, never from what the answer reports."""
    w = np.asarray(answer, dtype=float)
    if w.shape != (2,):
        return f"expected 2 weights, got shape {w.shape}"
    X_test, y_test = case.secret
    accuracy = float(np.mean((X_test @ w > 0) == y_test))
    if _loss(w, *case.args) > 0.3 or accuracy < 0.9:
        return f"training loss {_loss(w, *case.args):.3f} (must be ≤ 0.3), held-out accuracy {accuracy:.2f} (≥ 0.9)"
    return None


def test_a_criterion_is_met_by_training_and_not_by_a_constant(home):
    home.register(Question("99.train", None, lambda rng: [_data(rng) for _ in range(2)], criterion=_criterion,
                           check_defaults=False))

    def train(X, y, eta=0.5, epochs=300):
        w = np.zeros(X.shape[1])
        for _ in range(epochs):
            p = 1 / (1 + np.exp(-(X @ w)))
            w -= eta * X.T @ (p - y) / len(y)
        return w

    assert hidden.run("99.train", train) == 2
    with pytest.raises(CheckFailed, match="does not meet the exercise's criterion"):
        hidden.run("99.train", lambda X, y: np.array([1.0, -1.0]))


# ----------------------------------------------------------------------------- self-checks in a notebook
def test_a_failed_self_check_prints_instead_of_raising_when_a_person_runs_the_notebook(monkeypatch, capsys):
    @checks.exercise("double", hint="multiply by two")
    def check_double(fn):
        from tlukit.checking import call, expect
        expect(call(fn, 2), 4, call="double(2)")
        return 1

    def stub(x):
        raise NotImplementedError()

    monkeypatch.setattr(checks, "strict", lambda: False)
    check_double(stub)  # Run All goes on
    assert "stub is not written yet" in capsys.readouterr().out
    monkeypatch.setattr(checks, "strict", lambda: True)  # nbgrader's Validate, the grader, plain Python
    with pytest.raises(CheckFailed, match="stub is not written yet"):
        check_double(stub)


def test_checks_are_strict_under_nbgrader_and_the_grader(monkeypatch):
    for name in ("NBGRADER_EXECUTION", "TLUKIT_GRADING", "TLUKIT_STRICT"):
        monkeypatch.delenv(name, raising=False)
    assert checks.strict()  # plain Python: no IPython shell
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert checks.strict()


def test_a_value_still_ellipsis_is_not_written_in_the_self_check():
    @checks.exercise("shapes", hint="")
    def check_shapes(value):
        return 1

    with pytest.raises(CheckFailed, match="not written yet: replace `...`"):
        check_shapes(...)


def test_a_rule_is_enforced_on_code_without_source_too(home):
    home.register(Question("99.xor", lambda a, b: int(a != b), lambda rng: [Case((a, b)) for a in (0, 1) for b in (0, 1)],
                           rules=(NO_XOR,), check_defaults=False))
    student = namespace_of('''
        def xor(a, b):
            return int(a != b)
    ''')
    with pytest.raises(CheckFailed, match="breaks a rule of the exercise"):
        hidden.run("99.xor", student["xor"])


def test_a_numerical_warning_fails_an_exercise_about_stability(home):
    def sigmoid(z):
        z = np.asarray(z, dtype=float)
        return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))

    home.register(Question("99.sigmoid", sigmoid, lambda rng: [Case((np.array([-1000.0, 0.0, 1000.0]),))],
                           no_warnings=True))
    assert hidden.run("99.sigmoid", sigmoid) == 1
    with pytest.raises(CheckFailed, match="warned RuntimeWarning: overflow encountered in exp"):
        hidden.run("99.sigmoid", lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))))


def test_forged_defaults_are_refused_without_stopping_the_judge(home):
    import json

    q = home.register(Question("99.noise", home.noise, lambda rng: [Case((3,), seed=1)]))
    cases, _ = hidden.request(q, 1)
    for forged in ([1, 2], "scale", {"$items": [[1, 2]]}):
        result = json.dumps({"results": [{"value": 0}], "defaults": forged})
        verdict = hidden.judge(q, cases, result, 1, "noise")
        assert not verdict.passed and verdict.status == "unreadable", verdict.message


# ----------------------------------------------------------------------------- a function the grader uses
def saved_twice(save, values):
    """A driver: hand the answer a list to fill, as a lesson's driver hands it a model and a path."""
    store: list = []
    save(store, values)
    save(store, values)
    return {"stored": np.asarray(store, dtype=float)}


def test_a_function_is_used_by_a_driver_and_graded_by_what_it_did(home, monkeypatch):
    monkeypatch.setitem(__import__("tlukit.probe").probe.DRIVERS, "saved_twice", saved_twice)

    def save(store, values):
        store.extend(values)

    def overwrite(store, values):  # keeps only the last call's values
        store[:] = list(values)

    home.register(Question("99.save", save, lambda rng: [Case(([1.0, 2.0],)), Case(([3.0],))], drive="saved_twice",
                           catalogue=Catalogue("save", overwrite=Mistake("the store is overwritten, not extended",
                                                                         model=overwrite))))
    assert hidden.run("99.save", save) == 2
    with pytest.raises(CheckFailed, match="the store is overwritten, not extended"):
        hidden.run("99.save", overwrite)


def test_a_driver_or_observer_named_in_a_lessons_checks_module_is_found():
    from tlukit import probe
    from tlukit.checks import lesson01

    name = next(n for n, v in vars(lesson01).items() if callable(v) and not n.startswith("_"))
    assert probe.named(f"lesson01:{name}", {}) is getattr(lesson01, name)
    for bad in ("os:system", "lesson01:", "../lesson01:x", "lesson1:x"):
        with pytest.raises(ValueError):
            probe.named(bad, {})
    with pytest.raises(ValueError, match="drive="):
        Question("99.C", object, shape="class")
