"""Small typed dialogs: each is a ``ModalScreen[T]`` that dismisses with a frozen result or None.

Ctrl+S saves, Escape cancels. A dialog checks only that required text is there; the casebook
re-checks everything and its ``DslError`` message is shown by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, RadioSet, Select, Static, TextArea

from dsl_tui.casebook.roll import RollEntry
from dsl_tui.model import AnswerSpec, NewAccount, NewPerson, NoteKind, PersonRole, Risk, Step
from dsl_tui.screens.safety import SafeInput, SafeTextArea
from dsl_tui.screens.wizard_report import RollSuggester, roll_match, year_text

SAVE = Binding("ctrl+s", "save", "Save", id="dialog.save", priority=True)
CANCEL = Binding("escape", "cancel", "Cancel", id="dialog.cancel")

T = TypeVar("T")


@dataclass(frozen=True)
class StepCompletion:
    """A step marked done: its outcome and the answers it needs."""

    outcome: str
    answers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NewNote:
    """A note to append to a case."""

    text: str
    kind: NoteKind = NoteKind.FACT


@dataclass(frozen=True)
class RiskChange:
    """A new risk level and why."""

    risk: Risk
    reason: str


@dataclass(frozen=True)
class DecisionRecord:
    """A decision (e.g. not to refer) and its reasons."""

    kind: str
    text: str


class Dialog(ModalScreen[T | None], Generic[T]):
    """Base of the dialogs: a framed box with a title, an error line and a footer."""

    BINDINGS = [SAVE, CANCEL]
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > #box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    Dialog #error { color: $text-error; height: auto; }
    Dialog TextArea { height: 6; background: $boost; }
    Dialog Input { background: $boost; }
    Dialog .hint { color: $text-muted; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="box") as box:
            box.border_title = self.dialog_title
            yield from self.fields()
            yield Static("", id="error")
        yield Footer(compact=True)

    def fields(self) -> ComposeResult:
        """The dialog's own widgets."""
        yield from ()

    def refuse(self, message: str) -> None:
        """Show why the dialog cannot save yet."""
        self.query_one("#error", Static).update(f"\u26a0 {message}")

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        """A refusal describes what was there at Ctrl+S: any change takes it away (Ctrl+S
        checks again), so no message goes stale next to text that fixed it."""
        self.query_one("#error", Static).update("")

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)


class TextPrompt(Dialog[str]):
    """Ask for one required piece of text (an outcome, a reason)."""

    def __init__(self, title: str, prompt: str, *, multiline: bool = True, text: str = "") -> None:
        super().__init__(title)
        self.prompt = prompt
        self.multiline = multiline
        self.initial = text

    def fields(self) -> ComposeResult:
        yield Label(self.prompt)
        if self.multiline:
            yield SafeTextArea(
                self.initial, compact=True, id="text", soft_wrap=True, tab_behavior="focus"
            )
        else:
            yield SafeInput(self.initial, compact=True, id="text")
        yield Label("Ctrl+S saves, Escape cancels.", classes="hint")

    def _text(self) -> str:
        widget = self.query_one("#text")
        return widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]

    def action_save(self) -> None:
        """Dismiss with the text, if any was typed."""
        text = self._text().strip()
        if not text:
            self.refuse("Please write something first.")
            return
        self.dismiss(text)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()


class StepDialog(Dialog[StepCompletion]):
    """Complete a step: its outcome, and every answer the step needs (e.g. consent, 9.5)."""

    def __init__(self, step: Step) -> None:
        super().__init__(f"Complete step {step.id}")
        self.step = step

    def fields(self) -> ComposeResult:
        yield Static(f"{self.step.title} ({self.step.clause})", markup=False)
        yield Label("Outcome: what was done, with whom, and the result")
        yield SafeTextArea(compact=True, id="outcome", soft_wrap=True, tab_behavior="focus")
        for need in self.step.needs:
            yield Label(need.prompt)
            yield self._answer_widget(need)
        yield Label("Ctrl+S saves, Escape cancels.", classes="hint")

    @staticmethod
    def _answer_widget(need: AnswerSpec) -> Input | Select[str]:
        if need.choices:
            options = [(c, c) for c in need.choices]
            return Select(options, compact=True, id=f"need-{need.key}", prompt="Choose")
        return SafeInput(compact=True, id=f"need-{need.key}")

    def action_save(self) -> None:
        """Dismiss with the outcome and the answers; every one is required."""
        outcome = self.query_one("#outcome", TextArea).text.strip()
        if not outcome:
            self.refuse("Record the outcome of the step.")
            return
        answers: list[tuple[str, str]] = []
        for need in self.step.needs:
            widget = self.query_one(f"#need-{need.key}")
            value = widget.value if isinstance(widget, (Input, Select)) else ""
            if not isinstance(value, str) or not value.strip():
                self.refuse(f"This step needs an answer: {need.prompt}")
                return
            answers.append((need.key, value.strip()))
        self.dismiss(StepCompletion(outcome, tuple(answers)))


