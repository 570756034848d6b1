"""The instructor's side of lesson 08, "Regression, the Functional and Subclassing APIs, saving, callbacks".

Reference answers first, then the hidden tests: the inputs each draws and the wrong versions of
the answers that name a mistake (kept here because they are the reference with one switch).

Models are observed with :func:`tlukit.observers.keras_model` (layers, parameters from the
weights' shapes, outputs with grader-set weights; Normalization layers keep their adapted
statistics, so adapting on the wrong data changes the outputs). Compile settings go through
:func:`tlukit.checks.lesson08.compile_settings`. Answers that are used rather than returned are
driven in the kernel by the drivers of :mod:`tlukit.checks.lesson08`: the save functions get a
small seeded model and a name in a temporary folder, and the driver loads the file itself; the
callback class is fed epochs of logs as Keras feeds it.
"""
from __future__ import annotations

import re

import numpy as np

from autograder import objects
from autograder.hidden import Case, Question, grading
from tlukit.checks import lesson08 as check

HELPER_PRELUDE = "import numpy as np\nimport keras"


# ============================================================================= reference answers
def regression_mlp(X_train, learning_rate=1e-3):
    """Normalization (adapted on X_train) → 3 × Dense(50, relu) → Dense(1), compiled with MSE, Adam, RMSE."""
    import keras
    norm_layer = keras.layers.Normalization()
    norm_layer.adapt(X_train)
    model = keras.Sequential([keras.Input(shape=(X_train.shape[1],)), norm_layer,
                              keras.layers.Dense(50, activation="relu"), keras.layers.Dense(50, activation="relu"),
                              keras.layers.Dense(50, activation="relu"), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  metrics=["RootMeanSquaredError"])
    return model


def wide_and_deep(X_train, learning_rate=1e-3):
    """The functional Wide & Deep: wide input = features 0-4, deep input = features 2-7, each normalized
    (adapted on its columns of X_train); two Dense(30, relu) on the deep path; concatenate(norm_wide, hidden2)
    → Dense(1) main output; Dense(1) auxiliary output on hidden2; compiled with MSE for both, loss weights
    (0.9, 0.1), Adam, RMSE."""
    import keras
    input_wide = keras.Input(shape=(5,))
    input_deep = keras.Input(shape=(6,))
    norm_wide = keras.layers.Normalization()
    norm_deep = keras.layers.Normalization()
    norm_wide.adapt(X_train[:, :5])
    norm_deep.adapt(X_train[:, 2:])
    hidden1 = keras.layers.Dense(30, activation="relu")(norm_deep(input_deep))
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([norm_wide(input_wide), hidden2])
    output = keras.layers.Dense(1)(concat)
    aux_output = keras.layers.Dense(1)(hidden2)
    model = keras.Model(inputs=[input_wide, input_deep], outputs=[output, aux_output])
    model.compile(loss=("mse", "mse"), loss_weights=(0.9, 0.1),
                  optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  metrics=["RootMeanSquaredError", "RootMeanSquaredError"])
    return model


def _wide_deep_class():
    import keras

    class WideAndDeepModel(keras.Model):
        """The same Wide & Deep as a subclass; its Normalization layers are adapted from outside."""

        def __init__(self, units=30, activation="relu", **kwargs):
            super().__init__(**kwargs)
            self.norm_layer_wide = keras.layers.Normalization()
            self.norm_layer_deep = keras.layers.Normalization()
            self.hidden1 = keras.layers.Dense(units, activation=activation)
            self.hidden2 = keras.layers.Dense(units, activation=activation)
            self.main_output = keras.layers.Dense(1)
            self.aux_output = keras.layers.Dense(1)

        def call(self, inputs):
            input_wide, input_deep = inputs
            norm_wide = self.norm_layer_wide(input_wide)
            hidden = self.hidden2(self.hidden1(self.norm_layer_deep(input_deep)))
            concat = keras.layers.concatenate([norm_wide, hidden])
            return self.main_output(concat), self.aux_output(hidden)

    return WideAndDeepModel


class _LazyClass:
    """The reference class, made on first use (Keras is imported only then)."""

    def __init__(self, make):
        self._make, self._cls = make, None

    def __call__(self, *args, **kwargs):
        if self._cls is None:
            self._cls = self._make()
        return self._cls(*args, **kwargs)


WideAndDeepModel = _LazyClass(_wide_deep_class)


def save_model(model, name):
    """Save the whole model in Keras's native format, to name + ".keras"; return that path."""
    path = name + ".keras"
    model.save(path)
    return path


def save_weights(model, name):
    """Save the weights only, to name + ".weights.h5"; return that path."""
    path = name + ".weights.h5"
    model.save_weights(path)
    return path


def make_callbacks(checkpoint_path="checkpoints/best.keras", patience=10):
    """ModelCheckpoint (best only), EarlyStopping (patience, best weights restored), ReduceLROnPlateau (0.5, 5)."""
    import keras
    return [keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=True),
            keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5)]


