"""Benchmark: grade N simulated students on the whole course, the kit's way and plain nbgrader's way.

    python benchmarks/grading.py [--students 8] [--jobs 2]

It measures and prints; it asserts nothing (the tests assert behaviour). The class is the same
for both graders: the solutions, the untouched release, and students holding plausible mistakes
(tests/lessonNN/fixtures), cycling in that order; no runaway code, so neither grader waits on time limits.

* **kit**: ``python -m autograder grade``'s engine, end to end (intake, sandboxed grading in
  parallel, nbgrader's recording, feedback, CSV export).
* **nbgrader**: ``nbgrader autograde <lesson>`` run for each lesson in turn, on a course folder
  that already holds the submissions; nothing else (no feedback, no export).

Targets: the kit at least 1.8 times faster with 2 cores (issue 3); per student per notebook, at
most 10 s for lessons 01-04 (issue 3) and at most 30 s for lessons 05-07, sandbox included
(issue 9). ``--lessons 05 06 07`` times only those lessons; ``--skip-nbgrader`` the kit only.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder import build, grade, gradebook, simulate  # noqa: E402
from autograder.course import lessons as course_lessons, notebooks  # noqa: E402


def make_class(inbox: Path, lessons: list[str], n: int) -> list[str]:
    release = {lesson: simulate.release_notebook(lesson) for lesson in lessons}
    model = {lesson: simulate.solution_answers(lesson) for lesson in lessons}
    names = {lesson: notebooks(lesson)[0].name for lesson in lessons}
    kinds = ["solution", "release", "mistakes"]
    students = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        student = f"s{i:02d}-{kind}"
        files = {}
        for lesson in lessons:
            if kind == "solution":
                files[names[lesson]] = simulate.fill(release[lesson], model[lesson])
            elif kind == "release":
                files[names[lesson]] = release[lesson]
            else:
                files[names[lesson]] = simulate.fill(release[lesson], {**model[lesson],
                                                                           **simulate.mistake_answers(lesson, 1 + i % 3)})
        simulate.write_submission(inbox, student, files)
        students.append(student)
    return students


def kit(inbox: Path, work: Path, lessons: list[str], jobs: int):
    start = time.perf_counter()
    report = grade.grade_class(inbox, work / "kit", lessons=lessons, workers=jobs, progress=False)
    return time.perf_counter() - start, report


def plain_nbgrader(inbox: Path, work: Path, lessons: list[str]) -> tuple[float, dict]:
    course = work / "nbgrader"
    build.scratch_course(lessons, course)
    for lesson in lessons:
        build.generate_release(lesson, course)
    grade.collect(inbox, course, lessons)
    env = build.execution_env()
    env["TLUKIT_AUTOGRADER"] = str(REPO / "autograder")  # the hidden tests run inside the student's kernel
    seconds = {}
    for lesson in lessons:
        start = time.perf_counter()
        done = build.nbgrader("autograde", lesson, "--force", cwd=course, env=env)
        seconds[lesson] = time.perf_counter() - start
        if done.returncode != 0:
            print(f"nbgrader autograde {lesson} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    totals = {}
    for lesson in lessons:
        for student in sorted(p.name for p in (course / "submitted").iterdir()):
            s = gradebook.scores(course, lesson, student)
            totals[(student, lesson)] = sum(v or 0 for v, _ in s.values())
    return seconds, totals


def target(lesson: str) -> int:
    """Seconds per student per notebook: 10 for the first NumPy lessons, 30 from lesson 05 on."""
    return 10 if lesson[:2] < "05" else 30


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-nbgrader", action="store_true", help="time the kit only")
    parser.add_argument("--lessons", nargs="*", help="lesson numbers or names (default: every lesson)")
    args = parser.parse_args(argv)
    lessons = [lesson for lesson in course_lessons()
               if not args.lessons or any(lesson == x or lesson.startswith(x + "_") for x in args.lessons)]
    with tempfile.TemporaryDirectory(prefix="tlukit-bench-") as tmp:
        work = Path(tmp)
        students = make_class(work / "inbox", lessons, args.students)
        n_notebooks = len(students) * len(lessons)
        print(f"{len(students)} students x {len(lessons)} lessons = {n_notebooks} notebooks; "
              f"{os.cpu_count()} cores; kit with {args.jobs} worker(s)\n")

        kit_seconds, report = kit(work / "inbox", work, lessons, args.jobs)
        print(f"kit, end to end          {kit_seconds:7.1f} s   {kit_seconds / n_notebooks:5.2f} s per student per notebook")
        for lesson in lessons:
            own = [o.seconds for o in report.outcomes if o.lesson == lesson]
            print(f"  {lesson:22s} {sum(own) / len(own):5.2f} s per notebook in its worker (slowest {max(own):.2f} s; "
                  f"target at most {target(lesson)} s)")

        if args.skip_nbgrader:
            return 0
        seconds, totals = plain_nbgrader(work / "inbox", work, lessons)
        nb_total = sum(seconds.values())
        print(f"nbgrader autograde, sequential {nb_total:5.1f} s   {nb_total / n_notebooks:5.2f} s per student per notebook")
        for lesson in lessons:
            print(f"  {lesson:22s} {seconds[lesson] / len(students):5.2f} s per notebook")
        print(f"\nspeed-up: {nb_total / kit_seconds:.2f}x (target at least 1.8x with 2 cores)")
        agree = sum(abs(totals[(o.student, o.lesson)] - o.total) < 1e-9 for o in report.outcomes)
        print(f"same total score from both graders: {agree} of {len(report.outcomes)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
