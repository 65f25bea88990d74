"""``case-file.html``: one self-contained, printable page rendered from the case-file document.

It renders ``dsl_tui.export.sections`` (the model the viewer's text and the PDF render too).
No scripts, no external links, no images: only inline CSS, so it opens the same in any browser
and prints cleanly. Every piece of text from the document goes through ``html.escape``, with
control characters shown as visible pictures (a text browser or ``cat`` never acts on one).
"""

from __future__ import annotations

from html import escape

from dsl_tui.export.sections import (
    Block,
    CaseSection,
    Cell,
    Fields,
    Part,
    TextBlock,
    build_view,
)
from dsl_tui.jsontypes import Doc

_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; margin: 2em auto; max-width: 60em;
       color: #111; line-height: 1.4; }
h1 { font-size: 1.6em; border-bottom: 2px solid #111; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #555; page-break-before: always; }
h2.first { page-break-before: avoid; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #888; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
th { background: #eee; }
.meta td:first-child { width: 14em; font-weight: bold; }
.notice { border: 2px solid #111; padding: 0.5em; margin: 1em 0; font-weight: bold; }
.muted { color: #555; }
.text { white-space: pre-wrap; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _part(part: Part) -> str:
    """One line of a cell: escaped, line breaks kept (``<br>``, so text browsers wrap it)."""
    body = escape(part.text, quote=True).replace("\n", "<br>")
    if part.style == "muted":
        return f"<span class='muted'>{body}</span>"
    if part.style == "bold":
        return f"<b>{body}</b>"
    if part.style == "code":
        return f"<code>{body}</code>"
    if part.style == "italic":
        return f"<i>{body}</i>"
    return f'<span class="text">{body}</span>' if "\n" in part.text else body


def _cell(cell: Cell) -> str:
    return "<br>".join(_part(p) for p in cell) or "&ndash;"


def _fields(fields: Fields) -> str:
    rows = "".join(
        f'<tr valign="top"><td>{escape(label)}</td><td>{_cell(value)}</td></tr>'
        for label, value in fields.rows
    )
    return f'<table class="meta">{rows}</table>'


def _block(block: Block) -> str:
    if isinstance(block, TextBlock):
        body = escape(block.text, quote=True).replace("\n", "<br>")
        return f'<h3>{escape(block.title)}</h3><div class="text">{body}</div>'
    if not block.rows:
        return f'<h3>{escape(block.title)}</h3><p class="muted">{escape(block.empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
    body = "".join(
        '<tr valign="top">' + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>"
        for row in block.rows
    )
    return (
        f"<h3>{escape(block.title)}</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _case_section(section: CaseSection, first: bool) -> str:
    cls = ' class="first"' if first else ""
    parts = [f"<h2{cls}>{escape(section.heading)}</h2>", _fields(section.fields)]
    parts += [_block(b) for b in section.blocks]
    return "\n".join(parts)


def _clauses_section(clauses: tuple[tuple[str, str], ...]) -> str:
    """Every policy clause the file cites, in full, once."""
    if not clauses:
        return ""
    rows = "".join(
        f'<tr valign="top"><td><b>{escape(ref)}</b></td><td><div class="text">'
        f"{escape(body, quote=True).replace(chr(10), '<br>')}</div></td></tr>"
        for ref, body in clauses
    )
    return f'<h2>Policy clauses cited</h2><table class="meta">{rows}</table>'


def render_html(document: Doc) -> str:
    """The whole printable page for a case-file document (already redacted if asked)."""
    view = build_view(document)
    head = [
        f"<h1>{escape(view.title)}</h1>",
        f'<p class="notice">{escape(view.notice)}</p>',
        _fields(view.fields),
    ]
    body = [_case_section(c, i == 0) for i, c in enumerate(view.cases)]
    body.append(_clauses_section(view.clauses))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(view.title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(head)
        + "\n"
        + "\n".join(body)
        + f'\n<p class="muted">{escape(view.footer)}</p>\n</body></html>\n'
    )
