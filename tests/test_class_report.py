"""The class report (autograder/classreport.py): the instructor's HTML page after grading.

A small class is graded for real on lesson 01 (real catalogued mistakes from the answer
fixtures), then the report is checked by its data (how many students made each mistake, who),
for escaping (hostile names, reasons and hints), and in a real headless Chromium: no script
runs, the names appear after one click on a count.
"""
from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from tests.helpers import fixtures_folder  # noqa: E402
from autograder import build, classreport, grade, hidden, runner, simulate
from autograder.report import print_report
from tlukit import probe

LESSON = "01_mcculloch_pitts"
NAME = f"{LESSON}.ipynb"
RELEASE = simulate.release_notebook(LESSON)
MODEL = simulate.solution_answers(LESSON)
WRONG = fixtures_folder(LESSON) / "wrong"
LIMITS = runner.Limits(cell_timeout=6, notebook_timeout=150, memory_mb=700, flood_mb=4, output_kb=64)

SCRIPT = "<script>document.title='pwned'</script>"
IMG = """<img src=x onerror="document.title='pwned'">"""
RAISES = "def nand_gate(a, b):\n    raise ValueError('no idea')\n"
XNOR = "def xor_gate(a, b):\n    return 1 - (a ^ b)\n"  # wrong, and no catalogued mistake explains it


def fixture(name: str) -> str:
    return (WRONG / f"{name}.py").read_text()


def with_cell_at_end(nb, source: str):
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


