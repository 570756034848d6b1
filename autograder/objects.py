"""Comparisons and criteria for answers that are TensorFlow objects (the grader's side).

The student's kernel turns a Keras object into plain data with an observer of
:mod:`tlukit.observers`; the functions here compare that data with the reference's, or with
data the grader keeps, and say in words what differs. None of them trusts what an object says
about itself: parameters are counted from the weights' shapes, a model's behaviour is seen
with weights the grader set, and a trained model's accuracy is computed here, by a NumPy forward
pass of its layers and weights (:func:`forward`) on images the kernel never sees, with labels the
grader holds.

A question uses them like this::

    Question("07.build_model", reference=build_model, observe="keras_model",
             observe_args=lambda case: (case.args[0] ... ), compare=objects.model_difference)
    Question("07.history", shape="value", observe="keras_history", criterion=objects.history_criterion,
             cases=lambda rng: [Case(secret={"images": X_valid, "scale": 255.0, "labels": y_valid,
                                             "at_least": 0.8})])
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
from tlukit.checking import difference

ACCURACY_NAMES = {"accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy"}


# ------------------------------------------------------------------------------ architecture
def _layer_text(layer: dict) -> str:
    inside = [str(layer[k]) for k in ("units", "rate") if k in layer]
    if layer.get("activation") not in (None, "linear"):
        inside.append(str(layer["activation"]))
    return f"{layer.get('kind', '?')}({', '.join(inside)})" if inside else str(layer.get("kind", "?"))


def architecture(seen: dict) -> str:
    """``Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10, softmax)``."""
    layers = seen.get("layers") if isinstance(seen, dict) else None
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        return "unreadable layers"
    return " → ".join(_layer_text(layer) for layer in layers) or "no layers"


def _without_addresses(text: str) -> str:
    return re.sub(r"0x[0-9a-f]+|\b(sequential|functional|dense|flatten|model|normalization|input_layer|concatenate|"
                  r"batch_normalization|dropout|activation)_\d+", "#", text)


MERGING = {"Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}
"""Layers without weights that a subclass's ``call`` may replace with ``keras.ops`` functions."""


def layer_set(seen: dict) -> str:
    """The layers in sorted order, for a subclass, whose layers are listed in the order it creates them."""
    layers = seen.get("layers") if isinstance(seen, dict) else None
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        return "unreadable layers"
    return ", ".join(sorted(_layer_text(layer) for layer in layers if layer.get("kind") not in MERGING)) or "no layers"


def model_difference(got: Any, want: dict, ordered: bool = True) -> str | None:
    """How the observed model ``got`` (:func:`tlukit.observers.keras_model`) differs from ``want``.
    ``ordered=False`` (:func:`subclass_difference`) compares the layers as a set: a subclass lists
    them in the order it creates them, and its ``call`` decides the order they run in."""
    if not isinstance(got, dict) or got.get("type") != "model":
        kind = got.get("type") if isinstance(got, dict) else type(got).__name__
        return f"expected a Keras model, got {kind}: return the model you built"
    if ordered and architecture(got) != architecture(want):
        return f"the layers differ: expected {architecture(want)}; yours is {architecture(got)}"
    if not ordered and layer_set(got) != layer_set(want):
        return f"the layers differ: expected {layer_set(want)}; yours has {layer_set(got)}"
    if got.get("params") != want.get("params"):
        if not isinstance(got.get("params"), int):
            return "the model's parameters could not be counted"
        return (f"the model has {got.get('params'):,} parameters, counted from its weights; expected "
                f"{want.get('params'):,}: check the input shape")
    if isinstance(got.get("outputs"), str):  # the model could not run on the grader's images
        failed = want.get("outputs")
        if isinstance(failed, str) and _without_addresses(failed) == _without_addresses(got["outputs"]):
            return None  # a mistake model that fails the same way: the mistake is named
        return str(got["outputs"])[:300]
    problem = difference(got.get("outputs"), want.get("outputs"), rtol=1e-4, atol=1e-5)
    if problem:
        return (f"the layers look right, but with the grader's weights your model computes something else "
                f"({problem}): check the order of the layers, their activations and the input it expects")
    return None


def subclass_difference(got: Any, want: dict) -> str | None:
    """:func:`model_difference` for a subclassed model: the same layers in any order, the same outputs."""
    return model_difference(got, want, ordered=False)


# ------------------------------------------------------------------------------ compile settings
def _loss(name: Any) -> str:
    text = str(name or "").lower()
    return {"sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
            "categoricalcrossentropy": "categorical_crossentropy",
            "binarycrossentropy": "binary_crossentropy", "meansquarederror": "mean_squared_error",
            "mse": "mean_squared_error"}.get(text.replace("_", ""), text)


def _metrics(names: Any) -> set[str]:
    return {"accuracy" if str(n).lower() in ACCURACY_NAMES else str(n).lower() for n in names or []}


