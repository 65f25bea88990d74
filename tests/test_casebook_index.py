"""The dashboard side of the casebook: urgency order, overdue, due, counts, search, links,
retention, drafts, deletion, and an index that matches what is stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers_casebook import (
    BULLYING_ANSWERS,
    GROOMING_ANSWERS,
    STAFF_ANSWERS,
    T0,
    Clock,
    FakePlaybook,
    bullying_report,
    fake_casebook,
)

from dsl_tui.casebook import Casebook
from dsl_tui.errors import CaseRuleError, NotFound
from dsl_tui.model import NewAccount, NewPerson, PersonRole, Risk, Status
from dsl_tui.vault.storage import MemoryJournal, VaultDB, memory_storage


def test_a_step_past_its_due_time_is_overdue() -> None:
    clock = Clock()
    book = fake_casebook(clock)
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    assert not book.summaries()[0].overdue
    clock.advance(hours=4)
    assert not book.summaries()[0].overdue  # due at exactly now is not yet overdue
    clock.advance(minutes=1)
    row = book.summaries()[0]
    assert row.overdue and row.next_step == "Talk to the child"
    assert book.summaries(overdue_only=True)[0].id == case.id
    book.complete_step(case.id, "s1", "Talked")
    assert not book.summaries()[0].overdue
    assert book.summaries(overdue_only=True) == []


def test_summaries_order_overdue_then_risk_then_age() -> None:
    clock = Clock()
    book = fake_casebook(clock)
    old_medium = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    clock.advance(minutes=10)
    new_medium = book.log_concern(bullying_report(reported_at=clock.now), BULLYING_ANSWERS)
    high = book.log_concern(bullying_report(reported_at=clock.now), STAFF_ANSWERS)
    assert [r.id for r in book.summaries()] == [high.id, old_medium.id, new_medium.id]
    # Make only the newest medium case overdue: it jumps to the top.
    book.complete_step(high.id, "s1", "Reported", {"consent": "yes"})
    book.complete_step(old_medium.id, "s1", "Talked")
    clock.advance(hours=5)
    assert [r.id for r in book.summaries()] == [new_medium.id, high.id, old_medium.id]


def test_summaries_filter_by_status_school_and_owner() -> None:
    book = fake_casebook()
    a = book.log_concern(bullying_report(), GROOMING_ANSWERS)
    b = book.log_concern(bullying_report(school="HBS"), BULLYING_ANSWERS)
    book.complete_step(a.id, "s1", "Police called")
    book.close(a.id, "With police")
    assert [r.id for r in book.summaries()] == [b.id]
    assert [r.id for r in book.summaries(status="closed")] == [a.id]
    assert {r.id for r in book.summaries(status="all")} == {a.id, b.id}
    assert [r.id for r in book.summaries(status="new")] == [b.id]
    assert book.summaries(school="SRA") == []
    assert [r.id for r in book.summaries(mine=True)] == [b.id]
    other = Casebook(book.db, FakePlaybook(), "Another DSL", clock=Clock())
    assert other.summaries(mine=True) == []


def test_summary_shows_initials_and_year_group_only() -> None:
    book = fake_casebook()
    book.log_concern(bullying_report(), BULLYING_ANSWERS)
    row = book.summaries()[0]
    assert row.people == "A.O.B. (Y8), T.M. (Y8)"
    assert "Amara" not in repr(row)


def test_due_lists_due_and_overdue_steps_most_urgent_first() -> None:
    clock = Clock()
    book = fake_casebook(clock)
    bullying = book.log_concern(bullying_report(), BULLYING_ANSWERS)  # s1 due +4h, s2 +24h
    grooming = book.log_concern(bullying_report(), GROOMING_ANSWERS)  # s1 due +30 min
    due = book.due()
    assert [(row.id, step.id) for row, step in due] == [(grooming.id, "s1"), (bullying.id, "s1")]
    clock.advance(hours=1)
    assert due[0][0].id == grooming.id and book.due()[0][0].overdue
    counts = book.counts()
    assert (counts.open, counts.overdue, counts.due_today, counts.closed) == (2, 1, 1, 0)


def test_search_covers_all_case_text() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    other = book.log_concern(
        bullying_report(pupil="Jonah Featherstone", handle="@quietfox"), BULLYING_ANSWERS
    )
    assert [r.id for r in book.search("amara")] == [case.id]
    assert [r.id for r in book.search("QUIETFOX")] == [other.id]
    assert [r.id for r in book.search("calling me names jonah")] == [other.id]
    book.add_note(case.id, "Mentioned a burner account called nightowl.")
    assert [r.id for r in book.search("nightowl")] == [case.id]
    book.complete_step(other.id, "s1", "Mother informed by phone.")
    assert [r.id for r in book.search("mother informed")] == [other.id]
    book.add_evidence(case.id, "Voice note on WhatsApp", "school iPad")
    assert [r.id for r in book.search("ipad")] == [case.id]
    book.record_decision(other.id, "no referral", "Resolved with restorative meeting.")
    assert [r.id for r in book.search("restorative")] == [other.id]
    assert [r.id for r in book.search(case.id)] == [case.id]
    assert book.search("nobody-has-this") == []
    assert book.search("amara", status="closed") == []


def _linked_ids(book: Casebook, case_id: str) -> dict[str, str]:
    return {row.id: why for row, why in book.linked(case_id)}


def test_cases_link_by_person_name_and_role() -> None:
    book = fake_casebook()
    a = book.log_concern(bullying_report(handle=""), BULLYING_ANSWERS)
    b = book.log_concern(
        bullying_report(pupil="Ruby Ashdown", handle="", people=(
            NewPerson(PersonRole.PUPIL, "amara  okonkwo-bell", "Y8"),
        )),
        BULLYING_ANSWERS,
    )  # fmt: skip
    c = book.log_concern(
        bullying_report(handle="", people=(NewPerson(PersonRole.STAFF, "Amara Okonkwo-Bell"),)),
        BULLYING_ANSWERS,
    )
    assert list(_linked_ids(book, b.id)) == [a.id]
    assert "same pupil name" in _linked_ids(book, b.id)[a.id]
    assert c.id not in _linked_ids(book, a.id)  # same name, different role


def test_cases_link_by_handle_phone_and_web_address() -> None:
    book = fake_casebook()
    base = book.log_concern(
        bullying_report(
            people=(),
            accounts=(
                NewAccount("Instagram", handle="@Night.Owl"),
                NewAccount("WhatsApp", phone="+44 7700 900123"),
                NewAccount("Web", url="https://www.example.org/pages/rumours/"),
            ),
        ),
        BULLYING_ANSWERS,
    )
    by_handle = book.log_concern(
        bullying_report(people=(), accounts=(NewAccount("TikTok", handle="night.owl"),)),
        BULLYING_ANSWERS,
    )
    by_phone = book.log_concern(
        bullying_report(people=(), accounts=(NewAccount("SMS", phone="07700900123"),)),
        BULLYING_ANSWERS,
    )
    by_url = book.log_concern(
        bullying_report(people=(), accounts=(NewAccount("Web", url="example.org/pages/rumours"),)),
        BULLYING_ANSWERS,
    )
    unrelated = book.log_concern(
        bullying_report(people=(), accounts=(NewAccount("Snapchat", handle="@daylark"),)),
        BULLYING_ANSWERS,
    )
    links = _linked_ids(book, base.id)
    assert set(links) == {by_handle.id, by_phone.id, by_url.id}
    assert "handle" in links[by_handle.id]
    assert "phone" in links[by_phone.id]
    assert "web address" in links[by_url.id]
    assert _linked_ids(book, unrelated.id) == {}
    # A link added later is found at once.
    book.add_account(unrelated.id, NewAccount("Instagram", handle="NIGHT.OWL"))
    assert base.id in _linked_ids(book, unrelated.id)


def test_retention_review_dates() -> None:
    book = fake_casebook()
    child = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    # The youngest pupil's birth date is estimated from "Y8" (at least 12 on the report day),
    # which is later than Amara's recorded 2013-05-14, so the case is kept for both.
    assert child.review_on == date(2014 + 25, 3, 2)
    abuse = book.log_concern(bullying_report(), GROOMING_ANSWERS)
    assert abuse.review_on == date(2026 + 75, 3, 2)
    staff = book.log_concern(bullying_report(), STAFF_ANSWERS)
    assert staff.review_on == date(2036, 3, 2)
    older = book.add_person(
        staff.id, NewPerson(PersonRole.STAFF, "Martin Holloway", date_of_birth=date(1975, 6, 1))
    )
    assert older.review_on == date(1975 + 67, 6, 1)
    assert [r.id for r in book.due_for_review(date(2036, 3, 2))] == []
    assert [r.id for r in book.due_for_review(date(2039, 3, 2))] == [child.id]


def test_retention_from_a_known_birth_date() -> None:
    book = fake_casebook()
    case = book.log_concern(
        bullying_report(
            people=(NewPerson(PersonRole.PUPIL, "Lila Penrose", "", date(2015, 1, 9)),)
        ),
        BULLYING_ANSWERS,
    )
    assert case.review_on == date(2040, 1, 9)


def test_delete_case_is_explicit_and_audited() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    book.add_note(case.id, "A note")
    with pytest.raises(CaseRuleError):
        book.delete_case(case.id, "")
    book.delete_case(case.id, "Retention review: no longer needed.")
    with pytest.raises(NotFound):
        book.case(case.id)
    assert book.case_ids() == [] and book.search("amara") == []
    assert book.audit_log()[-1].action == "delete"
    for name in ("cases", "people", "accounts", "steps", "notes", "events"):
        assert book.db.table(name).all() == [], name
    # The number is never given again.
    again = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    assert again.id == "SRA-2026-0002"
    reopened = Casebook(book.db, FakePlaybook(), "Priya Ramanathan", clock=Clock())
    assert reopened.log_concern(bullying_report(), BULLYING_ANSWERS).id == "SRA-2026-0003"


def test_drafts_survive_and_can_be_discarded() -> None:
    book = fake_casebook()
    assert book.load_draft("new-concern") is None
    book.save_draft("new-concern", {"summary": "half typed", "people": ["Ivo Brandt"]})
    book.save_draft("new-concern", {"summary": "typed more"})
    reopened = Casebook(book.db, FakePlaybook(), "Priya Ramanathan")
    assert reopened.load_draft("new-concern") == {"summary": "typed more"}
    assert reopened.draft_keys() == ["new-concern"]
    reopened.discard_draft("new-concern")
    assert reopened.load_draft("new-concern") is None
    assert Casebook(book.db, FakePlaybook(), "x").load_draft("new-concern") is None


def test_reopening_rebuilds_the_same_index() -> None:
    clock = Clock()
    book = fake_casebook(clock)
    a = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    b = book.log_concern(bullying_report(pupil="Cosima Vale", handle="@sk8r_jay"), STAFF_ANSWERS)
    book.add_note(a.id, "Spoke to the form tutor about nightjar.")
    book.complete_step(a.id, "s1", "Talked")
    book.change_risk(b.id, Risk.LOW, "Content came down within the hour.")
    clock.advance(days=2)
    reopened = Casebook(book.db, FakePlaybook(), book.user, clock=clock)
    for case_id in (a.id, b.id):
        assert reopened.case(case_id, view=False) == book.case(case_id, view=False)
        assert reopened.chronology(case_id) == book.chronology(case_id)
    assert reopened.summaries(status="all") == book.summaries(status="all")
    assert reopened.counts() == book.counts()
    assert [r.id for r in reopened.search("nightjar")] == [a.id]
    assert reopened.linked(a.id) == book.linked(a.id)
    assert reopened.verify_audit() == []


def test_a_failed_save_changes_nothing() -> None:
    journal = MemoryJournal()
    book = Casebook(
        VaultDB(memory_storage(journal)), FakePlaybook(), "Priya Ramanathan", clock=Clock()
    )
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    before = book.case(case.id, view=False)
    log_before = book.audit_log()
    journal.refuse = OSError(28, "No space left on device")
    try:
        with pytest.raises(OSError):
            book.add_note(case.id, "This note cannot be saved.")
        with pytest.raises(OSError):
            book.log_concern(bullying_report(), BULLYING_ANSWERS)
    finally:
        journal.refuse = None
    assert book.case(case.id, view=False) == before
    assert book.case_ids() == [case.id]
    assert book.audit_log() == log_before
    reopened = Casebook(book.db, FakePlaybook(), book.user)
    assert reopened.case(case.id, view=False) == before
    assert reopened.case_ids() == [case.id]
    after = book.add_note(case.id, "Saved now.")
    assert [n.id for n in after.notes] == ["n1"]
    assert book.verify_audit() == []
    assert book.log_concern(bullying_report(), BULLYING_ANSWERS).id == "SRA-2026-0002"


def test_status_change_is_in_the_chronology() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    after = book.set_status(case.id, Status.AWAITING, "Waiting for the platform to reply.")
    assert after.status is Status.AWAITING
    assert any(
        e.kind == "status" and "Waiting for the platform" in e.text
        for e in book.chronology(case.id)
    )


def test_overdue_uses_the_report_time_not_the_logging_time() -> None:
    clock = Clock(T0 + timedelta(hours=5))
    book = fake_casebook(clock)
    book.log_concern(bullying_report(reported_at=T0), BULLYING_ANSWERS)
    assert book.summaries()[0].overdue


def test_search_text_built_in_a_worker_while_saves_go_on_misses_nothing() -> None:
    """The app builds the search text in a worker just after unlock; a note saved while a case's
    text is being built must still be found, and linked cases must come out whole."""
    import sys
    import threading

    book = fake_casebook(Clock())
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    other = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with book.batch():
        for i in range(1500):
            book.add_note(case.id, f"Filler note {i} about the lunch queue and the bus stop.")
    errors: list[BaseException] = []

    def warm() -> None:
        try:
            book.prepare_search()
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for round_ in range(4):
            for record in list(book._index.records.values()):
                record.forget_text()
            book._index.links_built = False
            worker = threading.Thread(target=warm)
            worker.start()
            for i in range(5):
                book.add_note(case.id, f"zq{round_}x{i}w mentioned at break time")
                assert [row.id for row, _ in book.linked(case.id)] == [other.id]
            worker.join()
            for i in range(5):
                assert [s.id for s in book.search(f"zq{round_}x{i}w")] == [case.id], (round_, i)
    finally:
        sys.setswitchinterval(old_interval)
    assert errors == []


def test_search_takes_the_dashboard_filters() -> None:
    book = fake_casebook()
    mine = book.log_concern(bullying_report(pupil="Amara Okonkwo-Bell"), BULLYING_ANSWERS)
    other = Casebook(book.db, FakePlaybook(), "Another DSL", clock=Clock())
    theirs = other.log_concern(bullying_report(pupil="Amara Quill"), BULLYING_ANSWERS)
    book = Casebook(book.db, FakePlaybook(), "Priya Ramanathan", clock=Clock())
    assert {s.id for s in book.search("Amara")} == {mine.id, theirs.id}
    assert [s.id for s in book.search("Amara", mine=True)] == [mine.id]
    assert book.search("Amara", school="HBS") == []
    assert book.search("Amara", overdue_only=True) == book.summaries(overdue_only=True)
