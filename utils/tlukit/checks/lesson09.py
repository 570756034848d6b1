"""Self-checks of lesson 09, "Tuning neural networks".

TensorFlow, Keras and Keras Tuner are imported by none of these at import time. The learning-rate
finder's three functions are checked on small fixed inputs whose right values are worked out in the
lesson; the wrong versions of the answers live with the instructor (they are the reference with one
switch), so here a mistake is a message, found from the exact wrong output it gives on these inputs.

Three *drivers* are shared with the hidden tests (``drive="lesson09:..."``): the grader's code uses
the student's function as a program would, then describes what it got as plain data:

* :func:`tuner_driver`: ``build_model(hp)`` is called with a fresh ``keras_tuner.HyperParameters``;
  it returns the search space the call declared (names, ranges, sampling, choices) and, for the
  hyperparameter values the case fixes, the model it builds (layers, outputs with grader-set weights)
  and how it is compiled;
* :func:`callbacks_driver`: what ``make_callbacks`` returns, callback by callback (class, path,
  monitored quantity, patience, best-only / restore-best settings);
* :func:`challenge_driver`: ``train_challenge`` trains on the case's data with paths inside a fresh
  folder; the driver looks for the checkpoint file and the TensorBoard event files itself, then hands
  the trained model's layers and weights to the grader, which measures its accuracy on images it keeps.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings

import numpy as np

from .. import observers
from ..checking import CheckFailed, call, check_defaults, expect, mismatch, short
from ..mistakes import Catalogue, Mistake, Rule, function_source
from . import exercise

# ============================================================================= catalogues
LR_SCHEDULE = Catalogue(
    "lr_schedule",
    linear=Mistake("your rate grows linearly: it spends almost every step near lr_max. Grow it exponentially, "
                   "lr_min · (lr_max / lr_min) ** (step / (n_steps - 1)), so that each decade of rates gets as "
                   "many steps as the next"),
    never_reaches_max=Mistake("the exponent is step / n_steps, so the last step (n_steps - 1) stops short of "
                              "lr_max: divide by n_steps - 1"),
    decreasing=Mistake("your rate shrinks from lr_max down to lr_min: the finder starts small and grows, "
                       "lr_min · (lr_max / lr_min) ** (step / (n_steps - 1))"),
    integer_division=Mistake("step // (n_steps - 1) is integer division: it is 0 for every step but the last, so the "
                             "rate stays at lr_min. Use / (true division)"),
    mixed_logs=Mistake("the exponent mixes two bases (10 ** (... * np.log(...)), natural log with powers of 10): "
                       "write lr_min * (lr_max / lr_min) ** (step / (n_steps - 1)), which needs no logarithm"),
)

SMOOTH_LOSSES = Catalogue(
    "smooth_losses",
    no_bias_correction=Mistake("the average starts at 0, so without the bias correction the first smoothed losses are "
                               "far too small (0.02 · the first loss at step 0): divide step i's average by "
                               "1 - beta ** (i + 1)"),
    weights_swapped=Mistake("the weights are swapped: the running average keeps beta of itself and takes 1 - beta of "
                            "the new loss, avg = beta * avg + (1 - beta) * loss"),
    starts_at_first_loss=Mistake("your average starts at the first loss instead of 0 (and is not bias-corrected): "
                                 "start at avg = 0 and divide by 1 - beta ** (i + 1), as the exercise defines it"),
    beta_ignored=Mistake("your function always smooths with beta = 0.98: use its beta argument"),
)

PICK_LEARNING_RATE = Catalogue(
    "pick_learning_rate",
    no_tenth=Mistake("you returned the rate where the loss shoots up: that rate is already too large to train with. "
                     "Return a tenth of it"),
    min_loss_rate=Mistake("you returned a tenth of the rate of the LOWEST loss: the exercise asks for a tenth of the rate "
                          "where the smoothed loss first exceeds k times its minimum so far"),
    raw_losses=Mistake("you looked at the raw losses: one noisy batch can exceed k times the minimum long before the "
                       "loss really shoots up. Smooth them first with smooth_losses(losses, beta)"),
    first_loss=Mistake("you compared with k times the FIRST (smoothed) loss: compare with k times the smallest "
                       "smoothed loss so far, np.minimum.accumulate(smoothed)"),
    previous_rate=Mistake("you took the rate one step before the loss shoots up: take the rate of the first step "
                          "whose smoothed loss exceeds k times the minimum so far, then divide by 10"),
)

BUILD_MODEL = Catalogue(
    "build_model",
    linear_sampling=Mistake("the learning rate is sampled linearly: between 1e-4 and 1e-2, 90 % of the draws then "
                            "land above 1e-3. Declare it with sampling=\"log\" so that each decade is drawn as often"),
    no_optimizer_choice=Mistake("the search space has no \"optimizer\": declare hp.Choice(\"optimizer\", "
                                "values=[\"sgd\", \"adam\"]) and build the optimizer it names"),
    not_compiled=Mistake("build_model returns a model that is not compiled: a tuner calls fit on it right away, so "
                         "compile it (loss, the chosen optimizer at the chosen learning rate, accuracy) and return it"),
    optimizer_ignored=Mistake("the \"optimizer\" choice is declared but not used: when hp says \"sgd\", compile with "
                              "keras.optimizers.SGD(learning_rate=...), when it says \"adam\", with Adam"),
    rate_ignored=Mistake("the \"learning_rate\" hyperparameter is declared but the optimizer does not use it: build "
                         "the optimizer object with learning_rate=learning_rate (a string like \"adam\" keeps the "
                         "default rate)"),
    n_hidden_ignored=Mistake("the number of hidden layers does not follow \"n_hidden\": add one Dense(n_neurons, "
                             "relu) layer per value of range(n_hidden)"),
    renamed=Mistake("a hyperparameter has another name than the exercise's (\"n_hidden\", \"n_neurons\", "
                    "\"learning_rate\", \"optimizer\"): a tuner's results, the best hyperparameters and the grader "
                    "read them by these names"),
    outside_hp=Mistake("the hyperparameters are declared on another HyperParameters object than the hp given to "
                       "build_model, so the tuner's hp holds none of them and cannot tune anything: call hp.Int(...), "
                       "hp.Float(...), hp.Choice(...) on the argument hp, inside build_model"),
)

MAKE_CALLBACKS = Catalogue(
    "make_callbacks",
    no_save_best_only=Mistake("ModelCheckpoint without save_best_only=True overwrites the file after every epoch, so "
                              "it ends with the LAST model, not the best one: pass save_best_only=True"),
    no_restore=Mistake("EarlyStopping without restore_best_weights=True leaves the model with the weights of the last "
                       "epoch, `patience` epochs past the best: pass restore_best_weights=True"),
    patience_ignored=Mistake("your EarlyStopping always waits 10 epochs: use the patience argument"),
    monitor_loss=Mistake("a callback monitors the TRAINING loss (monitor=\"loss\"), which keeps falling while the "
                         "model overfits: monitor the validation loss, \"val_loss\" (the default)"),
    no_tensorboard=Mistake("there is no TensorBoard callback: add keras.callbacks.TensorBoard(log_dir) so that the "
                           "run can be watched"),
)

CHALLENGE = Catalogue(
    "train_challenge",
    no_checkpoint=Mistake("no checkpoint file was written at checkpoint_path: pass the callbacks of "
                          "make_callbacks(checkpoint_path, log_dir, patience) to fit(..., callbacks=...)"),
    no_logs=Mistake("no TensorBoard event files were written under log_dir: the callbacks passed to fit must "
                    "include the TensorBoard callback of make_callbacks(checkpoint_path, log_dir, patience)"),
    history_returned=Mistake("train_challenge returned the History: return the trained model itself "
                             "(history.model, or the model you built), with the best weights restored"),
)

CHALLENGE_RULE = Rule("train_challenge must call your make_callbacks(checkpoint_path, log_dir, patience) and pass "
                      "its callbacks to fit: checkpoints, early stopping and TensorBoard are part of the challenge",
                      must_call=("make_callbacks",))

# ============================================================================= Exercise 1: lr_schedule
LR_DEFAULTS = {"lr_min": 1e-5, "lr_max": 10.0}


@exercise("lr_schedule", hint="lr_min * (lr_max / lr_min) ** (step / (n_steps - 1)): at step 0 the ratio is raised "
                              "to 0 (lr_min), at the last step to 1 (lr_max). Works on an array of steps as is.",
          catalogue=LR_SCHEDULE)
def lr_schedule(fn):
    """Checks ``lr_schedule(step, n_steps, lr_min, lr_max)`` on the steps 0..4 of a 5-step sweep from 1e-4 to 1."""
    C = LR_SCHEDULE
    steps = np.arange(5)
    got = call(fn, steps, 5, 1e-4, 1.0, label="lr_schedule(np.arange(5), 5, 1e-4, 1.0)")
    expect(np.asarray(got, dtype=float) if hasattr(got, "__len__") else got, [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
           call="lr_schedule(np.arange(5), 5, 1e-4, 1.0)   [a factor of 10 a step]",
           mistakes=[([1e-4, 0.250075, 0.50005, 0.750025, 1.0], C.linear),
                     ([1e-4, 6.309573444801934e-4, 3.981071705534973e-3, 2.5118864315095798e-2, 0.1584893192461114],
                      C.never_reaches_max),
                     ([1.0, 0.1, 0.01, 1e-3, 1e-4], C.decreasing),
                     ([1e-4, 1e-4, 1e-4, 1e-4, 1.0], C.integer_division),
                     ([1e-4, 0.020071743249053017, 4.028748770559055, 808.6401093759935, 162308.16656281092],
                      C.mixed_logs)],
           hint="step k of n_steps: lr_min · (lr_max / lr_min) ** (k / (n_steps - 1))")
    for step, want in ((0, 1e-5), (99, 10.0), (33, 1e-5 * 1e6 ** (1 / 3))):
        got = call(fn, step, 100, label=f"lr_schedule({step}, 100)")
        expect(float(np.asarray(got)) if np.size(got) == 1 else got, want, call=f"lr_schedule({step}, 100)",
               mistakes=[(1e-5 * 1e6 ** (step / 100), C.never_reaches_max), (10.0 * 1e-6 ** (step / 99), C.decreasing)],
               hint="with the defaults the sweep goes from 1e-5 (step 0) to 10 (step n_steps - 1)")
    check_defaults(fn, "lr_schedule", LR_DEFAULTS)
    return 4


# ============================================================================= Exercise 2: smooth_losses
SMOOTH_IN = [4.0, 2.0, 6.0]


@exercise("smooth_losses", hint="avg = 0; for i, loss in enumerate(losses): avg = beta * avg + (1 - beta) * loss; "
                                "smoothed[i] = avg / (1 - beta ** (i + 1)).", catalogue=SMOOTH_LOSSES)
def smooth_losses(fn):
    """Checks ``smooth_losses(losses, beta)`` on [4, 2, 6] with beta = 0.5 (worked out in the lesson)."""
    C = SMOOTH_LOSSES
    label = "smooth_losses([4.0, 2.0, 6.0], beta=0.5)"
    got = call(fn, list(SMOOTH_IN), beta=0.5, label=label)
    # avg: 2, 2, 4 -> / (0.5, 0.75, 0.875) -> 4, 8/3, 32/7
    expect(np.asarray(got, dtype=float) if hasattr(got, "__len__") else got, [4.0, 8 / 3, 32 / 7],
           call=label + "   [averages 2, 2, 4 divided by 1 - 0.5, 1 - 0.25, 1 - 0.125]",
           mistakes=[([2.0, 2.0, 4.0], C.no_bias_correction),
                     ([4.0, 3.0, 4.5], C.starts_at_first_loss),
                     ([4.0, 2.98989898989899, 4.013603587999988], C.beta_ignored)],
           hint="avg starts at 0; each step avg = beta * avg + (1 - beta) * loss, then divide by 1 - beta ** (i + 1)")
    label = "smooth_losses([4.0, 2.0, 6.0], beta=0.9)"
    got = call(fn, np.array(SMOOTH_IN), beta=0.9, label=label)
    # avg: 0.4, 0.56, 1.104 -> / (0.1, 0.19, 0.271)
    expect(np.asarray(got, dtype=float) if hasattr(got, "__len__") else got, [4.0, 0.56 / 0.19, 1.104 / 0.271],
           call=label,
           mistakes=[([36.0, 11.368421052631579, 20.723247232472325], C.weights_swapped),
                     ([4.0, 2.98989898989899, 4.013603587999988], C.beta_ignored),
                     ([0.4, 0.56, 1.104], C.no_bias_correction), ([4.0, 3.8, 4.02], C.starts_at_first_loss)],
           hint="avg = beta * avg + (1 - beta) * loss: beta of the past, 1 - beta of the new loss")
    got = call(fn, [1.5], label="smooth_losses([1.5])")
    expect(np.asarray(got, dtype=float) if hasattr(got, "__len__") else got, [1.5], call="smooth_losses([1.5])",
           mistakes=[([0.03], C.no_bias_correction)], hint="a single loss is its own smoothed value")
    check_defaults(fn, "smooth_losses", {"beta": 0.98})
    return 3


# ============================================================================= Exercise 3: pick_learning_rate
PICK_RATES = [0.001 * 2 ** i for i in range(8)]   # 0.001, 0.002, 0.004, ..., 0.128


@exercise("pick_learning_rate", hint="smoothed = smooth_losses(losses, beta); lowest = np.minimum.accumulate(smoothed); "
                                     "i = the first index where smoothed > k * lowest (else the index of the lowest "
                                     "smoothed loss); return rates[i] / 10.", catalogue=PICK_LEARNING_RATE)
def pick_learning_rate(fn):
    """Checks ``pick_learning_rate(rates, losses, k, beta)`` on three short sweeps (rates doubling from 0.001)."""
    C = PICK_LEARNING_RATE
    losses = [2.0, 0.5, 0.9, 1.2, 3.0, 20.0]
    label = f"pick_learning_rate(rates[:6], {losses}, k=4.0, beta=0.0)"
    got = call(fn, PICK_RATES[:6], list(losses), k=4.0, beta=0.0, label=label)
    # beta = 0 keeps the losses; minimum so far 2, 0.5, 0.5, ...; 3.0 > 4 × 0.5 first at index 4 (rate 0.016)
    expect(_number(got), 0.0016, call=label + "   [rates 0.001, 0.002, ..., 0.032; beta = 0: no smoothing]",
           mistakes=[(0.016, C.no_tenth), (0.0002, C.min_loss_rate), (0.0032, C.first_loss), (0.0008, C.previous_rate)],
           hint="the first index where the loss exceeds 4 × its minimum so far (0.5) is 4 (3.0 > 2.0): rate 0.016, "
                "so return 0.0016")
    losses = [2.0, 9.0, 1.0, 0.4, 0.6, 1.6, 6.0, 40.0]
    label = f"pick_learning_rate(rates, {losses}, k=4.0, beta=0.5)"
    got = call(fn, list(PICK_RATES), list(losses), k=4.0, beta=0.5, label=label)
    # smoothed: 2, 6.667, 3.429, 1.813, 1.187, 1.397, 3.717, 21.93; minimum so far 1.187 from index 4;
    # the first above 4 × the minimum so far is index 7 (21.93 > 4.75): rate 0.128
    expect(_number(got), 0.0128, call=label + "   [smoothed: 2, 6.667, 3.429, 1.813, 1.187, 1.397, 3.717, 21.93]",
           mistakes=[(0.128, C.no_tenth), (0.0016, C.min_loss_rate), (0.0002, C.raw_losses),
                     (0.0064, C.previous_rate)],
           hint="smooth first: the batch at step 1 (9.0) is noise, the smoothed loss first exceeds 4 × its minimum "
                "so far at step 7")
    losses = [3.0, 2.0, 1.0, 0.5, 0.4, 0.3]
    label = f"pick_learning_rate(rates[:6], {losses}, beta=0.0)   [the loss never shoots up]"
    got = call(fn, PICK_RATES[:6], list(losses), beta=0.0, label=label)
    expect(_number(got), 0.0032, call=label, hint="when no smoothed loss exceeds k × its minimum so far, take a tenth "
                                                  "of the rate of the lowest smoothed loss")
    check_defaults(fn, "pick_learning_rate", {"k": 4.0, "beta": 0.98})
    return 3


def _number(value):
    try:
        return float(np.asarray(value)) if np.size(value) == 1 else value
    except (TypeError, ValueError):
        return value


# ============================================================================= Exercise 4: build_model(hp)
SPACE = {
    "n_hidden": {"kind": "Int", "min_value": 0, "max_value": 8, "default": 2},
    "n_neurons": {"kind": "Int", "min_value": 16, "max_value": 256},
    "learning_rate": {"kind": "Float", "min_value": 1e-4, "max_value": 1e-2, "sampling": "log"},
    "optimizer": {"kind": "Choice", "values": ["adam", "sgd"]},
}
"""The search space of the exercise (Choice values sorted: their order is free)."""


def _hp_config(p) -> dict:
    config = p.get_config()
    seen = {"kind": type(p).__name__}
    for key in ("min_value", "max_value", "default", "sampling"):
        if key in config and config[key] is not None and not (key == "sampling" and seen["kind"] != "Float"):
            value = config[key]
            seen[key] = float(value) if isinstance(value, float) else value
    if "values" in config:
        seen["values"] = sorted(str(v) for v in config["values"])
    if seen["kind"] == "Int":
        seen.pop("sampling", None)
    if seen["kind"] != "Int" or p.name != "n_hidden":
        seen.pop("default", None)  # only n_hidden's default (2) is part of the exercise
    return seen


def tuner_driver(build_model, fixed: list, X, seed: int, scale: float = 255.0) -> dict:
    """What a tuner sees of ``build_model``: the search space declared on a fresh
    ``keras_tuner.HyperParameters`` by a first call, then, for each dict of ``fixed`` values, the model
    built with those values (``observers.keras_model`` on ``X``) and its compile settings."""
    import keras_tuner as kt

    hp = kt.HyperParameters()
    first = build_model(hp)
    space = {str(p.name): _hp_config(p) for p in hp.space}
    built = []
    if space_problem(space):  # a space other than the exercise's: the models built from it say nothing more
        fixed = []
    for values in fixed:
        for name, value in values.items():
            if name in hp.values:
                hp.values[name] = value
        model = build_model(hp)
        built.append({"values": {k: v for k, v in hp.values.items() if k in values},
                      "model": observers.keras_model(model, X, seed, scale),
                      "compiled": observers.keras_compiled(model)})
    return {"first": "model" if hasattr(first, "layers") else type(first).__name__, "space": space, "built": built}


def space_problem(space: dict) -> tuple[str, str | None] | None:
    """(what differs, catalogue key or None) between a declared search space and the exercise's."""
    C = BUILD_MODEL
    if not space:
        return "build_model(hp) declared no hyperparameter on the hp it was given", "outside_hp"
    names = set(space)
    if names != set(SPACE):
        missing, extra = sorted(set(SPACE) - names), sorted(names - set(SPACE))
        if extra and not missing:
            return (f"the search space has {sorted(names)}: remove {', '.join(map(repr, extra))}, the exercise's "
                    f"space has exactly these four: {', '.join(SPACE)}"), None
        key = "no_optimizer_choice" if missing == ["optimizer"] and not extra else "renamed" if extra else None
        return f"the search space has {sorted(names)}; expected {sorted(SPACE)}", key
    for name, want in SPACE.items():
        got = space[name]
        for field, value in want.items():
            if field == "values" or got.get(field) == value or (
                    isinstance(value, float) and isinstance(got.get(field), (int, float))
                    and np.isclose(got[field], value)):
                continue
            key = "linear_sampling" if name == "learning_rate" and field == "sampling" else None
            return f"{name}: {field} is {got.get(field)!r}, expected {value!r}", key
        if "values" in want and got.get("values") != want["values"]:
            return f"optimizer: the choices are {got.get('values')}, expected ['sgd', 'adam']", None
    return None


