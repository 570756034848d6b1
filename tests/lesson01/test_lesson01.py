"""Lesson 01 (McCulloch–Pitts neurons and logic): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``. Here:

* every fixture (wrong, right, and the structural-rule fixtures of ``fixtures/rules/``) goes
  through *both* the self-check and the hidden test, which must agree;
* the catalogues: their size, the self-check's table of what each neuron mistake returns
  (against the instructor's implementations), and each mistake named by both sides;
* each exercise is graded on its own: a wrong ``mp_neuron`` costs only its own points, stubs
  score nothing;
* the lesson's widget.
"""
from __future__ import annotations

import contextlib
import io
import linecache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder import course, hidden  # noqa: E402
from autograder.lessons import lesson01 as ref  # noqa: E402
from tests.helpers import SourceNotebook, answer_fixtures  # noqa: E402
from tlukit.checking import CheckFailed  # noqa: E402
from tlukit.checks import lesson01 as check  # noqa: E402

LESSON = "01_mcculloch_pitts"
NB = SourceNotebook(LESSON)
POINTS = {"test_mp_neuron": 3, "test_gates_identity": 1, "test_gates_and": 1, "test_gates_or": 1,
          "test_gates_a_and_not_b": 1, "test_xor_gate": 2, "test_not_gate": 1, "test_nand_gate": 2}
FIXTURES = [f for kind in ("wrong", "rules", "right") for f in answer_fixtures(LESSON, kind)]


# --- the notebook -----------------------------------------------------------------------------

def test_notebook_facts():
    assert set(NB.answers) == {"mp_neuron", "gates", "xor_gate", "not_gate", "nand_gate"}
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert NB.written == {}
    assert "Learning objectives" in NB.nb.cells[0].source
    assert "Recap" in NB.nb.cells[-1].source
    assert any("truth_table_explorer(" in c.source for c in NB.nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in NB.nb.cells if c.cell_type == "markdown")
    for n in range(1, 6):
        assert f"### Exercise {n} " in text, f"Exercise {n} is not numbered in the text"
    assert "Exercise 2 of chapter 10" in text  # the book's exercise the XOR exercise comes from
    assert text.count("<details>") >= 3  # the reflective questions are answered


def test_setup_cell_has_the_shape_of_the_brief():
    setup = next(c.source for c in NB.nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    assert "from tlukit.demo import needs" in setup and "from tlukit.checks import lesson01 as check" in setup


def test_demos_that_use_answers_say_which_exercise():
    """Every code cell that is not an answer or a test and calls a student's function does so inside
    needs(...) (or through a widget, which says which exercise to finish itself)."""
    names = ("mp_neuron(", "identity", "and_gate", "or_gate", "a_and_not_b", "xor_gate", "not_gate(", "nand_gate(")
    for cell in NB.nb.cells:
        kind = course.kind(cell)
        if cell.cell_type != "code" or kind in ("answer", "test") or course.grade_id(cell) == "setup":
            continue
        if any(n in cell.source for n in names) and "widgets." not in cell.source:
            assert "with needs(\"Exercise" in cell.source, course.grade_id(cell)


def test_stubs_carry_full_docstrings():
    release = nbformat.read(course.RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4)
    stubs = [c.source for c in release.cells if course.kind(c) == "answer"]
    for stub in stubs:
        for part in ("Returns", "ine"):  # "Returns ..." and "About N lines" / "One line"
            assert part in stub, stub[:80]


# --- the catalogues ---------------------------------------------------------------------------

def test_catalogues_are_shared_and_large_enough():
    for q in ref.QUESTIONS:
        name = q.qid.split(".")[1]
        assert getattr(check, name).catalogue is q.catalogue
        # a one-input gate has only three wrong truth tables; the class report keeps NOT's identity unnamed
        assert len(q.catalogue) >= {"identity": 3, "not_gate": 2}.get(name, 5), q.qid


def test_neuron_table_matches_the_instructors_models():
    assert set(check.NEURON_WRONG) == set(ref.NEURON_MODELS) == set(check.MP_NEURON.keys())
    for key, model in ref.NEURON_MODELS.items():
        outputs = tuple(model(list(e), list(i), t) for e, i, t, _, _ in check.NEURON_CASES)
        assert outputs == check.NEURON_WRONG[key], key
    wants = tuple(w for *_, w, _ in check.NEURON_CASES)
    assert wants == tuple(ref.mp_neuron(e, i, t) for e, i, t, _, _ in check.NEURON_CASES)
    fingerprints = list(check.NEURON_WRONG.values())
    assert len(set(fingerprints)) == len(fingerprints), "two mistakes look alike on the self-check's inputs"


@pytest.mark.parametrize("key", list(ref.NEURON_MODELS))
def test_each_neuron_mistake_is_named_by_both_sides(key, monkeypatch):
    model = ref.NEURON_MODELS[key]
    message = getattr(check.MP_NEURON, key).message
    with pytest.raises(CheckFailed) as failure:
        check.mp_neuron(model)
    assert f"hint: {message}" in str(failure.value)
    for seed in range(3):
        monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
        with pytest.raises(CheckFailed) as failure:
            hidden.run("01.mp_neuron", model)
        assert f"likely mistake: {message}" in str(failure.value)


GATE_NAMES = ["identity", "and_gate", "or_gate", "a_and_not_b", "xor_gate", "not_gate", "nand_gate"]


@pytest.mark.parametrize("name", GATE_NAMES)
def test_each_gate_mistake_is_named_by_both_sides(name, monkeypatch):
    """The instructor's wiring (when there is one, else the catalogue's truth table) is named on both sides."""
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "3")
    exercise, question = getattr(check, name), hidden.question(f"01.{name}")
    for mistake in exercise.catalogue:
        student = question.models.get(mistake.key, mistake.model)
        with pytest.raises(CheckFailed) as failure:
            exercise(student)
        assert f"hint: {mistake.message}" in str(failure.value)
        with pytest.raises(CheckFailed) as failure:
            hidden.run(question.qid, student)
        assert f"likely mistake: {mistake.message}" in str(failure.value)


