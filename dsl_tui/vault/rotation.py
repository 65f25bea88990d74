"""Key rotation: a new data key for the vault, its evidence and its backups, finished after a crash.

One routine serves ``passwd`` (one slot gets a new passphrase), ``rekey`` (passphrases unchanged)
and ``users remove`` (one slot fewer). ``Vault._rotate`` makes a new random data key, seals it to
every remaining slot (public keys: no other user's passphrase is needed), then:

1. writes the vault under the new key (one atomic replace), its encrypted meta holding a
   ``rotation`` record (a rotation is under way; the users it removes) and every retired key in
   ``old_keys``, so each file stays readable whichever key it is under;
2. :func:`reseal` re-seals every evidence file of this vault still under a retired key (each an
   atomic replace), then every backup and ``.pre-restore`` copy of this vault still under one: its
   own state (cases, generation) under the new key with the *current* slots, so an old passphrase
   or a removed user's no longer opens it. A copy that cannot be re-sealed (damaged, or sealed
   under a key the vault no longer holds) is deleted, and said so;
3. writes the vault again without the record, keeping in ``old_keys`` only retired keys that an
   evidence file still needs (one that failed its integrity check).

A kill or a full disk at any point leaves every file under the old key or the new one, each readable
with the keys the vault holds; the next open (or ``verify``) sees the record and runs 2 and 3 again.
Vaults written before this have no record: no rotation is under way, and ``verify`` names any file
still under a retired key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dsl_tui.errors import NotFound, StorageError, VaultTampered
from dsl_tui.jsontypes import Doc
from dsl_tui.vault import backups, blobs
from dsl_tui.vault.atomic import read_file, storage_error, write_atomic
from dsl_tui.vault.header import Header, encode_snapshot, parse_snapshot
from dsl_tui.vault.loader import load

#: The key, in the vault's encrypted meta, of the record kept while a rotation is under way.
RECORD = "rotation"

_UNCHANGED = "; the vault on disk is unchanged."


@dataclass
class Rotation:
    """What one pass of re-sealing did, and what it left for the next."""

    #: Evidence files and backups (``.pre-restore`` copies included) re-sealed under the new key.
    evidence: int = 0
    backups: int = 0
    #: File names of backups deleted because they could not be re-sealed.
    removed: list[str] = field(default_factory=list)
    #: Retired key ids an evidence file still needs (damaged, or not re-sealed yet).
    needed: set[str] = field(default_factory=set)
    #: Why a file was left for a later pass (a full disk, an unreadable file), one reason each.
    left: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Whether every file that can be re-sealed now is."""
        return not self.left

    def summary(self) -> str:
        """One sentence: what is now under the new key."""
        return (
            f"the vault, {_count(self.evidence, 'evidence file')} and "
            f"{_count(self.backups, 'backup')} are now sealed under a new data key."
        )

    def notes(self) -> list[str]:
        """Sentences the user must see: backups removed, work left."""
        found = [
            f"Removed backup {name}: it could not be re-sealed under the new key (damaged, or "
            "sealed under a key this vault no longer holds)."
            for name in self.removed
        ]
        if self.left:
            found.append(
                f"Re-sealing under the new key is unfinished ({_count(len(self.left), 'file')} "
                f"left; {self.left[0]}): it carries on at the next unlock or dsl-tui verify."
            )
        return found


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def resumed_notes(done: Rotation) -> list[str]:
    """What to tell the user when opening the vault carried on a rotation left under way."""
    if done.finished:
        first = f"Finished the key rotation left under way: {done.summary()}"
    else:
        first = "A key rotation is under way and could not finish yet."
    return [first, *done.notes()]


def under_way(meta: Doc) -> bool:
    """Whether the vault's meta records a rotation that is not finished."""
    return RECORD in meta


def removed_names(meta: Doc) -> list[str]:
    """Names of the users removed by the rotation under way (none if there is none)."""
    record = meta.get(RECORD)
    names = record.get("removed") if isinstance(record, dict) else None
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def started(
    meta: Doc, key_id: str, keys: Mapping[str, bytes], when: str, removed_slot: str | None
) -> Doc:
    """A copy of ``meta`` recording a rotation to ``key_id``: every key in ``keys`` kept as a
    retired key, ``removed_slot``'s user gone (and named in the record, with the users of a
    rotation still under way, which this one takes over)."""
    new: Doc = json.loads(json.dumps(meta))
    names = removed_names(meta)
    if removed_slot is not None:
        name = new.get("users", {}).pop(removed_slot, {}).get("name")
        if isinstance(name, str):
            names.append(name)
    new["old_keys"] = {k: base64.b64encode(v).decode("ascii") for k, v in keys.items()}
    new[RECORD] = {"key_id": key_id, "started_at": when, "removed": names}
    return new


def finished(meta: Doc, done: Rotation) -> Doc:
    """A copy of ``meta`` after the pass ``done``. If nothing was left: the record gone and the
    retired keys trimmed to those evidence still needs. Otherwise unchanged: a backup left (a full
    disk) needs its key for the next pass, which would otherwise delete it as unreadable."""
    new: Doc = json.loads(json.dumps(meta))
    if done.finished:
        new["old_keys"] = {k: v for k, v in meta.get("old_keys", {}).items() if k in done.needed}
        new.pop(RECORD, None)
    return new


