"""Grade one student's notebook for one lesson: sandboxed kernel, trusted verdicts.

1. The submission is read leniently and rebuilt on the release (:mod:`autograder.assemble`):
   only the student's answers (and added code cells) come from it.
2. Each test cell is replaced by a *probe*: the student's kernel runs the student's function
   on inputs drawn here, in this trusted process, and writes the results as JSON
   (:mod:`tlukit.probe`). Nothing in the kernel holds an expected value or decides a score.
3. The notebook runs cell by cell in a fresh kernel in the sandbox (:mod:`autograder.sandbox`),
   as an unprivileged user, with a time limit per cell and per notebook, a memory limit, a
   process limit and an output limit. A cell over its time limit is interrupted and the kernel
   goes on. A cell that ignores the interrupt or kills its kernel is recorded, the kernel is
   restarted, the cells before it and the faulty cell's lines above the statement it was in
   are replayed (its completed definitions), and grading goes on after it: a fault costs only
   the points it touches.
4. This process compares each probe's results with the reference (:func:`autograder.hidden.judge`)
   and writes the verdict as the test cell's last output: a ✓ line for a pass, an error with
   the reason for a failure, which is exactly what nbgrader scores. The visible checks' own
   output stays above it as plain text, for the feedback.
5. Before the notebook is written, active content in the student's outputs and written
   answers is neutralised (nbconvert's ``SanitizeHTML``) and the grader's notes are escaped:
   every page the instructor opens is made from this notebook.

The result is an executed notebook in nbgrader's layout; :mod:`autograder.grade` has nbgrader
record its scores in the gradebook and write the feedback.
"""
from __future__ import annotations

import ast
import copy
import html
import json
import os
import re
import secrets
import shutil
import signal
import stat
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
    processes: int = 256  # a kernel that starts more is stopped (a fork storm)
    interrupt_grace: float = 10  # seconds a timed-out cell gets to answer Jupyter's interrupt


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
        "MKL_NUM_THREADS": "1", "TMPDIR": "/tmp", "USER": "student", "LOGNAME": "student", MARKER: run_id,
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


