"""What every screen of the desk shares: the app and its open casebook, typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from dsl_tui.casebook import Casebook

if TYPE_CHECKING:
    from dsl_tui.screens.app import DslApp


class DeskScreen(Screen[None]):
    """A screen that works on the open casebook (dashboard, a case, the wizard, export)."""

    @property
    def dsl_app(self) -> DslApp:
        """The app, typed."""
        return cast("DslApp", self.app)

    @property
    def casebook(self) -> Casebook:
        """The app's open casebook (``Locked`` while the vault is locked)."""
        return self.dsl_app.casebook
