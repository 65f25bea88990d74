"""``case-file.html``: one self-contained, printable page rendered from the case-file document.

No scripts, no external links, no images: only inline CSS, so it opens the same in any browser
and prints cleanly. Every piece of text from the document goes through ``html.escape``, with
control characters shown as visible pictures (a text browser or ``cat`` never acts on one).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from dsl_tui.jsontypes import Doc
from dsl_tui.model import triaged_under
from dsl_tui.terminal import safe_text

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


def _t(value: object) -> str:
    """Escaped text of any value; ``None`` and empty as a dash."""
    if value is None or value == "":
        return "&ndash;"
    return escape(safe_text(value), quote=True)


def _when(value: object) -> str:
    """An ISO time as "2026-03-04 09:15 UTC", escaped."""
    if not value:
        return "&ndash;"
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return _t(value)
    if len(str(value)) <= 10:
        return _t(parsed.date().isoformat())
    return _t(parsed.strftime("%Y-%m-%d %H:%M UTC"))


def _first_line(text: str, limit: int = 160) -> str:
    """The opening of a clause's text, for a table cell (the full text is in the appendix)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "\u2026"


def _playbook_version(case: Doc) -> str:
    """The playbook version the case was triaged under (older files have none)."""
    return _t(triaged_under(str(case.get("playbook_version") or "")))


def _clauses_section(clauses: dict[str, str]) -> str:
    """Every policy clause the file cites, in full, once."""
    if not clauses:
        return ""
    rows = "".join(
        f'<tr valign="top"><td><b>{_t(ref)}</b></td><td>{_pre(text)}</td></tr>'
        for ref, text in sorted(clauses.items())
    )
    return f'<h2>Policy clauses cited</h2><table class="meta">{rows}</table>'