def compiled_difference(got: Any, want: dict) -> str | None:
    """How the observed compile settings ``got`` (:func:`tlukit.observers.keras_compiled`) differ."""
    if not isinstance(got, dict) or not got.get("compiled"):
        return "the model is not compiled: call model.compile(loss=..., optimizer=..., metrics=[...]) before returning it"
    if _loss(got.get("loss")) != _loss(want.get("loss")):
        return f"the loss is {got.get('loss')}; expected {_loss(want.get('loss'))}"
    if bool(got.get("from_logits")) != bool(want.get("from_logits")):
        return (f"the loss has from_logits={bool(got.get('from_logits'))}; expected {bool(want.get('from_logits'))}: "
                "from_logits=True is for a last layer without softmax")
    if got.get("optimizer") != want.get("optimizer"):
        return f"the optimizer is {got.get('optimizer')}; expected {want.get('optimizer')}"
    rate, wanted = got.get("learning_rate"), want.get("learning_rate")
    if wanted is not None and (rate is None or not np.isclose(rate, wanted, rtol=1e-5)):
        return f"the learning rate is {rate}; expected {wanted:g}"
    missing = _metrics(want.get("metrics")) - _metrics(got.get("metrics"))
    if missing:
        return f"the metrics {sorted(got.get('metrics') or [])} lack {', '.join(sorted(missing))}"
    return None


# ------------------------------------------------------------------------------ training results
def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


ACTIVATIONS = {
    None: lambda z, layer: z, "linear": lambda z, layer: z,
    "relu": lambda z, layer: np.maximum(z, 0),
    "sigmoid": lambda z, layer: _sigmoid(z),
    "softmax": lambda z, layer: _softmax(z),
    "tanh": lambda z, layer: np.tanh(z),
    "elu": lambda z, layer: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "selu": lambda z, layer: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0))),
    "softplus": lambda z, layer: np.logaddexp(0, z),
    "swish": lambda z, layer: z * _sigmoid(z), "silu": lambda z, layer: z * _sigmoid(z),
    "leaky_relu": lambda z, layer: np.where(z > 0, z, float(layer.get("negative_slope", 0.2)) * z),
}
PASS_THROUGH = {"Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "InputLayer"}
"""Layers that are the identity at inference."""


class NotEvaluable(ValueError):
    """The grader cannot run this model's forward pass itself; the message says why."""


def forward(model: Any, X: Any) -> Any:
    """The outputs of a model described by :func:`tlukit.observers.keras_weights` on ``X``, computed
    here in NumPy (float64) at inference. A Sequential model's layers run one after the other; a
    functional one's follow its graph (several inputs: ``X`` a tuple in the model's input order;
    several outputs: a list). Layers: Flatten, Dense, Activation, Normalization, BatchNormalization,
    Concatenate and the dropout layers. Raises :class:`NotEvaluable` for anything else."""
    if isinstance(model, dict) and model.get("type") == "model" and not isinstance(model.get("layers"), list):
        raise NotEvaluable("the model's layers could not be read")
    if not isinstance(model, dict) or model.get("type") != "model":
        kind = model.get("type") if isinstance(model, dict) else type(model).__name__
        raise NotEvaluable(f"expected a Keras model, got {kind}")
    if model.get("structure") not in ("sequential", "functional"):
        raise NotEvaluable("the grader evaluates a Sequential model or a functional one (keras.Model(inputs, outputs)); "
                           "yours computes with its own call(), whose order of layers the grader cannot know")
    if not all(isinstance(layer, dict) for layer in model["layers"]):
        raise NotEvaluable("a layer could not be read")
    graph = model.get("graph")
    if isinstance(graph, dict):
        return _through_graph(model["layers"], graph, X)
    if isinstance(X, (tuple, list)) or model.get("structure") == "functional" and "graph" in model:
        raise NotEvaluable("the grader cannot follow this model's graph (a layer called twice, or a model used as a "
                           "layer); build it with keras.Model(inputs=[...], outputs=[...]) calling each layer once")
    A = np.asarray(X, dtype=np.float64)
    for layer in model["layers"]:
        A = _apply(layer, [A])
    return A


def _through_graph(layers: list, graph: dict, X: Any) -> Any:
    """Evaluate a functional model's layers in the order of its graph (see ``observers._graph``)."""
    try:
        inputs, outputs, inbound = list(graph["inputs"]), list(graph["outputs"]), dict(graph["inbound"])
    except (KeyError, TypeError):
        raise NotEvaluable("the model's graph could not be read") from None
    X = list(X) if isinstance(X, (tuple, list)) else [X]
    if len(X) != len(inputs):
        raise NotEvaluable(f"the model has {len(inputs)} inputs ({', '.join(map(str, inputs))}); "
                           f"the grader gives {len(X)}")
    by_name = {str(layer.get("name")): layer for layer in layers}
    values: dict[str, np.ndarray] = {name: np.asarray(x, dtype=np.float64) for name, x in zip(inputs, X)}

    def value(name: str, depth: int = 0) -> np.ndarray:
        if name in values:
            return values[name]
        if depth > 500 or name not in inbound or name not in by_name:
            raise NotEvaluable(f"the model's graph has no layer {str(name)[:40]!r} the grader can reach")
        values[name] = _apply(by_name[name], [value(source, depth + 1) for source in inbound[name]])
        return values[name]

    results = [value(name) for name in outputs]
    return results[0] if len(results) == 1 else results


def _apply(layer: dict, inputs: list) -> np.ndarray:
    """One layer at inference, in NumPy, on its inputs (one array, or several for Concatenate)."""
    kind, weights = layer.get("kind"), layer.get("weights") or []
    if kind == "Normalization":
        return _normalize(layer, inputs)
    if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) and w.dtype.kind == "f" for w in weights):
        raise NotEvaluable(f"the weights of a {kind} layer could not be read")
    weights = [w.astype(np.float64) for w in weights]
    try:
        if kind == "Concatenate":
            axis = layer.get("axis", -1)
            return np.concatenate(inputs, axis=axis if isinstance(axis, int) else -1)
        if len(inputs) != 1:
            raise NotEvaluable(f"a {kind} layer takes one input, not {len(inputs)}")
        A = inputs[0]
        if kind in PASS_THROUGH:
            return A
        if kind == "Flatten":
            return A.reshape(len(A), -1)
        if kind == "Dense":
            W, b = (weights + [None])[:2] if len(weights) in (1, 2) else (None, None)
            if W is None or W.ndim != 2 or A.shape[-1] != W.shape[0]:
                raise NotEvaluable(f"a Dense layer's kernel does not fit its input of shape {A.shape[1:]}")
            return _activate(A @ W + (b if b is not None and layer.get("use_bias", True) else 0.0), layer)
        if kind == "Activation":
            return _activate(A, layer)
        if kind == "BatchNormalization":
            parts = list(weights)
            gamma = parts.pop(0) if layer.get("scale", True) else 1.0
            beta = parts.pop(0) if layer.get("center", True) else 0.0
            mean, var = parts
            return (A - mean) / np.sqrt(var + float(layer.get("epsilon", 1e-3))) * gamma + beta
        raise NotEvaluable(f"the grader evaluates models made of Flatten, Dense, Activation, Normalization, "
                           f"BatchNormalization, Concatenate and Dropout layers; yours has a {kind} layer")
    except NotEvaluable:
        raise
    except (ValueError, TypeError, IndexError) as exc:
        raise NotEvaluable(f"a {kind} layer could not be evaluated ({str(exc)[:120]})") from None


