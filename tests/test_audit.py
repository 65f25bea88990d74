"""The audit chain: every action appends; editing, removing or reordering an entry is detected;
no name or free text ever reaches it."""

from __future__ import annotations

import json

import pytest
from helpers_casebook import (
    BULLYING_ANSWERS,
    CANARY,
    STAFF_ANSWERS,
    bullying_report,
    fake_casebook,
)

from dsl_tui.audit import AuditLog, verify_chain
from dsl_tui.casebook import Casebook
from dsl_tui.errors import UsageError
from dsl_tui.model import NewAccount, NewPerson, NoteKind, PersonRole, Risk, Status
from dsl_tui.vault.storage import VaultDB, memory_storage


def _busy_casebook() -> tuple[Casebook, str]:
    book = fake_casebook()
    case = book.log_concern(bullying_report(pupil=CANARY, handle="@zephy_q"), BULLYING_ANSWERS)
    book.case(case.id)
    book.add_note(case.id, f"{CANARY} said it started in May.")
    book.add_note(case.id, f"{CANARY} seemed calm.", NoteKind.OPINION, corrects="n1")
    book.add_evidence(case.id, f"Screenshot of {CANARY}'s post", "Instagram", data=b"x")
    book.add_person(case.id, NewPerson(PersonRole.PARENT, f"Mother of {CANARY}"))
    book.add_account(case.id, NewAccount("TikTok", handle="@quillfeather"))
    book.record_decision(case.id, "no referral", f"{CANARY} is safe at home.")
    book.change_risk(case.id, Risk.LOW, f"{CANARY}'s parents involved.")
    book.complete_step(case.id, "s1", f"Talked with {CANARY}.")
    book.set_aside_step(case.id, "s2", f"{CANARY} deleted it.")
    book.add_step(case.id, f"Check on {CANARY}", "DSL")
    book.set_status(case.id, Status.AWAITING, f"Waiting on {CANARY}'s school.")
    book.complete_step(case.id, "s3", "done")
    book.complete_step(case.id, "s4", "done")
    book.close(case.id, f"{CANARY} supported.")
    book.audit_event("export", case.id)
    return book, case.id


def test_every_action_appends_an_entry() -> None:
    book, case_id = _busy_casebook()
    actions = [(e.action, e.case_id) for e in book.audit_log()]
    assert actions[0] == ("create", case_id)
    assert actions[1] == ("view", case_id)
    assert [a for a, _ in actions].count("change") == 13
    assert actions[-2:] == [("close", case_id), ("export", case_id)]
    assert [e.seq for e in book.audit_log()] == list(range(1, len(actions) + 1))
    assert all(e.who == book.user for e in book.audit_log())
    assert book.verify_audit() == []


def test_audit_detail_never_holds_case_text() -> None:
    book, _ = _busy_casebook()
    dumped = json.dumps(book.db.table("audit").all())
    for fragment in (CANARY, "Zephyrine", "Quillfeather".lower(), "zephy_q", "calm", "May"):
        assert fragment not in dumped


def test_a_view_is_audited_but_an_internal_read_is_not() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    n = len(book.audit_log())
    book.case(case.id, view=False)
    book.summaries()
    book.search("amara")
    assert len(book.audit_log()) == n
    book.case(case.id)
    assert book.audit_log()[-1].action == "view" and len(book.audit_log()) == n + 1


def _raw(book: Casebook) -> dict[str, dict]:
    data = book.db.storage.read()
    assert data is not None
    return data["audit"]


def test_an_edited_entry_is_detected() -> None:
    book, _ = _busy_casebook()
    _raw(book)["3"]["action"] = "view"
    assert any("3" in p and "changed" in p for p in verify_chain(book.db))


def test_an_edited_time_is_detected() -> None:
    book, _ = _busy_casebook()
    _raw(book)["5"]["at"] = "2020-01-01T00:00:00+00:00"
    assert verify_chain(book.db)


def test_a_removed_entry_is_detected() -> None:
    book, _ = _busy_casebook()
    del _raw(book)["4"]
    problems = verify_chain(book.db)
    assert problems and "missing" in problems[0]


def test_reordered_entries_are_detected() -> None:
    book, _ = _busy_casebook()
    raw = _raw(book)
    raw["4"], raw["5"] = raw["5"], raw["4"]
    assert verify_chain(book.db)


def test_a_rehashed_edit_without_rechaining_is_detected() -> None:
    from dsl_tui.audit import entry_hash

    book, _ = _busy_casebook()
    doc = _raw(book)["6"]
    doc["who"] = "Someone Else"
    doc["hash"] = entry_hash(doc, doc["prev"])
    problems = verify_chain(book.db)
    assert problems and "7" in problems[0]


def test_problems_never_quote_the_entry() -> None:
    book, _ = _busy_casebook()
    _raw(book)["2"]["who"] = CANARY
    assert all(CANARY not in p for p in verify_chain(book.db))


def test_chain_continues_after_reopening() -> None:
    book, case_id = _busy_casebook()
    reopened = Casebook(book.db, book.playbook, book.user)
    reopened.case(case_id)
    assert reopened.verify_audit() == []
    assert reopened.audit_log()[-1].seq == len(book.audit_log())


def test_append_does_not_reread_the_table() -> None:
    db = VaultDB(memory_storage())
    log = AuditLog(db)
    reads = 0
    storage = db.vault_storage
    real_read = storage.live_table

    def counting_read(name: str):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return real_read(name)

    storage.live_table = counting_read  # type: ignore[method-assign]
    for _ in range(50):
        log.append("DSL", "view", "SRA-2026-0001")
    # One read per write (the entry and the head); the log itself never reads the table back.
    assert 0 < reads <= 2 * 50 + 2
    storage.live_table = real_read  # type: ignore[method-assign]
    assert verify_chain(db) == []


def test_unknown_actions_and_free_text_detail_are_refused() -> None:
    log = AuditLog(VaultDB(memory_storage()))
    with pytest.raises(UsageError):
        log.append("DSL", "gossip")
    with pytest.raises(UsageError):
        log.append("DSL", "view", "", "Amara Okonkwo-Bell said")


def test_an_empty_chain_is_whole() -> None:
    assert verify_chain(VaultDB(memory_storage())) == []


def test_staff_case_audit_is_clean_too() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(pupil=CANARY), STAFF_ANSWERS)
    book.complete_step(case.id, "s1", f"{CANARY} ok", {"consent": "yes"})
    assert CANARY not in json.dumps(book.db.table("audit").all())


def test_entries_cut_off_the_end_are_detected() -> None:
    book, _ = _busy_casebook()
    raw = _raw(book)
    del raw[max(raw, key=int)]
    problems = verify_chain(book.db)
    assert problems and "removed from the end" in problems[0]


def test_a_missing_head_record_is_detected() -> None:
    book, _ = _busy_casebook()
    data = book.db.storage.read()
    assert data is not None
    data["audit_head"].clear()
    assert verify_chain(book.db)


def test_standalone_log_keeps_its_head() -> None:
    db = VaultDB(memory_storage())
    log = AuditLog(db)
    for _ in range(3):
        log.append("DSL", "view", "SRA-2026-0001")
    assert verify_chain(db) == []
    assert AuditLog(db).seq == 3
