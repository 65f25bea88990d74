"""A clumsy DSL at the casebook: empty and huge text, odd characters, duplicate people, dates in
the future, unknown ids. Each is either kept faithfully or refused with one clear sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers_export import answers_for
from helpers_security import HOSTILE_NAME, HUGE_TEXT, RTL_EMOJI

from dsl_tui.casebook import Casebook
from dsl_tui.errors import DslError, NotFound, UsageError
from dsl_tui.model import ConcernReport, NewPerson, NoteKind, PersonRole

PUPIL = "Bartholomew Quince"


def _report(**changes: object) -> ConcernReport:
    fields: dict[str, object] = {
        "school": "sra",
        "reporter": "Gideon Hartley",
        "summary": f"{PUPIL} was sent unkind messages in a game chat.",
        "people": (NewPerson(PersonRole.PUPIL, PUPIL, "7"),),
    }
    fields.update(changes)
    return ConcernReport(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def casebook() -> Casebook:
    return Casebook.in_memory("Imogen Threlkeld")


@pytest.mark.parametrize("summary", ["", "   ", "\n\t"])
def test_an_empty_concern_is_refused_clearly(casebook: Casebook, summary: str) -> None:
    before = casebook.case_ids()
    with pytest.raises(UsageError) as caught:
        casebook.log_concern(_report(summary=summary), answers_for(casebook))
    assert caught.value.message.endswith(".") and "\n" not in caught.value.message
    assert casebook.case_ids() == before


@pytest.mark.parametrize(
    "text", [HUGE_TEXT, HOSTILE_NAME, RTL_EMOJI, "[bold]x[/] [link=file:///etc]y[/link]"]
)
def test_odd_and_huge_text_is_kept_exactly(casebook: Casebook, text: str) -> None:
    case = casebook.log_concern(_report(summary=text), answers_for(casebook))
    casebook.add_note(case.id, text, NoteKind.FACT)
    again = casebook.case(case.id, view=False)
    assert again.summary == text and again.notes[-1].text == text


def test_the_same_person_twice_is_kept_as_two_records(casebook: Casebook) -> None:
    """Two pupils may share a name: both are kept, each with its own id."""
    twice = (NewPerson(PersonRole.PUPIL, PUPIL, "7"), NewPerson(PersonRole.PUPIL, PUPIL, "7"))
    case = casebook.log_concern(_report(people=twice), answers_for(casebook))
    assert [p.name for p in case.people] == [PUPIL, PUPIL]
    assert len({p.id for p in case.people}) == 2


@pytest.mark.parametrize("action", ["note", "step", "person", "close", "view"])
def test_an_unknown_case_id_is_not_found_and_changes_nothing(
    casebook: Casebook, action: str
) -> None:
    before = casebook.case_ids()
    with pytest.raises(NotFound):
        if action == "note":
            casebook.add_note("NOPE-2026-9999", "text", NoteKind.FACT)
        elif action == "step":
            casebook.complete_step("NOPE-2026-9999", "s1", "done")
        elif action == "person":
            casebook.add_person("NOPE-2026-9999", NewPerson(PersonRole.PUPIL, PUPIL, "7"))
        elif action == "close":
            casebook.close("NOPE-2026-9999", "done")
        else:
            casebook.case("NOPE-2026-9999")
    assert casebook.case_ids() == before


def test_an_unknown_school_is_refused(casebook: Casebook) -> None:
    with pytest.raises(DslError):
        casebook.log_concern(_report(school="nope"), answers_for(casebook))


def test_a_concern_that_happened_in_the_future_is_refused(casebook: Casebook) -> None:
    future = datetime.now(UTC) + timedelta(days=400)  # 2062 typed for 2026, say
    with pytest.raises(UsageError):
        casebook.log_concern(_report(occurred_at=future), answers_for(casebook))


def test_a_concern_before_the_child_was_born_is_refused(casebook: Casebook) -> None:
    before = casebook.case_ids()
    child = NewPerson(PersonRole.PUPIL, PUPIL, "7", date_of_birth=date(2014, 5, 1))
    with pytest.raises(UsageError, match="before person 1's date of birth"):
        casebook.log_concern(
            _report(people=(child,), occurred_at=datetime(2013, 1, 1, tzinfo=UTC)),
            answers_for(casebook),
        )
    assert casebook.case_ids() == before


def test_a_date_of_birth_in_the_future_is_refused_when_adding_a_person(casebook: Casebook) -> None:
    case = casebook.log_concern(_report(), answers_for(casebook))
    unborn = NewPerson(PersonRole.PUPIL, "Ottilie Marchbank", "7", date_of_birth=date(2099, 1, 1))
    with pytest.raises(UsageError, match="date of birth is in the future"):
        casebook.add_person(case.id, unborn)
    assert len(casebook.case(case.id).people) == len(case.people)


def test_a_date_of_birth_before_1900_is_refused_as_on_import(casebook: Casebook) -> None:
    """Typed dates follow the same rule as imported ones (dsl_tui/dates.py)."""
    case = casebook.log_concern(_report(), answers_for(casebook))
    old = NewPerson(PersonRole.PUPIL, "Ottilie Marchbank", "7", date_of_birth=date(1850, 1, 1))
    with pytest.raises(UsageError, match="date of birth is before 1900"):
        casebook.add_person(case.id, old)
    assert len(casebook.case(case.id).people) == len(case.people)
