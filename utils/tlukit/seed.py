"""Reproducibility: one call seeds Python, NumPy and (if it is already in use) TensorFlow."""
from __future__ import annotations

import os
import random
import sys

import numpy as np


def set_seed(seed: int = 42) -> np.random.Generator:
    """Seed Python's ``random``, NumPy's global generator and, when Keras or TensorFlow has
    been imported, their generators too. Returns a fresh ``np.random.Generator`` for ``seed``.

    TensorFlow is never imported here: the NumPy lessons must start fast.
    """
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses; this process's hashing is fixed at start
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)  # seeds random, NumPy and the backend
    elif "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
    return np.random.default_rng(seed)
