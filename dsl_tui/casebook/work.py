"""The casebook's write side for an existing case: steps, notes, evidence, people, decisions,
risk, status, closing and deletion. Mixed into ``Casebook``.

Each call is one save (documents + audit entry) followed by an update of the in-memory index.
Audit details carry ids and fixed words only, never what the DSL typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dsl_tui.audit import AuditLog
from dsl_tui.casebook import steps as step_rules
from dsl_tui.casebook.blobs import BlobStore
from dsl_tui.casebook.evidence_guard import check_evidence_file, read_evidence_file
from dsl_tui.casebook.index import PART_TABLES, CaseIndex, CaseRecord
from dsl_tui.casebook.records import iso, iso_date, parse_dt
from dsl_tui.casebook.store import Store
from dsl_tui.errors import CaseRuleError, NotFound, UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import Case, NewAccount, NewPerson, NoteKind, Risk, Status

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook


class CaseWork:
    """Changes to an existing case (mixed into ``Casebook``)."""

    user: str
    playbook: Playbook
    _clock: Callable[[], datetime]
    _index: CaseIndex
    _store: Store
    _audit: AuditLog
    _blobs: BlobStore | None

    if TYPE_CHECKING:  # provided by Casebook

        def _saving(self) -> AbstractContextManager[None]: ...  # pragma: no cover
        def _record(self, case_id: str) -> CaseRecord: ...  # pragma: no cover
        def _open_record(self, case_id: str) -> CaseRecord: ...  # pragma: no cover
        def _add_part(
            self, record: CaseRecord, table: str, doc: Doc
        ) -> None: ...  # pragma: no cover
        def _event(
            self, record: CaseRecord, kind: str, text: str, ref: str = ""
        ) -> Doc: ...  # pragma: no cover
        def _append_parts(
            self, record: CaseRecord, added: list[tuple[str, Doc]]
        ) -> None: ...  # pragma: no cover
        def _wake(self, record: CaseRecord) -> Doc: ...  # pragma: no cover
        def _review_on(self, core: Doc, people: list[Doc]) -> date: ...  # pragma: no cover
        @staticmethod
        def _person_doc(
            case_id: str, person_id: str, person: NewPerson
        ) -> Doc: ...  # pragma: no cover
        @staticmethod
        def _account_doc(
            case_id: str, account_id: str, account: NewAccount
        ) -> Doc: ...  # pragma: no cover

    # ------------------------------------------------------------------ helpers
    def _step(self, record: CaseRecord, step_id: str) -> Doc:
        step = record.part("steps", step_id)
        if step is None:
            raise NotFound(f"Case {record.case_id} has no step {step_id}.")
        return step

    def _change_core(self, record: CaseRecord, fields: Doc) -> None:
        """Update the case's core document (inside a save)."""
        if fields:
            self._store.update("cases", record.doc_id, fields)

    def _change_step(
        self, record: CaseRecord, step: Doc, fields: Doc, event: tuple[str, str] | None = None
    ) -> Case:
        wake = self._wake(record)
        added: list[tuple[str, Doc]] = []
        with self._saving():
            self._store.update("steps", record.doc_id_of("steps", step["id"]), fields)
            self._change_core(record, wake)
            if event:
                added.append(("events", self._event(record, event[0], event[1], step["id"])))
            self._audit.append(self.user, "change", record.case_id, f"step {step['id']}")
        step = record.replace_part("steps", step["id"], fields)
        record.core.update(wake)
        self._append_parts(record, added)
        self._index.refresh_row(record)
        self._index.add_text(record, "steps", step)
        return record.to_case()

    # -------------------------------------------------------------------- steps
    def complete_step(
        self, case_id: str, step_id: str, outcome: str, answers: Mapping[str, str] | None = None
    ) -> Case:
        """Mark a step done with its outcome and the answers it needs (CaseRuleError if not)."""
        record = self._open_record(case_id)
        step = self._step(record, step_id)
        fields = step_rules.completion_fields(step, outcome, answers, self._clock(), self.user)
        fields["done_ord"] = record.take_order()
        return self._change_step(record, step, fields)

    def set_aside_step(self, case_id: str, step_id: str, reason: str) -> Case:
        """Set a step aside as not needed, with the reason (CaseRuleError without one)."""
        record = self._open_record(case_id)
        step = self._step(record, step_id)
        fields = step_rules.set_aside_fields(step, reason, self._clock(), self.user)
        fields["done_ord"] = record.take_order()
        return self._change_step(record, step, fields)

    def add_step(
        self,
        case_id: str,
        title: str,
        actor: str,
        clause: str = "",
        due_at: datetime | None = None,
    ) -> Case:
        """Add a step of the DSL's own to an open case."""
        record = self._open_record(case_id)
        doc: Doc = {
            "case_id": case_id,
            "id": record.next_id("steps", "s"),
            "key": "custom",
            "title": step_rules.require_text(title, "what the step is"),
            "actor": (actor or "DSL").strip(),
            "clause": clause.strip(),
            "due_at": iso(due_at),
            "state": "open",
            "done_at": None,
            "done_by": "",
            "outcome": "",
            "reason": "",
            "detail": "",
            "route": None,
            "needs": [],
            "answers": [],
            "ord": record.take_order(),
        }
        return self._add(
            record, "steps", doc, f"step {doc['id']} added", ("step added", doc["title"])
        )

    def _add(
        self,
        record: CaseRecord,
        table: str,
        doc: Doc,
        detail: str,
        event: tuple[str, str] | None = None,
        core: Doc | None = None,
    ) -> Case:
        """Save one new part (and maybe an event and core fields); then index it."""
        fields = {**self._wake(record), **(core or {})}
        added: list[tuple[str, Doc]] = [(table, doc)]
        with self._saving():
            self._add_part(record, table, doc)
            if event:
                added.append(("events", self._event(record, event[0], event[1], doc["id"])))
            self._change_core(record, fields)
            self._audit.append(self.user, "change", record.case_id, detail)
        record.core.update(fields)
        self._append_parts(record, added)
        if table in ("steps", "people", "accounts") or fields:
            self._index.refresh(record)
        return record.to_case()

    # -------------------------------------------------------------------- notes
    def add_note(
        self, case_id: str, text: str, kind: NoteKind = NoteKind.FACT, corrects: str | None = None
    ) -> Case:
        """Append a timestamped note (fact or opinion). A correction points at the note it
        corrects; no note is ever edited or removed."""
        record = self._record(case_id)
        if corrects is not None and record.part("notes", corrects) is None:
            raise NotFound(f"Case {case_id} has no note {corrects} to correct.")
        doc: Doc = {
            "case_id": case_id,
            "id": record.next_id("notes", "n"),
            "at": iso(self._clock()),
            "by": self.user,
            "text": step_rules.require_text(text, "the note"),
            "kind": NoteKind(kind).value,
            "corrects": corrects,
            "ord": record.take_order(),
        }
        detail = f"note {doc['id']}" + (f" corrects {corrects}" if corrects else "")
        return self._add(record, "notes", doc, detail)

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
        """Record an item of evidence (8.2); a file is stored encrypted with its SHA-256.

        The image guard (UKCIS) comes first: no file on a nudes case (``EvidenceRefused``), and
        no image on a case about a child unless the DSL states ``not_an_image_of_a_child``
        (``ImageNotConfirmed``). A refused file is never stored, not even encrypted.
        """
        record = self._record(case_id)
        step_rules.not_in_future(captured_at, self._clock(), "it was captured")
        blob_id = sha = None
        if data is not None:
            if self._blobs is None:
                raise UsageError("This casebook cannot keep evidence files.")
            check_evidence_file(
                record.core, record.parts["people"], self._category_group(record), data, filename,
                not_an_image_of_a_child=not_an_image_of_a_child,
            )  # fmt: skip
            blob_id, sha = self._blobs.put_blob(data)
        doc: Doc = {
            "case_id": case_id,
            "id": record.next_id("evidence", "e"),
            "description": step_rules.require_text(description, "what the evidence is"),
            "location": location.strip(),
            "captured_at": iso(captured_at),
            "added_at": iso(self._clock()),
            "added_by": self.user,
            "blob_id": blob_id,
            "sha256": sha,
            "filename": filename.strip(),
            "ord": record.take_order(),
        }
        return self._add(record, "evidence", doc, f"evidence {doc['id']}")

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
        data = read_evidence_file(path)
        return self.add_evidence(
            case_id, description, location, data=data, filename=path.name,
            not_an_image_of_a_child=not_an_image_of_a_child,
        )  # fmt: skip

    def _category_group(self, record: CaseRecord) -> str:
        """The group of the case's category in the playbook ("" if the playbook has none)."""
        category = self.playbook.categories.get(record.core.get("category", ""))
        return category.group if category is not None else ""

    def add_person(self, case_id: str, person: NewPerson) -> Case:
        """Add someone to a case (the retention review date may move with a child's birth date)."""
        record = self._record(case_id)
        occurred = parse_dt(record.core.get("occurred_at"))
        step_rules.born_before([person.date_of_birth], occurred, self._clock())
        doc = self._person_doc(case_id, record.next_id("people", "p"), person)
        review = self._review_on(record.core, [*record.parts["people"], doc])
        return self._add(
            record, "people", doc, f"person {doc['id']}", core={"review_on": iso_date(review)}
        )

    def add_account(self, case_id: str, account: NewAccount) -> Case:
        """Add an online account, web address or phone number (8.2) to a case."""
        record = self._record(case_id)
        doc = self._account_doc(case_id, record.next_id("accounts", "a"), account)
        if not any(doc[k] for k in ("platform", "handle", "url", "phone")):
            raise UsageError("Please record the platform, handle, address or phone number.")
        return self._add(record, "accounts", doc, f"account {doc['id']}")

    # ---------------------------------------------------------------- decisions
    def _decision_doc(self, record: CaseRecord, kind: str, text: str) -> Doc:
        return {
            "case_id": record.case_id,
            "id": record.next_id("decisions", "d"),
            "at": iso(self._clock()),
            "by": self.user,
            "kind": step_rules.require_text(kind, "what was decided"),
            "text": step_rules.require_text(text, "the reasons for the decision"),
            "ord": record.take_order(),
        }

    def record_decision(self, case_id: str, kind: str, text: str) -> Case:
        """Record a decision and its rationale, e.g. not to refer, and why."""
        record = self._record(case_id)
        doc = self._decision_doc(record, kind, text)
        return self._add(record, "decisions", doc, f"decision {doc['id']}")

    def change_risk(self, case_id: str, risk: Risk, reason: str) -> Case:
        """Change a case's risk level; the reason is required and goes into the chronology."""
        record = self._open_record(case_id)
        if not (reason or "").strip():
            raise CaseRuleError("A change of risk level needs the reason recorded.")
        new = Risk(risk)
        old = record.risk
        if new is old:
            raise CaseRuleError(f"The case is already at risk level {old.value}.")
        doc = self._decision_doc(
            record, "risk change", f"Risk {old.value} -> {new.value}: {reason.strip()}"
        )
        return self._add(
            record, "decisions", doc, f"risk {old.value} to {new.value}", core={"risk": new.value}
        )

    def set_status(self, case_id: str, status: Status, reason: str = "") -> Case:
        """Move a case to another status (closing goes through ``close``; reopening needs a
        reason)."""
        record = self._record(case_id)
        new = Status(status)
        if new is Status.CLOSED:
            raise CaseRuleError("Close a case with its outcome, using Close.")
        fields: Doc = {"status": new.value}
        text = f"Status {record.core.get('status')} -> {new.value}"
        if record.closed:
            if not (reason or "").strip():
                raise CaseRuleError("Reopening a closed case needs the reason recorded.")
            fields["closed_at"] = None
        if (reason or "").strip():
            text += f": {reason.strip()}"
        added: list[tuple[str, Doc]] = []
        with self._saving():
            self._change_core(record, fields)
            added.append(("events", self._event(record, "status", text)))
            self._audit.append(self.user, "change", case_id, f"status {new.value}")
        record.core.update(fields)
        self._append_parts(record, added)
        self._index.refresh(record)
        return record.to_case()

    def reopen(self, case_id: str, reason: str) -> Case:
        """Reopen a closed case (new information, a decision revisited): the reason is required
        and goes into the chronology; audited. Its steps stay as they were."""
        record = self._record(case_id)
        if not record.closed:
            raise CaseRuleError(f"Case {case_id} is not closed.")
        return self.set_status(case_id, Status.OPEN, reason)

    def close(self, case_id: str, outcome: str) -> Case:
        """Close a case with its outcome; every step must be done or set aside first."""
        record = self._open_record(case_id)
        if not (outcome or "").strip():
            raise CaseRuleError("A case can only be closed with its outcome recorded.")
        still_open = step_rules.open_steps(record.parts["steps"])
        if still_open:
            ids = ", ".join(s["id"] for s in still_open)
            raise CaseRuleError(
                f"{len(still_open)} step(s) are still open ({ids}): complete each one or "
                "set it aside with a reason before closing."
            )
        at = self._clock()
        fields: Doc = {
            "status": Status.CLOSED.value,
            "outcome": outcome.strip(),
            "closed_at": iso(at),
        }
        review = self._review_on({**record.core, **fields}, record.parts["people"])
        fields["review_on"] = iso_date(review)
        added: list[tuple[str, Doc]] = []
        with self._saving():
            self._change_core(record, fields)
            added.append(("events", self._event(record, "closed", outcome.strip())))
            self._audit.append(self.user, "close", case_id)
        record.core.update(fields)
        self._append_parts(record, added)
        self._index.refresh(record)
        return record.to_case()

    def delete_case(self, case_id: str, reason: str) -> None:
        """Delete a case and all its parts for good (e.g. at its retention review); audited."""
        record = self._record(case_id)
        if not (reason or "").strip():
            raise CaseRuleError("Deleting a case needs the reason recorded.")
        tombstone = {"case_id": case_id, "at": iso(self._clock()), "by": self.user,
                     "reason": reason.strip()}  # fmt: skip
        with self._saving():
            for table in PART_TABLES:
                ids = [record.doc_id_of(table, d["id"]) for d in record.parts[table]]
                self._store.remove(table, ids)
            self._store.remove("cases", [record.doc_id])
            self._store.insert("deleted", tombstone)
            self._audit.append(self.user, "delete", case_id)
        self._index.remove(case_id)
        for item in record.parts["evidence"]:
            if item.get("blob_id"):
                self._delete_blob(item["blob_id"])

    def _delete_blob(self, blob_id: str) -> None:
        """Remove an evidence file of a deleted case (it is encrypted; failing is harmless)."""
        if self._blobs is None:
            return
        try:
            self._blobs.delete_blob(blob_id)
        except (OSError, NotFound):
            pass  # the case is gone; a stray encrypted file cannot be read without the key
