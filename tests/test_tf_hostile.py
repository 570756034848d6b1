"""Hostile answers against the TensorFlow paths of the grader (issue 9, section 3).

The promise under test: verdicts are computed outside the student's kernel; what a student's
code does can change only what its kernel writes, never the verdict; a Keras object is graded
by what matters, never by what it says about itself; one answer the grader cannot judge costs
only its own question; and an honest student never loses points to TensorFlow's quirks.

What the grader does today, and what this file attacks:

* a model to build (``observe="keras_model"``) is judged by its architecture and by its outputs
  with weights the grader sets (:func:`autograder.objects.model_difference`);
* a trained model (``observe="keras_predict"``) and a History (``observe="keras_history"``) come
  back from the kernel as their layers and each layer's weights only: the grader runs the forward
  pass itself, in NumPy (:func:`autograder.objects.forward`), on images it keeps in
  ``Case.secret`` and never sends, and computes the accuracy with labels it keeps
  (:func:`~autograder.objects.predictions_criterion`, :func:`~autograder.objects.history_criterion`).
  So a model that looks its answers up (in the ``(X_valid, y_valid)`` it was given, or in the
  kernel's own copy of Fashion-MNIST) earns nothing; one output column is no 10-class classifier;
  a History must record (in any epoch: EarlyStopping may restore the best) the validation accuracy
  its own model scores, under any accepted name of accuracy, and NaN records count as edited;
* a result file the kernel forges (layers as text, weights of the wrong shape or dtype, NaN or
  infinite weights, unknown layers or activations, a History without a model, ...) fails its
  question: :func:`autograder.hidden.judge` turns a criterion or comparison that raises into a
  failed verdict, and :mod:`autograder.runner` wraps the judge of each question;
* compile settings (``observe="keras_compiled"``) are still read from what the model says
  (``model.loss``, the loss's ``get_config()``): those two holes remain;
* a subclassed model's layers reach the grader in the order ``__init__`` created them, not the
  order ``call()`` uses them: an honest subclassed model can be mis-evaluated (a hole that remains).

Each attack is tried in-process first (the kernel's observer, the wire, the grader's judge:
the same code as in grading, without the sandbox), and the most important ones once more
through the real grader (``runner``, via ``grade._grade_one``: a sandboxed kernel on lesson 01's
notebook whose hidden tests are pointed, for this test only, at Keras questions).

Tests marked ``xfail(strict=True)`` are holes that remain: they assert what the grader should
do, and fail today; their ``reason`` says what is wrong.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import hidden, objects  # noqa: E402
from autograder.hidden import Case, Question  # noqa: E402
from tlukit import observers, probe, wire  # noqa: E402

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

HAVE_FASHION = Path("/usr/share/datasets/fashion-mnist").is_dir() or \
    (Path.home() / ".keras" / "datasets" / "fashion-mnist").is_dir()
needs_fashion = pytest.mark.skipif(not HAVE_FASHION, reason="no offline Fashion-MNIST")

X = np.random.default_rng(0).integers(0, 256, (16, 28, 28)).astype(np.uint8)


def seen(name, value, *args):
    """What the grader reads of ``value`` observed by ``name`` in the kernel: through the wire."""
    return wire.decode(wire.encode(probe.observe(name, value, args)))


def graded(q: Question, answer, seed: int = 5) -> hidden.Verdict:
    """The whole hidden test, as in grading: the grader's request, the kernel's probe, the
    grader's judge; only the sandbox is left out."""
    cases, text = hidden.request(q, seed, grading_=True)
    result = json.dumps(probe.answer(answer, probe.decode_request(text)), allow_nan=False)
    return hidden.judge(q, cases, result, seed, getattr(answer, "__name__", "answer"))


def judged(q: Question, cases: list, payload: dict) -> hidden.Verdict:
    """The grader's judge on a result file the kernel wrote (forged, perhaps)."""
    return hidden.judge(q, cases, json.dumps(payload, allow_nan=False), 5, "answer")


def one_hot(y, k=10):
    return np.eye(k, dtype=np.float32)[np.asarray(y, dtype=int)]


# ============================================================================ data
@pytest.fixture(scope="module")
def fashion():
    if not HAVE_FASHION:
        pytest.skip("no offline Fashion-MNIST")
    from tlukit.data import load_fashion_mnist

    return load_fashion_mnist()


