"""The instructor's command: ``python -m autograder <command>``.

    build   regenerate release/ and solutions/ from source/
    check   say whether release/ and solutions/ are up to date with source/
    grade   grade a class: intake, autograde, feedback, gradebook CSV
    demo    build, simulate a small class, grade it, show the results
    lab     JupyterLab with the course's environment and formgrader on a course folder
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from . import build, course, grade, lab, runner, simulate
from .report import print_report


def _lessons(args) -> list[str]:
    known = course.lessons()
    chosen = args.lesson or known
    unknown = [l for l in chosen if l not in known]
    if unknown:
        sys.exit(f"Unknown lesson(s): {', '.join(unknown)}. Lessons in source/: {', '.join(known)}")
    return chosen


def cmd_build(args) -> int:
    out = Path(args.out) if args.out else course.REPO
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


def _limits(args) -> runner.Limits:
    return runner.Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                         memory_mb=args.memory_mb)


def _grading(args) -> dict:
    return dict(limits=_limits(args), workers=args.jobs, sandbox=args.sandbox, grading_mode=not args.full)


def cmd_grade(args) -> int:
    inbox = Path(args.inbox)
    if not inbox.is_dir():
        sys.exit(f"{inbox} is not a folder. Put one folder or one .zip per student in it, then run this again.")
    try:
        report = grade.grade_class(inbox, Path(args.workdir), lessons=_lessons(args), **_grading(args))
    except RuntimeError as exc:
        sys.exit(str(exc))
    print_report(report)
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
    report = grade.grade_class(work / "inbox", work / "course", lessons=lessons, **_grading(args))
    print_report(report)
    return 0


def cmd_lab(args) -> int:
    extra = args.jupyter_args[1:] if args.jupyter_args[:1] == ["--"] else args.jupyter_args
    return lab.run(Path(args.course), root=Path(args.root), port=args.port, open_browser=not args.no_browser,
                   extra=extra)


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
        p.add_argument("--memory-mb", type=int, default=4096, help="memory limit of a student's kernel (default 4096)")
        p.add_argument("-j", "--jobs", type=int, default=None, help="notebooks graded at once (default: one per core)")
        p.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto",
                       help="bwrap: require bubblewrap; none: no sandbox (the report lists what is then off); "
                            "auto (default): bubblewrap when it works")
        p.add_argument("--full", action="store_true",
                       help="run every cell at full size (default: grading mode skips figures and shrinks training)")

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

    p = sub.add_parser("lab", help="JupyterLab with the course's environment; formgrader on a course folder",
                       description="Start JupyterLab on the repository (students open release/) with nbgrader's "
                                   "formgrader on a course folder, prepared first when it has no gradebook yet. "
                                   "Options after -- go to JupyterLab.")
    p.add_argument("--course", default="grading",
                   help="course folder formgrader grades (default ./grading, where `grade` writes; "
                        "demo-output/course after `demo`)")
    p.add_argument("--root", default=str(course.REPO), help="folder JupyterLab serves (default: the repository)")
    p.add_argument("--port", type=int, default=None, help="port (default: JupyterLab's, 8888 or the next free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="after --: more options for JupyterLab")
    p.set_defaults(run=cmd_lab)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