def _ratio_class():
    import keras

    class ValLossRatio(keras.callbacks.Callback):
        """Records val_loss / loss at the end of each epoch in self.ratios."""

        def __init__(self):
            super().__init__()
            self.ratios = []

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.ratios.append(logs["val_loss"] / logs["loss"])

    return ValLossRatio


ValLossRatio = _LazyClass(_ratio_class)


# ============================================================================= hidden tests: inputs
def _housing(rng, m):
    return check.housing_like(m, seed=int(rng.integers(2**31)))


def _model_cases(rng):
    """One model on fresh data: its Normalization statistics and its outputs with the grader's weights on 16 rows
    say all there is (the learning rate is the compile question's business)."""
    m = 40 if grading() else 120
    return [Case((_housing(rng, m),), seed=int(rng.integers(2**31)), secret={"X": _housing(rng, 16)})]


def _compile_cases(rng):
    return [Case((_housing(rng, 30),), {"learning_rate": float(rng.choice([3e-4, 2e-3, 0.01]))}),
            Case((_housing(rng, 30),))]


def _mlp_view(case):
    return (case.secret["X"], case.seed)


def _wide_deep_view(case):
    X = case.secret["X"]
    return ((X[:, :5], X[:, 2:]), case.seed)


def _class_cases(rng):
    return [Case((_housing(rng, 40 if grading() else 120), _housing(rng, 16), int(rng.integers(2**31))))]


def _save_cases(rng):
    n = int(rng.integers(2, 6))
    return [Case((rng.normal(size=(7, n)).astype(np.float32), int(rng.integers(2**31))))]


def _callback_cases(rng):
    return [Case(("runs/ckpt_%d.keras" % rng.integers(100), int(rng.integers(3, 9)))),
            Case((), {"patience": int(rng.integers(11, 20))})]


def _ratio_cases(rng):
    logs = []
    for _ in range(int(rng.integers(3, 6))):
        loss, val = rng.uniform(0.2, 1.5, size=2)
        logs.append({"loss": float(loss), "val_loss": float(val), "RootMeanSquaredError": float(np.sqrt(loss) * 1.1),
                     "val_RootMeanSquaredError": float(np.sqrt(val) * 0.9), "learning_rate": 0.001})
    return [Case((logs,))]


# ============================================================================= hidden tests: known mistakes
def _keras():
    import keras
    return keras


def _mlp(X_train, learning_rate=1e-3, adapt=True, norm=True, hidden="relu", output=None, loss="mse",
         optimizer="adam", metrics=("RootMeanSquaredError",)):
    keras = _keras()
    layers = []
    if norm:
        layer = keras.layers.Normalization()
        if adapt:
            layer.adapt(X_train)
        layers.append(layer)
    model = keras.Sequential([keras.Input(shape=(X_train.shape[1],)), *layers,
                              *(keras.layers.Dense(50, activation=hidden) for _ in range(3)),
                              keras.layers.Dense(1, activation=output)])
    opt = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[optimizer](learning_rate=learning_rate)
    model.compile(loss=loss, optimizer=opt, metrics=list(metrics))
    return model


