"""One model of a case file's content, which the HTML page, the viewer's text and the PDF render.

Every rendering walks the same ``CaseFileView``: the same sections, fields, tables and cells in the
same order, so what a senior manager prints, reads in the viewer or opens as a PDF cannot drift
apart (an earlier text rendering left out dates of birth and schools that the page showed).

Times are shown in Europe/London with the zone named ("04 Mar 2026 09:15 GMT", "BST" in summer):
the DSL and the senior manager read local time; the JSON keeps UTC. A value that is missing shows
as an en dash. The model holds plain text only: each renderer escapes it for its own medium.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from dsl_tui.deadlines import LONDON
from dsl_tui.jsontypes import Doc
from dsl_tui.model import triaged_under
from dsl_tui.terminal import safe_text

#: What a missing value shows as, in every rendering.
DASH = "\u2013"

Style = Literal["plain", "muted", "bold", "code", "italic"]


@dataclass(frozen=True)
class Part:
    """One line of a cell; ``text`` may hold line breaks of its own (free text)."""

    text: str
    style: Style = "plain"


#: A table cell or field value: its parts, each on a line of its own.
Cell = tuple[Part, ...]


@dataclass(frozen=True)
class Fields:
    """Label and value pairs (the case's details)."""

    rows: tuple[tuple[str, Cell], ...]


@dataclass(frozen=True)
class TextBlock:
    """A heading and free text (the summary, the child's own words)."""

    title: str
    text: str


@dataclass(frozen=True)
class Table:
    """A heading and a table; ``empty`` says so when there are no rows."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str


Block = TextBlock | Table


@dataclass(frozen=True)
class CaseSection:
    """One case: its heading, its details, then its blocks in order."""

    heading: str
    fields: Fields
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class CaseFileView:
    """The whole case file as every rendering shows it."""

    title: str
    notice: str
    fields: Fields
    cases: tuple[CaseSection, ...]
    clauses: tuple[tuple[str, str], ...]
    footer: str


NOTICE = (
    "OFFICIAL-SENSITIVE: safeguarding information. Keep it secure; share only with those who "
    "need to know; do not copy or forward."
)


def text(value: object) -> str:
    """Any value as display text (control characters as visible pictures); missing as a dash."""
    if value is None or value == "":
        return DASH
    return safe_text(value)


def when(value: object) -> str:
    """An ISO time or date as London time with its zone, e.g. "04 Mar 2026 09:15 GMT"."""
    if not value:
        return DASH
    raw = str(value)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return text(value)
    if len(raw) <= 10:
        return parsed.strftime("%d %b %Y")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        local = parsed.astimezone(LONDON)
    except (OverflowError, ValueError):  # year 1 or 9999: shown as stored, in UTC
        return parsed.strftime("%d %b %Y %H:%M UTC")
    return local.strftime("%d %b %Y %H:%M ") + (local.tzname() or "")


def first_line(clause_text: str, limit: int = 160) -> str:
    """The opening of a clause's text, for a table cell (the whole text is in the appendix)."""
    line = clause_text.strip().splitlines()[0] if clause_text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "\u2026"


def _cell(*parts: Part | None) -> Cell:
    return tuple(p for p in parts if p is not None)


def _plain(value: object) -> Part:
    return Part(text(value))


def _muted(value: str) -> Part | None:
    return Part(safe_text(value), "muted") if value else None


def _clause_cell(ref: str, clauses: Mapping[str, str]) -> Cell:
    return _cell(Part(text(ref), "bold"), _muted(first_line(clauses.get(ref, ""))))


def _table(
    title: str, headers: Sequence[str], rows: Iterable[Cell | Sequence[Cell]], empty: str
) -> Table:
    return Table(title, tuple(headers), tuple(tuple(r) for r in rows), empty)  # type: ignore[arg-type]


def _case(case: Doc, clauses: Mapping[str, str]) -> CaseSection:
    clause = str(case.get("clause") or "")
    details: list[tuple[str, Cell]] = [
        ("School", _cell(_plain(case.get("school")))),
        (
            "Category",
            _cell(
                Part(f"{text(case.get('category_title'))} (policy {text(clause)})"),
                _muted(first_line(clauses.get(clause, ""))),
            ),
        ),
        ("Risk", _cell(_plain(case.get("risk")))),
        ("Status", _cell(_plain(case.get("status")))),
        (
            "Reported",
            _cell(Part(f"{when(case.get('reported_at'))} by {text(case.get('reporter'))}")),
        ),
        ("Happened", _cell(Part(when(case.get("occurred_at"))))),
        ("Case owner", _cell(_plain(case.get("owner")))),
        ("Triaged under", _cell(_plain(triaged_under(str(case.get("playbook_version") or ""))))),
        ("Outcome", _cell(_plain(case.get("outcome")))),
        ("Closed", _cell(Part(when(case.get("closed_at"))))),
        ("Review on", _cell(Part(when(case.get("review_on"))))),
    ]
    if case.get("received_from"):
        received = f"{text(case['received_from'])} on {when(case.get('received_at'))}"
        details.append(("Received from", _cell(Part(received))))
    if case.get("transferred_to"):
        details.append(("Transferred to", _cell(_plain(case["transferred_to"]))))
    blocks: list[Block] = [TextBlock("Summary of the concern", text(case.get("summary")))]
    if case.get("child_words"):
        blocks.append(TextBlock("The child's own words", text(case.get("child_words"))))
    blocks.append(
        _table(
            "People",
            ["Role", "Name", "Year group", "Date of birth", "School"],
            [
                [
                    _cell(_plain(p.get("role"))),
                    _cell(_plain(p.get("name"))),
                    _cell(_plain(p.get("year_group"))),
                    _cell(Part(when(p.get("date_of_birth")))),
                    _cell(_plain(p.get("school"))),
                ]  # fmt: skip
                for p in case.get("people", [])
            ],
            "No people recorded.",
        )
    )
    blocks.append(
        _table(
            "Accounts and addresses (policy 8.2)",
            ["Platform", "Handle", "Web address", "Phone"],
            [
                [_cell(_plain(a.get(k))) for k in ("platform", "handle", "url", "phone")]
                for a in case.get("accounts", [])
            ],
            "No accounts recorded.",
        )
    )
    blocks.append(
        _table(
            "Chronology",
            ["When", "Who", "What", "Detail"],
            [
                [
                    _cell(Part(when(e.get("at")))),
                    _cell(_plain(e.get("by"))),
                    _cell(_plain(e.get("kind"))),
                    _cell(_plain(e.get("text"))),
                ]  # fmt: skip
                for e in case.get("chronology", [])
            ],
            "No chronology recorded.",
        )
    )
    steps = []
    for s in case.get("steps", []):
        answers = "; ".join(f"{k}: {v}" for k, v in s.get("answers", []))
        done = f"{when(s.get('done_at'))} {text(s.get('done_by'))}" if s.get("done_at") else None
        steps.append(
            [
                _cell(_plain(s.get("title")), _muted(str(s.get("detail") or ""))),
                _cell(_plain(s.get("actor"))),
                _cell(Part(when(s.get("due_at")))),
                _cell(_plain(s.get("state")), Part(done) if done else None),
                _cell(
                    _plain(s.get("outcome") or s.get("reason")),
                    Part(safe_text(answers)) if answers else None,
                ),  # fmt: skip
                _clause_cell(str(s.get("clause") or ""), clauses),
            ]
        )
    blocks.append(
        _table(
            "Steps and outcomes",
            ["Step", "Who", "Due", "State", "Outcome or reason", "Policy"],
            steps,
            "No steps recorded.",
        )
    )
    blocks.append(
        _table(
            "Evidence (policy 8.2)",
            ["Description", "Where", "Captured", "Added", "File and SHA-256"],
            [
                [
                    _cell(_plain(e.get("description"))),
                    _cell(_plain(e.get("location"))),
                    _cell(Part(when(e.get("captured_at")))),
                    _cell(Part(f"{when(e.get('added_at'))} {text(e.get('added_by'))}")),
                    _cell(_plain(e.get("filename")), Part(text(e.get("sha256")), "code"))
                    if e.get("sha256")
                    else _cell(Part(DASH)),
                ]
                for e in case.get("evidence", [])
            ],
            "No evidence recorded.",
        )
    )
    blocks.append(
        _table(
            "Evidence notes",
            ["When", "Who", "Kind", "Note"],
            [
                [
                    _cell(Part(when(n.get("at")))),
                    _cell(_plain(n.get("by"))),
                    _cell(_plain(n.get("kind"))),
                    _cell(
                        Part(f"Corrects note {text(n['corrects'])}.", "italic")
                        if n.get("corrects")
                        else None,
                        _plain(n.get("text")),
                    ),
                ]
                for n in case.get("notes", [])
            ],
            "No notes recorded.",
        )
    )
    blocks.append(
        _table(
            "Decisions and rationale",
            ["When", "Who", "Decision", "Rationale"],
            [
                [
                    _cell(Part(when(d.get("at")))),
                    _cell(_plain(d.get("by"))),
                    _cell(_plain(d.get("kind"))),
                    _cell(_plain(d.get("text"))),
                ]  # fmt: skip
                for d in case.get("decisions", [])
            ],
            "No decisions recorded.",
        )
    )
    heading = f"Case {text(case.get('id'))}: {text(case.get('category_title'))}"
    return CaseSection(heading, Fields(tuple(details)), tuple(blocks))


def case_view(case: Doc, clauses: Mapping[str, str]) -> CaseSection:
    """One case of a case-file document as every rendering shows it."""
    return _case(case, clauses)


def build_view(document: Doc) -> CaseFileView:
    """The whole case file (already redacted if asked) as every rendering shows it."""
    cases = document.get("cases", [])
    clauses: dict[str, str] = document.get("clauses", {})
    redaction = document.get("redaction", {})
    hidden = [w for w in ("pupils", "staff") if redaction.get(w)]
    title = "Case file" if len(cases) == 1 else f"Case file: {len(cases)} cases"
    rows: list[tuple[str, Cell]] = [
        (
            "Exported",
            _cell(
                Part(f"{when(document.get('exported_at'))} by {text(document.get('exported_by'))}")
            ),
        ),
        ("From school", _cell(_plain(document.get("from_school")))),
        ("Purpose", _cell(_plain(document.get("purpose")))),
        ("Cases", _cell(_plain(", ".join(str(c.get("id", "")) for c in cases)))),
    ]
    if document.get("transfer_to"):
        rows.append(("Transfer to", _cell(_plain(document["transfer_to"]))))
    if hidden:
        redacted = f"names of {' and '.join(hidden)} shown as initials; evidence files left out"
        rows.append(("Redacted", _cell(Part(redacted))))
    footer = (
        f"Made by dsl-tui {text(document.get('app_version'))}, case-file schema "
        f"{text(document.get('schema_version'))}. Times are London time (GMT or BST)."
    )
    return CaseFileView(
        title=title,
        notice=NOTICE,
        fields=Fields(tuple(rows)),
        cases=tuple(_case(c, clauses) for c in cases),
        clauses=tuple((ref, safe_text(t)) for ref, t in sorted(clauses.items())),
        footer=footer,
    )
