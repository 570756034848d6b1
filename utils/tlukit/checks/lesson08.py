"""Self-checks of lesson 08, "Regression, the Functional and Subclassing APIs, saving, callbacks".

TensorFlow and Keras are imported by none of these at import time. A model is looked at as the
grader does (:func:`tlukit.observers.keras_model`: its layers, its parameter count from its
weights' shapes, its outputs with weights the grader sets; Normalization layers keep what
``adapt`` gave them). Answers that are *used* rather than returned (a function that saves a
model, a callback class) are driven by the drivers below, the same on both sides: the hidden test
runs the reference through them too. Wrong versions of the answers live with the instructor
(``autograder/lessons/lesson08.py``); here a mistake is a message, chosen from what was observed.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import zipfile

import numpy as np

from .. import observers
from ..checking import CheckFailed, call, check_defaults, expect, mismatch, short
from ..mistakes import Catalogue, Mistake
from . import exercise

# ============================================================================= catalogues
REGRESSION_MLP = Catalogue(
    "regression_mlp",
    not_adapted=Mistake("the Normalization layer was never adapted, so it leaves the features unscaled (mean 0, "
                        "variance 1 are its defaults): call norm_layer.adapt(X_train) before building the model"),
    no_normalization=Mistake("there is no Normalization layer: the features of California housing have very "
                             "different scales (incomes about 4, populations in the thousands); put "
                             "keras.layers.Normalization() first and adapt it on X_train"),
    relu_output=Mistake("the output layer uses relu: a regression output is a plain number, Dense(1) without an "
                        "activation (relu would also clip every negative prediction to 0)"),
    no_relu=Mistake("the hidden layers have no activation: without a nonlinearity the three Dense(50) layers make "
                    "one linear map, a linear regression. Use activation=\"relu\""),
)

REGRESSION_COMPILED = Catalogue(
    "regression_mlp",
    mae_loss=Mistake("the exercise asks for the mean squared error, loss=\"mse\" (the mean absolute error is "
                     "another, more outlier-tolerant choice)"),
    no_rmse=Mistake("compile with metrics=[\"RootMeanSquaredError\"]: the RMSE is in the units of the target "
                    "($100,000s) and is what we report"),
    sgd=Mistake("the exercise asks for Adam: keras.optimizers.Adam(learning_rate=learning_rate)"),
    rate_ignored=Mistake("the optimizer does not use the learning_rate argument: "
                         "keras.optimizers.Adam(learning_rate=learning_rate)"),
)

WIDE_AND_DEEP = Catalogue(
    "wide_and_deep",
    not_adapted=Mistake("a Normalization layer was never adapted: adapt the wide one on X_train[:, :5] and the deep "
                        "one on X_train[:, 2:] before building the model"),
    wide_slice=Mistake("the wide input takes features 0-4, FIVE columns: X_train[:, :5] (Python slices stop before "
                       "their end), keras.Input(shape=(5,))"),
    missing_aux=Mistake("the model has one output: the Wide & Deep of this lesson has two, outputs=[output, aux_output], "
                        "the auxiliary one a Dense(1) on the deep path"),
    aux_from_wide=Mistake("the auxiliary output is computed from the wide path: it must come from the deep path "
                          "(the second hidden layer), so that the deep part learns something useful on its own"),
    outputs_swapped=Mistake("the outputs are in the wrong order: outputs=[output, aux_output], the main output first "
                            "(loss_weights=(0.9, 0.1) follow this order)"),
    concat_raw_wide=Mistake("the concatenation takes the raw wide input: concatenate the NORMALIZED wide features "
                            "with the second hidden layer, concatenate([norm_wide, hidden2])"),
)

WIDE_AND_DEEP_COMPILED = Catalogue(
    "wide_and_deep",
    weights_swapped=Mistake("loss_weights=(0.1, 0.9) gives the auxiliary output most of the weight: the main output "
                            "comes first, loss_weights=(0.9, 0.1)"),
    no_loss_weights=Mistake("without loss_weights both outputs count the same: pass loss_weights=(0.9, 0.1), the "
                            "main output matters most"),
    rate_ignored=Mistake(REGRESSION_COMPILED.rate_ignored.message),
)

WIDE_AND_DEEP_MODEL = Catalogue(
    "WideAndDeepModel",
    missing_aux=Mistake("call returns one output: return the main output and the auxiliary one, "
                        "return output, aux_output"),
    aux_from_wide=Mistake(WIDE_AND_DEEP.aux_from_wide.message),
    outputs_swapped=Mistake("call returns the outputs in the wrong order: return output, aux_output (main first)"),
    no_relu=Mistake("the hidden layers have no activation: Dense(units, activation=activation) with the class's "
                    "activation argument (\"relu\" by default)"),
)

SAVE_MODEL = Catalogue(
    "save_model",
    h5=Mistake("you saved in the legacy HDF5 format (.h5): Keras 3's native format is the .keras file, "
               "model.save(name + \".keras\")"),
    weights_only=Mistake("you saved the weights only: the whole model (architecture, weights, compile settings) "
                         "goes into name + \".keras\" with model.save"),
    no_extension=Mistake("Keras chooses the format from the file's extension and refuses a name without one: "
                         "save to name + \".keras\" and return that path"),
)

SAVE_WEIGHTS = Catalogue(
    "save_weights",
    no_weights_suffix=Mistake("Keras 3 saves weights only to a file whose name ends in .weights.h5: "
                              "model.save_weights(name + \".weights.h5\")"),
    whole_model=Mistake("you saved the whole model (.keras): this exercise saves the weights only, "
                        "model.save_weights(name + \".weights.h5\")"),
)

CALLBACKS = Catalogue(
    "make_callbacks",
    no_restore=Mistake("EarlyStopping without restore_best_weights=True leaves the model with the weights of the "
                       "LAST epoch, `patience` epochs past the best: pass restore_best_weights=True"),
    no_best_only=Mistake("ModelCheckpoint without save_best_only=True overwrites the file every epoch, so it ends "
                         "up holding the last model, not the best one: pass save_best_only=True"),
    no_plateau=Mistake("the list has no ReduceLROnPlateau(factor=0.5, patience=5): it halves the learning rate when "
                       "the validation loss stops improving for 5 epochs"),
    patience_ignored=Mistake("EarlyStopping does not use the patience argument: EarlyStopping(patience=patience, ...)"),
)

LOSS_RATIO = Catalogue(
    "ValLossRatio",
    inverted=Mistake("the ratio is upside down: validation loss over training loss, logs[\"val_loss\"] / "
                     "logs[\"loss\"] (above 1 when the model does better on the data it trains on)"),
    wrong_key=Mistake("the ratio uses the RMSE, not the loss: read logs[\"val_loss\"] and logs[\"loss\"]"),
    difference=Mistake("you recorded the difference val_loss - loss: record the RATIO, val_loss / loss"),
    overwritten=Mistake("self.ratios holds only the last epoch: append each epoch's ratio to the list, "
                        "self.ratios.append(...)"),
)

DEFAULTS = {"regression_mlp": {"learning_rate": 1e-3}, "wide_and_deep": {"learning_rate": 1e-3},
            "make_callbacks": {"checkpoint_path": "checkpoints/best.keras", "patience": 10}}


# ============================================================================= shared pieces
def housing_like(m: int = 64, seed: int = 8) -> np.ndarray:
    """``m`` rows of 8 features on scales like California housing's (income ~4, rooms ~5, population ~1,400 ...)."""
    rng = np.random.default_rng(seed)
    centres = np.array([3.9, 28.6, 5.4, 1.1, 1425.0, 3.1, 35.6, -119.6])
    scales = np.array([1.9, 12.6, 2.5, 0.5, 1130.0, 10.4, 2.1, 2.0])
    return (centres + scales * rng.normal(size=(m, 8))).astype(np.float32)


