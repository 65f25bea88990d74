"""Changes to an existing case: steps, notes, evidence, people, decisions, risk, status, closing
and deletion.

Each call is one save through the writer (documents + audit entry), then the writer brings the
in-memory index up to date. Audit details carry ids and fixed words only, never what the DSL typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dsl_tui.casebook import steps as step_rules
from dsl_tui.casebook.blobs import BlobStore, forget_blob
from dsl_tui.casebook.evidence_guard import check_evidence_file, read_evidence_file
from dsl_tui.casebook.index import CaseRecord
from dsl_tui.casebook.intake import account_doc, person_doc
from dsl_tui.casebook.records import iso, iso_date, parse_dt
from dsl_tui.casebook.retention import case_review_on
from dsl_tui.casebook.writer import CaseWriter
from dsl_tui.errors import CaseRuleError, NotFound, UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import Case, NewAccount, NewPerson, NoteKind, Risk, Status

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook


class CaseWork:
    """Changes to an existing case, written through the casebook's writer."""

    def __init__(self, writer: CaseWriter, playbook: Playbook, blobs: BlobStore | None) -> None:
        self._writer = writer
        self._playbook = playbook
        #: Evidence files (None: this casebook keeps none).
        self._blobs = blobs

    # ------------------------------------------------------------------ helpers
    def _step(self, record: CaseRecord, step_id: str) -> Doc:
        step = record.part("steps", step_id)
        if step is None:
            raise NotFound(f"Case {record.case_id} has no step {step_id}.")
        return step

    @staticmethod
    def _wake(record: CaseRecord) -> Doc:
        """Fields that move a new case to open when work starts on it."""
        if record.core.get("status") == Status.NEW.value:
            return {"status": Status.OPEN.value}
        return {}

    def _review_on(self, core: Doc, people: list[Doc]) -> str | None:
        """The case's retention review date (stored form) by the playbook's rules."""
        return iso_date(case_review_on(self._playbook, core, people, self._writer.now().date()))

    def _change_step(
        self, record: CaseRecord, step: Doc, fields: Doc, event: tuple[str, str] | None = None
    ) -> Case:
        writer = self._writer
        wake = self._wake(record)
        added: list[tuple[str, Doc]] = []
        with writer.saving():
            writer.change_part(record, "steps", step["id"], fields)
            writer.change_core(record, wake)
            if event:
                added.append(("events", writer.event(record, event[0], event[1], step["id"])))
            writer.audit("change", record.case_id, f"step {step['id']}")
        record.core.update(wake)
        writer.keep_part_change(record, "steps", step["id"], fields)
        writer.keep_parts(record, added)
        writer.refresh_row(record)
        return record.to_case()

    # -------------------------------------------------------------------- steps
    def complete_step(
        self, case_id: str, step_id: str, outcome: str, answers: Mapping[str, str] | None = None
    ) -> Case:
        """Mark a step done with its outcome and the answers it needs (CaseRuleError if not)."""
        record = self._writer.open_record(case_id)
        step = self._step(record, step_id)
        fields = step_rules.completion_fields(
            step, outcome, answers, self._writer.now(), self._writer.user
        )
        fields["done_ord"] = record.take_order()
        return self._change_step(record, step, fields)

    def set_aside_step(self, case_id: str, step_id: str, reason: str) -> Case:
        """Set a step aside as not needed, with the reason (CaseRuleError without one)."""
        record = self._writer.open_record(case_id)
        step = self._step(record, step_id)
        fields = step_rules.set_aside_fields(step, reason, self._writer.now(), self._writer.user)
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
        record = self._writer.open_record(case_id)
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
        writer = self._writer
        fields = {**self._wake(record), **(core or {})}
        added: list[tuple[str, Doc]] = [(table, doc)]
        with writer.saving():
            writer.add_part(record, table, doc)
            if event:
                added.append(("events", writer.event(record, event[0], event[1], doc["id"])))
            writer.change_core(record, fields)
            writer.audit("change", record.case_id, detail)
        record.core.update(fields)
        writer.keep_parts(record, added)
        if table in ("steps", "people", "accounts") or fields:
            writer.refresh(record)
        return record.to_case()

    # -------------------------------------------------------------------- notes
    def add_note(
        self, case_id: str, text: str, kind: NoteKind = NoteKind.FACT, corrects: str | None = None
    ) -> Case:
        """Append a timestamped note (fact or opinion). A correction points at the note it
        corrects; no note is ever edited or removed."""
        record = self._writer.record(case_id)
        if corrects is not None and record.part("notes", corrects) is None:
            raise NotFound(f"Case {case_id} has no note {corrects} to correct.")
        doc: Doc = {
            "case_id": case_id,
            "id": record.next_id("notes", "n"),
            "at": iso(self._writer.now()),
            "by": self._writer.user,
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
        record = self._writer.record(case_id)
        step_rules.not_in_future(captured_at, self._writer.now(), "it was captured")
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
            "added_at": iso(self._writer.now()),
            "added_by": self._writer.user,
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
        category = self._playbook.categories.get(record.core.get("category", ""))
        return category.group if category is not None else ""

    def add_person(self, case_id: str, person: NewPerson) -> Case:
        """Add someone to a case (the retention review date may move with a child's birth date)."""
        record = self._writer.record(case_id)
        occurred = parse_dt(record.core.get("occurred_at"))
        step_rules.born_before([person.date_of_birth], occurred, self._writer.now())
        doc = person_doc(case_id, record.next_id("people", "p"), person)
        review = self._review_on(record.core, [*record.parts["people"], doc])
        return self._add(record, "people", doc, f"person {doc['id']}", core={"review_on": review})

    def add_account(self, case_id: str, account: NewAccount) -> Case:
        """Add an online account, web address or phone number (8.2) to a case."""
        record = self._writer.record(case_id)
        doc = account_doc(case_id, record.next_id("accounts", "a"), account)
        if not any(doc[k] for k in ("platform", "handle", "url", "phone")):
            raise UsageError("Please record the platform, handle, address or phone number.")
        return self._add(record, "accounts", doc, f"account {doc['id']}")

    # ---------------------------------------------------------------- decisions
    def _decision_doc(self, record: CaseRecord, kind: str, text: str) -> Doc:
        return {
            "case_id": record.case_id,
            "id": record.next_id("decisions", "d"),
            "at": iso(self._writer.now()),
            "by": self._writer.user,
            "kind": step_rules.require_text(kind, "what was decided"),
            "text": step_rules.require_text(text, "the reasons for the decision"),
            "ord": record.take_order(),
        }

    def record_decision(self, case_id: str, kind: str, text: str) -> Case:
        """Record a decision and its rationale, e.g. not to refer, and why."""
        record = self._writer.record(case_id)
        doc = self._decision_doc(record, kind, text)
        return self._add(record, "decisions", doc, f"decision {doc['id']}")

    def change_risk(self, case_id: str, risk: Risk, reason: str) -> Case:
        """Change a case's risk level; the reason is required and goes into the chronology."""
        record = self._writer.open_record(case_id)
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
        record = self._writer.record(case_id)
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
        writer = self._writer
        with writer.saving():
            writer.change_core(record, fields)
            event = writer.event(record, "status", text)
            writer.audit("change", case_id, f"status {new.value}")
        record.core.update(fields)
        writer.keep_parts(record, [("events", event)])
        writer.refresh(record)
        return record.to_case()

    def reopen(self, case_id: str, reason: str) -> Case:
        """Reopen a closed case (new information, a decision revisited): the reason is required
        and goes into the chronology; audited. Its steps stay as they were."""
        record = self._writer.record(case_id)
        if not record.closed:
            raise CaseRuleError(f"Case {case_id} is not closed.")
        return self.set_status(case_id, Status.OPEN, reason)

    def close(self, case_id: str, outcome: str) -> Case:
        """Close a case with its outcome; every step must be done or set aside first."""
        record = self._writer.open_record(case_id)
        if not (outcome or "").strip():
            raise CaseRuleError("A case can only be closed with its outcome recorded.")
        still_open = step_rules.open_steps(record.parts["steps"])
        if still_open:
            ids = ", ".join(s["id"] for s in still_open)
            raise CaseRuleError(
                f"{len(still_open)} step(s) are still open ({ids}): complete each one or "
                "set it aside with a reason before closing."
            )
        at = self._writer.now()
        fields: Doc = {
            "status": Status.CLOSED.value,
            "outcome": outcome.strip(),
            "closed_at": iso(at),
        }
        fields["review_on"] = self._review_on({**record.core, **fields}, record.parts["people"])
        writer = self._writer
        with writer.saving():
            writer.change_core(record, fields)
            event = writer.event(record, "closed", outcome.strip())
            writer.audit("close", case_id)
        record.core.update(fields)
        writer.keep_parts(record, [("events", event)])
        writer.refresh(record)
        return record.to_case()

    def delete_case(self, case_id: str, reason: str) -> None:
        """Delete a case and all its parts for good (e.g. at its retention review); audited."""
        record = self._writer.record(case_id)
        if not (reason or "").strip():
            raise CaseRuleError("Deleting a case needs the reason recorded.")
        tombstone = {"case_id": case_id, "at": iso(self._writer.now()), "by": self._writer.user,
                     "reason": reason.strip()}  # fmt: skip
        with self._writer.saving():
            self._writer.remove_case(record, tombstone)
            self._writer.audit("delete", case_id)
        self._writer.forget(case_id)
        for item in record.parts["evidence"]:
            if item.get("blob_id"):
                forget_blob(self._blobs, item["blob_id"])
