"""Benchmark: lesson 05's NumPy MLP against Keras, epoch for epoch, on Fashion-MNIST.

    python benchmarks/numpy_mlp.py [--epochs 5] [--batch-size 256]

The same network (784-300-100-10, ReLU, softmax), the same batch size, the same optimizer (Adam,
learning rate 1e-3, β1 = 0.9, β2 = 0.999, ε = 1e-7), the same He-normal initialisation scale and
zero biases, float32 throughout, pixels scaled to [0, 1], trained on the 60,000 training images
and tested on the 10,000 test images, on this machine. The NumPy side is the lesson's reference
code (``autograder.lessons.lesson05``: ``init_params``, ``minibatches``, ``mlp_loss_and_grads``,
``adam_step``), which is the instructor's, so this script is too.

It measures and prints; it asserts nothing (the tests assert behaviour). Targets (issue 9,
section 4): a NumPy epoch no slower than a Keras ``fit`` epoch, and a final test accuracy within
one point of Keras's after the same number of epochs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "utils"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from autograder.lessons.lesson05 import adam_step, init_params, minibatches, mlp_loss_and_grads  # noqa: E402
from tlukit.data import load_fashion_mnist  # noqa: E402

SIZES = [784, 300, 100, 10]


def data():
    (X_train, y_train), (X_test, y_test) = load_fashion_mnist()
    scale = np.float32(1 / 255)
    return (X_train.reshape(len(X_train), -1).astype(np.float32) * scale, y_train.astype(np.int64),
            X_test.reshape(len(X_test), -1).astype(np.float32) * scale, y_test.astype(np.int64))


def predict(params, X):
    A = X
    L = len(params) // 2
    for layer in range(1, L + 1):
        Z = A @ params[f"W{layer}"] + params[f"b{layer}"]
        A = np.maximum(Z, 0) if layer < L else Z
    return A.argmax(axis=1)


def numpy_run(X, y, X_test, y_test, epochs, batch_size, seed=42):
    params = init_params(SIZES, seed=seed)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    t, times = 0, []
    for epoch in range(epochs):
        start = time.perf_counter()
        for X_batch, y_batch in minibatches(X, y, batch_size=batch_size, seed=seed + epoch):
            t += 1
            loss, grads = mlp_loss_and_grads(params, X_batch, y_batch)
            for key in params:
                params[key], m[key], v[key] = adam_step(params[key], grads[key], m[key], v[key], t)
        times.append(time.perf_counter() - start)
    dtype = {str(p.dtype) for p in params.values()}
    return times, float(np.mean(predict(params, X_test) == y_test)), dtype


def keras_run(X, y, X_test, y_test, epochs, batch_size, seed=42):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(784,)),
                              keras.layers.Dense(300, activation="relu", kernel_initializer="he_normal"),
                              keras.layers.Dense(100, activation="relu", kernel_initializer="he_normal"),
                              keras.layers.Dense(10, activation="softmax", kernel_initializer="he_normal")])
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-7), metrics=["accuracy"])

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    times: list[float] = []
    model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[Timer()])
    accuracy = float(np.mean(model.predict(X_test, batch_size=1024, verbose=0).argmax(axis=1) == y_test))
    return times, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    X, y, X_test, y_test = data()
    print(f"Fashion-MNIST {X.shape[0]:,} train / {X_test.shape[0]:,} test, {'-'.join(map(str, SIZES))}, "
          f"batch {args.batch_size}, Adam lr=1e-3, {args.epochs} epochs, float32, {os.cpu_count()} cores")
    np_times, np_acc, dtypes = numpy_run(X, y, X_test, y_test, args.epochs, args.batch_size)
    k_times, k_acc = keras_run(X, y, X_test, y_test, args.epochs, args.batch_size)
    # Keras's first epoch includes tracing and compiling the train step: report it apart.
    k_steady = float(np.median(k_times[1:])) if len(k_times) > 1 else k_times[0]
    np_steady = float(np.median(np_times))
    print(f"{'':28}{'NumPy (lesson 05)':>20}{'Keras fit':>14}   target")
    print(f"{'seconds per epoch (median)':28}{np_steady:>20.2f}{k_steady:>14.2f}   NumPy ≤ Keras: "
          f"{'met' if np_steady <= k_steady else 'NOT met'}")
    print(f"{'first epoch (s)':28}{np_times[0]:>20.2f}{k_times[0]:>14.2f}")
    print(f"{'every epoch (s)':28}{' '.join(f'{t:.2f}' for t in np_times):>20}  {' '.join(f'{t:.2f}' for t in k_times)}")
    print(f"{'test accuracy':28}{np_acc:>20.4f}{k_acc:>14.4f}   within 1 point: "
          f"{'met' if abs(np_acc - k_acc) <= 0.01 else 'NOT met'} ({100 * (np_acc - k_acc):+.2f} points)")
    print(f"NumPy parameters' dtype after training: {', '.join(sorted(dtypes))}")


if __name__ == "__main__":
    main()
