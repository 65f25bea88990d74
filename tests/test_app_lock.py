"""The vault's doors in the app: first-run create, unlock (wrong then right), Ctrl+L, idle lock,
and unsaved text surviving a lock. Uses a real vault in tmp_path (KDF at the floor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_app import (
    PASSPHRASE,
    MemorySession,
    memory_casebook,
    notices,
    type_text,
    wait_until,
)
from textual.widgets import DataTable, Input, Static

from dsl_tui import session
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.dashboard import DashboardScreen
from dsl_tui.screens.unlock import CreateVaultScreen, UnlockScreen
from dsl_tui.screens.wizard import ConcernWizard


@pytest.fixture(autouse=True)
def _local_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))


def message(app: DslApp) -> str:
    return str(app.screen.query_one("#message", Static).render())


async def test_first_run_creates_the_vault_after_refusing_weak_and_mismatched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "vault.dsl"
    app = DslApp(vault_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CreateVaultScreen)
        await type_text(pilot, "Priya Ramanathan")
        await pilot.press("tab", "tab")
        await type_text(pilot, "password1")
        quality = str(app.screen.query_one("#quality", Static).render())
        assert "at least 12 characters" in quality
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least 12 characters" in message(app)
        assert not path.exists()
        app.screen.query_one("#passphrase", Input).clear()
        await type_text(pilot, PASSPHRASE)
        assert "acceptable" in str(app.screen.query_one("#quality", Static).render())
        assert message(app) == "", "the refusal went with the text it was about"
        await pilot.press("tab")
        await type_text(pilot, PASSPHRASE + "x")
        await pilot.press("enter")
        await pilot.pause()
        assert "differ" in message(app)
        await pilot.press("backspace", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert path.exists()
        assert app.casebook.user == "Priya Ramanathan"
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
    assert app.is_locked


async def test_unlock_wrong_then_right_counts_the_failure(tmp_path: Path) -> None:
    path = tmp_path / "vault.dsl"
    session.lock(session.create(path, "Priya Ramanathan", "DSL", PASSPHRASE))
    app = DslApp(vault_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        field = screen.query_one("#passphrase", Input)
        assert field.password, "the passphrase is never shown"
        await type_text(pilot, "not the right one at all")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Wrong passphrase" in message(app))
        assert "1 failed attempt" in message(app)
        assert app.is_locked and field.value == ""
        await wait_until(pilot, lambda: not field.disabled)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert any("1 failed unlock attempt" in n for n in notices(app))
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
    assert any(e.action == "failed unlock" for e in _audit(path))


def _audit(path: Path) -> list:  # type: ignore[type-arg]
    book = session.unlock(path, PASSPHRASE)
    try:
        return book.audit_log()
    finally:
        session.lock(book)


async def test_ctrl_l_hides_every_case_and_unlock_brings_them_back() -> None:
    book = memory_casebook(5)
    fake = MemorySession(book)
    app = DslApp(casebook=book, session=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert app.is_locked and fake.locks == 1
        assert len(app.screen_stack) == 2, "no screen with case data stays underneath"
        assert not app.query(DataTable) and not app.query(CaseScreen)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert app.screen.query_one("#cases", DataTable).row_count == len(book.summaries())


async def test_idle_lock_keeps_the_unfinished_concern() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book), idle_lock_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("n")  # not in immediate danger (asked first)
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        await pilot.press("tab")
        await type_text(pilot, "Head of Year")
        assert not app.is_locked
        app.idle_lock_seconds = 0.2  # the DSL walks away; a short timeout keeps the test quick
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert app.is_locked
        app.idle_lock_seconds = 3600  # back at the desk: no second lock while unlocking
        assert book.load_draft("concern")["report"]["reporter"] == "Head of Year"
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        assert app.screen.query_one("#reporter", Input).value == "Head of Year"


async def test_note_being_typed_survives_a_lock() -> None:
    book = memory_casebook(5)  # some open cases on the dashboard
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "n")
        await pilot.pause()
        await type_text(pilot, "Spoke to the pupil at break")
        case_id = app.screen_stack[-2].case_id  # type: ignore[attr-defined]
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "note:" not in "".join([]) and
                         type(app.screen).__name__ == "NoteDialog")  # fmt: skip
        assert "Spoke to the pupil at break" in app.screen.query_one("#note").text  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        notes = book.case(case_id).notes
        assert notes[-1].text == "Spoke to the pupil at break"
        assert f"note:{case_id}" not in book.draft_keys()


async def test_a_concern_half_logged_survives_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vault file as a crash would leave it (copied while the app is mid-wizard, never
    locked or compacted) opens with the half-logged concern offered back, answers and all."""
    import shutil

    path = tmp_path / "desk" / "school.dsl"
    path.parent.mkdir()
    session.lock(session.create(path, "Hollis Brandt-Achebe", "DSL", PASSPHRASE))
    crashed = tmp_path / "after-the-crash" / "school.dsl"
    crashed.parent.mkdir()
    app = DslApp(vault_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("n")  # not in immediate danger (asked before anything is typed)
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        await pilot.press("enter", "down", "enter")  # the first school
        await pilot.press("tab")
        await type_text(pilot, "Mrs Penhaligon, dinner supervisor")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Saw threats to a pupil on a phone at lunch")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen.phase == "question")  # type: ignore[attr-defined]
        shutil.copyfile(path, crashed)  # the disk at this moment: what a power cut leaves
        await pilot.press("ctrl+q")
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state-after-the-crash"))
    again = DslApp(vault_path=crashed)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(again.screen, UnlockScreen))
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, ConcernWizard))
        wizard = again.screen
        assert isinstance(wizard, ConcernWizard)
        assert "Your unfinished concern was restored." in notices(again)
        assert wizard.answers.get("immediate_danger") == "no"
        assert wizard.draft["report"]["summary"] == "Saw threats to a pupil on a phone at lunch"
