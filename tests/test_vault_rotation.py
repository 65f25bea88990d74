"""Key rotation (issue #13 findings 1-2): ``passwd``, ``rekey`` and ``users remove`` put the vault,
its evidence and every backup under a new data key, so no file in the vault's folder opens with an
old passphrase (or a removed user's); a rotation cut short by a kill or a full disk is finished by
the next open or ``verify``, and ``verify`` names what is left instead of saying "sound"."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    DEPUTY,
    DEPUTY_PASSPHRASE,
    NAME,
    PASSPHRASE,
    header_json,
    make_vault,
    run_cli,
    state_dir,
    vault_path,
)

from dsl_tui.errors import NotFound, VaultTampered, WrongPassphrase
from dsl_tui.vault import Vault, atomic, backups, blobs, header, loader, rotation
from dsl_tui.vault.header import MAGIC
from dsl_tui.vault.kdf import KdfParams
from dsl_tui.vault.loader import KekCache, load

NEW_PASSPHRASE = "quartz willow beacon 73"
EVIDENCE = [b"fictional screenshot of a message to Ottoline", b"fictional note from Bartholomew"]
DATA = Path(__file__).parent / "data"


@pytest.fixture
def quick_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id stood in for by one SHA-256, so a test can open dozens of vaults: these tests are
    about which file is under which key (the KDF has its own tests). Not for files a CLI
    subprocess must open."""

    def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
        return hashlib.sha256(b"test kdf|" + passphrase.encode() + salt + params.binding()).digest()

    monkeypatch.setattr(header, "derive_key", derive_key)
    monkeypatch.setattr(loader, "derive_key", derive_key)


def _furnish(path: Path) -> tuple[list[str], dict[str, bytes]]:
    """A vault with a deputy, three notes, two evidence files, rolling backups and a
    ``.pre-restore`` copy; returns (evidence ids, {key id: data key} of the key in use)."""
    with make_vault(path, docs=2) as vault:
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
        ids = [vault.put_blob(data)[0] for data in EVIDENCE]
        vault.db.table("evidence").insert_multiple({"blob_id": i} for i in ids)
        vault.db.table("notes").insert({"case": "C-0002", "text": "a later note"})
        latest = vault.backup()
        keys = {vault._header.key_id: vault._data_key}
    Vault.restore(path, latest, PASSPHRASE)  # keeps the vault it replaces as .pre-restore
    return ids, keys


def _opens(raw: bytes, passphrase: str, keys: Mapping[str, bytes], cache: KekCache) -> bool:
    """Whether a vault file or evidence file's bytes open with ``passphrase`` or one of ``keys``."""
    if raw.startswith(blobs.MAGIC):
        vault_id, key_id, blob_id = raw[8:24].hex(), raw[24:32].hex(), raw[32:48].hex()
        for key in keys.values():
            try:
                blobs.open_blob(raw, vault_id, blob_id, {key_id: key})
            except VaultTampered:
                continue
            return True
        return False
    if not raw.startswith(MAGIC):
        return False
    try:
        load(raw, passphrase, kek_cache=cache)
    except (WrongPassphrase, VaultTampered):
        pass
    else:
        return True
    for key in keys.values():
        try:
            load(raw, None, data_key=key)
        except VaultTampered:
            continue
        return True
    return False


def _files_opening_with(folder: Path, passphrase: str, keys: Mapping[str, bytes]) -> list[str]:
    """Files under ``folder`` (temp files too) that ``passphrase`` opens, or that one of ``keys``
    decrypts: what someone who knew the passphrase (and so the data key it unwrapped) can read."""
    cache: KekCache = {}
    return [
        path.relative_to(folder).as_posix()
        for path in sorted(p for p in folder.rglob("*") if p.is_file())
        if _opens(path.read_bytes(), passphrase, keys, cache)
    ]


def _copies(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "backups").iterdir() if not p.name.startswith("."))


