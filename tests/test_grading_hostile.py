"""Grading that holds as root and against hostile or faulty notebooks (issue "Grading that holds
as root and on hostile uploads"), in the style of tests/test_grading_trust.py: one batch of
students on lesson 01, graded once; then every student's points per question, the reasons,
what reached the disk and the instructor's pages, and that the batch completed.

CI runs as root, which is where the sandbox had holes: these tests run as whoever runs them,
and the privilege checks below are strict when that is root.

Each student answers with the model solution unless said otherwise, so whatever they lose is
due to what their extra cells do.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import time
from html.parser import HTMLParser

import nbformat
import pytest
import tlukit

from autograder import grade, gradebook, outputs, sandbox, simulate
from autograder.course import REPO, is_test_id, is_written
from autograder.report import print_report
from tests.test_grading_trust import FULL, LESSON, LIMITS, MODEL, NAME, POINTS, STUBS, ZERO, notebook, without

SANDBOXED = sandbox.detect("auto").isolated
needs_sandbox = pytest.mark.skipif(not SANDBOXED, reason=f"no bubblewrap sandbox: {sandbox.detect('auto').why}")
TLUKIT = os.path.dirname(tlukit.__file__)
# Faults are reached well within the 6 s cell limit, even on a loaded machine: a fork storm is
# stopped at 64 processes, and the memory hog takes 800 MB at once.
HOSTILE = dataclasses.replace(LIMITS, processes=64)
PREFIX = os.path.realpath(os.sys.prefix)

# ----------------------------------------------------------------------------- the students
# Privileges: the answers survive only if the kernel holds no capability and is not root.
WHO_AM_I = """
import os
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
caps = {key: int(status[key], 16) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
unprivileged = os.getuid() != 0 and os.geteuid() != 0 and not any(caps.values()) and status["NoNewPrivs"].strip() == "1"
"""
DROP_IF_PRIVILEGED = "if not unprivileged:\n    del mp_neuron"

# Remount the read-only binds read-write (directly, and from a nested user namespace), then write.
REMOUNT = f"""
import os, subprocess
escaped = []
for target in ({PREFIX!r}, {TLUKIT!r}):
    subprocess.run(["mount", "-o", "remount,bind,rw", target], capture_output=True)
    subprocess.run(["unshare", "-Urm", "sh", "-c",
                    f"mount -o remount,bind,rw {{target}} && echo x > {{target}}/PWNED-nested"], capture_output=True)
    try:
        with open(os.path.join(target, "PWNED"), "w") as f:
            f.write("written from a student's kernel")
        escaped.append(target)
    except OSError:
        pass
    try:
        open(os.path.join(target, "__init__.py" if target.endswith("tlukit") else "pyvenv.cfg"), "r+").close()
        escaped.append(target + " (opened for writing)")
    except OSError:
        pass
"""
DROP_IF_ESCAPED = "if escaped or os.path.exists({!r}):\n    del mp_neuron".format(os.path.join(TLUKIT, "PWNED-nested"))

# open_by_handle_at: the root directory of the ext4 file system by its inode number (2), then
# the instructor's reference answers and a file written outside the sandbox.
HANDLE = """
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
class Handle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 8)]
handle = Handle(8, 1)
handle.f_handle[:] = list(struct.pack("<II", 2, 0))
root = libc.open_by_handle_at(os.open(os.getcwd(), os.O_RDONLY), ctypes.byref(handle), os.O_RDONLY | os.O_DIRECTORY)
if root >= 0:
    fd = os.open({reference!r}.lstrip("/"), os.O_RDONLY, dir_fd=root)
    exec(os.read(fd, 10**6).decode())  # the reference answers, if they could be read
    out = os.open({outside!r}.lstrip("/"), os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=root)
    os.write(out, b"escaped")
"""

# FIFOs where the grader reads the kernel's results and progress, then a kernel killed again and
# again until grading stops: the results after that are never written, and reading must not wait.
FIFOS = """import glob, os
for path in glob.glob(os.path.expanduser("~/../io/*/")) + [os.path.expanduser("~/../io/")]:
    for name in ("result.json", "line"):
        try:
            if name == "line" and path.endswith("/io/"):
                os.remove(path + name)
            os.mkfifo(path + name)
        except OSError:
            pass