@pytest.fixture(scope="module")
def split(fashion):
    """A train/validation pick of Fashion-MNIST as lesson 07's train_model question draws it."""
    (X_all, y_all), _ = fashion
    pick = np.random.default_rng(11).choice(len(X_all), 700, replace=False)
    Xs, ys = X_all[pick], y_all[pick].astype(np.int64)
    Xf = Xs.astype(np.float32) / 255.0
    return Xs, ys, Xf


def kept(split, at_least=0.55):
    """What the grader keeps of the validation part: its uint8 images (never sent), their scale, labels."""
    Xs, ys, _ = split
    return {"images": Xs[400:], "scale": 255.0, "labels": ys[400:], "at_least": at_least, "why": ""}


def train_question(split, at_least=0.55):
    """Lesson 07's train_model question in miniature: a History, judged by history_criterion."""
    _, ys, Xf = split

    def cases(rng):
        return [Case((Xf[:400], ys[:400], Xf[400:], ys[400:]), {"epochs": 2}, seed=3, secret=kept(split, at_least))]
    return Question(qid="07.train_model", cases=cases, observe="keras_history", criterion=objects.history_criterion)


def predict_question(split, at_least=0.55):
    """A trained model as a value, judged by the accuracy of its predictions (predictions_criterion)."""
    return Question(qid="07.trained", shape="value", observe="keras_predict",
                    cases=lambda rng: [Case(secret=kept(split, at_least))], criterion=objects.predictions_criterion)


def mlp(units=32, classes=10, activation="softmax"):
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(units, activation="relu"),
                             keras.layers.Dense(classes, activation=activation)])


def honest_train(X_train, y_train, X_valid, y_valid, epochs=2, metrics=("accuracy",), callbacks=()):
    keras.utils.set_random_seed(0)
    model = mlp()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.003), metrics=list(metrics))
    return model.fit(X_train, y_train, epochs=epochs, batch_size=32, validation_data=(X_valid, y_valid), verbose=0,
                     callbacks=list(callbacks))


def graded_args(split):
    _, ys, Xf = split
    return Xf[:400], ys[:400], Xf[400:], ys[400:]


@pytest.fixture(scope="module")
def trained(split):
    """An honest History (and its model), trained once for the tests that need one."""
    return honest_train(*graded_args(split))


def test_the_graders_images_never_reach_the_kernel(split):
    for q in (predict_question(split), train_question(split)):
        cases, text = hidden.request(q, 5, grading_=True)
        request = json.loads(text)
        assert all(wire.decode(c["observe_args"]) == () for c in request["cases"]), q.qid
        assert cases[0].secret["images"].dtype == np.uint8
    assert len(hidden.request(predict_question(split), 5, grading_=True)[1]) < 2_000  # no images at all


def test_an_honest_history_passes_and_an_untrained_one_does_not(split, trained):
    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        return trained  # honest_train on these very arguments, trained once for the module
    verdict = graded(train_question(split), train)
    assert verdict.passed, verdict.message

    def untrained(X_train, y_train, X_valid, y_valid, epochs=2):
        return fake_history(mlp(), 0.1)
    assert not graded(train_question(split), untrained).passed


def test_an_honest_trained_model_passes_and_an_untrained_one_does_not(split, trained):
    q = predict_question(split)
    verdict = graded(q, trained.model)
    assert verdict.passed, verdict.message
    keras.utils.set_random_seed(4)
    verdict = graded(q, mlp())
    assert not verdict.passed and verdict.status == "wrong" and "below 0.55" in verdict.message, verdict.message


def test_the_graders_forward_pass_agrees_with_the_model_in_the_kernel(split, trained):
    Xs, _, Xf = split
    mine = objects.forward(seen("keras_predict", trained.model), Xs[400:].astype(np.float64) / 255.0)
    assert np.allclose(mine, trained.model.predict(Xf[400:], verbose=0), atol=1e-5)


# ============================================================================ unearned points: trained models
def fake_history(model, val_accuracy):
    """A real keras.callbacks.History, filled in by hand, attached to ``model``."""
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {"loss": [2.3, 0.4], "accuracy": [0.2, 0.9], "val_loss": [2.3, 0.4],
                       "val_accuracy": [0.2, float(val_accuracy)]}
    return history


