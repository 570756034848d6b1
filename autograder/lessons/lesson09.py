"""The instructor's side of lesson 09, "Tuning neural networks".

Reference answers first, then the hidden tests: the inputs each draws and the wrong versions of the
answers that name a mistake (kept here because they are the reference with one switch).

* The learning-rate finder's functions are plain NumPy, compared with the reference on the grader's
  own drawn curves (noisy losses that fall, then shoot up; a batch that spikes early; a curve that
  never shoots up).
* ``build_model(hp)`` is used as Keras Tuner uses it, by the driver ``tlukit.checks.lesson09.tuner_driver``:
  the search space it declares on a fresh ``HyperParameters``, then the models it builds for values the
  grader fixes (layers, outputs with grader-set weights, compile settings).
* ``make_callbacks`` is described callback by callback (``callbacks_driver``); nothing is trained.
* ``train_challenge`` trains on a small sample of the grader's copy of MNIST (``challenge_driver``, which
  also looks for the checkpoint file and the TensorBoard event files); the grader computes the trained
  model's accuracy itself, with a NumPy forward pass, on 1,000 test images the kernel never sees.
"""
from __future__ import annotations

import functools
import os
import warnings

import numpy as np

from autograder import objects
from autograder.hidden import Case, Question
from tlukit.checking import difference
from tlukit.checks import lesson09 as check

HELPER_PRELUDE = "import os\nimport numpy as np\nimport keras"


# ============================================================================= reference answers
def lr_schedule(step, n_steps, lr_min=1e-5, lr_max=10.0):
    """The learning rate at ``step`` (0 .. n_steps - 1) of an exponential sweep from lr_min to lr_max."""
    return lr_min * (lr_max / lr_min) ** (np.asarray(step, dtype=np.float64) / (n_steps - 1))


def smooth_losses(losses, beta=0.98):
    """Exponential moving average of the losses, bias-corrected: avg_i = beta·avg_{i-1} + (1 - beta)·loss_i
    from avg = 0, smoothed_i = avg_i / (1 - beta^(i+1))."""
    smoothed = np.empty(len(losses))
    avg = 0.0
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * float(loss)
        smoothed[i] = avg / (1 - beta ** (i + 1))
    return smoothed


def pick_learning_rate(rates, losses, k=4.0, beta=0.98):
    """A tenth of the first rate whose smoothed loss exceeds k times the smallest smoothed loss so far
    (a tenth of the rate of the lowest smoothed loss if that never happens)."""
    rates = np.asarray(rates, dtype=np.float64)
    smoothed = smooth_losses(losses, beta)
    lowest = np.minimum.accumulate(smoothed)
    above = np.flatnonzero(smoothed > k * lowest)
    i = int(above[0]) if above.size else int(np.argmin(smoothed))
    return float(rates[i] / 10)


def build_model(hp):
    """Keras Tuner's model-building function: n_hidden (Int 0-8, default 2), n_neurons (Int 16-256),
    learning_rate (Float 1e-4 to 1e-2, log sampling), optimizer (Choice sgd / adam); Flatten, n_hidden
    Dense(n_neurons, relu), Dense(10, softmax); sparse categorical cross-entropy, accuracy."""
    import keras
    n_hidden = hp.Int("n_hidden", min_value=0, max_value=8, default=2)
    n_neurons = hp.Int("n_neurons", min_value=16, max_value=256)
    learning_rate = hp.Float("learning_rate", min_value=1e-4, max_value=1e-2, sampling="log")
    optimizer = hp.Choice("optimizer", values=["sgd", "adam"])
    hidden = [keras.layers.Dense(n_neurons, activation="relu") for _ in range(n_hidden)]
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), *hidden,
                              keras.layers.Dense(10, activation="softmax")])
    if optimizer == "sgd":
        opt = keras.optimizers.SGD(learning_rate=learning_rate)
    else:
        opt = keras.optimizers.Adam(learning_rate=learning_rate)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    return model


def make_callbacks(checkpoint_path, log_dir, patience=10):
    """Keep the best model on disk, stop after ``patience`` epochs without progress (best weights
    restored), log for TensorBoard."""
    import keras
    return [keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=True),
            keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True),
            keras.callbacks.TensorBoard(log_dir)]


