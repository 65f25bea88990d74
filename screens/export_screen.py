"""Export case files for senior managers: cases, recipient, destination; confirm; then the file.

The recipient is an age public key (``age1...``) or a one-time passphrase generated here and
shown once. Pupils' and staff names can be shown as initials (a redacted file). After the
confirmation the export runs in a thread worker (``dsl_tui.export.export_cases``) while the screen
says it is busy; the file's name and receipt, or why it failed in one sentence, show under the
form. Everything typed here is shown back with control characters as pictures, never sent raw
to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import (
    Footer,
    Header,
    Input,
    Label,
    LoadingIndicator,
    RadioButton,
    RadioSet,
    Static,
)

from dsl_tui.errors import DslError
from dsl_tui.export import ExportResult, export_cases, generate_passphrase
from dsl_tui.screens.base import DeskScreen
from dsl_tui.screens.dialogs import ConfirmDialog
from dsl_tui.screens.format import clip
from dsl_tui.screens.safety import DIALOG, SafeInput, TickBox, guarded
from dsl_tui.terminal import safe_line


@dataclass(frozen=True)
class ExportRequest:
    """What the DSL chose: which cases, for whom, and where the file goes."""

    case_ids: tuple[str, ...]
    out: Path
    recipients: tuple[str, ...] = ()
    passphrase: str | None = None
    redact_pupils: bool = False
    redact_staff: bool = False


#: Longest destination path accepted (Linux PATH_MAX); a longer one is a paste gone wrong.
MAX_PATH = 4096


class ExportScreen(DeskScreen):
    """Choose cases, recipient and file; Ctrl+S exports after a confirmation."""

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", id="export.run", priority=True),
        Binding("escape", "app.pop_screen", "Back", id="export.back"),
    ]

    def __init__(self, case_ids: list[str]) -> None:
        super().__init__()
        self.case_ids = case_ids
        self.passphrase: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="export"):
            yield Label("Case ids (comma separated)")
            yield SafeInput(", ".join(self.case_ids), compact=True, id="cases")
            yield Label("Recipient")
            with RadioSet(id="mode"):
                yield RadioButton("An age public key (age1...)", value=True, id="mode-key")
                yield RadioButton("A one-time passphrase (shown once, send it separately)",
                                  id="mode-passphrase")  # fmt: skip
            yield SafeInput(placeholder="age1...", compact=True, id="recipient")
            yield Label("Save the case file as")
            default = Path.home() / f"{(self.case_ids or ['cases'])[0]}.age"
            yield SafeInput(str(default), compact=True, id="out")
            yield Label("Names in the file (the safer choice is initials, unless the reader "
                        "needs the names)")  # fmt: skip
            yield TickBox("Pupils' names as initials (redacted)", id="redact-pupils")
            yield TickBox("Staff names as initials (redacted)", id="redact-staff")
            yield LoadingIndicator(id="busy")
            yield Static("", id="message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#busy").display = False
        self.query_one("#cases", Input).focus()

    def watch_saving(self, saving: bool) -> None:
        """A spinner while the file is written (Ctrl+S is greyed out: one export at a time)."""
        if self.is_mounted:
            self.query_one("#busy").display = saving

    @on(RadioSet.Changed, "#mode")
    def _mode(self, event: RadioSet.Changed) -> None:
        self.query_one("#recipient").display = event.pressed.id == "mode-key"

    def request(self) -> ExportRequest | str:
        """The export asked for, or why it cannot run yet."""
        ids = tuple(
            c.strip() for c in self.query_one("#cases", Input).value.split(",") if c.strip()
        )
        if not ids:
            return "Name at least one case."
        known = set(self.casebook.case_ids())
        missing = [c for c in ids if c not in known]
        if missing:
            return f"There is no case {clip(missing[0], 40)} in this vault."
        out_text = self.query_one("#out", Input).value.strip()
        if not out_text:
            return "Say where to save the case file."
        if len(out_text) > MAX_PATH or any(len(p.encode()) > 255 for p in Path(out_text).parts):
            return "That file name is too long; choose a shorter one."
        if out_text != safe_line(out_text):
            return "That file name has control characters in it; type it again."
        out = Path(out_text).expanduser()
        pupils = self.query_one("#redact-pupils", TickBox).value
        staff = self.query_one("#redact-staff", TickBox).value
        if self.query_one("#mode-key", RadioButton).value:
            key = self.query_one("#recipient", Input).value.strip()
            if not key.startswith("age1"):
                return "Paste the senior manager's age public key (it starts with age1)."
            return ExportRequest(
                ids, out, recipients=(key,), redact_pupils=pupils, redact_staff=staff
            )
        return ExportRequest(ids, out, passphrase="", redact_pupils=pupils, redact_staff=staff)

    @guarded
    def action_export(self) -> None:
        """Check the form (a refusal shows at once), then confirm and export."""
        request = self.request()
        if isinstance(request, str):
            self._say(f"\u26a0 {request}")
            return
        if request.passphrase is not None:
            request = replace(request, passphrase=generate_passphrase())
        names = (
            f" Pupils' names: {'initials' if request.redact_pupils else 'shown in full'}."
            f" Staff names: {'initials' if request.redact_staff else 'shown in full'}."
        )
        question = (f"Export {len(request.case_ids)} case(s) to {clip(str(request.out), 120)}? "
                    f"The file is encrypted; the export is audited.{names}")  # fmt: skip
        self._confirm_and_export(request, question)

    @work(exclusive=True, group=DIALOG)
    @guarded
    async def _confirm_and_export(self, request: ExportRequest, question: str) -> None:
        """Ask, then write the file in a thread; show the result (and the one-time passphrase,
        once) or why it failed."""
        if not await self.app.push_screen_wait(ConfirmDialog(question)):
            return
        self._say("Exporting\u2026")
        write = partial(export_cases, self.casebook, list(request.case_ids), request.out,
                        recipients=request.recipients, passphrase=request.passphrase or None,
                        redact_pupils=request.redact_pupils,
                        redact_staff=request.redact_staff)  # fmt: skip
        try:
            result = await self.in_thread(write, name="export")
        except Exception as error:  # noqa: BLE001 - said under the form, in one sentence
            self._say("\u26a0 " + _failure(error))
            return
        self._say(_written(result, request.passphrase))

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)


def _written(result: ExportResult, passphrase: str | None) -> str:
    """What an export wrote: the file, how many cases, the receipt (and a passphrase, once)."""
    text = (
        f"Written: {safe_line(result.path)} ({len(result.case_ids)} case(s)"
        f"{', redacted' if result.redacted else ''}). "
        f"Receipt code: {result.receipt_code}."
    )
    if passphrase:
        text += f"\n\nOne-time passphrase (shown only now; send it separately):\n{passphrase}"
    return text


def _failure(error: BaseException) -> str:
    """Why an export failed, in one sentence (never the error's own text unless it is ours)."""
    if isinstance(error, DslError):
        return error.message
    return f"The export failed ({type(error).__name__}); nothing was written."