def _normalize(layer: dict, inputs: list) -> np.ndarray:
    """Keras's Normalization: (x − mean) / max(√variance, 1e-7), or its inverse with ``invert``."""
    mean, variance = layer.get("mean"), layer.get("variance")
    if not (isinstance(mean, np.ndarray) and isinstance(variance, np.ndarray)) or len(inputs) != 1:
        raise NotEvaluable("a Normalization layer has no statistics: call its adapt() on the training data first")
    A = inputs[0]
    if mean.shape[-1:] != A.shape[-1:] and mean.size != 1:
        raise NotEvaluable(f"a Normalization layer's statistics ({mean.size} values) do not fit its input of "
                           f"shape {A.shape[1:]}")
    std = np.maximum(np.sqrt(np.maximum(variance, 0.0)), 1e-7)
    return mean + A * std if layer.get("invert") else (A - mean) / std


def _activate(A: np.ndarray, layer: dict) -> np.ndarray:
    name = layer.get("activation")
    if name not in ACTIVATIONS:
        raise NotEvaluable(f"the grader does not know the activation {str(name)[:40]!r}")
    return ACTIVATIONS[name](A, layer)


def accuracy(outputs: Any, labels: Any) -> float:
    """The share of right predictions. Class labels (integers 0..k−1) need one column of scores per
    class (the argmax is the prediction); 0/1 labels of the same shape as the outputs (a binary or a
    multilabel head) are compared with outputs thresholded at 0.5. Raises ValueError otherwise."""
    out, y = np.asarray(outputs, dtype=float), np.asarray(labels)
    if out.shape[:1] != y.shape[:1]:
        raise ValueError(f"expected {len(y)} predictions, got outputs of shape {out.shape}")
    if not np.isfinite(out).all():
        raise ValueError("the model's outputs hold NaN or infinity: training diverged (is the learning rate too large?)")
    if y.ndim == 1 and out.ndim == 2 and out.shape[1] > 1:
        if out.shape[1] <= int(y.max()):
            raise ValueError(f"the model has {out.shape[1]} outputs, but the labels go up to {int(y.max())}")
        return float(np.mean(np.argmax(out, axis=1) == y))
    if set(np.unique(y).tolist()) <= {0, 1} and out.size == y.size:
        return float(np.mean((out.reshape(y.shape) >= 0.5) == y.astype(bool)))
    raise ValueError(f"outputs of shape {out.shape} cannot be compared with labels of shape {y.shape}: "
                     f"a classifier of {int(y.max()) + 1} classes needs one output per class")


