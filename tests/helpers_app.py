"""Test helpers for the Textual app: a fixed clock, casebooks with fictional cases, an in-memory
session (create / unlock / lock) and a bounded wait for conditions the app reaches by itself."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.pilot import Pilot

from dsl_tui import session as real_session
from dsl_tui.casebook import Casebook
from dsl_tui.errors import WrongPassphrase
from dsl_tui.model import Question
from dsl_tui.screens.safety import DIALOG

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

    def vault_exists(self, path: Path | None) -> bool:
        return True

    def create(self, path: Path | None, name: str, role: str, passphrase: str) -> Casebook:
        self.passphrase = passphrase
        return self.casebook

    def unlock(self, path: Path | None, passphrase: str) -> Casebook:
        if passphrase != self.passphrase:
            self.failed += 1
            err = WrongPassphrase("That passphrase does not open this vault.")
            err.failed_attempts = self.failed
            raise err
        self.casebook.failed_unlocks = self.failed
        self.failed = 0
        return self.casebook

    def lock(self, casebook: Casebook) -> None:
        self.locks += 1

    @staticmethod
    def unlock_delay(attempts: int) -> float:
        return real_session.unlock_delay(attempts)


async def settle_workers(app: App[Any]) -> None:
    """Wait for the app's running workers to finish, whatever their outcome.

    ``workers.wait_for_complete()`` re-raises a worker's error, and a worker that fails on
    purpose (a wrong passphrase, with ``exit_on_error=False``) is the screen's to report, not the
    test's: that made tests flaky, depending on whether the worker was still listed. An
    unexpected error still fails the test, through the app's own error handler.
    """
    running = [
        worker.wait()
        for worker in app.workers
        if not worker.is_finished and worker.group != DIALOG  # a dialog flow waits on the DSL
    ]
    await asyncio.gather(*running, return_exceptions=True)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], tries: int = 200) -> None:
    """Let the app run until ``condition()`` holds (bounded; fails the test if it never does)."""
    for _ in range(tries):
        await settle_workers(pilot.app)
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


async def answer_by_keys(pilot: Pilot[Any], question: Question, answer: str) -> None:
    """Answer a wizard question as a DSL would: y or n, a choice's number, or for a question
    with several answers each side's number (``a+b``) and then Enter."""
    keys = [c.key for c in question.choices]
    if question.kind == "yes_no":
        await pilot.press(answer[0])
    elif question.multi:
        await pilot.press(*(str(keys.index(side) + 1) for side in answer.split("+")), "enter")
    else:
        await pilot.press(str(keys.index(answer) + 1))


def notices(app: Any) -> list[str]:
    """The messages of every notification shown so far."""
    return [n.message for n in app._notifications]


#: Fixed fictional cases for snapshots: (school, summary, pupil, year, answers, hours before T0).
SNAPSHOT_CASES: tuple[tuple[str, str, str, str, dict[str, str], float], ...] = (
    ("sra", "Threatening Instagram messages from two Year 9 pupils", "Marigold Thistlewood", "Y8",
     {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
      "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
      "still_online": "yes"}, 50),
    ("kha", "An adult on Roblox asked a pupil for photos", "Kofi Ashdown", "Y7",
     {"immediate_danger": "no", "about": "child_online", "child_harm": "grooming",
      "contact_offline": "no", "adult_works_with_children": "no"}, 3),
    ("fla", "Parent posted an inflammatory comment about a teacher", "Unknown", "",
     {"immediate_danger": "no", "about": "staff_content", "content_kind": "inflammatory",
      "content_author": "parent", "content_threatening": "no", "content_alleges_harm": "no"}, 30),
    ("bwp", "Staff member posted a lewd joke on a public profile", "Unknown", "",
     {"immediate_danger": "no", "about": "staff_conduct", "breach_kind": "lewd",
      "involves_children": "no", "breach_unlawful": "no", "staff_also_targeted": "no"}, 200),
    ("sra", "Image shared in a Year 10 group chat", "Isla Penrose", "Y10",
     {"immediate_danger": "no", "about": "nudes", "nudes_adult": "no", "nudes_extortion": "no",
      "nudes_coercion": "no", "nudes_concerning_acts": "no", "nudes_under_13": "no",
      "nudes_immediate_risk": "no", "nudes_shared_onward": "no", "nudes_ai_made": "no",
      "nudes_online": "no"}, 1),
)  # fmt: skip


def snapshot_casebook() -> Casebook:
    """A casebook of a few fixed fictional cases, some worked on, on the fixed clock."""
    from dsl_tui.model import ConcernReport, NewAccount, NewPerson, PersonRole

    clock = FixedClock()
    book = Casebook.in_memory(user=USER, clock=clock)
    for school, summary, pupil, year, answers, hours in SNAPSHOT_CASES:
        role = PersonRole.PUPIL if year else PersonRole.OTHER
        report = ConcernReport(
            school=school, reporter="Form tutor", summary=summary,
            reported_at=T0 - timedelta(hours=hours),
            child_words="I just want it to stop." if year else "",
            people=(NewPerson(role, pupil, year),),
            accounts=(NewAccount("Instagram", handle="@nightowl_77"),),
        )  # fmt: skip
        case = book.log_concern(report, answers)
        first = case.steps[0]
        if not first.needs:
            book.complete_step(case.id, first.id, "Done the same day.")
        else:
            book.set_aside_step(case.id, first.id, "Handled under the first step of a linked case.")
        book.add_note(case.id, "Spoke with the reporter; facts recorded as told.")
    return book


#: Characters typed as named keys (everything else is pressed as itself).
_NAMED_KEYS = {" ": "space", "\n": "enter", "\t": "tab"}


async def type_keys(pilot: Pilot[Any], text: str) -> None:
    """Type text key by key, as a person at the keyboard does (a newline presses Enter, a tab Tab).

    Each character is the same ``Key`` event ``pilot.press`` sends to the app, but a run of
    characters goes in one burst (a fast typist) instead of waiting ~40 ms of idle time after
    each key; Enter and Tab, which may move the cursor to another field, wait as usual.
    """
    from textual.keys import _character_to_key

    app = pilot.app
    for chunk in re.split(r"([\n\t])", text):
        if chunk in _NAMED_KEYS:
            await pilot.press(_NAMED_KEYS[chunk])
            continue
        for char in chunk:
            key = _NAMED_KEYS.get(char) or (char if char.isalnum() else _character_to_key(char))
            event = events.Key(key, char)
            event.set_sender(app)
            app.post_message(event)  # queued in order, as the driver queues a key
        if chunk:
            await pilot.pause()
            await pilot.pause()  # the app forwards each key to the focused field
