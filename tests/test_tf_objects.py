"""TensorFlow objects as answers (issue 9, section 3): each is graded by what matters, never by
identity or by what it says about itself. The observers (``tlukit.observers``, the student's side)
turn an object into plain data; ``autograder.objects`` (the grader's side) compares that data.

Every observation here goes through the wire, as it does when grading.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import objects  # noqa: E402
from tlukit import probe, wire  # noqa: E402

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

X = np.random.default_rng(0).integers(0, 256, (16, 28, 28)).astype(np.uint8)


def seen(name, value, *args):
    return wire.decode(wire.encode(probe.observe(name, value, args)))


def model_of(build):
    return seen("keras_model", build(), X, 7, 255.0)


# ------------------------------------------------------------------------------ models
def sequential_list():
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(300, activation="relu"),
                             keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax")])


def sequential_add():
    model = keras.Sequential()
    model.add(keras.layers.Input(shape=(28, 28)))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(300, activation=keras.activations.relu))
    model.add(keras.layers.Dense(100, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


def functional():
    inputs = keras.Input((28, 28))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(300, activation="relu")(x)
    x = keras.layers.Dense(100, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def not_built():
    return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(300, activation="relu"),
                             keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax")])


def separate_activation_layers():  # the same function, written with Activation layers
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(300),
                             keras.layers.Activation("relu"), keras.layers.Dense(100), keras.layers.Activation("relu"),
                             keras.layers.Dense(10), keras.layers.Activation("softmax")])


class Liar(keras.Sequential):
    """Says it is the book's model; it is a linear classifier."""

    def count_params(self):
        return 266_610

    def summary(self, *args, **kwargs):
        print("Total params: 266,610")


def liar():
    return Liar([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])


class Impostor(keras.Model):
    """Holds the book's layers but computes something else with them."""

    def __init__(self):
        super().__init__()
        self.flatten = keras.layers.Flatten()
        self.hidden1 = keras.layers.Dense(300, activation="relu")
        self.hidden2 = keras.layers.Dense(100, activation="relu")
        self.out = keras.layers.Dense(10, activation="softmax")

    def call(self, x):
        return self.out(self.hidden2(self.hidden1(self.flatten(1.0 - x))))


@pytest.fixture(scope="module")
def book():
    return model_of(sequential_list)


@pytest.mark.parametrize("build", [sequential_list, sequential_add, functional, not_built])
def test_the_same_model_written_differently_is_the_same_answer(book, build):
    assert objects.model_difference(model_of(build), book) is None
    assert book["params"] == 266_610 == 235_500 + 30_100 + 1_010


def test_a_model_is_described_in_words(book):
    assert objects.architecture(book) == "Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10, softmax)"
    assert [layer["params"] for layer in book["layers"]] == [0, 235_500, 30_100, 1_010]


def test_a_model_whose_count_params_and_summary_lie_is_seen_for_what_it_is(book):
    problem = objects.model_difference(model_of(liar), book)
    assert "Flatten → Dense(10, softmax)" in problem


def test_activation_layers_are_a_different_architecture_but_the_message_says_how(book):
    problem = objects.model_difference(model_of(separate_activation_layers), book)
    assert "Activation(relu)" in problem and "expected Flatten → Dense(300, relu)" in problem


def test_a_model_that_computes_something_else_with_the_right_layers_is_caught_by_its_outputs(book):
    impostor = seen("keras_model", Impostor(), X, 7, 255.0)
    assert objects.architecture(impostor) == objects.architecture(book)
    assert "with the grader's weights your model computes something else" in objects.model_difference(impostor, book)


def test_a_forgotten_softmax_and_a_missing_flatten_are_named(book):
    no_softmax = lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),  # noqa: E731
                                           keras.layers.Dense(300, activation="relu"),
                                           keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10)])
    assert "yours is Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10)" in \
        objects.model_difference(model_of(no_softmax), book)
    no_flatten = lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Dense(300, activation="relu"),  # noqa: E731
                                           keras.layers.Dense(100, activation="relu"),
                                           keras.layers.Dense(10, activation="softmax")])
    assert "yours is Dense(300, relu)" in objects.model_difference(model_of(no_flatten), book)