def measured_accuracy(model: Any, secret: dict) -> float:
    """The accuracy of the observed ``model`` on the grader's images and labels (``secret``)."""
    images = np.asarray(secret["images"])
    X = images.astype(np.float64) / float(secret.get("scale", 1.0))
    return accuracy(forward(model, X), secret["labels"])


def predictions_criterion(got: Any, case: Any) -> str | None:
    """Criterion of a trained model (:func:`tlukit.observers.keras_predict`): its accuracy on the
    grader's images (``case.secret["images"]``, divided by ``case.secret["scale"]``), computed here
    with the labels the grader keeps (``case.secret["labels"]``), reaches ``case.secret["at_least"]``."""
    secret = case.secret
    try:
        measured = measured_accuracy(got, secret)
    except ValueError as exc:
        return str(exc)[:300]
    if measured < secret["at_least"]:
        return (f"its accuracy on {len(secret['labels']):,} images the grader kept is {measured:.3f}, below "
                f"{secret['at_least']:.2f}{secret.get('why', '')}")
    return None


def _recorded_accuracy(record: dict) -> tuple[str, np.ndarray] | None:
    for key, values in record.items():
        if key.startswith("val_") and key[4:].lower() in ACCURACY_NAMES:
            return key, np.asarray(values, dtype=float).ravel()
    return None


def history_criterion(got: Any, case: Any, catalogue: Any = None) -> str | None:
    """Criterion of a History (:func:`tlukit.observers.keras_history`): the training loss falls, a
    validation accuracy it records is what its own model really scores on the grader's copy of the
    validation set (``case.secret``: images, scale, labels; computed here), and that reaches
    ``case.secret["at_least"]``. Any epoch's record may match (EarlyStopping may restore the best).

    With the exercise's ``catalogue``, a History without validation, or one whose record its model
    does not reproduce, is also named by the catalogue's ``no_validation`` or ``edited`` mistake."""
    def named(reason: str, key: str) -> str:
        mistake = getattr(catalogue, key, None) if catalogue is not None else None
        return f"{reason}\nlikely mistake: {mistake.message}" if mistake is not None else reason

    secret = case.secret
    if isinstance(got, dict) and got.get("type") == "History" and not isinstance(got.get("history"), dict):
        return "the History's record could not be read: return the History that model.fit() returned"
    if not isinstance(got, dict) or got.get("type") != "History":
        kind = got.get("type") if isinstance(got, dict) else type(got).__name__
        return f"expected the History that model.fit() returns, got {kind}"
    record = got["history"]
    try:
        loss = np.asarray(record.get("loss", []), dtype=float).ravel()
    except (TypeError, ValueError):
        loss = np.array([np.nan])
    if loss.size < 1 or not np.isfinite(loss).all():
        return "the History records no finite training loss: train with model.fit(...) and keep what it returns"
    try:
        found = _recorded_accuracy(record)
    except (TypeError, ValueError):
        return "the History's validation accuracy could not be read: return the History that model.fit() returned"
    if found is None:
        return named("the History has no validation accuracy: compile with metrics=['accuracy'] and pass "
                     "validation_data=(X_valid, y_valid) to fit", "no_validation")
    key, recorded = found
    model = got.get("model")
    if not isinstance(model, dict) or model.get("type") != "model":
        return "the History has no model: return the History that model.fit() returned"
    try:
        measured = measured_accuracy(model, secret)
    except ValueError as exc:
        return str(exc)[:300]
    close = recorded[np.isfinite(recorded)]
    if close.size == 0 or np.min(np.abs(close - measured)) > secret.get("tolerance", 0.01):
        shown = f"{recorded[-1]:.4f}" if recorded.size else "nothing"
        return named(f"the History says the validation accuracy ({key}) was {shown}, but its model scores "
                     f"{measured:.4f} on the validation set: was the History edited, or the model trained again "
                     "after fit?", "edited")
    if loss.size > 1 and not loss[-1] < loss[0]:
        return f"the training loss did not fall ({loss[0]:.4f} in the first epoch, {loss[-1]:.4f} in the last)"
    if measured < secret["at_least"]:
        return f"the validation accuracy is {measured:.3f}, below {secret['at_least']:.2f}{secret.get('why', '')}"
    return None
