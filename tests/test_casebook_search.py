"""``casebook.search``: the dashboard's filters, in the domain, alone and together.

Six fictional cases, two DSLs, two schools: every combination of words, status, school, "mine"
and "overdue only" gives exactly the cases that pass each filter, most urgent first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from helpers_casebook import BULLYING_ANSWERS, T0, Clock, FakePlaybook, bullying_report

from dsl_tui.casebook import Casebook
from dsl_tui.errors import UsageError
from dsl_tui.model import CaseSummary
from dsl_tui.vault.storage import VaultDB, memory_storage

ME, OTHER = "Priya Ramanathan", "Gareth Pomfrey"


@dataclass(frozen=True)
class Made:
    """One case made for the tests, with what each filter should see of it."""

    id: str
    word: str
    school: str
    owner: str
    closed: bool
    overdue: bool


def _make(book: Casebook, word: str, school: str, *, closed: bool, late: bool) -> Made:
    """A bullying case whose pupil is called ``word``; ``late``: reported a month ago."""
    reported = T0 if late else book.now()
    case = book.log_concern(
        bullying_report(pupil=f"{word} Okafor", school=school, reported_at=reported),
        BULLYING_ANSWERS,
    )
    if closed:
        for step in case.steps:
            book.set_aside_step(case.id, step.id, "Handled by the pastoral team.")
        book.close(case.id, "Resolved with both families.")
    return Made(case.id, word.lower(), school, book.user, closed, late and not closed)


@pytest.fixture(scope="module")
def world() -> tuple[Casebook, list[Made]]:
    """Three cases of mine and three of another DSL's, at two schools, a month on from T0."""
    clock = Clock(T0)
    db = VaultDB(memory_storage())
    clock.advance(days=30)
    made: list[Made] = []
    for user, cases in (
        (ME, [("Wren", "SRA", False, True), ("Juniper", "HBS", False, False),
              ("Linnet", "SRA", True, True)]),
        (OTHER, [("Teasel", "SRA", False, True), ("Bramble", "HBS", False, False),
                 ("Sorrel", "HBS", True, False)]),
    ):  # fmt: skip
        book = Casebook(db, FakePlaybook(), user, clock=clock)  # type: ignore[arg-type]
        for word, school, closed, late in cases:
            made.append(_make(book, word, school, closed=closed, late=late))
    return Casebook(db, FakePlaybook(), ME, clock=clock), made  # type: ignore[arg-type]


def _ids(rows: list[CaseSummary]) -> set[str]:
    return {r.id for r in rows}


def test_each_case_is_what_the_tests_think_it_is(world: tuple[Casebook, list[Made]]) -> None:
    book, made = world
    rows = {r.id: r for r in book.search(status="all")}
    assert set(rows) == {m.id for m in made}
    for m in made:
        assert (rows[m.id].status.value == "closed") is m.closed
        assert rows[m.id].overdue is m.overdue and rows[m.id].school == m.school
        assert rows[m.id].owner == m.owner


def test_each_filter_alone(world: tuple[Casebook, list[Made]]) -> None:
    book, made = world
    every = {m.id for m in made}
    assert _ids(book.search()) == every  # no words, every status
    assert _ids(book.search("wren")) == {m.id for m in made if m.word == "wren"}
    assert _ids(book.search("insulting group chat")) == every  # every word, anywhere
    assert _ids(book.search("wren bramble")) == set()  # every word must be in one case
    assert _ids(book.search(status="open")) == {m.id for m in made if not m.closed}
    assert _ids(book.search(status="closed")) == {m.id for m in made if m.closed}
    assert _ids(book.search(school="HBS")) == {m.id for m in made if m.school == "HBS"}
    assert _ids(book.search(mine=True)) == {m.id for m in made if m.owner == ME}
    assert _ids(book.search(overdue_only=True)) == {m.id for m in made if m.overdue}


QUERIES = ("", "okafor", "juniper", "sorrel", "teasel insulting")
STATUSES = ("all", "open", "closed")
SCHOOLS = (None, "SRA", "HBS")


@pytest.mark.parametrize(
    ("query", "status", "school", "mine", "overdue"),
    list(itertools.product(QUERIES, STATUSES, SCHOOLS, (False, True), (False, True))),
)
def test_every_combination_of_filters_narrows_by_each(
    world: tuple[Casebook, list[Made]],
    query: str,
    status: str,
    school: str | None,
    mine: bool,
    overdue: bool,
) -> None:
    book, made = world
    expected = [
        m for m in made
        if all(w in f"{m.word} okafor insulting" for w in query.split())
        and (status == "all" or m.closed is (status == "closed"))
        and (school is None or m.school == school)
        and (not mine or m.owner == ME)
        and (not overdue or m.overdue)
    ]  # fmt: skip
    rows = book.search(query, status=status, school=school, mine=mine, overdue_only=overdue)
    assert _ids(rows) == {m.id for m in expected}
    # Most urgent first: every overdue row comes before every other.
    flags = [r.overdue for r in rows]
    assert flags == sorted(flags, reverse=True)


def test_no_words_is_the_dashboards_list(world: tuple[Casebook, list[Made]]) -> None:
    book, _ = world
    for status, school, mine, overdue in itertools.product(
        STATUSES, SCHOOLS, (False, True), (False, True)
    ):
        filters = {"status": status, "school": school, "mine": mine, "overdue_only": overdue}
        assert book.search("", **filters) == book.summaries(**filters)  # type: ignore[arg-type]
        assert book.search("   ", **filters) == book.summaries(**filters)  # type: ignore[arg-type]
    assert book.summaries() == book.search(status="open")


def test_an_unknown_status_is_refused_in_a_sentence(world: tuple[Casebook, list[Made]]) -> None:
    book, _ = world
    with pytest.raises(UsageError, match="no case status called 'archived'"):
        book.search("okafor", status="archived")
