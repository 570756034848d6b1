"""The instructor's side of lesson 07, "A Keras image classifier (Fashion-MNIST)".

Reference answers first, then the hidden tests: the inputs each draws and the wrong versions
of the answers that name a mistake (kept here because they are the reference with one switch).

Keras answers are objects. None is compared by identity or by what it says about itself: a
model is observed by :func:`tlukit.observers.keras_model` (its layers, its parameter count
from its weights' shapes, and its outputs with every weight set by the grader) and compared by
:func:`autograder.objects.model_difference`; a compiled model by its loss, optimizer, learning
rate and metrics (:func:`autograder.objects.compiled_difference`); a History by
:func:`autograder.objects.history_criterion`, which recomputes the validation accuracy the
History claims with a NumPy forward pass of its model's layers and weights on the grader's copy of
the validation images (the kernel never predicts on them).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from autograder import objects
from autograder.hidden import Case, Question, grading
from tlukit.checks import lesson07 as check

HELPER_PRELUDE = "import numpy as np\nimport keras"

# ============================================================================= reference answers
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def split_and_scale(X_train_full, y_train_full, n_valid=5000):
    """The last ``n_valid`` images for validation, the rest for training, pixels scaled to [0, 1]."""
    X = np.asarray(X_train_full, dtype=np.float32) / 255.0
    y = np.asarray(y_train_full)
    return X[:-n_valid], y[:-n_valid], X[-n_valid:], y[-n_valid:]


def linear_model():
    """Softmax regression on the 784 pixels: Flatten → Dense(10, softmax)."""
    import keras
    return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])


def build_model():
    """The book's MLP: Flatten → Dense(300, relu) → Dense(100, relu) → Dense(10, softmax)."""
    import keras
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


weight_facts = {"kernel_shape": (784, 300), "bias_shape": (300,), "biases_all_zero": True,
                "params_per_layer": [235_500, 30_100, 1_010], "total_params": 266_610}
"""The first hidden layer of build_model: a 784×300 kernel and 300 biases (initialised to zero);
784·300 + 300 = 235,500, 300·100 + 100 = 30,100, 100·10 + 10 = 1,010 parameters, 266,610 in all."""


def one_hot(y, num_classes=10):
    """Integer labels (m,) → one-hot rows (m, num_classes)."""
    import keras
    return keras.utils.to_categorical(y, num_classes=num_classes)


def compile_model(learning_rate=0.01):
    """build_model() compiled as the book does: sparse categorical cross-entropy (integer labels),
    SGD at ``learning_rate``, accuracy."""
    import keras
    model = build_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  metrics=["accuracy"])
    return model


def predicted_class_names(probabilities):
    """Class probabilities (m, 10) → the name of the most probable class of each row."""
    return [CLASS_NAMES[k] for k in np.argmax(probabilities, axis=1)]


def train_model(X_train, y_train, X_valid, y_valid, epochs=12, batch_size=256, warmup_steps=200):
    """The lesson's recipe (``autograder/lessons/recipe07.py``): build_model(), AdamW (weight decay 0.004)
    with a linear warm-up from 0 to 4e-3 over ``warmup_steps`` steps then cosine decay to 0 at the last
    step, sparse categorical cross-entropy, validation on (X_valid, y_valid). Returns the History."""
    import keras
    model = build_model()
    total_steps = epochs * math.ceil(len(X_train) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=4e-3, warmup_steps=warmup_steps,
        decay_steps=total_steps - warmup_steps)
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.004),
                  metrics=["accuracy"])
    return model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size,
                     validation_data=(X_valid, y_valid), verbose=0)


def multilabel_model(n_labels=3):
    """A multilabel head: Flatten → Dense(100, relu) → Dense(n_labels, sigmoid), compiled with binary
    cross-entropy (each label a yes/no question of its own), Adam, accuracy."""
    import keras
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(100, activation="relu"),
                              keras.layers.Dense(n_labels, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def regularized_model(rate=0.2):
    """Flatten → BatchNormalization → Dense(300, relu) → Dropout(rate) → Dense(100, relu) → Dropout(rate)
    → Dense(10, softmax)."""
    import keras
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(300, activation="relu"),
        keras.layers.Dropout(rate),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dropout(rate),
        keras.layers.Dense(10, activation="softmax"),
    ])


# ============================================================================= hidden tests: inputs
@functools.lru_cache(maxsize=1)
def _fashion():
    from tlukit.data import fashion_mnist_from_idx
    return fashion_mnist_from_idx()


