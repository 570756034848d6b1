"""Hidden tests: the student's answer against the reference on inputs the grader draws.

Each lesson's questions are declared in ``autograder/lessons/lessonNN.py`` (the lesson's one
home on the instructor's side) as :class:`Question` objects. A question says how to draw inputs
(``cases``), what the right answer is (``reference``, or a ``criterion`` where there is no
single right answer), how to compare, and which known mistakes to recognise (the exercise's
:class:`tlukit.mistakes.Catalogue`, shared with the visible self-check) so that the failure
message names them. Its *shape* says what the student's answer is:

* ``"function"``: called on each case's arguments;
* ``"class"``: driven through its public surface by a driver of :mod:`tlukit.probe`
  (``drive="scalar_program"`` builds random expressions with lesson 04's ``Value``);
* ``"value"``: a variable the notebook computes, compared with ``reference`` (a value, or a
  function of nothing that returns it).

A question may also name ``helpers``: earlier exercises the answer may call. While it is
tested, those names point at the reference, so that a mistake costs the exercise where it is
made and not every later one; the student's own functions are back right after each call.

A hidden test has three steps, and only the middle one touches the student's code:

1. :func:`request` draws the inputs (trusted: the grader's process);
2. :func:`tlukit.probe.answer` uses the student's answer on them (the student's kernel, in a
   sandbox when grading) and returns plain data;
3. :func:`judge` decodes that data, compares it with the reference and names the likely
   mistake (trusted).

:func:`run` does all three in one process, for the instructor's own runs and the tests (it
is the ``hidden_test`` that source notebooks call); the grader (:mod:`autograder.runner`)
does step 2 in the sandbox. Both share every line of the comparison.
"""
from __future__ import annotations

import contextvars
import copy
import importlib
import inspect
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from tlukit import probe, wire
from tlukit.checking import CheckFailed, default_problem, difference, in_place_message, mismatch, short, signature
from tlukit.mistakes import Catalogue, Rule, function_source  # noqa: F401 - Rule for type hints
from tlukit.grading import grading_mode
from tlukit.seed import set_seed

SHAPES = ("function", "class", "value")


