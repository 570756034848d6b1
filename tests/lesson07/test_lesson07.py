"""Lesson 07 (a Keras image classifier): what is particular to this lesson.

The checks every lesson shares (reference, solution cells and answer fixtures against the
notebook's test cells, hints, mistake models) are in ``test_lessons_inprocess.py``. TensorFlow
is imported once per worker; the data are tiny.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from autograder import hidden, objects
from autograder.lessons import lesson07 as ref
from tests.helpers import REPO, SourceNotebook
from tlukit import observers

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

NB = SourceNotebook("07_keras_classifier")
POINTS = {"test_split_and_scale": 2, "test_linear_model": 1, "test_build_model": 2, "test_weight_facts": 2,
          "test_one_hot": 1, "test_compile_model": 2, "test_train_model": 3, "test_predicted_class_names": 1,
          "test_multilabel_model": 2, "test_multilabel_model_loss": 1, "test_regularized_model": 2}


def test_notebook_facts():
    assert {t: p for t, (p, _) in NB.tests.items()} == POINTS
    assert "objectives" in NB.nb.cells[0].source and "lesson 08" in NB.nb.cells[-1].source
    text = "\n".join(c.source for c in NB.nb.cells)
    for fact in ("266,610", "235{,}500", "30{,}100", "1{,}010", "last 5,000", "Figure 10-11", "258 s", "0.880"):
        assert fact in text, fact


def test_checks_hold_no_answer():
    source = (REPO / "utils" / "tlukit" / "checks" / "lesson07.py").read_text()
    assert "\nimport keras" not in source and "from autograder" not in source and "def build_model()" not in source


def test_reference_facts():
    model = ref.build_model()
    assert model.count_params() == 266_610
    assert [layer.count_params() for layer in model.layers[1:]] == [235_500, 30_100, 1_010]
    kernel, biases = model.layers[1].get_weights()
    assert kernel.shape == (784, 300) and not biases.any()
    assert ref.linear_model().count_params() == 7_850
    assert ref.regularized_model().count_params() == 269_746
    X = np.arange(12, dtype=np.uint8).reshape(6, 2)
    Xt, yt, Xv, yv = ref.split_and_scale(X, np.arange(6), n_valid=2)
    assert np.allclose(Xv, X[-2:] / 255) and list(yv) == [4, 5] and Xt.shape == (4, 2)


def test_observer_sees_through_a_lying_subclass():
    class Liar(keras.Sequential):
        def count_params(self):
            return 266_610
    liar = Liar([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    seen = observers.keras_model(liar, np.zeros((2, 28, 28), np.uint8), 0, 255.0)
    assert seen["params"] == 7_850
    want = observers.keras_model(ref.build_model(), np.zeros((2, 28, 28), np.uint8), 0, 255.0)
    assert "layers differ" in objects.model_difference(seen, want)


def test_training_thresholds_are_sized_by_grading_mode(monkeypatch):
    q = hidden.question("07.train_model")
    for mode, n in ((True, 1_200), (False, 2_000)):
        cases, _ = hidden.request(q, 0, grading_=mode)
        assert len(cases[0].args[0]) == n and cases[0].secret["at_least"] > 0.3  # an untrained model scores ~0.1
        assert cases[0].args[2].dtype == np.float32 and cases[0].secret["images"].dtype == np.uint8
