"""Calls made at once for a child in immediate danger (policy 7.2), recorded on the new case.

The wizard asks "Is a child in immediate danger right now?" before anything is typed; on "yes"
the DSL phones 999 (and the MASH) first and types the concern up afterwards. The call is kept
with the concern and, when the case is created, completes the playbook's step for that route
("Call the police on 999") at the time of the call, with the reference as the step's answer, so
it shows on the checklist and in the chronology as the first thing done. Without a reference the
step stays open (the incident number is often given later) and the call is a chronology entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dsl_tui.casebook import steps as step_rules
from dsl_tui.casebook.records import needs_from
from dsl_tui.errors import UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import EmergencyCall, StepState

#: The trust's schools are in England: call times are typed and shown in London time.
ZONE_NAME = "Europe/London"

_HH_MM = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
#: A typed time this far ahead of the clock still counts as today (a slow clock, not a typo).
_SLACK = timedelta(minutes=5)


def london() -> tzinfo:
    """London's time zone; the computer's own where no zone data is installed (Windows
    without ``tzdata``: a school PC in England keeps London time anyway)."""
    try:
        return ZoneInfo(ZONE_NAME)
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the machine
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone


def hh_mm(moment: datetime) -> str:
    """A moment as ``HH:MM`` in London time."""
    return moment.astimezone(london()).strftime("%H:%M")


def call_time(text: str, now: datetime) -> datetime:
    """``HH:MM`` (London time, today) as a moment; UsageError if malformed or later than now."""
    match = _HH_MM.match(text or "")
    if not match:
        raise UsageError("Write the time of the call as HH:MM, e.g. 09:42.")
    local_now = now.astimezone(london())
    at = local_now.replace(hour=int(match[1]), minute=int(match[2]), second=0, microsecond=0)
    if at - local_now > _SLACK:
        raise UsageError("The time of the call is later than now; check it.")
    return at


def call_text(call: EmergencyCall, route_name: str) -> str:
    """What the chronology and the step's outcome say about a call."""
    text = f"Called {route_name} at {hh_mm(call.at)} (London time)"
    reference = call.reference.strip()
    return text + (f"; reference {reference}." if reference else "; no reference yet.")


def complete_with_call(
    steps: list[Doc], call: EmergencyCall, route_name: str, by: str
) -> tuple[Doc, Doc] | None:
    """The open step for the call's route and the fields that mark it done by the call; None
    if no step fits.

    A step that needs more than the reference (or needs it and none was given) is left open:
    the DSL completes it on the checklist when the reference comes.
    """
    for step in steps:
        if step.get("route") != call.route or step.get("state") != StepState.OPEN.value:
            continue
        needs = needs_from(step.get("needs"))
        reference = call.reference.strip()
        answers: Mapping[str, str] = {}
        if needs:
            if len(needs) > 1 or not reference or needs[0].choices:
                return None
            answers = {needs[0].key: reference}
        outcome = call_text(call, route_name)
        return step, step_rules.completion_fields(step, outcome, answers, call.at, by)
    return None
