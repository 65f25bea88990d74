"""The one way the casebook changes what it stores: documents, the audit chain and the index.

``CaseWriter`` is given the store, the index, the audit log, the saves and the clock; the parts
that decide what changes (``work``: an existing case, ``intake``: a new concern, ``receive``:
transfers) say it through the writer's calls. Inside ``saving()`` the writer gathers documents
and audit entries for one save; after the save it brings the in-memory index up to date, so
memory never runs ahead of what is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from dsl_tui.audit import AuditLog
from dsl_tui.casebook.clock import CaseClock
from dsl_tui.casebook.index import PART_TABLES, CaseIndex, CaseRecord
from dsl_tui.casebook.records import iso
from dsl_tui.casebook.saves import Saves
from dsl_tui.casebook.store import Store
from dsl_tui.errors import CaseRuleError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import AuditEntry


class CaseWriter:
    """Writes cases, their parts and audit entries through one save, then updates the index."""

    def __init__(
        self,
        store: Store,
        index: CaseIndex,
        audit: AuditLog,
        saves: Saves,
        clock: CaseClock,
        user: str,
    ) -> None:
        self._store = store
        self._index = index
        self._audit = audit
        self._saves = saves
        self._clock = clock
        #: Who is doing what is written (the unlocked user).
        self.user = user

    # ------------------------------------------------------------------- saves
    def now(self) -> datetime:
        """The time actions are dated by (backdated inside ``Casebook.backdated``)."""
        return self._clock.now()

    def saving(self) -> AbstractContextManager[None]:
        """One save for everything written inside (nothing on failure)."""
        return self._saves.saving()

    def batch(self) -> AbstractContextManager[None]:
        """Several actions as one save; on failure the casebook reloads what is stored."""
        return self._saves.batch()

    # ------------------------------------------------------------------- cases
    def record(self, case_id: str) -> CaseRecord:
        """A case's record (``NotFound`` when there is none)."""
        return self._index.record(case_id)

    def open_record(self, case_id: str) -> CaseRecord:
        """An open case's record (``CaseRuleError`` when it is closed)."""
        record = self._index.record(case_id)
        if record.closed:
            raise CaseRuleError(f"Case {case_id} is closed; reopen it before changing it.")
        return record

    def has_case(self, case_id: str) -> bool:
        """True when this vault holds a case with this id."""
        return case_id in self._index.records

    def next_case_id(self, prefix: str, year: int) -> str:
        """The next free human case id for a school's prefix and a year."""
        return self._index.next_case_id(prefix, year)

    # ------------------------------------------------------- inside a save
    def new_record(self, core: Doc, parts: Sequence[tuple[str, Doc]] = ()) -> CaseRecord:
        """Store a new case's core document and its parts; its record (indexed after the save
        by ``refresh``)."""
        record = CaseRecord(case_id=core["id"], doc_id=self._store.insert("cases", core), core=core)
        for table, doc in parts:
            self.add_part(record, table, doc)
            record.parts[table].append(doc)
        return record

    def add_part(self, record: CaseRecord, table: str, doc: Doc) -> None:
        """Store one part document and remember its doc id (the record's list is the caller's)."""
        record.doc_ids[(table, doc["id"])] = self._store.insert(table, doc)

    def event(self, record: CaseRecord, kind: str, text: str, ref: str = "") -> Doc:
        """Store a chronology event on a case, dated now by this user; the event document."""
        doc = {
            "case_id": record.case_id,
            "id": record.next_id("events", "v"),
            "at": iso(self._clock.now()),
            "by": self.user,
            "kind": kind,
            "text": text,
            "ref": ref,
            "ord": record.take_order(),
        }
        self.add_part(record, "events", doc)
        return doc

    def change_core(self, record: CaseRecord, fields: Doc) -> None:
        """Change fields of the case's core document (nothing when there are none)."""
        if fields:
            self._store.update("cases", record.doc_id, fields)

    def change_part(self, record: CaseRecord, table: str, item_id: str, fields: Doc) -> None:
        """Change fields of one stored part (the record is changed after the save)."""
        self._store.update(table, record.doc_id_of(table, item_id), fields)

    def remove_case(self, record: CaseRecord, tombstone: Doc) -> None:
        """Remove a case and every part of it, leaving a tombstone (its number stays used)."""
        for table in PART_TABLES:
            self._store.remove(
                table, [record.doc_id_of(table, d["id"]) for d in record.parts[table]]
            )
        self._store.remove("cases", [record.doc_id])
        self._store.insert("deleted", tombstone)

    def audit(self, action: str, case_id: str = "", detail: str = "") -> AuditEntry:
        """Chain an audit entry by this user, at the real time (ids and fixed words only)."""
        return self._audit.append(self.user, action, case_id, detail)

    def audit_at(self, at: datetime, who: str, action: str) -> AuditEntry:
        """Chain an audit entry with a given time and person (a failed unlock, found later)."""
        return self._audit.append_at(at, who, action)

    # ------------------------------------------------- rows beside the cases
    def insert(self, table: str, doc: Doc) -> int:
        """Store a document of a table that is not a case's (transfers, received files)."""
        return self._store.insert(table, doc)

    def update(self, table: str, doc_id: int, fields: Doc) -> None:
        """Change fields of a document of a table that is not a case's."""
        self._store.update(table, doc_id, fields)

    def rows(self, table: str) -> dict[int, Doc]:
        """A copy of a table that is not a case's, by doc id (read under the write lock)."""
        with self._saves.lock:
            return {int(k): dict(d) for k, d in self._store.table(table).items()}

    # ------------------------------------------------------- after a save
    def keep_parts(self, record: CaseRecord, added: Sequence[tuple[str, Doc]]) -> None:
        """Keep saved new parts in memory and index their words."""
        for table, doc in added:
            record.parts[table].append(doc)
            self._index.add_text(record, table, doc)

    def keep_part_change(self, record: CaseRecord, table: str, item_id: str, fields: Doc) -> Doc:
        """Keep a saved change of one part in memory and index its words; the changed part."""
        doc = record.replace_part(table, item_id, fields)
        self._index.add_text(record, table, doc)
        return doc

    def refresh(self, record: CaseRecord) -> None:
        """Re-index a saved case (row, search text, links)."""
        self._index.refresh(record)

    def refresh_row(self, record: CaseRecord) -> None:
        """Re-index a saved case's dashboard row only (steps or status changed)."""
        self._index.refresh_row(record)

    def forget(self, case_id: str) -> None:
        """Drop a deleted case from the index."""
        self._index.remove(case_id)
