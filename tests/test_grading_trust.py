"""Grading an instructor can trust, in the style of nbgrader's own test_nbgrader_autograde.py:
put the submissions in place, grade the batch once, then assert each student's score per
question, the reasons, the feedback, and that the batch completed.

Each student below is one adversarial or faulty notebook, built from the release of lesson 01
(the cheapest lesson; the mechanism is the same for every lesson). Scores are written as the
points each test cell must get; every student not named otherwise answers with the model
solution, so whatever they lose is due to the fault alone.
"""
from __future__ import annotations

import hashlib
import time

import nbformat
import psutil
import pytest

from autograder import grade, gradebook, runner, sandbox, simulate
from autograder.course import REPO, is_test, notebooks, skip_when_grading, grade_id as grade_id_of
from autograder.report import print_report

LESSON = "01_mcculloch_pitts"
NAME = f"{LESSON}.ipynb"
RELEASE = simulate.release_notebook(LESSON)
MODEL = simulate.solution_answers(LESSON)
POINTS = {g: p for g, p in gradebook.questions(LESSON)}
FULL = dict(POINTS)
ZERO = {g: 0.0 for g in POINTS}
LIMITS = runner.Limits(cell_timeout=6, notebook_timeout=150, memory_mb=700, flood_mb=4, output_kb=64)
SANDBOXED = sandbox.detect("auto").isolated
needs_sandbox = pytest.mark.skipif(not SANDBOXED, reason=f"no bubblewrap sandbox: {sandbox.detect('auto').why}")

STUBS = {g: "# YOUR CODE HERE\nraise NotImplementedError()" for g in MODEL}
GATES_IDENTITY_ONLY = """def identity(a):
    return mp_neuron([a, a], [], theta=2)

def and_gate(a, b):
    raise NotImplementedError()

def or_gate(a, b):
    raise NotImplementedError()

def a_and_not_b(a, b):
    raise NotImplementedError()
"""
IDENTITY_ONLY = {**STUBS, "mp_neuron": MODEL["mp_neuron"], "gates": GATES_IDENTITY_ONLY}
# with IDENTITY_ONLY, mp_neuron and identity are right and every other answer is unwritten
IDENTITY_SCORES = {**ZERO, "test_mp_neuron": POINTS["test_mp_neuron"], "test_gates_identity": POINTS["test_gates_identity"]}


def without(*grade_ids: str) -> dict[str, float]:
    return {g: (0.0 if g in grade_ids else p) for g, p in POINTS.items()}


def notebook(answers=MODEL, after: dict[str, list[str]] | None = None, first: str | None = None):
    """The release with ``answers`` filled in, code cells added after the named cells, and
    optionally a code cell added before all others."""
    nb = simulate.fill(RELEASE, answers)
    if first:
        nb.cells.insert(0, nbformat.v4.new_code_cell(first))
    for grade_id, sources in (after or {}).items():
        index = next(i for i, c in enumerate(nb.cells) if grade_id_of(c) == grade_id)
        for offset, source in enumerate(sources, start=1):
            nb.cells.insert(index + offset, nbformat.v4.new_code_cell(source))
    return nb


# ----------------------------------------------------------------------------- the students
TAMPER_NUMPY = """
import builtins, numpy as np, numpy.testing
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.allclose = np.array_equal = lambda *a, **k: True
builtins.AssertionError = type("Nope", (Exception,), {})
class Anything(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
def and_gate(a, b): return Anything(7)
def or_gate(a, b): return Anything(7)
"""

TAMPER_IPYTHON = """
import ast
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: [l for l in lines if "probe" not in l and "check" not in l])
class Erase(ast.NodeTransformer):
    def visit_Call(self, node):
        return ast.copy_location(ast.Constant(None), node) if "probe" in ast.unparse(node) else node
ip.ast_transformers.append(Erase())
"""

SWALLOW = """
import sys
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: print("all tests passed"))
sys.excepthook = lambda *args: None
"""

FAKE_SCORE = """
from IPython.display import display, Markdown
print("Score: 12/12, all tests passed")
display(Markdown("**Total: 12 / 12**"))
12.0
"""

FORGE = """
import glob, json, os
for folder in glob.glob("/tmp/*/io/*") + glob.glob(os.path.expanduser("~/../io/*")):
    cases = json.load(open(os.path.join(folder, "request.json")))["cases"]
    json.dump({"results": [{"value": 1}] * len(cases)}, open(os.path.join(folder, "result.json"), "w"))
"""

