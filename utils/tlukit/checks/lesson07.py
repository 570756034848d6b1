"""Self-checks of lesson 07, "A Keras image classifier (Fashion-MNIST)".

TensorFlow and Keras are imported by none of these at import time: a check uses the objects
the student's code made. A model is looked at as the grader does (:mod:`tlukit.observers`):
its layers as ``Flatten → Dense(300, relu) → ...`` (the architectures are stated in the
exercises), its parameter count summed from its weights' shapes (never its own
``count_params``), and its outputs on a few images. Expected values are facts of the lesson
(266,610 parameters, the split of a small worked example); the wrong versions of the answers
live with the instructor, so here a mistake is a message, found from the exact wrong output a
mistake gives on the fixed inputs.
"""
from __future__ import annotations

import numpy as np

from .. import observers
from ..checking import CheckFailed, call, check_defaults, difference, expect, mismatch, short
from ..mistakes import Catalogue, Mistake
from . import exercise

# ============================================================================= catalogues
SPLIT_AND_SCALE = Catalogue(
    "split_and_scale",
    first_for_validation=Mistake("your validation set is the FIRST n_valid images: hold out the LAST ones "
                                 "(X_train_full[-n_valid:]) and train on the others (X_train_full[:-n_valid])"),
    not_scaled=Mistake("the pixels are not scaled: divide by 255.0 so that they lie in [0, 1] (the network learns "
                       "badly from inputs in the hundreds)"),
    scaled_by_max=Mistake("you divided by the largest pixel of this data: divide by 255.0, the largest value a uint8 "
                          "pixel can take, so that every split is scaled the same way"),
    floor_division=Mistake("// is integer division: X // 255 is 0 for almost every pixel; use / 255.0"),
    training_keeps_all=Mistake("your training set still holds the validation images: X_train = X[:-n_valid], so that "
                               "the validation images are never trained on"),
    labels_from_the_start=Mistake("the labels were split differently from the images: cut y_train_full at the same "
                                  "place, y[:-n_valid] and y[-n_valid:]"),
    n_valid_ignored=Mistake("your function always holds out 5,000 images: use its n_valid argument"),
)

LINEAR_MODEL = Catalogue(
    "linear_model",
    no_flatten=Mistake("there is no Flatten layer: a Dense layer applied to a 28×28 image works on each row of 28 "
                       "pixels separately. Put keras.layers.Flatten() first"),
    no_softmax=Mistake("the last layer has no activation, so the model outputs logits, not probabilities: "
                       "Dense(10, activation=\"softmax\")"),
    sigmoid_output=Mistake("sigmoid on the output makes 10 independent yes/no scores that do not sum to 1: one class "
                           "per image calls for softmax"),
    hidden_layer=Mistake("this exercise is the LINEAR classifier: no hidden layer, just Flatten → Dense(10, softmax)"),
)

BUILD_MODEL = Catalogue(
    "build_model",
    no_flatten=Mistake(LINEAR_MODEL.no_flatten.message),
    no_softmax=Mistake(LINEAR_MODEL.no_softmax.message),
    no_relu=Mistake("the hidden layers have no activation: without a nonlinearity, Dense(300) → Dense(100) → Dense(10) "
                    "is one linear map, no better than the linear classifier. Use activation=\"relu\""),
    sigmoid_hidden=Mistake("the hidden layers use sigmoid: the lesson's model uses ReLU (activation=\"relu\"), which "
                           "does not saturate and trains faster"),
    units_swapped=Mistake("the hidden layers are in the wrong order: 300 units first, then 100"),
    relu_output=Mistake("the output layer uses relu: it must give class probabilities, activation=\"softmax\""),
    flat_input=Mistake("your model expects flat vectors, keras.Input(shape=(784,)), so it fails on the 28×28 "
                       "images it is given: declare keras.Input(shape=(28, 28)) and let a Flatten layer do the "
                       "reshaping inside the model"),
)

