"""Locking and quitting close the vault in a thread worker: the compaction and the backup it
writes (seconds at 10,000 cases) never run on the event loop (issue 14).

No timing is asserted: a compaction is held open on purpose, and the app must keep running its
timers meanwhile, on a thread other than the event loop's.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers_app import PASSPHRASE, type_text, wait_until

from dsl_tui import session
from dsl_tui.demo import add_demo_cases
from dsl_tui.jsontypes import Doc
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.dashboard import DashboardScreen
from dsl_tui.screens.unlock import UnlockScreen
from dsl_tui.vault import Vault, backups
from dsl_tui.vault.header import Header
from dsl_tui.vault.journal import CompactionPolicy


@pytest.fixture(autouse=True)
def _local_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))


class HeldCompaction:
    """Patches the vault's snapshot rewrite: it records its thread, then waits until the app's
    timer has ticked three times during it (at most 10 s, so code that runs it on the event loop,
    where no timer can tick, fails rather than hangs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on_main_thread: list[bool] = []
        self.busy = threading.Event()
        self.release = threading.Event()
        self.ticks_while_busy = 0
        real = Vault._rewrite_locked

        def held(vault: Vault, header: Header, data_key: bytes, meta: Doc) -> None:
            self.on_main_thread.append(threading.current_thread() is threading.main_thread())
            self.busy.set()
            try:
                self.release.wait(timeout=10)
                real(vault, header, data_key, meta)
            finally:
                self.busy.clear()

        monkeypatch.setattr(Vault, "_rewrite_locked", held)
        # Any journal at all is worth compacting on close.
        monkeypatch.setattr(Vault, "policy", CompactionPolicy(soft_min_bytes=0, soft_ratio=0.0))

    def tick(self) -> None:
        """A timer callback of the app (it runs on the event loop)."""
        if self.busy.is_set():
            self.ticks_while_busy += 1
            if self.ticks_while_busy >= 3:
                self.release.set()


def _vault_with_cases(path: Path) -> None:
    casebook = session.create(path, "Priya Ramanathan", "DSL", PASSPHRASE)
    add_demo_cases(casebook, 3)
    session.lock(casebook)


async def test_ctrl_l_compacts_off_the_event_loop_and_the_app_keeps_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vault.dsl"
    _vault_with_cases(path)
    casebook = session.unlock(path, PASSPHRASE)
    generation = casebook.vault.generation if casebook.vault else 0
    held = HeldCompaction(monkeypatch)
    app = DslApp(vault_path=path, casebook=casebook)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.set_interval(0.01, held.tick)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
    assert held.on_main_thread == [False], "the compaction ran, on a worker thread"
    assert held.ticks_while_busy >= 3, (
        "the event loop kept running its timers during the compaction"
    )
    assert app.is_locked and casebook.vault is None
    # The compaction (and its backup) completed: a backup of the new snapshot exists.
    reopened = Vault.open(path, PASSPHRASE)
    try:
        assert reopened.generation > generation
        assert reopened._records == 0, "the journal was folded into the snapshot"
        assert backups.has_backup(path, reopened.generation, reopened._header.snapshot_id)
    finally:
        reopened.close()


async def test_quitting_closes_the_vault_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vault.dsl"
    _vault_with_cases(path)
    app = DslApp(vault_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        held = HeldCompaction(monkeypatch)
        app.set_interval(0.01, held.tick)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert held.on_main_thread == [False]
    assert held.ticks_while_busy >= 3
    assert app.is_locked
    reopened = Vault.open(path, PASSPHRASE)  # the lock was released on the way out
    reopened.close()