def always_one():
    """Never trained: one sigmoid unit whose bias makes it say 1.0 for every image."""
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(1, activation="sigmoid", bias_initializer=keras.initializers.Constant(20.0))])


def test_a_constant_single_output_is_not_a_ten_class_classifier(split):
    verdict = graded(predict_question(split), always_one())
    assert not verdict.passed and verdict.status == "wrong", "an untrained one-unit model passed"
    assert "one output per class" in verdict.message, verdict.message


def test_a_history_of_an_untrained_single_output_model_does_not_pass(split):
    _, ys, _ = split
    share = float(np.mean(ys[400:] != 0))  # what thresholding a constant 1.0 against bool(labels) scored

    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        return fake_history(always_one(), share)
    verdict = graded(train_question(split), train)
    assert not verdict.passed, f"passed with no training at all (val_accuracy said {share:.2f})"
    assert "one output per class" in verdict.message, verdict.message


def _keys(images):
    """Each image as bytes of uint8 pixels, whether given as uint8 or scaled to [0, 1]."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = np.rint(images.astype(np.float64) * 255).astype(np.uint8)
    return [row.tobytes() for row in images]


class Lookup(keras.Sequential):
    """A Sequential model (Keras's own call(), so the grader evaluates its layers), never trained:
    its predict() and __call__ look each image up in a table of labels (the validation labels it was
    given as an argument, or the whole local copy of Fashion-MNIST, which every kernel has) and
    return the true class with probability 1."""

    def __init__(self, images, labels):
        super().__init__([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
        self.table = {key: int(y) for key, y in zip(_keys(images), labels)}

    def predict(self, x, *args, **kwargs):
        return one_hot([self.table.get(key, 0) for key in _keys(x)])

    def __call__(self, x, *args, **kwargs):
        if self.built:
            return self.predict(x)
        return super().__call__(x, *args, **kwargs)


def test_a_model_that_memorised_the_validation_labels_it_was_given_is_not_trained(split):
    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        model = Lookup(X_valid, y_valid)
        model(X_valid[:1])
        assert np.mean(model.predict(X_valid).argmax(axis=1) == y_valid) == 1.0  # the cheat works in the kernel
        return fake_history(model, 1.0)
    verdict = graded(train_question(split), train)
    assert not verdict.passed, "a lookup table of the validation labels passed as a trained model"
    assert "edited" in verdict.message, verdict.message


def test_a_model_that_looks_the_graders_images_up_in_the_local_dataset_is_not_trained(split, fashion):
    (X_all, y_all), (X_test, y_test) = fashion
    model = Lookup(np.concatenate([X_all, X_test]), np.concatenate([y_all, y_test]))
    model(X[:1] / 255.0)
    Xs, ys, _ = split
    assert np.mean(model.predict(Xs[400:] / 255.0).argmax(axis=1) == ys[400:]) == 1.0  # the cheat works in the kernel
    verdict = graded(predict_question(split), model)
    assert not verdict.passed and "below 0.55" in verdict.message, verdict.message


def test_a_history_whose_record_covers_every_value_still_needs_a_trained_model(split):
    """Any epoch's record may match the model (EarlyStopping): a record of every value from 0 to 1
    then matches any model, so the grade rests on the accuracy the grader measures."""
    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        history = fake_history(mlp(), 1.0)
        history.history["val_accuracy"] = list(np.linspace(0, 1, 201))
        return history
    verdict = graded(train_question(split), train)
    assert not verdict.passed and "below 0.55" in verdict.message, verdict.message


@pytest.mark.parametrize("which", ["every epoch", "the last epoch"])
def test_a_history_edited_to_nan_is_called_edited(split, trained, which):
    """NaN compares as 'not far' from anything; a NaN record must match no model. With the last
    epoch alone edited, the first epoch's record must still match the final model (it does not here)."""
    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        history = fake_history(trained.model, 0.0)
        history.history = {k: list(v) for k, v in trained.history.items()}
        record = history.history["val_accuracy"]
        record[:] = [float("nan")] * len(record) if which == "every epoch" else record[:-1] + [float("nan")]
        return history
    verdict = graded(train_question(split), train)
    assert not verdict.passed and "edited" in verdict.message, verdict.message


# ============================================================================ honest students who lose no points
@pytest.mark.parametrize("metric", ["acc", "SparseCategoricalAccuracy()"])
def test_a_history_with_another_accepted_name_of_accuracy_passes(split, metric):
    """compiled_difference accepts these; their History records val_acc, val_sparse_categorical_accuracy."""
    metrics = (keras.metrics.SparseCategoricalAccuracy(),) if metric.endswith("()") else (metric,)

    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        history = honest_train(X_train, y_train, X_valid, y_valid, epochs, metrics=metrics)
        assert "val_accuracy" not in history.history  # the case under test (else the kernel reports the raise)
        return history
    verdict = graded(train_question(split), train)
    assert verdict.passed, verdict.message


def test_a_history_of_a_model_restored_to_its_best_epoch_passes(split):
    records = []

    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        keras.utils.set_random_seed(1)
        model = mlp()
        model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.03), metrics=["accuracy"])
        stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=10, restore_best_weights=True)
        history = model.fit(X_train, y_train, epochs=5, batch_size=32, validation_data=(X_valid, y_valid), verbose=0,
                            callbacks=[stop])
        records.append(list(history.history["val_accuracy"]))
        return history
    verdict = graded(train_question(split, at_least=0.3), train)
    val = records[0]
    if not max(val) - val[-1] > 0.012:  # the last epoch must be worse than the best by more than the tolerance
        pytest.skip(f"training on this machine did not give the case under test: {np.round(val, 3)}")
    assert verdict.passed, verdict.message


