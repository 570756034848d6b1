"""The instructor's side of lesson 04, "Backpropagation by hand".

One home for everything the instructor keeps secret about this lesson: the reference answers
(first), then the hidden tests: the inputs each draws (random scalar programs for ``Value``,
random data for the neuron), and the wrong implementations that name a mistake (small
variants of the reference, kept here because they would give the answer away).

The reference ``Value`` is written so that each local-derivative rule is one small method
(``_d_mul``, ``_d_tanh``, ...) and each way of passing a gradient on is one method
(``_send``): a known mistake is a subclass that overrides exactly one of them.
"""
from __future__ import annotations

import math

import numpy as np

from autograder.hidden import Case, Question
from tlukit import wire
from tlukit.checking import difference
from tlukit.checks import lesson04 as check
from tlukit.probe import scalar_program

HELPER_PRELUDE = "import numpy as np"


# ============================================================================= reference answers

# ----------------------------------------------------------------------------- J = 3(a·b + c)
J_by_hand = {"u": 15, "v": 17, "J": 51, "dJ/dv": 3, "dJ/du": 3, "dJ/dc": 3, "dJ/da": 9, "dJ/db": 15}
"""a = 5, b = 3, c = 2: u = a·b = 15, v = u + c = 17, J = 3v = 51; dJ/dv = 3, dJ/du = dJ/dc = 3·1,
dJ/da = 3·b = 9, dJ/db = 3·a = 15."""


def forward_backward(a, b, c):
    """Forward then backward through u = a·b, v = u + c, J = 3v.

    Returns ``(values, grads)``: ``values = {"u", "v", "J"}``, ``grads = {"v", "u", "c", "a", "b"}``
    (each dJ/d·), computed node by node from J back to the inputs.
    """
    u = a * b
    v = u + c
    J = 3 * v
    dJ_dv = 3.0                 # J = 3v
    dJ_du = dJ_dv * 1.0         # v = u + c: dv/du = 1
    dJ_dc = dJ_dv * 1.0         # dv/dc = 1
    dJ_da = dJ_du * b           # u = a·b: du/da = b
    dJ_db = dJ_du * a           # du/db = a
    return {"u": u, "v": v, "J": J}, {"v": dJ_dv, "u": dJ_du, "c": dJ_dc, "a": dJ_da, "b": dJ_db}


# ----------------------------------------------------------------------------- a scalar autodiff engine
class Value:
    """A scalar that remembers how it was computed, for reverse-mode automatic differentiation."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # The pieces a known mistake replaces -----------------------------------------------------
    @staticmethod
    def _send(node, amount):
        """Pass ``amount`` (a local derivative times out.grad) on to ``node``: contributions add up."""
        node.grad += amount

    @staticmethod
    def _d_mul(a, b):
        return b, a                      # d(ab)/da = b, d(ab)/db = a

    @staticmethod
    def _d_pow(x, k):
        return k * x ** (k - 1)

    @staticmethod
    def _d_exp(x, out):
        return out                       # (eˣ)' = eˣ, the output

    @staticmethod
    def _d_log(x, out):
        return 1.0 / x

    @staticmethod
    def _d_tanh(x, out):
        return 1.0 - out ** 2

    @staticmethod
    def _d_relu(x, out):
        return 1.0 if x > 0 else 0.0

    @staticmethod
    def _d_sigmoid(x, out):
        return out * (1.0 - out)

    def _order(self):
        """Every node of the graph, each after all the nodes it is computed from (topological order)."""
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for child in node._prev:
                    visit(child)
                order.append(node)
        visit(self)
        return order

    # The operations --------------------------------------------------------------------------
    def _lift(self, other):
        return other if isinstance(other, Value) else type(self)(other)

    def _unary(self, data, op, derivative):
        out = type(self)(data, (self,), op)

        def _backward():
            out._send(self, derivative(self.data, out.data) * out.grad)
        out._backward = _backward
        return out

    def __add__(self, other):
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            out._send(self, out.grad)
            out._send(other, out.grad)
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            da, db = out._d_mul(self.data, other.data)
            out._send(self, da * out.grad)
            out._send(other, db * out.grad)
        out._backward = _backward
        return out

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def __pow__(self, k):
        return self._unary(self.data ** k, f"**{k}", lambda x, out: self._d_pow(x, k))

    def exp(self):
        return self._unary(math.exp(self.data), "exp", self._d_exp)

    def log(self):
        return self._unary(math.log(self.data), "log", self._d_log)

    def tanh(self):
        return self._unary(math.tanh(self.data), "tanh", self._d_tanh)

    def relu(self):
        return self._unary(max(0.0, self.data), "relu", self._d_relu)

    def sigmoid(self):
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return self._unary(s, "sigmoid", self._d_sigmoid)

    def backward(self):
        """Fill in d(self)/d(node) in every node's grad: seed 1, then each node's rule, output first."""
        order = self._order()
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


# ----------------------------------------------------------------------------- the sigmoid neuron
def sigmoid(z):
    """The logistic function σ(z) = 1 / (1 + e^(−z)), element-wise, without overflow."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))                 # never overflows: -|z| <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def neuron_forward(X, w, b):
    """φ = σ(Xw + b) for a batch: X (m, n), w (n,), b a number; returns (m,)."""
    return sigmoid(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b)


