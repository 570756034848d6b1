"""How ``make test`` shares the tests between its two workers (``pytest -n 2 --dist loadscope``).

Each group runs on one worker, so fixtures scoped to a module or a class are computed once: a
group is a test's module, or its class where it has one (the end-to-end classes grade a batch
once per class), as with xdist's ``loadscope``. The exceptions are the modules whose tests are
each about one lesson and share no fixture across lessons (``BY_LESSON``): their tests are
grouped by lesson, so that the two workers share them. ``test_lessons_inprocess.py`` (every
lesson's fixtures) and ``test_release_without_nbgrader.py`` (three notebook runs per lesson) are
the two largest modules; whole, either would be the last group running while a worker sits idle.

The groups are made by the scheduler below, from the node ids, not by ``xdist_group`` marks:
with pytest 9.2, xdist 3.8's ``loadgroup`` no longer sees marks added at collection
(pytest-dev/pytest-xdist#1386), and every test went to whichever worker was free, so each
worker graded each end-to-end class again.
"""
from __future__ import annotations

import re

_LESSON = re.compile(r"(?:\[|/lesson|\b)(\d\d)[_.]")


BY_LESSON = ("test_lessons_inprocess.py", "test_release_without_nbgrader.py", "test_notebooks.py")


def group_of(nodeid: str) -> str:
    module, _, rest = nodeid.partition("::")
    if module.endswith(BY_LESSON):
        found = _LESSON.search(rest)
        return f"{module}::lesson{found.group(1)}" if found else module
    parts = rest.split("::")
    return f"{module}::{parts[0]}" if len(parts) > 1 else module


def pytest_collection_modifyitems(items):
    """The batches of graded notebooks first: they are the longest groups, and one started last
    would run alone at the end. (The scheduler hands out groups in collection order.)"""
    items.sort(key=lambda item: "/test_grading_" not in f"/{item.nodeid}")


def pytest_xdist_make_scheduler(config, log):
    """xdist's ``loadscope``, with the groups of :func:`group_of`, in collection order."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    config.option.loadscopereorder = False
    return ByGroup(config, log)