def _layer_text(layer: dict) -> str:
    inside = [str(layer[k]) for k in ("units", "rate") if k in layer]
    if layer.get("activation") not in (None, "linear"):
        inside.append(str(layer["activation"]))
    return f"{layer.get('kind', '?')}({', '.join(inside)})" if inside else str(layer.get("kind", "?"))


def architecture(seen: dict) -> str:
    """The layers of an observed model as text: ``Normalization → Dense(50, relu) → ...``."""
    return " → ".join(_layer_text(layer) for layer in seen.get("layers", [])) or "no layers"


def layer_set(seen: dict) -> str:
    return ", ".join(sorted(_layer_text(layer) for layer in seen.get("layers", [])
                            if layer.get("kind") not in ("Concatenate", "InputLayer"))) or "no layers"


def _model(fn, label: str, *args, **kwargs):
    model = call(fn, *args, label=label, **kwargs)
    if not (hasattr(model, "layers") and hasattr(model, "weights")):
        raise CheckFailed(mismatch(label, "a Keras model", short(model), hint="return the model you built"))
    return model


def _normalizations(model) -> list:
    return [layer for layer in observers._layers(model) if type(layer).__name__ == "Normalization"]


def _statistics(layer) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        return (np.asarray(layer.mean, dtype=float).ravel(), np.asarray(layer.variance, dtype=float).ravel())
    except Exception:  # noqa: BLE001 - not built
        return None


