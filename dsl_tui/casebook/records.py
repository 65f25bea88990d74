"""Stored documents <-> the shared dataclasses: one small TinyDB document per thing.

Times are stored as ISO-8601 strings in UTC; dates as ISO dates. Enums are stored by value.
Documents carry the ``case_id`` they belong to and a per-case ``id`` (``s1``, ``n3``...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.model import (
    Account,
    AnswerSpec,
    Case,
    Decision,
    EvidenceItem,
    EvidenceNote,
    NoteKind,
    Person,
    PersonRole,
    Risk,
    Status,
    Step,
    StepPlan,
    StepState,
)


def iso(moment: datetime | None) -> str | None:
    """A datetime as an ISO string in UTC (naive datetimes are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def parse_dt(text: str | None) -> datetime | None:
    """The datetime of an ISO string written by :func:`iso`."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_date(day: date | None) -> str | None:
    """A date as an ISO string."""
    return day.isoformat() if day else None


def parse_date(text: str | None) -> date | None:
    """The date of an ISO date string."""
    return date.fromisoformat(text) if text else None


def needs_doc(needs: tuple[AnswerSpec, ...]) -> list[Doc]:
    """A step's required answers as plain lists."""
    return [{"key": n.key, "prompt": n.prompt, "choices": list(n.choices)} for n in needs]


def needs_from(docs: list[DocView] | None) -> tuple[AnswerSpec, ...]:
    """The required answers back as AnswerSpec."""
    return tuple(
        AnswerSpec(d["key"], d.get("prompt", ""), tuple(d.get("choices", ()))) for d in docs or ()
    )


def person_from(doc: DocView) -> Person:
    """A Person from its document."""
    return Person(
        id=doc["id"],
        role=PersonRole(doc["role"]),
        name=doc.get("name", ""),
        year_group=doc.get("year_group", ""),
        date_of_birth=parse_date(doc.get("date_of_birth")),
        school=doc.get("school", ""),
        notes=doc.get("notes", ""),
    )


def account_from(doc: DocView) -> Account:
    """An online Account (platform, handle, address, phone) from its document."""
    return Account(
        id=doc["id"],
        platform=doc.get("platform", ""),
        handle=doc.get("handle", ""),
        url=doc.get("url", ""),
        phone=doc.get("phone", ""),
    )


def step_doc(case_id: str, step_id: str, plan: StepPlan, due_at: datetime | None) -> Doc:
    """A new open step's document from the playbook's plan."""
    return {
        "case_id": case_id,
        "id": step_id,
        "key": plan.key,
        "title": plan.title,
        "actor": plan.actor,
        "clause": plan.clause,
        "due_at": iso(due_at),
        "state": StepState.OPEN.value,
        "done_at": None,
        "done_by": "",
        "outcome": "",
        "reason": "",
        "detail": plan.detail,
        "route": plan.route,
        "needs": needs_doc(plan.needs),
        "answers": [],
    }


def step_from(doc: DocView) -> Step:
    """A Step from its document."""
    return Step(
        id=doc["id"],
        key=doc.get("key", ""),
        title=doc.get("title", ""),
        actor=doc.get("actor", ""),
        clause=doc.get("clause", ""),
        due_at=parse_dt(doc.get("due_at")),
        state=StepState(doc.get("state", StepState.OPEN.value)),
        done_at=parse_dt(doc.get("done_at")),
        done_by=doc.get("done_by", ""),
        outcome=doc.get("outcome", ""),
        reason=doc.get("reason", ""),
        detail=doc.get("detail", ""),
        route=doc.get("route"),
        needs=needs_from(doc.get("needs")),
        answers=tuple((k, v) for k, v in doc.get("answers", ())),
    )


def note_from(doc: DocView) -> EvidenceNote:
    """An EvidenceNote from its document."""
    return EvidenceNote(
        id=doc["id"],
        at=parse_dt(doc["at"]) or datetime.min.replace(tzinfo=UTC),
        by=doc.get("by", ""),
        text=doc.get("text", ""),
        kind=NoteKind(doc.get("kind", NoteKind.FACT.value)),
        corrects=doc.get("corrects"),
    )


def evidence_from(doc: DocView) -> EvidenceItem:
    """An EvidenceItem from its document."""
    return EvidenceItem(
        id=doc["id"],
        description=doc.get("description", ""),
        location=doc.get("location", ""),
        captured_at=parse_dt(doc.get("captured_at")),
        added_at=parse_dt(doc.get("added_at")),
        added_by=doc.get("added_by", ""),
        blob_id=doc.get("blob_id"),
        sha256=doc.get("sha256"),
        filename=doc.get("filename", ""),
    )


def decision_from(doc: DocView) -> Decision:
    """A Decision from its document."""
    return Decision(
        id=doc["id"],
        at=parse_dt(doc["at"]) or datetime.min.replace(tzinfo=UTC),
        by=doc.get("by", ""),
        kind=doc.get("kind", ""),
        text=doc.get("text", ""),
    )


def case_from(
    core: DocView,
    people: list[Doc],
    accounts: list[Doc],
    steps: list[Doc],
    evidence: list[Doc],
    notes: list[Doc],
    decisions: list[Doc],
) -> Case:
    """A whole Case from its core document and its parts."""
    return Case(
        id=core["id"],
        school=core.get("school", ""),
        reporter=core.get("reporter", ""),
        reported_at=parse_dt(core["reported_at"]) or datetime.min.replace(tzinfo=UTC),
        occurred_at=parse_dt(core.get("occurred_at")),
        summary=core.get("summary", ""),
        child_words=core.get("child_words", ""),
        category=core.get("category", ""),
        category_title=core.get("category_title", ""),
        clause=core.get("clause", ""),
        risk=Risk(core.get("risk", Risk.MEDIUM.value)),
        status=Status(core.get("status", Status.NEW.value)),
        answers=tuple((k, v) for k, v in core.get("answers", ())),
        people=tuple(person_from(d) for d in people),
        accounts=tuple(account_from(d) for d in accounts),
        steps=tuple(step_from(d) for d in steps),
        evidence=tuple(evidence_from(d) for d in evidence),
        notes=tuple(note_from(d) for d in notes),
        decisions=tuple(decision_from(d) for d in decisions),
        outcome=core.get("outcome", ""),
        closed_at=parse_dt(core.get("closed_at")),
        review_on=parse_date(core.get("review_on")),
        received_from=core.get("received_from", ""),
        received_at=parse_dt(core.get("received_at")),
        transferred_to=core.get("transferred_to", ""),
        owner=core.get("owner", ""),
        playbook_version=core.get("playbook_version", ""),
    )
