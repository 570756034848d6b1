"""nbgrader settings of the course kit. The grading command (python -m autograder) copies
this file into its working folder, so the same settings hold wherever grading happens."""
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "nn-course-kit"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Read in the repository itself (nbgrader or a plain `jupyter lab` started here, not `make lab`):
# the course folder is grading/, so that no gradebook.db is ever made in the repository root. The
# copies of this file in course folders (made by the grading and lab commands) do not redirect.
import os as _os  # noqa: E402

_here = _os.path.dirname(_os.path.abspath(__file__))  # noqa: F821 - provided by traitlets
if _os.path.isdir(_os.path.join(_here, "autograder")) and _os.path.isdir(_os.path.join(_here, "source")):
    c.CourseDirectory.root = _os.path.join(_here, "grading")

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Time limit per cell while autograding (seconds). The grading command adds a limit per
# notebook on top and may lower this one (--cell-timeout).
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback never shows hidden test code, only which checks failed and why.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Keep student outputs to a reasonable size in the autograded notebooks.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60
