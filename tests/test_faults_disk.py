"""Faults on the DSL's disk: full, read-only, the vault deleted while open, backups gone, and a
power cut in the middle of writing a case file.

Each must end in one clear StorageError (or a clean refusal), memory never ahead of the disk, and
no plaintext or half-written file under a real name.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from helpers_export import fake_casebook, sample_case, worked_case

from dsl_tui import session
from dsl_tui.errors import DslError, StorageError, UsageError
from dsl_tui.export import export_cases, package
from dsl_tui.model import NoteKind
from dsl_tui.vault import atomic

PASSPHRASE = "plum orchard lantern seven"
NAME = "Imogen Threlkeld"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any, str]]:
    """(vault path, open casebook, a worked case id) on a fresh vault; locked afterwards."""
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    path = tmp_path / "vault" / "vault.dsl"
    casebook = session.create(path, NAME, "DSL", PASSPHRASE)
    case_id = worked_case(casebook)
    yield path, casebook, case_id
    if casebook.vault is not None and not casebook.vault.closed:
        casebook.lock()


def _failing_write(code: int) -> Any:
    def write_all(fd: int, data: Any) -> None:
        raise OSError(code, os.strerror(code))

    return write_all


def _notes(casebook: Any, case_id: str) -> int:
    return len(casebook.case(case_id, view=False).notes)


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"), (errno.EIO, "disk reported")],
)
def test_a_failing_disk_refuses_the_save_and_memory_stays_with_the_disk(
    desk: tuple[Path, Any, str], monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    path, casebook, case_id = desk
    before = _notes(casebook, case_id)
    with monkeypatch.context() as patch:
        patch.setattr(atomic, "write_all", _failing_write(code))
        with pytest.raises(StorageError) as caught:
            casebook.add_note(case_id, "Ottoline said more at lunch.", NoteKind.FACT)
    assert words in caught.value.message and "Ottoline" not in caught.value.message
    assert _notes(casebook, case_id) == before  # memory did not run ahead of the disk
    casebook.add_note(case_id, "Ottoline said more at lunch.", NoteKind.FACT)  # disk is back
    session.lock(casebook)
    again = session.unlock(path, PASSPHRASE)
    try:
        assert _notes(again, case_id) == before + 1
        assert again.verify_audit() == []
    finally:
        again.lock()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="running as root: chmod does not stop root writing (EROFS is simulated above)",
)
def test_a_read_only_vault_folder_is_a_clear_storage_error(desk: tuple[Path, Any, str]) -> None:
    path, casebook, case_id = desk
    casebook.lock()
    os.chmod(path, 0o400)
    os.chmod(path.parent, 0o500)
    try:
        with pytest.raises(DslError) as caught:
            session.unlock(path, PASSPHRASE)
        assert caught.value.exit_code in (1, 4)
    finally:
        os.chmod(path.parent, 0o700)
        os.chmod(path, 0o600)


def test_the_vault_deleted_while_open_is_a_clear_error_not_a_crash(
    desk: tuple[Path, Any, str],
) -> None:
    path, casebook, case_id = desk
    path.unlink()
    with pytest.raises(StorageError) as caught:
        casebook.add_note(case_id, "Written after the file vanished.", NoteKind.FACT)
    assert "gone" in caught.value.message
    try:
        session.lock(casebook)
    except StorageError:
        pass  # the lock's own audit entry cannot be saved either; the keys are still dropped
    assert casebook.vault is None or casebook.vault.closed


def test_the_vault_deleted_while_open_is_written_again_on_lock(
    desk: tuple[Path, Any, str],
) -> None:
    path, casebook, case_id = desk
    before = _notes(casebook, case_id)
    path.unlink()
    try:
        session.lock(casebook)
    except StorageError:
        pass
    again = session.unlock(path, PASSPHRASE)  # memory held everything: it must not be lost
    try:
        assert _notes(again, case_id) == before
    finally:
        again.lock()


def test_a_missing_backups_folder_is_made_again(desk: tuple[Path, Any, str]) -> None:
    path, casebook, case_id = desk
    shutil.rmtree(path.parent / "backups")
    backup = casebook.vault.backup()
    assert backup.is_file() and backup.parent.name == "backups"
    session.lock(casebook)
    again = session.unlock(path, PASSPHRASE)
    try:
        assert again.case(case_id, view=False).id == case_id
    finally:
        again.lock()


def _recipient() -> str:
    return str(pyrage.x25519.Identity.generate().to_public())


@pytest.mark.parametrize("fails", ["fsync", "replace"])
def test_power_loss_mid_export_leaves_no_file_under_the_real_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    out = tmp_path / "case.age"
    real = getattr(os, fails)

    def broken(*args: Any, **kwargs: Any) -> Any:
        if fails == "replace" or (args and isinstance(args[0], int)):
            raise OSError(errno.EIO, "power lost")
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(package.os, fails, broken)
        with pytest.raises(StorageError):
            export_cases(
                fake_casebook(sample_case()), ["SRA-2026-0001"], out, recipients=[_recipient()]
            )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no case file, no temp file


def test_a_failed_export_keeps_the_older_case_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "case.age"
    book = fake_casebook(sample_case())
    export_cases(book, ["SRA-2026-0001"], out, recipients=[_recipient()])
    before = out.read_bytes()
    with monkeypatch.context() as patch:
        patch.setattr(package.os, "replace", _failing_write(errno.ENOSPC))
        with pytest.raises(StorageError):
            export_cases(book, ["SRA-2026-0001"], out, recipients=[_recipient()])
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["case.age"]


def test_export_never_overwrites_a_file_that_is_not_a_case_file(tmp_path: Path) -> None:
    """A slip of the keyboard (--out vault.dsl) must not replace the vault."""
    precious = tmp_path / "vault.dsl"
    precious.write_bytes(b"DSLVAULT precious bytes")
    with pytest.raises(UsageError):
        export_cases(
            fake_casebook(sample_case()), ["SRA-2026-0001"], precious, recipients=[_recipient()]
        )
    assert precious.read_bytes() == b"DSLVAULT precious bytes"
