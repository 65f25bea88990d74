"""Issue #13 finding 11: no plaintext outside the vault, ever. Textual's screenshot (palette entry
and action) and its clipboard copy would put names and narrative in plain files or the terminal's
clipboard; the app refuses them. Driven by the pilot, then every file under a temporary HOME and
the working folder is searched for the fictional case's text."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_app import MemorySession, memory_casebook, wait_until

from dsl_tui.model import ConcernReport, NewPerson, PersonRole
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.safety import NO_SCREENSHOTS
from dsl_tui.screens.viewer import CaseFileViewer

PUPIL = "Zephyrine Quillon-Abbot"
SUMMARY = "Zephyrine was sent threatening messages by an older pupil"
BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip


def _every_byte_under(*folders: Path) -> bytes:
    return b"".join(p.read_bytes() for folder in folders for p in folder.rglob("*") if p.is_file())


async def test_no_screenshot_or_copy_takes_case_text_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    (home / "Downloads").mkdir(parents=True)
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(home / "Downloads"))
    monkeypatch.chdir(work)
    book = memory_casebook()
    report = ConcernReport(school="sra", reporter="Daniel Whitcombe", summary=SUMMARY,
                           people=(NewPerson(PersonRole.PUPIL, PUPIL, "Y8"),))  # fmt: skip
    book.log_concern(report, BULLYING)
    app = DslApp(casebook=book, session=MemorySession(book))
    written: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "write", lambda data: written.append(data))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Lock" in titles
        await app.run_action("screenshot")
        app.deliver_screenshot()
        assert app.save_screenshot() == ""
        await pilot.pause()
        assert any(n.message == NO_SCREENSHOTS for n in app._notifications)
        app.copy_to_clipboard(f"{PUPIL}: {SUMMARY}")
        assert app.clipboard.startswith(PUPIL)  # paste inside the app still works
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.clipboard == ""  # forgotten on lock
    assert not any("\x1b]52" in data for data in written)  # never the terminal's clipboard
    everything = _every_byte_under(home, work)
    for needle in (PUPIL, "Zephyrine", "threatening messages"):
        assert needle.encode() not in everything


async def test_the_case_file_viewer_has_no_screenshot_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers_security import hostile_document

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    viewer = CaseFileViewer(hostile_document())
    async with viewer.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = [c.title for c in viewer.get_system_commands(viewer.screen)]
        assert "Screenshot" not in titles and viewer.ALLOW_SELECT is False
        await viewer.run_action("screenshot")
        await pilot.pause()
    assert not [p for p in tmp_path.rglob("*") if p.suffix == ".svg"]
