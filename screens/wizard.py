"""Log a concern: the report, then the playbook's triage questions one at a time, then the result.

Each question shows why it matters (its clause) and any warning prominently (e.g. never view a
possibly indecent image of a child). The result shows category, risk, who to call now and the
steps with deadlines; Ctrl+S then creates the case. The draft is saved (encrypted) at each step
and when the app locks, so nothing typed is lost.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from dsl_tui.casebook.records import iso, parse_dt
from dsl_tui.deadlines import due_at
from dsl_tui.jsontypes import Doc
from dsl_tui.model import ConcernReport, EmergencyCall, Question, TriageResult
from dsl_tui.playbook.rules import join_answer, split_answer
from dsl_tui.screens.base import DeskScreen
from dsl_tui.screens.dialogs import ConfirmDialog
from dsl_tui.screens.format import deadline_text, risk_label, when
from dsl_tui.screens.safety import DIALOG, guarded
from dsl_tui.screens.wizard_danger import (
    DANGER_QUESTION,
    DangerScreen,
    danger_question,
)
from dsl_tui.screens.wizard_report import ReportForm, report_from

DRAFT_KEY = "concern"


class ConcernWizard(DeskScreen):
    """The concern wizard: report -> questions -> result -> case."""

    BINDINGS = [
        Binding("ctrl+s", "next", "Next", id="wizard.next", priority=True),
        Binding("enter", "create", "Create case", id="wizard.create"),
        Binding("ctrl+a", "add_person", "Add person", id="wizard.add_person", priority=True),
        Binding("y", "answer('yes')", "Yes", id="wizard.yes"),
        Binding("n", "answer('no')", "No", id="wizard.no"),
        Binding("space", "tick", "Tick (Enter goes on)", id="wizard.tick"),
        Binding("b", "back", "Back", id="wizard.back"),
        Binding("escape", "leave", "Leave (keep draft)", id="wizard.leave"),
        Binding("ctrl+d", "discard", "Discard", id="wizard.discard", show=False),
    ]

    #: "report", "question" or "result"; keys that cannot act now are greyed out.
    phase: reactive[str] = reactive("report", bindings=True)
    #: The question being asked (None outside the question phase).
    question: reactive[Question | None] = reactive(None, bindings=True)

    def __init__(self, draft: Doc | None = None) -> None:
        super().__init__()
        self.draft = draft or {}
        self.answers: dict[str, str] = dict(self.draft.get("answers", {}))
        self.report: ConcernReport | None = None
        self.result: TriageResult | None = None
        #: Calls made at once for a child in immediate danger, recorded on the case at creation.
        self.calls: tuple[EmergencyCall, ...] = _calls_from(self.draft.get("calls", ()))
        #: The sides ticked so far, when the question takes several answers.
        self.ticked: list[str] = []

    def compose(self) -> ComposeResult:
        schools = [(s.name, s.key) for s in self.casebook.playbook.schools]
        yield Header()
        yield Static("Log a concern \u2014 1 of 3: the report", id="stage", markup=False)
        yield ReportForm(schools, self.draft.get("report"), self.casebook.roll_lookup)
        with Vertical(id="question"):
            yield Static("", id="q-text", markup=False)
            yield Static("", id="q-warning", markup=False)
            yield OptionList(id="q-answers")
            yield Static("", id="q-why", markup=False)
        yield VerticalScroll(Static("", id="r-text"), id="result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Log a concern"
        phase = self.draft.get("phase", "report")
        if phase != "report" and isinstance(report_from(self._report_data()), ConcernReport):
            self._ask_next()
        else:
            self._show("report")
        if DANGER_QUESTION not in self.answers:
            self._ask_danger()

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def _ask_danger(self, calling: bool = False) -> None:
        """Immediate danger first, before anything is typed; on yes, who to call now. Then keep
        the answer and any call, and carry on where the wizard was.

        In the dialog group: it waits on the DSL, so tests (and the idle lock) do not wait on it.
        """
        casebook = self.casebook
        question = danger_question(casebook.playbook)
        if question is None:  # a trust's playbook without the question
            return
        screen = DangerScreen(casebook.playbook, question, casebook.now(), calling=calling)
        answer = await self.app.push_screen_wait(screen)
        if answer is None:  # backed out before answering: nothing typed, nothing kept
            self.dismiss()
            return
        self.answers[DANGER_QUESTION] = "yes" if answer.danger else "no"
        self.calls += answer.calls
        self._save_draft()
        if answer.calls:
            self.notify("Call recorded: it will be on the case when it is created.", title="Saved")
        if self.phase == "question":
            self._ask_next()

    # ------------------------------------------------------------------ phases
    def _show(self, phase: str) -> None:
        self.phase = phase
        self.query_one("#report").display = phase == "report"
        self.query_one("#question").display = phase == "question"
        self.query_one("#result").display = phase == "result"
        stage = {"report": "1 of 3: the report", "question": "2 of 3: triage",
                 "result": "3 of 3: the result"}[phase]  # fmt: skip
        self.query_one("#stage", Static).update(f"Log a concern \u2014 {stage}")
        if phase == "report":
            self.query_one("#school").focus()
        elif phase == "question":
            self.query_one("#q-answers").focus()
        else:
            self.query_one("#result").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out keys that cannot act in this phase."""
        if action == "add_person":
            return self.phase == "report"
        if action == "answer":
            q = self.question
            return self.phase == "question" and q is not None and q.kind == "yes_no"
        if action == "tick":
            q = self.question
            return self.phase == "question" and q is not None and q.multi
        if action == "back":
            return self.phase in ("question", "result")
        if action == "create":
            return self.phase == "result"
        return True

    def _report_data(self) -> Doc:
        if self.is_mounted and self.query("#report"):
            return self.query_one(ReportForm).value()
        return dict(self.draft.get("report", {}))

    def draft_state(self) -> tuple[str, Doc]:
        """What to keep if the app locks now (the App saves it encrypted)."""
        calls = [{"route": c.route, "at": iso(c.at), "reference": c.reference} for c in self.calls]
        return DRAFT_KEY, {"phase": self.phase, "report": self._report_data(),
                           "answers": dict(self.answers), "calls": calls}  # fmt: skip

    def _save_draft(self) -> None:
        try:
            self.casebook.save_draft(*self.draft_state())
        except Exception:  # noqa: BLE001 - a failed draft save must not stop the wizard
            self.notify("The draft could not be saved just now.", severity="warning")

    # ------------------------------------------------------------------ actions
    @guarded
    async def action_add_person(self) -> None:
        """Add a row for another person."""
        await self.query_one(ReportForm).add_person()

    @guarded
    def action_next(self) -> None:
        """Report -> first question; result -> create the case."""
        if self.phase == "report":
            report = report_from(self._report_data())
            if isinstance(report, str):
                self.notify(report, title="Not yet", severity="warning", markup=False)
                return
            self.report = report
            self._save_draft()
            self._ask_next()
        elif self.phase == "question":
            self._choose_highlighted()
        elif self.phase == "result":
            self._create()

    def _ask_next(self) -> None:
        playbook = self.casebook.playbook
        # Drop answers off the current path (after going back and changing one).
        self.answers = dict(playbook.relevant_answers(self.answers))
        question = playbook.next_question(self.answers)
        if question is None:
            self.question = None
            self._show_result()
            return
        self.question = question
        self._show("question")
        number = len(self.answers) + 1
        self.query_one("#q-text", Static).update(f"Question {number}. {question.text}")
        warning = self.query_one("#q-warning", Static)
        warning.display = bool(question.warning)
        # A warning box already sets the choices apart: no blank line under it (80x24).
        self.query_one("#question").set_class(bool(question.warning), "warned")
        warning.update(f"\u26a0 WARNING: {question.warning}" if question.warning else "")
        why = question.why or ""
        clause = f" (policy {question.clause}; F1 shows it)" if question.clause else ""
        self.query_one("#q-why", Static).update(f"Why this matters: {why}{clause}")
        answers = self.query_one("#q-answers", OptionList)
        answers.clear_options()
        previous = self.draft.get("answers", {}).get(question.key)
        if question.multi:
            self.ticked = list(split_answer(previous)) if previous else []
            answers.add_options(
                [Option(self._tick_prompt(i), id=c.key) for i, c in enumerate(question.choices)]
            )
            previous = self.ticked[0] if self.ticked else None
        elif question.kind == "yes_no":
            answers.add_options([Option("y  Yes", id="yes"), Option("n  No", id="no")])
        else:
            answers.add_options(
                [
                    Option(Text(f"{i}  {c.label}"), id=c.key)
                    for i, c in enumerate(question.choices, 1)
                ]
            )
        answers.highlighted = 0
        if previous:
            ids = [answers.get_option_at_index(i).id for i in range(answers.option_count)]
            if previous in ids:
                answers.highlighted = ids.index(previous)
        answers.focus()

    def _tick_prompt(self, index: int) -> Text:
        """A side of the concern with its box, e.g. ``3 [x] Something posted...``.

        Every side shows a box, ticked or not, so the DSL sees at once that several can be
        ticked (the same ``[x]`` / ``[ ]`` as every other tick box in the app); a symbol, not a
        colour, shows it.
        """
        assert self.question is not None
        choice = self.question.choices[index]
        mark = "x" if choice.key in self.ticked else " "
        # Text, not markup: "[x]" (and any bracket in a trust's label) is shown as written.
        return Text(f"{index + 1} [{mark}] {choice.label}")

    def _toggle(self, index: int) -> None:
        """Tick or untick one side of the concern."""
        question = self.question
        if question is None or not 0 <= index < len(question.choices):
            return
        key = question.choices[index].key
        if key in self.ticked:
            self.ticked.remove(key)
        else:
            self.ticked.append(key)
        options = self.query_one("#q-answers", OptionList)
        options.replace_option_prompt_at_index(index, self._tick_prompt(index))

    def _confirm_ticked(self) -> None:
        """Go on with the sides ticked; at least one is needed."""
        if not self.ticked:
            self.notify(
                "Tick at least one side of the concern (space or its number), then press Enter.",
                title="Not yet",
                severity="warning",
            )
            return
        self._answer(join_answer(self.ticked))

    def _choose_highlighted(self) -> None:
        if self.question is not None and self.question.multi:
            self._confirm_ticked()
            return
        answers = self.query_one("#q-answers", OptionList)
        if answers.highlighted is not None:
            option = answers.get_option_at_index(answers.highlighted)
            if option.id:
                self._answer(option.id)

    @on(OptionList.OptionSelected, "#q-answers")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if self.question is not None and self.question.multi:
            # Enter on a question with several answers goes on with the sides ticked.
            self._confirm_ticked()
        elif event.option.id:
            self._answer(event.option.id)

    def on_key(self, event: events.Key) -> None:
        """Number keys pick a choice (or tick a side)."""
        question = self.question
        if self.phase != "question" or question is None or question.kind != "choice":
            return
        if event.key.isdigit() and 0 <= int(event.key) - 1 < len(question.choices):
            event.stop()
            index = int(event.key) - 1
            if question.multi:
                self._toggle(index)
            else:
                self._answer(question.choices[index].key)

    def action_tick(self) -> None:
        """Tick or untick the highlighted side of the concern."""
        highlighted = self.query_one("#q-answers", OptionList).highlighted
        if highlighted is not None:
            self._toggle(highlighted)

    def action_answer(self, answer: str) -> None:
        """Answer a yes/no question."""
        self._answer(answer)

    @guarded
    def _answer(self, answer: str) -> None:
        if self.question is None:
            return
        self.answers[self.question.key] = answer
        self._save_draft()
        if self.question.key == DANGER_QUESTION and answer == "yes" and not self.calls:
            self._ask_danger(calling=True)  # who to call now comes before the next question
            return
        self._ask_next()

    @guarded
    def action_back(self) -> None:
        """Go back one question (or from the first question to the report)."""
        if not self.answers:
            self._show("report")
            return
        last = list(self.answers)[-1]
        kept = self.answers.pop(last)
        self.draft.setdefault("answers", {})[last] = kept
        self._ask_next()

    # ------------------------------------------------------------------ result
    def _show_result(self) -> None:
        casebook = self.casebook
        result = casebook.playbook.triage(self.answers)
        self.result = result
        now = casebook.now()
        text = Text()
        text.append(f"{result.category_title} ({result.clause})\n", style="bold")
        text.append(f"Risk: {risk_label(result.risk).upper()}\n")
        for route in result.call_now:
            text.append(
                f"\u260e CALL NOW: {route.name} \u2014 {route.contact}\n", style="bold reverse"
            )
        for warning in result.warnings:
            text.append(f"\u26a0 {warning}\n", style="bold")
        for reason in result.reasons:
            text.append(f"Why: {reason}\n")
        sides = {f.answer: f.category_title for f in result.facets}
        if len(sides) > 1:
            text.append("Sides: " + "; ".join(sides.values()) + " (the first leads)\n")
        text.append("\nSteps:\n", style="bold")
        for number, step in enumerate(result.steps, 1):
            due = deadline_text(step.due)
            # Working days skip weekends, bank holidays and the trust's closure days.
            moment = due_at(now, step.due, casebook.calendar)
            at = f", by {when(moment)}" if moment is not None and moment > now else ""
            text.append(f"{number:>2}. {step.title}\n")
            text.append(f"    {step.actor}; {due}{at}; policy {step.clause}\n")
            if len(sides) > 1 and step.sources:
                source = " and ".join(sides.get(s, s) for s in step.sources)
                text.append(f"    from: {source}\n", style="italic")
        text.append(
            "\nEnter (or Ctrl+S) creates the case. B goes back to change an answer.", style="italic"
        )
        self.query_one("#r-text", Static).update(text)
        self._show("result")

    @guarded
    def _create(self) -> None:
        report = self.report or report_from(self._report_data())
        if isinstance(report, str):
            self.notify(report, severity="warning", markup=False)
            self._show("report")
            return
        case = self.casebook.log_concern(report, self.answers, calls=self.calls)
        try:
            self.casebook.discard_draft(DRAFT_KEY)
        except Exception:  # noqa: BLE001 - the case is saved; a stale draft is harmless
            pass
        self.notify(f"Case {case.id} created: {case.category_title}.", title="Saved", markup=False)
        app = self.dsl_app
        self.dismiss()
        app.open_case(case.id)

    def action_create(self) -> None:
        """Create the case from the result page."""
        if self.phase == "result":
            self._create()

    def action_leave(self) -> None:
        """Leave the wizard; the draft is kept for next time."""
        self._save_draft()
        self.notify("Draft kept: press n on the dashboard to continue it.", title="Draft")
        self.dismiss()

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_discard(self) -> None:
        """Throw the draft away (after a confirmation)."""
        question = ConfirmDialog("Discard this concern? Nothing typed will be kept.")
        if await self.app.push_screen_wait(question):
            self.casebook.discard_draft(DRAFT_KEY)
            self.dismiss()


def _calls_from(kept: object) -> tuple[EmergencyCall, ...]:
    """The calls kept in a draft (a damaged entry is dropped rather than stopping the wizard)."""
    calls: list[EmergencyCall] = []
    for item in kept if isinstance(kept, list) else ():
        try:
            at = parse_dt(item["at"])
            if at is not None:
                calls.append(EmergencyCall(str(item["route"]), at, str(item.get("reference", ""))))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(calls)
