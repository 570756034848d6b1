"""The executed notebook as written: the kernel's outputs made safe to show, and the file saved.

Every page the instructor opens (the feedback, formgrader's views) is made from the notebook
:func:`write` saves, so active content the student controls is neutralised first
(:func:`sanitize`) and the grader's notes are escaped. :func:`as_text` turns a test cell's own
outputs into plain text, and :func:`error` makes the error outputs that carry the grader's
verdicts and faults.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from . import assemble, course


def _valid_text(value):
    """``value`` with every lone surrogate (not encodable as UTF-8) replaced by U+FFFD."""
    if isinstance(value, str):
        return assemble.SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_valid_text(v) for v in value]
    if isinstance(value, dict):
        return type(value)((_valid_text(k), _valid_text(v)) for k, v in value.items())
    return value


def sanitize(nb) -> None:
    """Neutralise active content the student controls, before any page shows it to the instructor.

    Every output (the kernel runs the student's code, so any cell's output may be forged) and
    every markdown answer goes through nbconvert's ``SanitizeHTML`` (bleach): JavaScript and
    other unknown output types are removed; HTML keeps a safe list of tags and attributes
    (no script, iframe, event handler or ``javascript:`` link). The feedback, formgrader's
    views and the autograded notebooks all come from this notebook.
    """
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    tags = ["a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "i", "img", "li", "ol",
            "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"]
    attributes = {"a": ["href", "title"], "abbr": ["title"], "img": ["src", "alt", "width", "height"],
                  "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"]}
    sanitizer = SanitizeHTML(tags=tags, attributes=attributes)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = sanitizer.sanitize_code_outputs(cell.get("outputs", []))
        elif cell.cell_type == "markdown" and course.is_written(cell):
            cell.source = _neutral_links(sanitizer.sanitize_html_tags(cell.source))
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                output["data"]["text/markdown"] = _neutral_links(output["data"]["text/markdown"])


def _neutral_links(markdown: str) -> str:
    """Markdown links and images whose target would run script become plain text."""
    return re.sub(r"\]\(\s*<?\s*(javascript|vbscript|data)\s*:", "](#unsafe-link-removed:", markdown, flags=re.I)


def _notes(reasons: list[str]):
    """The grader's notes as a markdown cell; every reason may hold text the student wrote, so
    it is escaped and kept in an HTML block (no markdown is interpreted inside it)."""
    items = "".join(f"<li>{html.escape(r).replace(chr(10), '<br>')}</li>" for r in reasons)
    note = nbformat.v4.new_markdown_cell(f"**Notes from the grader**\n\n<ul>{items}</ul>")
    note.metadata["tlukit"] = {"grader_notes": True}
    return note


def write(out: Path, nb, reasons: list[str]) -> None:
    """Save the executed notebook at ``out``: text made valid, active content neutralised, the
    grader's notes (``reasons``) on top."""
    nb = nbformat.from_dict(_valid_text(nb))
    sanitize(nb)
    if reasons:
        nb.cells.insert(0, _notes(reasons))
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        nbformat.write(nb, out)
    except Exception as exc:  # noqa: BLE001 - outputs that cannot be saved cost their display, never the grades
        for cell in nb.cells:
            if cell.cell_type == "code" and not course.is_test(cell):  # the verdicts stay
                cell.outputs = []
        reason = f"the outputs of this notebook could not be saved ({type(exc).__name__}); they were left out"
        nb.cells[0: 1 if reasons else 0] = [_notes([*reasons, reason])]
        nbformat.write(nb, out)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def as_text(outputs) -> list:
    """The kernel's outputs of a test cell (the visible checks), as plain stdout text.

    They are shown in the feedback, never scored: the score is the verdict the grader adds
    after them. Errors and stderr become text so that nbgrader does not read them as a verdict.
    """
    lines = []
    for out in outputs:
        if out.get("output_type") == "stream":
            lines.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            lines.append("\n".join(_ANSI.sub("", t) for t in out.get("traceback", [])) + "\n")
        elif out.get("output_type") in ("display_data", "execute_result"):
            lines.append(str(out.get("data", {}).get("text/plain", "")) + "\n")
    text = "".join(lines)
    if len(text) > 4000:
        text = text[:4000] + "\n[cut]\n"
    return [nbformat.v4.new_output("stream", name="stdout", text=text)] if text.strip() else []


def error(ename: str, text: str):
    """An error output under a cell: a failed verdict, a fault, or why the notebook was not graded."""
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"✗ {ename}", *text.splitlines()])