def _adapted_on(layer, X: np.ndarray) -> str:
    """"yes", "never" (the defaults 0 and 1) or "other" (the statistics of other data)."""
    stats = _statistics(layer)
    if stats is None or stats[0].shape != (X.shape[1],):
        return "other"
    mean, variance = stats
    if np.allclose(mean, X.mean(axis=0), rtol=1e-3, atol=1e-3) and np.allclose(variance, X.var(axis=0), rtol=1e-2):
        return "yes"
    if not mean.any() and np.allclose(variance, 1):
        return "never"
    return "other"


def _name(thing) -> str:
    if isinstance(thing, dict):
        config = thing.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"]
        return str(thing.get("class_name", "?"))
    if isinstance(thing, str):
        return thing
    return str(getattr(thing, "name", None) or getattr(thing, "__name__", None) or type(thing).__name__)


SHORT_NAMES = {"meansquarederror": "mse", "mse": "mse", "meanabsoluteerror": "mae", "mae": "mae",
               "rootmeansquarederror": "rmse", "rmse": "rmse", "huber": "huber"}


def _short(thing) -> str:
    text = _name(thing).lower().replace("_", "")
    return SHORT_NAMES.get(text, text)


def _flat(value) -> list:
    if isinstance(value, dict) and "class_name" in value:  # one serialised object (a loss, a metric)
        return [value]
    if isinstance(value, dict):
        return [v for k in sorted(value) for v in _flat(value[k])]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flat(item)]
    return [] if value is None else [value]


# ============================================================================= observers and drivers
def compile_settings(model) -> dict:
    """What ``compile`` was given, as plain data: the loss of each output (short names: mse, mae, ...),
    the loss weights, the optimizer's class and learning rate, and the metrics (a sorted set of short names)."""
    optimizer = getattr(model, "optimizer", None)
    try:
        config = dict(model.get_compile_config() or {}) if optimizer is not None else {}
    except Exception:  # noqa: BLE001 - compile() was not called
        config = {}
    if optimizer is None or not config:
        return {"compiled": False}
    loss = config.get("loss")
    losses = [_short(x) for x in _flat(loss)]
    weights = config.get("loss_weights")
    seen = {"compiled": True, "loss": losses,
            "loss_weights": None if weights is None else [float(w) for w in _flat(weights)],
            "optimizer": type(optimizer).__name__.lower(), "metrics": sorted({_short(m) for m in _flat(config.get("metrics"))})}
    try:
        seen["learning_rate"] = float(np.asarray(optimizer.learning_rate))
    except Exception:  # noqa: BLE001 - a schedule
        seen["learning_rate"] = None
    return seen


def wide_deep_class(cls, X_train, X, seed):
    """Drive a Wide & Deep class: make ``cls()``, adapt its ``norm_layer_wide`` on ``X_train[:, :5]`` and its
    ``norm_layer_deep`` on ``X_train[:, 2:]``, and observe it on ``(X[:, :5], X[:, 2:])`` with the grader's weights."""
    model = cls()
    for attribute, part in (("norm_layer_wide", slice(0, 5)), ("norm_layer_deep", slice(2, 8))):
        layer = getattr(model, attribute, None)
        if layer is None or not hasattr(layer, "adapt"):
            return {"type": f"a model without a Normalization layer named self.{attribute}"}
        layer.adapt(np.asarray(X_train)[:, part])
    X = np.asarray(X, dtype=np.float32)
    return observers.keras_model(model, (X[:, :5], X[:, 2:]), seed)


def _small_model(n_features: int, seed: int):
    """A small regression model with weights drawn from ``seed`` (no Keras seeding needed)."""
    import keras
    model = keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.weights])
    return model


def _file_format(path: str) -> str:
    if zipfile.is_zipfile(path):
        return "keras (zip)"
    with open(path, "rb") as f:
        return "hdf5" if f.read(8) == b"\x89HDF\r\n\x1a\n" else "unknown"


def _saving(fn, X, seed, reload) -> dict:
    with warnings.catch_warnings():  # h5py under NumPy 2 (not the student's doing)
        warnings.filterwarnings("ignore", message=".*__array__ implementation doesn't accept a copy keyword")
        return _save_and_load(fn, X, seed, reload)