class NoteDialog(Dialog[NewNote]):
    """Append a note: fact or professional opinion, never edited afterwards."""

    def __init__(self, case_id: str, text: str = "") -> None:
        super().__init__(f"Add a note to {case_id}")
        self.case_id = case_id
        self.initial = text

    def fields(self) -> ComposeResult:
        yield Select(
            [("Fact (what was seen or said)", NoteKind.FACT.value),
             ("Opinion (professional judgement)", NoteKind.OPINION.value)],
            value=NoteKind.FACT.value,
            allow_blank=False,
            compact=True, id="kind",
        )  # fmt: skip
        yield SafeTextArea(
            self.initial, compact=True, id="note", soft_wrap=True, tab_behavior="focus"
        )
        yield Label("Notes are append-only. Ctrl+S saves, Escape cancels.", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    def draft_text(self) -> str:
        """The text typed so far."""
        return self.query_one("#note", TextArea).text

    def draft_state(self) -> tuple[str, dict[str, str]] | None:
        """Unsaved note text to keep (encrypted) if the app locks now."""
        text = self.draft_text()
        return (f"note:{self.case_id}", {"text": text}) if text.strip() else None

    def action_save(self) -> None:
        """Dismiss with the note."""
        text = self.draft_text().strip()
        if not text:
            self.refuse("The note is empty.")
            return
        kind = self.query_one("#kind", Select).value
        self.dismiss(NewNote(text, NoteKind(kind if isinstance(kind, str) else "fact")))


class RiskDialog(Dialog[RiskChange]):
    """Change a case's risk level; the reason is required."""

    def __init__(self, current: Risk) -> None:
        super().__init__("Change risk level")
        self.current = current

    def fields(self) -> ComposeResult:
        yield Label(f"Now: {self.current.value}. New level:")
        yield Select([(r.value, r.value) for r in Risk], value=self.current.value,
                     allow_blank=False, compact=True, id="risk")  # fmt: skip
        yield Label("Why is the risk changing?")
        yield SafeTextArea(compact=True, id="reason", soft_wrap=True, tab_behavior="focus")

    def action_save(self) -> None:
        """Dismiss with the new level and the reason."""
        reason = self.query_one("#reason", TextArea).text.strip()
        value = self.query_one("#risk", Select).value
        if not reason:
            self.refuse("A change of risk needs the reason.")
            return
        self.dismiss(RiskChange(Risk(str(value)), reason))


class DecisionDialog(Dialog[DecisionRecord]):
    """Record a decision with its reasons, e.g. a decision not to refer."""

    def fields(self) -> ComposeResult:
        yield Label("Decision")
        yield SafeInput("no referral", compact=True, id="kind")
        yield Label("Reasons (who was consulted, what was weighed)")
        yield SafeTextArea(compact=True, id="reasons", soft_wrap=True, tab_behavior="focus")

    def action_save(self) -> None:
        """Dismiss with the decision."""
        kind = self.query_one("#kind", Input).value.strip()
        text = self.query_one("#reasons", TextArea).text.strip()
        if not kind or not text:
            self.refuse("Record what was decided and why.")
            return
        self.dismiss(DecisionRecord(kind, text))


@dataclass(frozen=True)
class EvidenceEntry:
    """An item of evidence as described, with the path of a file to attach ("" for none)."""

    description: str
    location: str = ""
    path: str = ""


class EvidenceDialog(Dialog[EvidenceEntry]):
    """Record an item of evidence by description and where it is (8.2), with an optional file
    (the casebook refuses any file on a nudes case; an image on a case about a child is
    attached only after the DSL confirms it is not an image of a child)."""

    def fields(self) -> ComposeResult:
        yield Static(
            "\u26a0 Never view, copy or attach an image that may be an indecent image of a "
            "child: describe it instead.",
            classes="warning",
        )
        yield Label("What it is (describe, do not copy)")
        yield SafeTextArea(compact=True, id="description", soft_wrap=True, tab_behavior="focus")
        yield Label("Where it is (platform, address, device)")
        yield SafeInput(compact=True, id="location")
        yield Label("File to attach, if any (its path; never an image of a child)")
        yield SafeInput(compact=True, id="file")

    def action_save(self) -> None:
        """Dismiss with the description, where it is and the file's path."""
        text = self.query_one("#description", TextArea).text.strip()
        if not text:
            self.refuse("Describe the evidence.")
            return
        self.dismiss(EvidenceEntry(text, self.query_one("#location", Input).value.strip(),
                                   self.query_one("#file", Input).value.strip()))  # fmt: skip


class PersonDialog(Dialog[NewPerson]):
    """Add someone to a case found out about later: name, role, year group, date of birth.

    With ``pupils`` (the case's school roll), a pupil's name completes as it is typed and an
    exact match fills their year group and date of birth.
    """

    def __init__(self, title: str, pupils: Callable[[str], list[RollEntry]] | None = None) -> None:
        super().__init__(title)
        self.pupils = pupils

    def fields(self) -> ComposeResult:
        yield Label("Name (or “unknown”)")
        suggester = RollSuggester(self.pupils) if self.pupils is not None else None
        yield SafeInput(compact=True, id="name", suggester=suggester)
        yield Label("Role")
        yield Select([(r.value, r.value) for r in PersonRole], value=PersonRole.PUPIL.value,
                     allow_blank=False, compact=True, id="role")  # fmt: skip
        yield Label("Year group (pupils)")
        yield SafeInput(compact=True, id="year")
        yield Label("Date of birth, YYYY-MM-DD (if known)")
        yield SafeInput(compact=True, id="dob")

    @on(Input.Changed, "#name")
    def _fill_from_roll(self, event: Input.Changed) -> None:
        found = roll_match(self.pupils, event.value)
        if found is None:
            return
        for field, value in (("#year", year_text(found.pupil.year_group)),
                             ("#dob", found.pupil.date_of_birth.isoformat())):  # fmt: skip
            box = self.query_one(field, Input)
            if not box.value:
                box.value = value

    def action_save(self) -> None:
        """Dismiss with the person (the casebook checks the dates)."""
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.refuse("Write the person's name (or “unknown”).")
            return
        dob_text = self.query_one("#dob", Input).value.strip()
        try:
            born = date.fromisoformat(dob_text) if dob_text else None
        except ValueError:
            self.refuse("Write the date of birth as YYYY-MM-DD (or leave it empty).")
            return
        role = self.query_one("#role", Select).value
        self.dismiss(NewPerson(
            PersonRole(role if isinstance(role, str) else PersonRole.PUPIL.value), name,
            self.query_one("#year", Input).value.strip(), date_of_birth=born,
        ))  # fmt: skip


class AccountDialog(Dialog[NewAccount]):
    """Add an online account, web address or phone number to a case (8.2)."""

    def fields(self) -> ComposeResult:
        yield Label("Platform or site (e.g. Instagram)")
        yield SafeInput(compact=True, id="platform")
        yield Label("Account handle, web address or phone number")
        yield SafeInput(compact=True, id="where")

    def action_save(self) -> None:
        """Dismiss with the account: a web address, a phone number or a handle."""
        platform = self.query_one("#platform", Input).value.strip()
        where = self.query_one("#where", Input).value.strip()
        if not where:
            self.refuse("Write the handle, web address or phone number.")
            return
        if where.startswith(("http://", "https://", "www.")):
            self.dismiss(NewAccount(platform, url=where))
        elif where.replace(" ", "").lstrip("+").isdigit():
            self.dismiss(NewAccount(platform, phone=where))
        else:
            self.dismiss(NewAccount(platform, handle=where))


class ConfirmDialog(ModalScreen[bool]):
    """Ask yes or no; Enter or Y confirms, Escape or N declines."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Static { width: 64; max-width: 100%; border: thick $warning;
        background: $surface; padding: 1 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield Static(self.question + "\n\n[Y]es / [N]o", markup=False)
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        """Dismiss with the answer."""
        self.dismiss(yes)
