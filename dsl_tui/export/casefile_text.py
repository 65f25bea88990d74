"""A case file as plain text lines (what the read-only viewer shows).

It renders ``dsl_tui.export.sections``, the same model as the printable page and the PDF, so the
viewer shows every field the page shows. Wrapped parts of a cell are indented under it.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsl_tui.export.sections import Cell, Fields, TextBlock, build_view, case_view
from dsl_tui.jsontypes import Doc


def _cell_lines(cell: Cell) -> list[str]:
    return [line for part in cell for line in part.text.splitlines() or [""]]


def _fields(fields: Fields) -> list[str]:
    width = max((len(label) for label, _ in fields.rows), default=0)
    out = []
    for label, value in fields.rows:
        lines = _cell_lines(value) or [""]
        out.append(f"{label + ':':<{width + 1}} {lines[0]}")
        out += [f"{'':<{width + 1}} {line}" for line in lines[1:]]
    return out


def header_lines(document: Doc) -> list[str]:
    """The file's own details: when, by whom, why, and whether names are redacted."""
    view = build_view({**document, "cases": document.get("cases", [])})
    return [view.title, view.notice, *_fields(view.fields), view.footer]


def case_lines(case: Doc, clauses: Mapping[str, str]) -> list[str]:
    """Every section of one case, as the page has them, in plain text."""
    section = case_view(case, clauses)
    out = [section.heading, *_fields(section.fields)]
    for block in section.blocks:
        out += ["", block.title.upper()]
        if isinstance(block, TextBlock):
            out += [f"  {line}" for line in block.text.splitlines() or [""]]
            continue
        if not block.rows:
            out.append(f"  {block.empty}")
            continue
        for row in block.rows:
            first = True
            for header, cell in zip(block.headers, row, strict=True):
                lines = _cell_lines(cell)
                lead = "- " if first else "  "
                out.append(f"  {lead}{header}: {lines[0] if lines else ''}")
                out += [f"      {line}" for line in lines[1:]]
                first = False
    return out