def _fail_with_full_disk(fd: int, data: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@contextmanager
def _disk_full_from(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> Iterator[None]:
    """The disk fills up when ``module.name`` is first called (the storage fault hook: every
    write then fails with ENOSPC); it has room again after the block."""
    with monkeypatch.context() as patch:
        real = getattr(module, name)

        def filling(*args: object, **kwargs: object) -> object:
            patch.setattr(atomic, "write_all", _fail_with_full_disk)
            return real(*args, **kwargs)

        patch.setattr(module, name, filling)
        yield


def _disk_full_once_resealing_starts(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The disk fills up just after the vault was written under the new key."""
    return _disk_full_from(monkeypatch, rotation, "reseal")


def test_after_passwd_no_file_in_the_vault_folder_opens_with_the_old_passphrase(
    vault_path: Path, quick_kdf: None
) -> None:
    ids, old_keys = _furnish(vault_path)
    folder = vault_path.parent
    killed_write = folder / "blobs" / f".{ids[0]}.blob.0123456789ab.tmp"  # a killed evidence save
    shutil.copyfile(folder / "blobs" / f"{ids[0]}.blob", killed_write)
    before = _files_opening_with(folder, PASSPHRASE, old_keys)
    assert killed_write.relative_to(folder).as_posix() in before
    assert "vault.dsl" in before and len(before) >= 6  # the finding: backups, evidence, the vault
    assert any(n.endswith(".pre-restore") for n in before)
    with Vault.open(vault_path, PASSPHRASE) as vault:
        done = vault.change_passphrase(NEW_PASSPHRASE)
        assert done.finished and done.removed == [] and done.evidence == 2
        assert not vault.rotation_under_way and vault._meta["old_keys"] == {}
        assert "rotation" not in vault._meta
    assert _files_opening_with(folder, PASSPHRASE, old_keys) == []
    for copy in _copies(folder):  # every copy still opens, with the new passphrase and the deputy's
        load(copy.read_bytes(), NEW_PASSPHRASE)
        load(copy.read_bytes(), DEPUTY_PASSPHRASE)
    with Vault.open(vault_path, NEW_PASSPHRASE) as vault:
        assert [vault.get_blob(i) for i in ids] == EVIDENCE
        assert len(vault.db.table("notes")) == 3
        assert vault.verify() == []


def test_a_resealed_backup_keeps_its_own_cases_and_generation_under_the_current_slots(
    vault_path: Path, quick_kdf: None
) -> None:
    with make_vault(vault_path, docs=1) as vault:
        early = vault.backup()
        found = backups.read_backup(early)
        assert found is not None
        vault.db.table("notes").insert({"case": "C-0001", "text": "after the backup"})
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)  # the early backup has no slot for the deputy
        assert vault.rekey().backups >= 1
        header = vault._header
    assert early.exists()
    loaded = load(early.read_bytes(), DEPUTY_PASSPHRASE)  # current slots: the deputy opens it
    assert len(loaded.tables["notes"]) == 1, "the backup's own cases, not the vault's"
    assert loaded.generation == found.generation
    assert early.name.endswith(f".{loaded.header.snapshot_id[:8]}.bak"), "its own snapshot id"
    assert loaded.header.key_id == header.key_id
    assert [s.slot_id for s in loaded.header.slots] == [s.slot_id for s in header.slots]
    assert loaded.records == 0 and "rotation" not in loaded.meta
    names = {u["name"] for u in loaded.meta["users"].values()}
    assert names == {NAME, DEPUTY}


def test_a_backup_from_before_users_remove_no_longer_opens_for_the_removed_user(
    vault_path: Path, quick_kdf: None
) -> None:
    ids, old_keys = _furnish(vault_path)
    folder = vault_path.parent
    assert any(n.startswith("backups/") for n in _files_opening_with(folder, DEPUTY_PASSPHRASE, {}))
    with Vault.open(vault_path, PASSPHRASE) as vault:
        done = vault.remove_user(DEPUTY)
        assert done.finished and done.evidence == 2
    assert _files_opening_with(folder, DEPUTY_PASSPHRASE, old_keys) == []
    for copy in _copies(folder):
        loaded = load(copy.read_bytes(), PASSPHRASE)
        assert [u["name"] for u in loaded.meta["users"].values()] == [NAME]
    with Vault.open(vault_path, PASSPHRASE) as vault:
        assert [vault.get_blob(i) for i in ids] == EVIDENCE


def test_a_backup_that_cannot_be_resealed_is_removed_and_named_and_other_files_are_left(
    vault_path: Path, tmp_path: Path, quick_kdf: None
) -> None:
    _furnish(vault_path)
    folder = vault_path.parent / "backups"
    damaged = _copies(vault_path.parent)[0]
    raw = bytearray(damaged.read_bytes())
    raw[-20] ^= 0x01  # inside the sealed body: the header still names this vault
    damaged.write_bytes(bytes(raw))
    make_vault(tmp_path / "other" / "vault.dsl").close()
    other_copy = folder / "vault.dsl.20200101T000000000000Z.g1.0a0b0c0d.bak"
    other_copy.write_bytes((tmp_path / "other" / "vault.dsl").read_bytes())
    junk = folder / "vault.dsl.20200101T000000000001Z.g9.00000000.bak"
    junk.write_bytes(b"not a vault at all")
    with Vault.open(tmp_path / "other" / "vault.dsl", PASSPHRASE) as other:
        other_blob = other.put_blob(b"another vault's evidence")[0]
    other_temp = vault_path.parent / "blobs" / f".{other_blob}.blob.0123456789ab.tmp"
    other_temp.write_bytes((tmp_path / "other" / "blobs" / f"{other_blob}.blob").read_bytes())
    others = {p: p.read_bytes() for p in (other_copy, junk, other_temp)}
    with Vault.open(vault_path, PASSPHRASE) as vault:
        done = vault.rekey()
    assert done.removed == [damaged.name] and done.finished
    assert not damaged.exists()
    assert any(damaged.name in note for note in done.notes())
    assert {p: p.read_bytes() for p in others} == others, "another vault's files and junk untouched"


class _Killed(BaseException):
    """Stands for the process dying at that instant (no cleanup runs)."""


def _kill_at(patch: pytest.MonkeyPatch, stage: int, after: bool) -> None:
    """Die at the ``stage``-th file replaced (every durable write ends in one): before the
    replace (the temp file written, the file unchanged) or just after it."""
    real = atomic.replace
    seen = [0]

    def replace(src: Path, dst: Path) -> None:
        seen[0] += 1
        if seen[0] == stage and not after:
            raise _Killed
        real(src, dst)
        if seen[0] == stage and after:
            raise _Killed

    patch.setattr(atomic, "replace", replace)


def _check_after_kill(path: Path, ids: list[str], old_keys: Mapping[str, bytes]) -> bool:
    """The next open finishes what the kill left; True if the passphrase had been changed."""
    try:
        vault = Vault.open(path, NEW_PASSPHRASE)
    except WrongPassphrase:  # killed before the vault was written under the new key
        with Vault.open(path, PASSPHRASE) as vault:
            assert not vault.rotation_under_way
            assert [vault.get_blob(i) for i in ids] == EVIDENCE
        return False
    with vault:
        assert not vault.rotation_under_way, vault.rotation_notes
        assert [vault.get_blob(i) for i in ids] == EVIDENCE
        assert len(vault.db.table("notes")) == 3
        assert vault.verify() == []
    assert _files_opening_with(path.parent, PASSPHRASE, old_keys) == []
    return True


@pytest.mark.parametrize("after", [False, True], ids=["before-replace", "after-replace"])
def test_passwd_killed_at_any_write_leaves_a_vault_the_next_open_finishes(
    vault_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: bool, quick_kdf: None
) -> None:
    ids, old_keys = _furnish(vault_path)
    template = tmp_path / "template"
    shutil.copytree(vault_path.parent, template)
    changed = []
    stage = 1
    while True:
        shutil.rmtree(vault_path.parent)
        shutil.copytree(template, vault_path.parent)
        vault = Vault.open(vault_path, PASSPHRASE)
        vault.wait_for_backup()
        with monkeypatch.context() as patch:
            _kill_at(patch, stage, after)
            try:
                vault.change_passphrase(NEW_PASSPHRASE)
                killed = False
            except _Killed:
                killed = True
        if not killed:
            vault.close()
            break
        vault._lock.release()  # what the OS does for a killed process
        changed.append(_check_after_kill(vault_path, ids, old_keys))
        stage += 1
    assert stage > 12, "every file written by passwd was a stage"
    assert changed[0] is after and all(changed[1:]), (
        "only a kill before the first replace undoes it"
    )


@pytest.mark.parametrize("full_from", ["evidence", "backups"])
def test_disk_full_while_resealing_leaves_work_that_the_next_open_finishes(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch, quick_kdf: None, full_from: str
) -> None:
    ids, old_keys = _furnish(vault_path)
    with Vault.open(vault_path, PASSPHRASE) as vault:
        vault.wait_for_backup()
        copies = [p.name for p in _copies(vault_path.parent)]
        at = (rotation, "reseal") if full_from == "evidence" else (backups, "copies_of")
        with _disk_full_from(monkeypatch, *at):
            done = vault.change_passphrase(NEW_PASSPHRASE)
            assert not done.finished and vault.rotation_under_way
            assert "disk is full" in done.notes()[-1] and "next unlock" in done.notes()[-1]
            problems = vault.verify()  # the disk is still full: verify cannot finish it either
        retired = [
            f"Evidence file {i} is still sealed under a retired" in str(problems) for i in ids
        ]
        assert all(retired) if full_from == "evidence" else not any(retired)
        assert any(p.startswith("Backup vault.dsl.") and "retired" in p for p in problems)
        assert any("key rotation is unfinished" in p for p in problems)
        assert vault.get_blob(ids[0]) == EVIDENCE[0], "evidence stays readable meanwhile"
    with Vault.open(vault_path, NEW_PASSPHRASE) as vault:  # the disk has room again
        assert vault.rotation_notes[0].startswith("Finished the key rotation left under way")
        assert len(vault.rotation_notes) == 1, "no backup was removed: each was re-sealed"
        assert not vault.rotation_under_way and vault._meta["old_keys"] == {}
        assert set(copies) <= {p.name for p in _copies(vault_path.parent)}
        assert vault.verify() == []
        assert [vault.get_blob(i) for i in ids] == EVIDENCE
    assert _files_opening_with(vault_path.parent, PASSPHRASE, old_keys) == []


def test_a_backup_left_unread_keeps_its_key_and_the_next_open_reseals_it(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch, quick_kdf: None
) -> None:
    _, old_keys = _furnish(vault_path)
    unreadable = _copies(vault_path.parent)[0]
    real = rotation.read_file

    def read_file(path: Path) -> bytes:
        if path == unreadable:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(path)

    with Vault.open(vault_path, PASSPHRASE) as vault:
        with monkeypatch.context() as patch:
            patch.setattr(rotation, "read_file", read_file)
            done = vault.rekey()
        assert not done.finished and "disk reported an error" in done.notes()[-1]
        assert vault.rotation_under_way and len(vault._meta["old_keys"]) == 1
    with Vault.open(vault_path, PASSPHRASE) as vault:
        assert vault.rotation_notes == [vault.rotation_notes[0]], "nothing removed"
        assert not vault.rotation_under_way
    load(unreadable.read_bytes(), PASSPHRASE)  # re-sealed, not deleted
    assert _files_opening_with(vault_path.parent, "", old_keys) == []


def test_a_retried_users_remove_finishes_the_resealing_and_never_says_no_such_user(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _furnish(vault_path)
    with Vault.open(vault_path, PASSPHRASE) as vault:
        vault.wait_for_backup()
        with _disk_full_once_resealing_starts(monkeypatch):
            assert not vault.remove_user(DEPUTY).finished
            again = vault.remove_user(DEPUTY.upper())  # still full: work left, same user
            assert not again.finished and vault.rotation_under_way
        with pytest.raises(NotFound):
            vault.remove_user("Nobody Atall")
    result = run_cli(
        "users", "remove", DEPUTY, "--vault", str(vault_path), "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Finished the key rotation left under way" in result.stderr
    assert f"Removed {DEPUTY}" in result.stderr and "No user" not in result.stderr
    assert _files_opening_with(vault_path.parent, DEPUTY_PASSPHRASE, {}) == []


def test_cli_passwd_and_rekey_say_what_they_resealed_and_the_old_passphrase_opens_nothing(
    vault_path: Path,
) -> None:
    _, old_keys = _furnish(vault_path)
    common = ("--vault", str(vault_path), "--passphrase-stdin")
    result = run_cli("passwd", *common, stdin=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n{NEW_PASSPHRASE}\n")
    assert result.returncode == 0, result.stderr
    assert f"Changed the passphrase of {NAME}; the vault, 2 evidence files and" in result.stderr
    assert _files_opening_with(vault_path.parent, PASSPHRASE, old_keys) == []
    key_before = json.loads(header_json(vault_path.read_bytes()))["key_id"]
    result = run_cli("rekey", *common, stdin=NEW_PASSPHRASE + "\n")
    assert result.returncode == 0, result.stderr
    assert "Rotated the data key; the vault, 2 evidence files and" in result.stderr
    assert json.loads(header_json(vault_path.read_bytes()))["key_id"] != key_before
    result = run_cli("verify", *common, stdin=NEW_PASSPHRASE + "\n")
    assert result.returncode == 0 and "sound" in result.stdout, result.stderr


def test_a_vault_made_before_rotation_records_opens_and_rekey_removes_what_it_cannot_reseal(
    tmp_path: Path, state_dir: Path
) -> None:
    folder = tmp_path / "main-vault"
    shutil.copytree(DATA / "main-vault", folder)
    path = folder / "vault.dsl"
    deputy_opens = _files_opening_with(folder, DEPUTY_PASSPHRASE, {})
    assert deputy_opens and all(n.startswith("backups/") for n in deputy_opens)  # the finding
    with Vault.open(path, PASSPHRASE) as vault:
        assert not vault.rotation_under_way and vault.rotation_notes == []
        assert len(vault.db.table("notes")) == 4
        (blob_id,) = vault.blob_ids()
        assert vault.get_blob(blob_id).startswith(b"fictional evidence")
    common = ("--vault", str(path), "--passphrase-stdin")
    result = run_cli("verify", *common, stdin=PASSPHRASE + "\n")
    assert result.returncode == 1 and "sound" not in result.stdout
    for name in deputy_opens:
        assert f"Backup {name.removeprefix('backups/')} is still sealed under a retired" in (
            result.stderr
        )
    assert "dsl-tui rekey" in result.stderr
    result = run_cli("rekey", *common, stdin=PASSPHRASE + "\n")
    assert result.returncode == 0, result.stderr
    # Sealed under a key the vault no longer holds: removed and named (or pushed out by the
    # newer backups this rekey wrote, as rolling backups are).
    named = [
        n for n in deputy_opens if f"Removed backup {n.removeprefix('backups/')}:" in result.stderr
    ]
    assert named and not any((folder / n).exists() for n in deputy_opens)
    assert _files_opening_with(folder, DEPUTY_PASSPHRASE, {}) == []
    result = run_cli("verify", *common, stdin=PASSPHRASE + "\n")
    assert result.returncode == 0 and "sound" in result.stdout, result.stderr


KILLED_PASSWD = """
import hashlib, os, signal, sys
from dsl_tui.vault import Vault, atomic, header, loader

def derive_key(passphrase, salt, params):  # the quick_kdf stand-in
    return hashlib.sha256(b"test kdf|" + passphrase.encode() + salt + params.binding()).digest()

header.derive_key = loader.derive_key = derive_key
path, old, new, stage, after = sys.argv[1:6]
vault = Vault.open(path, old)
vault.wait_for_backup()
real, seen = atomic.replace, [0]

def replace(src, dst):
    seen[0] += 1
    if seen[0] == int(stage) and after == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
    if seen[0] == int(stage) and after == "after":
        os.kill(os.getpid(), signal.SIGKILL)

atomic.replace = replace
vault.change_passphrase(new)
vault.close()
print("finished")
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_passwd_killed_with_sigkill_at_every_write_leaves_a_vault_the_next_open_finishes(
    vault_path: Path, tmp_path: Path, quick_kdf: None
) -> None:
    import subprocess
    import sys

    ids, old_keys = _furnish(vault_path)
    template = tmp_path / "template"
    shutil.copytree(vault_path.parent, template)
    script = tmp_path / "killed_passwd.py"
    script.write_text(KILLED_PASSWD)
    for when in ("before", "after"):
        for stage in range(1, 100):
            shutil.rmtree(vault_path.parent)
            shutil.copytree(template, vault_path.parent)
            args = [str(vault_path), PASSPHRASE, NEW_PASSPHRASE, str(stage), when]
            proc = subprocess.run(
                [sys.executable, str(script), *args], capture_output=True, text=True, timeout=120
            )
            if proc.stdout.strip() == "finished":
                break
            assert proc.returncode == -9, proc.stderr
            changed = _check_after_kill(vault_path, ids, old_keys)
            assert changed or (stage == 1 and when == "before")
        assert stage > 12