MLP_MODELS = {
    "not_adapted": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, adapt=False),
    "no_normalization": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, norm=False),
    "relu_output": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, output="relu"),
    "no_relu": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, hidden=None),
}

MLP_COMPILED_MODELS = {
    "mae_loss": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, loss="mae"),
    "no_rmse": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, metrics=()),
    "sgd": lambda X, learning_rate=1e-3: _mlp(X, learning_rate, optimizer="sgd"),
    "rate_ignored": lambda X, learning_rate=1e-3: _mlp(X),
}


def _wd(X_train, learning_rate=1e-3, adapt=True, wide=5, aux="deep", swap=False, concat="norm",
        loss_weights=(0.9, 0.1), compile_rate=True):
    keras = _keras()
    input_wide, input_deep = keras.Input(shape=(wide,)), keras.Input(shape=(6,))
    norm_wide, norm_deep = keras.layers.Normalization(), keras.layers.Normalization()
    if adapt:
        norm_wide.adapt(X_train[:, :wide])
        norm_deep.adapt(X_train[:, 2:])
    wide_out = norm_wide(input_wide)
    hidden1 = keras.layers.Dense(30, activation="relu")(norm_deep(input_deep))
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    joined = keras.layers.concatenate([wide_out if concat == "norm" else input_wide, hidden2])
    output = keras.layers.Dense(1)(joined)
    outputs = [output]
    if aux:
        outputs.append(keras.layers.Dense(1)(hidden2 if aux == "deep" else wide_out))
    if swap:
        outputs = outputs[::-1]
    model = keras.Model(inputs=[input_wide, input_deep], outputs=outputs if aux else output)
    n = len(outputs)
    model.compile(loss=("mse",) * n if n > 1 else "mse", loss_weights=loss_weights if n > 1 else None,
                  optimizer=keras.optimizers.Adam(learning_rate=learning_rate if compile_rate else 1e-3),
                  metrics=["RootMeanSquaredError"] * n)
    return model


WIDE_DEEP_MODELS = {
    "not_adapted": lambda X, learning_rate=1e-3: _wd(X, learning_rate, adapt=False),
    "wide_slice": lambda X, learning_rate=1e-3: _wd(X, learning_rate, wide=4),
    "missing_aux": lambda X, learning_rate=1e-3: _wd(X, learning_rate, aux=None),
    "aux_from_wide": lambda X, learning_rate=1e-3: _wd(X, learning_rate, aux="wide"),
    "outputs_swapped": lambda X, learning_rate=1e-3: _wd(X, learning_rate, swap=True),
    "concat_raw_wide": lambda X, learning_rate=1e-3: _wd(X, learning_rate, concat="raw"),
}

WIDE_DEEP_COMPILED_MODELS = {
    "weights_swapped": lambda X, learning_rate=1e-3: _wd(X, learning_rate, loss_weights=(0.1, 0.9)),
    "no_loss_weights": lambda X, learning_rate=1e-3: _wd(X, learning_rate, loss_weights=None),
    "rate_ignored": lambda X, learning_rate=1e-3: _wd(X, learning_rate, compile_rate=False),
}


def _wrong_class(aux="deep", swap=False, activation="relu"):
    keras = _keras()

    class Wrong(keras.Model):
        def __init__(self, units=30, **kwargs):
            super().__init__(**kwargs)
            self.norm_layer_wide = keras.layers.Normalization()
            self.norm_layer_deep = keras.layers.Normalization()
            self.hidden1 = keras.layers.Dense(units, activation=activation)
            self.hidden2 = keras.layers.Dense(units, activation=activation)
            self.main_output = keras.layers.Dense(1)
            self.aux_output = keras.layers.Dense(1)  # made, but not returned when aux is None

        def call(self, inputs):
            norm_wide = self.norm_layer_wide(inputs[0])
            hidden = self.hidden2(self.hidden1(self.norm_layer_deep(inputs[1])))
            output = self.main_output(keras.ops.concatenate([norm_wide, hidden], axis=-1))
            aux_output = self.aux_output(norm_wide if aux == "wide" else hidden)
            if not aux:  # computed, but not returned
                return output
            return (aux_output, output) if swap else (output, aux_output)

    return Wrong


