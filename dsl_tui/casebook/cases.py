"""The casebook: everything a DSL does to a case is one call here, saved and audited.

``Casebook`` is a facade: it builds the parts below from its store and its playbook, hands each
what it needs (constructor arguments, typed), and passes each call to one of them.

- ``CaseWriter`` (``writer``): the one way a case changes; given the store, the index, the audit
  log, the saves and the clock.
- ``Intake`` (``intake``), ``CaseWork`` (``work``), ``Transfers`` (``receive``): what changes when
  a concern is logged, a case is worked on, or a case crosses schools; each through the writer.
- ``CaseQueries`` (``views``): the read side, given the index and the clock.

Each change writes small documents (one per note, step, person...) in one save, then updates the
in-memory index. A write that fails leaves both the stored data and the index as they were.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from dsl_tui.audit import AuditLog, read_log, verify_chain
from dsl_tui.casebook.blobs import BlobStore, MemoryBlobs, forget_blob
from dsl_tui.casebook.clock import CaseClock
from dsl_tui.casebook.drafts import Drafts
from dsl_tui.casebook.index import CaseIndex
from dsl_tui.casebook.intake import Intake
from dsl_tui.casebook.receive import Transfers
from dsl_tui.casebook.roll import RollBook, RollEntry, RollImport
from dsl_tui.casebook.saves import AuditHead, Saves
from dsl_tui.casebook.store import Store
from dsl_tui.casebook.views import CaseQueries
from dsl_tui.casebook.work import CaseWork
from dsl_tui.casebook.writer import CaseWriter
from dsl_tui.deadlines import WorkingCalendar
from dsl_tui.errors import NotFound, UsageError
from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.model import (
    AuditEntry,
    Case,
    CaseSummary,
    ChronologyEntry,
    ConcernReport,
    Counts,
    EmergencyCall,
    NewAccount,
    NewPerson,
    NoteKind,
    Risk,
    Status,
    Step,
    Transfer,
)
from dsl_tui.roll import Roll
from dsl_tui.vault.storage import VaultDB, memory_storage

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook
    from dsl_tui.vault import Vault


class Casebook:
    """The repository the screens, the CLI and the export talk to."""

    def __init__(
        self,
        db: VaultDB,
        playbook: Playbook,
        user: str,
        *,
        clock: Callable[[], datetime] | None = None,
        blobs: BlobStore | None = None,
        vault: Vault | None = None,
        role: str = "",
    ) -> None:
        self.db = db
        self.playbook = playbook
        self.user = user
        self.role = role
        self.vault = vault
        #: Dates actions (backdated for demo data); the audit log takes its real time.
        self._clock = CaseClock(clock)
        #: Evidence files: the vault's own (encrypted beside it), or those given (tests).
        self._blobs: BlobStore | None = blobs if blobs is not None else vault
        self._store = Store(db)
        #: One writer at a time, even when the app saves from a worker thread.
        self._write_lock = threading.RLock()
        self._load()
        #: Failed unlock attempts since the last unlock (set by ``session.unlock``).
        self.failed_unlocks = 0

    @property
    def rollback_warning(self) -> str | None:
        """A sentence when the vault is older than one this computer opened before (it may
        have been rolled back or restored), else None."""
        return self.vault.rollback_warning if self.vault is not None else None

    @classmethod
    def in_memory(
        cls,
        user: str = "Test DSL",
        playbook: Playbook | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Casebook:
        """A casebook on an empty in-memory TinyDB (tests, previews); files kept in memory."""
        if playbook is None:
            from dsl_tui.playbook import load_playbook

            playbook = load_playbook()
        db = VaultDB(memory_storage())
        return cls(db, playbook, user, clock=clock, blobs=MemoryBlobs())

    # ----------------------------------------------------------------- plumbing
    def _load(self) -> None:
        """Build the index, the audit chain head and the drafts from one read of the tables,
        and the parts that use them (again after a failed batch)."""
        # The audit log is not read: its stored head says where the chain goes on (a vault
        # keeps the log packed until verify or Casebook.audit_log reads it).
        snapshot = self._store.snapshot(skip=frozenset({"audit"}))
        heads = snapshot["audit_head"]
        head = AuditHead(self._store, int(next(iter(heads))) if heads else None)
        self._audit = AuditLog(
            self.db, self._clock.real, insert=partial(self._store.insert, "audit"),
            set_head=head.set, head=heads[next(iter(heads))] if heads else None,
        )  # fmt: skip
        self._saves = Saves(self._store, self._audit, head, self._write_lock, self._load)
        self._roll = RollBook(self._store, self._saves, snapshot["roll"])
        self._wire(CaseIndex.build(snapshot), Drafts(self._store, self._saves, snapshot["drafts"]))

    def _wire(self, index: CaseIndex, drafts: Drafts) -> None:
        """Hand the index and the drafts (new ones after a reload or a lock) to the parts."""
        self._index = index
        self._drafts = drafts
        writer = CaseWriter(self._store, index, self._audit, self._saves, self._clock, self.user)
        self._writer = writer
        self._intake = Intake(writer, self.playbook)
        self._work = CaseWork(writer, self.playbook, self._blobs)
        self._transfers = Transfers(writer)
        self._queries = CaseQueries(index, self._clock, self.user)

    def backdated(self, clock: Callable[[], datetime]) -> AbstractContextManager[None]:
        """Date the actions inside by ``clock`` (demo data, old records typed up late).

        The audit log still records when each action was really done.
        """
        return self._clock.backdated(clock)

    def batch(self) -> AbstractContextManager[None]:
        """Make several actions one save (e.g. the demo data: one save per case).

        If the save fails, nothing of the batch is kept and the index is rebuilt from what is
        stored. An error inside the block should end the block.
        """
        return self._saves.batch()

    def now(self) -> datetime:
        """The casebook's clock (injectable in tests)."""
        return self._clock.now()

    def audit_event(self, action: str, case_id: str = "", detail: str = "") -> AuditEntry:
        """Record an action done elsewhere (export, report...) in the audit chain."""
        with self._saves.saving():
            return self._writer.audit(action, case_id, detail)

    def record_unlock(self, failed_at: Sequence[datetime] = ()) -> None:
        """Audit an unlock, preceded by the failed attempts made since the last one."""
        with self._saves.saving():
            for at in failed_at:
                self._writer.audit_at(at, "unknown", "failed unlock")
            self._writer.audit("unlock")
        self.failed_unlocks = len(failed_at)

    # ---------------------------------------------------------------- changes
    def log_concern(
        self,
        report: ConcernReport,
        answers: Mapping[str, str],
        *,
        calls: Sequence[EmergencyCall] = (),
    ) -> Case:
        """Triage a concern against the playbook and record it as a new case (``calls`` made at
        once for a child in immediate danger complete their steps: ``Intake.log_concern``)."""
        return self._intake.log_concern(report, answers, calls=calls)

    def complete_step(
        self, case_id: str, step_id: str, outcome: str, answers: Mapping[str, str] | None = None
    ) -> Case:
        """Mark a step done with its outcome and the answers it needs (CaseRuleError if not)."""
        return self._work.complete_step(case_id, step_id, outcome, answers)

    def set_aside_step(self, case_id: str, step_id: str, reason: str) -> Case:
        """Set a step aside as not needed, with the reason (CaseRuleError without one)."""
        return self._work.set_aside_step(case_id, step_id, reason)

    def add_step(
        self,
        case_id: str,
        title: str,
        actor: str,
        clause: str = "",
        due_at: datetime | None = None,
    ) -> Case:
        """Add a step of the DSL's own to an open case."""
        return self._work.add_step(case_id, title, actor, clause, due_at)

    def add_note(
        self, case_id: str, text: str, kind: NoteKind = NoteKind.FACT, corrects: str | None = None
    ) -> Case:
        """Append a timestamped note (fact or opinion); a correction points at the note it
        corrects, and no note is ever edited or removed."""
        return self._work.add_note(case_id, text, kind, corrects)

    def add_evidence(
        self,
        case_id: str,
        description: str,
        location: str = "",
        captured_at: datetime | None = None,
        data: bytes | None = None,
        filename: str = "",
        *,
        not_an_image_of_a_child: bool = False,
    ) -> Case:
        """Record an item of evidence (8.2), a file stored encrypted with its SHA-256, after the
        image guard (UKCIS): ``CaseWork.add_evidence``."""
        return self._work.add_evidence(
            case_id, description, location, captured_at, data, filename,
            not_an_image_of_a_child=not_an_image_of_a_child,
        )  # fmt: skip

    def add_evidence_file(
        self,
        case_id: str,
        description: str,
        path: Path,
        location: str = "",
        *,
        not_an_image_of_a_child: bool = False,
    ) -> Case:
        """Record an item of evidence with a file read from ``path`` (the screens never open
        files themselves); the same image guard as :meth:`add_evidence`."""
        return self._work.add_evidence_file(
            case_id, description, path, location, not_an_image_of_a_child=not_an_image_of_a_child
        )

    def add_person(self, case_id: str, person: NewPerson) -> Case:
        """Add someone to a case (the retention review date may move with a child's birth date)."""
        return self._work.add_person(case_id, person)

    def add_account(self, case_id: str, account: NewAccount) -> Case:
        """Add an online account, web address or phone number (8.2) to a case."""
        return self._work.add_account(case_id, account)

    def record_decision(self, case_id: str, kind: str, text: str) -> Case:
        """Record a decision and its rationale, e.g. not to refer, and why."""
        return self._work.record_decision(case_id, kind, text)

    def change_risk(self, case_id: str, risk: Risk, reason: str) -> Case:
        """Change a case's risk level; the reason is required and goes into the chronology."""
        return self._work.change_risk(case_id, risk, reason)

    def set_status(self, case_id: str, status: Status, reason: str = "") -> Case:
        """Move a case to another status (closing goes through ``close``; reopening needs a
        reason)."""
        return self._work.set_status(case_id, status, reason)

    def reopen(self, case_id: str, reason: str) -> Case:
        """Reopen a closed case, with the reason (in the chronology; audited)."""
        return self._work.reopen(case_id, reason)

    def close(self, case_id: str, outcome: str) -> Case:
        """Close a case with its outcome; every step must be done or set aside first."""
        return self._work.close(case_id, outcome)

    def delete_case(self, case_id: str, reason: str) -> None:
        """Delete a case and all its parts for good (e.g. at its retention review); audited."""
        self._work.delete_case(case_id, reason)

    # -------------------------------------------------------------- transfers
    def receive_case(
        self,
        case: Case,
        *,
        from_school: str,
        received_at: datetime,
        chronology: Sequence[ChronologyEntry] = (),
    ) -> Case:
        """Add a case received from another school, keeping its parts, times and events."""
        return self._transfers.receive_case(
            case, from_school=from_school, received_at=received_at, chronology=chronology
        )

    def mark_transferred(self, case_id: str, to_school: str) -> Case:
        """Mark a case as sent to another school (an event and an audit entry)."""
        return self._transfers.mark_transferred(case_id, to_school)

    def record_transfer(self, case_id: str, to_school: str, code: str, sent_at: datetime) -> Case:
        """Record a transfer pack sent (with its receipt code) and mark the case: one save."""
        return self._transfers.record_transfer(case_id, to_school, code, sent_at)

    def transfers(self, *, awaiting_only: bool = False) -> list[Transfer]:
        """Every transfer sent from this vault, oldest first (or those awaiting a receipt)."""
        return self._transfers.transfers(awaiting_only=awaiting_only)

    def acknowledge_transfer(self, case_id: str, code: str, when: datetime) -> Transfer:
        """Record the receiving school's receipt code (grouped form) against a transfer."""
        return self._transfers.acknowledge_transfer(case_id, code, when)

    def has_received_file(self, sha256: str) -> bool:
        """True when a case file with this SHA-256 was imported already."""
        return self._transfers.has_received_file(sha256)

    def receive_file(
        self,
        cases: Sequence[tuple[Case, Sequence[ChronologyEntry]]],
        *,
        from_school: str,
        received_at: datetime,
        sha256: str,
        code: str,
    ) -> list[Case]:
        """Add every case of an imported file and note the file as received: one save."""
        return self._transfers.receive_file(
            cases, from_school=from_school, received_at=received_at, sha256=sha256, code=code
        )

    # ------------------------------------------------------------------ reading
    def case(self, case_id: str, *, view: bool = True) -> Case:
        """The whole case; opening it is audited as a "view" (``view=False`` for internal use)."""
        record = self._index.record(case_id)
        if view:
            self.audit_event("view", case_id)
        return record.to_case()

    def search(
        self,
        query: str = "",
        *,
        status: str = "all",
        school: str | None = None,
        mine: bool = False,
        overdue_only: bool = False,
    ) -> list[CaseSummary]:
        """The cases asked for, most urgent first: those whose recorded text holds every word
        of ``query``, with a ``status`` ("open", "closed", "all" or a Status value), at a
        ``school``, owned by this user (``mine``), with a step overdue (``overdue_only``)."""
        return self._queries.search(
            query, status=status, school=school, mine=mine, overdue_only=overdue_only
        )

    def summaries(
        self,
        *,
        status: str = "open",
        school: str | None = None,
        mine: bool = False,
        overdue_only: bool = False,
    ) -> list[CaseSummary]:
        """Dashboard rows by urgency with no words searched for: open cases unless a
        ``status`` is given, narrowed as :meth:`search` narrows."""
        return self._queries.summaries(
            status=status, school=school, mine=mine, overdue_only=overdue_only
        )

    def counts(self) -> Counts:
        """Open cases, cases with an overdue step, cases with a step due later today, closed."""
        return self._queries.counts()

    def due(self) -> list[tuple[CaseSummary, Step]]:
        """Every open step due by the end of today or already overdue, most urgent first."""
        return self._queries.due()

    def case_ids(self) -> list[str]:
        """Every case id, sorted."""
        return self._queries.case_ids()

    def linked(self, case_id: str) -> list[tuple[CaseSummary, str]]:
        """Other cases sharing a person, handle, phone number or web address, with why."""
        return self._queries.linked(case_id)

    def due_for_review(self, on: date | None = None) -> list[CaseSummary]:
        """Cases whose retention review date is on or before ``on`` (default today)."""
        return self._queries.due_for_review(on)

    def chronology(self, case_id: str) -> list[ChronologyEntry]:
        """Everything that happened on a case, oldest first."""
        return self._queries.chronology(case_id)

    def prepare_search(self) -> None:
        """Build every case's search text now (call it in a worker after unlocking, so the
        first search is as quick as the rest)."""
        self._queries.prepare_search()

    # ---------------------------------------------------------------- playbook
    @property
    def calendar(self) -> WorkingCalendar:
        """The trust's working days (from its playbook), for working-day deadlines."""
        return self.playbook.calendar

    def clause_text(self, clause: str) -> str:
        """The policy's own words for a clause ("" when the playbook does not have them)."""
        if not clause:
            return ""
        return self.playbook.clause_text(clause)

    def school_name(self, key: str) -> str:
        """A school's full name for its key (the key itself when the playbook has none such)."""
        for school in self.playbook.schools:
            if school.key == key:
                return school.name
        return key

    # ---------------------------------------------------------- evidence files
    def blob(self, blob_id: str) -> bytes:
        """An evidence file's bytes (decrypted by the vault)."""
        if self._blobs is None:
            raise NotFound("This casebook keeps no evidence files.")
        return self._blobs.get_blob(blob_id)

    def evidence_data(self, case_id: str, evidence_id: str) -> bytes:
        """The plaintext of a case's evidence file (``NotFound`` when it has none)."""
        record = self._index.record(case_id)
        for doc in record.parts["evidence"]:
            if doc.get("id") == evidence_id and doc.get("blob_id"):
                return self.blob(str(doc["blob_id"]))
        raise NotFound(f"Case {case_id} has no evidence file {evidence_id}.")

    def put_blob(self, data: bytes) -> tuple[str, str]:
        """Keep an evidence file encrypted beside the vault: (blob id, SHA-256 of the bytes)."""
        if self._blobs is None:
            raise NotFound("This casebook keeps no evidence files.")
        return self._blobs.put_blob(data)

    def discard_blob(self, blob_id: str) -> None:
        """Remove an evidence file no case refers to (an import that failed after storing it)."""
        forget_blob(self._blobs, blob_id)

    # ----------------------------------------------------------------- drafts
    def save_draft(self, key: str, data: DocView) -> None:
        """Keep unsaved form text (encrypted in the vault) under ``key``."""
        self._drafts.save(key, data, self.user, self._clock.now())

    # ------------------------------------------------------------ the school roll
    def import_roll(self, school: str, roll: Roll) -> RollImport:
        """Keep a school's roll (from ``dsl_tui.roll.read_roll``): one audited save."""
        keys = [s.key for s in self.playbook.schools]
        if school not in keys:
            raise UsageError(
                "The playbook has no school with that key; its schools are: "
                + ", ".join(keys)
                + "."
            )
        return self._roll.import_roll(
            school,
            roll,
            self._clock.now(),
            lambda done: self._writer.audit("import", "", done.detail),
        )

    def roll_lookup(self, text: str, school: str | None = None, limit: int = 10) -> list[RollEntry]:
        """Pupils on the roll (then leavers) whose names start with every word of ``text``."""
        return self._roll.lookup(text, school, limit)

    def roll_count(self, school: str | None = None) -> int:
        """Pupils on the roll now (of one school, or of all)."""
        return self._roll.count(school)

    def load_draft(self, key: str) -> Doc | None:
        """The draft saved under ``key``, or None."""
        return self._drafts.load(key)

    def discard_draft(self, key: str) -> None:
        """Forget the draft under ``key``."""
        self._drafts.discard(key)

    def draft_keys(self) -> list[str]:
        """Keys of every saved draft (to offer "resume" after a crash)."""
        return self._drafts.keys()

    # ------------------------------------------------------------------ audit
    def audit_log(self) -> list[AuditEntry]:
        """Every audit entry, oldest first."""
        with self._write_lock:
            return read_log(self.db)

    def verify_audit(self) -> list[str]:
        """Problems in the audit chain; [] when it is whole."""
        with self._write_lock:
            return verify_chain(self.db)

    def lock(self) -> None:
        """Close the vault behind this casebook (if any): forget keys, release the lock, and
        drop every case held in memory."""
        try:
            if self.vault is not None:
                self.vault.close()
                self.vault = None
        finally:
            self._index.retire()
            self._wire(CaseIndex(), Drafts(self._store, self._saves, {}))
            self._roll = RollBook(self._store, self._saves, {})
            # The index froze what it loaded (see CaseIndex.build): let the collector free it.
            gc.unfreeze()