os._exit(1)
"""

DISPLAY = ["from IPython.display import display\nhandle = display('first version', display_id=True)"]
UPDATE = ["handle.update('second version')"]

HANG_AFTER_DEF = MODEL["mp_neuron"] + "\n\nwhile True:  # left over from debugging\n    pass\n"
HANG_BEFORE_DEF = "while True:\n    pass\n\n" + MODEL["mp_neuron"]
EXIT_AFTER_DEF = MODEL["mp_neuron"] + "\n\nimport os\nos._exit(1)\n"
IGNORE_INTERRUPT_AFTER_DEF = MODEL["mp_neuron"] + ("\n\nimport signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)"
                                                   "\nwhile True:\n    time.sleep(0.01)\n")
MEMORY_AFTER_DEF = MODEL["mp_neuron"] + "\n\nimport numpy as np\nhog = []\nwhile True:\n    hog.append(np.ones(10**8))\n"
# Forked children share their parent's pages: RSS counts them once per child, PSS once in all.
CHILDREN = "import os, time\n{big}for _ in range({n}):\n    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)\n"
SHARED = "import numpy as np\nbig = np.ones(2 * 10**7)  # 160 MB, shared with every child\n"
HUGE = "def not_gate(a):\n    return 'x' * (40 * 2**20)  # 40 MiB per answer\n"

XSS_OUTPUTS = """from IPython.display import HTML, Javascript, Markdown, display
display(HTML('<img src=x onerror="document.title=`pwned-img`"><script>document.title="pwned-script"</script>'
             '<iframe src="javascript:parent.document.title=`pwned-iframe`"></iframe><b>kept bold</b>'))