class Declared(keras.Model):
    """The book's subclassing API: layers created in __init__ (here, the output layer first), used in call()."""

    def __init__(self):
        super().__init__()
        self.out = keras.layers.Dense(10, activation="softmax")
        self.hidden = keras.layers.Dense(32, activation="relu")
        self.flatten = keras.layers.Flatten()

    def call(self, x):
        return self.out(self.hidden(self.flatten(x)))


def test_a_subclassed_model_is_told_what_the_grader_evaluates_never_mis_evaluated(split):
    """Its layers, in model.layers order (the order __init__ set them), are not the order call() uses:
    the grader refuses to guess, and says so, rather than compute another function."""
    def train(X_train, y_train, X_valid, y_valid, epochs=2):
        keras.utils.set_random_seed(0)
        model = Declared()
        model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.003),
                      metrics=["accuracy"])
        return model.fit(X_train, y_train, epochs=epochs, batch_size=32, validation_data=(X_valid, y_valid), verbose=0)
    verdict = graded(train_question(split), train)
    assert not verdict.passed and "Sequential model or a functional one" in verdict.message, verdict.message


# ============================================================================ the grader must not crash
def no_flatten():
    """A common mistake: no Flatten, so Dense works on each of the 28 rows: outputs (n, 28, 10)."""
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Dense(10, activation="softmax")])


@pytest.mark.parametrize("how", ["predict", "history"])
def test_a_model_without_flatten_fails_its_own_question_without_crashing_the_judge(split, how):
    if how == "predict":
        verdict = graded(predict_question(split), no_flatten())
    else:
        def train(X_train, y_train, X_valid, y_valid, epochs=2):
            model = no_flatten()
            model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
            return model.fit(X_train[:8], np.repeat(y_train[:8, None], 28, axis=1), epochs=1, verbose=0,
                             validation_data=(X_valid, np.repeat(y_valid[:, None], 28, axis=1)))
        verdict = graded(train_question(split), train)
    assert not verdict.passed and verdict.status == "wrong", verdict.message
    assert "one output per class" in verdict.message, verdict.message


def _forged_model(change=None) -> dict:
    """What keras_predict sends for a small untouched mlp(), changed by ``change(layers)`` as a kernel may."""
    keras.utils.set_random_seed(6)
    model = observers.keras_weights(mlp())
    if change is not None:
        change(model["layers"])
    return model


def _set(index, key, value):
    def change(layers):
        layers[index][key] = value(layers[index]) if callable(value) else value
    return change


def _weight(index, k, value):
    def change(layers):
        layers[index]["weights"][k] = value(layers[index]["weights"][k])
    return change


