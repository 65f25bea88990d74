"""The doors of the vault: unlock it (passphrase hidden, failed tries counted and slowed down),
or create it on first run (name, role, passphrase twice with a quality hint)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Footer, Input, Label, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from dsl_tui.errors import DslError, WrongPassphrase
from dsl_tui.screens.base import AppScreen
from dsl_tui.screens.messages import Unlocked
from dsl_tui.vault.passphrase import check_passphrase

if TYPE_CHECKING:
    from dsl_tui.casebook import Casebook


@dataclass(frozen=True)
class NewVaultForm:
    """What the create screen collects: the first user and their passphrase."""

    name: str
    role: str
    passphrase: str


class UnlockScreen(AppScreen):
    """Ask for the passphrase; the key derivation runs in a worker so the screen never freezes."""

    BINDINGS = [
        Binding("enter", "unlock", "Unlock", id="unlock.submit", show=True),
        Binding("ctrl+q", "app.quit", "Quit", id="unlock.quit", priority=True),
    ]

    def __init__(self, vault_path: Path | None, hint: str | None = None) -> None:
        super().__init__()
        self.vault_path = vault_path
        self.hint = hint
        self.failed = 0

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="door") as box:
                box.border_title = "dsl-tui \u2014 vault locked"
                yield Label("All case data is hidden. Enter your passphrase to unlock.")
                if self.vault_path is not None:
                    yield Static(f"Vault: {self.vault_path.name}", classes="muted", markup=False)
                if self.hint:
                    yield Static(f"Demo vault passphrase: {self.hint}", id="demo-hint",
                                 markup=False)  # fmt: skip
                yield Input(password=True, placeholder="passphrase", compact=True, id="passphrase")
                yield LoadingIndicator(id="busy")
                yield Static("", id="message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#busy").display = False
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def action_unlock(self) -> None:
        """Try the passphrase (in a worker)."""
        field = self.query_one("#passphrase", Input)
        if field.disabled:
            return
        if not field.value:
            self._say("Type your passphrase, then press Enter.")
            return
        field.disabled = True
        self.query_one("#busy").display = True
        self._say("Checking the passphrase\u2026")
        self._try(field.value)
        field.value = ""

    @work(thread=True, exclusive=True, exit_on_error=False, name="unlock")
    def _try(self, passphrase: str) -> Casebook:
        """Derive the key and open the vault (slow on purpose: Argon2id)."""
        return self.dsl_app.session.unlock(self.vault_path, passphrase)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Open the desk on success; count and slow down failures."""
        if event.worker.name != "unlock" or event.state not in (
            WorkerState.SUCCESS, WorkerState.ERROR,
        ):  # fmt: skip
            return
        self.query_one("#busy").display = False
        field = self.query_one("#passphrase", Input)
        if event.state is WorkerState.SUCCESS:
            self.post_message(Unlocked(cast("Casebook", event.worker.result)))
            return
        error = event.worker.error
        if isinstance(error, WrongPassphrase):
            self.failed = error.failed_attempts or self.failed + 1
            delay = self.dsl_app.session.unlock_delay(self.failed)
            text = f"Wrong passphrase ({self.failed} failed attempt(s), all recorded)."
            if delay > 0:
                text += f" Wait {delay:.0f} s before trying again."
                self.set_timer(delay, self._ready)
            else:
                self._ready()
            self._say(text)
            return
        message = (
            error.message
            if isinstance(error, DslError)
            else (f"The vault could not be opened ({type(error).__name__}); it was not changed.")
        )
        self._say(message)
        field.disabled = False
        field.focus()

    def _ready(self) -> None:
        field = self.query_one("#passphrase", Input)
        field.disabled = False
        field.focus()

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)


class CreateVaultScreen(AppScreen):
    """First run: the DSL's name and role, and a passphrase typed twice."""

    BINDINGS = [
        Binding("ctrl+s", "create", "Create vault", id="create.submit", priority=True),
        Binding("ctrl+q", "app.quit", "Quit", id="create.quit", priority=True),
    ]

    def __init__(self, vault_path: Path) -> None:
        super().__init__()
        self.vault_path = vault_path

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="door") as box:
                box.border_title = "dsl-tui \u2014 create your vault"
                yield Static("No vault yet. Everything you record will be encrypted with this "
                             "passphrase. If it is lost, the cases cannot be recovered.",
                             markup=False)  # fmt: skip
                yield Input(placeholder="your name", compact=True, id="name")
                yield Input("DSL", placeholder="role (DSL, deputy DSL)", compact=True, id="role")
                yield Input(password=True, placeholder="passphrase (a few unrelated words)",
                            compact=True, id="passphrase")  # fmt: skip
                yield Input(
                    password=True,
                    placeholder="the same passphrase again",
                    compact=True,
                    id="repeat",
                )
                yield Static("", id="quality", markup=False)
                yield LoadingIndicator(id="busy")
                yield Static("", id="message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#busy").display = False
        self.query_one("#name", Input).focus()

    @on(Input.Changed)
    def _stale(self) -> None:
        """A refusal describes the form as it was at Ctrl+S: any change takes it away."""
        self.query_one("#message", Static).update("")

    @on(Input.Changed, "#passphrase")
    def _quality(self, event: Input.Changed) -> None:
        """Say at once whether the passphrase would be accepted, and why not."""
        if not event.value:
            text = ""
        else:
            reason = check_passphrase(event.value)
            text = f"\u2717 {reason}" if reason else "\u2713 This passphrase is acceptable."
        self.query_one("#quality", Static).update(text)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "repeat":
            self.action_create()
        else:
            self.focus_next()

    def form(self) -> NewVaultForm | str:
        """The filled form, or the reason it cannot be used yet."""
        name = self.query_one("#name", Input).value.strip()
        role = self.query_one("#role", Input).value.strip() or "DSL"
        first = self.query_one("#passphrase", Input).value
        second = self.query_one("#repeat", Input).value
        if not name:
            return "Please give your name; it goes into the audit log of every change."
        reason = check_passphrase(first)
        if reason:
            return reason
        if first != second:
            return "The two passphrases differ; type the same one twice."
        return NewVaultForm(name, role, first)

    def action_create(self) -> None:
        """Create the vault (in a worker: the key derivation is slow on purpose)."""
        form = self.form()
        if isinstance(form, str):
            self.query_one("#message", Static).update(f"\u26a0 {form}")
            return
        self.query_one("#busy").display = True
        self.query_one("#message", Static).update("Creating the vault\u2026")
        for field in self.query(Input):
            field.disabled = True
        self._create(form)

    @work(thread=True, exclusive=True, exit_on_error=False, name="create")
    def _create(self, form: NewVaultForm) -> Casebook:
        return self.dsl_app.session.create(self.vault_path, form.name, form.role, form.passphrase)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Open the desk on success; otherwise say why and let the DSL try again."""
        if event.worker.name != "create" or event.state not in (
            WorkerState.SUCCESS, WorkerState.ERROR,
        ):  # fmt: skip
            return
        self.query_one("#busy").display = False
        if event.state is WorkerState.SUCCESS:
            self.post_message(Unlocked(cast("Casebook", event.worker.result)))
            return
        error = event.worker.error
        message = (
            error.message
            if isinstance(error, DslError)
            else (f"The vault could not be created ({type(error).__name__}); nothing was written.")
        )
        self.query_one("#message", Static).update(f"\u26a0 {message}")
        for field in self.query(Input):
            field.disabled = False