display(Javascript('document.title = "pwned-js"'))
display(Markdown('[click me](javascript:document.title="pwned-link")'))
"""
XSS_CRASH = '# <script>document.title="pwned-note"</script>\nimport os\nos._exit(1)'
RICH_CRASH = "# [/yellow][/] [bold red]all tests passed[/bold red] [link=file:///etc/passwd]x[/link]\nimport os\nos._exit(1)"
PAYLOADS = ['<script>document.title="pwned', "<iframe", 'onerror="document', "javascript:document.title",
            "javascript:parent", "pwned-js"]


def students(repo, course) -> dict[str, tuple[object, dict[str, float], list[str]]]:
    """Student -> (notebook or raw bytes, expected points per test cell, words the reason must hold)."""
    reference = str(repo / "autograder" / "lessons" / "lesson01.py")
    surrogate = json.dumps(notebook({**MODEL, "not_gate": MODEL["not_gate"] + "\n# pasted: \ud800"})).encode()
    return {
        "honest": (notebook(), FULL, []),
        "fifos": (notebook(after={"gates": [FIFOS] * 5}), {**ZERO, "test_mp_neuron": POINTS["test_mp_neuron"]},
                  ["after 3 restarts of the kernel, grading stopped here"]),
        "who-am-i": (notebook(first=WHO_AM_I, after={"mp_neuron": [DROP_IF_PRIVILEGED]}), FULL, []),
        "remount": (notebook(first=REMOUNT, after={"mp_neuron": [DROP_IF_ESCAPED]}), FULL, []),
        "handle": (notebook(STUBS, first=HANDLE.format(reference=reference, outside=str(course / "ESCAPED"))),
                   ZERO, []),
        "surrogate": (surrogate, FULL, ["not valid Unicode"]),
        "display-update": (notebook(after={"setup": DISPLAY, "gates": UPDATE}), FULL, []),
        "hang-after-def": (notebook({**MODEL, "mp_neuron": HANG_AFTER_DEF}), FULL,
                           ["was interrupted at line", "while True:", "what it had defined before was kept"]),
        # the gates are graded on their own, with a correct mp_neuron in place of the one never defined
        "hang-before-def": (notebook({**MODEL, "mp_neuron": HANG_BEFORE_DEF}), without("test_mp_neuron"),
                            ["was interrupted at line 1"]),
        "exit-after-def": (notebook({**MODEL, "mp_neuron": EXIT_AFTER_DEF}), FULL,
                           ["stopped its kernel", "os._exit(1)", "were run again in a new kernel"]),
        "ignore-interrupt": (notebook({**MODEL, "mp_neuron": IGNORE_INTERRUPT_AFTER_DEF}), FULL,
                             ["ignored the interrupt", "were run again in a new kernel"]),
        "memory-after-def": (notebook({**MODEL, "mp_neuron": MEMORY_AFTER_DEF}), FULL, ["700 MiB of memory"]),
        "fork-storm": (notebook(after={"setup": [CHILDREN.format(n=1000, big="")]}), FULL, ["more than 64 processes"]),
        "many-children": (notebook(after={"setup": [CHILDREN.format(n=40, big=SHARED)]}), FULL, []),
        "huge-result": (notebook({**MODEL, "not_gate": HUGE}), without("test_not_gate"), []),  # nand: a correct not_gate
        "xss": (notebook(after={"setup": [XSS_OUTPUTS], "xor_gate": [XSS_CRASH]}), FULL, ["<script>"]),
        "rich-markup": (notebook(after={"xor_gate": [RICH_CRASH]}), FULL, ["[/yellow][/] [bold red]"]),
    }


# ----------------------------------------------------------------------------- the batch
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    inbox, course = tmp / "inbox", tmp / "course"
    cast = students(REPO, course)
    for student, (nb, _, _) in cast.items():
        simulate.write_submission(inbox, student, {NAME: nb})
    before = _tree_hashes(TLUKIT), sorted(os.listdir(PREFIX))
    start = time.monotonic()
    report = grade.grade_class(inbox, course, lessons=[LESSON], limits=HOSTILE, progress=False)
    return {"report": report, "cast": cast, "course": course, "before": before, "seconds": time.monotonic() - start}


def _tree_hashes(folder: str) -> dict[str, str]:
    return {os.path.join(root, f): hashlib.sha256(open(os.path.join(root, f), "rb").read()).hexdigest()
            for root, _, files in os.walk(folder) if "__pycache__" not in root for f in files}


def test_the_batch_completes_with_every_student(batch):
    report = batch["report"]
    assert sorted(o.student for o in report.outcomes) == sorted(batch["cast"])
    assert all(o.status == "graded" for o in report.outcomes), [(o.student, o.reason) for o in report.outcomes]
    exported = report.grades_csv.read_text()
    assert all(student in exported for student in batch["cast"])


@pytest.mark.parametrize("student", list(students(REPO, REPO)))
def test_each_student_gets_exactly_the_points_earned(batch, student):
    if student in ("who-am-i", "remount", "handle") and not SANDBOXED:
        pytest.skip("without a sandbox student code has the grader's privileges: that protection is off")
    outcome = batch["report"].outcome(student, LESSON)
    _, expected, words = batch["cast"][student]
    assert {g: outcome.scores.get(g, (None, 0))[0] for g in POINTS} == expected, outcome.reason
    for word in words:
        assert word in outcome.reason, outcome.reason


@needs_sandbox
def test_nothing_a_kernel_does_changes_a_file_outside_its_scratch_folder(batch):
    hashes, prefix = batch["before"]
    assert _tree_hashes(TLUKIT) == hashes
    assert sorted(os.listdir(PREFIX)) == prefix
    for folder in (TLUKIT, PREFIX):
        assert not {"PWNED", "PWNED-nested"} & set(os.listdir(folder))
    assert not (batch["course"] / "ESCAPED").exists()


def test_a_stopped_cell_is_named_with_its_line_and_later_questions_say_why(batch):
    report = batch["report"]
    before = report.outcome("hang-before-def", LESSON)
    assert "run the cell that defines it" not in before.reason
    feedback = _feedback(batch, "hang-before-def")
    assert "stopped a cell above before it ran the line that defines mp_neuron" in feedback
    assert "run the cell that defines it" not in feedback


def test_a_huge_result_is_reported_as_huge(batch):
    feedback = _feedback(batch, "huge-result")
    assert "MiB, more than the 64 MiB the grader reads" in feedback
    assert "did not finish" not in feedback


def _feedback(batch, student: str) -> str:
    (html,) = (batch["course"] / "feedback" / student / LESSON).glob("*.html")
    return html.read_text()


class _Active(HTMLParser):
    """Everything in a page that can run script, found by parsing it as the browser does."""

    def __init__(self):
        super().__init__()
        self.found, self._script = [], False

    def handle_starttag(self, tag, attrs):
        self._script = tag == "script"
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith(("javascript:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if self._script and "pwned" in data:
            self.found.append(f"<script>{data[:60]}")


def active_content(page: str) -> list[str]:
    parser = _Active()
    parser.feed(page)
    return parser.found


def test_no_student_markup_is_active_in_the_instructors_pages(batch):
    """The feedback HTML and the autograded notebook formgrader renders hold the student's
    markup only as text: no script, iframe, event handler, JavaScript output or link."""
    page = _feedback(batch, "xss")
    assert active_content(page) == []
    assert "pwned-note" in page and "kept bold" in page  # shown, as text
    (autograded,) = (batch["course"] / "autograded" / "xss" / LESSON).glob("*.ipynb")
    nb = nbformat.read(autograded, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [m for o in outputs for m in o.get("data", {}) if "javascript" in m]
    assert active_content("".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)) == []
    assert "javascript:" not in "".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)


@pytest.mark.skipif(not shutil.which("chromium") and not os.environ.get("CI"), reason="Chromium is not installed")
def test_the_feedback_runs_no_student_script_in_a_real_browser(batch, tmp_path):
    page = next((batch["course"] / "feedback" / "xss" / LESSON).glob("*.html"))
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path}", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert "<title>" in dom and "pwned" not in dom.split("</title>")[0], dom[:300]


def test_a_display_updated_later_is_not_a_dead_kernel(batch):
    outcome = batch["report"].outcome("display-update", LESSON)
    assert outcome.reason == ""
    (executed,) = (batch["course"] / "executed" / "display-update" / LESSON).glob("*.ipynb")
    texts = [o.get("data", {}).get("text/plain", "") for c in nbformat.read(executed, as_version=4).cells
             if c.cell_type == "code" for o in c.get("outputs", [])]
    assert "'second version'" in texts


def test_recording_one_student_never_fails_another(batch, tmp_path):
    """nbgrader records a lesson in one call; a notebook it cannot take is recorded alone and
    costs only its own student."""
    course = tmp_path / "course"
    shutil.copytree(batch["course"], course)
    broken = next((course / "executed" / "honest" / LESSON).glob("*.ipynb"))
    broken.write_text('{"cells": "not a list"}')
    unrecorded = gradebook.record(course, [LESSON])
    assert list(unrecorded) == [("honest", LESSON)]
    assert gradebook.scores(course, LESSON, "who-am-i") == {g: (p, p) for g, p in POINTS.items()}


def test_the_feedback_says_what_was_stopped(batch):
    text = _feedback(batch, "exit-after-def")
    assert "Notes from the grader" in text and "os._exit(1)" in text


def test_children_sharing_their_parents_memory_are_not_counted_again(batch):
    """40 forked children of a kernel holding 160 MB: over 6 GB by RSS, about 250 MB in truth."""
    assert batch["report"].outcome("many-children", LESSON).reason == ""


def test_lesson_02_keeps_its_points_after_a_fault_below_a_definition(tmp_path):
    """The issue's lesson-02 case: heaviside defined, then the cell exhausts its memory. The
    other questions (which call heaviside) keep their points; heaviside's own test too, since
    heaviside is right."""
    lesson = "02_perceptron"
    model = simulate.solution_answers(lesson)
    answers = {**model, "heaviside": model["heaviside"] + MEMORY_AFTER_DEF.removeprefix(MODEL["mp_neuron"])}
    inbox = tmp_path / "inbox"
    simulate.write_submission(inbox, "ada", {f"{lesson}.ipynb": simulate.fill(simulate.release_notebook(lesson), answers)})
    report = grade.grade_class(inbox, tmp_path / "course", lessons=[lesson], limits=LIMITS, progress=False)
    outcome = report.outcome("ada", lesson)
    auto = {g: p for g, p in gradebook.questions(lesson) if is_test_id(g)}
    assert {g: outcome.scores[g][0] for g in auto} == auto, outcome.reason
    assert "answer cell heaviside: used more than 700 MiB of memory" in outcome.reason


def test_the_terminal_report_prints_student_text_literally(batch, capsys):
    """Reasons quote the student's code; the report shows it as text, never as rich markup
    (an unbalanced closing tag would raise MarkupError and lose the report of the whole class)."""
    print_report(batch["report"])
    out = capsys.readouterr().out
    assert "[/yellow][/] [bold red]all tests passed[/bold red]" in " ".join(out.split())


def test_a_written_answer_is_shown_as_text_in_every_rendering(tmp_path):
    """Lesson 02's written answer (a markdown cell the instructor grades in formgrader) holding
    script, an event handler, an iframe and javascript: links, and a forged output: the notebook
    the grader writes (which nbgrader records and formgrader and the feedback render) has none of
    it active once nbconvert renders it."""
    from nbconvert import HTMLExporter

    lesson = "02_perceptron"
    nb = simulate.release_notebook(lesson)
    written = next(c for c in nb.cells if is_written(c))
    written.source = ('Logistic regression <script>document.title="pwned-md"</script>'
                      '<img src=x onerror="document.title=`pwned-img`"> <iframe src="https://example.com"></iframe>\n\n'
                      '[a link](javascript:document.title="pwned-link") ![pic](javascript:alert(1)) '
                      '<a href="javascript:alert(2)">html link</a>')
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<svg onload="alert(3)"></svg><b>bold</b>', "application/javascript": "alert(4)",
        "image/svg+xml": '<svg><script>alert(5)</script></svg>', "text/plain": "forged"})]
    out = tmp_path / "graded.ipynb"
    outputs.write(out, nb, ['a cell you added (\'<script>alert("note")</script>\'): stopped its kernel'])
    page, _ = HTMLExporter().from_notebook_node(nbformat.read(out, as_version=4))
    assert active_content(page) == []
    assert "Logistic regression" in page and "bold" in page and "&lt;script&gt;alert" in page


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or not SANDBOXED,
                    reason="needs root (to act as an ordinary user with setpriv) and bubblewrap")
def test_an_ordinary_user_grading_gets_the_same_unprivileged_kernel(monkeypatch):
    """The kernel's start (the privilege drop and its check) as it runs when an ordinary user
    grades: bubblewrap without root, the user's own id, nothing to drop; the check passes and
    the kernel holds no capability. (The system Python stands in for the kernel: the grader's
    own interpreter may live in a folder other users cannot read.)"""
    import tempfile
    from pathlib import Path

    scratch = Path(tempfile.mkdtemp(prefix="tlk-user-"))  # pytest's tmp_path is private to root
    (scratch / "work").mkdir()
    for path in (scratch, scratch / "work"):
        os.chown(path, 65534, 65534)
    report = "print(os.getuid(), *[l.split()[1] for l in open('/proc/self/status') if l.startswith(('Cap', 'NoNew'))])"
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 65534)  # the command as a non-root grader builds it
    cmd = sandbox.Sandbox("bwrap").wrap(["/usr/bin/python3", "-I", "-c", sandbox.drop_privileges(None) + report],
                                        scratch, {}, [])
    monkeypatch.undo()
    try:
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", *cmd],
                              capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(scratch)
    assert done.returncode == 0, done.stderr
    uid, *caps, no_new_privs = done.stdout.split()
    assert uid == "65534" and {int(c, 16) for c in caps} == {0} and no_new_privs == "1"