def train_challenge(X_train, y_train, X_valid, y_valid, checkpoint_path="checkpoints/mnist_best.keras",
                    log_dir="logs/mnist", epochs=100, batch_size=128, patience=10):
    """An MLP for MNIST: 784 → 512 → 256 → 10 with dropout 0.3, Adam at 1e-3, trained with
    make_callbacks(...) (and the rate divided by 3 after 3 epochs without progress); returns the model."""
    import keras
    folder = os.path.dirname(checkpoint_path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  metrics=["accuracy"])
    callbacks = make_callbacks(checkpoint_path, log_dir, patience)
    callbacks.append(keras.callbacks.ReduceLROnPlateau(factor=1 / 3, patience=3))
    model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, validation_data=(X_valid, y_valid),
              callbacks=callbacks, verbose=0)
    return model


# ============================================================================= hidden tests: inputs
def _curve(rng, n, spike=True, blows_up=True):
    """A learning-rate sweep's losses: a plateau near 2.3, a fall, then (if ``blows_up``) a rise that
    explodes; multiplicative noise, and an early batch that spikes (``spike``)."""
    rates = lr_schedule(np.arange(n), n, 1e-5, 10.0)
    x = np.log10(rates)
    fall, rise = rng.uniform(-4.0, -2.5), rng.uniform(-1.2, 0.3)
    loss = 0.25 + 2.05 / (1 + np.exp((x - fall) / 0.35))
    if blows_up:
        loss = loss + np.exp((x - rise) * 4.0)
    loss = loss * np.exp(rng.normal(0, 0.06, n))
    if spike:
        loss[rng.integers(3, n // 4)] *= 7.0
    return rates, loss


def _schedule_cases(rng):
    n = int(rng.integers(50, 300))
    lo, hi = float(10.0 ** rng.uniform(-7, -4)), float(10.0 ** rng.uniform(-1, 1.5))
    return [Case((np.arange(n), n, lo, hi)), Case((int(rng.integers(1, n - 1)), n), {"lr_max": hi}),
            Case((np.arange(0, 100, 7), 100))]


def _smooth_cases(rng):
    _, loss = _curve(rng, int(rng.integers(30, 80)))
    beta = float(rng.choice([0.5, 0.9, 0.95]))
    return [Case((loss,), {"beta": beta}), Case((list(rng.uniform(0.1, 3.0, 12)),))]


def _pick_cases(rng):
    cases = []
    for blows_up in (True, True, False):
        n = int(rng.integers(120, 240))
        rates, loss = _curve(rng, n, blows_up=blows_up)
        kwargs = {"k": float(rng.choice([3.0, 5.0])), "beta": float(rng.choice([0.9, 0.95]))}
        cases.append(Case((rates, loss), kwargs))
    cases.append(Case(_curve(rng, 200)))  # the defaults
    return cases


def _tuner_cases(rng):
    fixed = []
    for optimizer in ("sgd", "adam"):
        depths = [1, 3, 4] if optimizer == "sgd" else [0, 1, 3]  # never 2, the default: n_hidden must matter
        fixed.append({"n_hidden": int(rng.choice(depths)),
                      "n_neurons": int(rng.integers(16, 48)),
                      "learning_rate": float(10.0 ** rng.uniform(-4, -2)), "optimizer": optimizer})
    X = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    return [Case((fixed, X, int(rng.integers(2**31)), 255.0))]


def _callbacks_cases(rng):
    tag = int(rng.integers(10**6))
    return [Case((f"grader_{tag}/best.keras", f"grader_{tag}_logs", int(rng.integers(2, 30)))),
            Case((f"run{tag}.keras", os.path.join("tb", str(tag)), 10))]


@functools.lru_cache(maxsize=1)
def _mnist():
    from tlukit.data import load_mnist
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the offline copy's 10,000 training images: enough here
        return load_mnist()


CHALLENGE_TRAIN, CHALLENGE_VALID, CHALLENGE_TEST = 600, 200, 1_000
CHALLENGE_AT_LEAST = 0.65


def _challenge_cases(rng):
    """600 training and 200 validation images of the grader's MNIST, 2 epochs, in both modes (the whole
    challenge must fit grading's budget); 1,000 test images kept. The reference scores 0.79-0.84 there
    (seeds 0-4), another right MLP 0.74-0.84; an untrained model about 0.10."""
    (X, y), (X_test, y_test) = _mnist()
    pick = rng.choice(len(X), CHALLENGE_TRAIN + CHALLENGE_VALID, replace=False)
    Xs = X[pick].astype(np.float32) / 255.0
    ys = y[pick].astype(np.int64)
    held = rng.choice(len(X_test), CHALLENGE_TEST, replace=False)
    why = (f" (trained by the grader on {CHALLENGE_TRAIN} images for 2 epochs, the lesson's MLP scores about 0.8; "
           "an untrained one about 0.10)")
    return [Case((Xs[:CHALLENGE_TRAIN], ys[:CHALLENGE_TRAIN], Xs[CHALLENGE_TRAIN:], ys[CHALLENGE_TRAIN:]),
                 {"epochs": 2, "batch_size": 32, "patience": 2}, seed=int(rng.integers(2**31)),
                 secret={"images": X_test[held], "labels": y_test[held].astype(np.int64), "scale": 255.0,
                         "at_least": CHALLENGE_AT_LEAST, "why": why})]


# ============================================================================= hidden tests: known mistakes
SCHEDULE_MODELS = {
    "linear": lambda step, n_steps, lr_min=1e-5, lr_max=10.0: lr_min + (lr_max - lr_min) * np.asarray(step) / (n_steps - 1),
    "never_reaches_max": lambda step, n_steps, lr_min=1e-5, lr_max=10.0: lr_min * (lr_max / lr_min) ** (
        np.asarray(step) / n_steps),
    "decreasing": lambda step, n_steps, lr_min=1e-5, lr_max=10.0: lr_max * (lr_min / lr_max) ** (
        np.asarray(step) / (n_steps - 1)),
    "integer_division": lambda step, n_steps, lr_min=1e-5, lr_max=10.0: lr_min * (lr_max / lr_min) ** (
        np.asarray(step) // (n_steps - 1)),
    "mixed_logs": lambda step, n_steps, lr_min=1e-5, lr_max=10.0: lr_min * 10 ** (
        np.asarray(step) / (n_steps - 1) * np.log(lr_max / lr_min)),
}


def _ema(losses, beta, correct=True, swap=False, first=False):
    out, avg = np.empty(len(losses)), (float(losses[0]) if first and len(losses) else 0.0)
    for i, loss in enumerate(losses):
        avg = (1 - beta) * avg + beta * float(loss) if swap else beta * avg + (1 - beta) * float(loss)
        out[i] = avg / (1 - beta ** (i + 1)) if correct else avg
    return out


SMOOTH_MODELS = {
    "no_bias_correction": lambda losses, beta=0.98: _ema(losses, beta, correct=False),
    "weights_swapped": lambda losses, beta=0.98: _ema(losses, beta, swap=True),
    "starts_at_first_loss": lambda losses, beta=0.98: _ema(losses, beta, correct=False, first=True),
    "beta_ignored": lambda losses, beta=0.98: _ema(losses, 0.98),
}


def _pick(rates, losses, k=4.0, beta=0.98, smooth=True, tenth=True, against="so_far", shift=0, argmin=False):
    rates = np.asarray(rates, dtype=np.float64)
    s = smooth_losses(losses, beta) if smooth else np.asarray(losses, dtype=np.float64)
    base = np.minimum.accumulate(s) if against == "so_far" else np.full_like(s, s[0])
    above = np.flatnonzero(s > k * base)
    i = int(above[0]) - shift if above.size and not argmin else int(np.argmin(s))
    return float(rates[max(i, 0)] / (10 if tenth else 1))


PICK_MODELS = {
    "no_tenth": lambda rates, losses, k=4.0, beta=0.98: _pick(rates, losses, k, beta, tenth=False),
    "min_loss_rate": lambda rates, losses, k=4.0, beta=0.98: _pick(rates, losses, k, beta, argmin=True),
    "raw_losses": lambda rates, losses, k=4.0, beta=0.98: _pick(rates, losses, k, beta, smooth=False),
    "first_loss": lambda rates, losses, k=4.0, beta=0.98: _pick(rates, losses, k, beta, against="first"),
    "previous_rate": lambda rates, losses, k=4.0, beta=0.98: _pick(rates, losses, k, beta, shift=1),
}


def _mlp(n_hidden, n_neurons):
    import keras
    hidden = [keras.layers.Dense(n_neurons, activation="relu") for _ in range(n_hidden)]
    return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), *hidden,
                             keras.layers.Dense(10, activation="softmax")])


