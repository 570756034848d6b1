"""TensorFlow in the grader's kernel (issue 9, section 3): in the sandbox, TensorFlow imports and
trains, Fashion-MNIST loads from the Keras cache or the offline copy, read-only, and nothing
TensorFlow logs or warns costs a point.

One small batch on lesson 01 (the cheapest notebook; the kernel is the same for every lesson):
each student answers with the model solution and adds cells after the set-up. An extra cell
deletes ``mp_neuron`` when what it checks does not hold, so a student keeps full marks only if
every check held in the grader's kernel.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from autograder import grade, sandbox, simulate
from autograder.course import REPO
from tests.test_grading_trust import FULL, LESSON, LIMITS, NAME, POINTS, notebook

pytestmark = pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir()
                                and not (Path.home() / ".keras" / "datasets" / "fashion-mnist").is_dir(),
                                reason="no offline Fashion-MNIST (Debian package dataset-fashion-mnist)")
SANDBOXED = sandbox.detect("auto").isolated
TF_LIMITS = dataclasses.replace(LIMITS, cell_timeout=90, notebook_timeout=300, memory_mb=4096, flood_mb=8)

TRAIN = """
import os, sys, warnings
ok = []
import tensorflow as tf
import keras
from tlukit.data import load_fashion_mnist
(X_train, y_train), (X_test, y_test) = load_fashion_mnist()
ok.append(X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28) and int(y_train[0]) == 9)
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(X_train[:512] / 255.0, y_train[:512], epochs=2, verbose=2)
ok.append(len(history.history["loss"]) == 2)
tf.get_logger().warning("a TensorFlow log line")
warnings.warn("a warning from the student's code")
print("noise on stderr " * 20, file=sys.stderr)
"""
DROP_UNLESS_OK = "if not (len(globals().get('ok', [])) == 2 and all(ok)):  # the cell above may have failed\n    del mp_neuron"

WRITE_CACHE = """
import os
from pathlib import Path
written = []
for folder in {folders!r}:
    try:
        Path(folder, "PWNED").write_text("x")
        written.append(folder)
    except OSError:
        pass
"""
DROP_IF_WRITTEN = "if globals().get('written', ['the cell above failed']):\n    del mp_neuron"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tf")
    keras_data = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"
    folders = [str(p) for p in (keras_data, Path("/usr/share/datasets/fashion-mnist")) if p.is_dir()]
    cast = {
        "tensorflow": notebook(after={"setup": [TRAIN], "mp_neuron": [DROP_UNLESS_OK]}),
        "cache-writer": notebook(after={"setup": [WRITE_CACHE.format(folders=folders)], "mp_neuron": [DROP_IF_WRITTEN]}),
    }
    for student, nb in cast.items():
        simulate.write_submission(tmp / "inbox", student, {NAME: nb})
    report = grade.grade_class(tmp / "inbox", tmp / "course", lessons=[LESSON], limits=TF_LIMITS, progress=False,
                               workers=2)
    return {o.student: o for o in report.outcomes}, folders


def _points(outcome) -> dict:
    return {g: outcome.scores.get(g, (None, 0))[0] for g in POINTS}


def test_tensorflow_trains_on_fashion_mnist_in_the_kernel_and_its_logs_cost_nothing(batch):
    outcomes, _ = batch
    outcome = outcomes["tensorflow"]
    assert outcome.status == "graded" and _points(outcome) == FULL, outcome.reason


@pytest.mark.skipif(not SANDBOXED, reason="without the sandbox, the data folders are only as protected as the disk")
def test_the_data_caches_are_read_only_for_student_code(batch):
    outcomes, folders = batch
    assert _points(outcomes["cache-writer"]) == FULL, outcomes["cache-writer"].reason
    assert not any(Path(f, "PWNED").exists() for f in folders)


def test_the_helper_package_never_imports_tensorflow_even_for_the_tensorflow_lessons():
    import subprocess
    import sys

    code = ("import sys, tlukit, tlukit.observers, tlukit.probe, tlukit.data, tlukit.checks, pkgutil, importlib\n"
            "import tlukit.checks as c\n"
            "for m in pkgutil.iter_modules(c.__path__): importlib.import_module('tlukit.checks.' + m.name)\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]
