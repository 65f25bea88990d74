"""Cases that cross schools: received cases keeping their chronology, and the sent ones' record.

The sender's vault keeps a ``transfers`` table (one row per case sent, with the receipt code of
the file written); the receiver's a ``received_files`` table (one row per file imported, by its
SHA-256). ``Transfers`` writes through the casebook's writer (its save, index and audit), in one
save, so a received case behaves like any other and a transfer is recorded and marked together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dsl_tui.casebook.records import iso, iso_date, needs_doc
from dsl_tui.casebook.writer import CaseWriter
from dsl_tui.errors import NotFound, UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import Case, ChronologyEntry, Transfer

#: Chronology kinds the casebook derives from a case's parts; anything else was an event.
_DERIVED = (
    "incident",
    "reported",
    "child's words",
    "step done",
    "step set aside",
    "note (",
    "correction (",
    "evidence",
    "decision: ",
)


def _free_id(writer: CaseWriter, wanted: str) -> str:
    """The sender's case id if this vault does not use it yet, else the id with "-R<n>"."""
    if not writer.has_case(wanted):
        return wanted
    n = 1
    while writer.has_case(f"{wanted}-R{n}"):
        n += 1
    return f"{wanted}-R{n}"


def _part_docs(case_id: str, case: Case) -> list[tuple[str, Doc]]:
    """Every part of the received case as the casebook stores it, in chronological order."""
    parts: list[tuple[datetime | None, str, Doc]] = []
    for p in case.people:
        parts.append(
            (
                None,
                "people",
                {
                    "case_id": case_id,
                    "id": p.id,
                    "role": p.role.value,
                    "name": p.name,
                    "year_group": p.year_group,
                    "date_of_birth": iso_date(p.date_of_birth),
                    "school": p.school,
                    "notes": p.notes,
                },
            )
        )
    for a in case.accounts:
        parts.append(
            (
                None,
                "accounts",
                {
                    "case_id": case_id,
                    "id": a.id,
                    "platform": a.platform,
                    "handle": a.handle,
                    "url": a.url,
                    "phone": a.phone,
                },
            )
        )
    for s in case.steps:
        parts.append(
            (
                s.done_at,
                "steps",
                {
                    "case_id": case_id,
                    "id": s.id,
                    "key": s.key,
                    "title": s.title,
                    "actor": s.actor,
                    "clause": s.clause,
                    "due_at": iso(s.due_at),
                    "state": s.state.value,
                    "done_at": iso(s.done_at),
                    "done_by": s.done_by,
                    "outcome": s.outcome,
                    "reason": s.reason,
                    "detail": s.detail,
                    "route": s.route,
                    "needs": needs_doc(s.needs),
                    "answers": [[k, v] for k, v in s.answers],
                },
            )
        )
    for n in case.notes:
        parts.append(
            (
                n.at,
                "notes",
                {
                    "case_id": case_id,
                    "id": n.id,
                    "at": iso(n.at),
                    "by": n.by,
                    "text": n.text,
                    "kind": n.kind.value,
                    "corrects": n.corrects,
                },
            )
        )
    for e in case.evidence:
        parts.append(
            (
                e.added_at,
                "evidence",
                {
                    "case_id": case_id,
                    "id": e.id,
                    "description": e.description,
                    "location": e.location,
                    "captured_at": iso(e.captured_at),
                    "added_at": iso(e.added_at),
                    "added_by": e.added_by,
                    "blob_id": e.blob_id,
                    "sha256": e.sha256,
                    "filename": e.filename,
                },
            )
        )
    for d in case.decisions:
        parts.append(
            (
                d.at,
                "decisions",
                {
                    "case_id": case_id,
                    "id": d.id,
                    "at": iso(d.at),
                    "by": d.by,
                    "kind": d.kind,
                    "text": d.text,
                },
            )
        )
    return [(table, doc) for _, table, doc in parts]


def _transfer_from(doc: Doc) -> Transfer:
    ack = doc.get("acknowledged_at")
    return Transfer(
        case_id=doc["case_id"],
        to_school=doc.get("to_school", ""),
        receipt_code=doc.get("code", ""),
        sent_at=datetime.fromisoformat(doc["sent_at"]),
        acknowledged_at=datetime.fromisoformat(ack) if ack else None,
    )


