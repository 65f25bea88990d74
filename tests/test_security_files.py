"""Issue #13 finding 10: every file dsl-tui writes is private from its first byte (0600 files,
0700 folders), under a permissive umask, and temp files left by a killed write are swept at open."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_vault import PASSPHRASE, make_vault, state_dir, vault_path  # noqa: F401

from dsl_tui import session
from dsl_tui.errors import WrongPassphrase
from dsl_tui.export import keygen
from dsl_tui.report import Report, write_csv
from dsl_tui.vault import Vault, backups

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave files readable by everyone, unless the code sets the mode."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_every_file_and_folder_written_is_private_from_the_start(
    tmp_path: Path, vault_path: Path, state_dir: Path, open_umask: None
) -> None:
    nested = tmp_path / "new" / "deeper" / "vault.dsl"
    with make_vault(nested) as vault:
        vault.put_blob(b"a description of a screenshot")
        vault.backup()
    with pytest.raises(WrongPassphrase):
        session.unlock(nested, "not the passphrase at all")
    csv_path = tmp_path / "report.csv"
    write_csv(Report(year=2026, total=0), csv_path)
    key = tmp_path / "manager.key"
    keygen(key)
    files = [
        nested,
        nested.with_name("vault.dsl.lock"),
        *backups.backups_dir(nested).iterdir(),
        *(nested.parent / "blobs").iterdir(),
        *state_dir.iterdir(),  # vaults.json and the failed-attempts file
        csv_path,
        key,
    ]
    assert any(p.name.startswith("unlock-") for p in state_dir.iterdir())
    for path in files:
        assert _mode(path) == 0o600, (path.name, oct(_mode(path)))
    for folder in (
        tmp_path / "new",
        nested.parent,
        backups.backups_dir(nested),
        nested.parent / "blobs",
        state_dir,
    ):
        assert _mode(folder) == 0o700, (folder.name, oct(_mode(folder)))


def test_hardening_sets_a_private_umask(open_umask: None) -> None:
    """What the program does first thing, beside ``harden()`` (which is not called here: it
    would turn core files off for this test worker)."""
    from dsl_tui.hardening import private_umask

    assert private_umask()
    assert os.umask(0o022) == 0o077


def test_temp_files_of_a_killed_write_are_swept_at_open(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        vault.backup()
    folder = vault_path.parent
    (folder / "blobs").mkdir(exist_ok=True)
    stale = [
        folder / f".{vault_path.name}.0123456789ab.tmp",
        backups.backups_dir(vault_path)
        / f".{vault_path.name}.20260101T000000Z.g1.ab.bak.a1b2c3d4e5f6.tmp",
        folder / "blobs" / f".{'0' * 32}.blob.a1b2c3d4e5f6.tmp",
    ]
    fresh_blob_temp = folder / "blobs" / f".{'1' * 32}.blob.a1b2c3d4e5f6.tmp"
    kept = [
        folder / ".other.dsl.0123456789ab.tmp",  # another vault's write, maybe in flight
        folder / "notes.tmp",  # not ours at all
        fresh_blob_temp,  # evidence folders can be shared: only stale ones go
    ]
    for path in [*stale, *kept]:
        path.write_bytes(b"ciphertext")
    hour_ago = time.time() - 7200
    os.utime(stale[2], (hour_ago, hour_ago))
    with Vault.open(vault_path, PASSPHRASE):
        pass
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)
