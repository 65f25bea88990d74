"""Test helpers for the Textual app: a fixed clock, casebooks with fictional cases, an in-memory
session (create / unlock / lock) and a bounded wait for conditions the app reaches by itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot

from dsl_tui import session as real_session
from dsl_tui.casebook import Casebook
from dsl_tui.errors import WrongPassphrase

#: Every app test runs at this instant (a Tuesday morning in term time).
T0 = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
PASSPHRASE = "plum orbit canyon velvet 42"
USER = "Priya Ramanathan"


class FixedClock:
    """A clock that stands still unless a test moves it."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on, e.g. ``advance(hours=25)``."""
        self.now += timedelta(**delta)


def memory_casebook(cases: int = 0, clock: FixedClock | None = None) -> Casebook:
    """An in-memory casebook on the fixed clock, with ``cases`` fictional demo cases."""
    book = Casebook.in_memory(user=USER, clock=clock or FixedClock())
    if cases:
        from dsl_tui.demo import add_demo_cases

        add_demo_cases(book, cases, seed=7)
    return book


class MemorySession:
    """The session contract over one in-memory casebook: unlock gives it back for PASSPHRASE."""

    def __init__(self, casebook: Casebook, passphrase: str = PASSPHRASE) -> None:
        self.casebook = casebook
        self.passphrase = passphrase
        self.failed = 0
        self.locks = 0

    def vault_exists(self, path: Path | str) -> bool:
        return True

    def create(self, path: Path | str, name: str, role: str, passphrase: str) -> Casebook:
        self.passphrase = passphrase
        return self.casebook

    def unlock(self, path: Path | str, passphrase: str) -> Casebook:
        if passphrase != self.passphrase:
            self.failed += 1
            err = WrongPassphrase("That passphrase does not open this vault.")
            err.failed_attempts = self.failed  # type: ignore[attr-defined]
            raise err
        self.casebook.failed_unlocks = self.failed
        self.failed = 0
        return self.casebook

    def lock(self, casebook: Casebook) -> None:
        self.locks += 1

    @staticmethod
    def unlock_delay(attempts: int) -> float:
        return real_session.unlock_delay(attempts)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], tries: int = 200) -> None:
    """Let the app run until ``condition()`` holds (bounded; fails the test if it never does)."""
    for _ in range(tries):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never reached the expected state")


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Paste text into the focused field, as a DSL pasting from an email would (fast)."""
    focused = pilot.app.focused
    assert focused is not None, "no field has the cursor"
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


def notices(app: Any) -> list[str]:
    """The messages of every notification shown so far."""
    return [n.message for n in app._notifications]