def _save_and_load(fn, X, seed, reload) -> dict:
    X = np.asarray(X, dtype=np.float32)
    model = _small_model(X.shape[1], seed)
    folder = tempfile.mkdtemp(prefix="lesson08-")
    name = os.path.join(folder, "my_model")
    try:
        try:
            returned = fn(model, name)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - what Keras says about the file name is the answer
            return {"error": f"{type(exc).__name__}: {str(exc).replace(folder + os.sep, '')[:200]}"}
        seen = {"files": sorted(os.listdir(folder))}
        if not isinstance(returned, (str, os.PathLike)):
            seen["returned"] = f"not a path: {short(returned)}"
            return seen
        path = os.fspath(returned)
        seen["returned"] = os.path.relpath(path, folder) if os.path.isabs(path) or path.startswith(folder) else path
        if not (os.path.isfile(path) and os.path.abspath(path).startswith(os.path.abspath(folder))):
            seen["returned"] = "a path outside the name given: " + seen["returned"]
            return seen
        seen["format"] = _file_format(path)
        try:
            seen["outputs"] = np.asarray(reload(path, X.shape[1], seed)(X, training=False), dtype=np.float64)
        except Exception as exc:  # noqa: BLE001
            seen["outputs"] = f"loading it failed: {type(exc).__name__}"
        return seen
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def drive_save_model(fn, X, seed):
    """Give ``fn(model, name)`` a small model and a name in a temporary folder; load the file it returns
    with ``keras.saving.load_model`` and report the files made, the file's format, and the loaded model's
    outputs on ``X``."""
    def reload(path, n_features, seed):
        import keras
        return keras.saving.load_model(path)
    return _saving(fn, X, seed, reload)


def drive_save_weights(fn, X, seed):
    """As :func:`drive_save_model`, but the file is loaded into a fresh model of the same architecture
    (other weights) with ``load_weights``."""
    def reload(path, n_features, seed):
        fresh = _small_model(n_features, seed + 1)
        fresh.load_weights(path)
        return fresh
    return _saving(fn, X, seed, reload)


def describe_callbacks(callbacks) -> list | dict:
    """A list of callbacks as plain data, sorted by class name: what each watches and its settings."""
    if not isinstance(callbacks, (list, tuple)):
        return {"type": type(callbacks).__name__}
    seen = []
    for cb in callbacks:
        item = {"class": type(cb).__name__, "monitor": str(getattr(cb, "monitor", ""))}
        for key in ("filepath", "save_best_only", "save_weights_only", "patience", "restore_best_weights",
                    "factor", "log_dir"):
            value = getattr(cb, key, None)
            if isinstance(value, (bool, int, float, str)):
                item[key] = value
        seen.append(item)
    return sorted(seen, key=lambda item: item["class"])


def drive_loss_ratio(cls, epochs):
    """Make ``cls()`` and feed it as Keras does: ``on_train_begin()``, then ``on_epoch_end(epoch, logs)`` for
    each epoch's logs; return its ``ratios`` after each epoch."""
    callback = cls()
    callback.on_train_begin()
    after = []
    for epoch, logs in enumerate(epochs):
        callback.on_epoch_end(epoch, dict(logs))
        ratios = getattr(callback, "ratios", None)
        if isinstance(ratios, (list, tuple)):
            after.append([float(r) for r in ratios])
        else:
            after.append(float(ratios) if isinstance(ratios, (int, float)) else short(ratios))
    return after


# ============================================================================= exercises
X_CHECK = housing_like(64, seed=8)
MLP = "Normalization → Dense(50, relu) → Dense(50, relu) → Dense(50, relu) → Dense(1)"


@exercise("regression_mlp", hint="norm_layer = keras.layers.Normalization(); norm_layer.adapt(X_train); then "
                                 "keras.Sequential([keras.Input(shape=(8,)), norm_layer, three Dense(50, "
                                 "activation=\"relu\"), Dense(1)]).", catalogue=REGRESSION_MLP)
def regression_mlp(fn):
    """Checks ``regression_mlp(X_train)``: its layers, parameters, Normalization statistics and outputs."""
    C = REGRESSION_MLP
    label = "regression_mlp(X_train)"
    model = _model(fn, label, X_CHECK.copy())
    seen = observers.keras_model(model, X_CHECK[:6], seed=0)
    got = architecture(seen)
    wrong = {MLP.replace("Normalization → ", ""): C.no_normalization, MLP.replace("Dense(1)", "Dense(1, relu)"):
             C.relu_output, MLP.replace(", relu", ""): C.no_relu}
    if got != MLP:
        raise CheckFailed(mismatch(label + ".layers", MLP, got, "the layers differ",
                                   wrong[got].message if got in wrong else "build these layers in this order"))
    norm = _normalizations(model)[0]
    adapted = _adapted_on(norm, X_CHECK)
    if adapted == "never":
        raise CheckFailed(f"{label}: the Normalization layer's mean is all zeros\nhint: {C.not_adapted.message}")
    if adapted == "other":
        raise CheckFailed(f"{label}: the Normalization layer's mean and variance are not those of the X_train it was "
                          "given\nhint: adapt it inside the function on its argument, norm_layer.adapt(X_train) "
                          "(not on the full data, the validation or the test set)")
    expect(seen["params"], 17 + 450 + 2 * 2_550 + 51, call=label + ": parameters (Normalization's mean, variance and "
           "count included)", hint="Input of 8 features; three Dense(50); Dense(1)")
    out = seen["outputs"]
    if isinstance(out, str) or np.shape(out) != (6, 1):
        raise CheckFailed(mismatch(label + " on 6 rows of 8 features", "outputs of shape (6, 1)", short(out)))
    check_defaults(fn, "regression_mlp", DEFAULTS["regression_mlp"])
    return 4


