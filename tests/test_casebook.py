"""A DSL's day with the casebook: log, read, work the steps, note, decide, close."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_casebook import (
    BULLYING_ANSWERS,
    GROOMING_ANSWERS,
    STAFF_ANSWERS,
    T0,
    Clock,
    bullying_report,
    fake_casebook,
)

from dsl_tui.errors import CaseRuleError, NotFound, UsageError
from dsl_tui.model import (
    NewAccount,
    NewPerson,
    NoteKind,
    PersonRole,
    Risk,
    Status,
    StepState,
)


def test_log_concern_makes_a_case_with_id_people_accounts_and_steps() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    assert case.id == "SRA-2026-0001"
    assert case.status is Status.NEW and case.risk is Risk.MEDIUM
    assert case.category == "online_bullying" and case.clause == "9.2"
    assert case.summary.startswith("Amara Okonkwo-Bell")
    assert case.child_words == "They keep calling me names in the chat."
    assert case.occurred_at == T0 - timedelta(days=1)
    assert [p.name for p in case.people] == ["Amara Okonkwo-Bell", "Theo Marchetti"]
    assert case.people[0].year_group == "Y8"
    assert case.accounts[0].handle == "@sk8r_jay"
    assert [s.id for s in case.steps] == ["s1", "s2", "s3"]
    assert case.steps[0].due_at == T0 + timedelta(hours=4)
    assert dict(case.answers) == BULLYING_ANSWERS
    assert book.case(case.id) == case


def test_case_ids_count_per_school_and_year() -> None:
    clock = Clock()
    book = fake_casebook(clock)
    first = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    second = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    other = book.log_concern(bullying_report(school="HBS"), BULLYING_ANSWERS)
    clock.advance(days=365)
    next_year = book.log_concern(
        bullying_report(reported_at=T0 + timedelta(days=365)), BULLYING_ANSWERS
    )
    assert [first.id, second.id, other.id, next_year.id] == [
        "SRA-2026-0001", "SRA-2026-0002", "HBS-2026-0001", "SRA-2027-0001",
    ]  # fmt: skip


def test_log_concern_refuses_missing_summary_and_unknown_school() -> None:
    book = fake_casebook()
    with pytest.raises(UsageError):
        book.log_concern(bullying_report(summary="  "), BULLYING_ANSWERS)
    with pytest.raises(UsageError):
        book.log_concern(bullying_report(school="Nowhere High"), BULLYING_ANSWERS)
    assert book.case_ids() == []


def test_unknown_case_is_not_found() -> None:
    with pytest.raises(NotFound):
        fake_casebook().case("SRA-2026-9999")


def test_complete_step_needs_an_outcome() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with pytest.raises(CaseRuleError):
        book.complete_step(case.id, "s1", "  ")
    done = book.complete_step(case.id, "s1", "Spoke to her with her form tutor.")
    step = done.steps[0]
    assert step.state is StepState.DONE and step.outcome.startswith("Spoke")
    assert step.done_by == book.user and step.done_at == T0
    assert done.status is Status.OPEN  # work has started
    with pytest.raises(CaseRuleError):
        book.complete_step(case.id, "s1", "again")


def test_complete_step_requires_the_answers_it_needs() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), STAFF_ANSWERS)
    with pytest.raises(CaseRuleError, match="Did the staff member consent"):
        book.complete_step(case.id, "s1", "Reported to police")
    with pytest.raises(CaseRuleError, match="one of"):
        book.complete_step(case.id, "s1", "Reported to police", {"consent": "maybe"})
    done = book.complete_step(case.id, "s1", "Reported to police", {"consent": "yes"})
    assert done.steps[0].answers == (("consent", "yes"),)


def test_set_aside_needs_a_reason() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with pytest.raises(CaseRuleError):
        book.set_aside_step(case.id, "s2", "")
    after = book.set_aside_step(case.id, "s2", "Content already removed by the pupil.")
    assert after.steps[1].state is StepState.SET_ASIDE
    assert after.steps[1].reason == "Content already removed by the pupil."


def test_unknown_step_is_not_found() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with pytest.raises(NotFound):
        book.complete_step(case.id, "s99", "done")


def test_add_step_with_owner_and_due_time() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    after = book.add_step(case.id, "Call parents", "Head of Year", "9.6", T0 + timedelta(days=2))
    assert after.steps[-1].title == "Call parents"
    assert after.steps[-1].actor == "Head of Year"
    assert after.steps[-1].due_at == T0 + timedelta(days=2)


def test_close_is_blocked_while_steps_are_open() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    book.complete_step(case.id, "s1", "Talked")
    with pytest.raises(CaseRuleError, match="still open"):
        book.close(case.id, "Resolved")
    book.complete_step(case.id, "s2", "Removed within 24 hours")
    book.set_aside_step(case.id, "s3", "Author not a pupil of the trust")
    with pytest.raises(CaseRuleError):
        book.close(case.id, "")
    closed = book.close(case.id, "Resolved; pupils reconciled.")
    assert closed.status is Status.CLOSED and closed.outcome == "Resolved; pupils reconciled."
    assert closed.closed_at == T0
    with pytest.raises(CaseRuleError):
        book.add_step(case.id, "More", "DSL")


def test_reopening_a_closed_case_needs_a_reason() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), GROOMING_ANSWERS)
    book.complete_step(case.id, "s1", "Police called")
    book.close(case.id, "Police took it over")
    with pytest.raises(CaseRuleError):
        book.set_status(case.id, Status.OPEN)
    reopened = book.set_status(case.id, Status.OPEN, "New messages found")
    assert reopened.status is Status.OPEN and reopened.closed_at is None
    with pytest.raises(CaseRuleError):
        book.set_status(case.id, Status.CLOSED)


def test_notes_are_append_only_and_corrections_point_at_the_original() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    book.add_note(case.id, "Messages sent on Tuesday.")
    after = book.add_note(case.id, "Messages were sent on Monday.", corrects="n1")
    first, second = after.notes
    assert first.text == "Messages sent on Tuesday." and first.corrects is None
    assert second.corrects == "n1"
    with pytest.raises(NotFound):
        book.add_note(case.id, "Fix", corrects="n42")
    # No call changes or removes a note.
    assert not [n for n in dir(book) if "note" in n and n != "add_note" and not n.startswith("_")]


def test_notes_keep_fact_and_opinion_apart() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    after = book.add_note(case.id, "She seemed frightened.", NoteKind.OPINION)
    assert after.notes[0].kind is NoteKind.OPINION
    assert after.notes[0].by == book.user and after.notes[0].at == T0


def test_change_risk_requires_a_reason_that_reaches_the_chronology() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with pytest.raises(CaseRuleError):
        book.change_risk(case.id, Risk.HIGH, " ")
    after = book.change_risk(case.id, Risk.HIGH, "Threats to meet after school.")
    assert after.risk is Risk.HIGH
    assert any("Threats to meet after school." in e.text for e in book.chronology(case.id))


def test_decision_not_to_refer_is_recorded_with_reasons() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with pytest.raises(UsageError):
        book.record_decision(case.id, "no referral", "")
    after = book.record_decision(case.id, "no referral", "Threshold not met; support in school.")
    assert after.decisions[0].kind == "no referral"
    assert after.decisions[0].text == "Threshold not met; support in school."


def test_evidence_with_a_file_keeps_its_sha256() -> None:
    import hashlib

    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    data = b"fictional screenshot of a group chat"
    after = book.add_evidence(
        case.id,
        "Screenshot of the chat",
        "Snapchat group",
        T0,
        data=data,
        filename="chat.png",
        not_an_image_of_a_child=True,
    )
    item = after.evidence[0]
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.blob_id and book.blob(item.blob_id) == data
    assert item.captured_at == T0 and item.location == "Snapchat group"


def test_add_person_and_account() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    after = book.add_person(case.id, NewPerson(PersonRole.PARENT, "Grace Okonkwo"))
    after = book.add_account(case.id, NewAccount("WhatsApp", phone="07700 900123"))
    assert after.people[-1].name == "Grace Okonkwo" and after.people[-1].id == "p3"
    assert after.accounts[-1].phone == "07700 900123"


def test_chronology_is_oldest_first_and_covers_everything() -> None:
    clock = Clock()
    book = fake_casebook(clock)
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    clock.advance(hours=1)
    book.add_note(case.id, "Called home.")
    clock.advance(hours=1)
    book.complete_step(case.id, "s1", "Talked with her.")
    clock.advance(hours=1)
    book.add_evidence(case.id, "Screenshot")
    clock.advance(hours=1)
    book.record_decision(case.id, "no referral", "Below threshold.")
    entries = book.chronology(case.id)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    kinds = [e.kind for e in entries]
    assert kinds[:2] == ["incident", "reported"]
    for kind in ("note (fact)", "step done", "evidence", "decision: no referral", "triage"):
        assert kind in kinds
    assert kinds.index("note (fact)") < kinds.index("step done") < kinds.index("evidence")


def test_chronology_keeps_writing_order_when_times_tie() -> None:
    book = fake_casebook()  # the clock never moves
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    book.add_note(case.id, "first")
    book.complete_step(case.id, "s1", "second")
    book.add_note(case.id, "third")
    texts = [e.text for e in book.chronology(case.id) if e.kind != "triage"]
    assert [t for t in texts if t in ("first", "Talk to the child: second", "third")] == [
        "first", "Talk to the child: second", "third",
    ]  # fmt: skip