def bce_loss(phi, y, eps=1e-7):
    """Mean binary cross-entropy −[y log φ + (1 − y) log(1 − φ)], φ clipped to [eps, 1 − eps]."""
    phi = np.clip(np.asarray(phi, dtype=float), eps, 1 - eps)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(phi) + (1 - y) * np.log(1 - phi)))


def neuron_gradients(X, y, w, b):
    """Gradient of the mean cross-entropy of φ = σ(Xw + b): dL/dw = Xᵀ(φ − y)/m, dL/db = mean(φ − y)."""
    X = np.asarray(X, dtype=float)
    error = neuron_forward(X, w, b) - np.asarray(y, dtype=float)   # dL/dz for each instance
    m = len(X)
    return X.T @ error / m, float(np.mean(error))


def numerical_gradients(X, y, w, b, h=1e-5):
    """Central differences of L(w, b) = bce_loss(neuron_forward(X, w, b), y); returns (dw, db)."""
    w = np.array(w, dtype=float)          # a copy: the caller's array is never touched

    def loss(w_, b_):
        return bce_loss(neuron_forward(X, w_, b_), y)

    dw = np.zeros_like(w)
    for i in range(w.size):
        saved = w[i]
        w[i] = saved + h
        plus = loss(w, b)
        w[i] = saved - h
        minus = loss(w, b)
        w[i] = saved
        dw[i] = (plus - minus) / (2 * h)
    db = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    return dw, float(db)


def relative_error(g, g_hat, eps=1e-12):
    """The largest entry of |g − ĝ| / max(|g| + |ĝ|, eps): 0 when they agree, 1 when they have nothing in common."""
    g, g_hat = np.asarray(g, dtype=float), np.asarray(g_hat, dtype=float)
    return float(np.max(np.abs(g - g_hat) / np.maximum(np.abs(g) + np.abs(g_hat), eps)))