def _compile_problems(label: str, seen: dict, lr: float, catalogue: Catalogue, n_outputs: int) -> None:
    if not seen.get("compiled"):
        raise CheckFailed(f"{label} returned a model that is not compiled\nhint: call model.compile(...) and return "
                          "the model")
    C = catalogue
    losses = seen["loss"] * (n_outputs if len(seen["loss"]) == 1 else 1)
    if losses != ["mse"] * n_outputs:
        hint = getattr(C, "mae_loss", None)
        raise CheckFailed(f"{label}: the loss is {seen['loss']}\nhint: "
                          f"{hint.message if hint and 'mae' in losses else 'loss=' + repr('mse')}")
    if seen["optimizer"] != "adam":
        raise CheckFailed(f"{label}: the optimizer is {seen['optimizer']}\nhint: "
                          f"{REGRESSION_COMPILED.sgd.message}")
    if seen["learning_rate"] is None or not np.isclose(seen["learning_rate"], lr, rtol=1e-5):
        raise CheckFailed(f"{label}: the learning rate is {seen['learning_rate']}, not {lr}\nhint: "
                          f"{C.rate_ignored.message}")
    if "rmse" not in seen["metrics"]:
        raise CheckFailed(f"{label}: the metrics are {seen['metrics']}\nhint: {REGRESSION_COMPILED.no_rmse.message}")


@exercise("regression_mlp", hint="model.compile(loss=\"mse\", optimizer=keras.optimizers.Adam(learning_rate="
                                 "learning_rate), metrics=[\"RootMeanSquaredError\"])", catalogue=REGRESSION_COMPILED)
def regression_mlp_compiled(fn):
    """Checks what ``regression_mlp(X_train, learning_rate=0.003)`` is compiled with."""
    model = _model(fn, "regression_mlp(X_train, learning_rate=0.003)", X_CHECK.copy(), learning_rate=0.003)
    _compile_problems("regression_mlp(X_train, learning_rate=0.003)", compile_settings(model), 0.003,
                      REGRESSION_COMPILED, 1)
    return 4


def _graph_problem(model, C: Catalogue) -> Mistake | None:
    """The wiring of a functional Wide & Deep, read from its graph: which layer feeds which."""
    payload = observers.keras_weights(model)
    graph = payload.get("graph")
    if not graph:
        return None
    kinds = {layer["name"]: layer for layer in payload["layers"]}
    inbound = graph["inbound"]

    def kind(name):
        return kinds.get(name, {}).get("kind", "InputLayer")

    outputs = graph["outputs"]
    if len(outputs) < 2:
        return C.missing_aux
    concats = [name for name in inbound if kind(name) == "Concatenate"]
    if concats and any(kind(src) == "InputLayer" for src in inbound[concats[0]]):
        return C.concat_raw_wide

    def fed_by_concat(name):
        return any(kind(src) == "Concatenate" for src in inbound.get(name, []))

    def from_wide_norm(name):
        return any(kind(src) == "Normalization" and len(kinds[src].get("mean", [])) == 5 for src in inbound.get(name, []))
    if fed_by_concat(outputs[1]) and not fed_by_concat(outputs[0]):
        return C.outputs_swapped
    if from_wide_norm(outputs[1]):
        return C.aux_from_wide
    return None


def _wide_deep_seen(model, label: str, C: Catalogue) -> dict:
    X = X_CHECK[:6]
    seen = observers.keras_model(model, (X[:, :5], X[:, 2:]), seed=0)
    out = seen.get("outputs")
    if isinstance(out, str):
        raise CheckFailed(f"{label} on (X[:, :5], X[:, 2:]): {out}\nhint: the model takes two inputs, the wide "
                          "features 0-4 (shape (5,)) and the deep features 2-7 (shape (6,)), in this order")
    if not isinstance(out, list) or len(out) != 2:
        raise CheckFailed(f"{label}: the model has {1 if not isinstance(out, list) else len(out)} output(s)\n"
                          f"hint: {C.missing_aux.message}")
    if any(np.shape(o) != (6, 1) for o in out):
        raise CheckFailed(mismatch(label + " on 6 rows", "two outputs of shape (6, 1)", str([np.shape(o) for o in out])))
    return seen


WD_LAYERS = "Dense(1), Dense(1), Dense(30, relu), Dense(30, relu), Normalization, Normalization"
WD_PARAMS = 11 + 13 + 210 + 930 + 36 + 31


