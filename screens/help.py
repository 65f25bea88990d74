"""Help: every key binding of every screen, and the policy's own words behind triage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from dsl_tui.screens.base import AppScreen

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook


def _screens() -> list[tuple[str, list[BindingType]]]:
    """Each screen's name and its bindings (imported here to avoid import cycles)."""
    from dsl_tui.screens.app import DslApp
    from dsl_tui.screens.case_view import CaseScreen
    from dsl_tui.screens.dashboard import DashboardScreen
    from dsl_tui.screens.dialogs import Dialog
    from dsl_tui.screens.export_screen import ExportScreen
    from dsl_tui.screens.wizard import ConcernWizard

    return [
        ("Everywhere", [*DslApp.BINDINGS, Binding("ctrl+p", "", "Command palette: main actions")]),
        ("Dashboard", DashboardScreen.BINDINGS),
        ("Log a concern", ConcernWizard.BINDINGS),
        ("Case", CaseScreen.BINDINGS),
        ("Dialogs", Dialog.BINDINGS),
        ("Export", ExportScreen.BINDINGS),
    ]


def key_lines() -> Text:
    """Every binding as ``key  what it does``, screen by screen."""
    text = Text()
    for title, bindings in _screens():
        text.append(f"{title}\n", style="bold")
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = ", ".join(k.strip() for k in binding.key.split(","))
            keys = keys.replace("slash", "/").replace("escape", "Esc")
            text.append(f"  {keys:<14} {binding.tooltip or binding.description}\n")
        text.append("\n")
    text.append("In the wizard, number keys 1-9 pick a choice; arrows and Enter work too.\n")
    return text


class HelpScreen(AppScreen):
    """Keys, and the policy sections the playbook cites."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="help.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent():
            with TabPane("Keys", id="help-keys"):
                yield VerticalScroll(Static(key_lines(), id="keys"), id="keys-scroll")
            with TabPane("Policy", id="help-policy"):
                yield VerticalScroll(Static(self._policy(), id="policy"), id="policy-scroll")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """The keys list has the cursor at once, so PageDown scrolls it without a Tab first."""
        self.query_one("#keys-scroll", VerticalScroll).focus()

    def _policy(self) -> Text:
        text = Text()
        app = self.dsl_app
        playbook: Playbook | None = None
        if not app.is_locked:
            playbook = app.casebook.playbook
        else:
            try:
                from dsl_tui.playbook import load_playbook

                playbook = load_playbook()
            except Exception:  # noqa: BLE001 - help must open even with a broken playbook
                playbook = None
        if playbook is None:
            return Text("The trust's playbook could not be loaded.")
        text.append(f"Playbook {playbook.version}\n\n", style="italic")
        for section in playbook.policy_sections():
            text.append(f"{section.ref} {section.title}\n", style="bold")
            text.append(section.text.strip() + "\n\n")
        return text
