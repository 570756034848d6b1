"""Import TensorFlow and Keras quietly: what the set-up cell of a TensorFlow lesson calls.

TensorFlow's C++ runtime writes start-up lines to the process's standard error before any
logging setting applies ("oneDNN custom operations are on", "Could not find cuda drivers",
"failed call to cuInit" on a machine without a GPU). Jupyter shows them under the cell as
red text, which reads like an error. :func:`import_keras` sends file descriptor 2 to
``/dev/null`` while TensorFlow loads and starts its devices, then puts it back: Python's own
errors and warnings still show as usual. Nothing here runs when ``tlukit`` is imported.
"""
from __future__ import annotations

import contextlib
import logging
import os
import warnings


@contextlib.contextmanager
def silent_stderr():
    """Send the process's standard error (the file descriptor, so C++ writes too) to /dev/null."""
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


def import_keras():
    """``keras, tf``: imported, with the CPU device started, without TensorFlow's start-up noise.

    Also keeps TensorFlow's Python logger to errors (it warns about retracing when many small
    models are built, which says nothing about the student's work), and silences the
    DeprecationWarning TensorFlow's NumPy conversion gives under NumPy 2 (TensorBoard's summary
    writer and ``keras.backend`` give it on every call; nothing a student can change).
    """
    warnings.filterwarnings("ignore", message=r"__array__ implementation doesn't accept a copy keyword",
                            category=DeprecationWarning)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with silent_stderr():
        import keras
        import tensorflow as tf

        tf.config.list_logical_devices()  # the devices start now, while their messages go nowhere
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    return keras, tf