@exercise("wide_and_deep", hint="input_wide = keras.Input(shape=(5,)); input_deep = keras.Input(shape=(6,)); adapt "
                                "norm_wide on X_train[:, :5], norm_deep on X_train[:, 2:]; two Dense(30, relu) on the "
                                "deep path; concatenate([norm_wide(input_wide), hidden2]); output = Dense(1)(concat); "
                                "aux_output = Dense(1)(hidden2); keras.Model(inputs=[input_wide, input_deep], "
                                "outputs=[output, aux_output]).", catalogue=WIDE_AND_DEEP)
def wide_and_deep(fn):
    """Checks ``wide_and_deep(X_train)``: inputs, layers, wiring, Normalization statistics, two outputs."""
    C = WIDE_AND_DEEP
    label = "wide_and_deep(X_train)"
    model = _model(fn, label, X_CHECK.copy())
    shapes = [tuple(getattr(i, "shape", ())) for i in (getattr(model, "inputs", None) or [])]
    if shapes and len(shapes) == 2 and shapes[0][-1:] == (4,):
        raise CheckFailed(f"{label}: the wide input has shape {shapes[0]}\nhint: {C.wide_slice.message}")
    if shapes and shapes[-1][-1:] != (6,):
        raise CheckFailed(f"{label}: the inputs have shapes {shapes}\nhint: the deep input takes features 2-7, six "
                          "columns: X_train[:, 2:], keras.Input(shape=(6,))")
    problem = _graph_problem(model, C)
    if problem is not None:
        raise CheckFailed(f"{label}: the wiring of the layers is not the Wide & Deep of Figure 10-15\n"
                          f"hint: {problem.message}")
    seen = _wide_deep_seen(model, label, C)
    if layer_set(seen) != WD_LAYERS:
        raise CheckFailed(mismatch(label + ".layers", WD_LAYERS, layer_set(seen), "the layers differ"))
    norms = sorted(_normalizations(model), key=lambda layer: len(_statistics(layer)[0]) if _statistics(layer) else 0)
    for layer, part in zip(norms, (X_CHECK[:, :5], X_CHECK[:, 2:])):
        adapted = _adapted_on(layer, part)
        if adapted == "never":
            raise CheckFailed(f"{label}: a Normalization layer's mean is all zeros\nhint: {C.not_adapted.message}")
        if adapted == "other":
            raise CheckFailed(f"{label}: a Normalization layer's statistics are not those of its columns of the "
                              "X_train given\nhint: adapt norm_wide on X_train[:, :5] and norm_deep on X_train[:, 2:], "
                              "inside the function (not on the full data, the validation or the test set)")
    expect(seen["params"], WD_PARAMS, call=label + ": parameters counted from the weights")
    check_defaults(fn, "wide_and_deep", DEFAULTS["wide_and_deep"])
    return 5


@exercise("wide_and_deep", hint="model.compile(loss=(\"mse\", \"mse\"), loss_weights=(0.9, 0.1), "
                                "optimizer=keras.optimizers.Adam(learning_rate=learning_rate), "
                                "metrics=[\"RootMeanSquaredError\", \"RootMeanSquaredError\"])",
          catalogue=WIDE_AND_DEEP_COMPILED)
def wide_and_deep_compiled(fn):
    """Checks what ``wide_and_deep(X_train, learning_rate=0.003)`` is compiled with."""
    C = WIDE_AND_DEEP_COMPILED
    label = "wide_and_deep(X_train, learning_rate=0.003)"
    seen = compile_settings(_model(fn, label, X_CHECK.copy(), learning_rate=0.003))
    _compile_problems(label, seen, 0.003, C, 2)
    weights = seen["loss_weights"]
    if weights is None or not np.allclose(weights, [0.9, 0.1]):
        mistake = C.no_loss_weights if weights is None else C.weights_swapped if np.allclose(weights, [0.1, 0.9]) \
            else None
        raise CheckFailed(mismatch(label + ": loss_weights", "[0.9, 0.1]", str(weights),
                                   hint=mistake.message if mistake else "loss_weights=(0.9, 0.1)"))
    return 5


def _effect(model, X: np.ndarray, part: slice) -> list[bool]:
    """Whether each output changes when the columns ``part`` of the inputs change (grader weights, seed 0)."""
    before = observers.keras_model(model, (X[:, :5], X[:, 2:]), seed=0)["outputs"]
    X2 = X.copy()
    X2[:, part] += 3.0
    after = observers.keras_model(model, (X2[:, :5], X2[:, 2:]), seed=0)["outputs"]
    return [not np.allclose(a, b) for a, b in zip(before, after)]


