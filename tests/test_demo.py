"""Fictional demo data: made through the casebook's own calls with real triage answers,
varied, invented names only, and the demo-data command."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from dsl_tui.casebook import Casebook
from dsl_tui.demo import FIRST_NAMES, LAST_NAMES, add_demo_cases
from dsl_tui.model import PersonRole, Status, StepState


@pytest.fixture(scope="module")
def demo_book() -> tuple[Casebook, list[str]]:
    book = Casebook.in_memory(user="Priya Ramanathan")
    return book, add_demo_cases(book, 120, seed=7)


def test_demo_cases_are_varied_and_worked(demo_book: tuple[Casebook, list[str]]) -> None:
    book, ids = demo_book
    assert len(ids) == 120 == len(set(ids))
    cases = [book.case(i, view=False) for i in ids]
    assert len({c.category for c in cases}) >= 6
    assert len({c.school for c in cases}) >= 3
    assert {a.platform for c in cases for a in c.accounts} >= {"Instagram", "Snapchat", "TikTok"}
    assert 6 <= sum(len(c.notes) for c in cases) / len(cases) <= 16
    assert any(s.state is StepState.DONE for c in cases for s in c.steps)
    assert any(c.status is Status.CLOSED for c in cases)
    assert book.counts().overdue > 0
    assert any(book.linked(i) for i in ids)
    roles = Counter(p.role for c in cases for p in c.people)
    assert roles[PersonRole.PUPIL] >= 120 and roles[PersonRole.STAFF] > 0
    assert all(p.year_group for c in cases for p in c.people if p.role is PersonRole.PUPIL)
    assert book.verify_audit() == []


def test_demo_names_are_all_invented(demo_book: tuple[Casebook, list[str]]) -> None:
    book, ids = demo_book
    for case_id in ids:
        for person in book.case(case_id, view=False).people:
            if person.role is PersonRole.UNKNOWN_ADULT:
                continue
            first, last = person.name.split(" ", 1)
            assert first in FIRST_NAMES and last in LAST_NAMES


def test_demo_chronologies_run_forward(demo_book: tuple[Casebook, list[str]]) -> None:
    book, ids = demo_book
    now = book.now()
    for case_id in ids[:30]:
        entries = book.chronology(case_id)
        assert all(e.at <= now for e in entries)
        case = book.case(case_id, view=False)
        assert all(n.at >= case.reported_at for n in case.notes)


def test_demo_is_repeatable_and_adds_new_cases_each_call() -> None:
    a = Casebook.in_memory()
    b = Casebook.in_memory()
    add_demo_cases(a, 5, seed=3)
    add_demo_cases(b, 5, seed=3)
    assert [a.case(i, view=False).summary for i in a.case_ids()] == [
        b.case(i, view=False).summary for i in b.case_ids()
    ]
    more = add_demo_cases(a, 5, seed=3)
    assert len(a.case_ids()) == 10 and not set(more) & set(b.case_ids())


def test_demo_data_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    from dsl_tui import cli, session

    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    path = tmp_path / "vault.dsl"
    passphrase = "plum orbit canyon velvet 42"
    session.lock(session.create(path, "Priya Ramanathan", "DSL", passphrase))
    monkeypatch.setattr("sys.stdin", io.StringIO(passphrase + "\n"))
    code = cli.main(["demo-data", "--cases", "7", "--vault", str(path), "--passphrase-stdin"])
    assert code == 0
    book = session.unlock(path, passphrase)
    try:
        assert len(book.case_ids()) == 7
    finally:
        session.lock(book)
    monkeypatch.setattr("sys.stdin", io.StringIO(passphrase + "\n"))
    assert cli.main(["demo-data", "--cases", "0", "--vault", str(path), "--passphrase-stdin"]) == 2


def test_demo_never_sets_aside_a_referral_or_skips_one_on_a_serious_case(
    demo_book: tuple[Casebook, list[str]],
) -> None:
    """Demo data a DSL would recognise: a referral, a police report or a safeguarding essential
    is never set aside, and no decision not to refer is recorded on a high-risk case."""
    book, ids = demo_book
    set_aside = 0
    for case_id in ids:
        case = book.case(case_id, view=False)
        for step in case.steps:
            if step.state is StepState.SET_ASIDE:
                set_aside += 1
                assert step.route is None, (step.key, step.reason)
                assert not any(w in step.key for w in ("police", "refer", "ceop", "lado")), step.key
                assert step.reason and "see notes" not in step.reason.lower()[:10]
        if any(d.kind == "no referral" for d in case.decisions):
            assert case.risk.value in ("low", "medium"), case.id
    assert set_aside, "some steps are set aside, as in real casework"


def test_demo_closes_a_case_as_handed_to_social_care_only_after_referring_it(
    demo_book: tuple[Casebook, list[str]],
) -> None:
    """A case file reads true: no "handed over to children's social care" after a decision not to
    refer, or without a referral step done."""
    book, ids = demo_book
    handed = 0
    for case_id in ids:
        case = book.case(case_id, view=False)
        if "social care" not in (case.outcome or ""):
            continue
        handed += 1
        assert not any(d.kind == "no referral" for d in case.decisions), case.id
        assert any(
            s.state is StepState.DONE and ("csc" in s.key or "refer" in s.key) for s in case.steps
        ), case.id
    assert handed, "some closed cases were handed over"