def _images(rng, n=48):
    """Random uint8 images, with some real Fashion-MNIST ones among them."""
    noise = rng.integers(0, 256, size=(n // 2, 28, 28), dtype=np.uint8)
    (_, _), (X_test, _) = _fashion()
    real = X_test[rng.choice(len(X_test), n - n // 2, replace=False)]
    return np.concatenate([noise, real])


def _split_cases(rng):
    cases = []
    for m, n_valid, top in ((5_030, None, 256), (23, 7, 200), (12, 5, 256)):
        X = rng.integers(0, top, size=(m, 3, 4), dtype=np.uint8)
        X.flat[rng.integers(X.size)] = top - 1
        y = rng.integers(0, 10, size=m).astype(np.uint8)
        cases.append(Case((X, y)) if n_valid is None else Case((X, y), {"n_valid": n_valid}))
    return cases


def _model_cases(rng):
    return [Case((), seed=int(rng.integers(2**31)), secret={"X": _images(rng)})]


def _model_view(case):
    return (case.secret["X"], case.seed, 255.0)


def _one_hot_cases(rng):
    return [Case((rng.integers(0, 10, size=12),)), Case((rng.integers(0, 7, size=9),)),
            Case((rng.integers(0, 4, size=6),), {"num_classes": 4})]


def _compile_cases(rng):
    return [Case((), {"learning_rate": float(rng.choice([0.003, 0.02, 0.05]))}), Case(())]


def _names_cases(rng):
    P = rng.dirichlet(np.ones(10), size=8)    # at most 10 rows: argmax over axis 0 still indexes the names
    P[0] = np.full(10, 0.05)
    P[0, 9] = 0.55                          # an ankle boot
    return [Case((P,)), Case((rng.dirichlet(np.ones(10), size=3),))]


def _train_cases(rng):
    """A subset of the grader's own copy of Fashion-MNIST: small in grading mode (a 30-second budget
    per notebook), larger otherwise. The thresholds leave an untrained model (about 0.10) far below
    and the recipe (about 0.75 and 0.80 here) well above."""
    (X, y), _ = _fashion()
    small = grading()
    n_train, n_valid, epochs, at_least = (1_200, 500, 2, 0.55) if small else (2_000, 500, 2, 0.6)
    pick = rng.choice(len(X), n_train + n_valid, replace=False)
    Xs, ys = X[pick], y[pick].astype(np.int64)
    Xf = Xs.astype(np.float32) / 255.0
    why = (f" (the recipe reaches about {at_least + 0.2:.2f} after {epochs} epochs on these {n_train:,} images; "
           "an untrained model about 0.10)")
    return [Case((Xf[:n_train], ys[:n_train], Xf[n_train:], ys[n_train:]),
                 {"epochs": epochs, "batch_size": 64, "warmup_steps": 8}, seed=int(rng.integers(2**31)),
                 secret={"labels": ys[n_train:], "at_least": at_least, "why": why, "images": Xs[n_train:],
                         "scale": 255.0})]


def _multilabel_cases(rng):
    return [Case((), {"n_labels": int(rng.choice([2, 4, 5]))}, seed=int(rng.integers(2**31)),
                 secret={"X": _images(rng, 24)}), Case((), seed=int(rng.integers(2**31)), secret={"X": _images(rng, 24)})]


def _regularized_cases(rng):
    return [Case((), {"rate": float(rng.choice([0.1, 0.3, 0.5]))}, seed=int(rng.integers(2**31)),
                 secret={"X": _images(rng, 32)}), Case((), seed=int(rng.integers(2**31)), secret={"X": _images(rng, 32)})]


# ============================================================================= hidden tests: known mistakes
def _keras():
    import keras
    return keras


def _stack(*layers, shape=(28, 28)):
    keras = _keras()
    return keras.Sequential([keras.Input(shape=shape), *layers])


def _dense(units, activation=None):
    return _keras().layers.Dense(units, activation=activation)


def _flatten():
    return _keras().layers.Flatten()


SPLIT_MODELS = {
    "first_for_validation": lambda X, y, n_valid=5000: (np.asarray(X, np.float32)[n_valid:] / 255.0, y[n_valid:],
                                                        np.asarray(X, np.float32)[:n_valid] / 255.0, y[:n_valid]),
    "not_scaled": lambda X, y, n_valid=5000: (X[:-n_valid], y[:-n_valid], X[-n_valid:], y[-n_valid:]),
    "scaled_by_max": lambda X, y, n_valid=5000: (X[:-n_valid] / X.max(), y[:-n_valid], X[-n_valid:] / X.max(),
                                                  y[-n_valid:]),
    "floor_division": lambda X, y, n_valid=5000: (X[:-n_valid] // 255, y[:-n_valid], X[-n_valid:] // 255, y[-n_valid:]),
    "training_keeps_all": lambda X, y, n_valid=5000: (X / 255.0, y, X[-n_valid:] / 255.0, y[-n_valid:]),
    "labels_from_the_start": lambda X, y, n_valid=5000: (X[:-n_valid] / 255.0, y[n_valid:], X[-n_valid:] / 255.0,
                                                         y[:n_valid]),
    "n_valid_ignored": lambda X, y, n_valid=5000: (X[:-5000] / 255.0, y[:-5000], X[-5000:] / 255.0, y[-5000:]),
}

LINEAR_MODELS = {
    "no_flatten": lambda: _stack(_dense(10, "softmax")),
    "no_softmax": lambda: _stack(_flatten(), _dense(10)),
    "sigmoid_output": lambda: _stack(_flatten(), _dense(10, "sigmoid")),
    "hidden_layer": lambda: _stack(_flatten(), _dense(300, "relu"), _dense(10, "softmax")),
}

MLP_MODELS = {
    "no_flatten": lambda: _stack(_dense(300, "relu"), _dense(100, "relu"), _dense(10, "softmax")),
    "no_softmax": lambda: _stack(_flatten(), _dense(300, "relu"), _dense(100, "relu"), _dense(10)),
    "no_relu": lambda: _stack(_flatten(), _dense(300), _dense(100), _dense(10, "softmax")),
    "sigmoid_hidden": lambda: _stack(_flatten(), _dense(300, "sigmoid"), _dense(100, "sigmoid"),
                                     _dense(10, "softmax")),
    "units_swapped": lambda: _stack(_flatten(), _dense(100, "relu"), _dense(300, "relu"), _dense(10, "softmax")),
    "relu_output": lambda: _stack(_flatten(), _dense(300, "relu"), _dense(100, "relu"), _dense(10, "relu")),
    "flat_input": lambda: _stack(_dense(300, "relu"), _dense(100, "relu"), _dense(10, "softmax"), shape=(784,)),
}


def _compiled(loss="sparse_categorical_crossentropy", optimizer="sgd", learning_rate=0.01, metrics=("accuracy",)):
    keras = _keras()
    model = build_model()
    opt = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer](learning_rate=learning_rate)
    model.compile(loss=loss, optimizer=opt, metrics=list(metrics))
    return model


COMPILE_MODELS = {
    "categorical": lambda learning_rate=0.01: _compiled("categorical_crossentropy", learning_rate=learning_rate),
    "from_logits": lambda learning_rate=0.01: _compiled(
        _keras().losses.SparseCategoricalCrossentropy(from_logits=True), learning_rate=learning_rate),
    "adam": lambda learning_rate=0.01: _compiled(optimizer="adam", learning_rate=learning_rate),
    "rate_ignored": lambda learning_rate=0.01: _compiled(),
    "no_accuracy": lambda learning_rate=0.01: _compiled(learning_rate=learning_rate, metrics=()),
    "mse": lambda learning_rate=0.01: _compiled("mse", learning_rate=learning_rate),
}

ONE_HOT_MODELS = {
    "classes_inferred": lambda y, num_classes=10: _keras().utils.to_categorical(y),
    "classes_ignored": lambda y, num_classes=10: _keras().utils.to_categorical(y, num_classes=10),
    "transposed": lambda y, num_classes=10: _keras().utils.to_categorical(y, num_classes=num_classes).T,
}

NAMES_MODELS = {
    "axis_0": lambda P: [CLASS_NAMES[k] for k in np.argmax(P, axis=0)],
    "indices": lambda P: [int(k) for k in np.argmax(P, axis=1)],
    "least_likely": lambda P: [CLASS_NAMES[k] for k in np.argmin(P, axis=1)],
    "off_by_one": lambda P: [CLASS_NAMES[(k + 1) % 10] for k in np.argmax(P, axis=1)],
}


def _fit_briefly(X_train, y_train, X_valid, y_valid, epochs=12, batch_size=256, warmup_steps=200, validate=True):
    keras = _keras()
    model = build_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  metrics=["accuracy"])
    return model.fit(X_train[:256], y_train[:256], epochs=1, batch_size=batch_size, verbose=0,
                     validation_data=(X_valid, y_valid) if validate else None)


def _edited(*args, **kwargs):
    history = _fit_briefly(*args, **kwargs)
    history.history["val_accuracy"] = [0.89]
    return history


TRAIN_MODELS = {
    "edited": _edited,
    "no_validation": lambda *args, **kwargs: _fit_briefly(*args, validate=False, **kwargs),
}

MULTILABEL_MODELS = {
    "softmax_head": lambda n_labels=3: _stack(_flatten(), _dense(100, "relu"), _dense(n_labels, "softmax")),
    "no_activation": lambda n_labels=3: _stack(_flatten(), _dense(100, "relu"), _dense(n_labels)),
    "n_labels_ignored": lambda n_labels=3: _stack(_flatten(), _dense(100, "relu"), _dense(3, "sigmoid")),
    "ten_classes": lambda n_labels=3: _stack(_flatten(), _dense(100, "relu"), _dense(10, "sigmoid")),
}


def _multilabel_compiled(loss, n_labels=3, from_logits=False):
    model = multilabel_model(n_labels)
    keras = _keras()
    model.compile(loss=keras.losses.get(loss) if not from_logits else keras.losses.BinaryCrossentropy(from_logits=True),
                  optimizer="adam", metrics=["accuracy"])
    return model


MULTILABEL_LOSS_MODELS = {
    "categorical_loss": lambda n_labels=3: _multilabel_compiled("categorical_crossentropy", n_labels),
    "sparse_loss": lambda n_labels=3: _multilabel_compiled("sparse_categorical_crossentropy", n_labels),
}


def _reg(*middle, rate=0.2):
    return _stack(_flatten(), *middle, _dense(10, "softmax"))


def _drop(rate):
    return _keras().layers.Dropout(rate)


def _bn():
    return _keras().layers.BatchNormalization()


REGULARIZED_MODELS = {
    "rate_ignored": lambda rate=0.2: _reg(_bn(), _dense(300, "relu"), _drop(0.2), _dense(100, "relu"), _drop(0.2)),
    "keep_probability": lambda rate=0.2: _reg(_bn(), _dense(300, "relu"), _drop(1 - rate), _dense(100, "relu"),
                                              _drop(1 - rate)),
    "no_batchnorm": lambda rate=0.2: _reg(_dense(300, "relu"), _drop(rate), _dense(100, "relu"), _drop(rate)),
    "dropout_before_dense": lambda rate=0.2: _reg(_bn(), _drop(rate), _dense(300, "relu"), _drop(rate),
                                                  _dense(100, "relu")),
    "dropout_on_output": lambda rate=0.2: _stack(_flatten(), _bn(), _dense(300, "relu"), _drop(rate),
                                                 _dense(100, "relu"), _drop(rate), _dense(10, "softmax"), _drop(rate)),
}


# ============================================================================= the questions
QUESTIONS = [
    Question(qid="07.split_and_scale", reference=split_and_scale, cases=_split_cases, rtol=1e-6, atol=1e-7,
             catalogue=check.SPLIT_AND_SCALE, models=SPLIT_MODELS),
    Question(qid="07.linear_model", reference=linear_model, cases=_model_cases, observe="keras_model",
             observe_args=_model_view, compare=objects.model_difference, catalogue=check.LINEAR_MODEL,
             models=LINEAR_MODELS),
    Question(qid="07.build_model", reference=build_model, cases=_model_cases, observe="keras_model",
             observe_args=_model_view, compare=objects.model_difference, catalogue=check.BUILD_MODEL,
             models=MLP_MODELS),
    Question(qid="07.weight_facts", reference=weight_facts, shape="value", catalogue=check.WEIGHT_FACTS),
    Question(qid="07.one_hot", reference=one_hot, cases=_one_hot_cases, catalogue=check.ONE_HOT,
             models=ONE_HOT_MODELS),
    Question(qid="07.compile_model", reference=compile_model, cases=_compile_cases, observe="keras_compiled",
             compare=objects.compiled_difference, catalogue=check.COMPILE_MODEL, models=COMPILE_MODELS,
             helpers=("build_model",)),
    Question(qid="07.predicted_class_names", reference=predicted_class_names, cases=_names_cases,
             catalogue=check.PREDICTED_CLASS_NAMES, models=NAMES_MODELS),
    Question(qid="07.train_model", reference=train_model, cases=_train_cases, observe="keras_history",
             criterion=functools.partial(objects.history_criterion, catalogue=check.TRAIN_MODEL),
             catalogue=check.TRAIN_MODEL, models=TRAIN_MODELS, helpers=("build_model",)),
    Question(qid="07.multilabel_model", reference=multilabel_model, cases=_multilabel_cases, observe="keras_model",
             observe_args=_model_view, compare=objects.model_difference, catalogue=check.MULTILABEL_MODEL,
             models=MULTILABEL_MODELS),
    Question(qid="07.multilabel_model_loss", reference=multilabel_model, cases=_multilabel_cases,
             observe="keras_compiled", compare=objects.compiled_difference, catalogue=check.MULTILABEL_LOSS,
             models=MULTILABEL_LOSS_MODELS),
    Question(qid="07.regularized_model", reference=regularized_model, cases=_regularized_cases, observe="keras_model",
             observe_args=_model_view, compare=objects.model_difference, catalogue=check.REGULARIZED_MODEL,
             models=REGULARIZED_MODELS),
]