WEIGHT_FACTS = Catalogue(
    "weight_facts",
    transposed=Mistake("Keras stores a Dense kernel as (inputs, units): (784, 300), so that the layer computes X @ W "
                       "for a batch X of shape (m, 784)",
                       model=lambda want: {**want, "kernel_shape": tuple(want["kernel_shape"])[::-1]}, relative=True),
    no_biases=Mistake("each Dense layer also has one bias per unit: 784·300 + 300 = 235,500 parameters",
                        model=lambda want: {**want, "params_per_layer": [235_200, 30_000, 1_000], "total_params": 266_200},
                        relative=True),
    biases_random=Mistake("Keras initialises the biases of a Dense layer to zero (bias_initializer=\"zeros\"); only "
                          "the kernel is random", model=lambda want: {**want, "biases_all_zero": False}, relative=True),
    flatten_counted=Mistake("params_per_layer lists the three Dense layers only (Flatten has no parameters)",
                               model=lambda want: {**want, "params_per_layer": [0, *want["params_per_layer"]]},
                               relative=True),
)

ONE_HOT = Catalogue(
    "one_hot",
    classes_inferred=Mistake("to_categorical(y) without num_classes counts classes from the largest label in y: a batch "
                             "without class 9 gets 9 columns. Pass num_classes=num_classes"),
    classes_ignored=Mistake("your function always makes 10 columns: use its num_classes argument"),
    transposed=Mistake("one row per label: the result has shape (m, num_classes), not (num_classes, m)"),
)

COMPILE_MODEL = Catalogue(
    "compile_model",
    categorical=Mistake("categorical_crossentropy expects one-hot labels; Fashion-MNIST's labels are integers 0-9, so "
                        "use loss=\"sparse_categorical_crossentropy\" (or one-hot the labels with to_categorical)"),
    from_logits=Mistake("from_logits=True tells the loss the model outputs logits, but build_model ends with softmax: "
                        "leave from_logits=False (or use the string \"sparse_categorical_crossentropy\")"),
    adam=Mistake("the exercise asks for the book's plain SGD: keras.optimizers.SGD(learning_rate=learning_rate)"),
    rate_ignored=Mistake("the optimizer does not use the learning_rate argument: "
                         "keras.optimizers.SGD(learning_rate=learning_rate)"),
    no_accuracy=Mistake("compile with metrics=[\"accuracy\"]: the loss alone does not say how many images are right"),
    mse=Mistake("mean squared error is a regression loss: a classifier with softmax outputs is trained with "
                "cross-entropy, \"sparse_categorical_crossentropy\" for integer labels"),
)

PREDICTED_CLASS_NAMES = Catalogue(
    "predicted_class_names",
    axis_0=Mistake("np.argmax(probabilities, axis=0) takes the best IMAGE of each class; each row is one image, so "
                   "take axis=1"),
    indices=Mistake("you returned the class indices: look each one up in the class names, "
                    "[class_names[k] for k in ...]"),
    least_likely=Mistake("argmin picks the least likely class: the prediction is the argmax"),
    off_by_one=Mistake("the names are shifted by one: class k is class_names[k] (0 is \"T-shirt/top\")"),
)

TRAIN_MODEL = Catalogue(
    "train_model",
    edited=Mistake("the History does not report what fit measured: keep the History that model.fit(...) returns, "
                   "unchanged; accuracy is earned by training, and the grader measures it itself"),
    no_validation=Mistake("fit was called without validation_data=(X_valid, y_valid), so the History has no "
                          "validation accuracy (no val_accuracy, no val_loss), and the learning curves have "
                          "nothing to compare with"),
)

MULTILABEL_MODEL = Catalogue(
    "multilabel_model",
    softmax_head=Mistake("softmax makes the labels compete (they sum to 1): in a multilabel head each label is its "
                         "own yes/no question, so use activation=\"sigmoid\""),
    no_activation=Mistake("the output layer has no activation: each label needs a probability, "
                          "activation=\"sigmoid\""),
    n_labels_ignored=Mistake("the head always has 3 units: use one unit per label, Dense(n_labels, ...)"),
    ten_classes=Mistake("a multilabel head has one unit per LABEL (n_labels), not one per class of Fashion-MNIST"),
)