def test_the_grader_sets_the_weights_and_puts_the_students_back():
    model = sequential_list()
    before = [w.numpy().copy() for w in model.weights]
    a = seen("keras_model", model, X, 1, 255.0)["outputs"]
    b = seen("keras_model", model, X, 2, 255.0)["outputs"]
    assert not np.allclose(a, b)  # the seed, not the model's own weights, decides the outputs
    assert all(np.array_equal(w.numpy(), v) for w, v in zip(model.weights, before))


def test_batch_normalization_and_dropout_are_seen_at_inference():
    def build():
        return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.BatchNormalization(),
                                 keras.layers.Dense(30, activation="relu"), keras.layers.Dropout(0.5),
                                 keras.layers.Dense(10, activation="softmax")])
    a, b = model_of(build), model_of(build)
    assert objects.model_difference(a, b) is None and np.isfinite(a["outputs"]).all()
    assert a["layers"][1] == {"kind": "BatchNormalization", "params": 4 * 784}
    assert a["trainable"] == a["params"] - 2 * 784  # the moving mean and variance are not trained


def test_something_that_is_not_a_model_is_named():
    assert "expected a Keras model, got" in objects.model_difference(seen("keras_model", "a model", X, 1), {})


# ------------------------------------------------------------------------------ compile settings
def compiled(**kwargs):
    model = sequential_list()
    model.compile(**kwargs)
    return seen("keras_compiled", model)


@pytest.fixture(scope="module")
def sgd():
    return compiled(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01),
                    metrics=["accuracy"])


@pytest.mark.parametrize("kwargs", [
    dict(loss=keras.losses.SparseCategoricalCrossentropy(), optimizer="sgd", metrics=["accuracy"]),
    dict(loss=keras.losses.sparse_categorical_crossentropy, optimizer=keras.optimizers.SGD(),
         metrics=[keras.metrics.SparseCategoricalAccuracy()]),
    dict(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.01), metrics=["acc"]),
])
def test_the_same_compile_settings_written_differently_agree(sgd, kwargs):
    assert objects.compiled_difference(compiled(**kwargs), sgd) is None


