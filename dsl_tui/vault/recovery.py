"""Recovery: reading the vault file, naming the newest good backup, and restoring a backup."""

from __future__ import annotations

from pathlib import Path

from dsl_tui.errors import NotFound, VaultMissing, VaultTampered, WrongPassphrase
from dsl_tui.vault import backups, state
from dsl_tui.vault.atomic import make_private_dir, read_file, storage_error, write_atomic
from dsl_tui.vault.loader import KekCache, load
from dsl_tui.vault.lock import VaultLock


def missing() -> VaultMissing:
    """The error for a path with no vault."""
    return VaultMissing("No vault at this path: run dsl-tui init.")


def read_vault(path: Path) -> bytes:
    """The vault file's bytes (VaultMissing, or StorageError if the disk refuses)."""
    try:
        return read_file(path)
    except FileNotFoundError:
        raise missing() from None
    except OSError as err:
        raise storage_error(err, "read the vault") from None


def tamper_message(path: Path, passphrase: str, cache: KekCache, err: VaultTampered) -> str:
    """The integrity failure, naming the newest backup that opens with this passphrase."""
    for candidate in backups.list_backups(path):
        try:
            load(read_file(candidate), passphrase, kek_cache=cache)
        except (VaultTampered, WrongPassphrase, OSError):
            continue
        return (
            f"{err.message.rstrip('.')}; the vault was left untouched. The newest good backup "
            f"is {candidate}: run dsl-tui restore with that file."
        )
    return f"{err.message.rstrip('.')}; the vault was left untouched and no good backup was found."


def restore(path: Path, source: Path, passphrase: str) -> Path:
    """Replace the vault at ``path`` with backup ``source`` once it opens with ``passphrase``.

    The vault being replaced is kept in the backups folder (``.pre-restore``); returns that folder.
    ``path`` is the vault's real path (``lock.real_path``).
    """
    if not source.is_file():
        raise NotFound("No backup file at that path.")
    raw = read_vault(source)
    try:
        loaded = load(raw, passphrase)
    except VaultTampered:
        raise VaultTampered(
            "That backup failed its integrity check; nothing was restored."
        ) from None
    make_private_dir(path.parent)
    lock = VaultLock(path)
    lock.acquire()
    try:
        if path.is_file():
            backups.keep_before_restore(path, read_vault(path))
        write_atomic(path, [raw[: loaded.journal_end]], doing="restore the backup")
    finally:
        lock.release()
    state.remember(
        loaded.header.vault_id,
        slot_id=loaded.slot_id,
        generation=loaded.generation,
        reset_generation=True,
    )
    return backups.backups_dir(path)