MULTILABEL_LOSS = Catalogue(
    "multilabel_model",
    categorical_loss=Mistake("categorical cross-entropy assumes exactly one right class; with independent sigmoid "
                             "labels use loss=\"binary_crossentropy\""),
    sparse_loss=Mistake("sparse categorical cross-entropy wants one integer class per image; multilabel targets are "
                        "rows of 0/1, trained with loss=\"binary_crossentropy\""),
)

REGULARIZED_MODEL = Catalogue(
    "regularized_model",
    rate_ignored=Mistake("your Dropout layers always drop 20 %: use the rate argument, Dropout(rate)"),
    keep_probability=Mistake("Keras's Dropout(rate) takes the share of units to DROP, not the share to keep: "
                             "Dropout(rate), not Dropout(1 - rate)"),
    no_batchnorm=Mistake("a BatchNormalization layer belongs right after Flatten, before the first Dense layer"),
    dropout_before_dense=Mistake("each Dropout goes AFTER its hidden Dense layer (it drops that layer's outputs), not "
                                 "before it"),
    dropout_on_output=Mistake("no Dropout after the output layer: it would zero class probabilities while training"),
)

# ============================================================================= shared pieces
DEFAULTS = {"split_and_scale": {"n_valid": 5000}, "one_hot": {"num_classes": 10},
            "compile_model": {"learning_rate": 0.01},
            "train_model": {"epochs": 12, "batch_size": 256, "warmup_steps": 200},
            "multilabel_model": {"n_labels": 3}, "regularized_model": {"rate": 0.2}}


def _layer_text(layer: dict) -> str:
    inside = [str(layer[k]) for k in ("units", "rate") if k in layer]
    if layer.get("activation") not in (None, "linear"):
        inside.append(str(layer["activation"]))
    return f"{layer.get('kind', '?')}({', '.join(inside)})" if inside else str(layer.get("kind", "?"))


def architecture(seen: dict) -> str:
    """The layers of an observed model as text: ``Flatten → Dense(300, relu) → ...``."""
    return " → ".join(_layer_text(layer) for layer in seen.get("layers", [])) or "no layers"


def _images() -> np.ndarray:
    """Eight fixed 28×28 uint8 images (a gradient, stripes, a square ...)."""
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(8, 28, 28), dtype=np.uint8)


def _model(fn, name: str, kwargs: dict | None = None):
    kwargs = kwargs or {}
    label = f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    model = call(fn, label=label, **kwargs)
    if not (hasattr(model, "layers") and hasattr(model, "weights")):
        raise CheckFailed(mismatch(label, "a Keras model", short(model), hint="return the model you built"))
    return model, label


def _check_model(fn, name: str, want: str, params: int, units: int, catalogue: Catalogue, wrong: dict[str, str],
                 kwargs: dict | None = None, output: str = "softmax") -> int:
    """A model's layers (against ``want``), its parameter count from its weights, and its outputs on fixed
    images (shape (8, units); rows that sum to 1 for softmax, values in (0, 1) for sigmoid)."""
    model, label = _model(fn, name, kwargs)
    seen = observers.keras_model(model, _images(), seed=0, scale=255.0)
    got = architecture(seen)
    if (got != want and "flat_input" in catalogue and seen.get("params") == params
            and isinstance(seen.get("outputs"), str)):  # Input(shape=(784,)): right weights, wrong input
        raise CheckFailed(f"{label} on eight 28×28 images: {str(seen['outputs'])[:200]}\n"
                          f"hint: {catalogue.flat_input.message}")
    if got != want:
        key = wrong.get(got)
        raise CheckFailed(mismatch(label + ".layers", want, got, "the layers differ",
                                   getattr(catalogue, key).message if key else
                                   "build the layers in this order, with these units and activations"))
    if seen["params"] != params:
        raise CheckFailed(mismatch(label + ": parameters counted from the weights", f"{params:,}", f"{seen['params']:,}",
                                   hint="check the input shape: keras.Input(shape=(28, 28)) before Flatten"))
    out = seen["outputs"]
    if isinstance(out, str):
        raise CheckFailed(f"{label} on eight 28×28 images: {out}\nhint: the model takes images of shape (28, 28): "
                          "keras.Input(shape=(28, 28)), then Flatten")
    if out.shape != (8, units):
        raise CheckFailed(mismatch(label + " on 8 images of 28×28", f"outputs of shape (8, {units})", str(out.shape)))
    if output == "softmax" and not np.allclose(out.sum(axis=1), 1, atol=1e-4):
        raise CheckFailed(f"{label}: the outputs of an image do not sum to 1\nhint: end with softmax")
    if output == "sigmoid" and not ((out > 0) & (out < 1)).all():
        raise CheckFailed(f"{label}: outputs outside (0, 1)\nhint: end with sigmoid")
    return 3