@dataclass(frozen=True)
class Case:
    """One use of the answer: positional and keyword arguments, and an optional seed."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    seed: int | None = None
    """Seed Python, NumPy and TensorFlow on both sides before the call (identical initialisation)."""
    secret: Any = None
    """Data the grader keeps for the criterion (the labels of held-out data); never sent."""


@dataclass
class Question:
    qid: str
    reference: Any = None
    """The right answer: a function, a class (``shape="class"``) or a value (``shape="value"``)."""
    cases: Callable[[np.random.Generator], list] = lambda rng: [Case()]
    """Draw the inputs: a list of :class:`Case` (or plain argument tuples)."""
    shape: str = "function"
    drive: str | None = None
    """The code that uses the answer and returns what it saw: a driver of :data:`tlukit.probe.DRIVERS`
    or ``"lessonNN:function"`` in a lesson's checks module (both checks use it). Needed for
    ``shape="class"``; for a function, the driver gets it to use (a function that saves a model, say)."""
    catalogue: Catalogue | None = None
    """The exercise's known mistakes (shared with its self-check)."""
    models: dict[str, Callable] = field(default_factory=dict)
    """Catalogue key → a wrong implementation kept here because it would give the answer away."""
    helpers: tuple[str, ...] = ()
    """Earlier exercises the answer may call, replaced by the reference while it is tested."""
    criterion: Callable[[Any, Case], str | None] | None = None
    """For answers with no single right value: ``criterion(answer, case)`` → None when it is met,
    else what is wrong. Compute it from the grader's own data (``case.secret``), never from a
    number the answer reports about itself."""
    rules: tuple[Rule, ...] = ()
    """Structural rules the exercise states, checked on the source of the student's function."""
    observe: str | None = None
    """An observer of :mod:`tlukit.probe` that turns the returned object into plain data."""
    observe_args: Callable[[Case], tuple] = lambda case: ()
    """The extra inputs of the observer for a case (data to fit on, say)."""
    rtol: float = 1e-6
    atol: float = 1e-8
    check_defaults: bool = True
    """Compare the defaults of the answer's parameters with the reference's."""
    no_warnings: bool = False
    """A numerical warning (overflow, invalid value, division by zero) during a call fails the
    test: for exercises whose point is a numerically stable formula."""
    tensorflow: bool = False
    """The answer builds TensorFlow or Keras objects: Keras is imported before a case's seed is set,
    on both sides, so that seeded initialisation matches (automatic for the ``keras_*`` observers)."""
    compare: Callable[[Any, Any], str | None] | None = None
    """How to compare the observed answer with the reference's (default: values within rtol/atol);
    :mod:`autograder.objects` has comparisons for Keras models and compile settings."""
    stable_hint: str = ("compute it in a form that stays finite for every input (for example with "
                        "np.exp(-np.abs(z)), np.logaddexp, or by subtracting the largest logit)")

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"{self.qid}: shape must be one of {SHAPES}, not {self.shape!r}")
        if self.shape == "class" and not self.drive:
            raise ValueError(f"{self.qid}: a class question needs drive= one of {sorted(probe.DRIVERS)} "
                             "or 'lessonNN:function'")
        if self.drive:
            probe.named(self.drive, probe.DRIVERS)  # fails now, not while grading

    def differ(self, got: Any, want: Any, case: Case) -> str | None:
        if self.compare is not None:
            return self.compare(got, want)
        return difference(got, want, rtol=self.rtol, atol=self.atol)

    @property
    def uses_tensorflow(self) -> bool:
        return self.tensorflow or (self.observe or "").startswith("keras")

    def draw(self, rng: np.random.Generator) -> list[Case]:
        return [c if isinstance(c, Case) else Case(tuple(c)) for c in self.cases(rng)]

    def expected(self, case: Case) -> Any:
        if self.shape == "value":
            value = self.reference() if callable(self.reference) else self.reference
            return wire.decode(wire.encode(probe.observe(self.observe, copy.deepcopy(value), self.observe_args(case))))
        return self._observed(self.reference, case)

    def _observed(self, fn: Callable, case: Case, expected: Any = None, relative: bool = False) -> Any:
        """What ``fn`` gives on ``case``, as the student's answer comes back: through the wire."""
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        if case.seed is not None:
            if self.uses_tensorflow:
                importlib.import_module("keras")  # seeded only once imported: as in the student's kernel
            set_seed(case.seed)
        if relative:
            value = fn(expected, *args, **kwargs)
        elif self.drive:
            value = probe.named(self.drive, probe.DRIVERS)(fn, *args, **kwargs)
        else:
            value = fn(*args, **kwargs)
        return wire.decode(wire.encode(probe.observe(self.observe, value, self.observe_args(case))))

    def diagnose_all(self, values: list, cases: list[Case]) -> str | None:
        """The message of the first known mistake that returns what the student returned on every input."""
        for mistake in self.catalogue or ():
            model = self.models.get(mistake.key, mistake.model)
            if model is None:
                continue
            try:
                if all(self.differ(got, self._observed(model, case, self.expected(case) if mistake.relative else None,
                                                       mistake.relative), case) is None
                       for got, case in zip(values, cases)):
                    return mistake.message
            except Exception:  # noqa: BLE001 - a mistake model that cannot run says nothing
                continue
        return None

    def helper_sources(self) -> tuple[str, dict[str, str]]:
        """The prelude and source of each helper, taken from the lesson's home module."""
        if not self.helpers:
            return "", {}
        home = importlib.import_module(f"autograder.lessons.lesson{self.qid.partition('.')[0]}")
        return (getattr(home, "HELPER_PRELUDE", "import numpy as np"),
                {name: inspect.getsource(getattr(home, name)) for name in self.helpers})


def question(qid: str) -> Question:
    """Look a question up by its id, ``"NN.name"``."""
    lesson, _, name = qid.partition(".")
    module = importlib.import_module(f"autograder.lessons.lesson{lesson}")
    for q in module.QUESTIONS:
        if q.qid == qid:
            return q
    raise KeyError(f"no hidden test {qid!r} in autograder.lessons.lesson{lesson}.py")


def seed() -> int:
    return int(os.environ.get("TLUKIT_HIDDEN_SEED") or secrets.randbits(31))


_GRADING = contextvars.ContextVar("grading", default=None)


def grading() -> bool:
    """True while inputs are drawn for a notebook run in grading mode (the default when a class is
    graded; in the instructor's own kernel, when ``TLUKIT_GRADING=1``). A question whose criterion
    depends on how long the notebook trained sizes it with this."""
    mode = _GRADING.get()
    return grading_mode() if mode is None else mode