FORGED_MODELS = {  # what a kernel can send as a model (the observer replaced, or the object built by hand)
    "a number": lambda: 0.99,
    "a list": lambda: [1, 2, 3],
    "the old API's outputs": lambda: {"type": "model", "outputs": one_hot(np.zeros(300))},
    "layers as text": lambda: {"type": "model", "layers": "Flatten"},
    "layers of numbers": lambda: {"type": "model", "layers": [1, 2]},
    "no layers": lambda: {"type": "model", "layers": []},
    "only a Flatten": lambda: {"type": "model", "layers": [{"kind": "Flatten", "weights": []}]},
    "weights as text": lambda: _forged_model(_set(1, "weights", "W")),
    "weights as lists": lambda: _forged_model(_set(1, "weights", lambda layer: [w.tolist() for w in layer["weights"]])),
    "three weights for a Dense": lambda: _forged_model(_set(1, "weights", lambda layer: layer["weights"] * 2)),
    "a kernel of the wrong shape": lambda: _forged_model(_weight(1, 0, lambda w: np.zeros((10, 32)))),
    "a kernel of one dimension": lambda: _forged_model(_weight(1, 0, lambda w: w.ravel())),
    "a bias of the wrong shape": lambda: _forged_model(_weight(1, 1, lambda w: np.zeros(5))),
    "a kernel of text": lambda: _forged_model(_weight(1, 0, lambda w: np.full(w.shape, "cat"))),
    "a complex kernel": lambda: _forged_model(_weight(1, 0, lambda w: w.astype(np.complex128))),
    "a kernel of integers": lambda: _forged_model(_weight(1, 0, lambda w: np.ones(w.shape, np.int64))),
    "a kernel of NaN": lambda: _forged_model(_weight(1, 0, lambda w: np.full_like(w, np.nan))),
    "a kernel of infinity": lambda: _forged_model(_weight(2, 0, lambda w: np.full_like(w, np.inf))),
    "a huge kernel": lambda: _forged_model(_weight(2, 0, lambda w: np.full_like(w, 1e308))),
    "an unknown layer": lambda: _forged_model(_set(1, "kind", "Conv2D")),
    "a kind as a list": lambda: _forged_model(_set(1, "kind", ["Dense"])),
    "an unknown activation": lambda: _forged_model(_set(2, "activation", "magic")),
    "an activation as a list": lambda: _forged_model(_set(2, "activation", ["softmax"])),
    "a leaky slope as a list": lambda: _forged_model(
        lambda layers: layers[1].update(activation="leaky_relu", negative_slope=[1, 2])),
    "a BatchNormalization without statistics": lambda: _forged_model(
        lambda layers: layers.insert(1, {"kind": "BatchNormalization", "weights": []})),
    "a BatchNormalization with an epsilon of text": lambda: _forged_model(
        lambda layers: layers.insert(1, {"kind": "BatchNormalization", "epsilon": "tiny",
                                         "weights": [np.ones(784), np.zeros(784), np.zeros(784), np.ones(784)]})),
    "a BatchNormalization of negative variance": lambda: _forged_model(
        lambda layers: layers.insert(1, {"kind": "BatchNormalization", "epsilon": 0.0,
                                         "weights": [np.ones(784), np.zeros(784), np.zeros(784), -np.ones(784)]})),
    "a layer as text": lambda: _forged_model(lambda layers: layers.insert(1, "Dense")),
}


@pytest.mark.parametrize("forged", list(FORGED_MODELS))
def test_a_forged_trained_model_fails_the_question_and_never_crashes_the_judge(split, forged):
    q = predict_question(split)
    cases, _ = hidden.request(q, 5, grading_=True)
    with np.errstate(all="ignore"):
        verdict = judged(q, cases, {"results": [{"value": wire.encode(FORGED_MODELS[forged]())}]})
    assert not verdict.passed and verdict.status == "wrong", verdict.message


def _history(record=None, model="untouched"):
    value = {"type": "History", "history": record if record is not None else {"loss": [1.0, 0.5],
                                                                               "val_accuracy": [0.5, 0.9]}}
    if model == "untouched":
        value["model"] = _forged_model()
    elif model is not None:
        value["model"] = model
    return value


