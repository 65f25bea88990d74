"""The dashboard: every case by urgency, with filters, live search and the day's counts.

Rows come from ``casebook.search`` (the casebook filters and orders by urgency).
Search waits for a short pause in typing and the table is rebuilt only when the rows change,
so it stays quick with thousands of cases.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from dsl_tui.model import CaseSummary, Risk, Status
from dsl_tui.screens.base import DeskScreen
from dsl_tui.screens.format import clip, due_text, risk_label
from dsl_tui.screens.safety import guarded
from dsl_tui.terminal import safe_line

#: Filters the DSL can pick, in the order ``f`` cycles them.
FILTERS: dict[str, str] = {
    "open": "open cases",
    "overdue": "overdue only",
    "mine": "my cases",
    "closed": "closed cases",
    "all": "all cases",
}

#: The cases each filter lists when no search words are typed ("mine" and "overdue" are open).
FILTER_STATUS: dict[str, str] = {"closed": "closed", "all": "all"}

#: The table's columns: (key, label, width). The first five always show; the next step, the
#: status and the school follow while the terminal has room, and the next step takes what is
#: left. Whatever a narrow terminal leaves out reads in the line under the table.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "Case", 13),
    ("due", "Next due", 13),
    ("risk", "Risk", 12),
    ("category", "Category", 16),
    ("people", "People", 11),
    ("next", "Next step", 20),
    ("status", "Status", 10),
    ("school", "School", 6),
)
ESSENTIAL = 5


def columns_for(width: int) -> list[tuple[str, str, int]]:
    """The columns that fit a terminal ``width`` columns wide (each takes a cell of padding
    either side; the table keeps two for its scrollbar)."""
    room = width - 2
    chosen = list(COLUMNS[:ESSENTIAL])
    used = sum(w + 2 for _, _, w in chosen)
    for key, label, w in COLUMNS[ESSENTIAL:]:
        if used + w + 2 <= room:
            chosen.append((key, label, w))
            used += w + 2
    return [(key, label, w + (room - used) if key == "next" else w) for key, label, w in chosen]


#: Seconds of quiet typing before the search runs.
SEARCH_PAUSE = 0.25

#: Most rows drawn at once: the most urgent come first, and search or filters narrow the rest.
#: (Drawing every one of 5,000 rows costs seconds in the table; redrawing 250 rows made a search
#: keystroke at 10,000 cases take 60-90 ms, 100 rows keep it under 50 ms: bench/RESULTS.md.)
MAX_ROWS = 100


class DashboardScreen(DeskScreen):
    """Cases by urgency; Enter opens one."""

    BINDINGS = [
        Binding("n", "app.new_concern", "Log concern", id="dashboard.new"),
        Binding("enter", "open_case", "Open", id="dashboard.open", show=False),
        Binding("slash", "search", "Search", id="dashboard.search"),
        Binding("o", "filter('open')", "Open", id="dashboard.filter_open"),
        Binding("v", "filter('overdue')", "Overdue", id="dashboard.filter_overdue"),
        Binding("m", "filter('mine')", "Mine", id="dashboard.filter_mine"),
        Binding("c", "filter('closed')", "Closed", id="dashboard.filter_closed"),
        Binding("a", "filter('all')", "All", id="dashboard.filter_all"),
        Binding("s", "next_school", "School", id="dashboard.school"),
        Binding("e", "export", "Export", id="dashboard.export"),
        Binding("escape", "clear_search", "Clear search", id="dashboard.clear", show=False),
    ]

    #: Which cases are listed.
    filter_name: reactive[str] = reactive("open")
    #: School key to show, or "" for every school.
    school: reactive[str] = reactive("")
    #: Search words ("" for none).
    query_text: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__()
        self._shown: list[str] = []
        self._last_cells: list[tuple[Text, ...]] | None = None
        #: The columns shown (``columns_for`` the terminal's width, chosen when mounted).
        self.columns: list[tuple[str, str, int]] = list(COLUMNS)
        self._widths: dict[str, int] = {key: width for key, _, width in COLUMNS}
        #: The rows drawn, by case id (the line under the table reads the one under the cursor).
        self._rows_by_id: dict[str, CaseSummary] = {}
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        # A rolled-back vault stays said for the whole session (issue #13 finding 3): a banner,
        # not a notice that fades.
        warning = self.dsl_app.casebook.rollback_warning if not self.dsl_app.is_locked else None
        banner = Static(f"\u26a0 WARNING: {warning or ''}", id="rollback", markup=False)
        banner.display = bool(warning)
        yield banner
        yield Static("", id="counts", markup=False)
        yield Input(placeholder="/ search every case's text", compact=True, id="search")
        table: DataTable[Text] = DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="empty", markup=False)
        yield Static("", id="row-detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#cases", DataTable)
        self.columns = columns_for(self.app.size.width)
        self._widths = {key: width for key, _, width in self.columns}
        for key, label, width in self.columns:
            table.add_column(label, key=key, width=width)
        self.refresh_rows()
        table.focus()

    def on_screen_resume(self) -> None:
        """Coming back from a case or the wizard: figures may have changed."""
        if self.is_mounted and not self.dsl_app.is_locked:
            self.refresh_rows()

    # ------------------------------------------------------------------ rows
    def _rows(self) -> list[CaseSummary]:
        """The rows the filter, the school and the search words ask the casebook for."""
        name = self.filter_name
        # A search covers every case, open or closed, whatever the list showed before.
        status = "all" if self.query_text.strip() else FILTER_STATUS.get(name, "open")
        return self.casebook.search(
            self.query_text, status=status, school=self.school or None,
            mine=name == "mine", overdue_only=name == "overdue",
        )  # fmt: skip

    @guarded
    def refresh_rows(self) -> None:
        """Fetch the rows and the counts; rebuild the table only if the rows changed."""
        casebook = self.casebook
        found = self._rows()
        rows = found[:MAX_ROWS]
        counts = casebook.counts()
        school = f"  School: {self.school.upper()}" if self.school else ""
        search = ""
        if self.query_text.strip():
            closed = sum(1 for r in found if r.status is Status.CLOSED)
            search = (
                f"  Search: \u201c{clip(self.query_text, 20)}\u201d "
                f"({len(found) - closed} open, {closed} closed)"
            )
        self.query_one("#counts", Static).update(
            f"Open {counts.open} \u00b7 \u26a0 Overdue {counts.overdue} \u00b7 "
            f"Due today {counts.due_today} \u00b7 Closed {counts.closed}   "
            f"Showing: {FILTERS[self.filter_name]} ({self._shown_count(len(rows), len(found))})"
            f"{school}{search}"
        )
        table = self.query_one("#cases", DataTable)
        now = casebook.now()
        ids = [r.id for r in rows]
        self._rows_by_id = {r.id: r for r in rows}
        cells = [self._cells(r, now) for r in rows]
        if cells != self._last_cells:
            cursor_id = self.selected_case()
            table.clear()
            table.add_rows(cells)
            self._shown = ids
            self._last_cells = cells
            if cursor_id in ids:
                table.move_cursor(row=ids.index(cursor_id), animate=False)
        empty = self.query_one("#empty", Static)
        empty.display = not rows
        empty.update(self._empty_text() if not rows else "")
        self._show_row_detail()

    def _empty_text(self) -> str:
        """What to do when nothing shows: widen the list, or log a concern."""
        if self.query_text.strip():
            return "No case holds every word searched for. Esc clears the search."
        shown = {"open": "open cases", "overdue": "overdue cases", "mine": "cases of yours",
                 "closed": "closed cases", "all": "cases"}[self.filter_name]  # fmt: skip
        where = " at this school (s: the next school)" if self.school else ""
        if self.filter_name == "all" and not self.school:
            return "No cases yet. Press n to log a concern."
        return f"No {shown}{where}. c shows closed cases, a all of them; n logs a concern."

    @staticmethod
    def _shown_count(shown: int, found: int) -> str:
        """``12``, or ``250 most urgent of 5000`` when the list is cut."""
        return str(found) if shown == found else f"{shown} most urgent of {found}"

    def _cells(self, row: CaseSummary, now: datetime) -> tuple[Text, ...]:
        """One row's cells, for the columns shown; overdue is written out, not only coloured."""
        due = (
            due_text(row.next_due, now, row.overdue, short=True)
            if row.next_due
            else ("steps done" if row.open_steps == 0 else "no deadline")
        )
        due_cell = Text(clip(due, 13), style="bold reverse" if row.overdue else "")
        risk_style = "bold" if row.risk in (Risk.IMMEDIATE, Risk.HIGH) else ""
        # Text, not str: a DataTable reads str cells as markup, and case text may hold brackets.
        width = self._widths
        cells = {
            "id": Text(clip(row.id, 20)),
            "due": due_cell,
            "risk": Text(risk_label(row.risk), style=risk_style),
            "category": Text(clip(row.category_title, width["category"])),
            "people": Text(clip(row.people, width["people"])),
            "next": Text(clip(row.next_step, width.get("next", 0))),
            "status": Text(row.status.value),
            "school": Text(row.school.upper()),
        }
        return tuple(cells[key] for key, _, _ in self.columns)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The line under the table tells the case under the cursor in full."""
        self._show_row_detail()

    @guarded
    def _show_row_detail(self) -> None:
        pane = self.query_one("#row-detail", Static)
        case_id = self.selected_case()
        row = self._rows_by_id.get(case_id or "")
        if row is None:
            pane.update("")
            return
        school = next((s.name for s in self.casebook.playbook.schools if s.key == row.school),
                      row.school.upper())  # fmt: skip
        nxt = f"Next: {row.next_step}" if row.next_step else "No open step"
        pane.update(safe_line(
            f"{row.id} \u00b7 {row.category_title} \u00b7 {row.people or 'no one named'} \u00b7 "
            f"{nxt} \u00b7 {row.status.value} \u00b7 {school}"
        ))  # fmt: skip

    def selected_case(self) -> str | None:
        """The case id under the cursor, if any."""
        table = self.query_one("#cases", DataTable)
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    # ------------------------------------------------------------------ actions
    def watch_filter_name(self) -> None:
        if self.is_mounted:
            self.refresh_rows()

    def watch_school(self) -> None:
        if self.is_mounted:
            self.refresh_rows()

    def action_filter(self, name: str) -> None:
        """Show open, overdue, my, closed or all cases."""
        self.filter_name = name if name in FILTERS else "open"

    @guarded
    def action_next_school(self) -> None:
        """Cycle through the trust's schools, then all of them."""
        keys = [""] + [s.key for s in self.casebook.playbook.schools]
        self.school = keys[(keys.index(self.school) + 1) % len(keys)] if self.school in keys else ""

    def action_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        """Empty the search and go back to the list."""
        box = self.query_one("#search", Input)
        box.value = ""
        self._run_search("")
        self.query_one("#cases", DataTable).focus()

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE, lambda: self._run_search(event.value))

    @on(Input.Submitted, "#search")
    def _search_now(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._run_search(event.value)
        self.query_one("#cases", DataTable).focus()

    def _run_search(self, text: str) -> None:
        if text != self.query_text:
            self.query_text = text
            self.refresh_rows()

    @on(DataTable.RowSelected, "#cases")
    def action_open_case(self) -> None:
        """Open the case under the cursor."""
        case_id = self.selected_case()
        if case_id is not None:
            self.dsl_app.open_case(case_id)

    def action_export(self) -> None:
        """Export the case under the cursor."""
        self.dsl_app.action_export(self.selected_case() or "")
