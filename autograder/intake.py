"""Intake: copy the students' lesson notebooks from the inbox into the course folder.

An upload is data, never a pointer to other files. A symbolic link (or a hard link, its twin)
inside a submission can name any file the grader can read, ``solutions/`` included, so only
regular files with a single name, inside the student's own folder or zip, are taken; links are
never followed, and each refusal is reported with its reason. Sizes are checked while reading,
so a small zip that inflates to gigabytes costs at most the limit plus one chunk of memory, and
nothing is written to disk before a notebook has passed every check.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from pathlib import Path

from . import assemble
from .course import notebooks

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CHUNK = 2**20
NO_LINKS = "links are never followed"
NOTHING_TAKEN = "no notebook of the graded lessons found in the submission"


def _notebook_names(lessons: list[str]) -> dict[str, str]:
    return {p.name: lesson for lesson in lessons for p in notebooks(lesson)}


def _too_big(name: str, limit: int) -> str:
    return (f"{name} is over the {limit / 2**20:g} MiB limit: clear the outputs (Edit > Clear all outputs), "
            "save and upload it again")


def _read_bounded(read, limit: int) -> bytearray | None:
    """At most ``limit`` bytes from ``read(n)``; ``None`` as soon as there are more.

    The buffer grows in place, so memory stays within the limit plus one chunk whatever the
    file or archive claims its size is.
    """
    data = bytearray()
    while len(data) <= limit:
        chunk = read(min(CHUNK, limit + 1 - len(data)))
        if not chunk:
            return data
        data += chunk
    return None


def _link_problem(st: os.stat_result, name: str) -> str:
    """Why a file with this ``lstat``/``fstat`` is not taken, or ``""``."""
    if stat.S_ISLNK(st.st_mode):
        return f"{name} is a symbolic link; {NO_LINKS}: upload the notebook file itself"
    if not stat.S_ISREG(st.st_mode):
        return f"{name} is not a regular file; only regular files are taken"
    if st.st_nlink > 1:
        return (f"{name} is a hard link (one of {st.st_nlink} names of the same file); {NO_LINKS}: "
                "upload the notebook file itself")
    return ""


def _open_regular(path: Path, name: str):
    """``path`` opened for reading without following a link, or the reason it is refused.

    ``lstat`` refuses links; ``O_NOFOLLOW`` and ``fstat`` on the opened file close the gap in
    which the file could be swapped for a link after the check.
    """
    why = _link_problem(os.lstat(path), name)
    if why:
        return None, why
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, f"{name} could not be opened ({exc.strerror}); {NO_LINKS}: upload the notebook file itself"
    handle = open(fd, "rb", buffering=0)
    why = _link_problem(os.fstat(fd), name)
    if why:
        handle.close()
        return None, why
    return handle, ""


def _from_folder(folder: Path, wanted: dict[str, str], limit: int, problems: list[str]):
    """(name, bytes) of the wanted notebooks in a student's folder, first copy of each."""
    paths = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        for d in sorted(dirs):
            if os.path.islink(os.path.join(top, d)):  # os.walk lists a link to a folder as a folder
                problems.append(f"{Path(top, d).relative_to(folder).as_posix()}/ is a symbolic link to a folder; "
                                f"{NO_LINKS}: upload the files themselves")
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and not os.path.islink(os.path.join(top, d)))
        paths += [Path(top, f) for f in files if f.endswith(".ipynb")]
    taken: set[str] = set()
    for path in sorted(paths):
        rel = path.relative_to(folder).as_posix()
        if path.name not in wanted or path.name in taken:
            yield path.name, None  # reported by the caller, never read
            continue
        handle, why = _open_regular(path, rel)
        if handle is None:
            problems.append(why)
            continue
        with handle:
            data = _read_bounded(handle.read, limit)
        if data is None:
            problems.append(_too_big(rel, limit))
            continue
        taken.add(path.name)
        yield path.name, data


def _unsafe_member(info: zipfile.ZipInfo) -> str:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in name.split("/"):
        return "climbs out of the archive's folder ('..')"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"is a symbolic link; {NO_LINKS}"
    return ""


