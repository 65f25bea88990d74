"""Rolling encrypted backups: copies of the sealed vault file in a ``backups`` folder beside it.

A backup is a complete vault file (snapshot and journal), so it opens, verifies and restores like
the vault itself. Names sort by time: ``<vault>.<UTC time>.g<generation>.<snapshot>.bak``. Only the
newest :data:`KEEP` are kept. Copies are only ever made of a state that just decrypted and
authenticated, so a damaged vault never pushes out a good backup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dsl_tui.errors import StorageError
from dsl_tui.vault.atomic import make_private_dir, write_atomic

KEEP = 5
SUFFIX = ".bak"
PRE_RESTORE = ".pre-restore"


def backups_dir(vault: Path) -> Path:
    """The ``backups`` folder beside the vault file."""
    return vault.parent / "backups"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def list_backups(vault: Path) -> list[Path]:
    """This vault's rolling backups, newest first."""
    folder = backups_dir(vault)
    if not folder.is_dir():
        return []
    prefix = vault.name + "."
    found = [
        p
        for p in folder.iterdir()
        if p.name.startswith(prefix) and p.name.endswith(SUFFIX) and p.is_file()
    ]
    return sorted(found, key=lambda p: p.name, reverse=True)


def has_backup(vault: Path, generation: int, snapshot_id: str) -> bool:
    """Whether a backup of exactly this state already exists."""
    tail = f".g{generation}.{snapshot_id[:8]}{SUFFIX}"
    return any(p.name.endswith(tail) for p in list_backups(vault))


def write_backup(vault: Path, data: bytes, generation: int, snapshot_id: str) -> Path:
    """Write a backup of ``data`` (the sealed vault bytes) and prune to the newest :data:`KEEP`."""
    folder = backups_dir(vault)
    make_private_dir(folder)
    path = folder / f"{vault.name}.{_stamp()}.g{generation}.{snapshot_id[:8]}{SUFFIX}"
    write_atomic(path, [data], doing="write a backup")
    prune(vault)
    return path


def write_backup_quietly(vault: Path, data: bytes, generation: int, snapshot_id: str) -> None:
    """:func:`write_backup`, where a failure (a full disk) must not stop the DSL working: the
    backup is simply missing, and ``verify`` says so."""
    try:
        write_backup(vault, data, generation, snapshot_id)
    except (StorageError, OSError):
        pass


def keep_before_restore(vault: Path, data: bytes) -> Path:
    """Keep the vault being replaced by ``restore`` (outside the rolling set, never pruned)."""
    folder = backups_dir(vault)
    make_private_dir(folder)
    path = folder / f"{vault.name}.{_stamp()}{PRE_RESTORE}"
    write_atomic(path, [data], doing="keep the current vault before restoring")
    return path


def prune(vault: Path, keep: int = KEEP) -> None:
    """Delete all but the newest ``keep`` rolling backups."""
    for old in list_backups(vault)[keep:]:
        try:
            old.unlink()
        except OSError:
            pass
