"""The in-memory index: every case's documents, its dashboard row, search text and link keys.

Built once when the casebook opens (one read of the stored tables) and changed on each write, so
the dashboard, search, a case's page and linked cases never scan TinyDB. A record keeps its own
copies of the documents it was built from; the casebook writes TinyDB first and the index after,
so memory never runs ahead of what was saved.
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dsl_tui.casebook.linking import LinkKey, case_keys
from dsl_tui.casebook.records import case_from, parse_dt, step_from
from dsl_tui.errors import NotFound
from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.model import Case, CaseSummary, PersonRole, Risk, Status, Step

#: Tables holding a case's parts, in the order a record keeps them.
PART_TABLES = ("people", "accounts", "steps", "notes", "evidence", "decisions", "events")

_CORE_TEXT = (
    "id", "school", "reporter", "summary", "child_words", "category", "category_title",
    "clause", "status", "risk", "outcome", "owner", "received_from", "transferred_to",
)  # fmt: skip


def _person_label(doc: DocView) -> str:
    """How the dashboard shows a person: initials, and year group for pupils."""
    parts = [p for p in str(doc.get("name", "")).replace("-", " ").split() if p[:1].isalpha()]
    initials = "".join(p[0].upper() + "." for p in parts) or "?"
    role = doc.get("role", "")
    if role == PersonRole.PUPIL.value:
        year = doc.get("year_group", "")
        return f"{initials} ({year})" if year else initials
    return f"{initials} ({role})"


#: How a case's searchable text is made from each kind of part (fast: one f-string each).
_PART_TEXT: Doc = {
    "people": lambda d: f"{d.get('name') or ''} {d.get('year_group') or ''} {d.get('notes') or ''}",
    "accounts": lambda d: (
        f"{d.get('platform') or ''} {d.get('handle') or ''} "
        f"{d.get('url') or ''} {d.get('phone') or ''}"
    ),
    "steps": lambda d: (
        f"{d.get('title') or ''} {d.get('outcome') or ''} {d.get('reason') or ''} "
        + " ".join(str(v) for _, v in d.get("answers") or ())
    ),
    "notes": lambda d: d.get("text") or "",
    "evidence": lambda d: (
        f"{d.get('description') or ''} {d.get('location') or ''} {d.get('filename') or ''}"
    ),
    "decisions": lambda d: f"{d.get('kind') or ''} {d.get('text') or ''}",
    "events": lambda d: d.get("text") or "",
}


#: Guards building and changing a case's search text: the app builds every case's text in a
#: worker after unlock (``CaseIndex.warm``) while a save in another thread may add to it.
_TEXT_LOCK = threading.RLock()

#: The stored status of a closed case (an enum's ``.value`` is slow in a loop over every case).
_CLOSED = Status.CLOSED.value

#: Risk levels by stored value, 0 the most urgent (``Risk.rank`` without building a list).
_RISK_RANK = {risk.value: rank for rank, risk in enumerate(Risk)}
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass
class CaseRecord:
    """Everything stored about one case, as documents, with its derived dashboard row.

    Part documents may be shared with the storage's cache: they are never changed in place;
    a changed part is replaced by a new dict (``replace_part``).
    """

    case_id: str
    doc_id: int
    core: Doc
    parts: dict[str, list[Doc]] = field(default_factory=lambda: {t: [] for t in PART_TABLES})
    #: Doc ids of parts added since the casebook opened, by (table, part id).
    doc_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Stored keys of the parts loaded at open, in the same order as ``parts`` (loaded first).
    loaded_keys: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in PART_TABLES})
    _text: str | None = None
    keys: set[LinkKey] = field(default_factory=set)
    reported_at: datetime | None = None
    next_due: datetime | None = None
    row: CaseSummary | None = None
    _row_overdue: CaseSummary | None = None
    _steps: dict[str, Step] | None = None
    _order: int | None = None

    def take_order(self) -> int:
        """The next write-order number for a new part or a step's ending (orders the
        chronology when two things share a time)."""
        if self._order is None:
            self._order = max(
                (max(d.get("ord") or 0, d.get("done_ord") or 0)
                 for docs in self.parts.values() for d in docs),
                default=0,
            )  # fmt: skip
        self._order += 1
        return self._order

    def next_id(self, table: str, prefix: str) -> str:
        """The id the next part of this kind gets (parts are never removed one by one)."""
        return f"{prefix}{len(self.parts[table]) + 1}"

    def part(self, table: str, item_id: str) -> Doc | None:
        """One part document by its id, or None."""
        for doc in self.parts[table]:
            if doc.get("id") == item_id:
                return doc
        return None

    def doc_id_of(self, table: str, item_id: str) -> int:
        """The stored doc id of one part."""
        found = self.doc_ids.get((table, item_id))
        if found is not None:
            return found
        keys = self.loaded_keys[table]
        for i, doc in enumerate(self.parts[table][: len(keys)]):
            if doc.get("id") == item_id:
                return int(keys[i])
        raise KeyError(item_id)

    def replace_part(self, table: str, item_id: str, fields: DocView) -> Doc:
        """Swap a part for a changed copy (never change a document in place)."""
        docs = self.parts[table]
        for i, doc in enumerate(docs):
            if doc.get("id") == item_id:
                docs[i] = {**doc, **fields}
                return docs[i]
        raise KeyError(item_id)

    @property
    def closed(self) -> bool:
        """True once the case is closed."""
        return self.core.get("status") == _CLOSED

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

    @property
    def text(self) -> str:
        """The lower-case search text of everything recorded (built when first needed)."""
        text = self._text
        if text is None:
            with _TEXT_LOCK:
                text = self._text
                if text is None:
                    core = self.core
                    pieces = [" ".join(str(core.get(f) or "") for f in _CORE_TEXT)]
                    for table in PART_TABLES:
                        make = _PART_TEXT[table]
                        pieces.extend(make(d) for d in list(self.parts[table]))
                    text = self._text = "\n".join(pieces).lower()
        return text

    def forget_text(self) -> None:
        """Drop the search text (rebuilt at the next search)."""
        with _TEXT_LOCK:
            self._text = None

    def add_text(self, table: str, doc: DocView) -> None:
        """Add one new or changed part's words to the search text."""
        with _TEXT_LOCK:
            if self._text is not None:
                self._text += "\n" + str(_PART_TEXT[table](doc)).lower()

    def refresh_row(self) -> None:
        """Recompute the dashboard row and the next due time from the documents."""
        core = self.core
        open_n = 0
        soonest: Doc | None = None
        undated: Doc | None = None
        for s in self.parts["steps"]:
            if s.get("state") != "open":
                continue
            open_n += 1
            due = s.get("due_at")
            if due is None:
                undated = undated or s
            elif soonest is None or due < soonest["due_at"]:
                # ISO strings in UTC written by records.iso() sort as times do.
                soonest = s
        step = soonest or undated
        self._steps = None
        self.next_due = parse_dt(soonest["due_at"]) if soonest and not self.closed else None
        self.reported_at = parse_dt(core.get("reported_at"))
        self.row = CaseSummary(
            id=self.case_id,
            school=core.get("school", ""),
            category_title=core.get("category_title", ""),
            risk=self.risk,
            status=Status(core.get("status", Status.NEW.value)),
            reported_at=self.reported_at or datetime.min,
            next_step=str(step.get("title", "")) if step else "",
            next_due=self.next_due,
            overdue=False,
            people=", ".join(_person_label(p) for p in self.parts["people"]),
            owner=core.get("owner", ""),
            open_steps=open_n,
        )
        self._row_overdue = None

    def open_steps_due_by(self, end_iso: str) -> list[Step]:
        """Open steps due at or before ``end_iso`` (an ISO UTC time), as Steps (cached)."""
        cache = self._steps
        if cache is None:
            cache = self._steps = {}
        found = []
        for doc in self.parts["steps"]:
            due = doc.get("due_at")
            # ISO strings in UTC compare as times do: parse only the steps that qualify.
            if doc.get("state") != "open" or not due or due > end_iso:
                continue
            step = cache.get(doc["id"])
            if step is None:
                step = cache[doc["id"]] = step_from(doc)
            found.append(step)
        return found

    def summary(self, now: datetime) -> CaseSummary:
        """The dashboard row as of ``now`` (overdue when the next step's time has passed)."""
        assert self.row is not None
        if self.is_overdue(now):
            late = self._row_overdue
            if late is None:
                late = self._row_overdue = replace(self.row, overdue=True)
            return late
        return self.row

    def is_overdue(self, now: datetime) -> bool:
        """True when an open step's due time has passed."""
        return self.next_due is not None and now > self.next_due

    def urgency(self, now: datetime) -> tuple[bool, int, datetime]:
        """Sort key: overdue first, then risk, then the oldest report."""
        due = self.next_due
        return (
            due is None or now <= due,
            _RISK_RANK.get(self.core.get("risk", ""), 2),
            self.reported_at or _EARLIEST,
        )


