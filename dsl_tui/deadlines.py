"""When a step is due: calendar or working-day deadlines, counted in London time.

A playbook deadline (``Deadline``) is either a length of time ("4 hours", "2 days") or a number of
working days ("1 working day", e.g. the LADO referral). ``due_at(reported, deadline, calendar)`` is
the one place a due time is computed, for the wizard's preview and for the steps of a case.

Working days skip weekends, England's bank holidays (the ``holidays`` package, pure data, works
offline) and the trust's own closure days (``[calendar] closure_days`` in the playbook). They keep
the wall-clock time of the report in Europe/London: reported on Friday at 16:00, "1 working day"
is due on Monday at 16:00 (Tuesday after a bank holiday Monday), in GMT or BST as the date falls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dsl_tui.model import Deadline

#: Schools of the trust are in England: deadlines are counted and shown in London time.
LONDON = ZoneInfo("Europe/London")

__all__ = ["LONDON", "PLAIN_CALENDAR", "Deadline", "WorkingCalendar", "bank_holidays", "due_at"]


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in ``year`` (substitute days included)."""
    # Imported here: the package builds its tables on import, and most commands never need them.
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


@dataclass(frozen=True)
class WorkingCalendar:
    """The days a school works: not weekends, not bank holidays, not the trust's closure days."""

    closure_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def with_closures(cls, days: Iterable[date]) -> WorkingCalendar:
        """A calendar with these closure days (e.g. from the playbook's ``[calendar]``)."""
        return cls(frozenset(days))

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is neither a bank holiday in England nor a closure day."""
        return (
            day.weekday() < 5
            and day not in self.closure_days
            and day not in bank_holidays(day.year)
        )

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day


#: Weekends and bank holidays only: for callers without a playbook (tests, previews).
PLAIN_CALENDAR = WorkingCalendar()


def due_at(
    reported: datetime, deadline: Deadline | None, calendar: WorkingCalendar = PLAIN_CALENDAR
) -> datetime | None:
    """When a step with this deadline is due, for a concern reported at ``reported`` (UTC out).

    A calendar deadline is an exact length of time from the report. A working-day deadline keeps
    the report's London wall-clock time on the N-th working day after the report's London date.
    """
    if deadline is None:
        return None
    if reported.tzinfo is None:
        raise ValueError("A report time must say its time zone.")
    if not deadline.working_days:
        return (reported + deadline.after).astimezone(UTC)
    local = reported.astimezone(LONDON)
    day = calendar.add_working_days(local.date(), deadline.working_days)
    # Working days are never Sundays, so the London time always exists and is never ambiguous.
    due = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=LONDON)
    return due.astimezone(UTC)