def reason(err: StorageError) -> str:
    """Why a write failed, as a clause ("could not ... because the disk is full")."""
    text = err.message
    text = text[: -len(_UNCHANGED)] if text.endswith(_UNCHANGED) else text.rstrip(".")
    return text[:1].lower() + text[1:]


class _CannotReseal(Exception):
    """A copy that does not open with any key the vault holds (damaged, or an older key's)."""


def reseal(
    vault: Path, header: Header, data_key: bytes, keys: Mapping[str, bytes], meta: Doc
) -> Rotation:
    """Re-seal every evidence file and backup of the vault at ``vault`` still under a retired key.

    ``header`` and ``data_key`` are the vault's current ones, ``keys`` every key it holds by id,
    ``meta`` its meta (whose users each re-sealed backup takes). Call holding the
    vault's lock. A failure that may pass (a full disk) is noted in ``left``, never raised.
    """
    done = Rotation()
    blobs.sweep_own_temp_files(vault, header.vault_id)
    _reseal_evidence(vault, header, data_key, keys, done)
    # A re-sealed copy gets the current users and only the retired keys evidence still needs (no
    # record: restored, it reads every evidence file, and verify names anything left).
    backup_meta: Doc = {
        "users": meta.get("users", {}),
        "old_keys": {
            k: base64.b64encode(keys[k]).decode("ascii") for k in done.needed if k in keys
        },
    }
    for copy in backups.copies_of(vault, header.vault_id):
        if copy.key_id == header.key_id:
            continue
        try:
            _reseal_backup(copy.path, header, data_key, keys, backup_meta)
        except _CannotReseal:
            try:
                copy.path.unlink()
            except FileNotFoundError:
                continue
            except OSError as err:
                done.left.append(reason(storage_error(err, "remove a backup")))
                continue
            done.removed.append(copy.path.name)
        except StorageError as err:
            done.left.append(reason(err))
        except OSError as err:
            done.left.append(reason(storage_error(err, "read a backup")))
        else:
            done.backups += 1
    return done


def _reseal_evidence(
    vault: Path, header: Header, data_key: bytes, keys: Mapping[str, bytes], done: Rotation
) -> None:
    for blob_id in blobs.blob_ids(vault):
        ident = blobs.blob_key_id(blobs.blob_path(vault, blob_id))
        if ident is None or ident[0] != header.vault_id or ident[1] == header.key_id:
            continue
        key_id = ident[1]
        if key_id not in keys:
            continue  # under a key no longer held: it fails verify's integrity check
        try:
            blobs.reseal_blob(vault, header.vault_id, blob_id, keys, header.key_id, data_key)
        except NotFound:
            continue  # deleted meanwhile
        except VaultTampered:
            done.needed.add(key_id)  # damaged: verify names it; its key is kept
        except StorageError as err:
            done.needed.add(key_id)
            done.left.append(reason(err))
        except OSError as err:
            done.needed.add(key_id)
            done.left.append(reason(storage_error(err, "read an evidence file")))
        else:
            done.evidence += 1


def _reseal_backup(
    path: Path, header: Header, data_key: bytes, keys: Mapping[str, bytes], meta: Doc
) -> None:
    """Write the state inside backup ``path`` (its cases, its generation and snapshot id) again
    under ``data_key`` with ``header``'s slots, its meta's users and retired keys from ``meta``."""
    raw = read_file(path)
    try:
        key = keys.get(parse_snapshot(raw).header.key_id)
        if key is None:
            raise _CannotReseal
        loaded = load(raw, None, data_key=key)
    except VaultTampered:
        raise _CannotReseal from None
    if loaded.header.vault_id != header.vault_id:
        raise _CannotReseal
    own_meta = {k: v for k, v in loaded.meta.items() if k != RECORD}
    document = {
        "meta": {**own_meta, **meta},
        "tables": loaded.tables,
        "packed": {name: packed.saved() for name, packed in loaded.packed.items()},
    }
    body = json.dumps(document, separators=(",", ":")).encode("ascii")
    sealed = replace(header, snapshot_id=loaded.header.snapshot_id, generation=loaded.generation)
    write_atomic(path, [encode_snapshot(sealed, data_key, body)], doing="re-seal a backup")


def retired_files(vault: Path, vault_id: str, key_id: str) -> list[str]:
    """One sentence per evidence file or backup of this vault not sealed under ``key_id`` (the
    vault's data key), by id or file name only."""
    found = []
    for blob_id in blobs.blob_ids(vault):
        ident = blobs.blob_key_id(blobs.blob_path(vault, blob_id))
        if ident is not None and ident[0] == vault_id and ident[1] != key_id:
            found.append(f"Evidence file {blob_id} is still sealed under a retired data key.")
    for copy in sorted(backups.copies_of(vault, vault_id), key=lambda c: c.path.name):
        if copy.key_id != key_id:
            found.append(
                f"Backup {copy.path.name} is still sealed under a retired data key (an old "
                "passphrase may open it)."
            )
    return found