def _give(path: Path, uid: int | None) -> None:
    """Hand ``path`` (and all below it) to the kernel's own user, when it has one."""
    if uid is None:
        return
    os.chown(path, uid, uid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _kernel_manager(scratch: Path, box: sandbox.Sandbox, env: dict[str, str], limits: Limits, n: int = 0,
                    uid: int | None = None):
    from jupyter_client import AsyncKernelManager

    nproc = 4 * limits.processes if uid is not None else _nproc_limit()  # threads count too
    bootstrap = (f"import resource as r, os, sys; r.setrlimit(r.RLIMIT_FSIZE, ({256 * 2**20}, {256 * 2**20})); "
                 f"r.setrlimit(r.RLIMIT_CORE, (0, 0)); r.setrlimit(r.RLIMIT_NPROC, ({nproc}, {nproc})); "
                 + (sandbox.drop_privileges(uid) if box.isolated else "")
                 + "os.execv(sys.executable, [sys.executable, '-I', '-m', 'ipykernel_launcher', *sys.argv[1:]])")

    class SandboxedKernel(AsyncKernelManager):  # nbclient needs the asynchronous manager for its time limits
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            i = cmd.index("ipykernel_launcher") if "ipykernel_launcher" in cmd else None
            if i is None:
                raise RuntimeError(f"unexpected kernel command {cmd}")
            _give(Path(self.connection_file), uid)  # written just before: the kernel's user must read it
            argv = [os.sys.executable, "-I", "-c", bootstrap, *cmd[i + 1:], "--IPKernelApp.ignore_cwd=True",
                    "--HistoryManager.enabled=False"]
            return box.wrap(argv, scratch, env, sandbox.read_only_paths())

    km = SandboxedKernel(kernel_name="python3")
    km.transport = "ipc"
    km.ip = str(scratch / f"k{n}")  # fresh sockets for each (re)start: a killed kernel may not be gone yet
    km.connection_file = str(scratch / f"kernel{n}.json")
    return km


def _nproc_limit() -> int:
    """A cap on processes and threads against fork bombs when grading as an ordinary user:
    what this user runs now, plus 2048 (Linux counts every process and thread of the user)."""
    uid, count = os.getuid(), 0
    for p in psutil.process_iter(["uids", "num_threads"]):
        if p.info["uids"] and p.info["uids"].real == uid:
            count += p.info["num_threads"] or 1
    return count + 2048


def _family(km) -> list[psutil.Process]:
    """The kernel's process tree: the sandbox (or the kernel itself) and everything below it."""
    proc = getattr(getattr(km, "provisioner", None), "process", None)
    if proc is None:
        return []
    try:
        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _sum(procs: list[psutil.Process], measure) -> int:
    total = 0
    for p in procs:
        try:
            total += measure(p)
        except psutil.Error:
            pass
    return total


class _Watch:
    """Watches the kernel's processes: how many there are, and the memory they use."""

    def __init__(self, km, limits: Limits, isolated: bool):
        self.km, self.limits, self.tripped = km, limits, ""
        self.ours = 3 if isolated else 1  # bubblewrap's two processes and the kernel are not the student's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        limit, pss_at, pss = self.limits.memory_mb * 2**20, 0.0, 0
        while not self._stop.wait(0.1):
            try:
                family = _family(self.km)
                children = len(family) - self.ours
                if children > self.limits.processes:
                    self.tripped = (f"started more than {self.limits.processes} processes (a fork storm?) "
                                    "and was stopped")
                elif _sum(family, lambda p: p.memory_info().rss) > limit:
                    # RSS counts a page shared by forked processes once per process; PSS shares it
                    # out. Reading it is slower, so only with children and at most twice a second.
                    if children <= 0:
                        pss = limit + 1
                    elif time.monotonic() - pss_at > 0.5:
                        pss, pss_at = _sum(family, lambda p: p.memory_full_info().pss), time.monotonic()
                    if pss > limit:
                        self.tripped = f"used more than {self.limits.memory_mb} MiB of memory"
                if self.tripped:
                    kill(family)
                    return
            except Exception:  # noqa: BLE001 - a process that vanished mid-read: look again next time
                continue

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


def _interrupt(km) -> bool:
    """Send SIGINT to the kernel process (the oldest ipykernel of its tree), as Jupyter's ■ does."""
    kernels = []
    for p in _family(km):
        try:
            if "ipykernel_launcher" in p.cmdline():  # an argument of its own: the kernel, or a fork of it
                kernels.append((p.create_time(), p.pid, p))
        except psutil.Error:
            continue
    if not kernels:
        return False
    try:
        min(kernels)[2].send_signal(signal.SIGINT)
        return True
    except psutil.Error:
        return False


def _client_class():
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """nbclient running one cell at a time, with a cap on the output it keeps and accepts.

        Each cell run is appended to the client's notebook under its own index, so a display
        updated from a later cell (``display(..., display_id=True)``, then ``handle.update``)
        finds the output it updates.
        """

        kept: dict[int, int] = {}
        total = 0
        flood_mb = 32
        output_kb = 256
        flooded = False
        replaying = False  # outputs of replayed cells are dropped, and do not count
        last = None  # the cell run last (its outputs so far, even when it was stopped)

        def run(self, source: str):
            cell = nbformat.v4.new_code_cell(source)
            self.nb.cells.append(cell)
            try:
                self.execute_cell(cell, len(self.nb.cells) - 1)
            finally:
                self.last = cell
            return cell

        def _count(self, size: int) -> None:
            self.total += size
            if self.total > self.flood_mb * 2**20 and not self.flooded:
                self.flooded = True
                kill(_family(self.km))

        def output(self, outs, msg, display_id, cell_index):
            if self.replaying:
                return None
            size = len(json.dumps(msg.get("content", {}), default=str))
            self._count(size)
            used = self.kept.get(cell_index, 0)
            if used + size > self.output_kb * 1024:
                if used <= self.output_kb * 1024:
                    self.kept[cell_index] = used + size
                    outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                       text=f"\n[output cut at {self.output_kb} KiB by the grader]\n"))
                return None
            self.kept[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)

        def _update_display_id(self, display_id, msg):
            size = len(json.dumps(msg.get("content", {}), default=str))
            self._count(size)
            if not self.replaying and size <= self.output_kb * 1024:
                super()._update_display_id(display_id, msg)

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
        result.reasons += [sub.problem, *job.notes]
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