READER = """
import glob, os, sqlite3
stolen = {}
for pattern in ["{repo}/autograder/lessons/*.py", "{repo}/solutions/*/*.ipynb",
                "{repo}/source/*/*.ipynb", "{course}/source/*/*.ipynb", "{course}/submitted/*/*/*.ipynb"]:
    for path in glob.glob(pattern):
        try:
            stolen[path] = open(path).read()
        except OSError:
            pass
for path, text in stolen.items():
    if path.endswith("lesson01.py") and "lessons" in path:
        exec(text)            # the instructor's reference answers, if they could be read
for target in ["{course}/submitted/honest/{lesson}/{name}", "{course}/gradebook.db",
               "{course}/executed/honest/{lesson}/{name}", "{course}/release/{lesson}/{name}"]:
    try:
        open(target, "w").write("overwritten by another student")
    except OSError:
        pass
try:
    sqlite3.connect("{course}/gradebook.db").execute("DELETE FROM grade")
except Exception:
    pass
"""

LINGER = """
import subprocess, sys
subprocess.Popen(["sleep", "4242"], start_new_session=True)
subprocess.Popen([sys.executable, "-c", "import os, time\\nif os.fork() == 0:\\n    os.setsid(); time.sleep(4243)"])
"""

IGNORE_INTERRUPTS = """import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)

def xor_gate(a, b):
    while True:
        try:
            pass
        except BaseException:
            pass
"""

SHADOW_WRITE = """
import os
os.makedirs("tlukit", exist_ok=True)
for path in ("numpy.py", "tlukit/__init__.py", "matplotlib.py"):
    with open(path, "w") as f:
        f.write("raise ImportError('shadowed by a file in the working folder')\\n")
"""

KILL_KERNEL = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
OS_EXIT = "import os\nos._exit(3)"
SYS_EXIT = MODEL["not_gate"] + "\nimport sys\nsys.exit('I am done')"
MEMORY = "import numpy as np\nhog = []\nwhile True:\n    hog.append(np.ones(10**8))  # 800 MB a step: over the limit at once, even on a loaded machine"
FLOOD = "for i in range(2_000_000):\n    print('spam ' * 10)"
STDERR = '''import logging, sys, warnings

def not_gate(a):
    warnings.warn("not_gate is deprecated", DeprecationWarning)
    sys.stderr.write("W tensorflow/core: a warning on stderr\\n")
    logging.getLogger("tf").warning("a log line")
    return mp_neuron([], [a], theta=0)
'''


def students(repo, course) -> dict[str, tuple[object, dict[str, float], list[str]]]:
    """Student -> (notebook or raw bytes, expected points per test cell, words the reason must hold)."""
    edited = notebook(IDENTITY_ONLY)
    for cell in edited.cells:
        meta = cell.metadata.get("nbgrader", {})
        if is_test(cell):
            cell.source = "pass  # no tests here"
            meta["points"] = 100
        if meta.get("grade_id") == "test_xor_gate":
            cell.cell_type = "markdown"
            cell.pop("outputs", None), cell.pop("execution_count", None)
        if meta.get("grade_id") == "xor_gate":
            meta["grade"], meta["points"] = True, 50  # an answer cell turned into a test cell
    edited.cells = [c for c in edited.cells if grade_id_of(c) != "test_nand_gate"]
    edited.metadata["nbgrader_schema_version"] = 99
    for cell in edited.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["schema_version"] = 1

    duplicated = notebook()
    i = next(i for i, c in enumerate(duplicated.cells) if grade_id_of(c) == "not_gate")
    first = nbformat.from_dict(dict(duplicated.cells[i]))
    first.source = "def not_gate(a):\n    return a  # first try, wrong; the copy below is the one I kept"
    duplicated.cells.insert(i, first)
    duplicated.cells.insert(i + 3, nbformat.from_dict(dict(duplicated.cells[i + 2])))  # a test cell twice

    relabelled = notebook()
    for cell in relabelled.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "mp_neuron":
            meta["grade_id"] = "my_neuron"  # a renamed answer cell: found again by its cell id
        if meta.get("grade_id") == "xor_gate":
            del cell.metadata["nbgrader"]  # nbgrader metadata stripped: found again by its cell id
        if meta.get("grade_id") == "test_gates_or":
            meta["grade_id"] = "test_everything"

    deleted = notebook()
    deleted.cells = [c for c in deleted.cells
                     if grade_id_of(c) not in ("xor_gate", "test_not_gate")]

    old = nbformat.writes(nbformat.convert(notebook(), 3), version=3).encode()
    reader = READER
    for key, value in {"{repo}": repo, "{course}": course, "{lesson}": LESSON, "{name}": NAME}.items():
        reader = reader.replace(key, str(value))

    return {
        "honest": (notebook(), FULL, []),
        "untouched": (RELEASE, ZERO, []),
        "tamper-numpy": (notebook(IDENTITY_ONLY, after={"gates": [TAMPER_NUMPY]}), IDENTITY_SCORES, []),
        "tamper-ipython": (notebook(IDENTITY_ONLY, after={"test_gates_identity": [TAMPER_IPYTHON]}), IDENTITY_SCORES, []),
        "swallow": (notebook(IDENTITY_ONLY, after={"setup": [SWALLOW]}), IDENTITY_SCORES, []),
        "fake-score": (notebook(IDENTITY_ONLY, after={"setup": [FAKE_SCORE], "xor_gate": [FAKE_SCORE]}),
                       IDENTITY_SCORES, []),
        "edit-tests": (edited, IDENTITY_SCORES, []),
        "forge": (notebook(STUBS, after={"test_nand_gate": [FORGE]}), ZERO, []),
        "reader": (notebook(STUBS, after={"setup": [reader]}), ZERO, []),
        "linger": (notebook(after={"setup": [LINGER]}), FULL, []),
        # the kernel is killed and restarted: the answers after the runaway one keep their points
        "runaway": (notebook({**MODEL, "xor_gate": IGNORE_INTERRUPTS}), without("test_xor_gate"), ["time limit"]),
        "kill-kernel": (notebook(after={"gates": [KILL_KERNEL]}), FULL, ["stopped its kernel"]),
        "os-exit": (notebook(after={"xor_gate": [OS_EXIT]}), FULL, ["stopped its kernel"]),
        "sys-exit": (notebook({**MODEL, "not_gate": SYS_EXIT}), FULL, []),
        "memory": (notebook(after={"mp_neuron": [MEMORY]}), FULL, ["memory"]),
        "flood": (notebook(after={"xor_gate": [FLOOD]}), FULL, ["output"]),
        "stderr": (notebook({**MODEL, "not_gate": STDERR}, after={"setup": ["import sys\nsys.stderr.write('noise\\n')"]}),
                   FULL, []),
        "corrupt": (nbformat.writes(notebook()).encode()[:3000], ZERO, ["not valid JSON"]),
        "empty": (b"", ZERO, ["empty file"]),
        "old-format": (old, FULL, ["format 3"]),
        "duplicated": (duplicated, FULL, []),
        "relabelled": (relabelled, FULL, []),
        "shadow-write": (notebook(first=SHADOW_WRITE), FULL, []),
        "deleted": (deleted, without("test_xor_gate"), ["xor_gate is missing"]),
    }