def request(q: Question, seed_: int, grading_: bool | None = None) -> tuple[list[Case], str]:
    """Draw the inputs of ``q`` and the JSON request the student's kernel evaluates; ``grading_``
    says whether the notebook runs in grading mode (default: as this process's environment says)."""
    token = _GRADING.set(grading_)
    try:
        cases = q.draw(np.random.default_rng(seed_))
    finally:
        _GRADING.reset(token)
    prelude, helpers = q.helper_sources()
    payload = {"shape": q.shape, "prelude": prelude, "helpers": helpers,
               "cases": [{"args": wire.encode(tuple(c.args)), "kwargs": wire.encode(dict(c.kwargs)),
                          "observe": q.observe, "observe_args": wire.encode(tuple(q.observe_args(c))),
                          "seed": c.seed, "drive": q.drive,
                          "tensorflow": q.uses_tensorflow}
                         for c in cases]}
    return cases, json.dumps(payload, allow_nan=False)


STATUSES = ("passed", "wrong", "not written", "error", "not run", "unreadable")


@dataclass
class Verdict:
    qid: str
    passed: bool
    message: str
    cases: int = 0
    status: str = "passed"
    """One of :data:`STATUSES`: passed; wrong (a value differs); not written (a stub, or the
    name is not defined); error (the function raised); not run (the kernel wrote nothing: a
    fault or a time limit); unreadable (the results could not be read)."""
    mistake: str | None = None
    """The known mistake that explains the student's answers (a hint of ``Question.mistakes``)."""