# ============================================================================= exercises
SPLIT_X = np.array([[[0, 255]], [[51, 102]], [[255, 0]], [[153, 204]]], dtype=np.uint8)   # 4 images of 1×2
SPLIT_Y = np.array([3, 1, 4, 1], dtype=np.uint8)


@exercise("split_and_scale", hint="Divide by 255.0 (a float, so the result is float), then slice: X[:-n_valid] "
                                  "for training, X[-n_valid:] for validation, and the same slices of y.",
          catalogue=SPLIT_AND_SCALE)
def split_and_scale(fn):
    """Checks ``split_and_scale(X, y, n_valid)`` on four 1×2 images with n_valid = 1 and n_valid = 2."""
    C = SPLIT_AND_SCALE
    n = 0
    for n_valid, want, wrong in (
        (1, ([[[0, 1]], [[0.2, 0.4]], [[1, 0]]], [3, 1, 4], [[[0.6, 0.8]]], [1]),
         [(([[[0, 1]], [[0.2, 0.4]], [[1, 0]], [[0.6, 0.8]]], [3, 1, 4, 1], [[[0.6, 0.8]]], [1]), C.training_keeps_all),
          (([[[0.2, 0.4]], [[1, 0]], [[0.6, 0.8]]], [1, 4, 1], [[[0, 1]]], [3]), C.first_for_validation),
          (([[[0, 255]], [[51, 102]], [[255, 0]]], [3, 1, 4], [[[153, 204]]], [1]), C.not_scaled),
          (([[[0, 1]], [[0, 0]], [[1, 0]]], [3, 1, 4], [[[0, 0]]], [1]), C.floor_division),
          (([[[0, 1]], [[0.2, 0.4]], [[1, 0]]], [1, 4, 1], [[[0.6, 0.8]]], [3]), C.labels_from_the_start)]),
    ):
        got = call(fn, SPLIT_X.copy(), SPLIT_Y.copy(), n_valid=n_valid, label=f"split_and_scale(X, y, n_valid={n_valid})")
        if not (isinstance(got, tuple) and len(got) == 4):
            raise CheckFailed(mismatch("split_and_scale(X, y)", "a tuple (X_train, y_train, X_valid, y_valid)", short(got)))
        expect(tuple(np.asarray(g, dtype=float) for g in got), tuple(np.asarray(w, dtype=float) for w in want),
               call=f"split_and_scale(X, y, n_valid={n_valid})   [X = {SPLIT_X.tolist()}, y = {SPLIT_Y.tolist()}]",
               mistakes=[(tuple(np.asarray(w, dtype=float) for w in value), why) for value, why in wrong],
               hint="hold out the last n_valid images and labels, and divide the pixels by 255.0", atol=1e-6)
        n += 1
    X = np.array([[[100, 200]], [[50, 0]], [[200, 100]]], dtype=np.uint8)   # the largest pixel is 200, not 255
    got = call(fn, X, np.array([0, 1, 2]), n_valid=1, label="split_and_scale(X, y, n_valid=1)")
    expect(np.asarray(got[0], dtype=float), np.array([[[100, 200]], [[50, 0]]]) / 255.0,
           call=f"split_and_scale(X, y, n_valid=1)[0]   [X = {X.tolist()}]",
           mistakes=[(np.array([[[0.5, 1]], [[0.25, 0]]]), C.scaled_by_max)], atol=1e-6)
    check_defaults(fn, "split_and_scale", DEFAULTS["split_and_scale"])
    return n + 1


