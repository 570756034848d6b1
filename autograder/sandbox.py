"""Where the student's kernel runs: a bubblewrap sandbox, or (when none is available) a plain
process with the protections that are then off named in the report.

Inside the bubblewrap sandbox (``bwrap``, Debian package ``bubblewrap``, no root needed) the
kernel sees:

* read-only: the system (``/usr``, a few files of ``/etc``), the Python interpreter and its
  environment, the ``tlukit`` package and the data-set caches;
* read-write: its own scratch folder (the kernel's working folder and home), and an empty
  ``/tmp`` of at most 256 MiB;
* nothing else: not the course (sources, solutions, ``autograder/``, the gradebook), not the
  other students' submissions or results, not the instructor's home;
* its own PID, network, IPC and UTS namespaces: no network, no view of other processes, and
  every process it starts dies with it (``--die-with-parent`` and a PID namespace whose
  init is the sandbox);
* the kernel talks to the grader over Unix sockets in the scratch folder (``ipc`` transport),
  the only door out, guarded by the kernel's HMAC key.

* no privileges: when the grader runs as root (CI, containers, many instructors' machines),
  the kernel drops to a fresh unprivileged user id of its own before any student code runs,
  with every capability gone (bounding set included) and ``no_new_privs`` set, so it cannot
  remount the read-only binds, open host files by handle (``open_by_handle_at``) or regain
  privileges through a nested user namespace. Run as an ordinary user, bubblewrap already
  gives the kernel that user's id with no capabilities.

The kernel itself starts with ``python -I`` (no ``PYTHONPATH``, no user site, no current
folder on ``sys.path``) and IPython's ``ignore_cwd``, so no file in the working folder can
shadow a module, and with an upper bound on the size of any file it writes.
"""
from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "passwd", "group", "hosts",
       "alternatives", "ssl", "mime.types", "fonts", "matplotlibrc"]

TMP_BYTES = 256 * 2**20

PROTECTIONS = [
    ("files", "student code reads only the system, Python and data sets; not the course, the gradebook or other students"),
    ("writes", "student code writes only in its own scratch folder"),
    ("privileges", "student code runs as an unprivileged user with no capabilities, even when grading as root"),
    ("processes", "no process started by student code outlives its grading"),
    ("network", "student code has no network"),
]


@dataclass(frozen=True)
class Sandbox:
    kind: str  # "bwrap" or "none"
    why: str = ""  # why bubblewrap is not used, when it is not

    @property
    def isolated(self) -> bool:
        return self.kind == "bwrap"

    def off(self) -> list[str]:
        """The protections that are off, in words (empty when sandboxed)."""
        if self.isolated:
            return []
        off = [f"{what} ({text}) is OFF" for what, text in PROTECTIONS if what != "processes"]
        return off + ["processes: left-over processes are hunted down by an environment marker, "
                      "which a process can erase"]

    def wrap(self, argv: list[str], scratch: Path, env: dict[str, str], read_only: list[Path]) -> list[str]:
        """The command that runs ``argv`` (the kernel) in this sandbox."""
        if not self.isolated:
            return argv
        cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
               "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading",
               "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
               "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]  # /tmp is memory: capped
        if os.geteuid() == 0:  # only what the kernel's start needs to drop to its own user id (see drop_privileges)
            cmd += ["--cap-drop", "ALL", *(x for cap in ("SETUID", "SETGID", "SETPCAP", "DAC_OVERRIDE") for x in ("--cap-add", f"CAP_{cap}"))]
        for name in ("bin", "lib", "lib32", "lib64", "sbin"):
            path = Path("/") / name
            if path.is_symlink():
                cmd += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                cmd += ["--ro-bind", str(path), str(path)]
        for name in ETC:
            cmd += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        binds = _unique(read_only)
        for folder in _parents([*binds, Path(scratch)]):  # bwrap would make them 0700: unreadable to the kernel's user
            cmd += ["--perms", "0755", "--dir", str(folder)]
        for path in binds:
            cmd += ["--ro-bind-try", str(path), str(path)]
        cmd += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch / "work"), "--clearenv"]
        for key, value in env.items():
            cmd += ["--setenv", key, value]
        return cmd + ["--", *argv]