@pytest.mark.parametrize("name", GATE_NAMES)
def test_wirings_compute_the_catalogues_truth_tables(name):
    question = hidden.question(f"01.{name}")
    n_inputs = 1 if name in ("identity", "not_gate") else 2
    from itertools import product
    for key, wiring in question.models.items():
        model = getattr(question.catalogue, key).model
        assert [wiring(*bits) for bits in product((0, 1), repeat=n_inputs)] == \
               [model(*bits) for bits in product((0, 1), repeat=n_inputs)], key


# --- both sides agree on every fixture --------------------------------------------------------

def fixture_namespace(fixture) -> dict:
    """The reference answers, with the fixture's cell run over them; its functions keep their source."""
    namespace = NB.reference_namespace()
    filename = f"<fixture {fixture.name}>"
    linecache.cache[filename] = (len(fixture.source), None, fixture.source.splitlines(True), filename)
    exec(compile(fixture.source, filename, "exec"), namespace)
    return namespace


def outcome(run) -> tuple[bool, str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            run()
    except CheckFailed as failure:
        return False, str(failure)
    return True, ""


@pytest.mark.parametrize("fixture", [pytest.param(f, id=f.name) for f in FIXTURES])
def test_self_check_and_hidden_test_agree(fixture, monkeypatch):
    namespace = fixture_namespace(fixture)
    losing = fixture.loses or NB.tests_of(fixture.grade_id)
    for test_id in NB.tests_of(fixture.grade_id):
        qid, name = NB.hidden_call(test_id)
        self_ok, self_message = outcome(lambda: getattr(check, name)(namespace[name]))
        for seed in range(3):
            monkeypatch.setenv("TLUKIT_HIDDEN_SEED", str(seed))
            hidden_ok, hidden_message = outcome(lambda: hidden.run(qid, namespace[name]))
            assert self_ok == hidden_ok, f"{test_id}: self-check {self_ok}, hidden test {hidden_ok}\n" \
                                         f"{self_message}\n{hidden_message}"
        expected_ok = fixture.kind == "right" or test_id not in losing
        assert self_ok == expected_ok, self_message
        if not expected_ok:
            assert fixture.expect_hint in self_message
            if fixture.hidden_hint:
                assert fixture.expect_hint in hidden_message


def test_rule_fixtures_break_only_their_rule():
    """A rule fixture computes the right truth table: only the rule fails it, on both sides."""
    for fixture in answer_fixtures(LESSON, "rules"):
        namespace = fixture_namespace(fixture)
        for test_id in fixture.loses or NB.tests_of(fixture.grade_id):
            qid, name = NB.hidden_call(test_id)
            ok, message = outcome(lambda: hidden.run(qid, namespace[name]))
            assert not ok and "breaks a rule of the exercise" in message, fixture.name
            q = hidden.question(qid)
            assert all(q.reference(*case.args) == namespace[name](*case.args) for case in q.draw(np.random.default_rng(0)))


def test_named_share_of_wrong_fixtures(capsys):
    """At least 80 % of the plausible mistakes get a message naming them, on each side."""
    wrong = [f for kind in ("wrong", "rules") for f in answer_fixtures(LESSON, kind)]
    named_self = named_hidden = 0
    for fixture in wrong:
        namespace = fixture_namespace(fixture)
        test_id = (fixture.loses or NB.tests_of(fixture.grade_id))[0]
        qid, name = NB.hidden_call(test_id)
        named_self += fixture.expect_hint in outcome(lambda: getattr(check, name)(namespace[name]))[1]
        named_hidden += fixture.expect_hint in outcome(lambda: hidden.run(qid, namespace[name]))[1]
    print(f"lesson 01: {named_self}/{len(wrong)} named by the self-check, {named_hidden}/{len(wrong)} by the hidden test")
    assert named_self >= 0.8 * len(wrong) and named_hidden >= 0.8 * len(wrong)


# --- each exercise is graded on its own -------------------------------------------------------

def solution_namespace(replace: dict[str, str] | None = None) -> dict:
    """The notebook's answer cells run in order, some replaced (by a fixture or a stub)."""
    namespace: dict = {"np": np}
    for grade_id, source in NB.answers.items():
        exec((replace or {}).get(grade_id, source), namespace)
    return namespace


def scores(namespace: dict, monkeypatch) -> dict[str, float]:
    """The points each test cell gets when graded: the hidden test alone decides (as in the grader)."""
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "5")
    out = {}
    for test_id, (points, _) in NB.tests.items():
        qid, name = NB.hidden_call(test_id)
        ok, _ = outcome(lambda: hidden.run(qid, namespace[name]))
        out[test_id] = points if ok else 0
    return out