@exercise("WideAndDeepModel", hint="In __init__: super().__init__(**kwargs), then self.norm_layer_wide, "
                                   "self.norm_layer_deep (Normalization), self.hidden1, self.hidden2 (Dense(units, "
                                   "activation=activation)), self.main_output, self.aux_output (Dense(1)). In call: "
                                   "input_wide, input_deep = inputs; ...; return output, aux_output.",
          catalogue=WIDE_AND_DEEP_MODEL)
def WideAndDeepModel(cls):  # noqa: N802 - named after the class it checks
    """Checks the class ``WideAndDeepModel``: made, adapted and run as the grader does."""
    C = WIDE_AND_DEEP_MODEL
    label = "WideAndDeepModel()"
    seen = call(wide_deep_class, cls, X_CHECK.copy(), X_CHECK[:6], 0, label=label)
    if seen.get("type") != "model":
        raise CheckFailed(f"{label}: {seen.get('type')}\nhint: name the layers self.norm_layer_wide and "
                          "self.norm_layer_deep, as the exercise says")
    out = seen.get("outputs")
    if isinstance(out, str):
        raise CheckFailed(f"{label} on (X[:, :5], X[:, 2:]): {out}")
    if not isinstance(out, list) or len(out) != 2:
        raise CheckFailed(f"{label}: call returns {1 if not isinstance(out, list) else len(out)} output(s)\n"
                          f"hint: {C.missing_aux.message}")
    got = layer_set(seen)
    if got != WD_LAYERS:
        hint = C.no_relu.message if got == WD_LAYERS.replace(", relu", "") else "the layers of Exercise 3"
        raise CheckFailed(mismatch(label + ".layers", WD_LAYERS, got, "the layers differ", hint))
    if seen["params"] != WD_PARAMS:
        hint = C.aux_from_wide.message if seen["params"] == WD_PARAMS - 25 else "the layers of Exercise 3"
        raise CheckFailed(mismatch(label + ": parameters", f"{WD_PARAMS:,}", f"{seen['params']:,}", hint=hint))
    model = cls()
    model.norm_layer_wide.adapt(X_CHECK[:, :5])
    model.norm_layer_deep.adapt(X_CHECK[:, 2:])
    wide = _effect(model, X_CHECK[:6], slice(0, 2))  # features 0-1: wide only
    if wide == [False, True]:
        raise CheckFailed(f"{label}: the second output depends on the wide features, the first does not\n"
                          f"hint: {C.outputs_swapped.message}")
    if wide != [True, False]:
        raise CheckFailed(f"{label}: changing the wide-only features 0-1 changes the outputs {wide}, expected "
                          "[True, False]: the main output sees the wide path, the auxiliary one only the deep path")
    return 4


def _saved(fn, name: str, driver, want_files: list[str], catalogue: Catalogue, wrong: dict) -> int:
    X = X_CHECK[:5, :3] / 100
    seen = call(driver, fn, X, 3, label=f"{name}(model, name)")
    label = f"{name}(model, \"my_model\")"
    if "error" in seen:
        key = next((k for text, k in wrong.items() if isinstance(text, str) and text in seen["error"]), None)
        raise CheckFailed(f"{label} raised {seen['error']}" + (f"\nhint: {getattr(catalogue, key).message}" if key else ""))
    files = seen["files"]
    if files != want_files:
        key = wrong.get(tuple(files))
        raise CheckFailed(mismatch(label + ": the files made", str(want_files), str(files),
                                   hint=getattr(catalogue, key).message if key else None))
    if seen["returned"] != want_files[0]:
        raise CheckFailed(mismatch(label + ": the path returned", f"name + {want_files[0][8:]!r}",
                                   str(seen["returned"]), hint="return the path of the file you saved"))
    if isinstance(seen.get("outputs"), str):
        raise CheckFailed(f"{label}: {seen['outputs']}")
    model = _small_model(3, 3)
    expect(seen["outputs"], np.asarray(model(X), dtype=np.float64), call=f"the model loaded from {label}'s file, "
           "on 5 rows", rtol=1e-5, atol=1e-6, hint="save the model you are given, unchanged")
    return 3


@exercise("save_model", hint="path = name + \".keras\"; model.save(path); return path", catalogue=SAVE_MODEL)
def save_model(fn):
    """Checks ``save_model(model, name)`` by loading what it saved with keras.saving.load_model."""
    return _saved(fn, "save_model", drive_save_model, ["my_model.keras"], SAVE_MODEL,
                  {("my_model.h5",): "h5", ("my_model.weights.h5",): "weights_only",
                   "Invalid filepath extension": "no_extension"})


@exercise("save_weights", hint="path = name + \".weights.h5\"; model.save_weights(path); return path",
          catalogue=SAVE_WEIGHTS)
def save_weights(fn):
    """Checks ``save_weights(model, name)`` by loading what it saved into a fresh model."""
    return _saved(fn, "save_weights", drive_save_weights, ["my_model.weights.h5"], SAVE_WEIGHTS,
                  {".weights.h5": "no_weights_suffix", ("my_model.keras",): "whole_model"})


