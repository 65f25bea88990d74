"""Transfers through the casebook's own calls: recorded and marked in one save, or not at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_casebook import BULLYING_ANSWERS, T0, Clock, FakePlaybook, bullying_report

from dsl_tui.casebook import Casebook
from dsl_tui.errors import NotFound, UsageError
from dsl_tui.vault.storage import MemoryJournal, VaultDB, memory_storage

CODE = "ABCDE-FGHJK"


def journalled() -> tuple[Casebook, MemoryJournal]:
    """A casebook whose saves go to a journal the test can watch and make refuse."""
    journal = MemoryJournal()
    book = Casebook(
        VaultDB(memory_storage(journal)), FakePlaybook(), "Priya Ramanathan", clock=Clock()
    )
    return book, journal


def test_a_transfer_is_recorded_and_marked_in_one_save() -> None:
    book, journal = journalled()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    saves = journal.saves
    marked = book.record_transfer(case.id, "Hollybrook School", CODE, T0 + timedelta(days=1))
    assert journal.saves == saves + 1
    assert marked.transferred_to == "Hollybrook School"
    assert [t.case_id for t in book.transfers(awaiting_only=True)] == [case.id]
    assert book.audit_log()[-1].detail == "transferred"


def test_a_transfer_the_disk_refuses_leaves_no_record_and_no_mark() -> None:
    book, journal = journalled()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    before = book.case(case.id, view=False)
    journal.refuse = OSError(28, "No space left on device")
    with pytest.raises(OSError):
        book.record_transfer(case.id, "Hollybrook School", CODE, T0)
    journal.refuse = None
    assert book.transfers() == []
    assert book.case(case.id, view=False) == before
    assert book.verify_audit() == []


def test_acknowledging_needs_the_code_of_the_file_sent() -> None:
    book, _ = journalled()
    case = book.log_concern(bullying_report(), BULLYING_ANSWERS)
    with pytest.raises(NotFound):
        book.acknowledge_transfer(case.id, CODE, T0)
    book.record_transfer(case.id, "Hollybrook School", CODE, T0)
    with pytest.raises(UsageError):
        book.acknowledge_transfer(case.id, "AAAAA-BBBBB", T0)
    done = book.acknowledge_transfer(case.id, CODE, T0 + timedelta(days=2))
    assert done.acknowledged_at == T0 + timedelta(days=2)
    assert book.transfers(awaiting_only=True) == []
    reopened = Casebook(book.db, FakePlaybook(), book.user)
    assert reopened.transfers()[0].acknowledged_at == T0 + timedelta(days=2)
