"""Lesson 09 (tuning neural networks): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``. TensorFlow
is imported once per worker; nothing here trains a model.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from autograder import course, hidden
from autograder.lessons import lesson09 as ref
from tests.helpers import REPO, SourceNotebook
from tlukit.checks import lesson09 as check

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
kt = pytest.importorskip("keras_tuner")

NB = SourceNotebook("09_tuning")
POINTS = {"test_lr_schedule": 2, "test_smooth_losses": 2, "test_pick_learning_rate": 2, "test_build_model": 3,
          "test_make_callbacks": 2, "test_train_challenge": 3}


def test_notebook_facts():
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert {w: p for w, (p, _) in NB.written.items()} == {"written_hyperparameters": 4}
    (_, scheme), = NB.written.values()
    assert "=== BEGIN MARK SCHEME ===" in scheme and scheme.count("* (1)") == 3 and scheme.count("* (0.5)") == 2
    assert "objectives" in NB.nb.cells[0].source and "recap" in NB.nb.cells[-1].source.lower()
    text = "\n".join(c.source for c in NB.nb.cells)
    for fact in ("Exercise 9", "Exercise 10", "Exercise 1", "sampling=\"log\"", "9\\,\\%", "first 10,000",
                 "about 96 %", "0.65", "a tenth", "from tlukit.widgets import playground"):
        assert fact in text, fact
    skipped = {course.grade_id(c) for c in NB.nb.cells if course.skip_when_grading(c)}
    assert {"demo_depth_width", "demo_batch_size", "demo_early_stopping", "demo_playground"} <= skipped
    assert not any(course.kind(c) in ("answer", "test") for c in NB.nb.cells if course.skip_when_grading(c))


def test_checks_hold_no_answer():
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson09.py").read_text()
    assert "\nimport keras" not in source and "from autograder" not in source
    assert "def build_model(hp)" not in source and "sampling=\"log\")" not in source.replace("hint=", "")


def test_reference_facts():
    assert np.allclose(ref.lr_schedule(np.arange(5), 5, 1e-4, 1.0), [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    assert np.isclose(ref.lr_schedule(0, 500), 1e-5) and np.isclose(ref.lr_schedule(499, 500), 10.0)
    assert np.allclose(ref.smooth_losses([4.0, 2.0, 6.0], beta=0.5), [4, 8 / 3, 32 / 7])
    rates = [0.001 * 2 ** i for i in range(6)]
    assert ref.pick_learning_rate(rates, [2.0, 0.5, 0.9, 1.2, 3.0, 20.0], beta=0.0) == pytest.approx(0.0016)
    # the uniform share of [1e-4, 1e-2] below 1e-3, quoted in the notebook: about 9 %
    assert (1e-3 - 1e-4) / (1e-2 - 1e-4) == pytest.approx(0.0909, abs=1e-4)


def test_tuner_driver_reads_the_search_space_as_a_tuner_does():
    seen = check.tuner_driver(ref.build_model, check.TUNER_FIXED, np.zeros((2, 28, 28), np.uint8), 0)
    assert seen["space"] == check.SPACE and check.tuner_problem(seen) is None
    depths = [built["model"]["layers"] for built in seen["built"]]
    assert [len(layers) for layers in depths] == [1 + 3 + 1, 1 + 1 + 1]
    assert [b["compiled"]["optimizer"] for b in seen["built"]] == ["sgd", "adam"]


def test_grader_curves_separate_every_modelled_mistake():
    """On the drawn curves each wrong pick differs from the right one (else the hidden test could not see it)."""
    q = hidden.question("09.pick_learning_rate")
    for seed in range(5):
        cases = q.draw(np.random.default_rng(seed))
        for key, model in ref.PICK_MODELS.items():
            assert any(not np.isclose(model(*c.args, **c.kwargs), ref.pick_learning_rate(*c.args, **c.kwargs))
                       for c in cases), (seed, key)


def test_challenge_data_come_from_the_grader_and_stay_small():
    q = hidden.question("09.train_challenge")
    for mode in (True, False):
        cases, _ = hidden.request(q, 0, grading_=mode)
        (case,) = cases
        assert len(case.args[0]) == ref.CHALLENGE_TRAIN and case.kwargs["epochs"] <= 2
        assert case.args[0].dtype == np.float32 and case.args[0].max() <= 1.0
        assert case.secret["images"].dtype == np.uint8 and len(case.secret["labels"]) == ref.CHALLENGE_TEST
        assert 0.3 < case.secret["at_least"] <= 0.65  # an untrained model scores about 0.1, the reference about 0.8


def test_the_self_check_refuses_exactly_the_layers_the_grader_cannot_evaluate():
    """check.EVALUABLE_LAYERS (tlukit may not import the grader) is what objects.forward evaluates: every Keras
    layer kind outside it gets the grader's "yours has a ... layer", none inside it does."""
    from autograder import objects
    from keras import layers

    kinds = {name for name in dir(layers) if isinstance(getattr(layers, name), type)
             and issubclass(getattr(layers, name), layers.Layer)} | {"InputLayer"}
    refused = set()
    for kind in kinds | check.EVALUABLE_LAYERS:
        try:
            objects._apply({"kind": kind, "weights": []}, [np.zeros((2, 3))])
        except objects.NotEvaluable as exc:
            if f"yours has a {kind} layer" in str(exc):
                refused.add(kind)
    assert refused == kinds - check.EVALUABLE_LAYERS and {"LeakyReLU", "ReLU", "Rescaling", "Reshape"} <= refused
    assert check.EVALUABLE_ACTIVATIONS == set(objects.ACTIVATIONS)
    for kind in sorted(refused)[:5]:
        assert "cannot evaluate" in check.unevaluable({"type": "model", "structure": "sequential",
                                                       "layers": [{"kind": "Flatten"}, {"kind": kind}]})
    assert check.unevaluable({"type": "model", "structure": "sequential",
                              "layers": [{"kind": "Dense", "activation": "gelu"}]})
    assert check.unevaluable({"type": "model", "structure": "subclassed", "layers": []})
    assert check.unevaluable({"type": "model", "structure": "functional", "layers": [
        {"kind": kind, "activation": "leaky_relu"} for kind in sorted(check.EVALUABLE_LAYERS)]}) is None
