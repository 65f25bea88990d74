"""Rolling encrypted backups: copies of the sealed vault file in a ``backups`` folder beside it.

A backup is a complete vault file (snapshot and journal), so it opens, verifies and restores like
the vault itself. Names read ``<vault>.<UTC time>.g<generation>.<snapshot>.bak``, but a name is
never trusted: pruning counts only files that open as backups of this vault (their clear header
parses, checksum and all, and names the same vault id), orders them by the generation inside
them, and keeps the newest :data:`KEEP`. Anything else in the folder (junk named like a backup,
another vault's copy, a damaged file) is never counted and never deleted. The vault files kept
by ``restore`` (``.pre-restore``) are pruned the same way to the newest :data:`KEEP_PRE_RESTORE`.
Copies are only ever made of a state that just decrypted and authenticated, so a damaged vault
never pushes out a good backup.

When: at create, at each compaction, by ``dsl-tui backup``, and at open only when
:func:`due_at_open` says so (a snapshot never backed up, or no backup of this vault for a day):
a full copy at every unlock wrote 137 MB each time at 10,000 cases.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dsl_tui.errors import StorageError, VaultTampered
from dsl_tui.vault.atomic import make_private_dir, write_atomic
from dsl_tui.vault.header import HEADER_PREFIX_MAX, parse_header_prefix
from dsl_tui.vault.journal import count_records, read_at

KEEP = 5
KEEP_PRE_RESTORE = 2
#: At open, a vault whose newest backup is older than this gets a new one (once a day).
DAILY_SECONDS = 24 * 3600.0
SUFFIX = ".bak"
PRE_RESTORE = ".pre-restore"


@dataclass(frozen=True)
class BackupFile:
    """A file that opened as a vault backup: where it is, whose it is, and how new."""

    path: Path
    vault_id: str
    #: The generation inside the file: its snapshot's plus its complete journal records.
    generation: int
    #: The id of the data key its snapshot is sealed under (clear in its header).
    key_id: str = ""
    #: The random id of the snapshot inside the file (from its checked clear header).
    snapshot_id: str = ""
    #: When the file was last written (its mtime): only decides whether a daily copy is due.
    written_at: float = 0.0


def backups_dir(vault: Path) -> Path:
    """The ``backups`` folder beside the vault file."""
    return vault.parent / "backups"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def read_backup(path: Path) -> BackupFile | None:
    """``path`` as a vault backup, from its clear header and journal framing; None if it is not one.

    Reads the header (bounded) and walks the journal's framing with seeks; no key is needed and
    the body is not read. A file that is not a regular file, is too short or whose header does not
    check out is not a backup.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        head = read_at(fd, 0, HEADER_PREFIX_MAX)
        try:
            header, journal_start = parse_header_prefix(head, info.st_size)
        except VaultTampered:
            return None
        records = count_records(fd, journal_start, info.st_size)
    except OSError:
        return None
    finally:
        os.close(fd)
    return BackupFile(
        path,
        header.vault_id,
        header.generation + records,
        header.key_id,
        header.snapshot_id,
        info.st_mtime,
    )


def _candidates(vault: Path, suffix: str, vault_id: str | None) -> list[BackupFile]:
    folder = backups_dir(vault)
    if not folder.is_dir():
        return []
    prefix = vault.name + "."
    found: list[BackupFile] = []
    for path in folder.iterdir():
        if not (path.name.startswith(prefix) and path.name.endswith(suffix)):
            continue
        backup = read_backup(path)
        if backup is not None and (vault_id is None or backup.vault_id == vault_id):
            found.append(backup)
    return found


def list_backups(vault: Path, vault_id: str | None = None) -> list[Path]:
    """This vault's rolling backups that open as vault files, newest generation first.

    With ``vault_id``, only backups of that vault; without (the vault itself may be damaged), any
    vault file named as one of its backups.
    """
    found = _candidates(vault, SUFFIX, vault_id)
    found.sort(key=lambda b: (b.generation, b.path.name), reverse=True)
    return [b.path for b in found]


def copies_of(vault: Path, vault_id: str) -> list[BackupFile]:
    """Every copy of vault ``vault_id`` in its backups folder: rolling backups and the vaults kept
    by ``restore`` (only files that open as this vault's, as for pruning)."""
    return _candidates(vault, SUFFIX, vault_id) + _candidates(vault, PRE_RESTORE, vault_id)


