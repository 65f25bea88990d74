"""The dsl-tui App: unlock or create the vault, then the DSL's screens; locks at once or when idle.

The casebook and the session (create / unlock / lock) are injected, so tests run the real App on a
temporary vault or an in-memory casebook. While locked the App holds no casebook and no screen
holds case data; unsaved text is saved as an encrypted draft first and offered back after unlock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual import events, on
from textual.app import SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.screen import Screen
from textual.worker import WorkerFailed

from dsl_tui import itlog
from dsl_tui.casebook import Casebook
from dsl_tui.errors import DslError
from dsl_tui.jsontypes import DocView
from dsl_tui.screens.base import finished
from dsl_tui.screens.messages import Unlocked
from dsl_tui.screens.safety import (
    CONTROL_PICTURES,
    UNEXPECTED,
    KeepsScreenInside,
    show_error,
)
from dsl_tui.session import Session, VaultSession
from dsl_tui.settings import IDLE_LOCK_DEFAULT

log = logging.getLogger("dsl_tui.screens")

#: Default idle time before the app locks itself (DESIGN: 5 minutes; the DSL sets 1 to 30 with
#: ``--idle-lock`` or ``DSL_TUI_IDLE_LOCK``: dsl_tui/settings.py).
DEFAULT_IDLE_LOCK_SECONDS = 60.0 * IDLE_LOCK_DEFAULT

#: Draft key of the concern wizard.
CONCERN_DRAFT = "concern"


class Locked(DslError):
    """An action needed the casebook while the vault was locked."""


@runtime_checkable
class KeepsDraft(Protocol):
    """A screen holding unsaved text, kept as an encrypted draft when the app locks or quits."""

    def draft_state(self) -> tuple[str, DocView] | None:
        """The draft's key and what was typed, or None when there is nothing to keep."""


