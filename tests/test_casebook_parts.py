"""The casebook is a facade over parts that are handed what they use (issue #11, move 5).

The writer gets the store, the index, the audit log, the saves and the clock; the queries get
the index and the clock. These tests build the parts by hand, without a ``Casebook``, and check
that a casebook opened afterwards on the same storage sees what they wrote.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from functools import partial
from pathlib import Path

from helpers_casebook import BULLYING_ANSWERS, CANARY, Clock, FakePlaybook, bullying_report

from dsl_tui.audit import AuditLog
from dsl_tui.casebook import Casebook
from dsl_tui.casebook.blobs import MemoryBlobs
from dsl_tui.casebook.clock import CaseClock
from dsl_tui.casebook.index import CaseIndex
from dsl_tui.casebook.intake import Intake
from dsl_tui.casebook.saves import AuditHead, Saves
from dsl_tui.casebook.store import Store
from dsl_tui.casebook.views import CaseQueries
from dsl_tui.casebook.work import CaseWork
from dsl_tui.casebook.writer import CaseWriter
from dsl_tui.model import NoteKind
from dsl_tui.vault.storage import VaultDB, memory_storage

REPO = Path(__file__).resolve().parents[1]
USER = "Priya Ramanathan"


def test_the_casebook_is_a_facade_not_a_stack_of_mixins() -> None:
    assert Casebook.__mro__ == (Casebook, object)


def test_no_module_reaches_into_the_facades_private_attributes() -> None:
    for path in sorted((REPO / "dsl_tui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found = re.findall(r"\bcasebook\._\w+", text)
        assert found == [], f"{path.relative_to(REPO)} reaches into the casebook: {found}"


def test_the_writer_and_the_queries_work_without_the_facade() -> None:
    clock = Clock()
    db = VaultDB(memory_storage())
    store = Store(db)
    time = CaseClock(clock)
    head = AuditHead(store, None)
    audit = AuditLog(db, time.real, insert=partial(store.insert, "audit"), set_head=head.set)
    saves = Saves(store, audit, head, threading.RLock(), reload=lambda: None)
    index = CaseIndex()
    writer = CaseWriter(store, index, audit, saves, time, USER)
    playbook = FakePlaybook()
    queries = CaseQueries(index, time, USER)

    case = Intake(writer, playbook).log_concern(bullying_report(), BULLYING_ANSWERS)
    work = CaseWork(writer, playbook, MemoryBlobs())
    noted = work.add_note(case.id, f"{CANARY} was seen by the school nurse.", NoteKind.FACT)
    clock.advance(days=3)

    assert [row.id for row in queries.search("nurse")] == [case.id]
    assert [row.id for row in queries.summaries(mine=True, overdue_only=True)] == [case.id]
    assert [e.kind for e in queries.chronology(case.id)][-1].startswith("note")

    # A casebook opened on the same storage reads what the parts wrote, audit chain and all.
    book = Casebook(db, playbook, USER, clock=clock)  # type: ignore[arg-type]
    assert book.case(case.id, view=False) == noted
    assert [r.id for r in book.search("nurse")] == [case.id]
    assert [(e.action, e.case_id) for e in book.audit_log()] == [
        ("create", case.id), ("change", case.id),
    ]  # fmt: skip
    assert book.verify_audit() == []


def test_a_backdated_block_dates_the_writers_actions_but_not_the_audit() -> None:
    clock = Clock()
    book = Casebook.in_memory(user=USER, playbook=FakePlaybook(), clock=clock)  # type: ignore[arg-type]
    earlier = clock.now - timedelta(days=10)
    with book.backdated(lambda: earlier):
        case = book.log_concern(bullying_report(reported_at=earlier), BULLYING_ANSWERS)
        case = book.add_note(case.id, "Typed up from the paper log.")
    assert case.notes[-1].at == earlier
    assert [e.at for e in book.audit_log()] == [clock.now, clock.now]
    assert book.now() == clock.now