def _architecture(seen: dict) -> str:
    parts = []
    for layer in seen.get("layers", []) if isinstance(seen, dict) else []:
        inside = [str(layer[k]) for k in ("units", "rate") if k in layer]
        if layer.get("activation") not in (None, "linear"):
            inside.append(str(layer["activation"]))
        parts.append(f"{layer.get('kind')}({', '.join(inside)})" if inside else str(layer.get("kind")))
    return " → ".join(parts) or "no layers"


def want_architecture(n_hidden: int, n_neurons: int) -> str:
    return " → ".join(["Flatten"] + [f"Dense({n_neurons}, relu)"] * n_hidden + ["Dense(10, softmax)"])


TUNER_FIXED = [{"n_hidden": 3, "n_neurons": 20, "learning_rate": 0.003, "optimizer": "sgd"},
               {"n_hidden": 1, "n_neurons": 17, "learning_rate": 0.0005, "optimizer": "adam"}]


def built_problem(built: dict, values: dict) -> tuple[str, str | None] | None:
    """(what differs, catalogue key or None) between one built model and what ``values`` ask for."""
    C = BUILD_MODEL
    compiled, model = built["compiled"], built["model"]
    arch, want = _architecture(model), want_architecture(values["n_hidden"], values["n_neurons"])
    if arch != want:
        what = f"with {values}, the layers are {arch}; expected {want}"
        layers = model.get("layers", []) if isinstance(model, dict) else []
        hidden = [layer for layer in layers if layer.get("kind") == "Dense"][:-1]  # every Dense but the output
        if not arch.endswith("Dense(10, softmax)"):
            return what, None
        if len(hidden) != values["n_hidden"]:
            return what, "n_hidden_ignored"
        units = sorted({layer.get("units") for layer in hidden}, key=str)
        if units != [values["n_neurons"]]:
            return (f"{what}: the hidden layers have {', '.join(map(str, units))} neurons, each should have "
                    f"n_neurons = {values['n_neurons']}"), None
        activations = sorted({str(layer.get("activation")) for layer in hidden})
        if activations != ["relu"]:
            return f"{what}: the hidden layers use {', '.join(activations)}, the exercise's use relu", None
        return what, None
    if isinstance(model.get("outputs"), str):
        return f"with {values}, the model cannot run on 28×28 images: {model['outputs'][:200]}", None
    if not compiled.get("compiled"):
        return f"with {values}, the model is not compiled", "not_compiled"
    loss = str(compiled.get("loss") or "").lower().replace("_", "")
    if loss != "sparsecategoricalcrossentropy" or compiled.get("from_logits"):
        return (f"with {values}, the loss is {compiled.get('loss')} (from_logits={compiled.get('from_logits')}); "
                "expected sparse categorical cross-entropy on the softmax outputs", None)
    if compiled.get("optimizer") != values["optimizer"]:
        return f"with {values}, the optimizer is {compiled.get('optimizer')}", "optimizer_ignored"
    rate = compiled.get("learning_rate")
    if rate is None or not np.isclose(rate, values["learning_rate"], rtol=1e-5):
        return f"with {values}, the learning rate is {rate}", "rate_ignored"
    metrics = {str(m).lower() for m in compiled.get("metrics") or []}
    if not metrics & {"accuracy", "acc", "sparse_categorical_accuracy"}:
        return f"with {values}, the metrics are {sorted(metrics)}: compile with metrics=[\"accuracy\"]", None
    return None


