"""tlukit: the helper package of the neural-network course kit.

* :mod:`tlukit.checks`  - visible self-checks, one module per lesson;
* :mod:`tlukit.data`    - data loaders (iris, Fashion-MNIST, California housing, MNIST);
* :mod:`tlukit.plots`   - decision boundaries, truth tables, learning curves;
* :mod:`tlukit.widgets` - interactive widgets with static fallbacks;
* :func:`set_seed`      - seeds Python, NumPy and TensorFlow (when in use);
* :func:`scaled`        - a smaller size or fewer epochs while the autograder runs the notebook;
* :mod:`tlukit.probe`, :mod:`tlukit.wire` - the student-side half of a hidden test (no answers).

Importing tlukit never imports TensorFlow.
"""
from .checking import CheckFailed  # noqa: F401
from .grading import grading_mode, scaled  # noqa: F401
from .seed import set_seed  # noqa: F401

__version__ = "0.1.0"