def has_backup(vault: Path, generation: int, snapshot_id: str) -> bool:
    """Whether a backup of exactly this state already exists."""
    tail = f".g{generation}.{snapshot_id[:8]}{SUFFIX}"
    return any(p.name.endswith(tail) for p in list_backups(vault))


def due_at_open(
    vault: Path, vault_id: str, generation: int, snapshot_id: str, now: float | None = None
) -> bool:
    """Whether opening this state should write a backup of it.

    Yes when this vault's snapshot has never been backed up (a vault written by an older release,
    a compaction whose backup failed on a full disk, a copy brought from elsewhere), or when this
    vault's newest backup is a day old, unless this exact state is already kept. Otherwise no:
    the journal since the last backup is at most a day of saves, and the next compaction or the
    next day copies it. Only files that open as this vault's backups count (see the module).
    """
    found = _candidates(vault, SUFFIX, vault_id)
    if any(b.generation == generation and b.snapshot_id == snapshot_id for b in found):
        return False
    if not any(b.snapshot_id == snapshot_id for b in found):
        return True
    newest = max(b.written_at for b in found)
    return (time.time() if now is None else now) - newest >= DAILY_SECONDS


def _vault_id_of(data: bytes | Sequence[bytes]) -> str:
    pieces = [data] if isinstance(data, bytes) else list(data)
    head = b"".join(pieces[:1])[:HEADER_PREFIX_MAX]
    if len(head) < HEADER_PREFIX_MAX and len(pieces) > 1:
        head = b"".join(pieces)[:HEADER_PREFIX_MAX]  # the header spans pieces (never ours)
    header, _ = parse_header_prefix(head, sum(len(p) for p in pieces))
    return header.vault_id


def write_backup(
    vault: Path, data: bytes | Sequence[bytes], generation: int, snapshot_id: str
) -> Path:
    """Write a backup of ``data`` (the sealed vault bytes, whole or in pieces) and prune to the
    newest :data:`KEEP`."""
    folder = backups_dir(vault)
    make_private_dir(folder)
    path = folder / f"{vault.name}.{_stamp()}.g{generation}.{snapshot_id[:8]}{SUFFIX}"
    write_atomic(path, [data] if isinstance(data, bytes) else data, doing="write a backup")
    prune(vault, _vault_id_of(data), keep_path=path)
    return path


def write_backup_quietly(
    vault: Path, data: bytes | Sequence[bytes], generation: int, snapshot_id: str
) -> None:
    """:func:`write_backup`, where a failure (a full disk) must not stop the DSL working: the
    backup is simply missing, and ``verify`` says so."""
    try:
        write_backup(vault, data, generation, snapshot_id)
    except (StorageError, OSError):
        pass


def keep_before_restore(vault: Path, data: bytes) -> Path:
    """Keep the vault being replaced by ``restore``; only the newest :data:`KEEP_PRE_RESTORE`
    such files of this vault are kept."""
    folder = backups_dir(vault)
    make_private_dir(folder)
    path = folder / f"{vault.name}.{_stamp()}{PRE_RESTORE}"
    write_atomic(path, [data], doing="keep the current vault before restoring")
    try:
        vault_id = _vault_id_of(data)
    except VaultTampered:
        return path  # a damaged vault being replaced: keep it, prune nothing on its word
    kept = _candidates(vault, PRE_RESTORE, vault_id)
    # Restores go back in generation by nature, so these are ordered by when they were kept
    # (the time in a name only counts once the file has opened as this vault's).
    kept.sort(key=lambda b: b.path.name, reverse=True)
    _delete([b.path for b in kept if b.path != path][KEEP_PRE_RESTORE - 1 :])
    return path


def prune(vault: Path, vault_id: str, keep: int = KEEP, keep_path: Path | None = None) -> None:
    """Delete all but the newest ``keep`` backups of vault ``vault_id`` (by the generation inside).

    ``keep_path`` (the backup just written) is always kept: after a restore the vault's generation
    may be lower than older backups', and its newest copy must not be the one pruned.
    """
    found = _candidates(vault, SUFFIX, vault_id)
    found.sort(key=lambda b: (b.generation, b.path.name), reverse=True)
    ordered = [b.path for b in found]
    if keep_path is not None and keep_path in ordered:
        ordered.remove(keep_path)
        keep -= 1
    _delete(ordered[max(keep, 0) :])


def _delete(paths: list[Path]) -> None:
    for old in paths:
        try:
            old.unlink()
        except OSError:
            pass