@dataclass
class _Fault:
    """A cell that did not run to its end: why, and the first line of the statement it was in."""

    why: str
    line: int = 0  # 0: unknown, or a test cell (the grader's probe was running)
    kept: str = ""  # the cell's lines above that statement, replayed after a restart


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
            requests[grade_id] = (i, q, cases, name, folder, len(plan))
            probe = f"__import__('tlukit.probe').probe.evaluate({name!r}, {str(folder)!r})"
            plan.append((i, cell.source, grade_id, probe))  # the probe, then the visible checks for the feedback
        else:
            plan.append((i, cell.source, None, None))
    uid = sandbox.kernel_user() if box.isolated else None
    _give(scratch, uid)
    run_id = secrets.token_hex(8)
    env = kernel_env(scratch, job.grading_mode, run_id)
    faults: dict[int, _Fault] = {}  # plan position -> what went wrong there
    _execute(job, nb, plan, scratch, box, env, run_id, faults, uid)
    for position, fault in faults.items():
        i, _, grade_id, _ = plan[position]
        where = f"test cell {grade_id}" if grade_id else _name(nb.cells[i])
        result.reasons.append(f"{where}: {fault.why}")
    for grade_id, (i, q, cases, name, folder, position) in requests.items():
        path = folder / "result.json"
        text = _head(path, hidden.wire.MAX_BYTES + 1)  # a larger file is refused as such, unread
        stopped = faults[position].why if position in faults else None
        verdict = hidden.judge(q, cases, text, seed, name, stopped)
        earlier = [f for p, f in faults.items() if p < position and f.line]
        if not verdict.passed and verdict.message.startswith(f"{name} is not defined") and earlier:
            verdict.message = (f"{name} is not defined: the grader stopped a cell above before it ran the line that "
                               f"defines {name} ({earlier[-1].why}); see the notes at the top")
        result.verdicts[grade_id] = verdict
        cell = nb.cells[i]
        shown = _as_text(cell.get("outputs", []))
        if verdict.passed:
            cell.outputs = shown + [nbformat.v4.new_output("stream", name="stdout", text=verdict.message + "\n")]
        else:
            cell.outputs = shown + [_error("HiddenTestFailed", verdict.message)]