FORGED_HISTORIES = {
    "a number": lambda: 0.99,
    "history as a list": lambda: _history([1, 2]),
    "val_accuracy as text": lambda: _history({"loss": [1.0, 0.5], "val_accuracy": "high"}),
    "loss as text": lambda: _history({"loss": "falling", "val_accuracy": [0.5, 0.9]}),
    "an empty val_accuracy": lambda: _history({"loss": [1.0, 0.5], "val_accuracy": []}),
    "val_accuracy all NaN": lambda: _history({"loss": [1.0, 0.5], "val_accuracy": [np.nan, np.nan]}),
    "loss of NaN": lambda: _history({"loss": [np.nan, np.nan], "val_accuracy": [0.5, 0.9]}),
    "no model": lambda: _history(model=None),
    "a model of None": lambda: _history(model={"type": "None"}),
    "a model as text": lambda: _history(model="model"),
    "a model with layers as text": lambda: _history(model={"type": "model", "layers": "Flatten"}),
    "a model with a kernel of the wrong shape": lambda: _history(model=FORGED_MODELS["a kernel of the wrong shape"]()),
    "a model with a kernel of text": lambda: _history(model=FORGED_MODELS["a kernel of text"]()),
    "a model with a kernel of NaN": lambda: _history(model=FORGED_MODELS["a kernel of NaN"]()),
    "a model with one output": lambda: _history(model=observers.keras_weights(always_one())),
}


@pytest.mark.parametrize("forged", list(FORGED_HISTORIES))
def test_a_forged_history_result_fails_the_question_and_never_crashes_the_judge(split, forged):
    q = train_question(split)
    cases, _ = hidden.request(q, 5, grading_=True)
    with np.errstate(all="ignore"):
        verdict = judged(q, cases, {"results": [{"value": wire.encode(FORGED_HISTORIES[forged]())}]})
    assert not verdict.passed and verdict.status == "wrong", verdict.message


MODEL_FORGED = {
    "layers as text": {"type": "model", "layers": "Flatten", "params": 1, "outputs": [[0.0]]},
    "layers of numbers": {"type": "model", "layers": [1, 2], "params": 1, "outputs": [[0.0]]},
    "params as text": {"type": "model", "layers": [], "params": "many", "outputs": [[0.0]]},
    "a list": [1, 2, 3],
}


@pytest.mark.parametrize("forged", list(MODEL_FORGED))
def test_a_forged_model_result_fails_the_question_and_never_crashes_the_judge(forged):
    want = seen("keras_model", mlp(), X, 7, 255.0)
    q = Question(qid="07.model", cases=lambda rng: [Case()], reference=lambda: None, compare=objects.model_difference,
                 observe="keras_model")
    q.expected = lambda case: want  # the reference's observation, as the grader makes it
    forged_value = MODEL_FORGED[forged]
    if forged == "params as text":  # the right layers, so that the parameter count is read
        forged_value = {**forged_value, "layers": want["layers"]}
    verdict = judged(q, [Case()], {"results": [{"value": wire.encode(forged_value)}]})
    assert not verdict.passed and verdict.status == "wrong", verdict.message


def test_a_criterion_that_raises_fails_only_its_question():
    """The judge's own safety net: whatever a criterion raises on the answer's data is a failed verdict."""
    def criterion(got, case):
        raise KeyError("something no criterion expected")
    q = Question(qid="00.value", shape="value", cases=lambda rng: [Case()], criterion=criterion)
    verdict = judged(q, [Case()], {"results": [{"value": wire.encode(1.0)}]})
    assert not verdict.passed and verdict.status == "wrong" and "could not be judged" in verdict.message


# ============================================================================ models that lie: held
@pytest.fixture(scope="module")
def book():
    return seen("keras_model", mlp(), X, 7, 255.0)


class LyingWeights(keras.Model):
    """Computes a linear classifier; its ``weights``, ``trainable_weights`` and ``layers`` are those
    of the right model, which it holds but never uses."""

    def __init__(self):
        super().__init__()
        self.shown = mlp()
        self.flatten = keras.layers.Flatten()
        self.linear = keras.layers.Dense(10, activation="softmax")

    @property
    def weights(self):
        return self.shown.weights

    @property
    def trainable_weights(self):
        return self.shown.trainable_weights

    @property
    def layers(self):
        return self.shown.layers

    def call(self, x):
        return self.linear(self.flatten(x))


class IgnoresAssign(keras.Model):
    """The right architecture on paper; computes with weights of its own choosing, frozen in
    constants, so the grader's assign() changes nothing it uses."""

    def __init__(self):
        super().__init__()
        self.body = mlp()
        self.body(X[:1].astype(np.float32))
        self.frozen = [tf.constant(w.numpy()) for w in self.body.weights]

    @property
    def layers(self):
        return self.body.layers

    @property
    def weights(self):
        return self.body.weights

    def call(self, x):
        w1, b1, w2, b2 = self.frozen
        h = tf.nn.relu(tf.reshape(x, (-1, 784)) @ w1 + b1)
        return tf.nn.softmax(h @ w2 + b2)


