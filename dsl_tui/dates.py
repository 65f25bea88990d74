"""The rules every date and time in a case obeys, whether the DSL typed it or a file brought it.

A date of birth lies between :data:`EARLIEST` and today; a time that records something that
happened (reported, occurred, done, noted) is at most :data:`FUTURE_SLACK` ahead of the clock
(a mistyped year: 2062 for 2026); a time that plans something (a step's deadline, a review date)
is at most :data:`PLANNED_HORIZON` ahead. Nothing is before :data:`EARLIEST`. A date far outside
these once crashed closing a case (an imported date of birth of 9999-12-31).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

#: No date of birth, event or plan in a school's case is earlier than this.
EARLIEST = date(1900, 1, 1)
#: How far ahead of the clock a time of something that happened may be (clock skew, time zones).
FUTURE_SLACK = timedelta(days=1)
#: How far ahead a deadline or a review date may be planned: a retention review can lie decades
#: ahead (a pupil's file is kept until they are 25), 9999-12-31 cannot.
PLANNED_HORIZON = timedelta(days=50 * 366)


def birth_date_problem(born: date, today: date) -> str | None:
    """Why ``born`` cannot be a date of birth (a few words), or None when it can."""
    if born > today:
        return "a date of birth in the future"
    if born < EARLIEST:
        return "a date of birth before 1900"
    return None


def time_problem(when: datetime, now: datetime, *, planned: bool = False) -> str | None:
    """Why ``when`` cannot be a case time (a few words), or None when it can.

    ``planned`` times (deadlines, reviews) may lie up to :data:`PLANNED_HORIZON` ahead; others
    only :data:`FUTURE_SLACK`.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.date() < EARLIEST:
        return "a time before 1900"
    if when - now > (PLANNED_HORIZON if planned else FUTURE_SLACK):
        return "a time far in the future"
    return None
