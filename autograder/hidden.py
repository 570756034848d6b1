"""Hidden tests: the student's function against the reference on fresh random inputs.

Each lesson's questions are declared in ``autograder/questions/lessonNN.py`` as
:class:`Question` objects. A question says how to draw inputs (``cases``), which reference
implementation gives the expected outputs, how to compare, and which known mistakes to
recognise so that the failure message can name them.

The split between *drawing inputs*, *evaluating the student's function* and *comparing* is
deliberate: only the middle step needs the student's code, so a grader may run it elsewhere
(in the student's kernel) and do the other two in a trusted process.
"""
from __future__ import annotations

import copy
import importlib
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from tlukit.checking import CheckFailed, call, difference, mismatch, short, signature


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
    compare: Callable[[Any, Any, Case], str | None] | None = None
    """Custom comparison (got, expected, case) → reason or None; default :func:`difference`."""
    rtol: float = 1e-6
    atol: float = 1e-8

    def differ(self, got: Any, want: Any, case: Case) -> str | None:
        if self.compare is not None:
            return self.compare(got, want, case)
        return difference(got, want, rtol=self.rtol, atol=self.atol)

    def draw(self, rng: np.random.Generator) -> list[Case]:
        return [c if isinstance(c, Case) else Case(tuple(c)) for c in self.cases(rng)]

    def expected(self, case: Case) -> Any:
        return self.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))

    def diagnose(self, got: Any, case: Case) -> str | None:
        """The hint of the first known mistake that returns what the student returned."""
        for hint, wrong in self.mistakes.items():
            try:
                theirs = wrong(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            except Exception:  # noqa: BLE001 - a mistake model that cannot run says nothing
                continue
            if self.differ(got, theirs, case) is None:
                return hint
        return None


def question(qid: str) -> Question:
    """Look a question up by its id, ``"NN.name"``."""
    lesson, _, name = qid.partition(".")
    module = importlib.import_module(f"autograder.questions.lesson{lesson}")
    for q in module.QUESTIONS:
        if q.qid == qid:
            return q
    raise KeyError(f"no hidden test {qid!r} in autograder/questions/lesson{lesson}.py")


def run(qid: str, answer: Any) -> int:
    """Run hidden test ``qid`` on ``answer``; raise :class:`CheckFailed` on the first mismatch."""
    q = question(qid)
    seed = int(os.environ.get("TLUKIT_HIDDEN_SEED") or secrets.randbits(31))
    cases = q.draw(np.random.default_rng(seed))
    for case in cases:
        want = q.expected(case)
        label = signature(answer, case.args, case.kwargs)
        got = call(answer, *copy.deepcopy(case.args), label=label, **copy.deepcopy(case.kwargs))
        reason = q.differ(got, want, case)
        if reason:
            hint = q.diagnose(got, case)
            lines = [mismatch(f"hidden test on fresh random input failed: {label}", short(want), short(got), reason)]
            if hint:
                lines.append(f"likely mistake: {hint}")
            lines.append(f"(seed {seed}: the instructor can replay this test)")
            raise CheckFailed("\n".join(lines), exercise=f"hidden test {qid}")
    print(f"✓ hidden test {qid}: {len(cases)} random cases passed")
    return len(cases)
