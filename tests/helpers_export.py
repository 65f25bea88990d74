"""Test helpers for the export: fictional cases made by hand and a small stand-in casebook.

Every person here is invented. The stand-in casebook has only the calls the export uses, so the
file format can be tested on its own; tests against the real casebook live beside these.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dsl_tui.errors import NotFound
from dsl_tui.model import (
    Account,
    AuditEntry,
    Case,
    ChronologyEntry,
    ConcernReport,
    Decision,
    EvidenceItem,
    EvidenceNote,
    NewAccount,
    NewPerson,
    NoteKind,
    Person,
    PersonRole,
    Risk,
    Status,
    Step,
    StepState,
)

T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
PUPIL = "Amara Okonkwo-Bell"
PUPIL_2 = "Theo Marchetti"
STAFF = "Daniel Whitcombe"
DSL = "Priya Ramanathan"
PARENT = "Grace Okonkwo-Bell"
EVIDENCE_BYTES = b"\x89PNG fictional screenshot bytes for Amara Okonkwo-Bell"


def sample_case(case_id: str = "SRA-2026-0001", *, with_blob: bool = True) -> Case:
    """A fictional online-bullying case whose free text names the pupil in several ways."""
    digest = hashlib.sha256(EVIDENCE_BYTES).hexdigest()
    return Case(
        id=case_id,
        school="SRA",
        reporter=STAFF,
        reported_at=T0,
        occurred_at=T0 - timedelta(days=1),
        summary=f"{PUPIL} (Y8) shown a group chat where {PUPIL_2} posts insults about her.",
        child_words="Amara said: 'they keep calling me names in the chat "
        "<script>alert(1)</script>'",
        category="online_bullying",
        category_title="Online bullying",
        clause="6.1",
        risk=Risk.MEDIUM,
        status=Status.OPEN,
        answers=(("immediate_risk", "no"),),
        people=(
            Person(
                id="p1",
                role=PersonRole.PUPIL,
                name=PUPIL,
                year_group="8",
                date_of_birth=date(2013, 5, 4),
                school="SRA",
            ),
            Person(id="p2", role=PersonRole.PUPIL, name=PUPIL_2, year_group="8"),
            Person(id="p3", role=PersonRole.STAFF, name=STAFF),
            Person(id="p4", role=PersonRole.PARENT, name=PARENT),
        ),
        accounts=(Account(id="a1", platform="Instagram", handle="@okonkwo.bell.fan"),),
        steps=(
            Step(
                id="s1",
                key="record",
                title="Record what was seen",
                actor="DSL",
                clause="8.2",
                due_at=T0 + timedelta(hours=1),
                state=StepState.DONE,
                done_at=T0 + timedelta(minutes=30),
                done_by=DSL,
                outcome="Screenshots described; Okonkwo-Bell's mother told.",
            ),
            Step(
                id="s2",
                key="behaviour",
                title="Behaviour policy for the author",
                actor="Head",
                clause="9.2",
                due_at=T0 + timedelta(days=2),
            ),
        ),
        evidence=(
            EvidenceItem(
                id="e1",
                description="Screenshot of the chat naming amara okonkwo-bell",
                location="Instagram group",
                captured_at=T0,
                added_at=T0,
                added_by=DSL,
                blob_id="blob1" if with_blob else None,
                sha256=digest if with_blob else None,
                filename="amara-chat.png",
            ),
        ),
        notes=(
            EvidenceNote(
                id="n1",
                at=T0 + timedelta(minutes=5),
                by=DSL,
                text="AMARA was upset; Theo admitted posting.",
                kind=NoteKind.FACT,
            ),
            EvidenceNote(
                id="n2",
                at=T0 + timedelta(minutes=9),
                by=DSL,
                text="I think Amara's friends are also involved.",
                kind=NoteKind.OPINION,
            ),
        ),
        decisions=(
            Decision(
                id="d1",
                at=T0 + timedelta(hours=2),
                by=DSL,
                kind="no referral",
                text="No referral to social care: handled in school with Amara's parents.",
            ),
        ),
        owner=DSL,
    )


def sample_chronology(case: Case) -> list[ChronologyEntry]:
    """A chronology like the casebook makes: creation, notes, a step done."""
    return [
        ChronologyEntry(at=case.reported_at, by=case.reporter, kind="logged", text=case.summary),
        *(
            ChronologyEntry(at=n.at, by=n.by, kind=f"note ({n.kind})", text=n.text, ref=n.id)
            for n in case.notes
        ),
    ]


@dataclass
class FakePlaybook:
    """Only the clause text, schools and titles the export and the report read."""

    schools: tuple[Any, ...] = ()
    categories: dict[str, Any] = field(default_factory=dict)
    routes: dict[str, Any] = field(default_factory=dict)

    def clause_text(self, clause: str) -> str:
        return {
            "8.2": "Staff should keep any records of abuse.",
            "9.2": "The pupil will be disciplined in line with the behaviour policy.",
            "6.1": "Safeguarding risks <including> grooming.",
        }.get(clause, "")


@dataclass
class FakeCasebook:
    """A double of the export's seam (``CaseSource`` and ``CaseSink``), holding cases in a dict."""

    cases: dict[str, Case] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    audits: list[tuple[str, str, str]] = field(default_factory=list)
    user: str = DSL
    playbook: FakePlaybook = field(default_factory=FakePlaybook)
    received: list[tuple[Case, str, datetime]] = field(default_factory=list)
    received_files: list[str] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def case(self, case_id: str, *, view: bool = True) -> Case:
        return self.cases[case_id]

    def search(self, text: str, *, status: str = "all") -> list[Any]:
        return []

    def clause_text(self, clause: str) -> str:
        return self.playbook.clause_text(clause)

    def school_name(self, key: str) -> str:
        return next((s.name for s in self.playbook.schools if s.key == key), key)

    def record_transfer(self, case_id: str, to_school: str, code: str, sent_at: datetime) -> Case:
        self.sent.append((case_id, to_school, code))
        return self.cases[case_id]

    def has_received_file(self, sha256: str) -> bool:
        return sha256 in self.received_files

    def receive_file(
        self,
        cases: Any,
        *,
        from_school: str,
        received_at: datetime,
        sha256: str,
        code: str,
    ) -> list[Case]:
        self.received_files.append(sha256)
        return [
            self.receive_case(case, from_school=from_school, received_at=received_at)
            for case, _ in cases
        ]

    def chronology(self, case_id: str) -> list[ChronologyEntry]:
        return sample_chronology(self.cases[case_id])

    def evidence_data(self, case_id: str, evidence_id: str) -> bytes:
        item = next(e for e in self.cases[case_id].evidence if e.id == evidence_id)
        if (item.blob_id or "") not in self.blobs:
            raise NotFound("No evidence file with that id.")
        return self.blobs[item.blob_id or ""]

    def audit_event(self, action: str, case_id: str = "", detail: str = "") -> None:
        self.audits.append((action, case_id, detail))

    def put_blob(self, data: bytes) -> tuple[str, str]:
        blob_id = f"blob{len(self.blobs) + 1}"
        self.blobs[blob_id] = data
        return blob_id, hashlib.sha256(data).hexdigest()

    def discard_blob(self, blob_id: str) -> None:
        self.blobs.pop(blob_id, None)

    def receive_case(self, case: Case, *, from_school: str, received_at: datetime) -> Case:
        self.received.append((case, from_school, received_at))
        self.audits.append(("import", case.id, "received"))
        new = f"NEW-{len(self.received)}"
        self.cases[new] = case
        return case

    def case_ids(self) -> list[str]:
        return sorted(self.cases)

    def audit_log(self) -> list[AuditEntry]:
        return []