def tuner_problem(got: dict) -> tuple[str, str | None] | None:
    """The first problem of what :func:`tuner_driver` saw, with the catalogue key that names it."""
    if not isinstance(got, dict) or "space" not in got:
        return f"build_model(hp) could not be used as a tuner uses it: {short(got)}", None
    if got.get("first") != "model":
        return f"build_model(hp) returned {got.get('first')}, not a Keras model", None
    found = space_problem(got["space"])
    if found:
        return found
    for built in got["built"]:
        found = built_problem(built, built["values"])
        if found:
            return found
    return None


def _images() -> np.ndarray:
    return np.random.default_rng(9).integers(0, 256, size=(6, 28, 28), dtype=np.uint8)


@exercise("build_model", hint="n_hidden = hp.Int(\"n_hidden\", min_value=0, max_value=8, default=2); likewise "
                              "n_neurons (16 to 256), hp.Float(\"learning_rate\", 1e-4, 1e-2, sampling=\"log\"), "
                              "hp.Choice(\"optimizer\", [\"sgd\", \"adam\"]); build the layers in a loop; compile with "
                              "the chosen optimizer object at learning_rate.", catalogue=BUILD_MODEL)
def build_model(fn):
    """Checks ``build_model(hp)`` as a tuner uses it: its search space, then two models built with fixed values."""
    call(fn, _fresh_hp(), label="build_model(keras_tuner.HyperParameters())")
    got = call(tuner_driver, fn, TUNER_FIXED, _images(), 0, label="build_model(hp), used as a tuner uses it")
    found = tuner_problem(got)
    if found:
        what, key = found
        in_space = isinstance(got, dict) and isinstance(got.get("space"), dict) and space_problem(got["space"])
        raise CheckFailed(f"build_model(hp): {what}\nhint: "
                          + (getattr(BUILD_MODEL, key).message if key else SPACE_HINT if in_space else MODEL_HINT))
    return 2 + len(TUNER_FIXED)


