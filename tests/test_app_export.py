"""Export from the app: choose the case, a one-time passphrase, a file; confirm; the file opens."""

from __future__ import annotations

from pathlib import Path

from helpers_app import MemorySession, memory_casebook, type_text, wait_until
from textual.widgets import Input, Static

import dsl_tui.export as export
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.dialogs import ConfirmDialog
from dsl_tui.screens.export_screen import ExportScreen
from dsl_tui.screens.safety import TickBox


async def test_export_with_a_one_time_passphrase(tmp_path: Path) -> None:
    book = memory_casebook(5)
    case_id = book.summaries()[0].id  # the most urgent open case
    out = tmp_path / "case.age"
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#cases", Input).value == case_id
        await pilot.press("tab", "down", "enter")  # the one-time passphrase
        await pilot.press("tab")
        app.screen.query_one("#out", Input).clear()
        await type_text(pilot, str(out))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: "One-time passphrase" in
                         str(app.screen.query_one("#message", Static).render()))  # fmt: skip
        shown = str(app.screen.query_one("#message", Static).render()).split()[-1]
    assert out.exists()
    opened = export.open_case_file(out, passphrase=shown)
    assert opened is not None


async def test_redaction_reads_without_colour_and_the_confirmation_states_it(
    tmp_path: Path,
) -> None:
    book = memory_casebook(5)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        pupils = screen.query_one("#redact-pupils", TickBox)
        staff = screen.query_one("#redact-staff", TickBox)
        assert str(pupils.render()).startswith("[ ]") and str(staff.render()).startswith("[ ]")
        await pilot.press("tab", "down", "enter", "tab")  # one-time passphrase, then the file
        screen.query_one("#out", Input).clear()
        await type_text(pilot, str(tmp_path / "c.age"))
        await pilot.press("tab", "space")  # pupils as initials
        await pilot.pause()
        assert str(pupils.render()).startswith("[x]") and str(staff.render()).startswith("[ ]")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        said = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Pupils' names: initials." in said and "Staff names: shown in full." in said
