"""One case: summary, steps as a checklist, chronology, notes and evidence, decisions.

Every change goes through the casebook, which returns the changed case; the screen redraws
from it. A refusal (e.g. closing while steps are open) is shown as the casebook's own sentence.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from dsl_tui.errors import NEVER_STORE_IMAGES, ImageNotConfirmed
from dsl_tui.model import Case, ChronologyEntry, Status, Step, StepState, triaged_under
from dsl_tui.playbook.rules import split_answer
from dsl_tui.screens.base import DeskScreen
from dsl_tui.screens.dialogs import (
    AccountDialog,
    ConfirmDialog,
    DecisionDialog,
    EvidenceDialog,
    EvidenceEntry,
    NoteDialog,
    PersonDialog,
    RiskDialog,
    StepDialog,
    TextPrompt,
)
from dsl_tui.screens.format import (
    STEP_MARK,
    clip,
    due_text,
    harmless,
    risk_label,
    step_detail,
    when_long,
)
from dsl_tui.screens.safety import DIALOG, guarded
from dsl_tui.terminal import safe_line

#: Asked before an image is attached to a case about a child; Y confirms, N attaches nothing.
IMAGE_QUESTION = (
    "This file is an image, and this case is about a child.\n\n"
    f"{NEVER_STORE_IMAGES}\n\n"
    "Is this NOT an image of a child? Y confirms it is not, and attaches it."
)


class CaseScreen(DeskScreen):
    """A case and everything done on it."""

    BINDINGS = [
        Binding(
            "o",
            "complete_step",
            "Done",
            id="case.complete_step",
            tooltip="Mark the selected step done",
        ),
        Binding("s", "set_aside_step", "Set aside", id="case.set_aside_step"),
        Binding("n", "add_note", "Note", id="case.add_note"),
        Binding("v", "add_evidence", "Evidence", id="case.add_evidence"),
        Binding("p", "add_person", "Person", id="case.add_person"),
        Binding("a", "add_account", "Account", id="case.add_account"),
        Binding("d", "record_decision", "Decision", id="case.decision"),
        Binding("r", "change_risk", "Risk", id="case.risk"),
        Binding("x", "close_case", "Close", id="case.close", tooltip="Close the case"),
        Binding("u", "reopen_case", "Reopen", id="case.reopen", tooltip="Reopen a closed case"),
        Binding("e", "export", "Export", id="case.export"),
        Binding("escape", "back", "Back", id="case.back"),
        Binding("1", "tab('tab-summary')", "Summary", id="case.tab1", show=False),
        Binding("2", "tab('tab-steps')", "Steps", id="case.tab2", show=False),
        Binding("3", "tab('tab-chronology')", "Chronology", id="case.tab3", show=False),
        Binding("4", "tab('tab-notes')", "Notes", id="case.tab4", show=False),
        Binding("5", "tab('tab-decisions')", "Decisions", id="case.tab5", show=False),
    ]

    #: Moving between tabs still works while a file is saved.
    WHILE_SAVING = frozenset({"tab"})

    def __init__(self, case_id: str, note_draft: str = "") -> None:
        super().__init__()
        self.case_id = case_id
        self.note_draft = note_draft
        self.case: Case | None = None
        #: The chronology as shown, oldest first (the detail pane reads the entry under the cursor).
        self.entries: list[ChronologyEntry] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="case-title", markup=False)
        with TabbedContent(id="tabs"):
            with TabPane("Summary", id="tab-summary"):
                yield VerticalScroll(Static("", id="summary"))
            with TabPane("Steps", id="tab-steps"):
                yield DataTable(id="steps", cursor_type="row")
                yield VerticalScroll(Static("", id="step-detail", markup=False), classes="detail")
            with TabPane("Chronology", id="tab-chronology"):
                yield DataTable(id="chronology", cursor_type="row")
                yield VerticalScroll(Static("", id="entry-detail", markup=False), classes="detail")
            with TabPane("Notes & evidence", id="tab-notes"):
                yield VerticalScroll(Static("", id="notes"))
            with TabPane("Decisions", id="tab-decisions"):
                yield VerticalScroll(Static("", id="decisions"))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = self.case_id
        steps = self.query_one("#steps", DataTable)
        # The step and detail columns take the width the others leave (each column also has a
        # cell of padding either side, and the table a scrollbar).
        room = max(self.app.size.width - 2, 60)
        self.title_width = max(room - 2 * 5 - (3 + 14 + 15 + 10), 20)
        for label, width in (("", 3), ("Step", self.title_width), ("Who", 14),
                             ("Due / state", 15), ("Policy", 10)):  # fmt: skip
            steps.add_column(label, width=width)
        chronology = self.query_one("#chronology", DataTable)
        detail = max(room - 2 * 4 - (17 + 14 + 12), 20)
        for label, width in (("When", 17), ("What", 14), ("By", 12), ("Detail", detail)):
            chronology.add_column(label, width=width)
        self._load()
        if self.note_draft:
            self.call_after_refresh(self.action_add_note, self.note_draft)

    @guarded
    def _load(self) -> None:
        self.show(self.casebook.case(self.case_id))

    def show(self, case: Case) -> None:
        """Draw the case (after opening it, or after a change)."""
        self.case = case
        self.refresh_bindings()  # a closed case offers Reopen, an open one Close
        casebook = self.casebook
        now = casebook.now()
        status = case.status.value.upper()
        self.query_one("#case-title", Static).update(
            safe_line(
                f"{case.id}  {case.category_title} ({case.clause})"
                f"  Risk: {risk_label(case.risk)}  Status: {status}"
            )
        )
        self.query_one("#summary", Static).update(self._summary(case))
        steps = self.query_one("#steps", DataTable)
        row = steps.cursor_row
        steps.clear()
        for step in case.steps:
            steps.add_row(*self._step_cells(step, now), key=step.id)
        if case.steps:
            steps.move_cursor(row=min(max(row, 0), len(case.steps) - 1), animate=False)
        chronology = self.query_one("#chronology", DataTable)
        chronology.clear()
        self.entries = casebook.chronology(case.id)
        for entry in self.entries:
            chronology.add_row(
                Text(when_long(entry.at)),
                Text(entry.kind),
                Text(clip(entry.by, 12)),
                Text(safe_line(" ".join(entry.text.split()))),
            )
        self.query_one("#notes", Static).update(self._notes(case))
        self.query_one("#decisions", Static).update(self._decisions(case))
        self._show_step_detail()
        self._show_entry_detail()

    # ------------------------------------------------------------------ details
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The pane under a table shows the whole record under the cursor, never cut."""
        if event.data_table.id == "steps":
            self._show_step_detail()
        elif event.data_table.id == "chronology":
            self._show_entry_detail()

    def _show_step_detail(self) -> None:
        pane = self.query_one("#step-detail", Static)
        row = self.query_one("#steps", DataTable).cursor_row
        if self.case is None or not 0 <= row < len(self.case.steps):
            pane.update("")
            return
        pane.update(harmless(step_detail(self.case.steps[row], self.casebook.now())))

    def _show_entry_detail(self) -> None:
        pane = self.query_one("#entry-detail", Static)
        row = self.query_one("#chronology", DataTable).cursor_row
        if not 0 <= row < len(self.entries):
            pane.update("")
            return
        entry = self.entries[row]
        text = Text()
        text.append(f"{when_long(entry.at)}  {entry.kind}  by {entry.by}\n", style="bold")
        text.append(entry.text)
        pane.update(harmless(text))

    def _step_cells(self, step: Step, now: datetime) -> tuple[str | Text, ...]:
        if step.state is StepState.OPEN:
            due = due_text(step.due_at, now)
            state: str | Text = Text(
                clip(due, 15), style="bold reverse" if step.overdue(now) else ""
            )
        else:
            state = step.state.value
        # Text, not str: a DataTable reads str cells as markup, and "[x]" would vanish.
        return (
            Text(STEP_MARK[step.state]),
            Text(clip(step.title, self.title_width)),
            Text(clip(step.actor, 14)),
            Text(state) if isinstance(state, str) else state,
            Text(clip(step.clause, 10)),
        )

    def _sides(self, case: Case) -> list[str]:
        """The sides of the concern the DSL ticked at triage, by their labels."""
        question = self.casebook.playbook.facet_question()
        if question is None:
            return []
        given = dict(case.answers).get(question.key, "")
        labels = {choice.key: choice.label for choice in question.choices}
        return [labels.get(key, key) for key in split_answer(given)]

    def _summary(self, case: Case) -> Text:
        text = Text()
        text.append("What happened\n", style="bold")
        text.append(case.summary + "\n")
        if case.child_words:
            text.append("\nThe child's own words\n", style="bold")
            text.append(f"\u201c{case.child_words}\u201d\n")
        text.append(f"\nReported by {case.reporter}, {when_long(case.reported_at)}")
        if case.occurred_at:
            text.append(f"; happened {when_long(case.occurred_at)}")
        school = self.casebook.school_name(case.school)
        text.append(f"\nSchool: {school}   Owner: {case.owner}\n")
        sides = self._sides(case)
        if len(sides) > 1:
            text.append("Sides of this concern: " + "; ".join(sides) + "\n")
        # The steps are as triaged then: a later playbook never rewrites them.
        text.append(f"Triaged under {triaged_under(case.playbook_version)}\n")
        if case.outcome:
            text.append(f"\nOutcome: {case.outcome} (closed {when_long(case.closed_at)})\n",
                        style="bold")  # fmt: skip
        text.append("\nPeople\n", style="bold")
        for person in case.people:
            year = f", {person.year_group}" if person.year_group else ""
            text.append(f"  {person.name} ({person.role.value}{year})\n")
        if not case.people:
            text.append("  none recorded\n")
        if case.accounts:
            text.append("\nOnline\n", style="bold")
            for account in case.accounts:
                where = account.handle or account.url or account.phone
                text.append(f"  {account.platform} {where}\n")
        links = self.casebook.linked(case.id)
        if links:
            text.append("\nLinked cases\n", style="bold")
            for other, why in links:
                text.append(f"  {other.id} {other.category_title} \u2014 {why}\n")
        return harmless(text)

    @staticmethod
    def _notes(case: Case) -> Text:
        text = Text()
        text.append("Notes (append-only; N adds one)\n", style="bold")
        for note in case.notes:
            corrects = f", corrects {note.corrects}" if note.corrects else ""
            head = f"{note.id} {when_long(note.at)} {note.by} [{note.kind.value}{corrects}]"
            text.append(f"\n{head}\n", style="bold")
            text.append(note.text + "\n")
        if not case.notes:
            text.append("  none yet\n")
        text.append("\nEvidence (V records an item)\n", style="bold")
        for item in case.evidence:
            where = f" \u2014 {item.location}" if item.location else ""
            file = f" [file {item.filename}, sha256 {item.sha256[:12]}]" if item.sha256 else ""
            text.append(f"  {item.id} {item.description}{where}{file}\n")
        if not case.evidence:
            text.append("  none recorded\n")
        return harmless(text)

    @staticmethod
    def _decisions(case: Case) -> Text:
        text = Text()
        text.append("Decisions (D records one; R changes the risk)\n", style="bold")
        for decision in case.decisions:
            text.append(
                f"\n{when_long(decision.at)} {decision.by}: {decision.kind}\n", style="bold"
            )
            text.append(decision.text + "\n")
        if not case.decisions:
            text.append("  none recorded\n")
        return harmless(text)

    # ------------------------------------------------------------------ steps
    def select_next_step(self) -> None:
        """Put the checklist's cursor on the open step due next (the one the app proposes)."""
        nxt = self.case.next_step() if self.case is not None else None
        if self.case is not None and nxt is not None:
            index = [s.id for s in self.case.steps].index(nxt.id)
            self.query_one("#steps", DataTable).move_cursor(row=index, animate=False)

    def _selected_step(self) -> Step | None:
        if self.case is None or not self.case.steps:
            return None
        tabs = self.query_one("#tabs", TabbedContent)
        if tabs.active != "tab-steps":
            tabs.active = "tab-steps"
            self.query_one("#steps").focus()
            self.select_next_step()
            return None
        row = self.query_one("#steps", DataTable).cursor_row
        if 0 <= row < len(self.case.steps):
            return self.case.steps[row]
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a step of the checklist opens it (as O does)."""
        if event.data_table.id == "steps":
            event.stop()
            if not self.saving:
                self.action_complete_step()

    # Each dialog flow reads top to bottom: a worker in the "dialog" group awaits the dialog's
    # result (push_screen_wait), then makes the one casebook call; @guarded turns a refusal into
    # a notice.

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_complete_step(self) -> None:
        """Mark the selected step done, with its outcome and needed answers."""
        step = self._selected_step()
        if step is None:
            return
        if step.state is not StepState.OPEN:
            self.notify("That step is already finished.", severity="warning")
            return
        result = await self.app.push_screen_wait(StepDialog(step))
        if result is None:
            return
        self.show(self.casebook.complete_step(
            self.case_id, step.id, result.outcome, dict(result.answers)))  # fmt: skip
        self.notify(f"Step done: {clip(step.title, 50)}", markup=False)
        self.select_next_step()

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_set_aside_step(self) -> None:
        """Set the selected step aside, with the reason."""
        step = self._selected_step()
        if step is None or step.state is not StepState.OPEN:
            return
        prompt = TextPrompt(
            "Set the step aside", f"Why is \u201c{clip(step.title, 40)}\u201d not needed?"
        )
        reason = await self.app.push_screen_wait(prompt)
        if reason:
            self.show(self.casebook.set_aside_step(self.case_id, step.id, reason))
            self.select_next_step()

    # ------------------------------------------------------------------ records
    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_add_note(self, text: str = "") -> None:
        """Append a note (fact or opinion)."""
        note = await self.app.push_screen_wait(NoteDialog(self.case_id, text))
        key = f"note:{self.case_id}"
        if key in self.casebook.draft_keys():
            self.casebook.discard_draft(key)
        if note is not None:
            self.show(self.casebook.add_note(self.case_id, note.text, note.kind))
            self.notify("Note added.")

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_add_evidence(self) -> None:
        """Record an item of evidence by description, with a file if one is given.

        An image on a case about a child waits for the DSL to confirm it is not an image of a
        child (UKCIS); a nudes case refuses any file.
        """
        entry = await self.app.push_screen_wait(EvidenceDialog("Record evidence"))
        if entry is None:
            return
        if not entry.path:
            self.show(self.casebook.add_evidence(self.case_id, entry.description, entry.location))
            self.notify("Evidence recorded (see Notes & evidence).")
            return
        try:
            case = await self._save_evidence_file(entry, confirmed=False)
        except ImageNotConfirmed:
            if not await self.app.push_screen_wait(ConfirmDialog(IMAGE_QUESTION)):
                self.notify("Nothing was attached: describe the image instead.")
                return
            case = await self._save_evidence_file(entry, confirmed=True)
        self.show(case)
        self.notify("Evidence recorded with its file, encrypted (see Notes & evidence).")

    async def _save_evidence_file(self, entry: EvidenceEntry, *, confirmed: bool) -> Case:
        """Record the evidence with its file, read and encrypted in a thread (a big file takes
        a while); ``ImageNotConfirmed`` asks the DSL first."""
        save = partial(
            self.casebook.add_evidence_file, self.case_id, entry.description,
            Path(entry.path).expanduser(), entry.location, not_an_image_of_a_child=confirmed,
        )  # fmt: skip
        return await self.in_thread(save, name="evidence-file")

    def watch_saving(self, saving: bool) -> None:
        """The case shows it is busy while a file is encrypted into the vault."""
        if self.is_mounted:
            self.query_one("#tabs", TabbedContent).loading = saving

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_add_person(self) -> None:
        """Add someone to the case (e.g. the sender, once known)."""
        school = self.case.school if self.case is not None else None
        pupils = partial(self.casebook.roll_lookup, school=school)
        person = await self.app.push_screen_wait(PersonDialog("Add a person", pupils))
        if person is not None:
            self.show(self.casebook.add_person(self.case_id, person))
            self.notify("Person added (see Summary).")

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_add_account(self) -> None:
        """Add an online account, web address or phone number (8.2)."""
        account = await self.app.push_screen_wait(AccountDialog("Add an account or address"))
        if account is not None:
            self.show(self.casebook.add_account(self.case_id, account))
            self.notify("Account added (see Summary).")

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_record_decision(self) -> None:
        """Record a decision (e.g. not to refer) with its reasons."""
        record = await self.app.push_screen_wait(DecisionDialog("Record a decision"))
        if record is not None:
            self.show(self.casebook.record_decision(self.case_id, record.kind, record.text))

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_change_risk(self) -> None:
        """Change the risk level, saying why."""
        if self.case is None:
            return
        change = await self.app.push_screen_wait(RiskDialog(self.case.risk))
        if change is not None:
            self.show(self.casebook.change_risk(self.case_id, change.risk, change.reason))

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_close_case(self) -> None:
        """Close the case with its outcome (refused while steps are open)."""
        if self.case is None:
            return
        open_steps = [s for s in self.case.steps if s.state is StepState.OPEN]
        if open_steps:
            self.notify(
                f"{len(open_steps)} step(s) are still open: complete each one (O) or set it "
                "aside with a reason (S) before closing.",
                title="Cannot close yet",
                severity="error",
            )
            return
        prompt = TextPrompt("Close the case", "Outcome of the case (what was done, where it ended)")
        outcome = await self.app.push_screen_wait(prompt)
        if outcome:
            self.show(self.casebook.close(self.case_id, outcome))
            self.notify(f"Case {self.case_id} closed.")

    #: What a closed case still takes (notes, evidence, people, decisions); the rest waits for
    #: it to be reopened.
    _CLOSED_ALLOWS = frozenset({"add_note", "add_evidence", "add_person", "add_account",
                                "record_decision", "export", "back", "reopen_case"})  # fmt: skip
    _CASE_ACTIONS = frozenset({"complete_step", "set_aside_step", "change_risk", "close_case",
                               "reopen_case"})  # fmt: skip

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """On a closed case only what works is offered (and Reopen); on an open one, no Reopen.
        While a file is being saved, the case's keys wait."""
        if not super().check_action(action, parameters):
            return None
        if action not in self._CASE_ACTIONS or self.case is None:
            return True
        closed = self.case.status is Status.CLOSED
        if action == "reopen_case":
            return closed
        return not closed

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def action_reopen_case(self) -> None:
        """Reopen a closed case, saying why (in the chronology and the audit log)."""
        if self.case is None or self.case.status is not Status.CLOSED:
            return
        prompt = TextPrompt("Reopen the case", "Why is the case reopened (what is new)?")
        reason = await self.app.push_screen_wait(prompt)
        if reason:
            self.show(self.casebook.reopen(self.case_id, reason))
            self.notify(f"Case {self.case_id} reopened.")

    def action_tab(self, tab: str) -> None:
        """Show a tab (1-5 from anywhere in the case) and put the cursor in it."""
        self.query_one("#tabs", TabbedContent).active = tab
        pane = self.query_one(f"#{tab}", TabPane)
        focusable = [w for w in pane.query("DataTable, VerticalScroll") if w.focusable]
        if focusable:
            focusable[0].focus()

    def action_export(self) -> None:
        """Export this case."""
        self.dsl_app.action_export(self.case_id)

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.dismiss()