class DslApp(KeepsScreenInside[int]):
    """The DSL's app: everything the screens do goes through ``self.casebook``."""

    CSS_PATH = "app.tcss"
    TITLE = "dsl-tui"
    SUB_TITLE = "safeguarding casebook"
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock", id="app.lock", priority=True,
                tooltip="Lock the vault now: hides every case until the passphrase is given"),
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys and the policy behind triage"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
    ]  # fmt: skip

    def __init__(
        self,
        vault_path: Path | None = None,
        casebook: Casebook | None = None,
        *,
        session: Session | None = None,
        idle_lock_seconds: float = DEFAULT_IDLE_LOCK_SECONDS,
        demo_passphrase: str | None = None,
    ) -> None:
        super().__init__()
        self.vault_path = vault_path
        self._casebook = casebook
        #: Create, unlock and lock (the real vault's, or a test's double of the same protocol).
        self.session: Session = session if session is not None else VaultSession()
        self.idle_lock_seconds = idle_lock_seconds
        self.demo_passphrase = demo_passphrase
        self._last_active = time.monotonic()
        self._locking = False
        #: True once the app opened the casebook itself (create / unlock): it closes it on exit.
        #: A casebook handed in by the caller stays the caller's to close.
        self._owns_casebook = False

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Every widget's rendered lines show control characters as pictures: text typed or
        pasted anywhere (an email holding an escape sequence) never reaches the terminal raw."""
        return [*super().get_line_filters(), CONTROL_PICTURES]

    # ------------------------------------------------------------------ state
    @property
    def casebook(self) -> Casebook:
        """The open casebook; raises ``Locked`` while the vault is locked."""
        if self._casebook is None:
            raise Locked("The vault is locked; unlock it first.")
        return self._casebook

    @property
    def is_locked(self) -> bool:
        """True while no casebook is open."""
        return self._casebook is None

    def on_mount(self) -> None:
        """Start on the dashboard (casebook given), the unlock screen, or the create screen."""
        period = max(min(self.idle_lock_seconds / 4, 1.0), 0.05)
        self.set_interval(period, self._check_idle, name="idle-lock")
        if self._casebook is not None:
            self._open_desk()
        else:
            self.show_door()
        if self.demo_passphrase:
            self.notify(f"Fictional demo cases. Passphrase: {self.demo_passphrase}",
                        title="Demo vault", timeout=12, markup=False)  # fmt: skip

    def show_door(self) -> None:
        """Show the unlock screen, or the create screen when there is no vault yet."""
        from dsl_tui.screens.unlock import CreateVaultScreen, UnlockScreen

        if self.vault_path is not None and not self.session.vault_exists(self.vault_path):
            self.push_screen(CreateVaultScreen(self.vault_path))
        else:
            self.push_screen(UnlockScreen(self.vault_path, hint=self.demo_passphrase))

    @on(Unlocked)
    def _unlocked(self, message: Unlocked) -> None:
        """The unlock or create screen opened the vault: open the desk on its casebook."""
        message.stop()
        self.unlocked(message.casebook)

    def unlocked(self, casebook: Casebook) -> None:
        """Keep the open casebook and show the desk (the unlock screens send ``Unlocked``)."""
        self._casebook = casebook
        self._owns_casebook = True
        self._last_active = time.monotonic()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._open_desk()
        if casebook.failed_unlocks:
            self.notify(
                f"{casebook.failed_unlocks} failed unlock attempt(s) since the last unlock; "
                "they are in the audit log.",
                severity="warning",
                timeout=10,
            )

    def _open_desk(self) -> None:
        from dsl_tui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())
        self.call_after_refresh(self._restore_drafts)
        self.call_after_refresh(self._prepare_search)

    def _prepare_search(self) -> None:
        """Build every case's search text in a worker thread, so the first keystroke in the
        search box is as quick as the rest (about 0.2 s of work at 10,000 cases)."""
        casebook = self._casebook
        if casebook is None:
            return
        self.run_worker(
            casebook.prepare_search, name="prepare-search", group="prepare-search",
            thread=True, exclusive=True, exit_on_error=False,
        )  # fmt: skip

    def _restore_drafts(self) -> None:
        """Offer back text kept when the app locked (or crashed) mid-way."""
        if self._casebook is None:
            return
        try:
            keys = self._casebook.draft_keys()
            if CONCERN_DRAFT in keys:
                draft = self._casebook.load_draft(CONCERN_DRAFT)
                from dsl_tui.screens.wizard import ConcernWizard

                self.push_screen(ConcernWizard(draft=draft))
                self.notify("Your unfinished concern was restored.", title="Draft")
            for key in keys:
                if key.startswith("note:"):
                    from dsl_tui.screens.case_view import CaseScreen

                    draft = self._casebook.load_draft(key) or {}
                    self.push_screen(CaseScreen(key[5:], note_draft=str(draft.get("text", ""))))
                    break
        except Exception as error:  # noqa: BLE001 - a draft must never stop the unlock
            show_error(self, error)

    # ------------------------------------------------------------------ locking
    async def action_lock(self) -> None:
        """Lock at once: keep unsaved text as drafts, forget the key, hide every case.

        The cases are hidden first; closing the vault (which may compact it: a rewrite of the
        whole file) then runs in a thread worker, and the door opens once it is closed."""
        if self._casebook is None or self._locking:
            return
        self._locking = True
        try:
            casebook = self._casebook
            self._keep_drafts(casebook)
            self._casebook = None
            self.forget_clipboard()
            while len(self.screen_stack) > 1:
                await self.pop_screen()
            try:
                await self._close_vault(casebook)
            except Exception as error:  # noqa: BLE001 - the screen is hidden already: say it
                show_error(self, error)
            self.show_door()
        finally:
            self._locking = False

    async def _close_vault(self, casebook: Casebook) -> None:
        """Audit the lock and close the vault in a thread worker, never on the event loop (Lock
        and Quit): the compaction and backup it may do take seconds at 10,000 cases."""
        closing = self.run_worker(partial(self.session.lock, casebook), name="lock",
                                  group="lock", thread=True, exit_on_error=False)  # fmt: skip
        await finished(closing)

    def _keep_drafts(self, casebook: Casebook) -> None:
        """Save the unsaved text of every open screen as an encrypted draft."""
        for screen in list(self.screen_stack):
            if not isinstance(screen, KeepsDraft):
                continue
            try:
                kept = screen.draft_state()
                if kept is not None:
                    casebook.save_draft(*kept)
            except Exception as error:  # noqa: BLE001 - lock anyway; say what was lost
                show_error(self, error)

    async def action_quit(self) -> None:
        """Quit: unsaved text is kept as drafts first, then the vault is closed on the way out."""
        if self._casebook is not None and not self._locking:
            self._keep_drafts(self._casebook)
            if self._owns_casebook:
                # Closed here, in a worker, rather than in on_unmount on the event loop.
                casebook, self._casebook = self._casebook, None
                self._locking = True
                try:
                    await self._close_vault(casebook)
                except Exception as error:  # noqa: BLE001 - quitting; never a traceback
                    log.error("closing the vault on exit failed: %s", type(error).__name__)
        self.exit()

    def on_unmount(self) -> None:
        """On the way out, close the vault the app opened: audited, keys forgotten, lock freed."""
        if not self._owns_casebook or self._casebook is None:
            return
        casebook, self._casebook = self._casebook, None
        try:
            self.session.lock(casebook)
        except Exception as error:  # noqa: BLE001 - the app is stopping; never a traceback
            log.error("closing the vault on exit failed: %s", type(error).__name__)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide Lock while the vault is already locked."""
        if action == "lock":
            return self._casebook is not None
        return True

    def _check_idle(self) -> None:
        if self._casebook is None or self._locking:
            return
        if time.monotonic() - self._last_active >= self.idle_lock_seconds:
            self.run_worker(self.action_lock(), name="idle-lock", exclusive=True)

    async def on_event(self, event: events.Event) -> None:
        """Any key or click counts as activity for the idle lock."""
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp, events.Paste)):  # fmt: skip
            self._last_active = time.monotonic()
        await super().on_event(event)

    # ------------------------------------------------------------------ navigation
    def action_help(self) -> None:
        """Show keys and policy."""
        from dsl_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_new_concern(self) -> None:
        """Open the concern wizard (continuing a saved draft if there is one)."""
        from dsl_tui.screens.wizard import ConcernWizard

        if self._casebook is None:
            return
        draft = self._casebook.load_draft(CONCERN_DRAFT)
        self.push_screen(ConcernWizard(draft=draft))

    def action_dashboard(self) -> None:
        """Go back to the dashboard."""
        from dsl_tui.screens.dashboard import DashboardScreen

        if self._casebook is None:
            return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def action_export(self, case_ids: str = "") -> None:
        """Open the export screen (for the given comma-separated case ids)."""
        from dsl_tui.screens.export_screen import ExportScreen

        if self._casebook is None:
            return
        self.push_screen(ExportScreen([c for c in case_ids.split(",") if c]))

    def action_report(self) -> None:
        """Open the anonymised figures for the policy review (this year; left/right move)."""
        if self._casebook is None:
            return
        try:
            from dsl_tui.report import casebook_report
            from dsl_tui.screens.report_screen import ReportScreen

            casebook = self._casebook
            year = casebook.now().year
            self.push_screen(ReportScreen(casebook_report(casebook, year),
                                          lambda y: casebook_report(casebook, y)))  # fmt: skip
        except Exception as error:  # noqa: BLE001 - a notice, never a crash
            show_error(self, error)

    def open_case(self, case_id: str) -> None:
        """Open a case's view."""
        from dsl_tui.screens.case_view import CaseScreen

        self.push_screen(CaseScreen(case_id))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The main actions in the command palette (Ctrl+P)."""
        if self._casebook is not None:
            yield SystemCommand("Log a concern", "Report and triage a new concern",
                                self.action_new_concern)  # fmt: skip
            yield SystemCommand("Dashboard", "Cases by urgency", self.action_dashboard)
            yield SystemCommand("Export case files", "Encrypted case files for senior managers",
                                self.action_export)  # fmt: skip
            yield SystemCommand("Anonymised report", "Figures for the policy review (11.2)",
                                self.action_report)  # fmt: skip
            yield SystemCommand("Lock", "Lock the vault now (Ctrl+L)", self.action_lock)
        yield SystemCommand("Help and policy", "Every key, and the policy behind triage",
                            self.action_help)  # fmt: skip
        yield from super().get_system_commands(screen)

    # ------------------------------------------------------------------ errors
    def _handle_exception(self, error: Exception) -> None:
        """No traceback on screen: a domain error is a notice; anything else locks and exits.

        Textual's own handler then stops the app with exit code 1 (and hands the error to a
        test's pilot); it is given a ``Stopped`` that renders one sentence, never a traceback
        (which could show case data held in local variables).
        """
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(error, WorkerFailed) and isinstance(cause, DslError):
            show_error(self, cause)
            return
        log.error("unexpected %s", type(cause).__name__)
        itlog.record(cause if cause is not None else error, where="app", command="app")
        casebook, self._casebook = self._casebook, None
        if casebook is not None:
            try:
                self.session.lock(casebook)
            except Exception:  # noqa: BLE001, S110 - we are already stopping
                pass
        kind = type(cause).__name__ if cause is not None else "error"
        stopped = Stopped(kind)
        stopped.__cause__ = error
        super()._handle_exception(stopped)


class Stopped(Exception):
    """An unexpected error stopped the app; renders as one sentence naming only its type."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind

    def __rich__(self) -> Text:
        """What the terminal shows after the app stops."""
        return Text("dsl-tui stopped: " + UNEXPECTED.format(kind=self.kind))
