"""The in-memory index: every case's documents, its dashboard row, search text and link keys.

Built once when the casebook opens (one read of the stored tables) and changed on each write, so
the dashboard, search, a case's page and linked cases never scan TinyDB. A record keeps its own
copies of the documents it was built from; the casebook writes TinyDB first and the index after,
so memory never runs ahead of what was saved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dsl_tui.casebook.linking import LinkKey, case_keys
from dsl_tui.casebook.records import Doc, case_from, parse_dt
from dsl_tui.model import Case, CaseSummary, PersonRole, Risk, Status, StepState

#: Tables holding a case's parts, in the order a record keeps them.
PART_TABLES = ("people", "accounts", "steps", "notes", "evidence", "decisions", "events")

#: The fields of each part that a case search looks in.
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "people": ("name", "year_group", "role", "notes"),
    "accounts": ("platform", "handle", "url", "phone"),
    "steps": ("title", "actor", "outcome", "reason", "clause"),
    "notes": ("text",),
    "evidence": ("description", "location", "filename"),
    "decisions": ("kind", "text"),
    "events": ("text",),
}
_CORE_TEXT = (
    "id", "school", "reporter", "summary", "child_words", "category", "category_title",
    "clause", "status", "risk", "outcome", "owner", "received_from", "transferred_to",
)  # fmt: skip


def part_text(table: str, doc: Mapping[str, Any]) -> str:
    """The lower-case searchable text of one part document."""
    values = [str(doc.get(f) or "") for f in _TEXT_FIELDS.get(table, ())]
    if table == "steps":
        values.extend(str(v) for _, v in doc.get("answers", ()))
    return " ".join(v for v in values if v).lower()


def _person_label(doc: Mapping[str, Any]) -> str:
    """How the dashboard shows a person: initials, and year group for pupils."""
    parts = [p for p in str(doc.get("name", "")).replace("-", " ").split() if p[:1].isalpha()]
    initials = "".join(p[0].upper() + "." for p in parts) or "?"
    role = doc.get("role", "")
    if role == PersonRole.PUPIL.value:
        year = doc.get("year_group", "")
        return f"{initials} ({year})" if year else initials
    return f"{initials} ({role})"


@dataclass
class CaseRecord:
    """Everything stored about one case, as documents, with its derived dashboard row."""

    case_id: str
    doc_id: int
    core: Doc
    parts: dict[str, list[Doc]] = field(default_factory=lambda: {t: [] for t in PART_TABLES})
    doc_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    text: str = ""
    keys: set[LinkKey] = field(default_factory=set)
    reported_at: datetime | None = None
    next_due: datetime | None = None
    row: CaseSummary | None = None
    row_overdue: CaseSummary | None = None
    #: The last write-order number given to a part of this case (orders the chronology on ties).
    order: int = 0

    def take_order(self) -> int:
        """The next write-order number for a new part or a step's ending."""
        self.order += 1
        return self.order

    def next_id(self, table: str, prefix: str) -> str:
        """The id the next part of this kind gets (parts are never removed one by one)."""
        return f"{prefix}{len(self.parts[table]) + 1}"

    def part(self, table: str, item_id: str) -> Doc | None:
        """One part document by its id, or None."""
        for doc in self.parts[table]:
            if doc.get("id") == item_id:
                return doc
        return None

    @property
    def closed(self) -> bool:
        """True once the case is closed."""
        return self.core.get("status") == Status.CLOSED.value

    @property
    def risk(self) -> Risk:
        """The case's current risk level."""
        return Risk(self.core.get("risk", Risk.MEDIUM.value))

    def to_case(self) -> Case:
        """The whole case as the shared dataclass."""
        p = self.parts
        return case_from(
            self.core, p["people"], p["accounts"], p["steps"], p["evidence"], p["notes"],
            p["decisions"],
        )  # fmt: skip

    def rebuild_text(self) -> None:
        """Recompute the whole search text (after a core change)."""
        core = " ".join(str(self.core.get(f) or "") for f in _CORE_TEXT).lower()
        pieces = [core]
        for table in PART_TABLES:
            pieces.extend(part_text(table, d) for d in self.parts[table])
        self.text = "\n".join(pieces)

    def refresh_row(self) -> None:
        """Recompute the dashboard row and the next due time from the documents."""
        open_steps = [s for s in self.parts["steps"] if s.get("state") == StepState.OPEN.value]
        dated = [(parse_dt(s.get("due_at")), s) for s in open_steps]
        soonest = min(
            dated,
            key=lambda pair: (pair[0] is None, pair[0] or datetime.max),
            default=(None, None),
        )
        self.next_due, step = soonest
        if self.closed:
            self.next_due = None
        self.reported_at = parse_dt(self.core.get("reported_at"))
        row = CaseSummary(
            id=self.case_id,
            school=self.core.get("school", ""),
            category_title=self.core.get("category_title", ""),
            risk=self.risk,
            status=Status(self.core.get("status", Status.NEW.value)),
            reported_at=self.reported_at or datetime.min,
            next_step=str(step.get("title", "")) if step else "",
            next_due=self.next_due,
            overdue=False,
            people=", ".join(_person_label(p) for p in self.parts["people"]),
            owner=self.core.get("owner", ""),
            open_steps=len(open_steps),
        )
        self.row = row
        self.row_overdue = replace(row, overdue=True)

    def summary(self, now: datetime) -> CaseSummary:
        """The dashboard row as of ``now`` (overdue when the next step's time has passed)."""
        assert self.row is not None and self.row_overdue is not None
        if self.is_overdue(now):
            return self.row_overdue
        return self.row

    def is_overdue(self, now: datetime) -> bool:
        """True when an open step's due time has passed."""
        return self.next_due is not None and now > self.next_due

    def urgency(self, now: datetime) -> tuple[bool, int, datetime]:
        """Sort key: overdue first, then risk, then the oldest report."""
        return (not self.is_overdue(now), self.risk.rank, self.reported_at or datetime.min)


