"""The read-only case-file viewer for senior managers (``dsl-tui open FILE``).

It shows a case file already decrypted and checked in memory; it cannot change anything and
writes nothing. All text is shown as plain text (never parsed as markup), whatever it holds,
with control characters (terminal escape sequences) shown as visible pictures, never sent raw.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Label, ListItem, ListView, Static

from dsl_tui.export.casefile_text import case_lines, header_lines
from dsl_tui.export.importer import PAGE_MISMATCH, CaseFile
from dsl_tui.jsontypes import Doc
from dsl_tui.screens.safety import KeepsScreenInside
from dsl_tui.terminal import safe_text


class CaseFileViewer(KeepsScreenInside[None]):
    """A list of the file's cases on the left, the chosen case on the right."""

    TITLE = "dsl-tui case file (read-only)"
    CSS = """
    #cases { width: 30; border-right: solid $primary; }
    #detail { padding: 0 1; }
    #file-info { color: $text-muted; padding: 0 1; }
    #page-warning { color: $error; text-style: bold; padding: 0 1; }
    """
    BINDINGS = [
        Binding("q", "quit", "Close", id="close"),
        Binding("tab", "focus_next", "Switch pane", show=False, id="switch"),
    ]

    def __init__(self, document: Doc, warning: str | None = None) -> None:
        super().__init__()
        #: The checked case-file document (already redacted if the sender chose to).
        self.document = document
        #: A sentence shown above everything (the shipped printable page did not match), or None.
        self.warning = warning
        self._cases: list[Doc] = list(document.get("cases", []))

    def compose(self) -> ComposeResult:
        """Header, file details, the case list and the case text."""
        yield Header()
        if self.warning:
            yield Static(Text(f"WARNING: {self.warning}"), id="page-warning")
        yield Static(Text(safe_text("\n".join(header_lines(self.document)))), id="file-info")
        with Horizontal():
            yield ListView(
                *(
                    ListItem(
                        Label(Text(safe_text(f"{c.get('id', '')}\n{c.get('category_title', '')}")))
                    )
                    for c in self._cases
                ),
                id="cases",
            )
            with VerticalScroll(id="detail"):
                yield Static(Text(""), id="case-text")
        yield Footer()

    def on_mount(self) -> None:
        """Show the first case."""
        self._show(0)

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        """Show the case the cursor is on."""
        index = event.list_view.index
        if index is not None:
            self._show(index)

    def _show(self, index: int) -> None:
        if not self._cases:
            return
        case = self._cases[max(0, min(index, len(self._cases) - 1))]
        lines = case_lines(case, self.document.get("clauses", {}))
        self.query_one("#case-text", Static).update(Text(safe_text("\n".join(lines))))


def run_viewer(case_file: CaseFile) -> None:
    """Run the viewer on a checked ``CaseFile`` until the reader closes it.

    The viewer shows the verified JSON only, never the shipped ``case-file.html``; when that page
    did not match the case data, it says so above everything.
    """
    warning = None if case_file.page_matches else PAGE_MISMATCH
    CaseFileViewer(case_file.document, warning).run()