def test_a_model_whose_weights_and_layers_properties_lie_is_judged_by_what_it_computes(book):
    model = LyingWeights()
    model(X[:1].astype(np.float32))
    got = seen("keras_model", model, X, 7, 255.0)
    assert got["params"] == book["params"] and objects.architecture(got) == objects.architecture(book)  # the lie
    assert "computes something else" in objects.model_difference(got, book)


def test_a_model_whose_variables_ignore_the_graders_weights_is_caught(book):
    got = seen("keras_model", IgnoresAssign(), X, 7, 255.0)
    assert objects.architecture(got) == objects.architecture(book)
    assert "computes something else" in objects.model_difference(got, book)


class BreaksUnderTheGrader(keras.Sequential):
    """Raises once the grader's weights are in, after the observer changed every weight."""

    def call(self, x, training=None):
        if float(tf.reduce_max(tf.abs(self.layers[-1].bias))) > 0:  # the grader's biases are not 0
            raise RuntimeError("the grader's weights")
        return super().call(x, training=training)


def test_a_model_that_raises_under_the_graders_weights_gets_its_own_weights_back():
    model = BreaksUnderTheGrader(mlp().layers)
    model.build((None, 28, 28))
    before = [w.numpy().copy() for w in model.weights]
    got = seen("keras_model", model, X, 7, 255.0)
    assert "raised RuntimeError" in got["outputs"]
    assert all(np.array_equal(w.numpy(), v) for w, v in zip(model.weights, before))


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no")


class Recursive(keras.layers.Dense):
    def get_config(self):
        return self.get_config()


def test_unprintable_exceptions_and_recursive_configs_cost_only_the_answer(split, book):
    class Raises:  # the observer reads its layers (hasattr lets anything but AttributeError through)
        weights = []

        @property
        def layers(self):
            raise Unprintable()
    verdict = graded(predict_question(split), Raises())
    assert not verdict.passed and verdict.status == "error" and "Unprintable" in verdict.message, verdict.message
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), Recursive(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    got = seen("keras_model", model, X, 7, 255.0)
    assert got["layers"][1]["kind"] == "Recursive" and objects.model_difference(got, book) is not None
    verdict = graded(predict_question(split), model)  # keras_weights reads get_config() too: caught
    assert not verdict.passed and verdict.status == "wrong", verdict.message


def test_an_object_dressed_as_a_tensor_is_only_the_students_own_value():
    """_is_tensor trusts __module__: the student's numpy() then runs, in the student's kernel,
    which is where all of the student's code runs anyway; what it returns is the answer."""
    class Dressed:
        __module__ = "tensorflow.python.framework.ops"
        shape, dtype = (2,), "float32"

        def __init__(self, value):
            self.value = value

        def numpy(self):
            return self.value
    q = Question(qid="00.double", reference=lambda x: 2 * x, cases=lambda rng: [Case((np.arange(3.0),))])
    assert graded(q, lambda x: Dressed(2 * x)).passed
    assert not graded(q, lambda x: Dressed(3 * x)).passed
    assert not graded(q, lambda x: Dressed(Dressed(2 * x))).passed  # one level only; the rest is Foreign
    assert observers.tensors(Dressed(1)) == 1


# ============================================================================ compile settings: self-reported
class SaysProbabilities(keras.losses.SparseCategoricalCrossentropy):
    """Computes the loss from logits; its config says it does not."""

    def __init__(self):
        super().__init__(from_logits=True)

    def get_config(self):
        return {**super().get_config(), "from_logits": False}


@pytest.mark.xfail(strict=True, reason="keras_compiled reads from_logits from the loss's get_config() and the loss "
                                       "from model.loss: both say what the student wants; the loss actually used is "
                                       "never computed (low stakes: lying needs the right answer)")
@pytest.mark.parametrize("lie", ["get_config", "model.loss reassigned"])
def test_compile_settings_are_seen_by_what_the_loss_computes(lie):
    model = mlp()
    if lie == "get_config":
        model.compile(loss=SaysProbabilities(), optimizer=keras.optimizers.SGD(0.01), metrics=["accuracy"])
    else:
        model.compile(loss="mean_squared_error", optimizer=keras.optimizers.SGD(0.01), metrics=["accuracy"])
        model.loss = "sparse_categorical_crossentropy"
    right = mlp()
    right.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.01), metrics=["accuracy"])
    assert objects.compiled_difference(seen("keras_compiled", model), seen("keras_compiled", right)) is not None


