"""A case from a case-file document as plain text lines (what the read-only viewer shows)."""

from __future__ import annotations

from datetime import datetime

from dsl_tui.jsontypes import Doc
from dsl_tui.model import triaged_under


def _when(value: object) -> str:
    if not value:
        return "-"
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return (
        parsed.strftime("%Y-%m-%d")
        if len(str(value)) <= 10
        else parsed.strftime("%Y-%m-%d %H:%M UTC")
    )


def _v(value: object) -> str:
    return "-" if value in (None, "") else str(value)


def header_lines(document: Doc) -> list[str]:
    """The file's own details: when, by whom, why, and whether names are redacted."""
    red = document.get("redaction", {})
    hidden = [w for w in ("pupils", "staff") if red.get(w)]
    lines = [
        "OFFICIAL-SENSITIVE: safeguarding information. Read-only copy.",
        f"Exported {_when(document.get('exported_at'))} by {_v(document.get('exported_by'))}"
        f" from {_v(document.get('from_school'))} ({_v(document.get('purpose'))})",
    ]
    if document.get("transfer_to"):
        lines.append(f"Transfer to {document['transfer_to']}")
    if hidden:
        lines.append(f"Redacted: names of {' and '.join(hidden)} shown as initials.")
    return lines


def case_lines(case: Doc, clauses: dict[str, str]) -> list[str]:
    """Every section of one case, as the HTML has them, in plain text."""
    out = [
        f"CASE {_v(case.get('id'))}: {_v(case.get('category_title'))} "
        f"(policy {_v(case.get('clause'))})",
        f"School {_v(case.get('school'))} | risk {_v(case.get('risk'))} | status "
        f"{_v(case.get('status'))} | owner {_v(case.get('owner'))}",
        f"Reported {_when(case.get('reported_at'))} by {_v(case.get('reporter'))}; happened "
        f"{_when(case.get('occurred_at'))}",
        f"Triaged under {triaged_under(str(case.get('playbook_version') or ''))}",
    ]
    if case.get("received_from"):
        out.append(f"Received from {case['received_from']} on {_when(case.get('received_at'))}")
    if case.get("outcome"):
        out.append(f"Outcome: {case['outcome']} (closed {_when(case.get('closed_at'))})")
    out += ["", "SUMMARY", _v(case.get("summary"))]
    if case.get("child_words"):
        out += ["", "THE CHILD'S OWN WORDS", case["child_words"]]
    out += ["", "PEOPLE"]
    out += [
        f"  {_v(p.get('role'))}: {_v(p.get('name'))}"
        + (f" ({p['year_group']})" if p.get("year_group") else "")
        for p in case.get("people", [])
    ] or ["  (none)"]
    out += ["", "ACCOUNTS (8.2)"]
    out += [
        f"  {_v(a.get('platform'))}: "
        + " ".join(x for x in (a.get("handle"), a.get("url"), a.get("phone")) if x)
        for a in case.get("accounts", [])
    ] or ["  (none)"]
    out += ["", "CHRONOLOGY"]
    out += [
        f"  {_when(e.get('at'))}  {_v(e.get('by'))}  [{_v(e.get('kind'))}] {_v(e.get('text'))}"
        for e in case.get("chronology", [])
    ] or ["  (none)"]
    out += ["", "STEPS AND OUTCOMES"]
    for s in case.get("steps", []):
        out.append(
            f"  [{_v(s.get('state'))}] {_v(s.get('title'))} - {_v(s.get('actor'))}, "
            f"due {_when(s.get('due_at'))}"
        )
        if s.get("outcome") or s.get("reason"):
            out.append(f"      {s.get('outcome') or s.get('reason')}")
        clause = s.get("clause", "")
        if clause:
            out.append(f"      Policy {clause}: {clauses.get(clause, '')}".rstrip(": "))
    if not case.get("steps"):
        out.append("  (none)")
    out += ["", "EVIDENCE (8.2)"]
    out += [
        f"  {_v(e.get('description'))} ({_v(e.get('location'))}, captured "
        f"{_when(e.get('captured_at'))})" + (f" sha256 {e['sha256']}" if e.get("sha256") else "")
        for e in case.get("evidence", [])
    ] or ["  (none)"]
    out += ["", "EVIDENCE NOTES"]
    out += [
        f"  {_when(n.get('at'))}  {_v(n.get('by'))}  ({_v(n.get('kind'))}) {_v(n.get('text'))}"
        for n in case.get("notes", [])
    ] or ["  (none)"]
    out += ["", "DECISIONS"]
    out += [
        f"  {_when(d.get('at'))}  {_v(d.get('by'))}  {_v(d.get('kind'))}: {_v(d.get('text'))}"
        for d in case.get("decisions", [])
    ] or ["  (none)"]
    return out
