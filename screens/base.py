"""What every screen of the app shares: the app typed, and for the desk its open casebook.

``AppScreen`` is any screen of ``DslApp`` (the vault's doors too); ``DeskScreen`` is one that works
on the open casebook (dashboard, a case, the wizard, export). No screen reaches through
``self.app`` for the casebook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from dsl_tui.casebook import Casebook

if TYPE_CHECKING:
    from dsl_tui.screens.app import DslApp

T = TypeVar("T")


async def finished(worker: Worker[T]) -> T:
    """Wait for a (thread) worker and give its result; its error is raised as itself (for
    ``@guarded`` or the caller to show as one sentence). If the waiting task is cancelled (its
    screen went away, the app is stopping) it stays cancelled: the thread's work finishes or not
    on its own."""
    try:
        return await worker.wait()
    except WorkerFailed as failed:
        raise failed.error from None
    except WorkerCancelled:
        raise asyncio.CancelledError from None


class AppScreen(Screen[None]):
    """A screen of the DSL's app."""

    @property
    def dsl_app(self) -> DslApp:
        """The app, typed."""
        return cast("DslApp", self.app)


class DeskScreen(AppScreen):
    """A screen that works on the open casebook (dashboard, a case, the wizard, export)."""

    #: True while a slow save runs in a thread: the screen's keys grey out until it is done
    #: (the screen shows it is busy in ``watch_saving``).
    saving: reactive[bool] = reactive(False, bindings=True)

    #: Actions that stay on while saving (they only move around the screen).
    WHILE_SAVING: frozenset[str] = frozenset()

    @property
    def casebook(self) -> Casebook:
        """The app's open casebook (``Locked`` while the vault is locked)."""
        return self.dsl_app.casebook

    async def in_thread(self, save: Callable[[], T], *, name: str) -> T:
        """Run a slow save (a file encrypted into the vault, an export) in a thread worker and
        wait for it, so the screen keeps drawing; its error is raised here, as itself, for the
        caller's ``@guarded`` to show as one sentence."""
        worker = self.run_worker(save, name=name, group="save", thread=True, exit_on_error=False)
        self.saving = True
        try:
            return await finished(worker)
        finally:
            self.saving = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a slow save runs, the actions not in ``WHILE_SAVING`` are greyed out."""
        return True if not self.saving or action in self.WHILE_SAVING else None
