"""The instructor's side of the course kit: reference implementations, hidden tests and the
grading command (``python -m autograder --help``)."""