@exercise("make_callbacks", hint="[keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=True), "
                                 "keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True), "
                                 "keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5)]", catalogue=CALLBACKS)
def make_callbacks(fn):
    """Checks ``make_callbacks("ckpt/best.keras", patience=7)``: each callback's class, monitor and settings."""
    C = CALLBACKS
    label = "make_callbacks(\"ckpt/best.keras\", patience=7)"
    seen = describe_callbacks(call(fn, "ckpt/best.keras", patience=7, label=label))
    if isinstance(seen, dict):
        raise CheckFailed(mismatch(label, "a list of callbacks", seen["type"]))
    by_class = {item["class"]: item for item in seen}
    if "ReduceLROnPlateau" not in by_class:
        raise CheckFailed(f"{label}: the callbacks are {[i['class'] for i in seen]}\nhint: {C.no_plateau.message}")
    for cls in ("EarlyStopping", "ModelCheckpoint"):
        if cls not in by_class:
            raise CheckFailed(f"{label}: there is no {cls} among {[i['class'] for i in seen]}")
    if len(seen) != 3:
        raise CheckFailed(f"{label}: {len(seen)} callbacks; expected exactly three")
    for item in seen:
        if item["monitor"] != "val_loss":
            raise CheckFailed(f"{label}: {item['class']} watches {item['monitor']!r}\nhint: watch the validation "
                              "loss, monitor=\"val_loss\" (the default)")
    checkpoint, stopping, plateau = by_class["ModelCheckpoint"], by_class["EarlyStopping"], by_class["ReduceLROnPlateau"]
    expect(checkpoint.get("filepath"), "ckpt/best.keras", call=label + ": ModelCheckpoint's file",
           hint="use the checkpoint_path argument")
    expect(checkpoint.get("save_best_only"), True, call=label + ": ModelCheckpoint's save_best_only",
           mistakes=[(False, C.no_best_only)])
    expect(stopping.get("restore_best_weights"), True, call=label + ": EarlyStopping's restore_best_weights",
           mistakes=[(False, C.no_restore)])
    expect(stopping.get("patience"), 7, call=label + ": EarlyStopping's patience", mistakes=[(10, C.patience_ignored)])
    expect((plateau.get("factor"), plateau.get("patience")), (0.5, 5), call=label + ": ReduceLROnPlateau's "
           "(factor, patience)")
    check_defaults(fn, "make_callbacks", DEFAULTS["make_callbacks"])
    return 6


RATIO_LOGS = [{"loss": 0.8, "val_loss": 0.6, "RootMeanSquaredError": 0.9, "val_RootMeanSquaredError": 0.75},
              {"loss": 0.5, "val_loss": 0.55, "RootMeanSquaredError": 0.7, "val_RootMeanSquaredError": 0.72},
              {"loss": 0.4, "val_loss": 0.6, "RootMeanSquaredError": 0.6, "val_RootMeanSquaredError": 0.8}]


@exercise("ValLossRatio", hint="class ValLossRatio(keras.callbacks.Callback): __init__ makes self.ratios = []; "
                               "on_epoch_end(self, epoch, logs=None) appends logs[\"val_loss\"] / logs[\"loss\"].",
          catalogue=LOSS_RATIO)
def ValLossRatio(cls):  # noqa: N802 - named after the class it checks
    """Checks the callback ``ValLossRatio`` fed three epochs of logs, as Keras feeds it."""
    C = LOSS_RATIO
    got = call(drive_loss_ratio, cls, RATIO_LOGS, label="ValLossRatio() fed 3 epochs")
    want = [[0.75], [0.75, 1.1], [0.75, 1.1, 1.5]]
    expect(got, want, call="ValLossRatio().ratios after each of 3 epochs   [loss 0.8, 0.5, 0.4; val_loss 0.6, "
           "0.55, 0.6]", atol=1e-9,
           mistakes=[([[0.8 / 0.6], [0.8 / 0.6, 0.5 / 0.55], [0.8 / 0.6, 0.5 / 0.55, 0.4 / 0.6]], C.inverted),
                     ([[0.75 / 0.9], [0.75 / 0.9, 0.72 / 0.7], [0.75 / 0.9, 0.72 / 0.7, 0.8 / 0.6]], C.wrong_key),
                     ([[-0.2], [-0.2, 0.05], [-0.2, 0.05, 0.2]], C.difference),
                     ([0.75, 1.1, 1.5], C.overwritten)])
    return 1


__all__ = ["regression_mlp", "regression_mlp_compiled", "wide_and_deep", "wide_and_deep_compiled", "WideAndDeepModel",
           "save_model", "save_weights", "make_callbacks", "ValLossRatio"]