@exercise("linear_model", hint="keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), "
                               "keras.layers.Dense(10, activation=...)]): which activation gives probabilities?",
          catalogue=LINEAR_MODEL)
def linear_model(fn):
    """Checks ``linear_model()``: Flatten → Dense(10, softmax), 7,850 parameters."""
    return _check_model(fn, "linear_model", "Flatten → Dense(10, softmax)", 7_850, 10, LINEAR_MODEL, {
        "Dense(10, softmax)": "no_flatten", "Flatten → Dense(10)": "no_softmax",
        "Flatten → Dense(10, sigmoid)": "sigmoid_output", "Flatten → Dense(300, relu) → Dense(10, softmax)":
        "hidden_layer"})


MLP = "Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10, softmax)"


@exercise("build_model", hint="Four layers after keras.Input(shape=(28, 28)): Flatten, Dense(300) and Dense(100) with "
                              "ReLU, Dense(10) with softmax. 235,500 + 30,100 + 1,010 = 266,610 parameters.",
          catalogue=BUILD_MODEL)
def build_model(fn):
    """Checks ``build_model()``: the book's 266,610-parameter MLP."""
    return _check_model(fn, "build_model", MLP, 266_610, 10, BUILD_MODEL, {
        "Dense(300, relu) → Dense(100, relu) → Dense(10, softmax)": "no_flatten",
        "Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10)": "no_softmax",
        "Flatten → Dense(300) → Dense(100) → Dense(10, softmax)": "no_relu",
        "Flatten → Dense(300, sigmoid) → Dense(100, sigmoid) → Dense(10, softmax)": "sigmoid_hidden",
        "Flatten → Dense(100, relu) → Dense(300, relu) → Dense(10, softmax)": "units_swapped",
        "Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10, relu)": "relu_output"})


FACT_KEYS = ("kernel_shape", "bias_shape", "biases_all_zero", "params_per_layer", "total_params")


@exercise("weight_facts", hint="model.layers[1].get_weights() returns [kernel, biases]; look at their .shape and "
                               "(biases == 0).all(). A Dense layer with n inputs and u units has n·u + u parameters.",
          catalogue=WEIGHT_FACTS)
def weight_facts(answer):
    """Checks the dict ``weight_facts`` about build_model's layers."""
    C = WEIGHT_FACTS
    if callable(answer):  # a function in its place: say whether it is a stub, then ask for the value itself
        call(answer, label="weight_facts")
        raise CheckFailed(mismatch("weight_facts", "a dict", short(answer),
                                   hint="assign the dict itself to weight_facts, not a function that computes it"))
    if not isinstance(answer, dict) or any(k not in answer for k in FACT_KEYS):
        raise CheckFailed(mismatch("weight_facts", f"a dict with the keys {', '.join(map(repr, FACT_KEYS))}",
                                   short(answer)))
    shape = tuple(int(n) for n in answer["kernel_shape"]) if isinstance(answer["kernel_shape"], (tuple, list)) else None
    expect(shape, (784, 300), call="weight_facts['kernel_shape']", mistakes=[((300, 784), C.transposed)])
    bias = tuple(int(n) for n in answer["bias_shape"]) if isinstance(answer["bias_shape"], (tuple, list)) else None
    expect(bias, (300,), call="weight_facts['bias_shape']", hint="one bias per unit of the layer")
    expect(bool(answer["biases_all_zero"]), True, call="weight_facts['biases_all_zero']",
           mistakes=[(False, C.biases_random)])
    expect(list(answer["params_per_layer"]), [235_500, 30_100, 1_010], call="weight_facts['params_per_layer']",
           mistakes=[([235_200, 30_000, 1_000], C.no_biases), ([0, 235_500, 30_100, 1_010], C.flatten_counted)])
    expect(answer["total_params"], 266_610, call="weight_facts['total_params']",
           mistakes=[(266_200, C.no_biases)])
    return 5


