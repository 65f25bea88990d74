"""The rules of a step's life: done only with an outcome and every answer it needs; set aside
only with a reason; never touched again once it has ended.

Error messages name what is missing using the playbook's own words (the answer's prompt), never
what the DSL typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from dsl_tui.casebook.records import iso, needs_from
from dsl_tui.dates import birth_date_problem
from dsl_tui.errors import CaseRuleError, UsageError
from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.model import StepState


def require_text(value: str, what: str) -> str:
    """The text stripped, or UsageError naming what must be filled in."""
    text = (value or "").strip()
    if not text:
        raise UsageError(f"Please record {what}.")
    return text


def not_in_future(when: datetime | None, now: datetime, what: str) -> None:
    """Refuse a date more than a day ahead of the clock: a mistyped year (2062 for 2026)."""
    if when is not None and when - now > timedelta(days=1):
        raise UsageError(f"The date {what} is in the future; check the year.")


def born_before(births: list[date | None], occurred: datetime | None, now: datetime) -> None:
    """Refuse a date of birth in the future, or a concern that happened before a child was born."""
    for number, born in enumerate(births, 1):
        if born is None:
            continue
        if born > now.date():
            raise UsageError(f"Person {number}'s date of birth is in the future; check the year.")
        if birth_date_problem(born, now.date()):
            raise UsageError(f"Person {number}'s date of birth is before 1900; check the year.")
        if occurred is not None and occurred.date() < born:
            raise UsageError(
                f"The date it happened is before person {number}'s date of birth; check the dates."
            )


def _require_open(step: DocView) -> None:
    if step.get("state") != StepState.OPEN.value:
        raise CaseRuleError(f"Step {step.get('id')} has already ended; add a note instead.")


def completion_fields(
    step: DocView,
    outcome: str,
    answers: Mapping[str, str] | None,
    at: datetime,
    by: str,
) -> Doc:
    """The fields that mark an open step done, after checking its outcome and needed answers."""
    _require_open(step)
    if not (outcome or "").strip():
        raise CaseRuleError("A step can only be marked done with its outcome recorded.")
    given = {k: (v or "").strip() for k, v in (answers or {}).items()}
    missing: list[str] = []
    kept: list[list[str]] = []
    for need in needs_from(step.get("needs")):
        value = given.get(need.key, "")
        if not value:
            missing.append(need.prompt or need.key)
            continue
        if need.choices and value not in need.choices:
            raise CaseRuleError(
                f'The answer to "{need.prompt or need.key}" must be one of: '
                + ", ".join(need.choices)
                + "."
            )
        kept.append([need.key, value])
    if missing:
        raise CaseRuleError("Before this step is done, record: " + "; ".join(missing) + ".")
    known = {k for k, _ in kept}
    kept.extend([k, v] for k, v in given.items() if k not in known and v)
    return {
        "state": StepState.DONE.value,
        "done_at": iso(at),
        "done_by": by,
        "outcome": outcome.strip(),
        "answers": kept,
    }


def set_aside_fields(step: DocView, reason: str, at: datetime, by: str) -> Doc:
    """The fields that set an open step aside, which needs a reason."""
    _require_open(step)
    if not (reason or "").strip():
        raise CaseRuleError("A step can only be set aside with the reason recorded.")
    return {
        "state": StepState.SET_ASIDE.value,
        "done_at": iso(at),
        "done_by": by,
        "reason": reason.strip(),
    }


def open_steps(steps: list[Doc]) -> list[Doc]:
    """The steps still open."""
    return [s for s in steps if s.get("state") == StepState.OPEN.value]
