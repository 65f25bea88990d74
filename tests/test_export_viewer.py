"""The read-only viewer and the report screen show what they are given, as plain text."""

from __future__ import annotations

from pathlib import Path

from helpers_export import fake_casebook, sample_case
from textual.app import App
from textual.widgets import ListView, Static

from dsl_tui.export import export_cases, keygen, open_case_file
from dsl_tui.report import build_report
from dsl_tui.screens.report_screen import ReportScreen
from dsl_tui.screens.viewer import CaseFileViewer


def _document(tmp_path: Path) -> dict:
    key = tmp_path / "k"
    public = keygen(key)
    second = sample_case("SRA-2026-0002")
    book = fake_casebook(sample_case(), second)
    export_cases(book, ["SRA-2026-0001", "SRA-2026-0002"], tmp_path / "c.age", recipients=[public])
    return open_case_file(tmp_path / "c.age", identity=key).document


def _text(app: App, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def test_viewer_lists_the_cases_and_shows_markup_as_text(tmp_path: Path) -> None:
    app = CaseFileViewer(_document(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        assert len(app.query_one("#cases", ListView).children) == 2
        shown = _text(app, "#case-text")
        assert "Case SRA-2026-0001" in shown and "<script>alert(1)</script>" in shown
        assert "CHRONOLOGY" in shown and "Policy: 9.2" in shown
        app.query_one("#cases", ListView).focus()
        await pilot.press("down")
        await pilot.pause()
        assert "Case SRA-2026-0002" in _text(app, "#case-text")
        await pilot.press("q")
    assert app.return_code == 0


async def test_report_screen_moves_between_years() -> None:
    cases = [sample_case()]
    loaded: list[int] = []

    def load(year: int):
        loaded.append(year)
        return build_report(cases, year)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ReportScreen(build_report(cases, 2026), load))

    app = Host()
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.pause()
        assert "2026: 1 case(s)" in str(app.screen.query_one("#report-text", Static).render())
        await pilot.press("left")
        await pilot.pause()
        assert loaded == [2025]
        assert "2025: 0 case(s)" in str(app.screen.query_one("#report-text", Static).render())