class CaseIndex:
    """All case records, the link keys that join them, and the per-school id sequences."""

    def __init__(self) -> None:
        self.records: dict[str, CaseRecord] = {}
        self.links: dict[LinkKey, set[str]] = defaultdict(set)
        #: Links are built when first needed (or by ``warm``), keeping the unlock quick.
        self.links_built = False
        self.sequences: dict[tuple[str, int], int] = defaultdict(int)
        #: Set on lock, so a ``warm`` running in a worker stops holding the cases.
        self.retired = False
        #: Guards ``links`` (built in a worker by ``warm`` while saves may relink a case).
        self._links_lock = threading.RLock()

    @classmethod
    def build(cls, tables: Mapping[str, DocView]) -> CaseIndex:
        """An index of every case in a snapshot of the stored tables."""
        # Building makes many small objects that all live on; pausing the cyclic garbage
        # collector meanwhile saves it walking the whole decrypted vault again and again.
        paused = gc.isenabled()
        gc.disable()
        try:
            index = cls._build(tables)
        finally:
            if paused:
                gc.enable()
        # What was just loaded lives until the vault locks: keep the collector from walking it
        # (one full walk of a 10,000-case vault takes about a second). Reference counting still
        # frees it all when the casebook goes.
        gc.freeze()
        return index

    @classmethod
    def _build(cls, tables: Mapping[str, DocView]) -> CaseIndex:
        index = cls()
        records = index.records
        for doc_id, doc in tables.get("cases", {}).items():
            record = CaseRecord(case_id=doc["id"], doc_id=int(doc_id), core=dict(doc))
            records[record.case_id] = record
        for table in PART_TABLES:
            # Stored tables keep insertion order (doc ids only grow), so parts come in order.
            for doc_id, doc in tables.get(table, {}).items():
                owner = records.get(doc.get("case_id", ""))
                if owner is not None:
                    owner.parts[table].append(doc)
                    owner.loaded_keys[table].append(doc_id)
        for record in records.values():
            index.note_sequence(record.case_id)
            record.refresh_row()
        for doc in tables.get("deleted", {}).values():
            index.note_sequence(doc.get("case_id", ""))
        return index

    def record(self, case_id: str) -> CaseRecord:
        """One case's record (``NotFound`` when this vault has no such case)."""
        record = self.records.get(case_id)
        if record is None:
            raise NotFound(f"There is no case {case_id} in this vault.")
        return record

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
        record.forget_text()
        self._relink(record)

    def refresh_row(self, record: CaseRecord) -> None:
        """Cheaper refresh when only steps or the status changed."""
        record.refresh_row()

    def add_text(self, record: CaseRecord, table: str, doc: DocView) -> None:
        """Append one new part's words to a case's search text."""
        record.add_text(table, doc)

    def warm(self) -> None:
        """Build every case's search text and the link index now (e.g. in a worker just
        after unlocking), so the first search and the first linked cases are quick."""
        self._build_links()
        for record in list(self.records.values()):
            if self.retired:
                return
            _ = record.text

    def retire(self) -> None:
        """The casebook locked: stop any ``warm`` still running on this index, and free what it
        holds a case at a time (dropped in one go, 10,000 cases took a second in one call, which
        froze the UI's event loop even from a worker thread)."""
        self.retired = True
        records = self.records
        while records:
            records.popitem()
        links = self.links
        while links:
            links.popitem()

    def _build_links(self) -> None:
        with self._links_lock:
            if self.links_built or self.retired:
                return
            paused = gc.isenabled()
            gc.disable()
            try:
                for record in list(self.records.values()):
                    self._relink(record, force=True)
            finally:
                if paused:
                    gc.enable()
            self.links_built = True

    def relink(self, record: CaseRecord) -> None:
        """Recompute a record's link keys (after a person or account was added)."""
        self._relink(record)

    def _relink(self, record: CaseRecord, force: bool = False) -> None:
        with self._links_lock:
            if not (self.links_built or force):
                return
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
        with self._links_lock:
            for key in record.keys:
                self.links[key].discard(case_id)

    def linked(self, case_id: str) -> list[tuple[str, list[LinkKey]]]:
        """Other cases sharing a link key with this one, with the keys they share."""
        self._build_links()
        record = self.records.get(case_id)
        if record is None:
            return []
        shared: dict[str, list[LinkKey]] = defaultdict(list)
        with self._links_lock:
            for key in sorted(record.keys):
                for other in self.links.get(key, ()):
                    if other != case_id:
                        shared[other].append(key)
        return sorted(shared.items())

    def matching(self, records: Iterable[CaseRecord], text: str) -> list[CaseRecord]:
        """Records whose search text holds every word of ``text``."""
        words = text.lower().split()
        if len(words) == 1:
            word = words[0]
            return [r for r in records if word in r.text]
        return [r for r in records if all(w in r.text for w in words)]
