"""Interactive widgets that degrade to a static figure.

Every widget is shown through :func:`show`: where an interactive front end can run it
(JupyterLab, Jupyter Notebook, Colab) the widget appears; where none can (nbgrader, a
notebook rendered on GitHub, nbconvert), the static figure stands in. Nothing here ever
waits for input, so a widget can never block grading.
"""
from .core import interactive, show  # noqa: F401
from .logic import truth_table_explorer  # noqa: F401
from .perceptron import perceptron_stepper  # noqa: F401
