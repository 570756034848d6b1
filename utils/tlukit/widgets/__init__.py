"""Interactive widgets that degrade to a static figure.

Every widget is shown through :func:`show`: where an interactive front end can run it
(JupyterLab, Jupyter Notebook, Colab) the widget appears; where none can (nbgrader, a
notebook rendered on GitHub, nbconvert, a notebook reopened without its widget state), the
static figure stands in (see :mod:`tlukit.widgets.core` for which front end picks what). Nothing
here ever waits for input, so a widget can never block grading, and a student's function that
is still a stub gives one line naming the exercise to finish, never a traceback.
"""
from .activations import activation_explorer  # noqa: F401
from .core import interactive, show  # noqa: F401
from .logic import truth_table_explorer  # noqa: F401
from .perceptron import perceptron_stepper  # noqa: F401
from .optimizers import optimizer_paths  # noqa: F401