CLASS_MODELS = {
    "missing_aux": _LazyClass(lambda: _wrong_class(aux=None)),
    "aux_from_wide": _LazyClass(lambda: _wrong_class(aux="wide")),
    "outputs_swapped": _LazyClass(lambda: _wrong_class(swap=True)),
    "no_relu": _LazyClass(lambda: _wrong_class(activation=None)),
}


def _save_with(method, suffix):
    def save(model, name):
        getattr(model, method)(name + suffix)
        return name + suffix
    return save


SAVE_MODELS = {"h5": _save_with("save", ".h5"), "weights_only": _save_with("save_weights", ".weights.h5"),
               "no_extension": _save_with("save", "")}
SAVE_WEIGHTS_MODELS = {"no_weights_suffix": _save_with("save_weights", ".h5"),
                       "whole_model": _save_with("save", ".keras")}


def _callbacks(checkpoint_path="checkpoints/best.keras", patience=10, best_only=True, restore=True, plateau=True):
    keras = _keras()
    found = [keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=best_only),
             keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=restore)]
    return found + [keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5)] * plateau


CALLBACK_MODELS = {
    "no_restore": lambda checkpoint_path="checkpoints/best.keras", patience=10: _callbacks(
        checkpoint_path, patience, restore=False),
    "no_best_only": lambda checkpoint_path="checkpoints/best.keras", patience=10: _callbacks(
        checkpoint_path, patience, best_only=False),
    "no_plateau": lambda checkpoint_path="checkpoints/best.keras", patience=10: _callbacks(
        checkpoint_path, patience, plateau=False),
    "patience_ignored": lambda checkpoint_path="checkpoints/best.keras", patience=10: _callbacks(checkpoint_path),
}