def _head(path: Path, limit: int) -> bytes | None:
    """The first ``limit`` bytes of the regular file ``path``, or None when there is none.

    The kernel can write in the folder: a link, a FIFO or a device in place of the file is
    refused without being followed or waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with open(fd, "rb") as handle:
        return handle.read(limit) if stat.S_ISREG(os.fstat(fd).st_mode) else None


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


def _stopped_at(source: str, line_file: Path) -> tuple[int, str]:
    """Where a cell stopped (from :func:`tlukit.probe.track`): the line in ``source`` of the
    statement that was running, and the lines above it. (IPython drops leading blank lines
    before it numbers a cell's lines.)"""
    try:
        line = int((_head(line_file, 64) or b"0").split()[0])
    except (ValueError, IndexError):
        return 0, ""
    lines = source.splitlines(keepends=True)
    blank = next((k for k, text in enumerate(lines) if text.strip()), 0)
    if not 1 <= line + blank <= len(lines):
        return 0, ""
    return line + blank, "".join(lines[: line + blank - 1])


def _where(source: str, line: int) -> str:
    if not line:
        return ""
    text = source.splitlines()[line - 1].strip()
    return f" at line {line} ({text[:60]!r})"


def _execute(job, nb, plan, scratch, box, env, run_id, faults: dict[int, _Fault], uid) -> None:
    """Run the plan cell by cell in the sandboxed kernel, and contain every fault to its cell.

    * A cell over its time limit is interrupted, as Jupyter's ■ button does: the kernel and
      everything the cell defined before it stopped are kept, and grading goes on.
    * A cell that ignores the interrupt, kills its kernel, floods its output or passes the
      memory limit is stopped with the whole kernel. A new kernel replays the cells that ran,
      then the faulty cell's lines above the statement that was running (the definitions that
      completed), and grading goes on after it, up to ``limits.max_restarts`` times.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    limits = job.limits
    deadline = time.monotonic() + limits.notebook_timeout
    done: list[int] = []  # plan positions that ran to their end (replayed after a restart)
    line_file = scratch / "io" / "line"
    position, restarts, starts_failed = 0, 0, 0
    Client = _client_class()

    def stop(at: int, why: str) -> None:
        faults[at] = _Fault(why)
        nb.cells[plan[at][0]].outputs.append(_error("GradingStopped", why))

    while position < len(plan):
        km = _kernel_manager(scratch, box, env, limits, restarts + starts_failed, uid)
        client = Client(nbformat.v4.new_notebook(), km=km, timeout=int(limits.cell_timeout), allow_errors=True,
                        interrupt_on_timeout=False, record_timing=False, startup_timeout=60,
                        resources={"metadata": {"path": str(scratch / "work")}})
        client.kept, client.flood_mb, client.output_kb = {}, limits.flood_mb, limits.output_kb
        watch, phase, replaying, why = None, "start", None, ""
        try:
            with client.setup_kernel(cwd=str(scratch / "work"), env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL):
                watch, phase = _Watch(km, limits, box.isolated), "replay"
                client.replaying = True
                # Replayed cells finished once within their limit; a loaded machine may need longer now.
                client.timeout = int(max(1, min(2 * limits.cell_timeout + 10, deadline - time.monotonic())))
                client.run(f"__import__('tlukit.probe').probe.track({str(line_file)!r})")
                replay = sorted([(p, plan[p][1]) for p in done] + [(p, f.kept) for p, f in faults.items() if f.kept])
                for replaying, src in replay:  # what ran before the restart, outputs dropped
                    client.run(src)
                replaying, phase, client.replaying = None, "run", False
                while position < len(plan):
                    if time.monotonic() > deadline:
                        stop(position, f"the notebook reached its time limit of {limits.notebook_timeout:g} s here; "
                                       "this cell and the ones after it were not run")
                        return
                    i, src, grade_id, probe = plan[position]
                    cell = nb.cells[i]
                    client.timeout = int(max(1, min(limits.cell_timeout, deadline - time.monotonic())))
                    client.last = None
                    try:
                        if probe:  # its own execution: its source never shows in a traceback of the checks
                            client.run(probe)
                        client.run(src)
                    except CellTimeoutError:
                        line, kept = (0, "") if grade_id else _stopped_at(src, line_file)
                        if time.monotonic() >= deadline - 0.5 or not _interrupted(client, km, limits):
                            raise
                        faults[position] = _Fault(f"ran longer than the time limit of {limits.cell_timeout:g} s per cell "
                                                  f"and was interrupted{_where(src, line)}"
                                                  + ("; what it had defined before was kept" if kept.strip() else ""),
                                                  line, kept)
                    finally:
                        if client.last is not None and client.last.source == src:
                            cell.outputs, cell.execution_count = client.last.outputs, client.last.get("execution_count")
                    if position in faults:
                        cell.outputs.append(_error("GradingStopped", faults[position].why))
                    else:
                        done.append(position)
                    position += 1
        except CellTimeoutError:
            why = (f"was stopped when the notebook reached its time limit of {limits.notebook_timeout:g} s; the cells "
                   "after it were not run" if time.monotonic() >= deadline - 0.5 else
                   f"took longer than {client.timeout} s when run again after a restart" if phase == "replay" else
                   f"ran longer than the time limit of {limits.cell_timeout:g} s per cell, ignored the interrupt and "
                   "was stopped")
        except DeadKernelError:
            why = (watch.tripped if watch and watch.tripped else
                   "printed more output than the grader accepts, and was stopped" if client.flooded else
                   "stopped its kernel (sys.exit, os._exit, a signal or a crash)")
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot start or talk is this notebook's problem
            if phase == "start" and starts_failed < 2:
                starts_failed += 1  # a kernel that did not come up ran no student code yet: try again
                continue
            stop(position, f"the kernel stopped responding ({type(exc).__name__}: {str(exc)[:120]}); grading stopped here")
            return
        else:
            return  # every cell ran, or the notebook reached its time limit
        finally:
            _shutdown(km, run_id, box, watch)  # on every way out: the watcher, the sandbox and all inside it
        if replaying is not None and replaying not in faults:  # a cell that had run fails when run again
            stop(position, f"after a restart, replaying the cells before this one failed ({why}); grading stopped here")
            return
        if replaying is not None:  # the kept lines of a faulty cell fault again: keep nothing of it
            faults[replaying].kept = ""
            faults[replaying].why += "; its lines above that did not run again after the restart either"
        else:
            _, src, grade_id, _ = plan[position]
            line, kept = (0, "") if grade_id else _stopped_at(src, line_file)
            extra = "; the lines above it (what it had defined) were run again in a new kernel" if kept.strip() else ""
            faults[position] = _Fault(f"{why}{_where(src, line)}{extra}", line, kept)
            nb.cells[plan[position][0]].outputs.append(_error("GradingStopped", faults[position].why))
            position += 1
            if time.monotonic() >= deadline - 0.5:
                return
        restarts += 1
        if restarts > limits.max_restarts and position < len(plan):
            stop(position, f"after {limits.max_restarts} restarts of the kernel, grading stopped here")
            return


def _interrupted(client, km, limits: Limits) -> bool:
    """Interrupt the running cell; True when the kernel then answers within the grace period."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if not _interrupt(km):
        return False
    timeout, client.timeout = client.timeout, max(1, int(limits.interrupt_grace))
    try:
        client.run("pass")
        return True
    except (CellTimeoutError, DeadKernelError):
        return False
    finally:
        client.timeout = timeout


def _shutdown(km, run_id: str, box: sandbox.Sandbox, watch: _Watch | None = None) -> None:
    if watch:
        watch.stop()
    kill(_family(km))  # the sandbox (bwrap) and, with it, every process inside its PID namespace
    if not box.isolated:
        hunt(run_id)


# ----------------------------------------------------------------------------- the executed notebook
def _valid_text(value):
    """``value`` with every lone surrogate (not encodable as UTF-8) replaced by U+FFFD."""
    if isinstance(value, str):
        return assemble.SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_valid_text(v) for v in value]
    if isinstance(value, dict):
        return type(value)((_valid_text(k), _valid_text(v)) for k, v in value.items())
    return value