@pytest.mark.parametrize("slug", ["strict_greater", "ignores_inhibition", "all_of_empty", "equals_theta"])
def test_a_wrong_mp_neuron_costs_only_its_own_points(slug, monkeypatch):
    source = next(f.source for f in answer_fixtures(LESSON, "wrong") if f.grade_id == "mp_neuron" and f.slug == slug)
    got = scores(solution_namespace({"mp_neuron": source}), monkeypatch)
    assert got == {**POINTS, "test_mp_neuron": 0}


def test_later_stubs_score_nothing_and_earlier_answers_keep_theirs(monkeypatch):
    release = nbformat.read(course.RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4)
    stubs = {course.grade_id(c): c.source for c in release.cells if course.kind(c) == "answer"}
    got = scores(solution_namespace({g: stubs[g] for g in ("xor_gate", "not_gate", "nand_gate")}), monkeypatch)
    assert got == {**POINTS, "test_xor_gate": 0, "test_not_gate": 0, "test_nand_gate": 0}
    got = scores(solution_namespace({"mp_neuron": stubs["mp_neuron"], "gates": stubs["gates"]}), monkeypatch)
    assert got == {**POINTS, "test_mp_neuron": 0, "test_gates_identity": 0, "test_gates_and": 0, "test_gates_or": 0,
                   "test_gates_a_and_not_b": 0}


def test_the_self_check_says_when_an_earlier_exercise_is_the_cause():
    namespace = solution_namespace({"mp_neuron": next(f.source for f in answer_fixtures(LESSON, "wrong")
                                                      if f.slug == "strict_greater")})
    with pytest.raises(CheckFailed) as failure:
        check.xor_gate(namespace["xor_gate"])
    message = str(failure.value)
    assert "xor_gate calls your mp_neuron (Exercise 1), which fails its own check" in message
    assert "graded on its own" in message


# --- the self-checks --------------------------------------------------------------------------

def test_failure_messages_name_input_expected_got_and_hint():
    with pytest.raises(CheckFailed) as failure:
        check.mp_neuron(lambda e, i, t: int(sum(e) >= t))  # inhibition ignored
    message = str(failure.value)
    assert "mp_neuron([1, 1], [1], theta=2)" in message
    assert "expected: 0" in message and "got:      1" in message
    assert "hint:" in message and "veto" in message
    with pytest.raises(CheckFailed) as failure:
        check.and_gate(lambda a, b: ref.mp_neuron([a, b], [], 1))
    message = str(failure.value)
    assert "and_gate(0, 1)" in message and "expected: 0" in message and "got:      1" in message
    assert "computes OR instead of AND" in message


