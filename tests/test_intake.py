"""Intake treats uploads as data, never as links, in the style of test_grading_trust.py: put the
submissions in place, grade the batch once, then assert each student's points per question,
the reasons, and that the batch completed.

Every student below hands in the model answers or the solutions notebook itself, but through a
link, a hard link, a zip entry that climbs out of its folder, a zip bomb or a damaged member:
all of them must get zero with the reason in their row, while the honest students of the same
batch are graded normally.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import assemble, grade, gradebook, intake, runner, simulate
from autograder.course import REPO, SOLUTIONS, lessons, notebooks
from autograder.report import print_report

LESSON = "01_mcculloch_pitts"
NAME = f"{LESSON}.ipynb"
SOLUTION = SOLUTIONS / LESSON / NAME
RELEASE = simulate.release_notebook(LESSON)
POINTS = {g: p for g, p in gradebook.questions(LESSON)}
FULL = dict(POINTS)
ZERO = {g: 0.0 for g in POINTS}
LIMITS = runner.Limits(cell_timeout=6, notebook_timeout=150, memory_mb=700, flood_mb=4, output_kb=64)


def honest_bytes() -> bytes:
    return nbformat.writes(simulate.fill(RELEASE, simulate.solution_answers(LESSON))).encode()


def write_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members:
            archive.writestr(member, data)
    return path


def write_bomb(path: Path, mib: int) -> Path:
    """A zip of a few hundred kB whose notebook inflates to ``mib`` MiB (spaces inside a JSON string)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"{path.stem}/{NAME}", "w", force_zip64=True) as member:
            member.write(b'{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}, "padding": "')
            for _ in range(mib):
                member.write(b" " * 2**20)
            member.write(b'"}')
    return path


def patch_central(path: Path, member: str, *, flags: int = 0, crc: int | None = None) -> None:
    """Set general-purpose flag bits or the CRC of ``member`` in the zip's central directory."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == member.encode():
            data[at + 8] |= flags
            if crc is not None:
                data[at + 16:at + 20] = crc.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 1)
    path.write_bytes(data)


def corrupt_deflate(path: Path, member: str) -> None:
    """Flip bytes in the middle of ``member``'s compressed data."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little") \
        + int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    for i in range(start + info.compress_size // 3, start + info.compress_size // 3 + 64):
        data[i] ^= 0xA5
    path.write_bytes(data)


def listing(root: Path) -> list[str]:
    return sorted(os.path.relpath(os.path.join(top, n), root) for top, dirs, files in os.walk(root) for n in dirs + files)


# ----------------------------------------------------------------------------- the students
# student -> (expected points per test cell, words the lesson's reason must hold)
EXPECTED = {
    "honest": (FULL, []),
    "honest-zip": (FULL, []),
    "solutions-copy": (FULL, []),  # a regular copy of the solutions: what each link below would have earned
    "link-to-solutions": (ZERO, ["no notebook was submitted", NAME, "symbolic link", "never followed"]),
    "linked-subfolder": (ZERO, ["work/", "symbolic link to a folder"]),
    "hard-link": (ZERO, [NAME, "hard link"]),
    "zip-symlink": (ZERO, [NAME, "symbolic link"]),
    "zip-slip": (ZERO, ["climbs out", "absolute path"]),
    "zip-bomb": (ZERO, [NAME, "over the 50 MiB limit", "clear the outputs"]),
    "zip-corrupt-member": (ZERO, ["could not be unpacked", "Bad CRC-32", "is encrypted"]),
}
REFUSED_ENTRIES = {"linked-folder": "symbolic link"}  # not a student's folder at all: no row, a problem


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("intake")
    inbox, course, outside = tmp / "inbox", tmp / "course", tmp / "outside"
    outside.mkdir()
    good = honest_bytes()
    simulate.write_submission(inbox, "honest", {NAME: good})
    simulate.write_submission(inbox, "honest-zip", {NAME: good}, as_zip=True)
    simulate.write_submission(inbox, "solutions-copy", {NAME: SOLUTION.read_bytes()})
    (inbox / "link-to-solutions").mkdir()
    (inbox / "link-to-solutions" / NAME).symlink_to(SOLUTION)
    (inbox / "linked-folder").symlink_to("honest")
    (inbox / "linked-subfolder").mkdir()
    (inbox / "linked-subfolder" / "work").symlink_to(SOLUTION.parent, target_is_directory=True)
    shutil.copy(SOLUTION, outside / NAME)
    (inbox / "hard-link").mkdir()
    os.link(outside / NAME, inbox / "hard-link" / NAME)

    link = zipfile.ZipInfo(f"zip-symlink/{NAME}")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    write_zip(inbox / "zip-symlink.zip", [(link, str(SOLUTION).encode())])
    absolute = tmp / "absolute" / NAME  # an absolute member name, as /tmp/x/<name> would be
    write_zip(inbox / "zip-slip.zip", [(f"../../{NAME}", good), ("../../escape.ipynb", good), (str(absolute), good),
                                       (f"..\\..\\{NAME}", good), (f"C:\\x\\{NAME}", good), (f"\\\\server\\{NAME}", good)])
    write_bomb(inbox / "zip-bomb.zip", 60)
    corrupt = write_zip(inbox / "zip-corrupt-member.zip", [(f"a/{NAME}", good), (f"b/{NAME}", good), (f"c/{NAME}", good)])
    corrupt_deflate(corrupt, f"a/{NAME}")
    patch_central(corrupt, f"b/{NAME}", crc=0xDEADBEEF)
    patch_central(corrupt, f"c/{NAME}", flags=1)  # encrypted

    before = listing(inbox)
    report = grade.grade_class(inbox, course, lessons=[LESSON], limits=LIMITS, progress=False)
    return {"report": report, "tmp": tmp, "inbox": inbox, "course": course, "before": before, "absolute": absolute}


