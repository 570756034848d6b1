"""Catalogues of the mistakes students really make, each written once.

Every auto-graded exercise has a :class:`Catalogue`. The visible self-check (on the fixed
inputs of :mod:`tlukit.checks`) and the instructor's hidden test (on inputs the grader draws)
both use it, so a mistake is described in one place and named the same way on both sides::

    SIGMOID_PRIME = Catalogue(
        "sigmoid_prime",
        returned_sigmoid=Mistake("you returned σ(z) itself: σ′(z) = σ(z)(1 − σ(z))",
                                 model=lambda z: 1 / (1 + np.exp(-z))),
        squared=Mistake("σ(z)² is not the derivative: σ′(z) = σ(z)(1 − σ(z))",
                        model=lambda z: (1 / (1 + np.exp(-z))) ** 2),
    )

A mistake's *model* is a wrong implementation with the exercise's signature. A model that would
give the answer away (a training loop that is right once one switch is off, say) is kept by
the instructor instead (``models=`` of the hidden test, keyed like the catalogue) and the
catalogue holds only its message. ``relative=True`` models take the right answer first,
``model(expected, *args, **kwargs)``, for mistakes that are a transformation of it (a
transposed matrix, a sign flipped, a missing factor 1/m): they name the mistake without holding
the answer.

A :class:`Rule` is a structural rule an exercise states ("XOR from neurons, without ``^``"),
checked on the source of the student's function by both sides.
"""
from __future__ import annotations

import ast
import dis
import gc
import inspect
import textwrap
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator


def parse(source: str) -> ast.Module:
    """``ast.parse(source)`` with the garbage collector paused while it builds the tree.

    A collection in the middle of ``ast.parse`` can run a finalizer that parses too: asyncio
    logging a task's "exception was never retrieved" formats a traceback, and Python 3.11's
    traceback parses source lines. CPython 3.11 then fails the outer parse with ``SystemError:
    AST constructor recursion depth mismatch`` (the counter is shared; CPython gh-106905). The
    grader parses source while nbclient's tasks are being collected, so every parse of the
    kit goes through here.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source)
    finally:
        if paused:
            gc.enable()

@dataclass(frozen=True)
class Mistake:
    message: str
    """What was done, and what to do instead."""
    model: Callable | None = None
    """A wrong implementation with the exercise's signature (None: the instructor keeps it)."""
    relative: bool = False
    """The model is called as ``model(expected, *args, **kwargs)``."""
    key: str = ""

    def output(self, args: tuple = (), kwargs: dict | None = None, expected: Any = None,
               models: dict[str, Callable] | None = None) -> Any:
        """What this mistake returns on the given input (``LookupError`` when nobody models it)."""
        model = (models or {}).get(self.key, self.model)
        if model is None:
            raise LookupError(self.key)
        if self.relative:
            return model(expected, *args, **(kwargs or {}))
        return model(*args, **(kwargs or {}))


class Catalogue:
    """The known mistakes of one exercise, in the order they are tried (first match names it)."""

    def __init__(self, exercise: str, **mistakes: Mistake):
        self.exercise = exercise
        self._mistakes = {key: replace(m, key=key) for key, m in mistakes.items()}

    def __getattr__(self, key: str) -> Mistake:
        try:
            return self.__dict__["_mistakes"][key]
        except KeyError:
            raise AttributeError(f"the catalogue of {self.__dict__.get('exercise')} has no mistake {key!r}") from None

    def __iter__(self) -> Iterator[Mistake]:
        return iter(self._mistakes.values())

    def __len__(self) -> int:
        return len(self._mistakes)

    def __contains__(self, key: str) -> bool:
        return key in self._mistakes

    def keys(self) -> list[str]:
        return list(self._mistakes)

    def explain(self, answers: Iterable[Any], inputs: Iterable[tuple[tuple, dict, Any]],
                same: Callable[[Any, Any], bool], models: dict[str, Callable] | None = None) -> Mistake | None:
        """The first mistake whose output equals every answer.

        ``inputs`` holds ``(args, kwargs, expected)`` for each answer; ``same(answer, wrong)``
        says whether two outputs agree. A model that raises on an input does not explain it.
        """
        answers, inputs = list(answers), list(inputs)
        for mistake in self:
            try:
                if answers and all(same(got, mistake.output(a, k, want, models))
                                   for got, (a, k, want) in zip(answers, inputs)):
                    return mistake
            except Exception:  # noqa: BLE001 - a model that cannot run on this input explains nothing
                continue
        return None

    def __repr__(self) -> str:
        return f"<catalogue of {self.exercise}: {', '.join(self._mistakes)}>"


@dataclass(frozen=True)
class Rule:
    """A structural rule on the source of the student's function."""

    message: str
    """Shown when the rule is broken: what is not allowed, and what to do instead."""
    operators: tuple[type, ...] = ()
    """AST operator classes that must not appear (``ast.BitXor`` for ``^``)."""
    names: tuple[str, ...] = ()
    """Names or attributes that must not be used (``"logical_xor"``)."""
    must_call: tuple[str, ...] = field(default_factory=tuple)
    """Functions the answer must call (``"mp_neuron"``)."""

    def broken(self, source: str) -> bool:
        """True when ``source`` (a function's code) breaks the rule; False when it cannot be parsed."""
        try:
            tree = parse(textwrap.dedent(source))
        except SyntaxError:
            return False
        called = set()
        for node in ast.walk(tree):
            if self.operators and isinstance(node, (ast.BinOp, ast.BoolOp, ast.UnaryOp, ast.Compare, ast.AugAssign)):
                ops = node.ops if isinstance(node, ast.Compare) else [node.op]
                if any(isinstance(op, self.operators) for op in ops):
                    return True
            used = (node.id if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) else
                    node.attr if isinstance(node, ast.Attribute) else None)
            if used in self.names:
                return True
            if isinstance(node, ast.Call):
                f = node.func
                called.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
        return any(name not in called for name in self.must_call)

    def broken_by(self, answer: Any, source: str | None = None) -> bool:
        """Whether ``answer`` breaks the rule: on its source when there is one, else on its bytecode."""
        source = source if source is not None else function_source(answer)
        if source:
            return self.broken(source)
        code = getattr(answer, "__code__", None)
        if code is None:
            return False
        names, ops = set(), set()
        stack = [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
            ops.update(i.argrepr for i in dis.get_instructions(c) if i.opname in ("BINARY_OP", "COMPARE_OP"))
        symbols = {ast.BitXor: "^", ast.NotEq: "!=", ast.BitAnd: "&", ast.BitOr: "|", ast.Eq: "=="}
        if any(symbols.get(op) in ops or f"{symbols.get(op)}=" in ops for op in self.operators):
            return True
        return bool(set(self.names) & names) or any(name not in names for name in self.must_call)


def function_source(fn: Any) -> str | None:
    """The source of a function defined in a notebook cell or a file, or None."""
    try:
        return inspect.getsource(fn)
    except (TypeError, OSError):
        return None