@pytest.mark.parametrize("kwargs, words", [
    (dict(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"]), "the loss is categorical_crossentropy"),
    (dict(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd", metrics=["accuracy"]),
     "from_logits=True"),
    (dict(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"]), "the optimizer is adam"),
    (dict(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"]),
     "the learning rate is 0.1"),
    (dict(loss="sparse_categorical_crossentropy", optimizer="sgd"), "lack accuracy"),
])
def test_each_wrong_compile_setting_is_named(sgd, kwargs, words):
    assert words in objects.compiled_difference(compiled(**kwargs), sgd)


def test_a_model_never_compiled_is_named(sgd):
    assert "not compiled" in objects.compiled_difference(seen("keras_compiled", sequential_list()), sgd)


# ------------------------------------------------------------------------------ training results
@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (400, 28, 28)).astype(np.uint8)
    labels = (images[:, :14].mean(axis=(1, 2)) > images[:, 14:].mean(axis=(1, 2))).astype(int)  # learnable
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
    history = model.fit(images / 255.0, labels, epochs=4, validation_data=(images[300:] / 255.0, labels[300:]),
                        verbose=0)
    return model, history, images, labels


class Secret:
    def __init__(self, **secret):
        self.secret = secret


def kept(images, labels, at_least=0.7):
    """What the grader keeps: the images (never sent to the kernel), their scale and labels."""
    return Secret(images=images, scale=255.0, labels=labels, at_least=at_least)


def test_the_grader_runs_the_forward_pass_itself_and_agrees_with_keras(trained):
    model, _, images, _ = trained
    got = seen("keras_predict", model)
    mine = objects.forward(got, images[300:] / 255.0)
    assert np.allclose(mine, model.predict(images[300:] / 255.0, verbose=0), atol=1e-5)


def test_batch_normalization_and_dropout_are_evaluated_at_inference_like_keras():
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.BatchNormalization(),
                              keras.layers.Dense(20, activation="elu"), keras.layers.Dropout(0.5),
                              keras.layers.Dense(10), keras.layers.Activation("softmax")])
    for w in model.weights:  # moving statistics away from 0 and 1, as after training
        w.assign(np.random.default_rng(0).uniform(0.5, 1.5, w.shape).astype("float32"))
    assert np.allclose(objects.forward(seen("keras_predict", model), X / 255.0),
                       model(X / 255.0, training=False).numpy(), atol=1e-5)


def test_a_trained_model_is_graded_by_its_predictions_on_the_graders_data(trained):
    model, _, images, labels = trained
    got = seen("keras_predict", model)
    assert objects.measured_accuracy(got, kept(images[300:], labels[300:]).secret) > 0.7
    assert objects.predictions_criterion(got, kept(images[300:], labels[300:])) is None
    assert "below 0.99" in objects.predictions_criterion(got, kept(images[300:], labels[300:], 0.99))


def test_an_untrained_model_does_not_meet_the_criterion(trained):
    *_, images, labels = trained
    keras.utils.set_random_seed(3)
    fresh = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    assert objects.predictions_criterion(seen("keras_predict", fresh), kept(images[300:], labels[300:])) is not None


class Lookup(keras.Model):
    """Answers by looking each image up in a table: perfect predictions, no learning."""

    def __init__(self, images, labels):
        super().__init__()
        self.flatten = keras.layers.Flatten()
        self.out = keras.layers.Dense(2, activation="softmax")
        self.table = {img.tobytes(): int(y) for img, y in zip(images, labels)}

    def predict(self, X, **kwargs):
        X = np.asarray(X * 255.0).round().astype(np.uint8)
        return np.eye(2)[[self.table.get(x.tobytes(), 0) for x in X]]

    def call(self, x):
        return self.out(self.flatten(x))


def test_a_model_that_looks_its_answers_up_earns_nothing(trained):
    *_, images, labels = trained
    cheat = Lookup(images, labels)
    cheat(images[:1] / 255.0)
    assert np.mean(cheat.predict(images[300:] / 255.0).argmax(axis=1) == labels[300:]) == 1.0
    assert objects.predictions_criterion(seen("keras_predict", cheat), kept(images[300:], labels[300:])) is not None


def test_a_single_output_column_is_not_a_ten_class_classifier():
    always_one = {"type": "model", "structure": "sequential", "layers": [{"kind": "Flatten", "weights": []},
                                              {"kind": "Dense", "units": 1, "activation": "sigmoid",
                                               "weights": [np.zeros((784, 1)), np.full(1, 9.0)]}]}
    labels = np.arange(20) % 10
    assert "one output per class" in objects.predictions_criterion(always_one, kept(X[:1].repeat(20, 0), labels))


def test_a_history_is_checked_against_its_own_model(trained):
    _, history, images, labels = trained
    got = seen("keras_history", history)
    assert objects.history_criterion(got, kept(images[300:], labels[300:], 0.6)) is None


def test_a_history_edited_by_hand_disagrees_with_its_model(trained):
    _, history, images, labels = trained
    record = history.history["val_accuracy"]
    saved = list(record)
    try:
        record[:] = [0.99] * len(record)
        got = seen("keras_history", history)
    finally:
        record[:] = saved
    assert "was the History edited" in objects.history_criterion(got, kept(images[300:], labels[300:], 0.6))


def test_a_typed_in_history_or_accuracy_is_not_a_history():
    class Typed:
        history = {"loss": [1.0, 0.5], "val_accuracy": [0.5, 0.95]}
    secret = kept(X, np.zeros(16, int), 0.5)
    assert "no model" in objects.history_criterion(seen("keras_history", Typed()), secret)
    assert "expected the History" in objects.history_criterion(seen("keras_history", 0.95), secret)


# ------------------------------------------------------------------------------ tensors
def test_tensors_and_variables_come_back_as_arrays():
    got = seen(None, (tf.constant([1.0, 2.0]), {"w": tf.Variable([[3.0]]), "n": tf.constant(4, dtype=tf.int32)}))
    assert isinstance(got[0], np.ndarray) and got[0].dtype == np.float32 and got[0].tolist() == [1.0, 2.0]
    assert got[1]["w"].tolist() == [[3.0]] and int(got[1]["n"]) == 4


def test_an_object_that_only_looks_like_a_tensor_is_not_unwrapped():
    class Fake:
        shape, dtype = (1,), "float32"

        def numpy(self):
            raise AssertionError("the probe called a student's numpy()")
    assert isinstance(probe.observe(None, Fake()), Fake)


# ------------------------------------------------------------------------------ seeds
SEEDED = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
def init():
    import keras
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]).weights[0].numpy()
{body}
"""
GRADER = """from autograder import hidden
q = hidden.Question("00.init", reference=init, tensorflow={tensorflow})
print(q.expected(hidden.Case(seed=3)).ravel().tolist())"""
KERNEL = """import keras  # the notebook's set-up cell imported it long before the hidden test
from tlukit import probe, wire
print(wire.decode(probe.run_case(init, {"seed": 3, "tensorflow": True})["value"]).ravel().tolist())"""


def test_a_seeded_case_initialises_keras_alike_in_the_grader_and_in_a_kernel_that_imported_keras_first():
    import subprocess
    import sys

    from autograder.course import REPO

    def run(body):
        done = subprocess.run([sys.executable, "-c", SEEDED.format(body=body)], capture_output=True, text=True,
                              cwd=REPO, timeout=180, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert done.returncode == 0, done.stderr[-1500:]
        return done.stdout.strip().splitlines()[-1]
    kernel = run(KERNEL)
    assert run(GRADER.format(tensorflow=True)) == kernel
    assert run(GRADER.format(tensorflow=False)) != kernel  # why the question must say it uses TensorFlow


# ------------------------------------------------------------------- several inputs and outputs (lesson 08)
RNG8 = np.random.default_rng(8)
X_WIDE, X_DEEP = RNG8.normal(2.0, 3.0, (40, 5)).astype(np.float32), RNG8.normal(-1.0, 0.5, (40, 6)).astype(np.float32)


def wide_and_deep(adapt=True, deep_for_aux=True):
    """The book's Wide & Deep: a wide path (5 features) and a deep one (6), joined, plus an auxiliary output."""
    input_wide, input_deep = keras.Input((5,), name="wide"), keras.Input((6,), name="deep")
    norm_wide, norm_deep = keras.layers.Normalization(), keras.layers.Normalization()
    if adapt:
        norm_wide.adapt(X_WIDE)
        norm_deep.adapt(X_DEEP)
    hidden = keras.layers.Dense(30, activation="relu")(norm_deep(input_deep))
    hidden = keras.layers.Dense(30, activation="relu")(hidden)
    joined = keras.layers.concatenate([norm_wide(input_wide), hidden])
    output = keras.layers.Dense(1)(joined)
    aux = keras.layers.Dense(1)(hidden if deep_for_aux else norm_wide(input_wide))
    return keras.Model(inputs=[input_wide, input_deep], outputs=[output, aux])


class WideAndDeep(keras.Model):
    """The same model as a subclass, its layers created in another order than the functional one's."""

    def __init__(self):
        super().__init__()
        self.main_output, self.aux_output = keras.layers.Dense(1), keras.layers.Dense(1)
        self.hidden2, self.hidden1 = keras.layers.Dense(30, activation="relu"), keras.layers.Dense(30, activation="relu")
        self.norm_deep, self.norm_wide = keras.layers.Normalization(), keras.layers.Normalization()
        self.norm_wide.adapt(X_WIDE)
        self.norm_deep.adapt(X_DEEP)

    def call(self, inputs):
        wide, deep = inputs
        hidden = self.hidden2(self.hidden1(self.norm_deep(deep)))
        return self.main_output(keras.ops.concatenate([self.norm_wide(wide), hidden], axis=-1)), self.aux_output(hidden)


def test_a_model_of_two_inputs_and_two_outputs_is_observed_on_both():
    seen_ = seen("keras_model", wide_and_deep(), (X_WIDE, X_DEEP), 3)
    assert [o.shape for o in seen_["outputs"]] == [(40, 1), (40, 1)]
    assert seen_["params"] == 13 + 11 + 210 + 930 + 36 + 31  # Normalization counts its mean, variance and count


def test_a_subclass_that_creates_its_layers_in_another_order_gets_the_same_weights():
    functional_ = seen("keras_model", wide_and_deep(), (X_WIDE, X_DEEP), 3)
    subclass = seen("keras_model", WideAndDeep(), (X_WIDE, X_DEEP), 3)
    assert "the layers differ" in objects.model_difference(subclass, functional_)  # listed in creation order
    assert objects.subclass_difference(subclass, functional_) is None  # the same layers, the same outputs
    for a, b in zip(subclass["outputs"], functional_["outputs"]):
        assert np.allclose(a, b, rtol=1e-5, atol=1e-6)


def test_normalization_keeps_its_statistics_so_outputs_show_whether_adapt_was_called():
    adapted = seen("keras_model", wide_and_deep(), (X_WIDE, X_DEEP), 3)
    unadapted_model = wide_and_deep(adapt=False)
    norm_deep = [layer for layer in unadapted_model.layers if type(layer).__name__ == "Normalization"
                 and layer.mean.shape[-1] == 6][0]
    norm_deep.adapt(RNG8.normal(0.0, 1.0, (30, 6)).astype(np.float32))  # adapted on other data
    [layer for layer in unadapted_model.layers if type(layer).__name__ == "Normalization"
     and layer.mean.shape[-1] == 5][0].adapt(X_WIDE)
    other = seen("keras_model", unadapted_model, (X_WIDE, X_DEEP), 3)
    assert not np.allclose(adapted["outputs"][0], other["outputs"][0], atol=1e-3)
    assert np.allclose(seen("keras_model", wide_and_deep(), (X_WIDE, X_DEEP), 3)["outputs"][0], adapted["outputs"][0])


def test_the_grader_follows_a_functional_graph_itself():
    model = wide_and_deep()
    payload = seen("keras_weights", model)
    assert payload["graph"]["inputs"] == ["wide", "deep"] and len(payload["graph"]["outputs"]) == 2
    main, aux = objects.forward(payload, (X_WIDE, X_DEEP))
    want = model((X_WIDE, X_DEEP))
    assert np.allclose(main, want[0].numpy(), atol=1e-5) and np.allclose(aux, want[1].numpy(), atol=1e-5)
    shared = seen("keras_weights", wide_and_deep(deep_for_aux=False))  # norm_wide called twice: not followed
    with pytest.raises(objects.NotEvaluable, match="called twice"):
        objects.forward(shared, (X_WIDE, X_DEEP))
    with pytest.raises(objects.NotEvaluable, match="2 inputs"):
        objects.forward(payload, X_DEEP)


def test_a_normalization_in_a_sequential_model_is_evaluated_like_keras():
    norm = keras.layers.Normalization()
    norm.adapt(X_DEEP)
    model = keras.Sequential([keras.Input((6,)), norm, keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    assert np.allclose(objects.forward(seen("keras_weights", model), X_DEEP), model(X_DEEP).numpy(), atol=1e-5)
    unadapted = keras.Sequential([keras.Input((6,)), keras.layers.Normalization(), keras.layers.Dense(1)])
    payload = seen("keras_weights", unadapted)
    try:
        objects.forward(payload, X_DEEP)  # Keras 3 builds mean 0, variance 1 before adapt: the identity
    except objects.NotEvaluable as exc:
        assert "adapt" in str(exc)
    payload["graph"] = {"inputs": ["x"], "outputs": ["nowhere"], "inbound": {}}
    payload["structure"] = "functional"
    with pytest.raises(objects.NotEvaluable, match="nowhere"):
        objects.forward(payload, (X_DEEP,))