def _ratio(record):
    keras = _keras()

    class Wrong(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ratios = []

        def on_epoch_end(self, epoch, logs=None):
            record(self, logs)

    return Wrong


RATIO_MODELS = {
    "inverted": _LazyClass(lambda: _ratio(lambda self, logs: self.ratios.append(logs["loss"] / logs["val_loss"]))),
    "wrong_key": _LazyClass(lambda: _ratio(lambda self, logs: self.ratios.append(
        logs["val_RootMeanSquaredError"] / logs["RootMeanSquaredError"]))),
    "difference": _LazyClass(lambda: _ratio(lambda self, logs: self.ratios.append(logs["val_loss"] - logs["loss"]))),
    "overwritten": _LazyClass(lambda: _ratio(lambda self, logs: setattr(self, "ratios",
                                                                       logs["val_loss"] / logs["loss"]))),
}


def model_difference(got, want):
    """:func:`autograder.objects.model_difference`, with a model that cannot run on the grader's inputs
    compared by its error without the numbers Keras puts in layer names (a mistake model fails the same way)."""
    if isinstance(got, dict) and isinstance(want, dict) and isinstance(got.get("outputs"), str) \
            and isinstance(want.get("outputs"), str):
        got, want = dict(got), dict(want)
        got["outputs"], want["outputs"] = (re.sub(r"_\d+", "", s) for s in (got["outputs"], want["outputs"]))
    return objects.model_difference(got, want)


def callbacks_difference(got, want):
    """How two lists of described callbacks differ, in words."""
    if not isinstance(got, list):
        return f"expected a list of callbacks, got {got.get('type') if isinstance(got, dict) else type(got).__name__}"
    mine, theirs = [g["class"] for g in got], [w["class"] for w in want]
    if mine != theirs:
        return f"the callbacks are {mine}; expected {theirs}"
    for g, w in zip(got, want):
        for key in w:
            if g.get(key) != w[key]:
                return f"{w['class']}: {key} is {g.get(key)!r}; expected {w[key]!r}"
    return None


def compiled_difference(got, want):
    if not isinstance(got, dict) or not got.get("compiled"):
        return "the model is not compiled: call model.compile(...) before returning it"
    for key in ("loss", "loss_weights", "optimizer", "metrics"):
        a, b = got.get(key), want.get(key)
        if key == "loss" and isinstance(a, list) and len(a) == 1 and isinstance(b, list):
            a = a * len(b)  # one loss for every output
        if key == "loss_weights" and a is not None and b is not None and np.allclose(a, b):
            continue
        if a != b:
            return f"{key} is {a}; expected {b}"
    if got.get("learning_rate") is None or not np.isclose(got["learning_rate"], want["learning_rate"], rtol=1e-5):
        return f"the learning rate is {got.get('learning_rate')}; expected {want['learning_rate']}"
    return None


def saved_difference(got, want):
    """What differs between what the driver found of the student's file and of the reference's."""
    if not isinstance(got, dict):
        return f"the driver saw {got!r}"
    if "error" in got or "error" in want:
        return None if got.get("error") == want.get("error") else f"saving raised {got.get('error')}"
    for key in ("files", "returned", "format"):
        if got.get(key) != want.get(key):
            return f"{key}: {got.get(key)!r}; expected {want.get(key)!r}"
    if isinstance(got.get("outputs"), str) or isinstance(want.get("outputs"), str):
        return None if got.get("outputs") == want.get("outputs") else str(got.get("outputs"))
    problem = objects.difference(got.get("outputs"), want.get("outputs"), rtol=1e-5, atol=1e-6)
    return f"the model loaded from your file computes something else ({problem})" if problem else None


# ============================================================================= the questions
QUESTIONS = [
    Question(qid="08.regression_mlp", reference=regression_mlp, cases=_model_cases, observe="keras_model",
             observe_args=_mlp_view, compare=objects.model_difference, catalogue=check.REGRESSION_MLP,
             models=MLP_MODELS),
    Question(qid="08.regression_mlp_compiled", reference=regression_mlp, cases=_compile_cases,
             observe="lesson08:compile_settings", compare=compiled_difference, catalogue=check.REGRESSION_COMPILED,
             models=MLP_COMPILED_MODELS, tensorflow=True),
    Question(qid="08.wide_and_deep", reference=wide_and_deep, cases=_model_cases, observe="keras_model",
             observe_args=_wide_deep_view, compare=model_difference, catalogue=check.WIDE_AND_DEEP,
             models=WIDE_DEEP_MODELS),
    Question(qid="08.wide_and_deep_compiled", reference=wide_and_deep, cases=_compile_cases,
             observe="lesson08:compile_settings", compare=compiled_difference,
             catalogue=check.WIDE_AND_DEEP_COMPILED, models=WIDE_DEEP_COMPILED_MODELS, tensorflow=True),
    Question(qid="08.WideAndDeepModel", reference=WideAndDeepModel, shape="class", drive="lesson08:wide_deep_class",
             cases=_class_cases, compare=objects.subclass_difference, catalogue=check.WIDE_AND_DEEP_MODEL,
             models=CLASS_MODELS, tensorflow=True, check_defaults=False),
    Question(qid="08.save_model", reference=save_model, drive="lesson08:drive_save_model", cases=_save_cases,
             compare=saved_difference, catalogue=check.SAVE_MODEL, models=SAVE_MODELS, tensorflow=True),
    Question(qid="08.save_weights", reference=save_weights, drive="lesson08:drive_save_weights", cases=_save_cases,
             compare=saved_difference, catalogue=check.SAVE_WEIGHTS, models=SAVE_WEIGHTS_MODELS, tensorflow=True),
    Question(qid="08.make_callbacks", reference=make_callbacks, cases=_callback_cases,
             observe="lesson08:describe_callbacks", compare=callbacks_difference, catalogue=check.CALLBACKS,
             models=CALLBACK_MODELS, tensorflow=True),
    Question(qid="08.ValLossRatio", reference=ValLossRatio, shape="class", drive="lesson08:drive_loss_ratio",
             cases=_ratio_cases, rtol=1e-9, atol=1e-12, catalogue=check.LOSS_RATIO, models=RATIO_MODELS,
             tensorflow=True, check_defaults=False),
]
