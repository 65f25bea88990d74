"""Recovery: reading the vault file, naming the newest good backup, and restoring a backup.

Also the two judgements made when a vault does not open: whether its header was edited (a key
slot this computer or a backup knows now has another id or other key settings: tampering, not a
wrong passphrase), and which few backups are worth a passphrase's key derivation.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from dsl_tui.errors import NotFound, UsageError, VaultMissing, VaultTampered, WrongPassphrase
from dsl_tui.vault import backups, state
from dsl_tui.vault.atomic import make_private_dir, read_file, storage_error, write_atomic
from dsl_tui.vault.header import HEADER_PREFIX_MAX, Header, parse_header_prefix
from dsl_tui.vault.journal import read_at
from dsl_tui.vault.kdf import CALIBRATION_MAX_MEMORY_KIB, FLOOR_ITERATIONS, MAX_ITERATIONS
from dsl_tui.vault.loader import KdfBudget, KekCache, load
from dsl_tui.vault.lock import VaultLock
from dsl_tui.vault.restore_loss import Confirm, restore_loss

#: Backups tried with the passphrase when the vault fails its check (the newest that look like
#: this vault's), and the seconds that search may take: planted backups asking for costly key
#: derivation must not turn one unlock into minutes.
TRY_BACKUPS = 3
SEARCH_SECONDS = 10.0
#: Key derivation work (memory KiB x iterations) of one run, as calibration may choose it.
_LEAST_RUN = CALIBRATION_MAX_MEMORY_KIB * FLOOR_ITERATIONS
_MOST_RUN = CALIBRATION_MAX_MEMORY_KIB * MAX_ITERATIONS


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


def header_of(path: Path) -> Header | None:
    """The clear header of the vault file at ``path`` (no key needed), or None if it is not one."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        head = read_at(fd, 0, _FIRST_READ)
        # Read as far as the header says it goes (within bounds), not a whole mebibyte each.
        need = min(_PREFIX + int.from_bytes(head[8:12], "big") + 40, HEADER_PREFIX_MAX)
        if need > len(head) and len(head) == _FIRST_READ:
            head = read_at(fd, 0, need)
        return parse_header_prefix(head, info.st_size)[0]
    except (OSError, VaultTampered):
        return None
    finally:
        os.close(fd)


#: The magic and the header length; a first read that holds most headers whole.
_PREFIX = 12
_FIRST_READ = 1 << 16


def _header_in(raw: bytes) -> Header | None:
    try:
        return parse_header_prefix(raw[:HEADER_PREFIX_MAX], len(raw))[0]
    except VaultTampered:
        return None


def slot_prints(header: Header) -> dict[str, str]:
    """Each slot's salt (hex) -> its id and key settings: what no change made by the app alters
    for a salt (a new passphrase gets a new salt; a new data key keeps id and settings)."""
    return {
        slot.salt.hex(): f"{slot.slot_id}:{header.kdf.binding().hex()}" for slot in header.slots
    }


def header_edited(path: Path, header: Header) -> bool:
    """Whether a slot of ``header`` keeps a salt that this computer (its local state) or a backup
    of the same vault knows with another slot id or other key settings: the header was edited
    by hand (its checksum is unkeyed), and a passphrase would fail for that reason alone."""
    now = slot_prints(header)
    known = [state.remembered_slots(header.vault_id)]
    folder = backups.backups_dir(path)
    try:
        copies = [p for p in folder.iterdir() if p.name.startswith(path.name + ".")]
    except OSError:
        copies = []
    for copy in copies:  # headers only (no journal walk): this runs at every open
        other = header_of(copy)
        if other is not None and other.vault_id == header.vault_id:
            known.append(slot_prints(other))
    return any(
        salt in now and now[salt] != print_ for prints in known for salt, print_ in prints.items()
    )


#: Why a vault whose header was edited (:func:`header_edited`) is refused.
EDITED_HEADER = (
    "The vault's header was edited (a user's key settings or id differ from the copies this "
    "computer knows), so it may have been tampered with."
)


def backups_to_try(path: Path, own: Header | None) -> list[Path]:
    """The :data:`TRY_BACKUPS` newest backups that look like this vault's: its vault id (when
    its header reads), those with its own key settings first."""
    found = backups.list_backups(path, own.vault_id if own is not None else None)
    if own is not None:
        same = [p for p in found if (h := header_of(p)) is not None and h.kdf == own.kdf]
        found = same + [p for p in found if p not in same]
    return found[:TRY_BACKUPS]


def _search_budget(own: Header | None) -> KdfBudget:
    """Key derivation the backup search may spend: three runs at the vault's own cost (within
    what calibration may choose), and :data:`SEARCH_SECONDS`."""
    run = _MOST_RUN
    if own is not None:
        run = min(max(own.kdf.memory_kib * own.kdf.iterations, _LEAST_RUN), _MOST_RUN)
    return KdfBudget(TRY_BACKUPS * run, time.monotonic() + SEARCH_SECONDS)


def tamper_message(
    path: Path, passphrase: str, cache: KekCache, err: VaultTampered, raw: bytes = b""
) -> str:
    """The integrity failure, naming the newest backup that opens with this passphrase (of the
    few worth trying, within a budget of key derivation and time)."""
    own = _header_in(raw)
    budget = _search_budget(own)
    for candidate in backups_to_try(path, own):
        if time.monotonic() > budget.deadline:
            break
        try:
            load(read_file(candidate), passphrase, kek_cache=cache, budget=budget)
        except (VaultTampered, WrongPassphrase, OSError):
            continue
        return (
            f"{err.message.rstrip('.')}; the vault was left untouched. The newest good backup "
            f"is {candidate}: run dsl-tui restore with that file."
        )
    return f"{err.message.rstrip('.')}; the vault was left untouched and no good backup was found."


def restore(path: Path, source: Path, passphrase: str, confirm: Confirm | None = None) -> Path:
    """Replace the vault at ``path`` with backup ``source`` once it opens with ``passphrase``.

    The vault being replaced is kept in the backups folder (``.pre-restore``); returns that folder.
    ``path`` is the vault's real path (``lock.real_path``). When the restore would undo saves or
    give a removed user access again, ``confirm`` is asked first (holding the lock, so nothing
    changes meanwhile); a no restores nothing (UsageError).
    """
    if not source.is_file():
        raise NotFound("No backup file at that path.")
    raw = read_vault(source)
    cache: KekCache = {}
    try:
        loaded = load(raw, passphrase, kek_cache=cache)
    except VaultTampered:
        raise VaultTampered(
            "That backup failed its integrity check; nothing was restored."
        ) from None
    make_private_dir(path.parent)
    lock = VaultLock(path)
    lock.acquire()
    try:
        current = read_vault(path) if path.is_file() else None
        if confirm is not None:
            loss = restore_loss(current, path, loaded, passphrase, cache)
            if loss.loses_anything and not confirm(loss):
                raise UsageError("Nothing was restored; the vault is unchanged.")
        if current is not None:
            backups.keep_before_restore(path, current)
        write_atomic(path, [raw[: loaded.journal_end]], doing="restore the backup")
    finally:
        lock.release()
    state.remember(
        loaded.header.vault_id,
        slot_id=loaded.slot_id,
        generation=loaded.generation,
        reset_generation=True,
        slots=slot_prints(loaded.header),
    )
    return backups.backups_dir(path)
