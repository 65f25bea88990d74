"""The roll kept in the vault: imports add, update and mark as left, in one save; lookup by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dsl_tui.casebook.roll import TABLE, RollBook
from dsl_tui.casebook.store import Store
from dsl_tui.roll import Roll, RollPupil, read_roll
from dsl_tui.vault.storage import MemoryJournal, VaultDB, memory_storage

ROLLS = Path(__file__).parent / "rolls"
AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def book(journal: MemoryJournal | None = None) -> tuple[RollBook, Store]:
    store = Store(VaultDB(memory_storage(journal or MemoryJournal())))
    return RollBook(store, None, store.table(TABLE)), store


def sims() -> Roll:
    return read_roll(ROLLS / "sims.csv", today=AT.date())


def test_an_import_is_one_save_and_reads_back_after_reopening() -> None:
    journal = MemoryJournal()
    roll, store = book(journal)
    saves = journal.saves
    done = roll.import_roll("sra", sims(), AT)
    assert (done.added, done.updated, done.unchanged, done.left) == (3, 0, 0, 0)
    assert journal.saves == saves + 1, "the whole roll is one save"
    again = RollBook(store, None, store.table(TABLE))
    assert again.count("sra") == 3 and again.count("kha") == 0
    assert done.detail == "roll sra: 3 added, 0 updated, 0 unchanged, 0 left"


def test_a_newer_roll_updates_and_marks_leavers_never_deletes() -> None:
    roll, store = book()
    roll.import_roll("sra", sims(), AT)
    first = sims().pupils
    moved_up = replace(first[0], year_group="9", reg_group="9QR")
    newcomer = RollPupil("L123456789012", "Hyacinth", "Bucket", date(2013, 5, 5), "8")
    done = roll.import_roll("sra", Roll((moved_up, first[1], newcomer), ()), AT)
    assert (done.added, done.updated, done.unchanged, done.left) == (1, 1, 1, 1)
    assert len(store.table(TABLE)) == 4, "the leaver is kept"
    [left] = roll.lookup("peregrine")
    assert not left.on_roll
    [barnaby] = roll.lookup("barn qui")
    assert barnaby.pupil.year_group == "9" and barnaby.on_roll
    assert roll.count("sra") == 3


def test_a_failed_save_imports_nothing() -> None:
    journal = MemoryJournal()
    roll, store = book(journal)
    journal.refuse = OSError(28, "No space left on device")
    with pytest.raises(OSError):
        roll.import_roll("sra", sims(), AT)
    journal.refuse = None
    assert store.table(TABLE) == {} and roll.count() == 0 and roll.lookup("barnaby") == []
    assert roll.import_roll("sra", sims(), AT).added == 3, "a retry imports it whole"


def test_lookup_by_the_start_of_any_name_in_any_order_on_roll_first() -> None:
    roll, _ = book()
    roll.import_roll("sra", sims(), AT)
    roll.import_roll("kha", read_roll(ROLLS / "arbor.csv", today=AT.date()), AT)
    assert [e.pupil.name for e in roll.lookup("ott")] == ["Otti Fairweather-Brook"]
    assert [e.pupil.name for e in roll.lookup("fair OTTI")] == ["Otti Fairweather-Brook"]
    assert [e.pupil.name for e in roll.lookup("brook")] == ["Otti Fairweather-Brook"]
    assert [e.pupil.name for e in roll.lookup("hale")] == ["Peregrine Ravensworth-Hale"]
    full = roll.lookup("otti fairweather-brook")
    assert [e.pupil.name for e in full] == ["Otti Fairweather-Brook"], "a whole hyphenated name"
    assert [e.school for e in roll.lookup("zo")] == ["kha"]
    assert roll.lookup("zo", school="sra") == []
    assert roll.lookup("   ") == [] and roll.lookup("xylophone") == []


def test_the_casebook_imports_a_roll_in_one_audited_save_and_refuses_an_unknown_school() -> None:
    from dsl_tui.casebook import Casebook
    from dsl_tui.errors import UsageError

    casebook = Casebook.in_memory(user="Priya Ramanathan")
    done = casebook.import_roll("sra", sims())
    last = casebook.audit_log()[-1]
    assert (last.action, last.detail) == ("import", done.detail)
    assert casebook.roll_count("sra") == 3
    assert [e.pupil.name for e in casebook.roll_lookup("otti")] == ["Otti Fairweather-Brook"]
    with pytest.raises(UsageError, match="no school with that key"):
        casebook.import_roll("nowhere", sims())