def _from_zip(handle, zip_name: str, wanted: dict[str, str], limit: int, problems: list[str]):
    """(name, bytes) of the wanted notebooks in a student's zip, first copy of each, streamed."""
    with zipfile.ZipFile(handle) as archive:
        taken: set[str] = set()
        for info in archive.infolist():
            member = info.filename
            if info.is_dir() or not member.endswith(".ipynb") or "__MACOSX" in member or ".ipynb_checkpoints" in member:
                continue
            why = _unsafe_member(info)
            if why:
                problems.append(f"{member} in {zip_name} {why}: refused; zip the notebook file itself")
                continue
            name = member.replace("\\", "/").rsplit("/", 1)[-1]
            if name not in wanted or name in taken:
                yield name, None
                continue
            if info.flag_bits & 0x1:
                problems.append(f"{member} in {zip_name} is encrypted: ask the student to zip it again without a password")
                continue
            try:  # the size the archive claims is not trusted: the stream is cut at the limit
                with archive.open(info) as stream:
                    data = _read_bounded(stream.read, limit)
            except Exception as exc:  # noqa: BLE001 - CRC, zlib, unknown method...: this member's fault, not the batch's
                problems.append(f"{member} in {zip_name} could not be unpacked ({type(exc).__name__}: "
                                f"{str(exc)[:120]}); ask the student to zip it again")
                continue
            if data is None:
                problems.append(_too_big(f"{member} in {zip_name}", limit))
                continue
            taken.add(name)
            yield name, data


def _store(files, student: str, wanted: dict[str, str], course: Path, problems: list[tuple[str, str]]) -> set[str]:
    """Write each notebook that passed to ``course/submitted/<student>/<lesson>/`` as it comes
    (one notebook in memory at a time); the lessons written."""
    seen: set[str] = set()
    for name, data in files:
        lesson = wanted.get(name)
        if lesson is None:
            problems.append((student, f"ignored {name}: not a notebook of the graded lessons ({', '.join(sorted(wanted))})"))
            continue
        if lesson in seen:  # only the first copy was read
            problems.append((student, f"two copies of {name}; graded the first one"))
            continue
        target = course / "submitted" / student / lesson
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        (target / name).write_bytes(data)
        seen.add(lesson)
    return seen


def collect(inbox: Path, course: Path, lessons: list[str]) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """Copy each student's notebooks from ``inbox`` to ``course/submitted/<student>/<lesson>/``.

    Returns the lessons each student submitted and the problems found (never raised: a bad
    entry or file is reported and the others are taken in).
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"The inbox {inbox} is not a folder. Put one folder or one .zip per student in it.")
    wanted = _notebook_names(lessons)
    limit = assemble.MAX_NOTEBOOK_BYTES
    submitted: dict[str, set[str]] = {}
    problems: list[tuple[str, str]] = []
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith("."):
            continue
        mode = os.lstat(entry).st_mode
        is_zip = stat.S_ISREG(mode) and entry.suffix == ".zip"
        student = entry.stem if is_zip else entry.name
        if stat.S_ISLNK(mode):
            problems.append((entry.name, f"ignored: a symbolic link; {NO_LINKS}: put the student's own folder "
                                         "or .zip in the inbox"))
            continue
        if not (stat.S_ISDIR(mode) or is_zip):
            problems.append((entry.name, "ignored: neither a folder nor a .zip archive"))
            continue
        if not STUDENT_ID.match(student):
            problems.append((entry.name, "ignored: a student id may hold only letters, digits, '.', '_' and '-'"))
            continue
        refused: list[str] = []
        try:
            if is_zip:
                handle, why = _open_regular(entry, entry.name)
                if handle is None:
                    problems.append((entry.name, f"ignored: {why}"))
                    continue
                with handle:
                    seen = _store(_from_zip(handle, entry.name, wanted, limit, refused), student, wanted, course, problems)
            else:
                seen = _store(_from_folder(entry, wanted, limit, refused), student, wanted, course, problems)
        except (zipfile.BadZipFile, OSError) as exc:
            what = "not a readable zip archive" if is_zip else "the folder could not be read"
            problems.append((entry.name, f"{what} ({exc}); ask the student to upload it again"))
            continue
        problems += [(student, what) for what in refused]
        if not seen:
            problems.append((student, NOTHING_TAKEN))
        submitted[student] = seen
    return submitted, problems


def why_missing(problems: list[tuple[str, str]], student: str, lesson: str, lessons: list[str]) -> list[str]:
    """The intake problems that explain why ``student`` has no notebook for ``lesson``.

    Those that name the lesson's notebook, or no graded notebook at all (a linked folder); not
    those about another lesson's notebook, nor the summary that nothing was taken.
    """
    own = [p.name for p in notebooks(lesson)]
    others = [n for n in _notebook_names(lessons) if n not in own]
    return [what for who, what in problems if who == student and what != NOTHING_TAKEN
            and (any(n in what for n in own) or not any(n in what for n in others))]