def judge(q: Question, cases: list[Case], result: str | bytes | None, seed_: int, name: str,
          stopped: str | None = None, source: str | None = None) -> Verdict:
    """Compare what the student's kernel wrote (``result``, JSON) with the reference.

    ``result`` is None when the kernel wrote nothing; ``stopped`` then says why the grader
    stopped the probe (a time limit, say), if it did. ``source`` is the code of the student's
    function, for the question's structural rules.
    """
    def failed(text: str, status: str = "unreadable", mistake: str | None = None) -> Verdict:
        return Verdict(q.qid, False, f"{text}\n(seed {seed_}: the instructor can replay this test)", len(cases),
                       status, mistake)

    if result is None:
        why = (f"running {name} on the grader's inputs {stopped}" if stopped else
               f"{name} was never run by this test: the cells above it did not finish")
        return Verdict(q.qid, False, why, len(cases), "not run")
    try:
        data = json.loads(result) if len(result) <= wire.MAX_BYTES else None
        if data is None:
            return failed(f"the results of {name} are larger than {wire.MAX_BYTES // 2**20} MiB")
        if isinstance(data, dict) and isinstance(data.get("missing"), str):
            return Verdict(q.qid, False, f"{name} {data['missing'][:300]}", len(cases), "not written")
        items = data["results"]
        if not isinstance(items, list) or len(items) != len(cases):
            raise wire.WireError("one result per input was expected")
        defaults = wire.decode(data["defaults"]) if "defaults" in data else None
        if defaults is not None and not (isinstance(defaults, dict) and all(type(k) is str for k in defaults)):
            raise wire.WireError("the defaults are not a dict of parameter names")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return failed(f"the results of {name} could not be read ({str(exc)[:80]}); were they tampered with?")
    values: list = []  # the student's answers up to the first one that raised or cannot be read
    unreadable = ""
    for item in items:
        try:
            values.append(wire.decode(item["value"]))
        except (wire.WireError, RecursionError, TypeError, ValueError, KeyError) as exc:
            unreadable = str(exc)[:80]  # the loop below says which input; a raise is reported there too
            break
    for k, (case, item) in enumerate(zip(cases, items)):
        label = (name if q.shape == "value" else f"{name}, driven by the grader's program {k + 1} of {len(cases)},"
                 if q.shape == "class" else signature(None, case.args, case.kwargs, name=name))
        if not isinstance(item, dict):
            return failed(f"the result of {label} could not be read")
        if "raised" in item:
            stub = item.get("not_written")
            if stub:
                stub = str(stub)[:80]
                return failed(f"{stub} is not written yet: replace `raise NotImplementedError()` in {stub} with "
                              f"your code" + ("." if stub == name else f" ({label} calls it)."), "not written")
            where = str(item.get("where") or "")[:200]
            return failed(f"calling {label} raised {str(item['raised'])[:80]}: {str(item.get('message', ''))[:300]}"
                          + (f"\n  (at {where})" if where else ""), "error")
        if item.get("modified"):
            return failed(in_place_message(label, str(item["modified"])[:60]), "wrong", "modifies its input in place")
        if k >= len(values):
            return failed(f"the result of {label} could not be read ({unreadable})")
        got = values[k]
        if q.criterion is not None:
            try:
                reason = q.criterion(got, case)
            except Exception as exc:  # noqa: BLE001 - data no criterion expected: the answer's, not the batch's, problem
                return failed(f"the result of {label} could not be judged ({type(exc).__name__}: {str(exc)[:120]})",
                              "wrong")
            if reason:
                hint = q.diagnose_all(values[k:k + 1], [case])  # a modelled mistake that returns exactly this
                text = f"{label} does not meet the exercise's criterion on the grader's data: {reason}"
                if hint and hint not in reason:
                    text += f"\nlikely mistake: {hint}"
                return failed(text, "wrong", hint)
            continue
        want = q.expected(case)
        try:
            reason = q.differ(got, want, case)
        except Exception as exc:  # noqa: BLE001 - data no comparison expected: the answer's problem
            return failed(f"the result of {label} could not be compared ({type(exc).__name__}: {str(exc)[:120]})",
                          "wrong")
        if reason:
            hint = q.diagnose_all(values, cases[: len(values)])  # the mistake that explains all these answers
            shown = "(not shown: it is the answer)" if q.shape == "value" else short(want)
            lines = [mismatch(f"hidden test on fresh random input failed: {label}", shown, short(got), reason)]
            if hint:
                lines.append(f"likely mistake: {hint}")
            return failed("\n".join(lines), "wrong", hint)
    for case, item in zip(cases, items):  # right values: were they computed in a numerically stable way?
        if q.no_warnings and item.get("warned"):
            label = signature(None, case.args, case.kwargs, name=name)
            return failed(f"{label} gave the right values but warned {str(item['warned'])[:160]}: the formula "
                          f"overflows, or takes a log or a quotient of 0, on some inputs. {q.stable_hint[:1].upper()}"
                          f"{q.stable_hint[1:]}.", "wrong", "numerically unstable")
    if q.check_defaults and defaults is not None and q.shape == "function" and callable(q.reference):
        for param, want in probe.parameters(q.reference)[1].items():
            problem = default_problem(name, param, defaults.get(param), want, missing=param not in defaults)
            if problem:
                return failed(problem, "wrong", "changed default")
    for rule in q.rules:
        if source and rule.broken(source):
            return failed(f"{name} breaks a rule of the exercise: {rule.message}", "wrong", rule.message)
    return Verdict(q.qid, True, f"✓ hidden test {q.qid}: {len(cases)} random case{'s' if len(cases) != 1 else ''} "
                                f"passed", len(cases))


def run(qid: str, answer: Any, source: str | None = None) -> int:
    """Run hidden test ``qid`` on ``answer`` in this process; raise :class:`CheckFailed` on a mismatch."""
    q = question(qid)
    seed_ = seed()
    cases, text = request(q, seed_)
    payload = probe.answer(answer, probe.decode_request(text))
    result = json.dumps(payload, allow_nan=False)
    name = getattr(answer, "__name__", None) or ("your answer" if q.shape == "value" else "your function")
    source = source if source is not None else function_source(answer)
    broken = None if source is not None else next((rule for rule in q.rules if rule.broken_by(answer)), None)
    if broken is not None:  # code run by exec has no source: its bytecode tells
        raise CheckFailed(f"{name} breaks a rule of the exercise: {broken.message}", exercise=f"hidden test {qid}")
    verdict = judge(q, cases, result, seed_, name, source=source)
    if not verdict.passed:
        raise CheckFailed(verdict.message, exercise=f"hidden test {qid}")
    print(verdict.message)
    return verdict.cases


def hidden_test(qid: str, answer: Any) -> None:
    """What a source notebook's hidden test cell calls: ``hidden_test("02.heaviside", heaviside)``.

    The grader reads that call to know which answer each test cell grades; when the instructor
    runs a source notebook (or the build executes the solutions), it runs the test here.
    """
    run(qid, answer)
