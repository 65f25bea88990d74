"""When a case's records come up for review, from the playbook's retention rule.

The trust's rules (IRMS toolkit for schools, as the playbook states them):
- child protection records: the child's date of birth + 25 years;
- sexual abuse related: keep, review after 75 years;
- allegations against staff that met the harm threshold: until normal pension age or 10 years
  from the allegation, whichever is longer (10 years when the staff member's age is not known);
- low-level concerns and other staff conduct records: as the trust sets, at least until the
  member of staff leaves (KCSIE Part 4 Section 2): reviewed the trust's years after the concern;
- other records: a number of years from the case's closure (set by the trust).

The playbook names the rule (``TriageResult.retention``) and gives its years
(``Playbook.retention_years(key)``); this module decides what the years count from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from dsl_tui.casebook.records import parse_date, parse_dt
from dsl_tui.jsontypes import DocView

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook

#: Years used when the playbook gives none for a rule.
DEFAULT_YEARS = {"child": 25, "sexual": 75, "staff": 10, "conduct": 6, "closure": 6}

#: Normal retirement age assumed for a staff member whose date of birth is recorded.
RETIREMENT_AGE = 67


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def rule_kind(key: str, starts: str = "") -> str:
    """Which kind of rule a retention key (and its "starts" text) names: "sexual", "conduct",
    "staff", "closure" or "child"."""
    low = key.lower()
    begins = starts.lower()
    if "sexual" in low or "keep" in low:
        return "sexual"
    # Before "staff": a conduct record must never get the allegation rule (pension age).
    if "conduct" in low or "low_level" in low:
        return "conduct"
    if "staff" in low or "allegation" in low or "allegation" in begins:
        return "staff"
    if "clos" in begins:
        return "closure"
    return "child"


def _youngest_birth_estimate(year_group: str, reported: date) -> date | None:
    """A pupil's latest possible date of birth from a year group ("Y9", "Year 9", "Reception")."""
    text = year_group.strip().lower()
    if text.startswith("rec"):
        number = 0
    else:
        match = re.search(r"\d+", text)
        if not match:
            return None
        number = int(match.group())
    # A pupil in Year N is at least N + 4 on the day of a report.
    return add_years(reported, -(number + 4))


def review_date(
    key: str,
    years: int | None,
    reported: date,
    people: Iterable[DocView],
    *,
    starts: str = "",
    closed: date | None = None,
) -> date:
    """The review date of a case reported on ``reported`` with these people (documents).

    ``years`` None means "keep" (sexual abuse related): reviewed after 75 years. A rule counted
    from closure counts from ``closed``, or from the report while the case is open.
    """
    kind = rule_kind(key, starts)
    if years is None:
        kind = "sexual" if kind in ("sexual", "child") else kind
    span = years if years is not None else DEFAULT_YEARS[kind]
    people = list(people)
    if kind in ("sexual", "conduct"):
        return add_years(reported, span)
    if kind == "closure":
        return add_years(closed or reported, span)
    if kind == "staff":
        review = add_years(reported, span)
        for person in people:
            dob = parse_date(person.get("date_of_birth"))
            if person.get("role") == "staff" and dob:
                review = max(review, add_years(dob, RETIREMENT_AGE))
        return review
    births: list[date] = []
    for person in people:
        if person.get("role") != "pupil":
            continue
        dob = parse_date(person.get("date_of_birth"))
        estimate = dob or _youngest_birth_estimate(person.get("year_group", ""), reported)
        if estimate:
            births.append(estimate)
    if births:
        # The youngest child's records are kept longest; keep the case for all of them.
        return add_years(max(births), span)
    # No date of birth known: count from the report, which keeps the records longer than needed.
    return add_years(reported, span)


def case_review_on(
    playbook: Playbook, core: DocView, people: Iterable[DocView], today: date
) -> date:
    """A case's retention review date by the playbook's rules for it (the latest of them).

    ``core`` is the case's core document; a case stored before ``retention_rules`` existed has
    its one ``retention`` rule. ``today`` stands in for a report time the case lacks.
    """
    keys = [k for k in core.get("retention_rules") or [core.get("retention", "")] if k]
    reported_at = parse_dt(core["reported_at"])
    reported = reported_at.date() if reported_at else today
    closed_at = parse_dt(core.get("closed_at"))
    closed = closed_at.date() if closed_at else None
    people = list(people)
    dates = []
    for key in keys or [""]:
        years = playbook.retention_years(key) if key else 25
        rule = playbook.retention.get(key) if key else None
        starts = rule.starts if rule is not None else ""
        dates.append(review_date(key, years, reported, people, starts=starts, closed=closed))
    return max(dates)