def fake_casebook(*cases: Case) -> FakeCasebook:
    """A stand-in casebook holding ``cases`` (default: one sample case) and its evidence blob."""
    book = FakeCasebook()
    for case in cases or (sample_case(),):
        book.cases[case.id] = case
    book.blobs["blob1"] = EVIDENCE_BYTES
    return book


def unzip(payload: bytes) -> dict[str, bytes]:
    """Every file of an in-memory zip."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def make_zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    """A zip with exactly these entries (duplicates and odd names allowed: for attack tests)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


OTTOLINE = "Ottoline Fairweather-Brook"


def answers_for(casebook: Any) -> dict[str, str]:
    """Walk the real playbook's questions with "no" / the first choice (an online bullying case)."""
    answers: dict[str, str] = {}
    while (q := casebook.playbook.next_question(answers)) is not None:
        answers[q.key] = "no" if q.kind == "yes_no" else q.choices[0].key
    return answers


def worked_case(casebook: Any, name: str = OTTOLINE) -> str:
    """Log a concern and do some work on it; returns the case id."""
    report = ConcernReport(
        school="sra", reporter="Gideon Hartley",
        summary=f"{name} received insulting messages in a class group chat.",
        people=(NewPerson(PersonRole.PUPIL, name, "9"),),
        accounts=(NewAccount("Snapchat", "@fictional.handle"),),
    )  # fmt: skip
    case = casebook.log_concern(report, answers_for(casebook))
    casebook.add_note(case.id, f"{name.split()[0]} showed me the messages.", NoteKind.FACT)
    casebook.add_evidence(
        case.id,
        "Screenshot of the chat",
        "Snapchat",
        data=b"PNGDATA",
        filename="chat.png",
        not_an_image_of_a_child=True,  # a chat's text: the DSL confirmed no child is shown
    )
    casebook.complete_step(case.id, case.steps[0].id, "Spoke with the pupil; words recorded.")
    casebook.change_risk(case.id, Risk.HIGH, "Messages continued overnight.")
    casebook.record_decision(case.id, "no referral", "Handled in school; parents informed.")
    return case.id
