"""The casebook over the vault's journalled TinyDB: each action is one journal record, and what
the records say rebuilds exactly what the casebook holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers_casebook import (
    BULLYING_ANSWERS,
    STAFF_ANSWERS,
    Clock,
    FakePlaybook,
    bullying_report,
)

import dsl_tui.vault.storage as storage_mod
from dsl_tui.casebook import Casebook
from dsl_tui.model import Risk


class Journal:
    """Stands in for the vault file: keeps each save's payload, can fail on demand."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.fail = False

    def __call__(self, payload: bytes) -> None:
        if self.fail:
            raise OSError(28, "No space left on device")
        self.records.append(payload)

    def replay(self) -> dict[str, Any]:
        tables: dict[str, Any] = {}
        for payload in self.records:
            storage_mod.apply_ops(tables, json.loads(payload))
        return tables


def _journalled(journal: Journal, tables: dict[str, Any] | None = None) -> Any:
    storage = storage_mod.VaultStorage(tables if tables is not None else {}, journal)
    return storage_mod.VaultDB(storage)


def test_each_action_is_one_journal_record_and_replays_exactly() -> None:
    journal = Journal()
    clock = Clock()
    book = Casebook(_journalled(journal), FakePlaybook(), "Priya Ramanathan", clock=clock)
    case = book.log_concern(bullying_report(), STAFF_ANSWERS)
    assert len(journal.records) == 1
    book.add_note(case.id, "Staff member informed.")
    book.change_risk(case.id, Risk.MEDIUM, "Post removed.")
    book.complete_step(case.id, "s1", "Reported", {"consent": "yes"})
    book.set_aside_step(case.id, "s2", "Declined support.")
    clock.advance(hours=1)
    book.close(case.id, "Resolved.")
    assert len(journal.records) == 6
    replayed = Casebook(_journalled(Journal(), journal.replay()), FakePlaybook(), book.user)
    assert replayed.case(case.id, view=False) == book.case(case.id, view=False)
    assert replayed.chronology(case.id) == book.chronology(case.id)
    assert replayed.verify_audit() == []


def test_a_failed_journal_write_changes_nothing() -> None:
    journal = Journal()
    book = Casebook(_journalled(journal), FakePlaybook(), "Priya Ramanathan", clock=Clock())
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    before = book.case(case.id, view=False)
    journal.fail = True
    with pytest.raises(OSError):
        book.complete_step(case.id, "s1", "Talked")
    with pytest.raises(OSError):
        book.log_concern(bullying_report(), BULLYING_ANSWERS)
    journal.fail = False
    assert book.case(case.id, view=False) == before
    again = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    assert again.id == "SRA-2026-0002"
    book.complete_step(case.id, "s1", "Talked")
    replayed = Casebook(_journalled(Journal(), journal.replay()), FakePlaybook(), book.user)
    assert replayed.case_ids() == [case.id, again.id]
    assert replayed.case(case.id, view=False) == book.case(case.id, view=False)
    assert replayed.verify_audit() == []


def test_a_failed_draft_save_leaves_the_drafts_as_stored() -> None:
    """A draft whose save failed (disk full) is not held as saved, and the next save works
    (it used to keep the unsaved doc id and fail with a KeyError)."""
    journal = Journal()
    book = Casebook(_journalled(journal), FakePlaybook(), "Priya Ramanathan", clock=Clock())
    journal.fail = True
    with pytest.raises(OSError):
        book.save_draft("new-concern", {"summary": "half typed"})
    assert book.load_draft("new-concern") is None and book.draft_keys() == []
    journal.fail = False
    book.save_draft("new-concern", {"summary": "typed again"})
    journal.fail = True
    with pytest.raises(OSError):
        book.discard_draft("new-concern")
    assert book.load_draft("new-concern") == {"summary": "typed again"}
    journal.fail = False
    book.save_draft("new-concern", {"summary": "typed more"})
    replayed = Casebook(_journalled(Journal(), journal.replay()), FakePlaybook(), book.user)
    assert replayed.load_draft("new-concern") == {"summary": "typed more"}
    assert replayed.verify_audit() == []


def test_a_batch_changing_one_document_twice_keeps_both_changes() -> None:
    journal = Journal()
    book = Casebook(_journalled(journal), FakePlaybook(), "Priya Ramanathan", clock=Clock())
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with book.batch():
        book.change_risk(case.id, Risk.HIGH, "Threats made.")
        book.complete_step(case.id, "s1", "Talked")
        book.add_note(case.id, "Follow-up booked.")
    assert len(journal.records) == 2
    replayed = Casebook(_journalled(Journal(), journal.replay()), FakePlaybook(), book.user)
    got = replayed.case(case.id, view=False)
    assert got == book.case(case.id, view=False)
    assert got.risk is Risk.HIGH and got.steps[0].outcome == "Talked"
