"""Hidden tests: the student's function against the reference on fresh random inputs.

Each lesson's questions are declared in ``autograder/questions/lessonNN.py`` as
:class:`Question` objects. A question says how to draw inputs (``cases``), which reference
implementation gives the expected outputs, how to compare, and which known mistakes to
recognise so that the failure message can name them.

A hidden test has three steps, and only the middle one touches the student's code:

1. :func:`request` draws the inputs (trusted: the grader's process);
2. :func:`tlukit.probe.evaluate_cases` calls the student's function on them (the student's
   kernel, in a sandbox when grading) and returns plain JSON;
3. :func:`judge` decodes that JSON, compares it with the reference and names the likely
   mistake (trusted).

:func:`run` does all three in one process, for the instructor's own runs and the tests; the
grader (:mod:`autograder.runner`) does step 2 in the sandbox. Both share every line of the
comparison.
"""
from __future__ import annotations

import copy
import importlib
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from tlukit import probe, wire
from tlukit.checking import CheckFailed, difference, mismatch, short, signature


@dataclass(frozen=True)
class Case:
    """One call: positional and keyword arguments."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass
class Question:
    qid: str
    reference: Callable
    cases: Callable[[np.random.Generator], list]
    """Draw the inputs: a list of :class:`Case` (or plain argument tuples)."""
    mistakes: dict[str, Callable] = field(default_factory=dict)
    """Hint → a wrong implementation that makes that mistake."""
    observe: str | None = None
    """An observer of :mod:`tlukit.probe` that turns the returned object into plain data."""
    observe_args: Callable[[Case], tuple] = lambda case: ()
    """The extra inputs of the observer for a case (data to fit on, say)."""
    rtol: float = 1e-6
    atol: float = 1e-8

    def differ(self, got: Any, want: Any, case: Case) -> str | None:
        return difference(got, want, rtol=self.rtol, atol=self.atol)

    def draw(self, rng: np.random.Generator) -> list[Case]:
        return [c if isinstance(c, Case) else Case(tuple(c)) for c in self.cases(rng)]

    def expected(self, case: Case) -> Any:
        return self._observed(self.reference, case)

    def _observed(self, fn: Callable, case: Case) -> Any:
        value = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        return wire.decode(wire.encode(probe.observe(self.observe, value, self.observe_args(case))))

    def diagnose_all(self, values: list, cases: list[Case]) -> str | None:
        """The hint of the first known mistake that returns what the student returned on every input."""
        for hint, wrong in self.mistakes.items():
            try:
                if all(self.differ(got, self._observed(wrong, case), case) is None for got, case in zip(values, cases)):
                    return hint
            except Exception:  # noqa: BLE001 - a mistake model that cannot run says nothing
                continue
        return None


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


def request(q: Question, seed_: int) -> tuple[list[Case], str]:
    """Draw the inputs of ``q`` and the JSON request the student's kernel evaluates."""
    cases = q.draw(np.random.default_rng(seed_))
    payload = {"cases": [{"args": wire.encode(tuple(c.args)), "kwargs": wire.encode(dict(c.kwargs)),
                          "observe": q.observe, "observe_args": wire.encode(tuple(q.observe_args(c)))}
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
          stopped: str | None = None) -> Verdict:
    """Compare what the student's kernel wrote (``result``, JSON) with the reference.

    ``result`` is None when the kernel wrote nothing; ``stopped`` then says why the grader
    stopped the probe (a time limit, say), if it did.
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
            return Verdict(q.qid, False, data["missing"][:300], len(cases), "not written")
        items = data["results"]
        if not isinstance(items, list) or len(items) != len(cases):
            raise wire.WireError("one result per input was expected")
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
        label = signature(None, case.args, case.kwargs, name=name)
        if not isinstance(item, dict):
            return failed(f"the result of {label} could not be read")
        if "raised" in item:
            if item.get("not_written"):
                return failed(f"{label} is not written yet: replace `raise NotImplementedError()` with your code.",
                              "not written")
            where = str(item.get("where") or "")[:200]
            return failed(f"calling {label} raised {str(item['raised'])[:80]}: {str(item.get('message', ''))[:300]}"
                          + (f"\n  (at {where})" if where else ""), "error")
        if k >= len(values):
            return failed(f"the result of {label} could not be read ({unreadable})")
        got = values[k]
        want = q.expected(case)
        reason = q.differ(got, want, case)
        if reason:
            hint = q.diagnose_all(values, cases[: len(values)])  # the mistake that explains all these answers
            lines = [mismatch(f"hidden test on fresh random input failed: {label}", short(want), short(got), reason)]
            if hint:
                lines.append(f"likely mistake: {hint}")
            return failed("\n".join(lines), "wrong", hint)
    return Verdict(q.qid, True, f"✓ hidden test {q.qid}: {len(cases)} random cases passed", len(cases))


def run(qid: str, answer: Any) -> int:
    """Run hidden test ``qid`` on ``answer`` in this process; raise :class:`CheckFailed` on a mismatch."""
    q = question(qid)
    seed_ = seed()
    cases, text = request(q, seed_)
    result = json.dumps({"results": probe.evaluate_cases(answer, probe.decode_request(text))}, allow_nan=False)
    verdict = judge(q, cases, result, seed_, getattr(answer, "__name__", "your function"))
    if not verdict.passed:
        raise CheckFailed(verdict.message, exercise=f"hidden test {qid}")
    print(verdict.message)
    return verdict.cases