SPACE_HINT = ("declare exactly these four on hp: hp.Int(\"n_hidden\", min_value=0, max_value=8, default=2), "
              "hp.Int(\"n_neurons\", min_value=16, max_value=256), hp.Float(\"learning_rate\", min_value=1e-4, "
              "max_value=1e-2, sampling=\"log\"), hp.Choice(\"optimizer\", values=[\"sgd\", \"adam\"])")
MODEL_HINT = ("build the exercise's model from the values hp returns: Flatten, n_hidden × Dense(n_neurons, relu), "
              "Dense(10, softmax), compiled with the chosen optimizer object at learning_rate")


def _fresh_hp():
    import keras_tuner as kt
    return kt.HyperParameters()


# ============================================================================= Exercise 5: make_callbacks
def describe_callbacks(callbacks) -> list | str:
    """The callbacks as plain data: one dict per callback, sorted by class name."""
    if not isinstance(callbacks, (list, tuple)):
        return f"expected a list of callbacks, got {type(callbacks).__name__}"
    seen = []
    for cb in callbacks:
        kind = type(cb).__name__
        item = {"type": kind}
        for attr in {"ModelCheckpoint": ("filepath", "save_best_only", "monitor", "save_weights_only"),
                     "EarlyStopping": ("monitor", "patience", "restore_best_weights"),
                     "TensorBoard": ("log_dir",)}.get(kind, ()):
            value = getattr(cb, attr, None)
            item[attr] = str(value) if isinstance(value, (str, os.PathLike)) else value
        seen.append(item)
    return sorted(seen, key=lambda item: item["type"])


