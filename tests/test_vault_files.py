"""The files on disk: no clear text, private modes, the lock, backups, evidence blobs."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    PASSPHRASE,
    all_bytes_under,
    make_vault,
    state_dir,
    vault_path,
)

from dsl_tui.errors import NotFound, VaultExists, VaultLocked, VaultMissing, VaultTampered
from dsl_tui.vault import Vault, backups

CANARY = "Zebedee-Quillfeather-canary-7731"


def test_canary_never_reaches_any_file(vault_path: Path) -> None:
    vault = make_vault(vault_path, docs=3)
    vault.db.table("cases").insert({"pupil": CANARY, "note": f"about {CANARY}"})
    vault.db.table("notes").update({"text": CANARY}, doc_ids=[1])
    blob_id, _ = vault.put_blob(f"screenshot description {CANARY}".encode())
    vault.backup()
    vault.add_user(CANARY[:20], "granite heron umbrella 42", role=CANARY[:30])
    vault.close()
    everything = all_bytes_under(vault_path.parent) + all_bytes_under(
        Path(os.environ["DSL_TUI_STATE"])
    )
    for needle in (CANARY, CANARY[:20], "Morgan Testwood", "note number"):
        assert needle.encode() not in everything
        assert needle.encode("utf-16-le") not in everything
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert again.get_blob(blob_id) == f"screenshot description {CANARY}".encode()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_files_are_private(tmp_path: Path, state_dir: Path) -> None:  # noqa: F811
    old_umask = os.umask(0o022)  # a common default that would leave files world-readable
    try:
        path = tmp_path / "new" / "vault.dsl"
        vault = make_vault(path, docs=2)
        vault.put_blob(b"evidence")
        vault.backup()
        vault.close()
    finally:
        os.umask(old_umask)
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    files = [p for p in path.parent.rglob("*")]
    assert len([p for p in files if p.is_file()]) >= 4
    for item in files:
        expected = 0o700 if item.is_dir() else 0o600
        assert (item.stat().st_mode & 0o777) == expected, item.name


def test_create_refuses_an_existing_vault(vault_path: Path) -> None:
    make_vault(vault_path).close()
    before = vault_path.read_bytes()
    with pytest.raises(VaultExists):
        make_vault(vault_path)
    assert vault_path.read_bytes() == before


def test_open_missing_vault(tmp_path: Path, state_dir: Path) -> None:  # noqa: F811
    with pytest.raises(VaultMissing, match="run dsl-tui init"):
        Vault.open(tmp_path / "nothing.dsl", PASSPHRASE)


def test_second_open_is_locked_and_names_the_holder(vault_path: Path) -> None:
    with make_vault(vault_path):
        with pytest.raises(VaultLocked) as caught:
            Vault.open(vault_path, PASSPHRASE)
        assert socket.gethostname() in caught.value.message
        assert "since" in caught.value.message
    Vault.open(vault_path, PASSPHRASE).close()


def test_lock_held_by_another_process(vault_path: Path) -> None:
    make_vault(vault_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from dsl_tui.vault import Vault; v = Vault.open(sys.argv[1], sys.argv[2]);"
            "print('ready', flush=True); sys.stdin.readline(); v.close()",
            str(vault_path),
            PASSPHRASE,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(VaultLocked, match=f"process {holder.pid}"):
            Vault.open(vault_path, PASSPHRASE)
    finally:
        holder.communicate("done\n", timeout=30)
    Vault.open(vault_path, PASSPHRASE).close()


def test_stale_lock_of_a_dead_process_is_taken_over(vault_path: Path) -> None:
    make_vault(vault_path).close()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock = vault_path.with_name(vault_path.name + ".lock")
    lock.write_text(
        json.dumps(
            {
                "pid": int(dead.stdout),
                "host": socket.gethostname(),
                "user": "someone",
                "since": "2026-01-01T08:00:00+00:00",
            }
        )
    )
    with Vault.open(vault_path, PASSPHRASE) as vault:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        assert vault.user == "Morgan Testwood"


def test_backups_roll_and_keep_the_last_five(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        made = []
        for i in range(8):
            vault.db.insert({"i": i})
            made.append(vault.backup())
    kept = backups.list_backups(vault_path)
    assert len(kept) == 5
    assert made[-1] in kept and made[0] not in kept
    with Vault.open(kept[0], PASSPHRASE) as copy:
        assert len(copy.db) == 8


def _age_backups(vault_path: Path, seconds: float) -> None:
    """Make every backup of the vault look ``seconds`` old (their mtime)."""
    for path in backups.backups_dir(vault_path).iterdir():
        then = time.time() - seconds
        os.utime(path, (then, then))


def test_open_does_not_back_up_again_within_a_day(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:  # create backs up its first snapshot
        vault.db.insert({"text": "saved into the journal"})
        generation, snapshot = vault.generation, vault._header.snapshot_id
    before = backups.list_backups(vault_path)
    for _ in range(3):
        with Vault.open(vault_path, PASSPHRASE) as vault:
            vault.wait_for_backup()
    assert backups.list_backups(vault_path) == before, "no full copy at every unlock"
    assert not backups.has_backup(vault_path, generation, snapshot)


def test_open_backs_up_once_a_day_and_has_done_so_by_close(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        vault.db.insert({"text": "saved into the journal"})
        generation, snapshot = vault.generation, vault._header.snapshot_id
    _age_backups(vault_path, backups.DAILY_SECONDS + 60)
    with Vault.open(vault_path, PASSPHRASE) as vault:
        vault.wait_for_backup()
        assert backups.has_backup(vault_path, generation, snapshot)
        newest = backups.list_backups(vault_path)[0]
    with Vault.open(newest, PASSPHRASE) as copy:
        assert [dict(d) for d in copy.db.all()] == [{"text": "saved into the journal"}]
    _age_backups(vault_path, 23 * 3600)
    before = backups.list_backups(vault_path)
    with Vault.open(vault_path, PASSPHRASE):
        pass
    assert backups.list_backups(vault_path) == before


def test_open_backs_up_a_snapshot_never_backed_up(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        vault.db.insert({"text": "saved into the journal"})
        generation, snapshot = vault.generation, vault._header.snapshot_id
    # As a vault written by an older release, copied in, or whose backup failed (disk full).
    for path in backups.backups_dir(vault_path).iterdir():
        path.unlink()
    with Vault.open(vault_path, PASSPHRASE):
        pass  # joined by close
    assert backups.has_backup(vault_path, generation, snapshot)
    # Junk named like a backup of this state is no backup: it never stops the real one.
    for path in backups.backups_dir(vault_path).iterdir():
        path.write_bytes(b"not a vault")
    with Vault.open(vault_path, PASSPHRASE):
        pass
    assert len(backups.list_backups(vault_path, None)) == 1


def test_a_backup_that_cannot_be_written_at_open_does_not_stop_the_dsl(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_vault(vault_path) as vault:
        vault.db.insert({"text": "first"})

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    _age_backups(vault_path, backups.DAILY_SECONDS + 60)  # a backup is due at this open
    monkeypatch.setattr(backups, "write_atomic", disk_full)
    before = backups.list_backups(vault_path)
    with Vault.open(vault_path, PASSPHRASE) as vault:
        vault.db.insert({"text": "second"})
        assert len(vault.db) == 2
    assert backups.list_backups(vault_path) == before
    monkeypatch.undo()
    with Vault.open(vault_path, PASSPHRASE) as vault:
        assert len(vault.db) == 2


def test_restore_puts_a_backup_back_and_keeps_the_replaced_vault(vault_path: Path) -> None:
    with make_vault(vault_path, docs=2) as vault:
        saved = vault.backup()
        vault.db.table("notes").insert({"text": "after the backup"})
    folder = Vault.restore(vault_path, saved, PASSPHRASE)
    assert any(p.name.endswith(backups.PRE_RESTORE) for p in folder.iterdir())
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert len(again.db.table("notes")) == 2
        assert again.rollback_warning is None


def test_restore_refuses_a_damaged_backup(vault_path: Path) -> None:
    with make_vault(vault_path, docs=2) as vault:
        saved = vault.backup()
    before = vault_path.read_bytes()
    data = bytearray(saved.read_bytes())
    data[-3] ^= 1
    saved.write_bytes(bytes(data))
    with pytest.raises(VaultTampered):
        Vault.restore(vault_path, saved, PASSPHRASE)
    assert vault_path.read_bytes() == before


def test_rollback_is_warned(vault_path: Path) -> None:
    vault = make_vault(vault_path, docs=1)
    old = vault_path.read_bytes()
    vault.db.insert({"later": True})
    vault.close()
    vault_path.write_bytes(old)
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert again.rollback_warning and "older" in again.rollback_warning


def test_blobs_round_trip_and_detect_damage(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        data = os.urandom(5000)
        blob_id, sha = vault.put_blob(data)
        import hashlib

        assert sha == hashlib.sha256(data).hexdigest()
        assert vault.get_blob(blob_id) == data
        assert vault.verify() == []
        path = vault_path.parent / "blobs" / f"{blob_id}.blob"
        raw = bytearray(path.read_bytes())
        raw[100] ^= 1
        path.write_bytes(bytes(raw))
        with pytest.raises(VaultTampered):
            vault.get_blob(blob_id)
        assert any(blob_id in p for p in vault.verify())
        with pytest.raises(NotFound):
            vault.get_blob("../../etc/passwd")
        with pytest.raises(NotFound):
            vault.get_blob("0" * 32)


def test_delete_blob(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        blob_id, _ = vault.put_blob(b"to be deleted")
        vault.delete_blob(blob_id)
        with pytest.raises(NotFound):
            vault.get_blob(blob_id)
        vault.delete_blob(blob_id)
        assert vault.verify() == []


def test_replace_retries_briefly_when_windows_holds_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsl_tui.vault import atomic

    real = os.replace
    calls: list[int] = []

    def busy_twice(src: object, dst: object) -> None:
        calls.append(1)
        if len(calls) <= 2:
            err = PermissionError(13, "being used by another process")
            err.winerror = 32  # type: ignore[attr-defined]
            raise err
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.time, "sleep", lambda s: None)
    monkeypatch.setattr(os, "replace", busy_twice)
    target = tmp_path / "file.bin"
    atomic.write_atomic(target, [b"new"])
    assert target.read_bytes() == b"new" and len(calls) == 3

    def always_busy(src: object, dst: object) -> None:
        err = PermissionError(13, "access denied")
        err.winerror = 5  # type: ignore[attr-defined]
        raise err

    monkeypatch.setattr(os, "replace", always_busy)
    from dsl_tui.errors import StorageError

    with pytest.raises(StorageError):
        atomic.write_atomic(target, [b"newer"])
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


def test_junk_named_like_backups_is_never_counted_nor_deleted(vault_path: Path) -> None:
    """Issue #13 finding 5: five junk files named like newer backups pushed out every real one."""
    with make_vault(vault_path) as vault:
        vault.db.insert({"i": 0})
        real = vault.backup()
        folder = backups.backups_dir(vault_path)
        junk = [
            folder / f"{vault_path.name}.99991231T00000{i}000000Z.g999.abcdef12.bak"
            for i in range(5)
        ]
        for path in junk:
            path.write_bytes(b"not a vault at all")
        vault.db.insert({"i": 1})
        newest = vault.backup()
    kept = backups.list_backups(vault_path)
    assert real in kept and newest in kept
    assert kept[0] == newest
    assert all(path.exists() for path in junk)
    assert not set(junk) & set(kept)


