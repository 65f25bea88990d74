"""How the screens write times, risks, deadlines and step states: words and symbols, not colour."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from rich.text import Text

from dsl_tui.deadlines import LONDON
from dsl_tui.model import Deadline, Risk, Step, StepState
from dsl_tui.terminal import safe_line, safe_text

#: A symbol and a word for each risk, so meaning never rests on colour.
RISK_LABEL: dict[Risk, str] = {
    Risk.IMMEDIATE: "!!! IMMEDIATE",
    Risk.HIGH: "!! high",
    Risk.MEDIUM: "! medium",
    Risk.LOW: "low",
    Risk.NONE: "none",
}

#: Checklist marks for a step's state.
STEP_MARK: dict[StepState, str] = {
    StepState.OPEN: "[ ]",
    StepState.DONE: "[x]",
    StepState.SET_ASIDE: "[-]",
}


#: The zone times are shown in: the schools' own, London (GMT or BST), whatever the computer
#: says; tests fix another for snapshots.
_ZONE: tzinfo = LONDON


def set_zone(zone: tzinfo | None) -> None:
    """Show times in ``zone`` (None: London, the default)."""
    global _ZONE
    _ZONE = zone if zone is not None else LONDON


def local(moment: datetime) -> datetime:
    """``moment`` in the zone times are shown in."""
    return moment.astimezone(_ZONE)


def risk_label(risk: Risk) -> str:
    """The risk with its urgency marks, e.g. ``!! high``."""
    return RISK_LABEL.get(Risk(risk), str(risk))


def when(moment: datetime | None) -> str:
    """A moment in local time, e.g. ``Tue 24 Nov 14:05``; blank for none."""
    if moment is None:
        return ""
    return local(moment).strftime("%a %d %b %H:%M")


def when_long(moment: datetime | None) -> str:
    """A moment in local time with the year, e.g. ``24 Nov 2026 14:05``."""
    if moment is None:
        return ""
    return local(moment).strftime("%d %b %Y %H:%M")


def span(delta: timedelta) -> str:
    """A short length of time: ``45m``, ``5h``, ``3d``."""
    seconds = abs(int(delta.total_seconds()))
    if seconds < 3600:
        return f"{max(seconds // 60, 1)}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def due_text(
    due: datetime | None, now: datetime, overdue: bool | None = None, *, short: bool = False
) -> str:
    """A deadline as a DSL reads it: ``OVERDUE 2h`` (with a warning mark) or ``in 3h``."""
    if due is None:
        return "no deadline"
    late = overdue if overdue is not None else now > due
    if late:
        return f"\u26a0 OVERDUE {span(now - due)}"
    return f"in {span(due - now)}" if short else f"in {span(due - now)} ({when(due)})"


def due_after_text(due_after: timedelta | None) -> str:
    """A playbook deadline relative to the report: ``within 24h``."""
    if due_after is None:
        return "no deadline"
    if due_after <= timedelta(0):
        return "NOW"
    return f"within {span(due_after)}"


def deadline_text(deadline: Deadline | None) -> str:
    """A playbook deadline relative to the report: ``within 24h``, ``within 1 working day``."""
    if deadline is None:
        return "no deadline"
    if deadline.working_days:
        return f"within {deadline}"
    return due_after_text(deadline.after)


def step_line(step: Step, now: datetime) -> str:
    """One checklist line: mark, title, who, when."""
    due = due_text(step.due_at, now) if step.state is StepState.OPEN else step.state.value
    return f"{STEP_MARK[step.state]} {step.title} ({step.actor}; {due})"


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters, with an ellipsis when cut."""
    line = safe_line(" ".join(text.split()))
    return line if len(line) <= width else line[: max(width - 1, 0)] + "\u2026"


def harmless(text: Text) -> Text:
    """``text`` with control characters (terminal escapes in case text) shown as pictures.

    Each control character becomes one picture character, so the styled spans stay in place.
    """
    text.plain = safe_text(text.plain)
    return text


def step_detail(step: Step, now: datetime) -> Text:
    """A step in full: what, who, when, the clause, and how it ended (nothing cut)."""
    text = Text()
    text.append(f"{STEP_MARK[step.state]} {step.title}\n", style="bold")
    state = due_text(step.due_at, now) if step.state is StepState.OPEN else step.state.value
    text.append(f"Who: {step.actor}   Due / state: {state}   Policy: {step.clause}\n")
    if step.detail:
        text.append(f"{step.detail}\n")
    if step.state is StepState.DONE:
        text.append(f"Done {when_long(step.done_at)} by {step.done_by}: ", style="bold")
        text.append(f"{step.outcome}\n")
    elif step.state is StepState.SET_ASIDE:
        text.append(f"Set aside {when_long(step.done_at)} by {step.done_by}: ", style="bold")
        text.append(f"{step.reason}\n")
    for question, answer in step.answers:
        text.append(f"  {question}: {answer}\n")
    return text
