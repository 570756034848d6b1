"""Grade one student's notebook for one lesson: sandboxed kernel, trusted verdicts.

1. The submission is read leniently and rebuilt on the release (:mod:`autograder.assemble`):
   only the student's answers (and added code cells) come from it.
2. Each test cell is replaced by a *probe*: the student's kernel runs the student's function
   on inputs drawn here, in this trusted process, and writes the results as JSON
   (:mod:`tlukit.probe`). Nothing in the kernel holds an expected value or decides a score.
3. The notebook runs cell by cell in a fresh kernel in the sandbox (:mod:`autograder.sandbox`)
   with a time limit per cell and per notebook, a memory limit and an output limit. A cell
   that hangs (even ignoring interrupts) or kills its kernel is recorded, the kernel is
   restarted, the cells before it are replayed, and grading goes on after it: one runaway
   answer costs its own points only.
4. This process compares each probe's results with the reference (:func:`autograder.hidden.judge`)
   and writes the verdict as the test cell's last output: a ✓ line for a pass, an error with
   the reason for a failure, which is exactly what nbgrader scores. The visible checks' own
   output stays above it as plain text, for the feedback.

The result is an executed notebook in nbgrader's layout; :mod:`autograder.grade` has nbgrader
record its scores in the gradebook and write the feedback.
"""
from __future__ import annotations

import ast
import copy
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from . import assemble, hidden, sandbox

MARKER = "TLUKIT_GRADING_RUN"


@dataclass
class Limits:
    cell_timeout: float = 120
    notebook_timeout: float = 900
    memory_mb: int = 4096
    output_kb: int = 256  # kept per cell; more is cut with a note
    flood_mb: int = 32  # a kernel that prints more than this in all is stopped
    max_restarts: int = 3


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


# ----------------------------------------------------------------------------- test cells
def hidden_calls(source_nb) -> dict[str, tuple[str, str]]:
    """Grade id of each auto-graded test cell -> (question id, name of the function it tests)."""
    calls = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"):
            continue
        found = []
        for node in ast.walk(ast.parse(cell.source)):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "hidden_test" and len(node.args) == 2
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[1], ast.Name)):
                found.append((node.args[0].value, node.args[1].id))
        if len(found) != 1:
            raise ValueError(f"test cell {meta['grade_id']} must call hidden_test(\"NN.name\", function) exactly once")
        calls[meta["grade_id"]] = found[0]
    return calls


