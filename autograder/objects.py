"""Comparisons and criteria for answers that are TensorFlow objects (the grader's side).

The student's kernel turns a Keras object into plain data with an observer of
:mod:`tlukit.observers`; the functions here compare that data with the reference's, or with
data the grader keeps, and say in words what differs. None of them trusts what an object says
about itself: parameters are counted from the weights' shapes, a model's behaviour is seen
with weights the grader set, and an accuracy is computed from predictions and labels the
grader holds.

A question uses them like this::

    Question("07.build_model", reference=build_model, observe="keras_model",
             observe_args=lambda case: (case.args[0] ... ), compare=objects.model_difference)
    Question("07.history", shape="value", observe="keras_history", observe_args=...,
             criterion=objects.history_criterion)
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
    return " → ".join(_layer_text(layer) for layer in seen.get("layers", [])) or "no layers"


def _without_addresses(text: str) -> str:
    return re.sub(r"0x[0-9a-f]+|\b(sequential|functional|dense|flatten|model)_\d+", "#", text)


def model_difference(got: Any, want: dict) -> str | None:
    """How the observed model ``got`` (:func:`tlukit.observers.keras_model`) differs from ``want``."""
    if not isinstance(got, dict) or got.get("type") != "model":
        kind = got.get("type") if isinstance(got, dict) else type(got).__name__
        return f"expected a Keras model, got {kind}: return the model you built"
    if architecture(got) != architecture(want):
        return f"the layers differ: expected {architecture(want)}; yours is {architecture(got)}"
    if got.get("params") != want.get("params"):
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
def accuracy(outputs: Any, labels: Any) -> float:
    """The share of right predictions: argmax of class scores, or a 0.5 threshold for one column
    (a binary head) or for multilabel outputs (labels of the same shape)."""
    out, y = np.asarray(outputs, dtype=float), np.asarray(labels)
    if out.ndim == 2 and out.shape[1] > 1 and y.ndim == 1:
        return float(np.mean(np.argmax(out, axis=1) == y))
    return float(np.mean((out.reshape(y.shape) >= 0.5) == y.astype(bool)))


def predictions_criterion(got: Any, case: Any) -> str | None:
    """Criterion of a trained model (:func:`tlukit.observers.keras_predict`): its accuracy on the
    grader's inputs, with the labels in ``case.secret["labels"]``, reaches ``case.secret["at_least"]``."""
    secret = case.secret
    if isinstance(got, str) or not isinstance(got, np.ndarray) or got.shape[0] != len(secret["labels"]):
        return f"expected one prediction per image of the grader's {len(secret['labels'])}, got {type(got).__name__}"
    if not np.isfinite(got).all():
        return "the model predicts NaN or infinity: training diverged (is the learning rate too large?)"
    measured = accuracy(got, secret["labels"])
    if measured < secret["at_least"]:
        return (f"its accuracy on {len(secret['labels']):,} images the grader kept is {measured:.3f}, below "
                f"{secret['at_least']:.2f}{secret.get('why', '')}")
    return None


def history_criterion(got: Any, case: Any) -> str | None:
    """Criterion of a History (:func:`tlukit.observers.keras_history`): the training loss falls, the
    last validation accuracy it records is what its model really scores on the grader's copy of the
    validation set (``case.secret["labels"]``), and reaches ``case.secret["at_least"]``."""
    secret = case.secret
    if not isinstance(got, dict) or got.get("type") != "History":
        kind = got.get("type") if isinstance(got, dict) else type(got).__name__
        return f"expected the History that model.fit() returns, got {kind}"
    record = got.get("history", {})
    loss = np.asarray(record.get("loss", []), dtype=float)
    if loss.size < 1 or not np.isfinite(loss).all():
        return "the History records no finite training loss: train with model.fit(...) and keep what it returns"
    if "val_accuracy" not in record:
        return ("the History has no val_accuracy: compile with metrics=['accuracy'] and pass validation_data=(X_valid, "
                "y_valid) to fit")
    if isinstance(got.get("outputs"), str):
        return got["outputs"]
    recorded = float(np.asarray(record["val_accuracy"], dtype=float)[-1])
    measured = accuracy(got.get("outputs"), secret["labels"])
    if abs(recorded - measured) > secret.get("tolerance", 0.01):
        return (f"the History says the last validation accuracy was {recorded:.4f}, but its model scores {measured:.4f} "
                "on the validation set: was the History edited, or the model trained again after fit?")
    if loss.size > 1 and not loss[-1] < loss[0]:
        return f"the training loss did not fall ({loss[0]:.4f} in the first epoch, {loss[-1]:.4f} in the last)"
    if measured < secret["at_least"]:
        return (f"the validation accuracy is {measured:.3f}, below {secret['at_least']:.2f}{secret.get('why', '')}")
    return None