class Transfers:
    """Cases sent to and received from other schools, written through the casebook's writer."""

    def __init__(self, writer: CaseWriter) -> None:
        self._writer = writer

    def receive_case(
        self,
        case: Case,
        *,
        from_school: str,
        received_at: datetime,
        chronology: Sequence[ChronologyEntry] = (),
    ) -> Case:
        """Add a case received from another school, keeping its parts, times and events.

        Events from the sender's chronology (triage, risk changes...) are kept as events; a
        "received" event and an "import" audit entry are added. One save: all or nothing.
        """
        writer = self._writer
        case_id = _free_id(writer, case.id)
        core: Doc = {
            "id": case_id, "school": case.school, "reporter": case.reporter,
            "reported_at": iso(case.reported_at), "occurred_at": iso(case.occurred_at),
            "summary": case.summary, "child_words": case.child_words, "category": case.category,
            "category_title": case.category_title, "clause": case.clause,
            "risk": case.risk.value, "status": case.status.value,
            "answers": [[k, v] for k, v in case.answers], "retention": "", "triage_reasons": [],
            "triage_warnings": [], "call_now": [], "routes": [], "outcome": case.outcome,
            "closed_at": iso(case.closed_at), "review_on": iso_date(case.review_on),
            "owner": writer.user, "received_from": from_school, "received_at": iso(received_at),
            "transferred_to": "", "sender_case_id": case.id,
            "playbook_version": case.playbook_version, "created_at": iso(received_at),
            "created_by": writer.user,
        }  # fmt: skip
        parts = _part_docs(case_id, case)
        events = [e for e in chronology if not e.kind.startswith(_DERIVED)]
        received = ChronologyEntry(
            received_at, writer.user, "received", f"Received from {from_school}."
        )
        with writer.saving():
            record = writer.new_record(core)
            for table, doc in parts:
                if table in ("notes", "evidence", "decisions"):
                    doc["ord"] = record.take_order()
                if table == "steps" and doc["done_at"]:
                    doc["done_ord"] = record.take_order()
                writer.add_part(record, table, doc)
                record.parts[table].append(doc)
            for i, entry in enumerate([*events, received], 1):
                doc = {
                    "case_id": case_id,
                    "id": f"v{i}",
                    "at": iso(entry.at),
                    "by": entry.by,
                    "kind": entry.kind,
                    "text": entry.text,
                    "ref": entry.ref,
                    "ord": record.take_order(),
                }
                writer.add_part(record, "events", doc)
                record.parts["events"].append(doc)
            writer.audit("import", case_id, "received")
        writer.refresh(record)
        return record.to_case()

    def mark_transferred(self, case_id: str, to_school: str) -> Case:
        """Mark the sender's copy of a case as transferred (an event and an audit entry too)."""
        writer = self._writer
        record = writer.record(case_id)
        fields: Doc = {"transferred_to": to_school}
        with writer.saving():
            writer.change_core(record, fields)
            event = writer.event(record, "transferred", f"Transfer pack sent to {to_school}.")
            writer.audit("change", case_id, "transferred")
        record.core.update(fields)
        writer.keep_parts(record, [("events", event)])
        writer.refresh(record)
        return record.to_case()

    def record_transfer(self, case_id: str, to_school: str, code: str, sent_at: datetime) -> Case:
        """Record that ``case_id`` was sent with receipt ``code``, and mark it transferred: one
        save. The casebook's batch reloads its index from what is stored if the save fails."""
        writer = self._writer
        writer.record(case_id)  # NotFound before anything is written
        with writer.batch():
            writer.insert(
                "transfers",
                {
                    "case_id": case_id,
                    "to_school": to_school,
                    "code": code,
                    "sent_at": iso(sent_at),
                    "acknowledged_at": None,
                },
            )
            return self.mark_transferred(case_id, to_school)

    def transfers(self, *, awaiting_only: bool = False) -> list[Transfer]:
        """Every transfer sent from this vault (oldest first), or only those awaiting a receipt."""
        found = [_transfer_from(d) for d in self._writer.rows("transfers").values()]
        if awaiting_only:
            found = [t for t in found if t.acknowledged_at is None]
        return sorted(found, key=lambda t: t.sent_at)

    def acknowledge_transfer(self, case_id: str, code: str, when: datetime) -> Transfer:
        """Record the receiver's receipt ``code`` (grouped form) against the transfer of
        ``case_id``.

        ``NotFound`` when no transfer of the case is recorded; ``UsageError`` when the code
        differs (the receiving school holds a different file). Acknowledging twice changes
        nothing.
        """
        writer = self._writer
        # One save around reading and marking, so two acknowledgements cannot interleave.
        with writer.saving():
            rows = [(k, d) for k, d in writer.rows("transfers").items()
                    if d.get("case_id") == case_id]  # fmt: skip
            if not rows:
                raise NotFound("No transfer of that case is recorded in this vault.")
            for doc_id, doc in rows:
                if doc.get("code") != code:
                    continue
                if doc.get("acknowledged_at") is None:
                    fields: Doc = {"acknowledged_at": iso(when)}
                    writer.update("transfers", doc_id, fields)
                    writer.audit("change", case_id, "transfer acknowledged")
                    doc = {**doc, **fields}
                return _transfer_from(doc)
        raise UsageError(
            "That receipt code does not match the file sent; the receiving school may hold a "
            "different file."
        )

    def has_received_file(self, sha256: str) -> bool:
        """True when a case file with this SHA-256 was imported into this vault already."""
        return any(d.get("sha256") == sha256 for d in self._writer.rows("received_files").values())

    def receive_file(
        self,
        cases: Sequence[tuple[Case, Sequence[ChronologyEntry]]],
        *,
        from_school: str,
        received_at: datetime,
        sha256: str,
        code: str,
    ) -> list[Case]:
        """Add every case of an imported file and note the file as received: one save, all or
        none."""
        if self.has_received_file(sha256):
            raise UsageError("This case file has already been imported into this vault.")
        writer = self._writer
        with writer.batch():
            added = [
                self.receive_case(
                    case, from_school=from_school, received_at=received_at,
                    chronology=chronology,
                )
                for case, chronology in cases
            ]  # fmt: skip
            writer.insert(
                "received_files",
                {
                    "sha256": sha256,
                    "code": code,
                    "case_ids": [c.id for c in added],
                    "at": iso(received_at),
                },
            )
        return added