def callbacks_driver(make_callbacks, checkpoint_path: str, log_dir: str, patience: int) -> list | str:
    """The callbacks ``make_callbacks`` returns for these arguments, described (nothing is trained)."""
    return describe_callbacks(make_callbacks(checkpoint_path, log_dir, patience))


def callbacks_problem(seen, checkpoint_path: str, log_dir: str, patience: int) -> tuple[str, str | None] | None:
    """(what differs, catalogue key or None) between described callbacks and the exercise's three."""
    if isinstance(seen, str):
        return seen, None
    kinds = [item["type"] for item in seen]
    if "TensorBoard" not in kinds:
        return f"the callbacks are {kinds}", "no_tensorboard"
    if sorted(kinds) != ["EarlyStopping", "ModelCheckpoint", "TensorBoard"]:
        return f"the callbacks are {kinds}; expected one ModelCheckpoint, one EarlyStopping and one TensorBoard", None
    ck, es, tb = seen[1], seen[0], seen[2]
    if ck.get("monitor") != "val_loss" or es.get("monitor") != "val_loss":
        key = "monitor_loss" if "loss" in (ck.get("monitor"), es.get("monitor")) else None
        return (f"ModelCheckpoint monitors {ck.get('monitor')!r} and EarlyStopping {es.get('monitor')!r}: both "
                "should watch the validation loss, \"val_loss\" (their default: leave monitor out)"), key
    if ck.get("filepath") != checkpoint_path or ck.get("save_weights_only"):
        return (f"ModelCheckpoint saves to {ck.get('filepath')!r} (weights only: {ck.get('save_weights_only')}); "
                f"expected the whole model at checkpoint_path = {checkpoint_path!r}"), None
    if not ck.get("save_best_only"):
        return "ModelCheckpoint has save_best_only=False", "no_save_best_only"
    if es.get("patience") != patience:
        return f"EarlyStopping has patience={es.get('patience')}, expected {patience}", (
            "patience_ignored" if es.get("patience") == 10 else None)
    if not es.get("restore_best_weights"):
        return "EarlyStopping has restore_best_weights=False", "no_restore"
    if tb.get("log_dir") != log_dir:
        return f"TensorBoard logs to {tb.get('log_dir')!r}, expected log_dir = {log_dir!r}", None
    return None