@exercise("one_hot", hint="keras.utils.to_categorical(y, num_classes=num_classes)", catalogue=ONE_HOT)
def one_hot(fn):
    """Checks ``one_hot(y, num_classes)`` on labels without the last class."""
    got = call(fn, np.array([0, 2, 1]), label="one_hot([0, 2, 1])")
    want = np.zeros((3, 10))
    want[[0, 1, 2], [0, 2, 1]] = 1
    expect(np.asarray(got, dtype=float) if hasattr(got, "shape") else got, want, call="one_hot([0, 2, 1])",
           mistakes=[(want[:, :3], ONE_HOT.classes_inferred), (want.T, ONE_HOT.transposed)])
    got = call(fn, np.array([1, 0]), num_classes=3, label="one_hot([1, 0], num_classes=3)")
    expect(np.asarray(got, dtype=float), np.array([[0, 1, 0], [1, 0, 0]]), call="one_hot([1, 0], num_classes=3)",
           mistakes=[(np.eye(10)[[1, 0]], ONE_HOT.classes_ignored), (np.eye(2), ONE_HOT.classes_inferred)])
    check_defaults(fn, "one_hot", DEFAULTS["one_hot"])
    return 2


def _compiled(fn, name: str, kwargs: dict) -> tuple[dict, str]:
    model, label = _model(fn, name, kwargs)
    seen = observers.keras_compiled(model)
    if not seen.get("compiled"):
        raise CheckFailed(f"{label} returned a model that is not compiled\nhint: call model.compile(loss=..., "
                          "optimizer=..., metrics=[\"accuracy\"]) and return the model")
    return seen, label


def _loss_name(seen: dict) -> str:
    text = str(seen.get("loss") or "").lower().replace("_", "")
    return {"sparsecategoricalcrossentropy": "sparse", "categoricalcrossentropy": "categorical",
            "binarycrossentropy": "binary", "meansquarederror": "mse", "mse": "mse"}.get(text, text)


ACCURACY = {"accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy"}


@exercise("compile_model", hint="model = build_model(); model.compile(loss=\"sparse_categorical_crossentropy\", "
                                "optimizer=keras.optimizers.SGD(learning_rate=learning_rate), metrics=[\"accuracy\"])",
          catalogue=COMPILE_MODEL)
def compile_model(fn):
    """Checks ``compile_model(learning_rate)``: loss, optimizer, learning rate and metrics."""
    C = COMPILE_MODEL
    seen, label = _compiled(fn, "compile_model", {"learning_rate": 0.03})
    loss = _loss_name(seen)
    problems = [
        (loss == "sparse", f"the loss is {seen.get('loss')}",
         {"categorical": C.categorical, "mse": C.mse}.get(loss, C.categorical)),
        (not seen.get("from_logits"), "the loss has from_logits=True", C.from_logits),
        (seen.get("optimizer") == "sgd", f"the optimizer is {seen.get('optimizer')}", C.adam),
        (seen.get("learning_rate") is not None and np.isclose(seen["learning_rate"], 0.03),
         f"the learning rate is {seen.get('learning_rate')}, not 0.03", C.rate_ignored),
        (bool(ACCURACY & {str(m).lower() for m in seen.get("metrics", [])}), f"the metrics are {seen.get('metrics')}",
         C.no_accuracy),
    ]
    for ok, what, mistake in problems:
        if not ok:
            raise CheckFailed(f"{label}: {what}\nhint: {mistake.message}")
    check_defaults(fn, "compile_model", DEFAULTS["compile_model"])
    return len(problems)


NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@exercise("predicted_class_names", hint="np.argmax(probabilities, axis=1) gives one class index per row; look each "
                                        "up in class_names.", catalogue=PREDICTED_CLASS_NAMES)
