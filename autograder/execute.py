"""Fault-tolerant execution: a notebook's cells run one by one in the sandboxed kernel.

:func:`run_plan` runs the plan :mod:`autograder.runner` made (each cell's source, a test cell's
probe first) in a kernel of :mod:`autograder.kernel`, with restarts and replays, so that a cell
that runs too long, kills its kernel or floods its output costs only that cell; each such
fault is recorded as a :class:`Fault` and noted under its cell. Whatever the cells print is
kept within limits by the nbclient client made here.
"""
from __future__ import annotations

import json
import queue
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import kernel, outputs



@dataclass
class Fault:
    """A cell that did not run to its end: why, and the first line of the statement it was in."""

    why: str
    line: int = 0  # 0: unknown, or a test cell (the grader's probe was running)
    kept: str = ""  # the cell's lines above that statement, replayed after a restart


def run_plan(job, nb, plan, scratch, box, env, run_id, faults: dict[int, Fault], uid) -> None:
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
    _quiet_stopped_cells()

    def stop(at: int, why: str) -> None:
        faults[at] = Fault(why)
        nb.cells[plan[at][0]].outputs.append(outputs.error("GradingStopped", why))

    while position < len(plan):
        km = kernel.manager(scratch, box, env, limits, restarts + starts_failed, uid)
        client = Client(nbformat.v4.new_notebook(), km=km, timeout=int(limits.cell_timeout), allow_errors=True,
                        interrupt_on_timeout=False, record_timing=False, startup_timeout=60,
                        resources={"metadata": {"path": str(scratch / "work")}})
        client.kept, client.flood_mb, client.output_kb = {}, limits.flood_mb, limits.output_kb
        watch, phase, replaying, why = None, "start", None, ""
        try:
            with client.setup_kernel(cwd=str(scratch / "work"), env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL):
                watch, phase = kernel.Watch(km, limits, box.isolated), "replay"
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
                        faults[position] = Fault(f"ran longer than the time limit of {limits.cell_timeout:g} s per cell "
                                                  f"and was interrupted{_where(src, line)}"
                                                  + ("; what it had defined before was kept" if kept.strip() else ""),
                                                  line, kept)
                    finally:
                        if client.last is not None and client.last.source == src:
                            cell.outputs, cell.execution_count = client.last.outputs, client.last.get("execution_count")
                    if position in faults:
                        cell.outputs.append(outputs.error("GradingStopped", faults[position].why))
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
            kernel.shutdown(km, run_id, box, watch)  # on every way out: the watcher, the sandbox and all inside it
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
            faults[position] = Fault(f"{why}{_where(src, line)}{extra}", line, kept)
            nb.cells[plan[position][0]].outputs.append(outputs.error("GradingStopped", faults[position].why))
            position += 1
            if time.monotonic() >= deadline - 0.5:
                return
        restarts += 1
        if restarts > limits.max_restarts and position < len(plan):
            stop(position, f"after {limits.max_restarts} restarts of the kernel, grading stopped here")
            return


def _quiet_stopped_cells() -> None:
    """Let the output poller of a cell that was stopped end without a traceback.

    When nbclient gives up on a cell (its time limit, a dead kernel), the task that reads the cell's
    output is left waiting, and it fails with ``queue.Empty`` once the kernel's channels close.
    Nobody reads that failure, so asyncio logs it from the task's finalizer, in the middle of
    whatever this process does then; formatting that traceback parses source, and a parse inside a
    parse fails in CPython 3.11 ("AST constructor recursion depth mismatch", gh-106905), which
    once failed a whole notebook. These ends are expected; any other unread failure is still logged.
    """
    from jupyter_core.utils import ensure_event_loop

    def handler(loop, context):
        task = context.get("future")
        coro = getattr(task, "get_coro", lambda: None)()
        if isinstance(context.get("exception"), queue.Empty) and "_async_poll_output_msg" in getattr(
                coro, "__qualname__", ""):
            return
        loop.default_exception_handler(context)

    ensure_event_loop().set_exception_handler(handler)


def _interrupted(client, km, limits: kernel.Limits) -> bool:
    """Interrupt the running cell; True when the kernel then answers within the grace period."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if not kernel.interrupt(km):
        return False
    timeout, client.timeout = client.timeout, max(1, int(limits.interrupt_grace))
    try:
        client.run("pass")
        return True
    except (CellTimeoutError, DeadKernelError):
        return False
    finally:
        client.timeout = timeout


def _stopped_at(source: str, line_file: Path) -> tuple[int, str]:
    """Where a cell stopped (from :func:`tlukit.probe.track`): the line in ``source`` of the
    statement that was running, and the lines above it. (IPython drops leading blank lines
    before it numbers a cell's lines.)"""
    try:
        line = int((kernel.read_back(line_file, 64) or b"0").split()[0])
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
                kernel.kill(kernel.processes(self.km))

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