def kernel_user() -> int | None:
    """The user (and group) id a kernel runs as when grading as root; None as an ordinary user.

    A fresh id for each notebook, far above any real account, so that two kernels never share
    a process budget (RLIMIT_NPROC counts per user) and no file of the system belongs to it.
    """
    return 1_900_000_000 + secrets.randbelow(2**27) if os.geteuid() == 0 else None


def drop_privileges(uid: int | None) -> str:
    """Python source that, run first in the kernel's process, leaves it as ``uid`` with no capabilities.

    The bounding and ambient sets are emptied while the process may still do so, then the
    groups, group id and user id change (which clears the permitted and effective sets), the
    inheritable set is emptied, and ``no_new_privs`` forbids regaining anything through a
    set-user-id program. It checks the
    result and refuses to go on otherwise. With ``uid`` None (an ordinary user) it only sets
    ``no_new_privs`` and checks that no capability is held.
    """
    change = "" if uid is None else (
        "[libc.prctl(24, c, 0, 0, 0) for c in range(64)]; libc.prctl(47, 4, 0, 0, 0); "  # CAPBSET_DROP; AMBIENT_CLEAR_ALL
        f"os.setgroups([]); os.setresgid({uid}, {uid}, {uid}); os.setresuid({uid}, {uid}, {uid}); "
        "libc.capset((ctypes.c_uint32 * 2)(0x20080522, 0), (ctypes.c_uint32 * 6)()); ")  # inheritable set too
    return ("import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); " + change +
            "libc.prctl(38, 1, 0, 0, 0); "  # PR_SET_NO_NEW_PRIVS
            "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapInh', 'CapPrm', 'CapEff', "
            "'CapAmb'))]; "
            "os.getuid() == 0 and os._exit(70); any(int(c, 16) for c in caps) and os._exit(71); ")


def _parents(paths: list[Path]) -> list[Path]:
    """Every folder above ``paths`` (outside /usr, and below the sandbox's own /tmp), parents first."""
    out: list[Path] = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            if parent not in (Path("/"), Path("/tmp")) and parent.parts[1] != "usr" and parent not in out:
                out.append(parent)
    return out


def _unique(paths: list[Path]) -> list[Path]:
    seen: list[Path] = []
    for p in sorted({Path(p).resolve() for p in paths if p}, key=lambda p: len(p.parts)):
        if not any(p == s or s in p.parents for s in seen):
            seen.append(p)
    return seen


@functools.lru_cache(maxsize=None)
def detect(preference: str = "auto") -> Sandbox:
    """The sandbox to use: ``"bwrap"`` (required), ``"none"`` or ``"auto"`` (bwrap when it works)."""
    if preference == "none":
        return Sandbox("none", "turned off with --sandbox none")
    why = _bwrap_problem()
    if why and preference == "bwrap":
        raise RuntimeError(f"bubblewrap cannot be used: {why}. Install it (Debian/Ubuntu: apt install bubblewrap) "
                           "or grade with --sandbox none, knowing which protections are then off.")
    return Sandbox("none", why) if why else Sandbox("bwrap")


def _bwrap_problem() -> str:
    if not shutil.which("bwrap"):
        return "bwrap is not installed (Debian/Ubuntu: apt install bubblewrap)"
    trial = Sandbox("bwrap").wrap([sys.executable, "-I", "-c", "print('ok')"], Path("/tmp"), {}, _python_paths())
    trial[trial.index("--chdir") + 1] = "/"
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap does not start ({exc})"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        first = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bwrap cannot create a sandbox here (user namespaces disabled?): {first}"
    return ""


def _python_paths() -> list[Path]:
    """What the kernel needs to run Python with this environment's packages."""
    import tlukit

    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
             Path(tlukit.__file__).resolve().parent]
    return paths


def read_only_paths() -> list[Path]:
    """Python, tlukit and the data-set caches the lessons' loaders read."""
    paths = _python_paths()
    home = Path.home()
    paths += [home / ".keras" / "datasets", home / "scikit_learn_data", Path("/usr/share/datasets")]
    for key in ("KERAS_HOME", "SCIKIT_LEARN_DATA", "TLUKIT_FASHION_MNIST_DIR", "TLUKIT_MNIST_DIR",
                "TLUKIT_CALIFORNIA_HOUSING_FILE", "TLUKIT_SHARED_DATA"):
        if os.environ.get(key):
            paths.append(Path(os.environ[key]))
    return [p for p in paths if p.exists()]