def predicted_class_names(fn):
    """Checks ``predicted_class_names(probabilities)`` on three rows."""
    P = np.full((3, 10), 0.05)
    P[0, 9], P[1, 2], P[2, 1] = 0.55, 0.55, 0.55
    P[2, 0] = 0.3
    P[2, 1] = 0.3
    P[2, 5] = 0.35   # row 2: sandal 0.35 beats trouser and T-shirt 0.3
    got = call(fn, P, label="predicted_class_names(P)")
    C = PREDICTED_CLASS_NAMES
    expect(list(got) if isinstance(got, (list, tuple, np.ndarray)) else got, ["Ankle boot", "Pullover", "Sandal"],
           call="predicted_class_names(P)   [rows peaking at classes 9, 2, 5]",
           mistakes=[([9, 2, 5], C.indices), (["T-shirt/top", "T-shirt/top", "Pullover"], C.least_likely),
                     (["T-shirt/top", "Dress", "Shirt"], C.off_by_one),
                     (["Pullover", "Pullover", "Trouser"] + ["T-shirt/top", "T-shirt/top", "Pullover"]
                      + ["T-shirt/top"] * 4, C.axis_0)],
           hint="one name per row: the name of the largest probability")
    return 1


def training_problem(history, X_valid, y_valid, at_least: float) -> str | None:
    """What is wrong with a History: the same criterion, in the same order, as the hidden test, on this data."""
    seen = observers.keras_history(history)
    if seen.get("type") != "History":
        return f"expected the History that model.fit() returns, got {seen.get('type')}"
    record = seen["history"]
    loss = np.asarray(record.get("loss", []), dtype=float)
    if loss.size < 1 or not np.isfinite(loss).all():
        return ("the History records no finite training loss: the training diverged (a learning rate far too "
                "large?), or the History was not made by model.fit(...)")
    keys = [k for k in record if k.startswith("val_") and k[4:].lower() in ACCURACY]
    if not keys:
        return TRAIN_MODEL.no_validation.message
    recorded = np.asarray(record[keys[0]], dtype=float).ravel()
    try:
        outputs = np.asarray(history.model.predict(np.asarray(X_valid), verbose=0))
    except Exception as exc:  # noqa: BLE001 - a History without a working model
        return f"the History's model cannot predict: {type(exc).__name__}: {str(exc)[:200]}"
    measured = float(np.mean(np.argmax(outputs, axis=1) == np.asarray(y_valid)))
    if recorded.size == 0 or np.min(np.abs(recorded - measured)) > 0.01:
        recorded = recorded[-1] if recorded.size else float("nan")
        return (f"the History says the last validation accuracy was {recorded:.4f}, but its model scores "
                f"{measured:.4f}: was the History edited, or the model trained again after fit? "
                f"{TRAIN_MODEL.edited.message}")
    if loss.size > 1 and not loss[-1] < loss[0]:
        return f"the training loss did not fall ({loss[0]:.4f} in the first epoch, {loss[-1]:.4f} in the last)"
    if measured < at_least:
        return f"the validation accuracy is {measured:.3f}, below {at_least:.2f}"
    return None


@exercise("train_model", hint="model = build_model(); compile it with the recipe (AdamW(weight_decay=0.004), CosineDecay from 0 with warmup_target=4e-3, warmup_steps=warmup_steps, decay_steps=total_steps - warmup_steps, "
                              "sparse categorical cross-entropy, accuracy); return model.fit(..., "
                              "validation_data=(X_valid, y_valid), batch_size=batch_size, epochs=epochs).",
          catalogue=TRAIN_MODEL)
