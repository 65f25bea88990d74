"""The yearly figures for the policy review (policy 11.2) as a screen of the main app.

The app passes in a ``Report`` (from ``dsl_tui.report.casebook_report``, which reads the casebook
and audits it); this screen only shows it. Left/right change the year when the app gives a
``load`` callback.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from dsl_tui.report import Report, text_lines
from dsl_tui.screens.safety import guarded
from dsl_tui.terminal import safe_text


class ReportScreen(Screen[None]):
    """Anonymised counts, medians, the monthly bar chart and recurring patterns."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("left", "year(-1)", "Previous year", id="previous-year"),
        Binding("right", "year(1)", "Next year", id="next-year"),
    ]

    def __init__(self, report: Report, load: Callable[[int], Report] | None = None) -> None:
        super().__init__()
        #: The figures on show.
        self.report = report
        self._load = load

    def compose(self) -> ComposeResult:
        """The report as text: no names or free text are in it."""
        yield Header()
        with VerticalScroll():
            yield Static(self._text(), id="report-text")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Year keys only when the app can load another year."""
        if action == "year":
            return self._load is not None
        return True

    @guarded
    def action_year(self, step: int) -> None:
        """Show the previous or next year (a refusal, a full disk say, is a notice; the year
        shown stays)."""
        if self._load is None:
            return
        self.report = self._load(self.report.year + step)
        self.query_one("#report-text", Static).update(self._text())

    def _text(self) -> Text:
        """The report as plain text; any control character (a year group typed with escape
        codes, say) is shown as a picture, never sent to the terminal raw."""
        return Text(safe_text("\n".join(text_lines(self.report))))