@exercise("make_callbacks", hint="[keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=True), "
                                 "keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True), "
                                 "keras.callbacks.TensorBoard(log_dir)]", catalogue=MAKE_CALLBACKS)
def make_callbacks(fn):
    """Checks ``make_callbacks(checkpoint_path, log_dir, patience)`` with patience 3 (nothing is trained)."""
    args = ("runs/check_best.keras", "runs/check_logs", 3)
    label = "make_callbacks(\"runs/check_best.keras\", \"runs/check_logs\", 3)"
    got = call(fn, *args, label=label)
    found = callbacks_problem(describe_callbacks(got), *args)
    if found:
        what, key = found
        raise CheckFailed(f"{label}: {what}\nhint: " + (getattr(MAKE_CALLBACKS, key).message if key else
                                                         "see the exercise: which callback, which arguments?"))
    check_defaults(fn, "make_callbacks", {"patience": 10})
    return 2


# ============================================================================= Exercise 6: the challenge
TENSORBOARD_WARNING = ".*__array__ implementation doesn't accept a copy keyword"
"""What TensorBoard's summary writer warns on every write under NumPy 2 (a DeprecationWarning)."""


def _folder() -> str:
    """A fresh folder for the grader's checkpoint and logs: the system's temporary folder, or else the
    working folder (a grading sandbox may allow only that one)."""
    try:
        return tempfile.mkdtemp(prefix="tlukit09-")
    except OSError:
        return tempfile.mkdtemp(prefix="tlukit09-", dir=".")


