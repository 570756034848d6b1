"""The student's kernel as a process: everything about it except what it runs.

Its environment (:func:`environment`) and scratch folder (:func:`prepare_scratch`, handed to
the kernel's own user by :func:`give`); its start in the sandbox (:func:`manager`: resource
limits, then the privileges dropped, before ``ipykernel`` starts); the watch on its processes
and memory (:class:`Watch`); how it is interrupted (:func:`interrupt`), killed (:func:`kill`,
:func:`hunt`) and cleaned up after (:func:`shutdown`); and how a file it wrote is read back
without trusting it (:func:`read_back`). :mod:`autograder.execute` runs cells in it.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from . import sandbox


@dataclass
class Limits:
    """What one student's kernel may use: time per cell and per notebook, memory, output, processes."""

    cell_timeout: float = 120
    notebook_timeout: float = 900
    memory_mb: int = 4096
    output_kb: int = 256  # kept per cell; more is cut with a note
    flood_mb: int = 32  # a kernel that prints more than this in all is stopped
    max_restarts: int = 3
    processes: int = 256  # a kernel that starts more is stopped (a fork storm)
    interrupt_grace: float = 10  # seconds a timed-out cell gets to answer Jupyter's interrupt


MARKER = "TLUKIT_GRADING_RUN"


def environment(scratch: Path, grading_mode: bool, run_id: str) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's but the data locations, and the
    run's marker (:func:`hunt`)."""
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


def prepare_scratch(scratch: Path) -> None:
    """The kernel's working folder, home and the folder of the probes' files, under ``scratch``."""
    for sub in ("work", "home/.config/matplotlib", "io"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    try:  # matplotlib's font list, so that each kernel does not rebuild it
        import matplotlib

        for f in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copy(f, scratch / "home/.config/matplotlib" / f.name)
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def give(path: Path, uid: int | None) -> None:
    """Hand ``path`` (and all below it) to the kernel's own user, when it has one."""
    if uid is None:
        return
    os.chown(path, uid, uid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def manager(scratch: Path, box: sandbox.Sandbox, env: dict[str, str], limits: Limits, n: int = 0,
            uid: int | None = None):
    """The kernel manager of the ``n``-th (re)start: the kernel starts in ``box`` under resource
    limits, as the user ``uid`` when the sandbox has one."""
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
            give(Path(self.connection_file), uid)  # written just before: the kernel's user must read it
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


def processes(km) -> list[psutil.Process]:
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


class Watch:
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
                family = processes(self.km)
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


def interrupt(km) -> bool:
    """Send SIGINT to the kernel process (the oldest ipykernel of its tree), as Jupyter's ■ does."""
    kernels = []
    for p in processes(km):
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


def shutdown(km, run_id: str, box: sandbox.Sandbox, watch: Watch | None = None) -> None:
    """Stop the watcher, then kill the kernel with everything it started."""
    if watch:
        watch.stop()
    kill(processes(km))  # the sandbox (bwrap) and, with it, every process inside its PID namespace
    if not box.isolated:
        hunt(run_id)


def read_back(path: Path, limit: int) -> bytes | None:
    """The first ``limit`` bytes of the regular file ``path``, or None when there is none.

    The kernel can write in the folder: a link, a FIFO or a device in place of the file is
    refused without being followed or waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with open(fd, "rb") as handle:
        return handle.read(limit) if stat.S_ISREG(os.fstat(fd).st_mode) else None