def train_neuron(X, y, eta=0.5, epochs=1000):
    """Batch gradient descent on the mean cross-entropy, from w = 0 and b = 0.

    Returns ``(w, b, losses)``, ``losses[e]`` being the loss at the start of epoch e (before its step).
    """
    X = np.asarray(X, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        losses.append(bce_loss(neuron_forward(X, w, b), y))
        dw, db = neuron_gradients(X, y, w, b)
        w, b = w - eta * dw, b - eta * db
    return w, b, losses


# ============================================================================= hidden tests

# ----------------------------------------------------------------------------- forward_backward
def _fb_precedence(a, b, c):
    """J read as 3·a·b + c: v = 3u, J = v + c."""
    return {"u": a * b, "v": 3 * a * b, "J": 3 * a * b + c}, {"v": 1.0, "u": 3.0, "c": 1.0, "a": 3 * b, "b": 3 * a}


def _fb_cases(rng):
    cases = [Case((float(a), float(b), float(c))) for a, b, c in rng.normal(scale=3, size=(4, 3))]
    cases.append(Case(tuple(int(v) for v in rng.integers(-9, 10, size=3))))
    cases.append(Case((5, 3, 2)))
    return cases


# ----------------------------------------------------------------------------- Value: known mistakes
class _Assign(Value):
    @staticmethod
    def _send(node, amount):
        node.grad = amount


class _NoTopo(Value):
    def backward(self):
        self.grad = 1.0

        def visit(node):
            node._backward()
            for child in node._prev:
                visit(child)
        visit(self)


class _LeavesFirst(Value):
    def backward(self):
        self.grad = 1.0
        for node in self._order():      # not reversed
            node._backward()


class _NoSeed(Value):
    def backward(self):
        for node in reversed(self._order()):   # self.grad is left at 0
            node._backward()


class _SubSign(Value):
    def __sub__(self, other):          # its own node, passing +out.grad on to both operands
        other = self._lift(other)
        out = type(self)(self.data - other.data, (self, other), "-")

        def _backward():
            out._send(self, out.grad)
            out._send(other, out.grad)
        out._backward = _backward
        return out


def _rule(name, fn):
    return type(f"_Wrong_{name}", (Value,), {name: staticmethod(fn)})


VALUE_MODELS = {
    "assign": _Assign,
    "no_topo": _NoTopo,
    "leaves_first": _LeavesFirst,
    "no_seed": _NoSeed,
    "mul_swapped": _rule("_d_mul", lambda a, b: (a, b)),
    "sub_sign": _SubSign,
    "pow_no_k": _rule("_d_pow", lambda x, k: x ** (k - 1)),
    "pow_k_x_k": _rule("_d_pow", lambda x, k: k * x ** k),
    "exp_x": _rule("_d_exp", lambda x, out: x),
    "exp_one": _rule("_d_exp", lambda x, out: 1.0),
    "log_out": _rule("_d_log", lambda x, out: 1.0 / out),
    "tanh_t": _rule("_d_tanh", lambda x, out: out),
    "sigmoid_s": _rule("_d_sigmoid", lambda x, out: out),
    "relu_mask": _rule("_d_relu", lambda x, out: 1.0 if x < 0 else 0.0),
    "relu_value": _rule("_d_relu", lambda x, out: out),
}


# ----------------------------------------------------------------------------- Value: random programs
ARITHMETIC = ("add", "mul", "sub", "neg", "add_const", "mul_const", "radd_const", "rmul_const", "pow")
FUNCTIONS = ("exp", "log", "tanh", "relu", "sigmoid")
CONSTANTS = (-2.0, -1.5, -0.5, 0.5, 2.0, 3.0)
EXPONENTS = (2, 3, -1, 0.5, 1.5, -0.5)


def _allowed(step, values) -> bool:
    """Whether ``step`` keeps every value finite and every derivative well away from a kink or a pole."""
    op, *rest = step
    x = values[rest[0]]
    if op == "log":
        return x > 0.2
    if op == "exp":
        return x < 2.5
    if op == "relu":
        return abs(x) > 0.05
    if op == "pow":
        k = rest[1]
        return 0.2 < x < 4 if (k < 0 or k != int(k)) else abs(x) < 3
    return True


def _values(program) -> list[float]:
    """The forward value of every node of ``program`` (no backward step)."""
    return list(scalar_program(Value, [s for s in program if s[0] != "backward"])["data"])


def _program(rng, ops, required=(), n_steps=(7, 12)):
    """A random program for :func:`tlukit.probe.scalar_program` with shared nodes, ending with backward.

    Every program has a node used twice by one step (x·x) and a node used by two different
    steps: the `=` instead of `+=` mistake shows only there. Values stay finite and away from
    the kinks and poles (relu at 0, log and negative powers near 0).
    """
    while True:
        program = [("leaf", float(np.round(rng.choice([-1, 1]) * rng.uniform(0.3, 2.0), 3)))
                   for _ in range(int(rng.integers(2, 5)))]
        i = int(rng.integers(len(program)))
        program += [("mul", 0, 1), ("mul", i, i), ("add", i, int(rng.integers(len(program))))]
        wanted = list(required) + [str(o) for o in rng.choice(ops, size=int(rng.integers(*n_steps)))]
        rng.shuffle(wanted)
        for op in wanted:
            values = _values(program)
            n = len(program)
            for _ in range(30):                      # find operands that keep the values tame
                pick = [int(rng.integers(max(0, n - 4), n)) if rng.random() < 0.6 else int(rng.integers(n))
                        for _ in range(2)]
                if op in ("add", "mul", "sub"):
                    step = (op, pick[0], pick[1])
                elif op in ("add_const", "mul_const", "radd_const", "rmul_const"):
                    step = (op, pick[0], float(rng.choice(CONSTANTS)))
                elif op == "pow":
                    step = (op, pick[0], EXPONENTS[int(rng.integers(len(EXPONENTS)))])
                else:
                    step = (op, pick[0])
                if _allowed(step, values):
                    new = _values(program + [step])[-1]
                    if math.isfinite(new) and abs(new) < 30:
                        program.append(step)
                        break
        if not set(required) <= {step[0] for step in program}:
            continue
        # every node that nothing uses yet flows into the output, so that every node gets a gradient
        used = {j for step in program for j in check.operands(step)}
        loose = [k for k in range(len(program)) if k not in used]
        root = loose[0]
        for k in loose[1:]:
            program.append(("add", root, k))
            root = len(program) - 1
        program.append(("backward", root))
        result = scalar_program(Value, program)
        if np.all(np.abs(result["data"]) < 1e3) and np.all(np.abs(result["grad"]) < 1e4):
            return program


def _arithmetic_cases(rng):
    required = [("radd_const", "rmul_const", "sub", "pow", "neg", "mul_const")] + [()] * 4
    return [Case((_program(rng, ARITHMETIC, required=r),)) for r in required]


def _functions_cases(rng):
    """Programs with every function, and only +, * and - besides (no **, no number on the left)."""
    return [Case((_program(rng, ARITHMETIC[:3] + FUNCTIONS * 2, required=FUNCTIONS + ("sub",)),)) for _ in range(5)]


class ProgramQuestion(Question):
    """A class question on scalar programs: a failure names the first node backward gets wrong."""

    def differ(self, got, want, case):
        return check.program_difference(case.args[0], got, want, rtol=self.rtol, atol=self.atol)


# ----------------------------------------------------------------------------- sigmoid
def _sigmoid_cases(rng):
    return [Case((rng.normal(scale=4, size=int(rng.integers(5, 12))),)),
            Case((rng.normal(scale=3, size=(3, 4)),)),
            Case((np.array([-800.0, -40.0, 0.0, 40.0, 800.0]),)),
            Case((float(rng.normal()),)), Case((0,))]


def _quiet(fn):
    """``fn`` without NumPy's overflow and division warnings (a wrong formula may overflow)."""
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


SIGMOID_MODELS = {
    "heaviside": lambda z: (np.asarray(z) >= 0).astype(float),
    "tanh": lambda z: np.tanh(z),
    "no_one": _quiet(lambda z: np.exp(z)),
    "overflow_nan": _quiet(lambda z: np.exp(z) / (1 + np.exp(z))),
}


# ----------------------------------------------------------------------------- the neuron
def _neuron_data(rng, m=None, n=None):
    m = m or int(rng.integers(5, 15))
    n = n or int(rng.integers(2, 5))
    X = rng.normal(size=(m, n))
    w = rng.normal(size=n)
    b = float(rng.normal())
    y = (rng.random(m) < sigmoid(X @ w + b)).astype(float)
    return X, y, w, b


def _forward_cases(rng):
    s = int(rng.integers(2, 5))      # square X first: a transposed product runs but gives other values
    cases = [Case((rng.normal(size=(s, s)), rng.normal(size=s), float(rng.normal())))]
    for _ in range(4):
        X, y, w, b = _neuron_data(rng)
        cases.append(Case((X, w, b)))
    return cases


FORWARD_MODELS = {
    "no_bias": lambda X, w, b: sigmoid(np.asarray(X) @ w),
    "no_sigmoid": lambda X, w, b: np.asarray(X) @ w + b,
    "bias_subtracted": lambda X, w, b: sigmoid(np.asarray(X) @ w - b),
    "transposed": lambda X, w, b: sigmoid(np.asarray(X).T @ w + b),
}


def _loss_cases(rng):
    cases = []
    for _ in range(3):
        m = int(rng.integers(4, 12))
        cases.append(Case((rng.uniform(0.02, 0.98, size=m), rng.integers(0, 2, size=m).astype(float))))
    cases.append(Case((np.array([0.0, 1.0, 0.3, 1.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0, 1.0]))))  # clipping
    cases.append(Case((np.array([0.9, 0.2, 0.6]), np.array([1, 0, 1])), {"eps": 1e-3}))
    return cases


def _bce(phi, y, eps=1e-7, *, clip=True, first_term_only=False):
    phi, y = np.asarray(phi, dtype=float), np.asarray(y, dtype=float)
    if clip:
        phi = np.clip(phi, eps, 1 - eps)
    with np.errstate(all="ignore"):
        terms = y * np.log(phi) + (0 if first_term_only else (1 - y) * np.log(1 - phi))
    return float(-np.mean(terms))


LOSS_MODELS = {
    "no_clip": lambda phi, y, eps=1e-7: _bce(phi, y, eps, clip=False),
    "first_term_only": lambda phi, y, eps=1e-7: _bce(phi, y, eps, first_term_only=True),
}


def _gradient_cases(rng):
    cases = []
    for _ in range(4):
        X, y, w, b = _neuron_data(rng)
        cases.append(Case((X, y, w, b)))
    X, y, w, b = _neuron_data(rng, m=3, n=3)          # square X
    cases.append(Case((X, y.astype(int), w, b)))
    return cases


def _neuron_grad(X, y, w, b, *, sigma_prime=False, wrong_axis=False, vector_db=False):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    phi = sigmoid(X @ w + b)
    error = phi - y
    if sigma_prime:
        error = error * phi * (1 - phi)
    dw = np.mean(X * error[:, None], axis=1) if wrong_axis else X.T @ error / len(X)
    db = error / len(X) if vector_db else float(np.mean(error))
    return dw, db


GRADIENT_MODELS = {
    "sigma_prime": lambda X, y, w, b: _neuron_grad(X, y, w, b, sigma_prime=True),
    "wrong_axis": lambda X, y, w, b: _neuron_grad(X, y, w, b, wrong_axis=True),
    "vector_db": lambda X, y, w, b: _neuron_grad(X, y, w, b, vector_db=True),
}


# ----------------------------------------------------------------------------- gradient checking
def _numeric_cases(rng):
    cases = []
    for h in (None, 1e-4, 1e-3, 1e-2):
        X, y, w, b = _neuron_data(rng)
        w = w * 2                                     # some curvature, so that a one-sided difference shows
        cases.append(Case((X, y, w, b)) if h is None else Case((X, y, w, b), {"h": h}))
    return cases


def _numeric(X, y, w, b, h=1e-5, *, forward=False, fixed_h=None, together=False):
    h = fixed_h or h
    w = np.array(w, dtype=float)

    def loss(w_, b_):
        return bce_loss(neuron_forward(X, w_, b_), y)

    base = loss(w, b)
    dw = np.zeros_like(w)
    for i in range(w.size):
        step = np.full_like(w, h) if together else np.eye(w.size)[i] * h
        if forward:
            dw[i] = (loss(w + step, b) - base) / h
        else:
            dw[i] = (loss(w + step, b) - loss(w - step, b)) / (2 * h)
    db = (loss(w, b + h) - base) / h if forward else (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    return dw, float(db)


NUMERIC_MODELS = {
    "forward": lambda X, y, w, b, h=1e-5: _numeric(X, y, w, b, h, forward=True),
    "fixed_h": lambda X, y, w, b, h=1e-5: _numeric(X, y, w, b, h, fixed_h=1e-5),
    "together": lambda X, y, w, b, h=1e-5: _numeric(X, y, w, b, h, together=True),
}


def _relative_cases(rng):
    cases = []
    for _ in range(3):
        g = rng.normal(size=int(rng.integers(3, 9)))
        cases.append(Case((g, g + rng.normal(scale=1e-3, size=g.shape) * rng.choice([1, 100], size=g.shape))))
    g = rng.normal(size=5)
    cases.append(Case((g, -g * rng.uniform(0.5, 2, size=5))))          # opposite signs
    cases.append(Case((np.array([0.0, 1.0, -2.0]), np.array([0.0, 1.1, -2.0]))))  # a 0 against a 0
    cases.append(Case((float(rng.normal()), float(rng.normal()))))
    cases.append(Case((np.array([1e-9, 2.0]), np.array([3e-9, 2.0]))))  # tiny entries count too
    return cases


def _relerr(g, g_hat, eps=1e-12, *, denominator=True, absolute=True, reduce=np.max, no_eps=False,
            sum_abs=False, norms=False):
    g, g_hat = np.asarray(g, dtype=float), np.asarray(g_hat, dtype=float)
    with np.errstate(all="ignore"):
        if norms:
            return float(np.linalg.norm(g - g_hat) / max(np.linalg.norm(g) + np.linalg.norm(g_hat), eps))
        top = np.abs(g - g_hat) if absolute else g - g_hat
        if not denominator:
            return float(reduce(top))
        bottom = np.abs(g + g_hat) if sum_abs else np.abs(g) + np.abs(g_hat)
        return float(reduce(top / (bottom if no_eps else np.maximum(bottom, eps))))


RELATIVE_MODELS = {
    "no_denominator": lambda g, g_hat, eps=1e-12: _relerr(g, g_hat, eps, denominator=False),
    "abs_of_sum": lambda g, g_hat, eps=1e-12: _relerr(g, g_hat, eps, sum_abs=True),
    "mean": lambda g, g_hat, eps=1e-12: _relerr(g, g_hat, eps, reduce=np.mean),
    "no_eps": lambda g, g_hat, eps=1e-12: _relerr(g, g_hat, eps, no_eps=True),
    "signed": lambda g, g_hat, eps=1e-12: _relerr(g, g_hat, eps, absolute=False),
    "norms": lambda g, g_hat, eps=1e-12: _relerr(g, g_hat, eps, norms=True),
}


# ----------------------------------------------------------------------------- training (a criterion)
def _blobs(rng, m, n, w, b):
    X = rng.normal(size=(m, n))
    y = (rng.random(m) < sigmoid(X @ w + b)).astype(float)
    return X, y


def _train_cases(rng):
    cases = []
    for kwargs in ({}, {"eta": 0.3, "epochs": 400}, {"eta": 4.0, "epochs": 20}):
        n = int(rng.integers(2, 5))
        w = rng.normal(size=n)
        w *= rng.uniform(2.5, 4.0) / np.linalg.norm(w)          # clear but noisy classes
        b = float(rng.choice([-1, 1]) * rng.uniform(1.0, 2.0))   # a bias that matters
        X, y = _blobs(rng, int(rng.integers(80, 160)), n, w, b)
        X_test, y_test = _blobs(rng, 400, n, w, b)
        cases.append(Case((X, y), kwargs, secret=(X_test, y_test)))
    return cases


def _train(X, y, eta=0.5, epochs=1000, *, sign=1.0, record_after=False, fixed_eta=None, fixed_epochs=None,
           freeze_b=False):
    """The training loop with one mistake switched on."""
    X = np.asarray(X, dtype=float)
    eta, epochs = fixed_eta or eta, fixed_epochs or epochs
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        if not record_after:
            losses.append(bce_loss(neuron_forward(X, w, b), y))
        dw, db = neuron_gradients(X, y, w, b)
        w = w - sign * eta * dw
        if not freeze_b:
            b = b - sign * eta * db
        if record_after:
            losses.append(bce_loss(neuron_forward(X, w, b), y))
    return w, b, losses


TRAIN_MODELS = {
    "ascent": lambda X, y, eta=0.5, epochs=1000: _train(X, y, eta, epochs, sign=-1.0),
    "loss_after_step": lambda X, y, eta=0.5, epochs=1000: _train(X, y, eta, epochs, record_after=True),
    "ignores_eta": lambda X, y, eta=0.5, epochs=1000: _train(X, y, eta, epochs, fixed_eta=0.5),
    "ignores_epochs": lambda X, y, eta=0.5, epochs=1000: _train(X, y, eta, epochs, fixed_epochs=1000),
    "bias_frozen": lambda X, y, eta=0.5, epochs=1000: _train(X, y, eta, epochs, freeze_b=True),
}


def train_criterion(answer, case: Case) -> str | None:
    """Met when the returned w and b fit the grader's data as well as gradient descent does.

    The criterion is :func:`tlukit.checks.lesson04.training_reason`, the one the self-check applies
    to its own data: here ``best`` and ``target`` come from the reference on the grader's data, and
    the accuracy is measured on held-out data (``case.secret``) whose labels the answer never saw.
    When a known mistake reproduces the answer exactly on this case, the reason names it.
    """
    X, y = case.args
    eta, epochs = case.kwargs.get("eta", 0.5), case.kwargs.get("epochs", 1000)
    right = train_neuron(X, y, eta, epochs)
    w_ref, b_ref, _ = right
    reason = check.training_reason(answer, X, y, eta, epochs, best=check.training_loss(X, y, w_ref, b_ref),
                                   held_out=case.secret, target=check.training_accuracy(*case.secret, w_ref, b_ref))
    if reason is None:
        return None
    for mistake in check.TRAIN_NEURON:
        try:
            out = wire.decode(wire.encode(TRAIN_MODELS[mistake.key](*case.args, **case.kwargs)))
            if difference(out, right) is None:
                continue  # on this case the mistake changes nothing (eta or epochs at their defaults)
            if difference(answer, out) is None:
                return f"{reason}\nlikely mistake: {mistake.message}"
        except Exception:  # noqa: BLE001 - a model that cannot run names nothing
            continue
    return reason


# ============================================================================= the questions
QUESTIONS = [
    Question(qid="04.J_by_hand", reference=J_by_hand, shape="value", catalogue=check.J_BY_HAND),
    Question(qid="04.forward_backward", reference=forward_backward, cases=_fb_cases,
             catalogue=check.FORWARD_BACKWARD,
             models={"precedence": _fb_precedence}),
    ProgramQuestion(qid="04.Value", reference=Value, shape="class", drive="scalar_program",
                    cases=_arithmetic_cases, catalogue=check.VALUE, models=VALUE_MODELS),
    Question(qid="04.sigmoid", reference=sigmoid, cases=_sigmoid_cases, catalogue=check.SIGMOID,
             models=SIGMOID_MODELS),
    Question(qid="04.neuron_forward", reference=neuron_forward, cases=_forward_cases, catalogue=check.NEURON_FORWARD,
             models=FORWARD_MODELS, helpers=("sigmoid",)),
    Question(qid="04.bce_loss", reference=bce_loss, cases=_loss_cases, catalogue=check.BCE_LOSS, models=LOSS_MODELS),
    Question(qid="04.neuron_gradients", reference=neuron_gradients, cases=_gradient_cases,
             catalogue=check.NEURON_GRADIENTS, models=GRADIENT_MODELS, helpers=("sigmoid", "neuron_forward")),
    Question(qid="04.numerical_gradients", reference=numerical_gradients, cases=_numeric_cases, rtol=1e-7, atol=1e-10,
             catalogue=check.NUMERICAL_GRADIENTS, models=NUMERIC_MODELS,
             helpers=("sigmoid", "neuron_forward", "bce_loss")),
    Question(qid="04.relative_error", reference=relative_error, cases=_relative_cases,
             catalogue=check.RELATIVE_ERROR, models=RELATIVE_MODELS),
    Question(qid="04.train_neuron", reference=train_neuron, cases=_train_cases, criterion=train_criterion,
             catalogue=check.TRAIN_NEURON, models=TRAIN_MODELS,
             helpers=("sigmoid", "neuron_forward", "bce_loss", "neuron_gradients")),
    # the second test of the same class (exp, log, tanh, relu, sigmoid); last, since its name is not the answer's
    ProgramQuestion(qid="04.Value_functions", reference=Value, shape="class", drive="scalar_program",
                    cases=_functions_cases, catalogue=check.VALUE_FUNCTIONS, models=VALUE_MODELS),
]
