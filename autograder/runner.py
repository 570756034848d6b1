"""Grade one student's notebook for one lesson: sandboxed kernel, trusted verdicts.

1. The submission is read leniently and rebuilt on the release (:mod:`autograder.assemble`):
   only the student's answers (and added code cells) come from it.
2. Each test cell is replaced by a *probe*: the student's kernel runs the student's function
   on inputs drawn here, in this trusted process, and writes the results as JSON
   (:mod:`tlukit.probe`). Nothing in the kernel holds an expected value or decides a score.
3. The notebook runs cell by cell in a fresh kernel in the sandbox (:mod:`autograder.sandbox`),
   as an unprivileged user, with a time limit per cell and per notebook, a memory limit, a
   process limit and an output limit (:mod:`autograder.kernel`). A cell over its time limit is
   interrupted and the kernel goes on. A cell that ignores the interrupt or kills its kernel is
   recorded, the kernel is restarted, the cells before it and the faulty cell's lines above the
   statement it was in are replayed (its completed definitions), and grading goes on after it:
   a fault costs only the points it touches (:mod:`autograder.execute`).
4. This process compares each probe's results with the reference (:func:`autograder.hidden.judge`)
   and writes the verdict as the test cell's last output: a ✓ line for a pass, an error with
   the reason for a failure, which is exactly what nbgrader scores. The visible checks' own
   output stays above it as plain text, for the feedback.
5. Before the notebook is written, active content in the student's outputs and written
   answers is neutralised (nbconvert's ``SanitizeHTML``) and the grader's notes are escaped:
   every page the instructor opens is made from this notebook (:mod:`autograder.outputs`).

This module holds the job (:class:`Job`, its limits :class:`autograder.kernel.Limits`, its :class:`Result`) and
:func:`grade`, which takes it through these steps. The result is an executed notebook in nbgrader's layout;
:mod:`autograder.grade` has nbgrader record its scores in the gradebook and write the feedback.
"""
from __future__ import annotations

import copy
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import assemble, course, execute, hidden, kernel, outputs, sandbox
from .kernel import Limits



@dataclass
class Job:
    student: str
    lesson: str
    source: Path  # the instructor's source notebook (trusted)
    release: Path  # the release notebook nbgrader generated from it (trusted)
    submitted: Path | None  # the student's notebook, or None
    out: Path  # where the executed notebook goes
    limits: Limits = field(default_factory=Limits)
    sandbox: str = "auto"
    grading_mode: bool = True
    seed: int | None = None
    notes: list[str] = field(default_factory=list)  # what intake said of this submission (why it is missing, say)


@dataclass
class Result:
    student: str
    lesson: str
    status: str = "graded"  # graded | failed | missing
    reasons: list[str] = field(default_factory=list)
    verdicts: dict[str, hidden.Verdict] = field(default_factory=dict)  # grade id -> verdict
    seconds: float = 0.0

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


# ----------------------------------------------------------------------------- one notebook
def grade(job: Job) -> Result:
    start = time.perf_counter()
    result = Result(job.student, job.lesson)
    box = sandbox.detect(job.sandbox)
    source = nbformat.read(job.source, as_version=4)
    release = nbformat.read(job.release, as_version=4)
    calls = course.hidden_calls(source)
    sub = assemble.read_submission(job.submitted)
    if sub.problem:
        result.status = "missing" if job.submitted is None else "failed"
        result.reasons += [sub.problem, *job.notes]
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            if course.is_test(cell):
                cell.outputs = [outputs.error("not graded", sub.problem)]
        outputs.write(job.out, nb, result.reasons)
        result.seconds = time.perf_counter() - start
        return result
    nb, notes = assemble.merge(release, sub)
    result.reasons.extend(notes)
    scratch = Path(tempfile.mkdtemp(prefix="tlk-"))
    try:
        _run(job, nb, calls, scratch, box, result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outputs.write(job.out, nb, result.reasons)
    result.seconds = time.perf_counter() - start
    return result


def _run(job: Job, nb, calls, scratch: Path, box: sandbox.Sandbox, result: Result) -> None:
    kernel.prepare_scratch(scratch)
    seed = job.seed if job.seed is not None else hidden.seed()
    plan = []  # (index in nb, source to run, grade id of a test cell or None, probe to run first or None)
    requests = {}
    for i, cell in enumerate(nb.cells):
        kind = course.run_kind(cell)
        if kind == "markdown" or (job.grading_mode and course.skip_when_grading(cell)):
            continue
        cell.outputs, cell.execution_count = [], None
        if kind == "test":
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            qid, name = calls[grade_id]
            q = hidden.question(qid)
            folder = scratch / "io" / grade_id
            folder.mkdir()
            cases, text = hidden.request(q, seed, job.grading_mode)
            (folder / "request.json").write_text(text)
            requests[grade_id] = (i, q, cases, name, folder, len(plan))
            probe = f"__import__('tlukit.probe').probe.evaluate({name!r}, {str(folder)!r})"
            plan.append((i, cell.source, grade_id, probe))  # the probe, then the visible checks for the feedback
        else:
            plan.append((i, cell.source, None, None))
    uid = sandbox.kernel_user() if box.isolated else None
    kernel.give(scratch, uid)
    run_id = secrets.token_hex(8)
    env = kernel.environment(scratch, job.grading_mode, run_id)
    faults: dict[int, execute.Fault] = {}  # plan position -> what went wrong there
    execute.run_plan(job, nb, plan, scratch, box, env, run_id, faults, uid)
    for position, fault in faults.items():
        i, _, grade_id, _ = plan[position]
        where = f"test cell {grade_id}" if grade_id else course.describe(nb.cells[i])
        result.reasons.append(f"{where}: {fault.why}")
    sources = course.definitions(nb)  # the student's code as submitted, for the exercises' structural rules
    for grade_id, (i, q, cases, name, folder, position) in requests.items():
        path = folder / "result.json"
        text = kernel.read_back(path, hidden.wire.MAX_BYTES + 1)  # a larger file is refused as such, unread
        stopped = faults[position].why if position in faults else None
        try:
            verdict = hidden.judge(q, cases, text, seed, name, stopped, source=sources.get(name))
        except Exception as exc:  # noqa: BLE001 - one question the grader cannot judge never costs the others
            verdict = hidden.Verdict(q.qid, False, f"the grader could not judge {name} ({type(exc).__name__}: "
                                                   f"{str(exc)[:160]}); tell your instructor (seed {seed})",
                                     len(cases), "unreadable")
        earlier = [f for p, f in faults.items() if p < position and f.line]
        if not verdict.passed and verdict.message.startswith(f"{name} is not defined") and earlier:
            verdict.message = (f"{name} is not defined: the grader stopped a cell above before it ran the line that "
                               f"defines {name} ({earlier[-1].why}); see the notes at the top")
        result.verdicts[grade_id] = verdict
        cell = nb.cells[i]
        shown = outputs.as_text(cell.get("outputs", []))
        if verdict.passed:
            cell.outputs = shown + [nbformat.v4.new_output("stream", name="stdout", text=verdict.message + "\n")]
        else:
            cell.outputs = shown + [outputs.error("HiddenTestFailed", verdict.message)]
