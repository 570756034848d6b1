"""The instructor's command: ``python -m autograder <command>``.

    build   regenerate release/ and solutions/ from source/
    check   say whether release/ and solutions/ are up to date with source/
    grade   grade a class: intake, autograde, feedback, gradebook CSV
    demo    build, simulate a small class, grade it, show the results
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from . import build, grade, simulate


def _lessons(args) -> list[str]:
    known = build.lessons()
    chosen = args.lesson or known
    unknown = [l for l in chosen if l not in known]
    if unknown:
        sys.exit(f"Unknown lesson(s): {', '.join(unknown)}. Lessons in source/: {', '.join(known)}")
    return chosen


def cmd_build(args) -> int:
    out = Path(args.out) if args.out else build.REPO
    for lesson in _lessons(args):
        for path in build.build_release(lesson, out / "release"):
            print(f"release   {path}")
        if not args.release_only:
            for path in build.build_solutions(lesson, out / "solutions"):
                print(f"solutions {path}")
    return 0


def cmd_check(args) -> int:
    reasons = [r for lesson in _lessons(args) for r in build.stale(lesson)]
    for reason in reasons:
        print(f"stale: {reason}")
    if reasons:
        print("Run `python -m autograder build` and commit release/ and solutions/.")
        return 1
    print("release/ and solutions/ are up to date with source/.")
    return 0


def cmd_grade(args) -> int:
    report = grade.grade_class(Path(args.inbox), Path(args.workdir), lessons=_lessons(args),
                               cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout)
    grade.print_report(report)
    return 0


def cmd_demo(args) -> int:
    work = Path(args.workdir).resolve()
    if work.exists():
        shutil.rmtree(work)
    lessons = _lessons(args)
    print(f"1. Building the release and the solutions from source/ into {work}/ ...")
    for lesson in lessons:
        build.build_release(lesson, work / "release")
        build.build_solutions(lesson, work / "solutions")
    print("2. A small class hands in its work:")
    students = simulate.demo_class(work / "inbox", work / "release", work / "solutions", lessons)
    for student, what in students.items():
        print(f"   {student:6s} {what}")
    print(f"3. Grading the whole class in one batch (time limit {args.cell_timeout} s per cell) ...")
    report = grade.grade_class(work / "inbox", work / "course", lessons=lessons,
                               cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout)
    grade.print_report(report)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def lesson_option(p):
        p.add_argument("--lesson", action="append", help="a lesson folder of source/ (repeatable; default: all)")

    p = sub.add_parser("build", help="regenerate release/ and solutions/ from source/")
    lesson_option(p)
    p.add_argument("--release-only", action="store_true", help="skip executing the solutions")
    p.add_argument("--out", help="write release/ and solutions/ under this folder instead of the repository")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("check", help="are release/ and solutions/ up to date with source/?")
    lesson_option(p)
    p.set_defaults(run=cmd_check)

    def timeouts(p, cell, notebook):
        p.add_argument("--cell-timeout", type=int, default=cell, help=f"seconds per cell (default {cell})")
        p.add_argument("--notebook-timeout", type=int, default=notebook, help=f"seconds per notebook (default {notebook})")

    p = sub.add_parser("grade", help="grade a class: a folder or a .zip per student in INBOX")
    p.add_argument("inbox", help="folder with one sub-folder or .zip per student")
    p.add_argument("--workdir", default="grading", help="course folder for nbgrader's files (default ./grading)")
    lesson_option(p)
    timeouts(p, 120, 900)
    p.set_defaults(run=cmd_grade)

    p = sub.add_parser("demo", help="build, simulate a small class and grade it")
    p.add_argument("--workdir", default="demo-output", help="where everything goes (default ./demo-output)")
    lesson_option(p)
    timeouts(p, 10, 300)
    p.set_defaults(run=cmd_demo)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