def test_an_unknown_mistake_gets_no_guess():
    with pytest.raises(CheckFailed) as failure:
        check.mp_neuron(lambda e, i, t: int(sum(e) >= t + 1 and not any(i)) if e else 1)
    assert "hint:" not in str(failure.value)


def test_non_bit_results_are_named():
    with pytest.raises(CheckFailed, match="return 0 or 1"):
        check.mp_neuron(lambda e, i, t: [1])
    with pytest.raises(CheckFailed, match="forget a `return`"):
        check.mp_neuron(lambda e, i, t: None)
    with pytest.raises(CheckFailed, match="return 0 or 1"):
        check.or_gate(lambda a, b: a + b)


def test_bool_and_numpy_results_pass(capsys):
    check.mp_neuron(lambda e, i, t: bool(sum(e) >= t and not any(i)))
    check.mp_neuron(lambda e, i, t: np.int64(np.sum(e) >= t and not np.any(i)))
    check.not_gate(lambda a: ref.mp_neuron([], [a], 0) == 1)
    assert capsys.readouterr().out.count("✓") == 3


def test_python_operators_break_the_rule_on_both_sides(monkeypatch):
    def xor_gate(a, b):
        return a ^ b

    with pytest.raises(CheckFailed, match="breaks a rule of the exercise: build XOR from neurons"):
        check.xor_gate(xor_gate)
    monkeypatch.setenv("TLUKIT_HIDDEN_SEED", "1")
    with pytest.raises(CheckFailed, match="breaks a rule of the exercise: build XOR from neurons"):
        hidden.run("01.xor_gate", xor_gate)


def test_references_keep_every_rule():
    for q in ref.QUESTIONS:
        source = hidden.function_source(q.reference)
        assert source and not any(rule.broken(source) for rule in q.rules), q.qid


def test_an_input_changed_in_place_fails_the_self_check():
    def mp_neuron(excitatory, inhibitory, theta):
        excitatory.append(0)
        return int(sum(excitatory) >= theta and not any(inhibitory))

    with pytest.raises(CheckFailed, match="changed its argument excitatory in place"):
        check.mp_neuron(mp_neuron)


# --- the widget -------------------------------------------------------------------------------

GATES = [ref.identity, ref.and_gate, ref.or_gate, ref.a_and_not_b, ref.xor_gate]


def _capture_display(monkeypatch):
    import IPython.display
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    return shown


def test_explorer_falls_back_to_a_static_figure(monkeypatch):
    from tlukit import widgets
    monkeypatch.setenv("TLUKIT_STATIC", "1")
    shown = _capture_display(monkeypatch)

    def unwritten(a, b):
        raise NotImplementedError()

    widgets.truth_table_explorer(*GATES, ref.nand_gate, unwritten)
    assert len(shown) == 1 and isinstance(shown[0], Figure)
    assert not plt.get_fignums(), "the figure is closed after display"


def test_explorer_widget_builds_and_redraws(monkeypatch):
    import ipywidgets
    from tlukit.widgets import logic
    shown = _capture_display(monkeypatch)
    box = logic.build_explorer(GATES, a=0, b=1)
    assert isinstance(box, ipywidgets.VBox)
    toggle_a, toggle_b = box.children[0].children
    assert "A⊕B" in box.children[1].value
    toggle_a.value = 1                       # A = 1, B = 1: AND and OR fire, XOR does not
    assert "A∧B" in box.children[1].value and "A⊕B" not in box.children[1].value
    assert len(shown) >= 2 and all(isinstance(f, Figure) for f in shown)
    assert not plt.get_fignums()


def test_explorer_interactive_bundle_carries_the_fallback(monkeypatch):
    from tlukit.widgets import core, logic
    monkeypatch.setattr(core, "interactive", lambda: True)
    shown = _capture_display(monkeypatch)
    logic.truth_table_explorer(*GATES)
    bundle = shown[-1]
    assert core.WIDGET_MIME in bundle and "image/png" in bundle


def test_plot_truth_table_labels_its_axes():
    from tlukit import plots
    ax = plots.plot_truth_table({"A ∧ B": ref.and_gate}, title="AND")
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.texts][:3] == ["0", "0", "0"]  # row (A, B) = (0, 0) first
    plt.close("all")


def test_plot_networks_draws_figure_10_3():
    from tlukit.widgets import logic
    axes = logic.plot_networks()
    assert len(axes) == 4 and [a.get_title() for a in axes][0] == "C = A"
    plt.close("all")