def _sanitize(nb) -> None:
    """Neutralise active content the student controls, before any page shows it to the instructor.

    Every output (the kernel runs the student's code, so any cell's output may be forged) and
    every markdown answer goes through nbconvert's ``SanitizeHTML`` (bleach): JavaScript and
    other unknown output types are removed; HTML keeps a safe list of tags and attributes
    (no script, iframe, event handler or ``javascript:`` link). The feedback, formgrader's
    views and the autograded notebooks all come from this notebook.
    """
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    tags = ["a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "i", "img", "li", "ol",
            "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"]
    attributes = {"a": ["href", "title"], "abbr": ["title"], "img": ["src", "alt", "width", "height"],
                  "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"]}
    sanitizer = SanitizeHTML(tags=tags, attributes=attributes)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = sanitizer.sanitize_code_outputs(cell.get("outputs", []))
        elif cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = _neutral_links(sanitizer.sanitize_html_tags(cell.source))
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                output["data"]["text/markdown"] = _neutral_links(output["data"]["text/markdown"])


def _neutral_links(markdown: str) -> str:
    """Markdown links and images whose target would run script become plain text."""
    return re.sub(r"\]\(\s*<?\s*(javascript|vbscript|data)\s*:", "](#unsafe-link-removed:", markdown, flags=re.I)


def _notes(reasons: list[str]):
    """The grader's notes as a markdown cell; every reason may hold text the student wrote, so
    it is escaped and kept in an HTML block (no markdown is interpreted inside it)."""
    items = "".join(f"<li>{html.escape(r).replace(chr(10), '<br>')}</li>" for r in reasons)
    note = nbformat.v4.new_markdown_cell(f"**Notes from the grader**\n\n<ul>{items}</ul>")
    note.metadata["tlukit"] = {"grader_notes": True}
    return note


def _write(out: Path, nb, reasons: list[str]) -> None:
    nb = nbformat.from_dict(_valid_text(nb))
    _sanitize(nb)
    if reasons:
        nb.cells.insert(0, _notes(reasons))
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        nbformat.write(nb, out)
    except Exception as exc:  # noqa: BLE001 - outputs that cannot be saved cost their display, never the grades
        for cell in nb.cells:
            if _kind(cell) == "code":
                cell.outputs = []
        reason = f"the outputs of this notebook could not be saved ({type(exc).__name__}); they were left out"
        nb.cells[0: 1 if reasons else 0] = [_notes([*reasons, reason])]
        nbformat.write(nb, out)
