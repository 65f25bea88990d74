"""Faults around a session: the clock moved back, two instances at once, a rolled-back vault."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_export import answers_for
from helpers_security import assert_clean_failure, run_cli

from dsl_tui import session
from dsl_tui.casebook import Casebook
from dsl_tui.errors import VaultLocked
from dsl_tui.model import ConcernReport, NewPerson, NoteKind, PersonRole
from dsl_tui.vault import Vault

PASSPHRASE = "plum orchard lantern seven"
NAME = "Imogen Threlkeld"


class BackwardsClock:
    """A clock a test can move backwards (a PC whose clock was reset, or a timezone slip)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _report() -> ConcernReport:
    return ConcernReport(
        school="sra", reporter="Gideon Hartley",
        summary="Bartholomew Quince was sent unkind messages in a game chat.",
        people=(NewPerson(PersonRole.PUPIL, "Bartholomew Quince", "7"),),
    )  # fmt: skip


def test_a_clock_moved_backwards_keeps_the_record_and_the_audit_chain_whole() -> None:
    clock = BackwardsClock()
    casebook = Casebook.in_memory(NAME, clock=clock)
    case = casebook.log_concern(_report(), answers_for(casebook))
    clock.now -= timedelta(days=3)  # the PC's clock jumps back three days
    casebook.add_note(case.id, "Spoke with Bartholomew after the clock change.", NoteKind.FACT)
    clock.now -= timedelta(days=400)  # and back past the start of the year
    casebook.complete_step(case.id, case.steps[0].id, "Done, whatever the clock says.")
    again = casebook.case(case.id)
    assert len(again.notes) == 1 and again.steps[0].state.value != "open"
    assert len(casebook.chronology(case.id)) >= 3
    assert casebook.verify_audit() == []
    assert casebook.summaries(status="all")[0].id == case.id
    casebook.counts()  # due/overdue figures still compute
    casebook.due()


@pytest.fixture
def vault_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vault with one case, closed, with its local state in the test's folder."""
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    path = tmp_path / "vault" / "vault.dsl"
    casebook = session.create(path, NAME, "DSL", PASSPHRASE)
    casebook.log_concern(_report(), answers_for(casebook))
    session.lock(casebook)
    return path


def test_two_instances_at_once_the_second_is_told_clearly(vault_file: Path) -> None:
    first = session.unlock(vault_file, PASSPHRASE)
    try:
        with pytest.raises(VaultLocked) as caught:
            Vault.open(vault_file, PASSPHRASE)
        assert caught.value.exit_code == 4
        done = run_cli(
            "--vault", str(vault_file), "verify", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
        )
        assert_clean_failure(done, (4,))
    finally:
        session.lock(first)
    second = session.unlock(vault_file, PASSPHRASE)  # the lock is free again
    session.lock(second)


def test_a_rolled_back_vault_is_reported_by_open_and_verify(
    vault_file: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old-copy.dsl"
    shutil.copy2(vault_file, old)
    casebook = session.unlock(vault_file, PASSPHRASE)
    casebook.log_concern(_report(), answers_for(casebook))  # the vault moves on
    session.lock(casebook)
    shutil.copy2(old, vault_file)  # someone puts the older copy back
    vault = Vault.open(vault_file, PASSPHRASE)
    try:
        assert vault.rollback_warning and "older" in vault.rollback_warning
    finally:
        vault.close()
    done = run_cli(
        "--vault",
        str(vault_file),
        "verify",
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
        env={"DSL_TUI_STATE": str(tmp_path / "state")},
    )
    assert "warning" in done.stderr and "older" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_rollback_is_not_seen_without_the_local_state(vault_file: Path, tmp_path: Path) -> None:
    """A documented limit (SECURITY.md): the check lives on this PC, outside the vault."""
    old = tmp_path / "old-copy.dsl"
    shutil.copy2(vault_file, old)
    casebook = session.unlock(vault_file, PASSPHRASE)
    casebook.log_concern(_report(), answers_for(casebook))
    session.lock(casebook)
    shutil.copy2(old, vault_file)
    shutil.rmtree(tmp_path / "state")
    vault = Vault.open(vault_file, PASSPHRASE)
    try:
        assert vault.rollback_warning is None
    finally:
        vault.close()


def test_a_tampered_failed_attempts_file_cannot_stall_the_unlock(vault_file: Path) -> None:
    state_file = session._state_file(vault_file)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text('{"count": 1000000000000, "times": []}', encoding="utf-8")
    assert session.unlock_delay(session.failed_attempts(vault_file)) <= 30
    casebook = session.unlock(vault_file, PASSPHRASE)  # must not build 10^12 audit times
    session.lock(casebook)


def test_damaged_local_state_files_are_ignored(vault_file: Path, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "state" / "vaults.json").write_text(deep, encoding="utf-8")
    session._state_file(vault_file).write_text(deep, encoding="utf-8")
    casebook = session.unlock(vault_file, PASSPHRASE)
    session.lock(casebook)


def test_garbage_in_the_local_state_and_lock_files_is_ignored(
    vault_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "state" / "vaults.json").write_bytes(b"\xff\x00 not json")
    session._state_file(vault_file).write_text('{"count": "many", "times": [1, 2]}')
    (vault_file.parent / "vault.dsl.lock").write_bytes(b"\x1b]0;pwned\x07" * 1000)
    casebook = session.unlock(vault_file, PASSPHRASE)
    session.lock(casebook)
