"""Snapshots of what the DSL sees, at 80x24 and 120x40: dashboard, wizard result, case, unlock.

Deterministic: a few fixed fictional cases made on a fixed clock, times shown in UTC, the machine's
zone set to UTC for "due today", no cursor blink. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from helpers_app import (
    MemorySession,
    answer_by_keys,
    memory_casebook,
    snapshot_casebook,
    type_text,
)
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from dsl_tui.screens import format as fmt
from dsl_tui.screens.app import DslApp

SIZES = [(80, 24), (120, 40)]
BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
            "still_online": "yes",
            "vulnerability": "no"}  # fmt: skip


@pytest.fixture(autouse=True)
def _fixed_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    if hasattr(time, "tzset"):
        time.tzset()
    fmt.set_zone(UTC)
    yield
    fmt.set_zone(None)
    monkeypatch.undo()
    if hasattr(time, "tzset"):
        time.tzset()


def app_with(cases: bool) -> DslApp:
    """The app on the fixed snapshot cases (or on an empty casebook)."""
    book = snapshot_casebook() if cases else memory_casebook()
    return DslApp(casebook=book, session=MemorySession(book))


async def no_blink(pilot: Pilot[Any]) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app_with(True), terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES)
def test_case_view(snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_first(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("o")  # the checklist
        await no_blink(pilot)

    assert snap_compare(app_with(True), terminal_size=size, run_before=open_first)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_result(snap_compare: Any, size: tuple[int, int]) -> None:
    async def triage(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("n")  # not in immediate danger (asked before the report)
        await pilot.pause()
        await pilot.press("enter", "down", "enter", "tab")
        await type_text(pilot, "Form tutor")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Threatening messages on Instagram from two pupils")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen: Any = pilot.app.screen
        while screen.phase == "question":
            await answer_by_keys(pilot, screen.question, BULLYING[screen.question.key])
            await pilot.pause()
        await no_blink(pilot)

    assert snap_compare(app_with(False), terminal_size=size, run_before=triage)


@pytest.mark.parametrize("size", SIZES)
def test_unlock_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    book = memory_casebook()
    app = DslApp(vault_path=Path("school-vault.dsl"), session=MemorySession(book))
    assert snap_compare(app, terminal_size=size, run_before=no_blink)