def test_the_batch_completes_with_every_student(batch):
    report = batch["report"]
    assert sorted(o.student for o in report.outcomes) == sorted(EXPECTED)
    exported = report.grades_csv.read_text()
    for student in EXPECTED:
        assert student in exported


@pytest.mark.parametrize("student", list(EXPECTED))
def test_each_student_gets_exactly_the_points_earned(batch, student):
    outcome = batch["report"].outcome(student, LESSON)
    expected, words = EXPECTED[student]
    assert {g: outcome.scores.get(g, (None, 0))[0] for g in POINTS} == expected, outcome.reason
    assert outcome.status == ("graded" if expected == FULL else "missing"), outcome.reason
    for word in words:
        assert word in outcome.reason, outcome.reason
    if expected == ZERO:
        assert not (batch["course"] / "submitted" / student / LESSON).exists(), "a refused notebook is never written"


def test_a_linked_student_entry_is_refused(batch):
    problems = batch["report"].problems
    for entry, word in REFUSED_ENTRIES.items():
        assert any(word in what for who, what in problems if who == entry), problems
        assert batch["report"].outcome(entry, LESSON) is None


def test_every_zip_slip_member_is_refused_and_nothing_lands_outside(batch):
    slip = [what for who, what in batch["report"].problems if who == "zip-slip"]
    assert sum("climbs out" in what for what in slip) == 3 and sum("absolute path" in what for what in slip) == 3, slip
    tmp = batch["tmp"]
    assert not batch["absolute"].exists()
    assert list(tmp.rglob("escape.ipynb")) == []
    outside_course = [p for p in tmp.rglob(NAME) if batch["course"] not in p.parents and batch["inbox"] not in p.parents]
    assert outside_course == [tmp / "outside" / NAME]


def test_reasons_reach_the_csv_and_the_report(batch, capsys):
    rows = batch["report"].questions_csv.read_text()
    for student, (expected, _) in EXPECTED.items():
        if expected == ZERO:
            assert batch["report"].outcome(student, LESSON).reason.replace('"', '""') in rows, student
    print_report(batch["report"])
    out = capsys.readouterr().out
    assert "submission problem link-to-solutions" in out and "submission problem linked-folder" in out
    assert "3 notebooks graded, 0 failed, 7 missing" in out


def test_the_inbox_is_only_read(batch):
    assert listing(batch["inbox"]) == batch["before"]
    assert os.readlink(batch["inbox"] / "link-to-solutions" / NAME) == str(SOLUTION)


# ----------------------------------------------------------------------------- bounded reading (no grading)
def test_a_zip_bomb_is_cut_at_the_limit_with_bounded_memory(tmp_path):
    """A 300 MiB member costs at most ~the limit in memory: measured in a fresh interpreter."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_bomb(inbox / "bomb.zip", 300)
    assert (inbox / "bomb.zip").stat().st_size < 2**20
    probe = f"""
import tracemalloc
from pathlib import Path
from autograder import intake
tracemalloc.start()
submitted, problems = intake.collect(Path({str(inbox)!r}), Path({str(tmp_path / 'course')!r}), [{LESSON!r}])
print(tracemalloc.get_traced_memory()[1])
print(submitted, problems)
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    peak, rest = done.stdout.split("\n", 1)
    assert int(peak) < 2 * assemble.MAX_NOTEBOOK_BYTES, f"peak {int(peak) / 2**20:.0f} MiB"
    assert "{'bomb': set()}" in rest and "over the 50 MiB limit" in rest
    assert not (tmp_path / "course" / "submitted" / "bomb" / LESSON).exists()


def test_an_oversized_file_in_a_folder_is_refused_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(assemble, "MAX_NOTEBOOK_BYTES", 4096)
    inbox, course = tmp_path / "inbox", tmp_path / "course"
    simulate.write_submission(inbox, "big", {NAME: b" " * 4097})
    simulate.write_submission(inbox, "fits", {NAME: b" " * 4096})
    submitted, problems = intake.collect(inbox, course, [LESSON])
    assert submitted == {"big": set(), "fits": {LESSON}}
    assert any(NAME in what and "limit" in what for who, what in problems if who == "big"), problems


def test_a_link_in_a_subfolder_and_a_fifo_are_refused_by_name(tmp_path):
    inbox, course = tmp_path / "inbox", tmp_path / "course"
    (inbox / "ada" / "deep").mkdir(parents=True)
    (inbox / "ada" / "deep" / NAME).symlink_to(SOLUTION)
    os.mkfifo(inbox / "ada" / NAME)  # a reader that opened it would hang
    submitted, problems = intake.collect(inbox, course, [LESSON])
    reasons = [what for who, what in problems if who == "ada"]
    assert submitted == {"ada": set()}
    assert any(what.startswith(f"deep/{NAME} is a symbolic link") for what in reasons), reasons
    assert any(what.startswith(f"{NAME} is not a regular file") for what in reasons), reasons


def test_why_missing_keeps_problems_about_other_lessons_out():
    other = lessons()[1]
    other_name = notebooks(other)[0].name
    problems = [("ada", f"{other_name} is a symbolic link"), ("ada", "work/ is a symbolic link to a folder"),
                ("ada", f"{NAME} is a hard link"), ("ben", f"{NAME} is a symbolic link"), ("ada", intake.NOTHING_TAKEN)]
    assert intake.why_missing(problems, "ada", LESSON, [LESSON, other]) == \
        ["work/ is a symbolic link to a folder", f"{NAME} is a hard link"]
