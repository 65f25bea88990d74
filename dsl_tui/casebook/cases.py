"""The casebook: everything a DSL does to a case is one call here, saved and audited.

Each call writes small documents (one per note, step, person...) in one save, then updates the
in-memory index. A write that fails leaves both the stored data and the index as they were.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING

from dsl_tui.audit import AuditLog, read_log, verify_chain
from dsl_tui.casebook import receive
from dsl_tui.casebook import steps as step_rules
from dsl_tui.casebook.blobs import BlobStore, MemoryBlobs
from dsl_tui.casebook.calls import call_text, complete_with_call
from dsl_tui.casebook.chronology import chronology as build_chronology
from dsl_tui.casebook.drafts import Drafts
from dsl_tui.casebook.index import CaseIndex, CaseRecord
from dsl_tui.casebook.records import iso, iso_date, parse_dt, step_doc
from dsl_tui.casebook.retention import review_date
from dsl_tui.casebook.store import Store
from dsl_tui.casebook.views import CaseViews
from dsl_tui.casebook.work import CaseWork
from dsl_tui.deadlines import PLAIN_CALENDAR, WorkingCalendar, due_at
from dsl_tui.errors import CaseRuleError, NotFound, UsageError
from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.model import (
    AuditEntry,
    Case,
    ChronologyEntry,
    ConcernReport,
    EmergencyCall,
    NewAccount,
    NewPerson,
    Risk,
    Status,
    StepPlan,
    Transfer,
)
from dsl_tui.vault.storage import VaultDB, memory_storage

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook, School
    from dsl_tui.vault import Vault


class Casebook(CaseWork, CaseViews):
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
        self._clock = clock or (lambda: datetime.now(UTC))
        #: The audit log always records the real time of an action, even when backdated.
        self._audit_clock = self._clock
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
        """Build the index, the audit chain head and the drafts from one read of the tables."""
        # The audit log is not read: its stored head says where the chain goes on (a vault
        # keeps the log packed until verify or Casebook.audit_log reads it).
        snapshot = self._store.snapshot(skip=frozenset({"audit"}))
        self._index = CaseIndex.build(snapshot)
        heads = snapshot["audit_head"]
        self._head_doc = int(next(iter(heads))) if heads else None
        self._audit = AuditLog(
            self.db, self._audit_clock, insert=partial(self._store.insert, "audit"),
            set_head=self._set_audit_head, head=heads[next(iter(heads))] if heads else None,
        )  # fmt: skip
        self._drafts = Drafts(self._store, snapshot["drafts"])

    def _set_audit_head(self, head: Doc) -> None:
        """Keep the audit chain's head in its one document (inside the same save)."""
        if self._head_doc is None:
            self._head_doc = self._store.insert("audit_head", head)
        else:
            self._store.update("audit_head", self._head_doc, head)

    @contextmanager
    def backdated(self, clock: Callable[[], datetime]) -> Iterator[None]:
        """Date the actions inside by ``clock`` (demo data, old records typed up late).

        The audit log still records when each action was really done.
        """
        previous = self._clock
        self._clock = clock
        try:
            yield
        finally:
            self._clock = previous

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make several actions one save (e.g. the demo data: one save per case).

        If the save fails, nothing of the batch is kept and the index is rebuilt from what is
        stored. An error inside the block should end the block.
        """
        with self._write_lock:
            try:
                with self._store.batch():
                    yield
            except BaseException:
                self._load()
                raise

    def now(self) -> datetime:
        """The casebook's clock (injectable in tests)."""
        return self._clock()

    @contextmanager
    def _saving(self) -> Iterator[None]:
        """One save for everything inside; on failure the audit chain head is put back."""
        with self._write_lock:
            seq, head = self._audit.seq, self._audit.head
            try:
                with self._store.batch():
                    yield
            except BaseException:
                self._audit.rollback(seq, head)
                if self._head_doc is not None and not self._store.has("audit_head", self._head_doc):
                    self._head_doc = None
                raise

    def _record(self, case_id: str) -> CaseRecord:
        record = self._index.records.get(case_id)
        if record is None:
            raise NotFound(f"There is no case {case_id} in this vault.")
        return record

    def _open_record(self, case_id: str) -> CaseRecord:
        record = self._record(case_id)
        if record.closed:
            raise CaseRuleError(f"Case {case_id} is closed; reopen it before changing it.")
        return record

    def audit_event(self, action: str, case_id: str = "", detail: str = "") -> AuditEntry:
        """Record an action done elsewhere (export, report...) in the audit chain."""
        with self._saving():
            return self._audit.append(self.user, action, case_id, detail)

    def record_unlock(self, failed_at: Sequence[datetime] = ()) -> None:
        """Audit an unlock, preceded by the failed attempts made since the last one."""
        with self._saving():
            for at in failed_at:
                self._audit.append_at(at, "unknown", "failed unlock")
            self._audit.append(self.user, "unlock")
        self.failed_unlocks = len(failed_at)

    def _add_part(self, record: CaseRecord, table: str, doc: Doc) -> None:
        """Insert one part document (inside a save) and keep it in the record afterwards."""
        record.doc_ids[(table, doc["id"])] = self._store.insert(table, doc)

    def _event(self, record: CaseRecord, kind: str, text: str, ref: str = "") -> Doc:
        doc = {
            "case_id": record.case_id,
            "id": record.next_id("events", "v"),
            "at": iso(self._clock()),
            "by": self.user,
            "kind": kind,
            "text": text,
            "ref": ref,
            "ord": record.take_order(),
        }
        self._add_part(record, "events", doc)
        return doc

    def _append_parts(self, record: CaseRecord, added: list[tuple[str, Doc]]) -> None:
        """After a successful save: keep new parts in memory and index their words."""
        for table, doc in added:
            record.parts[table].append(doc)
            self._index.add_text(record, table, doc)

    def _wake(self, record: CaseRecord) -> Doc:
        """Fields that move a new case to open when work starts on it."""
        if record.core.get("status") == Status.NEW.value:
            return {"status": Status.OPEN.value}
        return {}

    # ------------------------------------------------------------------ logging
    def log_concern(
        self,
        report: ConcernReport,
        answers: Mapping[str, str],
        *,
        calls: Sequence[EmergencyCall] = (),
    ) -> Case:
        """Triage a concern against the playbook and record it as a new case.

        ``calls`` made at once for a child in immediate danger (before the concern was typed)
        complete the case's step for each route called, at the time of the call, or, when that
        step cannot be completed yet (no reference), go into the chronology.
        """
        summary = step_rules.require_text(report.summary, "what happened")
        reporter = step_rules.require_text(report.reporter, "who reported it")
        school = self._school(report.school)
        relevant = getattr(self.playbook, "relevant_answers", None)
        # Keep only the answers on the wizard's path (not those of a branch backed out of).
        answers = relevant(answers) if callable(relevant) else dict(answers)
        result = self.playbook.triage(dict(answers))
        now = self._clock()
        step_rules.not_in_future(report.occurred_at, now, "it happened")
        step_rules.not_in_future(report.reported_at, now, "it was reported")
        step_rules.born_before([p.date_of_birth for p in report.people], report.occurred_at, now)
        reported_at = report.reported_at or now
        case_id = self._index.next_case_id(school.prefix, reported_at.astimezone(UTC).year)
        people = [self._person_doc(case_id, f"p{i}", p) for i, p in enumerate(report.people, 1)]
        accounts = [self._account_doc(case_id, f"a{i}", a) for i, a in
                    enumerate(report.accounts, 1)]  # fmt: skip
        core: Doc = {
            "id": case_id,
            "school": school.key,
            "reporter": reporter,
            "reported_at": iso(reported_at),
            "occurred_at": iso(report.occurred_at),
            "summary": summary,
            "child_words": (report.child_words or "").strip(),
            "category": result.category,
            "category_title": result.category_title,
            "clause": result.clause,
            "risk": Risk(result.risk).value,
            "status": Status.NEW.value,
            "answers": [[k, str(v)] for k, v in answers.items()],
            "retention": result.retention,
            # The steps below are the playbook's at this version; a later edit never changes them.
            "playbook_version": str(getattr(self.playbook, "version", "") or ""),
            # Each side's records rule (a concern with several sides keeps the longest).
            "retention_rules": list(result.retention_rules or (result.retention,)),
            "triage_reasons": list(result.reasons),
            "triage_warnings": list(result.warnings),
            "call_now": [r.key for r in result.call_now],
            "routes": [r.key for r in result.routes],
            "outcome": "",
            "closed_at": None,
            "owner": self.user,
            "created_at": iso(now),
            "created_by": self.user,
        }
        core["review_on"] = iso_date(self._review_on(core, people))
        steps = [self._plan_doc(case_id, f"s{i}", plan, reported_at)
                 for i, plan in enumerate(result.steps, 1)]  # fmt: skip
        with self._saving():
            doc_id = self._store.insert("cases", core)
            record = CaseRecord(case_id=case_id, doc_id=doc_id, core=core)
            for table, docs in (("people", people), ("accounts", accounts), ("steps", steps)):
                for doc in docs:
                    self._add_part(record, table, doc)
                    record.parts[table].append(doc)
            calls_done = self._record_calls(record, calls, now)
            triage_text = f"Triaged as {result.category_title} (risk {core['risk']})."
            if result.reasons:
                triage_text += " " + " ".join(result.reasons)
            event = self._event(record, "triage", triage_text)
            record.parts["events"].append(event)
            self._audit.append(self.user, "create", case_id)
            for step_id in calls_done:
                self._audit.append(self.user, "change", case_id, f"step {step_id} call recorded")
        self._index.refresh(record)
        return record.to_case()

    def _record_calls(
        self, record: CaseRecord, calls: Sequence[EmergencyCall], now: datetime
    ) -> list[str]:
        """Keep each call on the new case (inside its save); the ids of the steps it completed."""
        completed: list[str] = []
        for call in calls:
            route = self.playbook.routes.get(call.route)
            if route is None:
                raise UsageError("The call was to a route the playbook does not have.")
            step_rules.not_in_future(call.at, now, "of the call")
            done = complete_with_call(record.parts["steps"], call, route.name, self.user)
            if done is None:
                event = self._event(record, "call", call_text(call, route.name))
                record.parts["events"].append(event)
                continue
            step, fields = done
            fields["done_ord"] = record.take_order()
            self._store.update("steps", record.doc_id_of("steps", step["id"]), fields)
            record.replace_part("steps", step["id"], fields)
            completed.append(step["id"])
        return completed

    def _school(self, key: str) -> School:
        for school in self.playbook.schools:
            if key in (school.key, school.name, school.prefix):
                return school
        raise UsageError("That school is not in the trust's playbook.")

    def _plan_doc(self, case_id: str, step_id: str, plan: StepPlan, reported: datetime) -> Doc:
        # Working days skip weekends, bank holidays and the trust's closure days.
        return step_doc(case_id, step_id, plan, due_at(reported, plan.due, self.calendar))

    @property
    def calendar(self) -> WorkingCalendar:
        """The trust's working days (from its playbook), for working-day deadlines."""
        calendar = getattr(self.playbook, "calendar", None)
        # A stand-in playbook without a calendar still skips weekends and bank holidays.
        return calendar if isinstance(calendar, WorkingCalendar) else PLAIN_CALENDAR

    @staticmethod
    def _person_doc(case_id: str, person_id: str, person: NewPerson) -> Doc:
        return {
            "case_id": case_id,
            "id": person_id,
            "role": person.role.value,
            "name": step_rules.require_text(person.name, "the person's name (or 'unknown')"),
            "year_group": person.year_group.strip(),
            "date_of_birth": iso_date(person.date_of_birth),
            "school": "",
            "notes": "",
        }

    @staticmethod
    def _account_doc(case_id: str, account_id: str, account: NewAccount) -> Doc:
        return {
            "case_id": case_id,
            "id": account_id,
            "platform": account.platform.strip(),
            "handle": account.handle.strip(),
            "url": account.url.strip(),
            "phone": account.phone.strip(),
        }

    def _review_on(self, core: Doc, people: list[Doc]) -> date:
        """The retention review date from the playbook's rules for this case (the latest).

        A case stored before ``retention_rules`` existed has its one ``retention`` rule.
        """
        keys = [k for k in core.get("retention_rules") or [core.get("retention", "")] if k]
        reported = (parse_dt(core["reported_at"]) or self._clock()).date()
        closed_at = parse_dt(core.get("closed_at"))
        closed = closed_at.date() if closed_at else None
        dates = []
        for key in keys or [""]:
            years = self.playbook.retention_years(key) if key else 25
            rule = getattr(self.playbook, "retention", {}).get(key) if key else None
            starts = str(getattr(rule, "starts", "") or "")
            dates.append(review_date(key, years, reported, people, starts=starts, closed=closed))
        return max(dates)

    # ------------------------------------------------------------------ reading
    def case(self, case_id: str, *, view: bool = True) -> Case:
        """The whole case; opening it is audited as a "view" (``view=False`` for internal use)."""
        record = self._record(case_id)
        if view:
            self.audit_event("view", case_id)
        return record.to_case()

    def prepare_search(self) -> None:
        """Build every case's search text now (call it in a worker after unlocking, so the
        first search is as quick as the rest)."""
        self._index.warm()

    def chronology(self, case_id: str) -> list[ChronologyEntry]:
        """Everything that happened on a case, oldest first."""
        return build_chronology(self._record(case_id))

    def blob(self, blob_id: str) -> bytes:
        """An evidence file's bytes (decrypted by the vault)."""
        if self._blobs is None:
            raise NotFound("This casebook keeps no evidence files.")
        data: bytes = self._blobs.get_blob(blob_id)
        return data

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
        return receive.receive_case(
            self, case, from_school=from_school, received_at=received_at, chronology=chronology
        )

    def mark_transferred(self, case_id: str, to_school: str) -> Case:
        """Mark a case as sent to another school (an event and an audit entry)."""
        return receive.mark_transferred(self, case_id, to_school)

    def record_transfer(self, case_id: str, to_school: str, code: str, sent_at: datetime) -> Case:
        """Record a transfer pack sent (with its receipt code) and mark the case: one save."""
        return receive.record_transfer(self, case_id, to_school, code, sent_at)

    def transfers(self, *, awaiting_only: bool = False) -> list[Transfer]:
        """Every transfer sent from this vault, oldest first (or those awaiting a receipt)."""
        return receive.transfers(self, awaiting_only=awaiting_only)

    def acknowledge_transfer(self, case_id: str, code: str, when: datetime) -> Transfer:
        """Record the receiving school's receipt code (grouped form) against a transfer."""
        return receive.acknowledge_transfer(self, case_id, code, when)

    def has_received_file(self, sha256: str) -> bool:
        """True when a case file with this SHA-256 was imported already."""
        return receive.has_received_file(self, sha256)

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
        return receive.receive_file(
            self, cases, from_school=from_school, received_at=received_at, sha256=sha256, code=code
        )

    # ---------------------------------------------------------------- playbook
    def clause_text(self, clause: str) -> str:
        """The policy's own words for a clause ("" when the playbook does not have them)."""
        if not clause:
            return ""
        return str(self.playbook.clause_text(clause))

    def school_name(self, key: str) -> str:
        """A school's full name for its key (the key itself when the playbook has none such)."""
        for school in self.playbook.schools:
            if school.key == key:
                return str(school.name)
        return key

    # ---------------------------------------------------------- evidence files
    def evidence_data(self, case_id: str, evidence_id: str) -> bytes:
        """The plaintext of a case's evidence file (``NotFound`` when it has none)."""
        record = self._record(case_id)
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
        self._delete_blob(blob_id)

    # ----------------------------------------------------------------- drafts
    def save_draft(self, key: str, data: DocView) -> None:
        """Keep unsaved form text (encrypted in the vault) under ``key``."""
        with self._saving():
            self._drafts.save(key, data, self.user, self._clock())

    def load_draft(self, key: str) -> Doc | None:
        """The draft saved under ``key``, or None."""
        return self._drafts.load(key)

    def discard_draft(self, key: str) -> None:
        """Forget the draft under ``key``."""
        with self._saving():
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
            self._index = CaseIndex()
            self._drafts = Drafts(self._store, {})
            # The index froze what it loaded (see CaseIndex.build): let the collector free it.
            gc.unfreeze()
