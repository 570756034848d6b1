"""Observers: turn an answer that is an object (a tensor, a Keras model, a History) into plain data.

A hidden test never compares objects by identity or by what they say about themselves: the
grader applies the same observer to the student's object (in the student's kernel) and to the
reference's (in its own process), and compares the plain data that comes back. Each observer
*uses* the object to find out what it is:

* :func:`tensors`: TensorFlow tensors and Variables become NumPy arrays (inside tuples, lists
  and dicts too), so an answer may return either;
* :func:`keras_model`: the layers (kind, units, activation, rate), the parameter count summed
  from the weights' shapes (never ``count_params()`` or ``summary()``, which a subclass may
  override), and the outputs on the grader's inputs *after the grader has set every weight*
  from its own seed; the model's own weights are put back afterwards;
* :func:`keras_compiled`: the loss (and ``from_logits``), the optimizer's class and learning
  rate, and the metrics given to ``compile``;
* :func:`keras_predict`: a trained model's layers and weights; the grader runs the forward pass
  itself on images the kernel never sees and computes the accuracy with labels it keeps (a model
  that looks its answers up in the data set earns nothing);
* :func:`keras_history`: a History's numbers and its model's layers and weights, so that a
  History edited by hand disagrees with its own model;
* :func:`fitted_estimator`: what a scikit-learn estimator learns from ``(X, y)``.

TensorFlow and Keras are imported by none of them: they only use objects that already exist.
"""
from __future__ import annotations

import copy
import logging
import sys
import warnings
from typing import Any

import numpy as np


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:300]
    except Exception:  # noqa: BLE001 - an exception whose str() fails
        return ""


# ------------------------------------------------------------------------------------ tensors
def _is_tensor(value: Any) -> bool:
    if "tensorflow" not in sys.modules and "keras" not in sys.modules:
        return False
    module = type(value).__module__ or ""
    return module.startswith(("tensorflow", "keras")) and callable(getattr(value, "numpy", None)) \
        and hasattr(value, "shape") and hasattr(value, "dtype")


