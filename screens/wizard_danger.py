"""Immediate danger first: the question before anything is typed, and the call-now screen.

Logging a concern starts with the playbook's "Is a child in immediate danger right now?". "No"
goes straight to the report form. "Yes" shows who to call now (999 and the MASH, from the
playbook's routes) at once; R records the call (who, at HH:MM London time, the reference), and
the form then continues with the question answered. The call is kept with the concern and
recorded on the case when it is created (``Casebook.log_concern(calls=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static

from dsl_tui.casebook.calls import call_time, hh_mm
from dsl_tui.errors import UsageError
from dsl_tui.model import EmergencyCall, Question, Route
from dsl_tui.playbook import Playbook
from dsl_tui.screens.dialogs import Dialog
from dsl_tui.screens.safety import DIALOG, SafeInput

#: The playbook question the wizard asks first (a trust's playbook without it skips this).
DANGER_QUESTION = "immediate_danger"


@dataclass(frozen=True)
class DangerAnswer:
    """The answer to the immediate-danger question, and the calls recorded on the call screen."""

    danger: bool
    calls: tuple[EmergencyCall, ...] = ()


def danger_question(playbook: Playbook) -> Question | None:
    """The playbook's immediate-danger question, or None if this playbook has none."""
    return next((q for q in playbook.questions() if q.key == DANGER_QUESTION), None)


def routes_to_call(playbook: Playbook) -> tuple[Route, ...]:
    """Who to phone now for a child in immediate danger: the playbook's own ``call_now``
    routes for that answer, else its police and children's social care routes."""
    calls = playbook.triage({DANGER_QUESTION: "yes"}).call_now
    if calls:
        return calls
    keys = ("police", "childrens_social_care")
    return tuple(playbook.routes[k] for k in keys if k in playbook.routes)


class CallDialog(Dialog[EmergencyCall]):
    """Record a call made now: who was called, at what time (London), and their reference."""

    def __init__(self, routes: tuple[Route, ...], now: datetime) -> None:
        super().__init__("Record the call")
        self.routes = routes
        self.now = now

    def fields(self) -> ComposeResult:
        yield Label("Who was called")
        yield Select([(r.name, r.key) for r in self.routes], value=self.routes[0].key,
                     allow_blank=False, compact=True, id="call-route")  # fmt: skip
        yield Label("At (HH:MM, London time)")
        yield SafeInput(hh_mm(self.now), compact=True, id="call-at")
        yield Label("Reference (incident number, or who took the call; can be added later)")
        yield SafeInput(compact=True, id="call-reference")
        yield Label("Ctrl+S saves, Escape goes back.", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#call-reference", Input).focus()

    def action_save(self) -> None:
        """Dismiss with the call (the time checked by the domain's own rule)."""
        route = self.query_one("#call-route", Select).value
        try:
            at = call_time(self.query_one("#call-at", Input).value, self.now)
        except UsageError as error:
            self.refuse(error.message)
            return
        reference = self.query_one("#call-reference", Input).value.strip()
        key = route if isinstance(route, str) else self.routes[0].key
        self.dismiss(EmergencyCall(key, at, reference))


class DangerScreen(Screen[DangerAnswer | None]):
    """The question "is a child in immediate danger right now?", then, on yes, who to call."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="danger.yes"),
        Binding("n", "answer(False)", "No", id="danger.no"),
        Binding("r", "record_call", "Record the call", id="danger.record"),
        Binding("enter", "go_on", "Go on to the form", id="danger.go_on"),
        Binding("escape", "leave", "Leave", id="danger.leave"),
    ]

    #: "ask" (the question) or "call" (who to call now); keys that cannot act are greyed out.
    phase: reactive[str] = reactive("ask", bindings=True)

    def __init__(self, playbook: Playbook, question: Question, now: datetime,
                 *, calling: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.question = question
        self.routes = routes_to_call(playbook)
        self.now = now
        self.set_reactive(DangerScreen.phase, "call" if calling else "ask")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Log a concern \u2014 first: is a child in danger?", id="stage", markup=False)
        with VerticalScroll(id="danger"):
            yield Static(self._ask_text(), id="danger-ask")
            yield Static(self._call_text(), id="danger-call")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Log a concern"
        self._show()

    def _show(self) -> None:
        self.query_one("#danger-ask").display = self.phase == "ask"
        self.query_one("#danger-call").display = self.phase == "call"
        self.query_one("#danger").focus()

    def _ask_text(self) -> Text:
        text = Text()
        text.append(f"{self.question.text}\n\n", style="bold")
        text.append("  Y  Yes\n  N  No\n\n")
        clause = f" (policy {self.question.clause})" if self.question.clause else ""
        text.append(f"Why this comes first: {self.question.why}{clause}", style="italic")
        return text

    def _call_text(self) -> Text:
        text = Text()
        text.append(" \u260e CALL 999 NOW \u2014 before typing anything \n\n", style="bold reverse")
        for route in self.routes:
            text.append(f"{route.name}\n", style="bold")
            text.append(f"  {route.contact}\n")
        text.append(
            "\nR records the call (who, when, the reference); the form then continues and the "
            "call is kept on the case. Enter goes on to the form without recording it.",
            style="italic",
        )
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out keys that cannot act now."""
        if action == "answer":
            return self.phase == "ask"
        if action in ("record_call", "go_on"):
            return self.phase == "call"
        return True

    def action_answer(self, danger: bool) -> None:
        """Yes shows who to call now; no goes straight to the form."""
        if not danger:
            self.dismiss(DangerAnswer(False))
            return
        self.phase = "call"
        self._show()

    @work(exclusive=True, group=DIALOG)
    async def action_record_call(self) -> None:
        """Record the call, then go on to the form with it."""
        call = await self.app.push_screen_wait(CallDialog(self.routes, self.now))
        if call is not None:
            self.dismiss(DangerAnswer(True, (call,)))

    def action_go_on(self) -> None:
        """Go on to the form without recording a call (it can be recorded on the step)."""
        self.dismiss(DangerAnswer(True))

    def action_leave(self) -> None:
        """Leave: from the question, back out of logging; from the call screen, go on."""
        self.dismiss(None if self.phase == "ask" else DangerAnswer(True))
