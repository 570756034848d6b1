"""Read a student's notebook whatever state it is in, and rebuild it on the trusted release.

Only the student's *answers* are taken from the submission: the cells the release marks as
answers (:func:`autograder.course.is_answer`), matched by grade id, else by cell id, and the
code cells the student added. Every other cell (set-up, explanations, test cells) and all
metadata (grade ids, points, cell types, schema) come from the release the instructor
generated, so editing, deleting or re-labelling them changes nothing. A duplicated answer
cell runs as written, in order, as in Jupyter's "Run all"; a deleted one leaves the release's
stub in its place (and a note).
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course

MAX_NOTEBOOK_BYTES = 50 * 2**20


@dataclass
class Submission:
    cells: list[dict] = field(default_factory=list)  # {"cell_type", "source", "grade_id", "id"}
    problem: str = ""  # why nothing could be read (then ``cells`` is empty)
    notes: list[str] = field(default_factory=list)  # what was odd but could be worked around


SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate: valid JSON, not encodable as UTF-8


def _text(source) -> str:
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def read_submission(path: Path | None) -> Submission:
    """The cells of a submitted notebook, leniently: any nbformat version, invalid fields ignored."""
    if path is None or not path.exists():
        return Submission(problem="no notebook was submitted for this lesson")
    size = path.stat().st_size
    if size == 0:
        return Submission(problem=f"{path.name} is an empty file (0 bytes): the upload failed or the notebook "
                                  "was never saved; ask for a fresh upload")
    if size > MAX_NOTEBOOK_BYTES:
        return Submission(problem=f"{path.name} is {size / 2**20:.0f} MiB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB "
                                  "limit: clear the outputs (Edit > Clear all outputs) and upload it again")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        return Submission(problem=f"{path.name} is not a notebook (not UTF-8 text); ask for a fresh upload")
    except (ValueError, RecursionError) as exc:
        return Submission(problem=f"{path.name} is not a readable notebook (not valid JSON: {str(exc)[:80]}); "
                                  "the file is truncated or damaged; ask for a fresh upload")
    if not isinstance(data, dict):
        return Submission(problem=f"{path.name} is JSON but not a notebook; ask for a fresh upload")
    out = Submission()
    major = data.get("nbformat")
    if major != 4:
        try:
            data = nbformat.convert(nbformat.from_dict(data), 4)
            out.notes.append(f"{path.name} was in notebook format {major}; it was converted to format 4 to be graded")
        except Exception as exc:  # noqa: BLE001 - any failure to convert is the notebook's problem
            return Submission(problem=f"{path.name} is in an unknown notebook format ({major!r}: {str(exc)[:80]}); "
                                      "open it in JupyterLab, save it, and upload it again")
    cells = data.get("cells")
    if not isinstance(cells, list):
        return Submission(problem=f"{path.name} has no list of cells; ask for a fresh upload")
    replaced = False
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        grade_id = nbg.get("grade_id") if isinstance(nbg.get("grade_id"), str) else None
        source = _text(cell.get("source"))
        source, n = SURROGATE.subn("\ufffd", source)
        replaced = replaced or n > 0
        out.cells.append({"cell_type": cell.get("cell_type"), "source": source,
                          "grade_id": grade_id, "id": cell.get("id") if isinstance(cell.get("id"), str) else None})
    if replaced:
        out.notes.append(f"{path.name} holds characters that are not valid Unicode (lone surrogates, as a broken "
                         "copy and paste leaves); each was replaced by \ufffd before grading")
    return out


def merge(release, sub: Submission):
    """The release notebook with the student's answers in place, and notes on what was missing.

    Cells the student added are inserted after the release cell they followed; they carry
    ``metadata.tlukit.added = True``.
    """
    nb = copy.deepcopy(release)
    notes = list(sub.notes)
    by_grade = {course.grade_id(c): i for i, c in enumerate(nb.cells) if course.grade_id(c)}
    by_id = {c.get("id"): i for i, c in enumerate(nb.cells) if c.get("id")}
    filled: set[int] = set()
    after: dict[int, list] = {}  # release index -> student cells added after it (-1: before the first)
    anchor = -1
    for cell in sub.cells:
        index = by_grade.get(cell["grade_id"]) if cell["grade_id"] else None
        if index is None and cell["id"] in by_id:
            index = by_id[cell["id"]]
        if index is not None and (not course.is_answer(nb.cells[index]) or index not in filled):
            if course.is_answer(nb.cells[index]):
                nb.cells[index].source = cell["source"]
                filled.add(index)
            anchor = index
            continue
        if cell["cell_type"] == "code" and cell["source"].strip():
            extra = nbformat.v4.new_code_cell(cell["source"])
            extra.metadata["tlukit"] = {"added": True}
            after.setdefault(anchor, []).append(extra)
    for i, c in enumerate(nb.cells):
        if course.is_answer(c) and i not in filled:
            notes.append(f"answer cell {course.grade_id(c)} is missing from the submission "
                         "(deleted, or its metadata was changed); it was graded as unanswered")
    cells = list(after.get(-1, []))
    for i, c in enumerate(nb.cells):
        cells.append(c)
        cells.extend(after.get(i, []))
    nb.cells = cells
    return nb, notes