# ============================================================================ through the real grader
# Lesson 01's notebook in a sandboxed kernel; for this test only, two of its hidden tests are
# pointed at Keras questions (the kernel's probe gets their requests exactly as a lesson 07
# notebook's would: observer, seed, inputs). Each student answers lesson 01 with the model
# solution; extra cells then redefine not_gate and nand_gate as the Keras answers under test.
CHEAT_HISTORY = """
import numpy as np, keras

def _key(image):
    return np.rint(np.asarray(image, dtype=np.float64) * 255).astype(np.uint8).tobytes()

class Lookup(keras.Sequential):
    table = {}

    def predict(self, x, *args, **kwargs):
        return np.eye(10)[[self.table.get(_key(r), 0) for r in np.asarray(x)]]

def not_gate(X_train, y_train, X_valid, y_valid, epochs=2):  # never trains: remembers the labels it is given
    model = Lookup([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.table = {_key(x): int(y) for x, y in zip(X_valid, y_valid)}
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {"loss": [2.3, 0.3], "val_accuracy": [0.1, 1.0]}
    return history
"""
CHEAT_CONSTANT = """
import keras
nand_gate = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),  # never trained: always 1.0
                              keras.layers.Dense(1, activation="sigmoid", bias_initializer=keras.initializers.Constant(20.0))])
"""
NO_FLATTEN = """
import keras
nand_gate = keras.Sequential([keras.Input((28, 28)), keras.layers.Dense(10, activation="softmax")])  # forgot Flatten
"""


@pytest.fixture(scope="module")
def batch(split, tmp_path_factory):
    import nbformat

    from autograder import grade, runner
    from autograder.course import REPO
    from tests.test_grading_tf import TF_LIMITS
    from tests.test_grading_trust import LESSON, NAME, notebook

    keras_questions = {"01.not_gate": train_question(split), "01.nand_gate": predict_question(split)}
    real = hidden.question
    tmp = tmp_path_factory.mktemp("tf-hostile")
    cast = {"cheater": notebook(after={"not_gate": [CHEAT_HISTORY], "nand_gate": [CHEAT_CONSTANT]}),
            "no-flatten": notebook(after={"nand_gate": [NO_FLATTEN]})}
    jobs = []
    for student, nb in cast.items():
        path = tmp / student / NAME
        path.parent.mkdir()
        nbformat.write(nb, path)
        jobs.append(runner.Job(student, LESSON, REPO / "source" / LESSON / NAME, REPO / "release" / LESSON / NAME, path,
                               tmp / student / "out" / NAME, TF_LIMITS, "auto", True, 5))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hidden, "question", lambda qid: keras_questions.get(qid) or real(qid))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(grade._grade_one, jobs))  # as the grader's workers do: a crash fails the notebook
    return {r.student: r for r in results}


def _passed(result) -> dict:
    return {g: v.passed for g, v in result.verdicts.items()}


@needs_fashion
def test_in_the_sandbox_untrained_models_earn_no_points(batch):
    result = batch["cheater"]
    assert result.status == "graded", result.reason
    passed = _passed(result)
    assert passed["test_mp_neuron"] and passed["test_xor_gate"]  # the honest answers
    assert not passed["test_not_gate"] and not passed["test_nand_gate"], \
        {g: result.verdicts[g].message[:200] for g in ("test_not_gate", "test_nand_gate") if passed[g]}
    assert "edited" in result.verdicts["test_not_gate"].message, result.verdicts["test_not_gate"].message
    nand = result.verdicts["test_nand_gate"].message
    assert "one output per class" in nand, nand


@needs_fashion
def test_in_the_sandbox_a_model_without_flatten_costs_only_its_own_question(batch):
    result = batch["no-flatten"]
    assert result.status == "graded", result.reason
    passed = _passed(result)
    assert passed["test_mp_neuron"] and passed["test_xor_gate"] and not passed["test_nand_gate"]
    nand = result.verdicts["test_nand_gate"].message
    assert "one output per class" in nand, nand