def train_model(fn):
    """Checks ``train_model`` on 600 synthetic images of two easy classes (bright left half or right half)."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 0.3, size=(700, 28, 28)).astype(np.float32)
    y = rng.integers(0, 2, size=700)
    X[y == 0, :, :14] += 0.6
    X[y == 1, :, 14:] += 0.6
    history = call(fn, X[:600], y[:600], X[600:], y[600:], epochs=2, batch_size=64, warmup_steps=4,
                   label="train_model(X_train, y_train, X_valid, y_valid, epochs=2, batch_size=64, warmup_steps=4)")
    problem = training_problem(history, X[600:], y[600:], 0.9)
    if problem:
        raise CheckFailed(f"train_model(...) on two easy classes, 2 epochs: {problem}")
    check_defaults(fn, "train_model", DEFAULTS["train_model"])
    return 2


@exercise("multilabel_model", hint="Flatten → Dense(100, relu) → Dense(n_labels, activation=\"sigmoid\"), compiled "
                                   "with loss=\"binary_crossentropy\", optimizer=\"adam\", metrics=[\"accuracy\"].",
          catalogue=MULTILABEL_MODEL)
def multilabel_model(fn):
    """Checks ``multilabel_model(n_labels)``: its layers and its outputs."""
    n = _check_model(fn, "multilabel_model", "Flatten → Dense(100, relu) → Dense(4, sigmoid)", 78_500 + 404, 4,
                     MULTILABEL_MODEL, {"Flatten → Dense(100, relu) → Dense(4, softmax)": "softmax_head",
                                        "Flatten → Dense(100, relu) → Dense(4)": "no_activation",
                                        "Flatten → Dense(100, relu) → Dense(3, sigmoid)": "n_labels_ignored",
                                        "Flatten → Dense(100, relu) → Dense(10, sigmoid)": "ten_classes"},
                     kwargs={"n_labels": 4}, output="sigmoid")
    check_defaults(fn, "multilabel_model", DEFAULTS["multilabel_model"])
    return n


def _multilabel_loss(fn) -> int:
    seen, label = _compiled(fn, "multilabel_model", {"n_labels": 4})
    loss = _loss_name(seen)
    if loss != "binary":
        hint = MULTILABEL_LOSS.sparse_loss if loss == "sparse" else MULTILABEL_LOSS.categorical_loss
        raise CheckFailed(f"{label}: the loss is {seen.get('loss')}\nhint: {hint.message}")
    if not ACCURACY & {str(m).lower() for m in seen.get("metrics", [])}:
        raise CheckFailed(f"{label}: the metrics are {seen.get('metrics')}\nhint: metrics=[\"accuracy\"]")
    return 2


multilabel_model_loss = exercise("multilabel_model", hint="a sigmoid per label is trained with binary cross-entropy: "
                                 "loss=\"binary_crossentropy\"", catalogue=MULTILABEL_LOSS)(_multilabel_loss)
multilabel_model_loss.__doc__ = "Checks the loss and metrics ``multilabel_model`` is compiled with."

REG = "Flatten → BatchNormalization → Dense(300, relu) → Dropout({r}) → Dense(100, relu) → Dropout({r}) → " \
      "Dense(10, softmax)"


@exercise("regularized_model", hint="Flatten, BatchNormalization, then each hidden Dense layer followed by "
                                    "Dropout(rate), then Dense(10, softmax).", catalogue=REGULARIZED_MODEL)
def regularized_model(fn):
    """Checks ``regularized_model(rate)`` with rate = 0.3."""
    wrong = {REG.format(r=0.2): "rate_ignored", REG.format(r=0.7): "keep_probability",
             REG.format(r=0.3).replace("BatchNormalization → ", ""): "no_batchnorm",
             "Flatten → BatchNormalization → Dropout(0.3) → Dense(300, relu) → Dropout(0.3) → Dense(100, relu) → "
             "Dense(10, softmax)": "dropout_before_dense",
             REG.format(r=0.3) + " → Dropout(0.3)": "dropout_on_output"}
    n = _check_model(fn, "regularized_model", REG.format(r=0.3), 266_610 + 4 * 784, 10, REGULARIZED_MODEL, wrong,
                     kwargs={"rate": 0.3})
    check_defaults(fn, "regularized_model", DEFAULTS["regularized_model"])
    return n
