"""Lesson 08 (regression, the Functional and Subclassing APIs, saving, callbacks): what is particular to it.

The checks every lesson shares (reference, solution cells and answer fixtures against the notebook's
test cells, hints, mistake models) are in ``test_lessons_inprocess.py``. The data are tiny.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

from autograder import hidden
from autograder.lessons import lesson08 as ref
from tests.helpers import REPO, SourceNotebook
from tlukit.checks import lesson08 as check

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

NB = SourceNotebook("08_regression_apis")
POINTS = {"test_regression_mlp": 2, "test_regression_mlp_compiled": 1, "test_wide_and_deep": 3,
          "test_wide_and_deep_compiled": 1, "test_WideAndDeepModel": 3, "test_save_model": 1, "test_save_weights": 1,
          "test_make_callbacks": 2, "test_ValLossRatio": 2}


def test_notebook_facts():
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert "objectives" in NB.nb.cells[0].source and "lesson 09" in NB.nb.cells[-1].source
    text = "\n".join(c.source for c in NB.nb.cells)
    for fact in ("0.505", "0.5053", "11,610", "3,870", "5,160", "Exercise 7 of chapter 10", "loss_weights=(0.9, 0.1)",
                 ".weights.h5", "%tensorboard --logdir", "EventAccumulator", "restore_best_weights=True"):
        assert fact in text, fact
    skipped = {c.metadata["nbgrader"]["grade_id"] for c in NB.nb.cells if c.metadata.get("tlukit", {}).get("grading")}
    assert {"demo_sklearn_baseline", "demo_tensorboard_runs", "demo_tensorboard_show"} <= skipped


def test_checks_hold_no_answer():
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson08.py").read_text()
    assert "\nimport keras" not in source and "from autograder" not in source
    assert "def regression_mlp(X_train" not in source and ".concatenate(" not in source


def test_reference_facts():
    X = check.housing_like(50)
    model = ref.regression_mlp(X)
    assert sum(int(np.prod(w.shape)) for w in model.weights) == 17 + 450 + 2 * 2_550 + 51
    norm = model.layers[0]
    assert np.allclose(np.ravel(norm.mean), X.mean(axis=0), rtol=1e-4)
    wd = ref.wide_and_deep(X)
    assert [tuple(i.shape) for i in wd.inputs] == [(None, 5), (None, 6)] and len(wd.outputs) == 2
    assert sum(int(np.prod(w.shape)) for w in wd.weights) == check.WD_PARAMS


def test_the_subclass_computes_what_the_functional_model_computes():
    X_train, X = check.housing_like(60, seed=1), check.housing_like(9, seed=2)
    functional = ref.wide_and_deep(X_train)
    seen = check.wide_deep_class(ref.WideAndDeepModel, X_train, X, 5)
    from tlukit import observers
    want = observers.keras_model(functional, (X[:, :5], X[:, 2:]), 5)
    for a, b in zip(seen["outputs"], want["outputs"]):
        assert np.allclose(a, b, rtol=1e-4, atol=1e-5)


def test_the_saving_drivers_leave_no_file_behind():
    before = set(os.listdir(tempfile.gettempdir())), set(os.listdir("."))
    X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    seen = check.drive_save_model(ref.save_model, X, 1)
    assert seen["files"] == ["my_model.keras"] and seen["format"] == "keras (zip)"
    assert check.drive_save_weights(ref.save_weights, X, 1)["format"] == "hdf5"
    assert (set(os.listdir(tempfile.gettempdir())), set(os.listdir("."))) == before


def test_hidden_cases_are_small_while_grading():
    q = hidden.question("08.wide_and_deep")
    for mode, m in ((True, 40), (False, 120)):
        cases, _ = hidden.request(q, 0, grading_=mode)
        assert len(cases[0].args[0]) == m