class CaseIndex:
    """All case records, the link keys that join them, and the per-school id sequences."""

    def __init__(self) -> None:
        self.records: dict[str, CaseRecord] = {}
        self.links: dict[LinkKey, set[str]] = defaultdict(set)
        self.sequences: dict[tuple[str, int], int] = defaultdict(int)

    @classmethod
    def build(cls, tables: Mapping[str, Mapping[str, Any]]) -> CaseIndex:
        """An index of every case in a snapshot of the stored tables."""
        index = cls()
        for doc_id, doc in tables.get("cases", {}).items():
            record = CaseRecord(case_id=doc["id"], doc_id=int(doc_id), core=dict(doc))
            index.records[record.case_id] = record
        for table in PART_TABLES:
            rows = sorted(tables.get(table, {}).items(), key=lambda kv: int(kv[0]))
            for doc_id, doc in rows:
                owner = index.records.get(doc.get("case_id", ""))
                if owner is None:
                    continue
                copy = dict(doc)
                owner.parts[table].append(copy)
                owner.order = max(owner.order, copy.get("ord", 0), copy.get("done_ord", 0))
                owner.doc_ids[(table, copy["id"])] = int(doc_id)
        for record in index.records.values():
            index.refresh(record)
        for doc in tables.get("deleted", {}).values():
            index.note_sequence(doc.get("case_id", ""))
        return index

    def note_sequence(self, case_id: str) -> None:
        """Remember a case id's number so it is never given again (even after deletion)."""
        prefix, _, rest = case_id.rpartition("-")
        head, _, year = prefix.rpartition("-")
        if head and year.isdigit() and rest.isdigit():
            key = (head, int(year))
            self.sequences[key] = max(self.sequences[key], int(rest))

    def next_case_id(self, prefix: str, year: int) -> str:
        """The next human case id, e.g. ``SRA-2026-0042``."""
        number = self.sequences[(prefix, year)] + 1
        return f"{prefix}-{year}-{number:04d}"

    def refresh(self, record: CaseRecord) -> None:
        """Recompute a record's row, search text and links after a change."""
        self.records[record.case_id] = record
        self.note_sequence(record.case_id)
        record.refresh_row()
        record.rebuild_text()
        self._relink(record)

    def refresh_row(self, record: CaseRecord) -> None:
        """Cheaper refresh when only steps or the status changed."""
        record.refresh_row()

    def add_text(self, record: CaseRecord, table: str, doc: Mapping[str, Any]) -> None:
        """Append one new part's words to a case's search text."""
        record.text += "\n" + part_text(table, doc)

    def relink(self, record: CaseRecord) -> None:
        """Recompute a record's link keys (after a person or account was added)."""
        self._relink(record)

    def _relink(self, record: CaseRecord) -> None:
        for key in record.keys:
            self.links[key].discard(record.case_id)
        record.keys = case_keys(record.parts["people"], record.parts["accounts"])
        for key in record.keys:
            self.links[key].add(record.case_id)

    def remove(self, case_id: str) -> None:
        """Forget a deleted case (its number stays used)."""
        record = self.records.pop(case_id, None)
        if record is None:
            return
        for key in record.keys:
            self.links[key].discard(case_id)

    def linked(self, case_id: str) -> list[tuple[str, list[LinkKey]]]:
        """Other cases sharing a link key with this one, with the keys they share."""
        record = self.records.get(case_id)
        if record is None:
            return []
        shared: dict[str, list[LinkKey]] = defaultdict(list)
        for key in sorted(record.keys):
            for other in self.links.get(key, ()):
                if other != case_id:
                    shared[other].append(key)
        return sorted(shared.items())

    def matching(self, records: Iterable[CaseRecord], text: str) -> list[CaseRecord]:
        """Records whose search text holds every word of ``text``."""
        words = text.lower().split()
        return [r for r in records if all(w in r.text for w in words)]