def tensors(value: Any, _depth: int = 0) -> Any:
    """``value`` with every TensorFlow tensor or Variable replaced by a NumPy array."""
    if _depth > 40:
        return value
    if _is_tensor(value):
        return np.asarray(value.numpy())
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(tensors(v, _depth + 1) for v in value)
    if isinstance(value, list):
        return [tensors(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: tensors(v, _depth + 1) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------- Keras models
def _name(thing: Any) -> str | None:
    """The name of an activation, loss or metric given as a string, a function or an object."""
    if thing is None:
        return None
    if isinstance(thing, str):
        return thing
    if isinstance(thing, dict):  # serialised: {"class_name": ..., "config": {"name": ...}}
        config = thing.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"]
        return str(thing.get("class_name", "?"))
    name = getattr(thing, "name", None) or getattr(thing, "__name__", None)
    return str(name) if name else type(thing).__name__


def _layers(model: Any) -> list:
    """The model's layers, nested models opened up, input layers left out."""
    found = []
    for layer in getattr(model, "layers", []) or []:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if hasattr(layer, "layers") and kind in ("Sequential", "Functional", "Model"):
            found += _layers(layer)
        else:
            found.append(layer)
    return found


def describe_layer(layer: Any) -> dict:
    """A layer as plain data: its kind, and its units, activation and rate where it has them."""
    try:
        config = layer.get_config()
    except Exception:  # noqa: BLE001 - a layer without a config is described by its kind alone
        config = {}
    seen: dict[str, Any] = {"kind": type(layer).__name__}
    for key in ("units", "rate"):
        if isinstance(config.get(key), (int, float)):
            seen[key] = config[key]
    if config.get("activation") is not None:
        seen["activation"] = _name(config["activation"])
    seen["params"] = int(sum(int(np.prod(w.shape)) for w in getattr(layer, "weights", [])))
    return seen


def _draw(rng: np.random.Generator, w: Any) -> np.ndarray:
    shape = tuple(int(n) for n in w.shape)
    name = str(getattr(w, "path", "") or getattr(w, "name", ""))
    if "variance" in name:  # BatchNormalization's moving variance must stay positive
        return rng.uniform(0.5, 1.5, shape)
    fan_in = shape[0] if len(shape) > 1 else 1
    return rng.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)


def _grader_weights(model: Any, seed: int) -> dict[int, np.ndarray]:
    """The grader's value for each weight (by ``id``), drawn layer by layer from a stream keyed by
    the shapes of that layer's weights (and how many earlier layers had the same shapes), so that the
    order in which a subclass creates its layers does not matter. Normalization layers keep what
    ``adapt`` gave them: the statistics of the data are part of the answer."""
    values: dict[int, np.ndarray] = {}
    repeats: dict[tuple, int] = {}
    for layer in _layers(model):
        weights = list(getattr(layer, "weights", []) or [])
        if not weights or type(layer).__name__ == "Normalization":
            for w in weights:
                values[id(w)] = None
            continue
        shapes = tuple(tuple(int(n) for n in w.shape) for w in weights)
        k = repeats[shapes] = repeats.get(shapes, -1) + 1
        rng = np.random.default_rng([seed, k, len(shapes), *(len(s) for s in shapes), *(n for s in shapes for n in s)])
        for w in weights:
            values[id(w)] = _draw(rng, w)
    rest = np.random.default_rng([seed, 2**31 - 1])  # weights of the model itself, outside its layers
    return {id(w): values[id(w)] if id(w) in values else _draw(rest, w) for w in model.weights}


def _first_rows(X: Any) -> Any:
    return type(X)(x[:1] for x in X) if isinstance(X, (tuple, list)) else X[:1]


def _as_outputs(out: Any) -> Any:
    """A model's outputs as float64 arrays: one array, or a list of them for several outputs."""
    if isinstance(out, dict):
        out = [out[k] for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return [_as_outputs(o) for o in out]
    return np.asarray(getattr(out, "numpy", lambda: out)(), dtype=np.float64)


def _inputs(X: Any, scale: float | None):
    """The grader's inputs as arrays: one, or a tuple of them for a model of several inputs."""
    if isinstance(X, (tuple, list)):
        return tuple(_inputs(x, scale) for x in X)
    X = np.asarray(X)
    return (X.astype(np.float32) / np.float32(scale)) if scale else X


def _quiet() -> None:
    """TensorFlow's retracing warnings (many small models in one kernel) say nothing about the answer."""
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def keras_model(model: Any, X: Any, seed: int = 0, scale: float | None = None) -> dict:
    """What a Keras model is: its layers, its parameter count, and its outputs on ``X`` (divided by
    ``scale`` first, if given) with every weight set from ``seed`` (:func:`_grader_weights`). ``X``
    may be a tuple of arrays, one per input; several outputs come back as a list."""
    _quiet()
    seen: dict[str, Any] = {"type": "model" if hasattr(model, "weights") and hasattr(model, "layers") else
                            type(model).__name__}
    if seen["type"] != "model":
        return seen
    X = _inputs(X, scale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not model.weights or not getattr(model, "built", True):  # not built yet: on the grader's inputs
            model(_first_rows(X))
        seen["layers"] = [describe_layer(layer) for layer in _layers(model)]
        seen["params"] = int(sum(int(np.prod(w.shape)) for w in model.weights))
        seen["trainable"] = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
        own = [np.array(w.numpy()) for w in model.weights]
        try:
            drawn = _grader_weights(model, seed)
            for w in model.weights:
                value = drawn.get(id(w))
                if value is not None:
                    w.assign(value.astype(np.dtype(str(w.dtype))) if str(w.dtype) in ("float32", "float64") else value)
            seen["outputs"] = _as_outputs(model(X, training=False))
        except Exception as exc:  # noqa: BLE001 - a model that cannot run is an answer to compare
            seen["outputs"] = f"running the model raised {type(exc).__name__}: {_text(exc)}"
        finally:
            for w, value in zip(model.weights, own):
                w.assign(value)
    return seen


def keras_compiled(model: Any) -> dict:
    """What ``compile`` was given: loss (and from_logits), optimizer, learning rate, metrics."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(model, "loss"):
        return {"compiled": False}
    seen: dict[str, Any] = {"compiled": True, "loss": _name(model.loss),
                            "optimizer": type(optimizer).__name__.lower()}
    try:
        seen["from_logits"] = bool(model.loss.get_config().get("from_logits", False))
    except Exception:  # noqa: BLE001 - a loss given as a string or a function: probabilities
        seen["from_logits"] = False
    rate = getattr(optimizer, "_learning_rate", None)
    if rate is not None and type(rate).__module__.startswith("keras") and "schedule" in type(rate).__module__:
        seen["schedule"] = type(rate).__name__
    try:
        seen["learning_rate"] = float(np.asarray(optimizer.learning_rate))
    except Exception:  # noqa: BLE001
        seen["learning_rate"] = None
    try:
        metrics = model.get_compile_config().get("metrics") or []
    except Exception:  # noqa: BLE001 - not compiled through compile()
        metrics = []
    if isinstance(metrics, (str, dict)) or not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    seen["metrics"] = sorted(str(_name(m)) for m in metrics)
    return seen


def keras_weights(model: Any) -> dict:
    """A trained model as data: its layers (kind, units, activation, the settings a forward pass
    needs) and each layer's weights. The grader computes the predictions from these itself, on
    images the kernel never sees, so a model that looks its answers up earns nothing."""
    if not (hasattr(model, "layers") and hasattr(model, "weights")):
        return {"type": type(model).__name__}
    seen: dict[str, Any] = {"type": "model", "structure": _structure(model), "layers": []}
    if seen["structure"] == "functional":
        seen["graph"] = _graph(model)
    for layer in _layers(model):
        described = describe_layer(layer)
        described["name"] = str(getattr(layer, "name", ""))
        try:
            config = layer.get_config()
        except Exception:  # noqa: BLE001
            config = {}
        for key in ("epsilon", "center", "scale", "use_bias", "negative_slope", "invert", "axis"):
            if isinstance(config.get(key), (bool, int, float)):
                described[key] = config[key]
        if described["kind"] == "Normalization":  # statistics given to the constructor are not weights
            try:
                described["mean"], described["variance"] = (np.asarray(v, dtype=np.float64).ravel()
                                                             for v in (layer.mean, layer.variance))
            except Exception:  # noqa: BLE001 - not built: no statistics
                pass
        described["weights"] = [np.asarray(w.numpy()) for w in layer.weights]
        seen["layers"].append(described)
    return seen


def _graph(model: Any) -> dict | None:
    """How a functional model's layers are wired: its input and output layers (in order), and the
    layers each layer takes its inputs from. None when a layer is used twice or a model is nested
    (the grader then evaluates the layers as a chain, or says it cannot)."""
    try:
        from keras.src.models.functional import Functional

        config = Functional.get_config(model)  # Keras's own, not a get_config() a subclass overrides
        inbound: dict[str, list[str]] = {}
        for entry in config["layers"]:
            nodes = entry.get("inbound_nodes") or []
            if entry.get("class_name") in ("Functional", "Sequential", "Model") or len(nodes) > 1:
                return None
            sources: list[str] = []

            def collect(arg: Any) -> None:
                if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
                    name, node, tensor = arg["config"]["keras_history"]
                    if node or tensor:
                        raise ValueError("a layer used twice")
                    sources.append(str(name))
                elif isinstance(arg, (list, tuple)):
                    for a in arg:
                        collect(a)
            for node in nodes:
                collect(node.get("args", []))
            inbound[str(entry["name"])] = sources
        return {"inputs": [str(i[0]) for i in config["input_layers"]],
                "outputs": [str(o[0]) for o in config["output_layers"]], "inbound": inbound}
    except Exception:  # noqa: BLE001 - an unusual graph: evaluated as a chain or refused
        return None


def _structure(model: Any) -> str:
    """``"sequential"`` or ``"functional"`` when the layers, in order, are the computation (a
    subclass that keeps Keras's own ``call``), else ``"subclassed"``: its ``call`` decides."""
    keras = sys.modules.get("keras")
    try:
        from keras.src.models.functional import Functional
    except ImportError:  # pragma: no cover - another Keras
        Functional = None
    if keras is not None and isinstance(model, keras.Sequential) and type(model).call is keras.Sequential.call:
        return "sequential"
    if Functional is not None and isinstance(model, Functional) and type(model).call is Functional.call:
        return "functional"
    return "subclassed"


def keras_predict(model: Any) -> dict:
    """A trained model, for the grader to evaluate on its own images (see :func:`keras_weights`)."""
    _quiet()
    return keras_weights(model)


def keras_history(history: Any) -> dict:
    """A History's numbers (per metric, per epoch) and the model it trained (``history.model``),
    as :func:`keras_weights`, so that the grader can check the numbers against the model."""
    record = getattr(history, "history", None)
    if not isinstance(record, dict):
        return {"type": type(history).__name__}
    seen: dict[str, Any] = {"type": "History",
                            "history": {str(k): np.asarray([float(x) for x in v], dtype=np.float64)
                                        for k, v in record.items()}}
    model = getattr(history, "model", None)
    seen["model"] = keras_weights(model) if model is not None else {"type": "None"}
    return seen


# ---------------------------------------------------------------------------- scikit-learn
def fitted_estimator(model: Any, X: np.ndarray, y: np.ndarray) -> dict:
    """What an estimator learns from ``(X, y)``: its class, coefficients and predictions."""
    seen: dict[str, Any] = {"type": type(model).__name__}
    if not hasattr(model, "fit"):
        return seen
    model = copy.deepcopy(model)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
            seen.update(coef_=np.asarray(model.coef_, dtype=float), intercept_=np.asarray(model.intercept_, dtype=float),
                        predict=np.asarray(model.predict(X)).astype(float))
    except Exception as exc:  # noqa: BLE001 - a model that cannot fit is an answer to compare, not a crash
        seen["fit"] = f"fitting it raised {type(exc).__name__}: {_text(exc)}"
    return seen


OBSERVERS = {"fitted_estimator": fitted_estimator, "keras_model": keras_model, "keras_compiled": keras_compiled,
             "keras_predict": keras_predict, "keras_history": keras_history, "keras_weights": keras_weights}