def _tuned(hp, sampling="log", choice=True, compiled=True, follow_optimizer=True, follow_rate=True,
           follow_depth=True, rate_name="learning_rate"):
    import keras
    n_hidden = hp.Int("n_hidden", min_value=0, max_value=8, default=2)
    n_neurons = hp.Int("n_neurons", min_value=16, max_value=256)
    learning_rate = hp.Float(rate_name, min_value=1e-4, max_value=1e-2, sampling=sampling)
    optimizer = hp.Choice("optimizer", values=["sgd", "adam"]) if choice else "adam"
    model = _mlp(n_hidden if follow_depth else 2, n_neurons)
    if compiled:
        name = optimizer if follow_optimizer else "adam"
        opt = ({"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[name](learning_rate=learning_rate)
               if follow_rate else name)
        model.compile(loss="sparse_categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    return model


def _outside_hp(hp):
    import keras_tuner as kt
    return _tuned(kt.HyperParameters())


TUNER_MODELS = {
    "linear_sampling": lambda hp: _tuned(hp, sampling="linear"),
    "no_optimizer_choice": lambda hp: _tuned(hp, choice=False),
    "not_compiled": lambda hp: _tuned(hp, compiled=False),
    "optimizer_ignored": lambda hp: _tuned(hp, follow_optimizer=False),
    "rate_ignored": lambda hp: _tuned(hp, follow_rate=False),
    "n_hidden_ignored": lambda hp: _tuned(hp, follow_depth=False),
    "renamed": lambda hp: _tuned(hp, rate_name="lr"),
    "outside_hp": _outside_hp,
}


def _callbacks(checkpoint_path, log_dir, patience=10, best=True, restore=True, fixed_patience=False,
               monitor="val_loss", tensorboard=True):
    import keras
    found = [keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=best, monitor=monitor),
             keras.callbacks.EarlyStopping(patience=10 if fixed_patience else patience, restore_best_weights=restore,
                                           monitor=monitor)]
    return found + [keras.callbacks.TensorBoard(log_dir)] if tensorboard else found


CALLBACK_MODELS = {
    "no_save_best_only": lambda checkpoint_path, log_dir, patience=10: _callbacks(checkpoint_path, log_dir, patience,
                                                                                  best=False),
    "no_restore": lambda checkpoint_path, log_dir, patience=10: _callbacks(checkpoint_path, log_dir, patience,
                                                                           restore=False),
    "patience_ignored": lambda checkpoint_path, log_dir, patience=10: _callbacks(checkpoint_path, log_dir, patience,
                                                                                 fixed_patience=True),
    "monitor_loss": lambda checkpoint_path, log_dir, patience=10: _callbacks(checkpoint_path, log_dir, patience,
                                                                             monitor="loss"),
    "no_tensorboard": lambda checkpoint_path, log_dir, patience=10: _callbacks(checkpoint_path, log_dir, patience,
                                                                               tensorboard=False),
}


def _challenge_model(mistake):
    """A wrong train_challenge that leaves what the mistake leaves (no checkpoint, no logs, a History),
    without training: the grader names a mistake by these traces, so its models need not learn."""
    def wrong(X_train, y_train, X_valid, y_valid, checkpoint_path="checkpoints/mnist_best.keras",
              log_dir="logs/mnist", epochs=100, batch_size=128, patience=10):
        import keras
        import tensorflow as tf
        model = _mlp(1, 32)
        if mistake != "no_checkpoint":
            model.save(checkpoint_path)
        if mistake != "no_logs":
            with tf.summary.create_file_writer(os.path.join(log_dir, "train")).as_default():
                tf.summary.scalar("epoch_loss", 2.3, step=0)
        if mistake == "history_returned":
            history = keras.callbacks.History()
            history.set_model(model)
            return history
        return model
    return wrong


CHALLENGE_MODELS = {key: _challenge_model(key) for key in ("no_checkpoint", "no_logs", "history_returned")}


# ============================================================================= comparisons and criteria
def tuner_difference(got, want) -> str | None:
    """How what the tuner driver saw of the student's build_model differs from the reference's."""
    if difference(got, want, rtol=1e-4, atol=1e-5) is None and difference(want, got, rtol=1e-4, atol=1e-5) is None:
        return None  # both ways: a dict with more keys (a hyperparameter more) differs too
    if not isinstance(got, dict) or not isinstance(got.get("space"), dict) or not isinstance(got.get("built"), list):
        return "build_model(hp) could not be used as a tuner uses it"
    if got.get("first") != want.get("first"):
        return f"build_model(hp) returned {got.get('first')}, not a Keras model"
    if got["space"] != want["space"]:
        found = check.space_problem(got["space"])
        return f"the search space differs: {found[0] if found else 'see the exercise'}"
    for mine, theirs in zip(got["built"], want["built"]):
        if not isinstance(mine, dict):
            return "a built model could not be read"
        found = check.built_problem(mine, theirs["values"]) if mine.get("values") == theirs["values"] else None
        if found:
            return found[0]
        problem = objects.model_difference(mine.get("model"), theirs["model"])
        if problem:
            return f"with {theirs['values']}: {problem}"
        problem = objects.compiled_difference(mine.get("compiled"), theirs["compiled"])
        if problem:
            return f"with {theirs['values']}: {problem}"
    return None


def _flags(seen) -> tuple:
    if not isinstance(seen, dict):
        return (type(seen).__name__,)
    return seen.get("returned"), bool(seen.get("checkpoint")), bool(seen.get("logs"))


def challenge_flags(got, want) -> str | None:
    """Used only to name a mistake: the same kind of result, checkpoint and logs as a mistake's model."""
    return None if _flags(got) == _flags(want) else "differ"


def challenge_criterion(got, case) -> str | None:
    """The checkpoint file and the TensorBoard logs were written, and the trained model's accuracy on the
    grader's held-out test images (computed here) reaches case.secret["at_least"]."""
    if not isinstance(got, dict):
        return f"expected a trained model, got {type(got).__name__}"
    found = check.challenge_problem(got)
    if found:
        return found[0]  # the mistake's own message follows as "likely mistake" when a model reproduces it
    return objects.predictions_criterion(got.get("model"), case)


# ============================================================================= the questions
QUESTIONS = [
    Question(qid="09.lr_schedule", reference=lr_schedule, cases=_schedule_cases, catalogue=check.LR_SCHEDULE,
             models=SCHEDULE_MODELS, rtol=1e-9, atol=0.0),
    Question(qid="09.smooth_losses", reference=smooth_losses, cases=_smooth_cases, catalogue=check.SMOOTH_LOSSES,
             models=SMOOTH_MODELS, rtol=1e-9, atol=1e-12),
    Question(qid="09.pick_learning_rate", reference=pick_learning_rate, cases=_pick_cases,
             catalogue=check.PICK_LEARNING_RATE, models=PICK_MODELS, helpers=("smooth_losses",), rtol=1e-9),
    Question(qid="09.build_model", reference=build_model, cases=_tuner_cases, drive="lesson09:tuner_driver",
             compare=tuner_difference, catalogue=check.BUILD_MODEL, models=TUNER_MODELS, tensorflow=True),
    Question(qid="09.make_callbacks", reference=make_callbacks, cases=_callbacks_cases,
             drive="lesson09:callbacks_driver", catalogue=check.MAKE_CALLBACKS, models=CALLBACK_MODELS,
             tensorflow=True),
    Question(qid="09.train_challenge", reference=train_challenge, cases=_challenge_cases,
             drive="lesson09:challenge_driver", criterion=challenge_criterion, compare=challenge_flags,
             catalogue=check.CHALLENGE, models=CHALLENGE_MODELS, helpers=("make_callbacks",),
             rules=(check.CHALLENGE_RULE,), tensorflow=True),
]