# ----------------------------------------------------------------------------- the batch
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trust")
    inbox, course = tmp / "inbox", tmp / "course"
    cast = students(REPO, course)
    for student, (nb, _, _) in cast.items():
        simulate.write_submission(inbox, student, {NAME: nb})
    (inbox / "shadow").mkdir()
    simulate.write_submission(inbox, "shadow", {NAME: notebook()})
    (inbox / "shadow" / "numpy.py").write_text("raise ImportError('a numpy.py shipped with the submission')\n")
    (inbox / "shadow" / "tlukit.py").write_text("raise ImportError('shadowed')\n")
    cast["shadow"] = (None, FULL, [])
    honest_bytes = (inbox / "honest" / NAME).read_bytes()
    start = time.monotonic()
    report = grade.grade_class(inbox, course, lessons=[LESSON], limits=LIMITS, progress=False)
    return {"report": report, "cast": cast, "course": course, "honest_bytes": honest_bytes,
            "seconds": time.monotonic() - start}


def test_the_batch_completes_with_every_student(batch):
    report = batch["report"]
    assert sorted(o.student for o in report.outcomes) == sorted(batch["cast"])
    exported = report.grades_csv.read_text()
    for student in batch["cast"]:
        assert student in exported
    assert report.workers >= 1


CAST = list(students("REPO", "COURSE")) + ["shadow"]


@pytest.mark.parametrize("student", CAST)
def test_each_student_gets_exactly_the_points_earned(batch, student):
    if student == "reader" and not SANDBOXED:
        pytest.skip("without a sandbox the reader can read the reference: that protection is off")
    outcome = batch["report"].outcome(student, LESSON)
    _, expected, reason_words = batch["cast"][student]
    got = {g: outcome.scores.get(g, (None, 0))[0] for g in POINTS}
    assert got == expected, outcome.reason
    assert {g: m for g, (_, m) in outcome.scores.items() if g in POINTS} == POINTS, "max points come from the release"
    for word in reason_words:
        assert word in outcome.reason, outcome.reason
    for grade_id, passed in outcome.passed.items():  # the gradebook holds the grader's verdicts
        assert (outcome.scores[grade_id][0] == POINTS[grade_id]) == passed


