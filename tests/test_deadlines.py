"""Working-day deadlines skip weekends, England's bank holidays and the trust's closure days,
keep London wall-clock time (GMT or BST), and calendar deadlines are exact lengths of time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers_playbook import raw_playbook, sections, shipped
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl_tui.deadlines import LONDON, WorkingCalendar, bank_holidays, due_at
from dsl_tui.errors import PlaybookInvalid
from dsl_tui.model import Deadline, StepPlan
from dsl_tui.playbook import parse_playbook

ONE_DAY = Deadline(working_days=1)


def london(*args: int) -> datetime:
    """A London wall-clock time as an aware datetime."""
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def test_friday_afternoon_plus_one_working_day_is_monday_afternoon() -> None:
    due = due_at(london(2026, 3, 6, 16, 0), ONE_DAY)
    assert due == london(2026, 3, 9, 16, 0)
    assert due is not None and due.tzinfo is UTC


def test_a_bank_holiday_monday_moves_it_to_tuesday() -> None:
    # Friday 1 May 2026; Monday 4 May is the early May bank holiday.
    assert due_at(london(2026, 5, 1, 16, 0), ONE_DAY) == london(2026, 5, 5, 16, 0)


def test_good_friday_and_easter_monday_are_skipped() -> None:
    # Thursday 2 April 2026, then Good Friday 3, the weekend, Easter Monday 6.
    assert due_at(london(2026, 4, 2, 10, 0), ONE_DAY) == london(2026, 4, 7, 10, 0)


def test_the_trusts_closure_days_are_skipped() -> None:
    calendar = WorkingCalendar.with_closures([date(2026, 3, 9), date(2026, 3, 10)])
    assert due_at(london(2026, 3, 6, 16, 0), ONE_DAY, calendar) == london(2026, 3, 11, 16, 0)


def test_london_time_is_kept_across_the_clocks_going_forward() -> None:
    # Friday 27 March 2026 16:00 GMT; the clocks go forward on Sunday 29: Monday 16:00 BST.
    due = due_at(london(2026, 3, 27, 16, 0), ONE_DAY)
    assert due == london(2026, 3, 30, 16, 0)
    assert due is not None and due.astimezone(UTC).hour == 15


def test_a_report_at_the_weekend_is_due_on_the_first_working_day() -> None:
    assert due_at(london(2026, 3, 7, 11, 0), ONE_DAY) == london(2026, 3, 9, 11, 0)


def test_calendar_deadlines_are_exact_lengths() -> None:
    reported = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert due_at(reported, Deadline(after=timedelta(hours=24))) == reported + timedelta(hours=24)
    assert due_at(reported, Deadline()) == reported
    assert due_at(reported, None) is None


def test_a_plain_length_still_makes_a_step_plan() -> None:
    plan = StepPlan("talk", "Talk to the child", "DSL", "7.1", timedelta(hours=4))
    assert plan.due == Deadline(after=timedelta(hours=4))
    assert StepPlan("lado", "Refer", "DSL", "KCSIE", due=ONE_DAY).due_after == timedelta(1)


def test_the_playbook_keeps_working_days_and_its_closure_days() -> None:
    playbook = shipped()
    assert playbook.steps["refer_lado"].due == ONE_DAY
    assert not playbook.calendar.is_working_day(date(2026, 12, 21))
    # Tuesday 22 December 2026 at 10:00 (a closure day) to Monday 4 January 2027.
    reported = london(2026, 12, 18, 10, 0)
    assert playbook.due_at(reported, playbook.steps["refer_lado"]) == london(2027, 1, 4, 10, 0)


@pytest.mark.parametrize(
    ("days", "problem"),
    [("2026-13-01", "is not a day"), ("21/12/2026", "YYYY-MM-DD"), (20261221, "YYYY-MM-DD")],
)
def test_closure_days_are_checked_at_load(days: object, problem: str) -> None:
    raw = raw_playbook()
    raw["calendar"] = {"closure_days": [days]}
    with pytest.raises(PlaybookInvalid, match=problem) as err:
        parse_playbook(raw, sections=sections())
    assert "calendar.closure_days[0]" in str(err.value)


def test_an_unknown_calendar_field_is_refused() -> None:
    raw = raw_playbook()
    raw["calendar"] = {"closure_day": ["2026-12-21"]}
    with pytest.raises(PlaybookInvalid, match='did you mean "closure_days"'):
        parse_playbook(raw, sections=sections())


CLOSURES = WorkingCalendar.with_closures([date(2026, 12, 21), date(2027, 2, 15), date(2027, 7, 23)])


@settings(max_examples=300, deadline=None)
@given(
    reported=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    count=st.integers(min_value=1, max_value=10),
)
def test_every_working_day_deadline_lands_on_a_working_day(reported: datetime, count: int) -> None:
    due = due_at(reported, Deadline(working_days=count), CLOSURES)
    assert due is not None
    day = due.astimezone(LONDON).date()
    assert day.weekday() < 5
    assert day not in bank_holidays(day.year)
    assert day not in CLOSURES.closure_days
    assert (day - reported.astimezone(LONDON).date()).days >= count
    assert due.astimezone(LONDON).time() == reported.astimezone(LONDON).time()