def run_challenge(train_challenge, X_train, y_train, X_valid, y_valid, **kwargs) -> tuple:
    """Call ``train_challenge`` with a checkpoint path and a log folder inside a fresh folder; return
    ``(what it returned, a checkpoint file was written, TensorBoard event files were written)``."""
    folder = _folder()
    try:
        checkpoint_path = os.path.join(folder, "challenge_best.keras")
        log_dir = os.path.join(folder, "logs")
        with warnings.catch_warnings():  # TensorBoard's writer on NumPy 2 warns about __array__: not the answer's
            warnings.filterwarnings("ignore", message=TENSORBOARD_WARNING, category=DeprecationWarning)
            result = train_challenge(X_train, y_train, X_valid, y_valid, checkpoint_path=checkpoint_path,
                                     log_dir=log_dir, **kwargs)
        wrote_checkpoint = os.path.isfile(checkpoint_path) and os.path.getsize(checkpoint_path) > 0
        events = [name for _, _, files in os.walk(log_dir) for name in files if "tfevents" in name]
        return result, wrote_checkpoint, bool(events)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


EVALUABLE_LAYERS = frozenset({"Flatten", "Dense", "Activation", "Normalization", "BatchNormalization", "Concatenate",
                              "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "InputLayer"})
"""The layer kinds the grader's NumPy forward pass (``autograder.objects.forward``) evaluates; kept here because
tlukit does not import the grader (tests/lesson09 asserts that the two agree)."""
EVALUABLE_ACTIVATIONS = frozenset({None, "linear", "relu", "sigmoid", "softmax", "tanh", "elu", "selu", "softplus",
                                   "swish", "silu", "leaky_relu"})
"""The activations that forward pass knows (``autograder.objects.ACTIVATIONS``)."""


def unevaluable(model) -> str | None:
    """Why the grader could not evaluate a model described by ``observers.keras_predict``, or None."""
    if not isinstance(model, dict) or model.get("type") != "model" or not isinstance(model.get("layers"), list):
        return None  # not a model: said otherwise
    if model.get("structure") not in ("sequential", "functional"):
        return ("the grader evaluates a Sequential or a functional model; yours is a subclass whose call() decides "
                "the order of its layers, which the grader cannot know")
    kinds = sorted(EVALUABLE_LAYERS - {"InputLayer", "AlphaDropout", "GaussianDropout", "GaussianNoise"})
    for layer in model["layers"]:
        kind = layer.get("kind") if isinstance(layer, dict) else type(layer).__name__
        if kind not in EVALUABLE_LAYERS:
            return (f"the model has a {kind} layer, which the grader cannot evaluate: it computes your trained "
                    f"model's outputs itself and knows only the layers {', '.join(kinds)} (and the other dropout "
                    "and noise layers). Give the activation to a Dense layer instead, e.g. "
                    "Dense(300, activation=\"leaky_relu\")")
        if kind in ("Dense", "Activation") and layer.get("activation") not in EVALUABLE_ACTIVATIONS:
            return (f"the model has a {kind} layer with the activation {layer.get('activation')!r}, which the grader "
                    "cannot evaluate: it knows "
                    f"{', '.join(sorted(str(a) for a in EVALUABLE_ACTIVATIONS if a is not None))}")
    return None


def challenge_driver(train_challenge, X_train, y_train, X_valid, y_valid, **kwargs) -> dict:
    """What the grader needs of ``train_challenge``: the trained model's layers and weights (evaluated by the
    grader on images it keeps), and whether the checkpoint and the TensorBoard logs were written."""
    result, wrote_checkpoint, wrote_logs = run_challenge(train_challenge, X_train, y_train, X_valid, y_valid, **kwargs)
    return {"returned": "model" if hasattr(result, "layers") and hasattr(result, "weights") else type(result).__name__,
            "model": observers.keras_predict(result), "checkpoint": wrote_checkpoint, "logs": wrote_logs}


def challenge_problem(seen: dict) -> tuple[str, str] | None:
    """What is wrong with what :func:`challenge_driver` saw, before accuracy (shared with the hidden test)."""
    if seen.get("returned") == "History":
        return "it returned the History, not the trained model", "history_returned"
    if seen.get("returned") != "model":
        return f"it returned {seen.get('returned')}, not a Keras model", ""
    if not seen.get("checkpoint"):
        return "no checkpoint file at checkpoint_path", "no_checkpoint"
    if not seen.get("logs"):
        return "no TensorBoard event files under log_dir", "no_logs"
    problem = unevaluable(seen.get("model"))
    if problem:
        return problem, ""
    return None


def _two_classes(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 0.3, size=(n, 28, 28)).astype(np.float32)
    y = rng.integers(0, 2, size=n)
    X[y == 0, :, :14] += 0.6
    X[y == 1, :, 14:] += 0.6
    return X, y


@exercise("train_challenge", hint="model = a new MLP (Flatten, a few Dense relu layers, Dense(10, softmax)); compile "
                                  "it; model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, "
                                  "validation_data=(X_valid, y_valid), callbacks=make_callbacks(checkpoint_path, "
                                  "log_dir, patience), verbose=0); return model.", catalogue=CHALLENGE)
def train_challenge(fn):
    """Checks ``train_challenge`` on 400 synthetic images of two easy classes, 2 epochs."""
    source = function_source(fn)
    X, y = _two_classes(500)
    if callable(fn) and (CHALLENGE_RULE.broken(source) if source is not None else CHALLENGE_RULE.broken_by(fn)):
        call(run_challenge, fn, X[:8], y[:8], X[8:12], y[8:12], epochs=1, batch_size=8, patience=1,
             label="train_challenge(...)")  # an unwritten stub says so first
        raise CheckFailed(f"train_challenge breaks a rule of the exercise: {CHALLENGE_RULE.message}")
    label = "train_challenge(X_train, y_train, X_valid, y_valid, epochs=2, batch_size=32, patience=2)"
    result, wrote_checkpoint, wrote_logs = call(run_challenge, fn, X[:400], y[:400], X[400:], y[400:], epochs=2,
                                                batch_size=32, patience=2, label=label)
    seen = {"returned": "model" if hasattr(result, "layers") and hasattr(result, "weights") else type(result).__name__,
            "checkpoint": wrote_checkpoint, "logs": wrote_logs, "model": observers.keras_predict(result)}
    found = challenge_problem(seen)
    if found:
        what, key = found
        raise CheckFailed(f"{label}: {what}" + (f"\nhint: {getattr(CHALLENGE, key).message}" if key else ""))
    accuracy = float(np.mean(np.argmax(result.predict(X[400:], verbose=0), axis=1) == y[400:]))
    if accuracy < 0.9:
        raise CheckFailed(mismatch(label + ": validation accuracy on two easy classes", "at least 0.90",
                                   f"{accuracy:.3f}", hint="is the model trained (fit), with a sensible learning rate?"))
    check_defaults(fn, "train_challenge", CHALLENGE_DEFAULTS)
    return 4


CHALLENGE_DEFAULTS = {"checkpoint_path": "checkpoints/mnist_best.keras", "log_dir": "logs/mnist", "epochs": 100,
                      "batch_size": 128, "patience": 10}