def _kind(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code":
        return "markdown"
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    return "code"


def _skip_when_grading(cell) -> bool:
    return cell.metadata.get("tlukit", {}).get("grading") == "skip"


# ----------------------------------------------------------------------------- the kernel
def kernel_env(scratch: Path, grading_mode: bool, run_id: str) -> dict[str, str]:
    home = scratch / "home"
    env = {
        "HOME": str(home), "PATH": f"{Path(os.sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": str(home / ".config" / "matplotlib"), "TLUKIT_STATIC": "1", "NBGRADER_EXECUTION": "autograde",
        "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "TMPDIR": "/tmp", MARKER: run_id,
    }
    if grading_mode:
        env["TLUKIT_GRADING"] = "1"
    for key in ("TLUKIT_FASHION_MNIST_DIR", "TLUKIT_MNIST_DIR", "TLUKIT_CALIFORNIA_HOUSING_FILE", "TLUKIT_SHARED_DATA",
                "SCIKIT_LEARN_DATA"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    keras = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    if keras.is_dir():
        env["KERAS_HOME"] = str(keras)
    if "SCIKIT_LEARN_DATA" not in env and (Path.home() / "scikit_learn_data").is_dir():
        env["SCIKIT_LEARN_DATA"] = str(Path.home() / "scikit_learn_data")
    return env


def _prepare_scratch(scratch: Path) -> None:
    for sub in ("work", "home/.config/matplotlib", "io"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    try:  # matplotlib's font list, so that each kernel does not rebuild it
        import matplotlib

        for f in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copy(f, scratch / "home/.config/matplotlib" / f.name)
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def _kernel_manager(scratch: Path, box: sandbox.Sandbox, env: dict[str, str], limits: Limits, n: int = 0):
    from jupyter_client import AsyncKernelManager

    inner_limits = (f"import resource as r, os, sys; r.setrlimit(r.RLIMIT_FSIZE, ({256 * 2**20}, {256 * 2**20})); "
                    "r.setrlimit(r.RLIMIT_CORE, (0, 0)); "
                    f"r.setrlimit(r.RLIMIT_NPROC, ({_nproc_limit()}, {_nproc_limit()})); "
                    "os.execv(sys.executable, [sys.executable, '-I', '-m', 'ipykernel_launcher', *sys.argv[1:]])")

    class SandboxedKernel(AsyncKernelManager):  # nbclient needs the asynchronous manager for its time limits
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            i = cmd.index("ipykernel_launcher") if "ipykernel_launcher" in cmd else None
            if i is None:
                raise RuntimeError(f"unexpected kernel command {cmd}")
            argv = [os.sys.executable, "-I", "-c", inner_limits, *cmd[i + 1:], "--IPKernelApp.ignore_cwd=True",
                    "--HistoryManager.enabled=False"]
            return box.wrap(argv, scratch, env, sandbox.read_only_paths())

    km = SandboxedKernel(kernel_name="python3")
    km.transport = "ipc"
    km.ip = str(scratch / f"k{n}")  # fresh sockets for each (re)start: a killed kernel may not be gone yet
    km.connection_file = str(scratch / f"kernel{n}.json")
    return km


def _nproc_limit() -> int:
    """A cap on processes and threads against fork bombs: what this user runs now, plus 2048.

    Linux counts every process and thread of the user, and exempts root, so this only bites
    when grading as an ordinary user.
    """
    uid, count = os.getuid(), 0
    for p in psutil.process_iter(["uids", "num_threads"]):
        if p.info["uids"] and p.info["uids"].real == uid:
            count += p.info["num_threads"] or 1
    return count + 2048


class _Watch:
    """Watches the kernel's processes: memory, and (without a sandbox) stragglers."""

    def __init__(self, km, limits: Limits):
        self.km, self.limits, self.tripped = km, limits, ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _family(self) -> list[psutil.Process]:
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        if proc is None:
            return []
        try:
            root = psutil.Process(proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            rss = 0
            family = self._family()
            for p in family:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            if rss > self.limits.memory_mb * 2**20:
                self.tripped = f"used more than {self.limits.memory_mb} MiB of memory"
                kill(family)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def kill(procs: list[psutil.Process]) -> None:
    """SIGKILL them all; wait only for our own children (the others are reaped by init)."""
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    ours = [p for p in procs if _is_child(p)]
    psutil.wait_procs(ours, timeout=5)


def _is_child(p: psutil.Process) -> bool:
    try:
        return p.ppid() == os.getpid()
    except psutil.Error:
        return False


def hunt(run_id: str) -> None:
    """Kill every process carrying this run's environment marker (the fallback without a sandbox)."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(MARKER) == run_id:
                found.append(p)
        except psutil.Error:
            continue
    kill(found)


def _client_class():
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """nbclient with a cap on the output it keeps and on the output it accepts."""

        kept: dict[int, int] = {}
        total = 0
        flood_mb = 32
        output_kb = 256
        flooded = False

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            self.total += size
            if self.total > self.flood_mb * 2**20 and not self.flooded:
                self.flooded = True
                kill([psutil.Process(self.km.provisioner.process.pid)] if self.km.provisioner.process else [])
            used = self.kept.get(cell_index, 0)
            if used + size > self.output_kb * 1024:
                if used <= self.output_kb * 1024:
                    self.kept[cell_index] = used + size
                    outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                       text=f"\n[output cut at {self.output_kb} KiB by the grader]\n"))
                return None
            self.kept[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)

    return Client


# ----------------------------------------------------------------------------- one notebook
def grade(job: Job) -> Result:
    start = time.perf_counter()
    result = Result(job.student, job.lesson)
    box = sandbox.detect(job.sandbox)
    source = nbformat.read(job.source, as_version=4)
    release = nbformat.read(job.release, as_version=4)
    calls = hidden_calls(source)
    sub = assemble.read_submission(job.submitted)
    if sub.problem:
        result.status = "missing" if job.submitted is None else "failed"
        result.reasons.append(sub.problem)
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            if _kind(cell) == "test":
                cell.outputs = [_error("not graded", sub.problem)]
        _write(job.out, nb, result.reasons)
        result.seconds = time.perf_counter() - start
        return result
    nb, notes = assemble.merge(release, sub)
    result.reasons.extend(notes)
    scratch = Path(tempfile.mkdtemp(prefix="tlk-"))
    try:
        _run(job, nb, calls, scratch, box, result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _write(job.out, nb, result.reasons)
    result.seconds = time.perf_counter() - start
    return result


def _run(job: Job, nb, calls, scratch: Path, box: sandbox.Sandbox, result: Result) -> None:
    _prepare_scratch(scratch)
    seed = job.seed if job.seed is not None else hidden.seed()
    plan = []  # (index in nb, source to run, grade id of a test cell or None, probe to run first or None)
    requests = {}
    for i, cell in enumerate(nb.cells):
        kind = _kind(cell)
        if kind == "markdown" or (job.grading_mode and _skip_when_grading(cell)):
            continue
        cell.outputs, cell.execution_count = [], None
        if kind == "test":
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            qid, name = calls[grade_id]
            q = hidden.question(qid)
            folder = scratch / "io" / grade_id
            folder.mkdir()
            cases, text = hidden.request(q, seed)
            (folder / "request.json").write_text(text)
            requests[grade_id] = (i, q, cases, name, folder)
            probe = f"__import__('tlukit.probe').probe.evaluate({name!r}, {str(folder)!r})"
            plan.append((i, cell.source, grade_id, probe))  # the probe, then the visible checks for the feedback
        else:
            plan.append((i, cell.source, None, None))
    run_id = secrets.token_hex(8)
    env = kernel_env(scratch, job.grading_mode, run_id)
    failed_at: dict[int, str] = {}  # plan position -> what went wrong
    _execute(job, nb, plan, scratch, box, env, run_id, failed_at, result)
    for position, why in failed_at.items():
        i, _, grade_id, _ = plan[position]
        where = f"test cell {grade_id}" if grade_id else _name(nb.cells[i])
        result.reasons.append(f"{where}: {why}")
    stopped = {plan[p][2]: why for p, why in failed_at.items() if plan[p][2]}
    for grade_id, (i, q, cases, name, folder) in requests.items():
        path = folder / "result.json"
        text = path.read_bytes() if path.is_file() and path.stat().st_size <= hidden.wire.MAX_BYTES + 1 else None
        verdict = hidden.judge(q, cases, text, seed, name, stopped.get(grade_id))
        result.verdicts[grade_id] = verdict
        cell = nb.cells[i]
        shown = _as_text(cell.get("outputs", []))
        if verdict.passed:
            cell.outputs = shown + [nbformat.v4.new_output("stream", name="stdout", text=verdict.message + "\n")]
        else:
            cell.outputs = shown + [_error("HiddenTestFailed", verdict.message)]


def _as_text(outputs) -> list:
    """The kernel's outputs of a test cell (the visible checks), as plain stdout text.

    They are shown in the feedback, never scored: the score is the verdict the grader adds
    after them. Errors and stderr become text so that nbgrader does not read them as a verdict.
    """
    lines = []
    for out in outputs:
        if out.get("output_type") == "stream":
            lines.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            lines.append("\n".join(_ANSI.sub("", t) for t in out.get("traceback", [])) + "\n")
        elif out.get("output_type") in ("display_data", "execute_result"):
            lines.append(str(out.get("data", {}).get("text/plain", "")) + "\n")
    text = "".join(lines)
    if len(text) > 4000:
        text = text[:4000] + "\n[cut]\n"
    return [nbformat.v4.new_output("stream", name="stdout", text=text)] if text.strip() else []


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _name(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade_id"):
        return f"{'answer cell' if meta.get('solution') else 'cell'} {meta['grade_id']}"
    first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")[:60]
    return f"a cell you added ({first!r})" if cell.metadata.get("tlukit", {}).get("added") else f"the cell {first!r}"


def _error(ename: str, text: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"✗ {ename}", *text.splitlines()])


def _execute(job, nb, plan, scratch, box, env, run_id, failed_at, result) -> None:
    """Run the plan cell by cell; after a fatal fault, restart the kernel, replay, go on."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    limits = job.limits
    deadline = time.monotonic() + limits.notebook_timeout
    done: list[int] = []  # plan positions that ran (replayed after a restart)
    position, restarts, starts_failed = 0, 0, 0
    Client = _client_class()
    stop = False
    while position < len(plan) and not stop:
        km = _kernel_manager(scratch, box, env, limits, restarts + starts_failed)
        client = Client(nbformat.v4.new_notebook(), km=km, timeout=int(limits.cell_timeout), allow_errors=True,
                        interrupt_on_timeout=False, record_timing=False, startup_timeout=60,
                        resources={"metadata": {"path": str(scratch / "work")}})
        client.kept, client.flood_mb, client.output_kb = {}, limits.flood_mb, limits.output_kb
        watch, phase = None, "start"
        try:
            with client.setup_kernel(cwd=str(scratch / "work"), env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL):
                watch, phase = _Watch(km, limits), "replay"
                for p in done:  # replay what ran before the restart, outputs discarded
                    _, src, _, _ = plan[p]
                    client.nb.cells = [nbformat.v4.new_code_cell(src)]
                    client.execute_cell(client.nb.cells[0], 0)
                phase = "run"
                while position < len(plan):
                    if time.monotonic() > deadline:
                        failed_at[position] = (f"the notebook reached its time limit of {limits.notebook_timeout:g} s "
                                               "here; this cell and the ones after it were not run")
                        position = len(plan)
                        break
                    i, src, _, probe = plan[position]
                    cell = nb.cells[i]
                    client.timeout = int(max(1, min(limits.cell_timeout, deadline - time.monotonic())))
                    run = nbformat.v4.new_code_cell(src)
                    client.kept.pop(0, None)
                    try:
                        if probe:  # its own execution: its source never shows in a traceback of the checks
                            client.nb.cells = [nbformat.v4.new_code_cell(probe)]
                            client.execute_cell(client.nb.cells[0], 0)
                        client.nb.cells = [run]
                        client.execute_cell(run, 0)
                    finally:
                        cell.outputs, cell.execution_count = run.outputs, run.get("execution_count")
                    done.append(position)
                    position += 1
        except CellTimeoutError:
            if time.monotonic() >= deadline - 0.5:
                failed_at[position] = (f"was stopped when the notebook reached its time limit of "
                                       f"{limits.notebook_timeout:g} s; the cells after it were not run")
                stop = True
            else:
                failed_at[position] = f"ran longer than the time limit of {limits.cell_timeout:g} s per cell and was stopped"
        except DeadKernelError:
            failed_at[position] = watch.tripped if watch and watch.tripped else (
                "printed more output than the grader accepts" if client.flooded else
                "the kernel died (sys.exit, os._exit, a signal or a crash)")
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot start or talk is this notebook's problem
            if phase == "start" and starts_failed < 2:
                starts_failed += 1  # a kernel that did not come up ran no student code yet: try again
                continue
            failed_at[position] = f"the kernel stopped responding ({type(exc).__name__}: {str(exc)[:120]})"
            stop = True
        finally:
            if watch:
                watch.stop()
            _shutdown(km, run_id, box)
        if phase == "replay" and position in failed_at:
            failed_at[position] = ("after a restart, replaying the cells before this one failed too "
                                   f"({failed_at[position]}); grading stopped here")
            stop = True
        if position in failed_at and position < len(plan):
            nb.cells[plan[position][0]].outputs.append(_error("GradingStopped", failed_at[position]))
            position += 1
            restarts += 1
            if restarts > limits.max_restarts and position < len(plan) and not stop:
                failed_at[position] = f"after {limits.max_restarts} restarts of the kernel, grading stopped here"
                break


def _shutdown(km, run_id: str, box: sandbox.Sandbox) -> None:
    proc = getattr(getattr(km, "provisioner", None), "process", None)
    family = []
    if proc is not None:
        try:
            root = psutil.Process(proc.pid)
            family = [root, *root.children(recursive=True)]
        except psutil.Error:
            pass
    kill(family)  # the sandbox (bwrap) and, with it, every process inside its PID namespace
    if not box.isolated:
        hunt(run_id)


def _write(out: Path, nb, reasons: list[str]) -> None:
    if reasons:
        text = "**Notes from the grader**\n\n" + "\n".join(f"- {r}" for r in reasons)
        note = nbformat.v4.new_markdown_cell(text)
        note.metadata["tlukit"] = {"grader_notes": True}
        nb.cells.insert(0, note)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