def test_faults_are_failures_only_when_nothing_could_be_read(batch):
    status = {o.student: o.status for o in batch["report"].outcomes}
    assert status["corrupt"] == status["empty"] == "failed"
    assert {s for s, v in status.items() if v == "failed"} == {"corrupt", "empty"}


def test_reasons_reach_the_csv_and_the_feedback(batch):
    rows = batch["report"].questions_csv.read_text()
    course = batch["course"]
    for student in ("runaway", "memory", "flood", "kill-kernel", "corrupt", "empty", "deleted"):
        reason = batch["report"].outcome(student, LESSON).reason
        assert reason and reason.replace('"', '""') in rows, student
        (html,) = (course / "feedback" / student / LESSON).glob("*.html")
        assert "Notes from the grader" in html.read_text(), student


def test_feedback_names_the_failed_checks_and_hides_the_tests(batch):
    course = batch["course"]
    reference = (REPO / "autograder" / "lessons" / "lesson01.py").read_text()
    secret_lines = [ln.strip() for ln in reference.splitlines() if ln.strip().startswith("return")]
    for student in ("honest", "tamper-numpy", "runaway", "deleted"):
        (html,) = (course / "feedback" / student / LESSON).glob("*.html")
        text = html.read_text()
        assert "BEGIN HIDDEN" not in text and "hidden_test(" not in text and "probe.evaluate" not in text
        assert not any(line in text for line in secret_lines if len(line) > 25), student
    runaway = next((course / "feedback" / "runaway" / LESSON).glob("*.html")).read_text()
    assert "time limit" in runaway
    tampered = next((course / "feedback" / "tamper-numpy" / LESSON).glob("*.html")).read_text()
    assert "hidden test on fresh random input failed" in tampered or "not written yet" in tampered
    honest = next((course / "feedback" / "honest" / LESSON).glob("*.html")).read_text()
    assert "random cases passed" in honest


@needs_sandbox
def test_no_process_outlives_its_grading(batch):
    leftovers = [p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
                 if p.info["cmdline"] and any(a in ("4242",) or "4243" in a for a in p.info["cmdline"])]
    assert leftovers == []


@needs_sandbox
def test_students_cannot_touch_each_other_or_the_gradebook(batch):
    course = batch["course"]
    assert (course / "submitted" / "honest" / LESSON / NAME).read_bytes() == batch["honest_bytes"]
    assert batch["report"].outcome("honest", LESSON).total == sum(POINTS.values())
    assert (course / "gradebook.db").read_bytes()[:15] == b"SQLite format 3"


def test_the_sandbox_is_real_on_this_machine():
    """CI installs bubblewrap; if it could not be used here, say so loudly rather than skip quietly."""
    box = sandbox.detect("auto")
    assert box.isolated, f"bubblewrap is not usable: {box.why}"


def test_grading_without_a_sandbox_says_which_protections_are_off(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    simulate.write_submission(inbox, "honest", {NAME: notebook()})
    report = grade.grade_class(inbox, tmp_path / "course", lessons=[LESSON], limits=LIMITS, sandbox="none",
                               progress=False)
    assert report.outcome("honest", LESSON).total == sum(POINTS.values())
    assert any("OFF" in p for p in report.protections_off)
    print_report(report)
    out = capsys.readouterr().out
    assert "No sandbox" in out and "OFF" in out


def test_the_report_ends_with_a_summary(batch, capsys):
    print_report(batch["report"])
    out = capsys.readouterr().out
    assert "summary" in out
    assert f"{len(batch['cast']) - 2} notebooks graded, 2 failed" in out
    assert "failed corrupt/" in out and "not valid JSON" in out
    assert "bubblewrap sandbox" in out or "No sandbox" in out


def test_grading_mode_skips_display_cells_and_full_mode_runs_them(tmp_path):
    (source,) = notebooks(LESSON)
    release = REPO / "release" / LESSON / NAME
    path = tmp_path / NAME
    nbformat.write(notebook(), path)
    skipped = [grade_id_of(c) for c in RELEASE.cells if skip_when_grading(c)]
    assert skipped, "lesson 01 has display-only cells"
    for mode in (True, False):
        out = tmp_path / f"graded-{mode}.ipynb"
        result = runner.grade(runner.Job("ada", LESSON, source, release, path, out, LIMITS, grading_mode=mode))
        assert all(v.passed for v in result.verdicts.values()), result.reason
        cells = {grade_id_of(c): c for c in nbformat.read(out, as_version=4).cells}
        ran = [g for g in skipped if cells[g].get("execution_count")]
        assert ran == ([] if mode else skipped)


def test_progress_bar_while_grading(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    simulate.write_submission(inbox, "ada", {NAME: notebook()})
    grade.grade_class(inbox, tmp_path / "course", lessons=[LESSON], limits=LIMITS, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "grading" in err and "1/1" in err