CLASS = {
    "ada": lambda: simulate.fill(RELEASE, MODEL),
    # two catalogued mistakes and an answer that raises
    "ben": lambda: simulate.fill(RELEASE, {**MODEL, "not_gate": fixture("not_gate__excitatory"),
                                           "gates": fixture("gates__and_theta_one"), "nand_gate": RAISES}),
    # the same not_gate mistake, and an xor_gate that is wrong in a way the catalogue does not know
    "cy": lambda: simulate.fill(RELEASE, {**MODEL, "not_gate": fixture("not_gate__excitatory"), "xor_gate": XNOR}),
    # hands in the release, plus a cell whose first line is markup: it reaches the reasons
    "dee": lambda: with_cell_at_end(simulate.fill(RELEASE, {}), f"# {SCRIPT}\nimport os\nos._exit(3)"),
    "eve": lambda: nbformat.writes(RELEASE).encode()[:3000],  # a corrupt upload: a failed notebook
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("classreport")
    inbox, course = tmp / "inbox", tmp / "course"
    for student, make in CLASS.items():
        simulate.write_submission(inbox, student, {NAME: make()})
    start = time.monotonic()
    report = grade.grade_class(inbox, course, lessons=[LESSON], limits=LIMITS, progress=False, seed=7)
    return {"report": report, "course": course, "tmp": tmp, "seconds": time.monotonic() - start}


def text_of(page: str) -> str:
    """The text a reader sees (entities decoded), tags dropped."""
    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(page)
    return re.sub(r"\s+", " ", "".join(parser.parts))


def rows(page: str) -> list[tuple[str, list[str], str]]:
    """The rows of the mistake tables: (the count's text, the names it opens, the mistake)."""
    class Rows(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.rows: list[list] = []
            self.inside = False  # in a table of mistakes
            self.where: str | None = None

        def handle_starttag(self, tag, attrs):
            classes = dict(attrs).get("class") or ""
            if tag == "table":
                self.inside = classes == "mistakes"
            elif self.inside and tag == "tr" and classes in ("mistake", "group"):
                self.rows.append(["", [], ""])
            elif self.inside and self.rows and (tag in ("summary", "li") or tag == "td" and classes == "hint"):
                self.where = {"summary": "count", "li": "name", "td": "hint"}[tag]
                if tag == "li":
                    self.rows[-1][1].append("")

        def handle_endtag(self, tag):
            if tag == "table":
                self.inside = False
            if tag in ("summary", "td", "li", "tr"):
                self.where = None

        def handle_data(self, data):
            if self.where:
                row = self.rows[-1]
                if self.where == "name":
                    row[1][-1] += data
                else:
                    row[0 if self.where == "count" else 2] += data

    parser = Rows()
    parser.feed(page)
    return [(count.strip(), [re.sub(r"\s+", " ", n).strip() for n in names], hint.strip())
            for count, names, hint in parser.rows]


def hint_of(report, student: str, grade_id: str) -> str:
    status, mistake = report.outcome(student, LESSON).verdicts[grade_id]
    assert status == "wrong" and mistake, (status, mistake)
    return mistake


def hostile_report(report: grade.Report) -> grade.Report:
    """The batch plus students whose name, reason and mistake hint are markup."""
    scores = {g: (0.0, p) for g, p in report.questions[LESSON]}
    extra = [
        grade.Outcome(SCRIPT, LESSON, "graded", reason=IMG, scores=scores,
                      verdicts={g: ("wrong", IMG) for g in scores}, passed={g: False for g in scores}),
        grade.Outcome(IMG, LESSON, "failed", reason=SCRIPT),
    ]
    return dataclasses.replace(report, outcomes=report.outcomes + extra,
                               problems=report.problems + [(SCRIPT, IMG)])


# ----------------------------------------------------------------------------- the verdicts
def test_judge_says_why_a_test_failed_and_which_mistake():
    q = hidden.question("01.not_gate")
    cases, text = hidden.request(q, 3)

    def verdict(fn=None, result=None, stopped=None):
        if fn is not None:
            result = json.dumps({"results": probe.evaluate_cases(fn, probe.decode_request(text)["cases"])})
        return hidden.judge(q, cases, result, 3, "not_gate", stopped)

    def stub(a):
        raise NotImplementedError()

    def raises(a):
        raise ValueError("no")

    expected = {
        "passed": (verdict(lambda a: 1 - a), None),
        "wrong": (verdict(lambda a: 1), "A must be inhibitory: it vetoes the neuron when A = 1"),
        "not written": (verdict(stub), None),
        "error": (verdict(raises), None),
        "not run": (verdict(result=None, stopped="went past the time limit"), None),
        "unreadable": (verdict(result="{not json"), None),
    }
    for status, (v, mistake) in expected.items():
        assert (v.status, v.mistake, v.passed) == (status, mistake, status == "passed"), v.message
    assert expected["wrong"][0].message.endswith(f"likely mistake: {expected['wrong'][1]}\n(seed 3: the instructor "
                                                 "can replay this test)")
    missing = hidden.judge(q, cases, json.dumps({"missing": "is not defined"}), 3, "not_gate")
    assert (missing.status, missing.message) == ("not written", "not_gate is not defined")
    assert verdict(lambda a: a).mistake is None  # wrong, and no known mistake explains it


# ----------------------------------------------------------------------------- by its data
def test_outcomes_carry_the_verdicts(batch):
    report = batch["report"]
    ben, dee, eve = (report.outcome(s, LESSON) for s in ("ben", "dee", "eve"))
    assert ben.verdicts["test_not_gate"][0] == "wrong" and ben.passed["test_not_gate"] is False
    assert ben.verdicts["test_nand_gate"] == ("error", None)
    assert ben.verdicts["test_mp_neuron"] == ("passed", None) and ben.passed["test_mp_neuron"] is True
    assert {s for s, _ in dee.verdicts.values()} == {"not written"}
    assert eve.status == "failed" and eve.verdicts == {}


def test_counts_per_mistake_and_outcome(batch):
    report = batch["report"]
    (lesson,) = classreport.summarise(report)
    assert (lesson.class_size, lesson.graded, lesson.failed, lesson.missing) == (5, 4, 1, 0)
    assert len(lesson.totals) == 4
    assert lesson.mean == pytest.approx(sum(report.outcome(s, LESSON).total for s in ("ada", "ben", "cy", "dee")) / 4)
    q = {s.grade_id: s for s in lesson.questions}
    assert [s.grade_id for s in lesson.questions] == [g for g, _ in report.questions[LESSON]]  # notebook order

    not_gate = hint_of(report, "ben", "test_not_gate")
    assert not_gate == hint_of(report, "cy", "test_not_gate")
    assert q["test_not_gate"].mistakes == {not_gate: 2}
    assert [s.name for s in q["test_not_gate"].row(not_gate).students] == ["ben", "cy"]
    assert q["test_not_gate"].counts == {"full": 1, "partial": 0, "wrong": 2, "not attempted": 1,
                                         "not graded": 1, "manual": 0}
    assert [s.name for s in q["test_not_gate"].row(classreport.NOT_ATTEMPTED).students] == ["dee"]
    assert [s.name for s in q["test_not_gate"].row(classreport.NOT_GRADED).students] == ["eve"]

    assert q["test_gates_and"].mistakes == {hint_of(report, "ben", "test_gates_and"): 1}
    assert [s.name for s in q["test_xor_gate"].row(classreport.WRONG_UNKNOWN).students] == ["cy"]
    assert [s.name for s in q["test_nand_gate"].row(classreport.RAISED).students] == ["ben"]
    assert q["test_mp_neuron"].counts["full"] == 3
    for s in q.values():
        assert sum(s.counts.values()) == 5


def test_the_page_says_who_made_which_mistake_with_links(batch):
    report = batch["report"]
    assert report.class_report == batch["course"] / "report.html"
    page = report.class_report.read_text()
    text = text_of(page)
    table = rows(page)
    hint = hint_of(report, "ben", "test_not_gate")
    assert ("2 of 5 students", ["ben", "cy"], hint) in table
    assert ("1 of 5 students", ["ben"], hint_of(report, "ben", "test_gates_and")) in table
    assert ("1 of 5 students", ["cy"], classreport.WRONG_UNKNOWN) in table
    assert ("1 of 5 students", ["ben"], classreport.RAISED) in table
    assert ("1 of 5 students", ["dee"], classreport.NOT_ATTEMPTED) in table
    assert ("1 of 5 students", ["eve (failed)"], classreport.NOT_GRADED) in table
    assert "not a readable notebook" in text or "not valid JSON" in text  # eve's reason
    assert 'href="feedback/ben/01_mcculloch_pitts/01_mcculloch_pitts.html"' in page
    assert (batch["course"] / "feedback/ben/01_mcculloch_pitts/01_mcculloch_pitts.html").is_file()
    # self-contained: no script, nothing fetched from the network
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert page.count('<img class="chart" src="data:image/svg+xml;base64,') == 2 + len(report.questions[LESSON])
    # dee's added cell put markup in a reason: it is shown, escaped
    assert SCRIPT not in page and html.escape(SCRIPT, quote=False) in page.replace("&#39;", "'")
    assert f"# {SCRIPT}" in text


def test_student_markup_is_escaped(batch, tmp_path):
    path = classreport.write(hostile_report(batch["report"]), batch["course"] / "hostile.html")
    page = path.read_text()
    assert SCRIPT not in page and "<img src=x" not in page
    assert "<script" not in page.lower() and "onerror=\"" not in page
    text = text_of(page)
    assert ("1 of 7 students", [SCRIPT], IMG) in rows(page)  # a hint echoing a value: escaped, still readable
    assert SCRIPT in text and IMG in text  # names, reasons and problems, as text


def test_manual_partial_faults_and_an_empty_lesson(tmp_path):
    """Built by hand: a written answer awaiting its grade, partial marks, a time limit, a missing
    notebook, and a lesson nobody handed in."""
    questions = {"02_perceptron": [("test_heaviside", 1.0), ("written_logreg", 2.0)], "03_empty": [("test_x", 1.0)]}
    outcomes = [
        grade.Outcome("ann", "02_perceptron", scores={"test_heaviside": (1.0, 1.0), "written_logreg": (None, 2.0)},
                      verdicts={"test_heaviside": ("passed", None)}),
        grade.Outcome("bob", "02_perceptron", reason="test cell test_heaviside: went past the time limit",
                      scores={"test_heaviside": (0.0, 1.0), "written_logreg": (1.0, 2.0)},
                      verdicts={"test_heaviside": ("not run", None)}),
        grade.Outcome("cat", "02_perceptron", "missing", reason="no notebook for 02_perceptron"),
    ]
    report = grade.Report(tmp_path, outcomes, [("x.txt", "ignored: neither a folder nor a .zip archive")], questions)
    lesson, empty = classreport.summarise(report)
    heaviside, written = lesson.questions
    assert (lesson.class_size, lesson.graded, lesson.missing, lesson.totals) == (3, 2, 1, [1.0, 1.0])
    assert {k: v for k, v in heaviside.counts.items() if v} == {"full": 1, "not graded": 2}
    assert [(s.name, s.note) for s in heaviside.row(classreport.NOT_GRADED).students] == [("bob", "not run"),
                                                                                          ("cat", "missing")]
    assert {k: v for k, v in written.counts.items() if v} == {"manual": 1, "partial": 1, "not graded": 1}
    assert (empty.class_size, empty.mean, empty.median) == (0, None, None)
    text = text_of(classreport.write(report, tmp_path / "report.html").read_text())
    assert "awaiting manual grading" in text and "went past the time limit" in text and "x.txt" in text


def test_the_summary_points_to_the_report(batch, capsys):
    print_report(batch["report"])
    out = capsys.readouterr().out
    assert f"Class report:       {batch['course'] / 'report.html'}  (open it in a browser)" in out


# ----------------------------------------------------------------------------- in a browser
CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver")


def browser(tmp_path: Path):
    """Headless Chromium driven by Debian's chromedriver; skipped only outside CI."""
    missing = [what for what, ok in (("chromium", os.path.exists(CHROMIUM)), ("chromedriver", CHROMEDRIVER))
               if not ok]
    try:
        from selenium import webdriver
    except ImportError:
        missing.append("selenium (pip)")
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver; pip install selenium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the class report in a browser: {message}")
        pytest.skip(message)
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def test_in_a_real_browser(batch, tmp_path):
    from selenium.webdriver.common.by import By

    report = batch["report"]
    hostile = classreport.write(hostile_report(report), batch["course"] / "hostile.html")
    hint = hint_of(report, "ben", "test_not_gate")
    driver = browser(tmp_path)
    try:
        driver.get(hostile.as_uri())
        assert driver.title == "Class report"  # no student script ran
        for details in driver.find_elements(By.TAG_NAME, "details"):
            driver.execute_script("arguments[0].open = true", details)  # show every name and reason
        assert driver.title == "Class report"
        assert not driver.find_elements(By.CSS_SELECTOR, "img:not(.chart)")  # no student <img> became an element
        body = driver.find_element(By.TAG_NAME, "body").text
        assert SCRIPT in body and IMG in body

        driver.get(report.class_report.as_uri())
        assert driver.title == "Class report"
        row = driver.find_element(By.XPATH, f"//tr[td[@class='hint' and normalize-space()={xpath_literal(hint)}]]")
        summary = row.find_element(By.TAG_NAME, "summary")
        assert summary.text == "2 of 5 students"
        names = row.find_elements(By.CSS_SELECTOR, "ul.names a")
        assert [a.get_attribute("textContent") for a in names] == ["ben", "cy"]
        assert not any(a.is_displayed() for a in names)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
        summary.click()  # one click
        assert all(a.is_displayed() for a in names)
        assert [a.text for a in names] == ["ben", "cy"]
        charts = driver.find_elements(By.CSS_SELECTOR, "img.chart")
        assert charts and all(driver.execute_script("return arguments[0].naturalWidth", c) > 0 for c in charts)
        driver.save_screenshot(str(tmp_path / "report.png"))
        names[0].click()  # the name opens the student's feedback
        assert driver.current_url.endswith("/feedback/ben/01_mcculloch_pitts/01_mcculloch_pitts.html")
    finally:
        driver.quit()


def xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"