def test_pruning_keeps_the_newest_generations_and_spares_other_vaults(
    vault_path: Path, tmp_path: Path
) -> None:
    other_path = tmp_path / "other" / vault_path.name
    with make_vault(other_path) as other:
        other_copy = other.backup()
    folder = backups.backups_dir(vault_path)
    folder.mkdir(parents=True, exist_ok=True)
    # Another vault's backup, named to sort first: it is not this vault's, so never pruned.
    stranger = folder / f"{vault_path.name}.99991231T000000000000Z.g999.00000000.bak"
    stranger.write_bytes(other_copy.read_bytes())
    with make_vault(vault_path) as vault:
        made = []
        for i in range(8):
            vault.db.insert({"i": i})
            made.append(vault.backup())
        vault_id = vault.vault_id
    kept = backups.list_backups(vault_path, vault_id)
    assert kept == list(reversed(made[-5:]))
    assert stranger.exists()


def test_pre_restore_copies_are_pruned_to_two_and_junk_is_left(vault_path: Path) -> None:
    with make_vault(vault_path, docs=2) as vault:
        saved = vault.backup()
    folder = backups.backups_dir(vault_path)
    junk = folder / f"{vault_path.name}.00000000T000000000000Z{backups.PRE_RESTORE}"
    junk.write_bytes(b"junk")
    for _ in range(4):
        Vault.restore(vault_path, saved, PASSPHRASE)
    kept = [p for p in folder.iterdir() if p.name.endswith(backups.PRE_RESTORE) and p != junk]
    assert len(kept) == 2
    assert junk.exists()
