"""Export from the app: choose the case, a one-time passphrase, a file; confirm; the file opens."""

from __future__ import annotations

from pathlib import Path

from helpers_app import MemorySession, memory_casebook, type_text, wait_until
from textual.widgets import Input, Static

import dsl_tui.export as export
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.export_screen import ExportScreen


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