def _pre(value: object) -> str:
    """Free text with its line breaks kept (``<br>``, not ``<pre>``, so text browsers wrap it)."""
    return f'<div class="text">{_t(value).replace(chr(10), "<br>")}</div>'


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    """A table of already-escaped cells, or a muted line when there are no rows."""
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        '<tr valign="top">' + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _case_section(case: Doc, clauses: dict[str, str], first: bool) -> str:
    """The HTML for one case: summary, people, chronology, steps, evidence, notes, decisions."""
    parts: list[str] = []
    cls = ' class="first"' if first else ""
    parts.append(f"<h2{cls}>Case {_t(case.get('id'))}: {_t(case.get('category_title'))}</h2>")
    meta = [
        ("School", _t(case.get("school"))),
        (
            "Category",
            f"{_t(case.get('category_title'))} (policy {_t(case.get('clause'))})"
            + (
                f"<br><span class='muted'>{_t(_first_line(clauses[case['clause']]))}</span>"
                if clauses.get(case.get("clause", ""))
                else ""
            ),
        ),
        ("Risk", _t(case.get("risk"))),
        ("Status", _t(case.get("status"))),
        ("Reported", f"{_when(case.get('reported_at'))} by {_t(case.get('reporter'))}"),
        ("Happened", _when(case.get("occurred_at"))),
        ("Case owner", _t(case.get("owner"))),
        ("Triaged under", _playbook_version(case)),
        ("Outcome", _pre(case.get("outcome"))),
        ("Closed", _when(case.get("closed_at"))),
        ("Review on", _when(case.get("review_on"))),
    ]
    if case.get("received_from"):
        meta.append(
            ("Received from", f"{_t(case['received_from'])} on {_when(case.get('received_at'))}")
        )
    if case.get("transferred_to"):
        meta.append(("Transferred to", _t(case["transferred_to"])))
    rows = "".join(f'<tr valign="top"><td>{escape(k)}</td><td>{v}</td></tr>' for k, v in meta)
    parts.append(f'<table class="meta">{rows}</table>')
    parts.append("<h3>Summary of the concern</h3>" + _pre(case.get("summary")))
    if case.get("child_words"):
        parts.append("<h3>The child's own words</h3>" + _pre(case.get("child_words")))
    parts.append(
        "<h3>People</h3>"
        + _table(
            ["Role", "Name", "Year group", "Date of birth", "School"],
            [
                [
                    _t(p.get("role")),
                    _t(p.get("name")),
                    _t(p.get("year_group")),
                    _when(p.get("date_of_birth")),
                    _t(p.get("school")),
                ]
                for p in case.get("people", [])
            ],
            "No people recorded.",
        )
    )
    parts.append(
        "<h3>Accounts and addresses (policy 8.2)</h3>"
        + _table(
            ["Platform", "Handle", "Web address", "Phone"],
            [
                [_t(a.get("platform")), _t(a.get("handle")), _t(a.get("url")), _t(a.get("phone"))]
                for a in case.get("accounts", [])
            ],
            "No accounts recorded.",
        )
    )
    parts.append(
        "<h3>Chronology</h3>"
        + _table(
            ["When", "Who", "What", "Detail"],
            [
                [_when(e.get("at")), _t(e.get("by")), _t(e.get("kind")), _pre(e.get("text"))]
                for e in case.get("chronology", [])
            ],
            "No chronology recorded.",
        )
    )
    step_rows = []
    for s in case.get("steps", []):
        clause = s.get("clause", "")
        why = f"<b>{_t(clause)}</b>"
        if clause and clauses.get(clause):
            why += f"<br><span class='muted'>{_t(_first_line(clauses[clause]))}</span>"
        ended = s.get("outcome") or s.get("reason")
        answers = "; ".join(f"{k}: {v}" for k, v in s.get("answers", []))
        step_rows.append(
            [
                _t(s.get("title"))
                + (f"<br><span class='muted'>{_t(s['detail'])}</span>" if s.get("detail") else ""),
                _t(s.get("actor")),
                _when(s.get("due_at")),
                f"{_t(s.get('state'))}<br>{_when(s.get('done_at'))} {_t(s.get('done_by'))}",
                _pre(ended) + (f"<br>{_t(answers)}" if answers else ""),
                why,
            ]
        )
    parts.append(
        "<h3>Steps and outcomes</h3>"
        + _table(
            ["Step", "Who", "Due", "State", "Outcome or reason", "Policy"],
            step_rows,
            "No steps recorded.",
        )
    )
    parts.append(
        "<h3>Evidence (policy 8.2)</h3>"
        + _table(
            ["Description", "Where", "Captured", "Added", "File and SHA-256"],
            [
                [
                    _pre(e.get("description")),
                    _t(e.get("location")),
                    _when(e.get("captured_at")),
                    f"{_when(e.get('added_at'))} {_t(e.get('added_by'))}",
                    f"{_t(e.get('filename'))}<br><code>{_t(e.get('sha256'))}</code>"
                    if e.get("sha256")
                    else "&ndash;",
                ]
                for e in case.get("evidence", [])
            ],
            "No evidence recorded.",
        )
    )
    parts.append(
        "<h3>Evidence notes</h3>"
        + _table(
            ["When", "Who", "Kind", "Note"],
            [
                [
                    _when(n.get("at")),
                    _t(n.get("by")),
                    _t(n.get("kind")),
                    (f"<i>Corrects note {_t(n['corrects'])}.</i><br>" if n.get("corrects") else "")
                    + _pre(n.get("text")),
                ]
                for n in case.get("notes", [])
            ],
            "No notes recorded.",
        )
    )
    parts.append(
        "<h3>Decisions and rationale</h3>"
        + _table(
            ["When", "Who", "Decision", "Rationale"],
            [
                [_when(d.get("at")), _t(d.get("by")), _t(d.get("kind")), _pre(d.get("text"))]
                for d in case.get("decisions", [])
            ],
            "No decisions recorded.",
        )
    )
    return "\n".join(parts)


def render_html(document: Doc) -> str:
    """The whole printable page for a case-file document (already redacted if asked)."""
    cases = document.get("cases", [])
    clauses = document.get("clauses", {})
    redaction = document.get("redaction", {})
    hidden = [
        w
        for w, on in (("pupils", redaction.get("pupils")), ("staff", redaction.get("staff")))
        if on
    ]
    title = "Case file" if len(cases) == 1 else f"Case file: {len(cases)} cases"
    head = [
        f"<h1>{escape(title)}</h1>",
        '<p class="notice">OFFICIAL-SENSITIVE: safeguarding information. Keep it secure; share '
        "only with those who need to know; do not copy or forward.</p>",
    ]
    meta = [
        ("Exported", f"{_when(document.get('exported_at'))} by {_t(document.get('exported_by'))}"),
        ("From school", _t(document.get("from_school"))),
        ("Purpose", _t(document.get("purpose"))),
        ("Cases", _t(", ".join(str(c.get("id", "")) for c in cases))),
    ]
    if document.get("transfer_to"):
        meta.append(("Transfer to", _t(document["transfer_to"])))
    if hidden:
        meta.append(
            (
                "Redacted",
                _t(f"names of {' and '.join(hidden)} shown as initials; evidence files left out"),
            )
        )
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in meta)
    head.append(f'<table class="meta">{rows}</table>')
    body = [_case_section(c, clauses, i == 0) for i, c in enumerate(cases)]
    body.append(_clauses_section(clauses))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(head)
        + "\n"
        + "\n".join(body)
        + f'\n<p class="muted">Made by dsl-tui {_t(document.get("app_version"))}, '
        f"case-file schema {_t(document.get('schema_version'))}.</p>\n</body></html>\n"
    )
