"""How ``make test`` shares the tests between its two workers (``pytest -n 2 --dist loadgroup``).

Each group runs on one worker, so fixtures scoped to a module or a class are computed once: a
group is a test's module, or its class where it has one (the end-to-end classes grade a batch
once per class), as with ``--dist loadscope``. The one exception is
``tests/test_lessons_inprocess.py``, which holds every lesson's fixtures and is by far the
largest module: it is grouped by lesson, so that the two workers share it.
"""
from __future__ import annotations

import re

import pytest

_LESSON = re.compile(r"(?:\[|/lesson|\b)(\d\d)[_.]")


def group_of(nodeid: str) -> str:
    module, _, rest = nodeid.partition("::")
    if module.endswith("test_lessons_inprocess.py"):
        found = _LESSON.search(rest)
        return f"{module}::lesson{found.group(1)}" if found else module
    parts = rest.split("::")
    return f"{module}::{parts[0]}" if len(parts) > 1 else module


def pytest_collection_modifyitems(items):
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group_of(item.nodeid)))
