"""The vault: an encrypted TinyDB in one file, opened by any of its users' passphrases.

``Vault.open`` takes the single-writer lock, reads the file once, unlocks a key slot, decrypts the
snapshot and replays the journal; from then on ``vault.db`` (a TinyDB) reads from memory and each
change appends one sealed record. The journal is folded into a new snapshot (atomic replace) when it
grows, when users or passphrases change, and on close. See docs/storage.md.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dsl_tui.errors import (
    NotFound,
    StorageError,
    UsageError,
    VaultExists,
    VaultTampered,
    WeakPassphrase,
)
from dsl_tui.jsontypes import Doc
from dsl_tui.vault import backups, blobs, recovery, rotation, state
from dsl_tui.vault.atomic import (
    append_at,
    file_id,
    make_private_dir,
    storage_error,
    sweep_temp_files,
    write_atomic,
)
from dsl_tui.vault.header import (
    Header,
    encode_snapshot,
    encode_snapshot_pieces,
    make_slot,
    new_id,
    parse_snapshot,
)
from dsl_tui.vault.journal import CompactionPolicy, seal_record
from dsl_tui.vault.kdf import KEY_BYTES, KdfParams
from dsl_tui.vault.loader import KekCache, Loaded, keyring, load, unpacked
from dsl_tui.vault.lock import VaultLock, real_path
from dsl_tui.vault.passphrase import check_passphrase
from dsl_tui.vault.pieces import json_pieces
from dsl_tui.vault.restore_loss import Confirm
from dsl_tui.vault.rotation import Rotation
from dsl_tui.vault.storage import VaultDB, VaultStorage
from dsl_tui.vault.users import SlotUser, check_name, rotate_key_header, users_of


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


#: Evidence folders may be shared by two vaults: their temp files are swept only when this old.
_STALE_SECONDS = 3600.0


def _sweep_killed_writes(path: Path) -> None:
    """Delete temp files a killed write left beside the vault (called holding its lock).

    The vault's own and its backups' are swept whatever their age (no write of this vault can be
    in flight without the lock); evidence temp files only once stale. They hold ciphertext only,
    but a folder should not fill with them.
    """
    sweep_temp_files(path.parent, path.name)
    sweep_temp_files(backups.backups_dir(path), path.name)
    sweep_temp_files(blobs.blobs_dir(path), None, min_age=_STALE_SECONDS)


class Vault:
    """An open, unlocked vault. Use :meth:`create` or :meth:`open`; close it (or use ``with``)."""

    policy = CompactionPolicy()

    def __init__(self, path: Path, loaded: Loaded, lock: VaultLock) -> None:
        #: The vault's real path (symlinks resolved): lock, backups and evidence sit beside it.
        self.path = path
        self._lock = lock
        #: The identity of the vault file the journal offsets belong to (see ``append_at``).
        self._file_id = file_id(path)
        self._header: Header = loaded.header
        self._data_key = loaded.data_key
        self._aead = AESGCM(loaded.data_key)
        self._meta: Doc = loaded.meta
        self.slot_id = loaded.slot_id
        self.generation = loaded.generation
        self._records = loaded.records
        self._snapshot_end = loaded.snapshot_end
        self._journal_end = loaded.journal_end
        self._last_hash = loaded.last_hash
        #: True when open dropped a torn last journal record (a crash mid-save).
        self.torn_tail_dropped = loaded.torn_tail
        #: A sentence when this vault is older than one this OS user opened before, else None.
        self.rollback_warning: str | None = None
        self._storage = VaultStorage(
            loaded.tables, self._append, self._after_commit, packed=loaded.packed
        )
        self.db = VaultDB(self._storage)
        #: The backup of the state found at open, written beside the DSL's work (see ``open``).
        self._opening_backup: threading.Thread | None = None
        #: Sentences for the user when open finished a key rotation left under way (or could not).
        self.rotation_notes: list[str] = []
        #: Users (casefolded names) whose removal this session saw finished.
        self._removals_finished: set[str] = set()

    # ----- identity
    @property
    def vault_id(self) -> str:
        """The vault's random id (clear in the header; names no one)."""
        return self._header.vault_id

    @property
    def user(self) -> str:
        """The name of the user whose slot opened the vault."""
        return str(self._meta["users"].get(self.slot_id, {}).get("name", "unknown"))

    @property
    def role(self) -> str:
        """The role of the user whose slot opened the vault."""
        return str(self._meta["users"].get(self.slot_id, {}).get("role", ""))

    @property
    def closed(self) -> bool:
        """Whether the vault has been closed (keys forgotten)."""
        return not self._lock.held

    # ----- create and open
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        user: str,
        passphrase: str,
        role: str = "DSL",
        kdf: KdfParams | None = None,
    ) -> Vault:
        """A new vault with one user; refuses weak passphrases and an existing vault."""
        path = real_path(path)
        check_name(user, "name")
        check_name(role, "role")
        reason = check_passphrase(passphrase)
        if reason:
            raise WeakPassphrase(reason)
        if path.exists():
            raise VaultExists("A vault already exists at this path; open it instead.")
        params = kdf or KdfParams.for_new_vault()
        try:
            params.checked()
        except VaultTampered:
            raise UsageError("Those key settings are outside the allowed range.") from None
        make_private_dir(path.parent)
        lock = VaultLock(path)
        lock.acquire()
        try:
            if path.exists():
                raise VaultExists("A vault already exists at this path; open it instead.")
            data_key = os.urandom(KEY_BYTES)
            header = Header(new_id(16), new_id(16), 1, params, new_id(8), ())
            slot = make_slot(header, passphrase, data_key)
            header = header.with_slots((slot,))
            meta = {
                "users": {
                    slot.slot_id: {"name": user.strip(), "role": role.strip(), "added_at": _now()}
                },
                "old_keys": {},
            }
            body = json.dumps({"meta": meta, "tables": {}}).encode("ascii")
            data = encode_snapshot(header, data_key, body)
            write_atomic(path, [data], doing="create the vault")
            loaded = load(data, None, data_key=data_key)
            loaded.slot_id = slot.slot_id
        except BaseException:
            lock.release()
            raise
        vault = cls(path, loaded, lock)
        state.remember(
            header.vault_id,
            slot_id=slot.slot_id,
            generation=vault.generation,
            slots=recovery.slot_prints(header),
        )
        vault._backup_quietly(data)
        return vault

    @classmethod
    def open(cls, path: str | os.PathLike[str], passphrase: str) -> Vault:
        """Unlock the vault at ``path`` and take its single-writer lock."""
        path = real_path(path)
        if not path.is_file():
            raise recovery.missing()
        lock = VaultLock(path)
        lock.acquire()
        try:
            _sweep_killed_writes(path)
            raw = recovery.read_vault(path)
            kek_cache: KekCache = {}
            try:
                header = parse_snapshot(raw).header
                if recovery.header_edited(path, header):
                    # Before any key derivation: not a wrong passphrase, and never counted as one.
                    raise VaultTampered(recovery.EDITED_HEADER)
                preferred = state.remembered(header.vault_id).get("last_slot")
                loaded = load(raw, passphrase, preferred, kek_cache)
            except VaultTampered as err:
                raise VaultTampered(
                    recovery.tamper_message(path, passphrase, kek_cache, err, raw)
                ) from None
        except BaseException:
            lock.release()
            raise
        vault = cls(path, loaded, lock)
        seen = state.remembered(vault.vault_id).get("last_generation")
        if isinstance(seen, int) and vault.generation < seen:
            vault.rollback_warning = (
                f"This vault is older than one opened here before (save {vault.generation}, "
                f"last seen {seen}): it may have been restored or rolled back."
            )
        state.remember(
            vault.vault_id,
            slot_id=vault.slot_id,
            generation=vault.generation,
            slots=recovery.slot_prints(vault._header),
        )
        if backups.due_at_open(path, vault.vault_id, vault.generation, vault._header.snapshot_id):
            # A snapshot never backed up, or none for a day: a copy of the sealed bytes just
            # authenticated. Writing it (a second or more for a large vault) need not keep the
            # DSL from their cases. Joined before any other backup and before the lock is released.
            vault._opening_backup = threading.Thread(
                target=backups.write_backup_quietly,
                args=(path, raw[: vault._journal_end], vault.generation,
                      vault._header.snapshot_id),
                name="dsl-tui-backup",
                daemon=True,
            )  # fmt: skip
            vault._opening_backup.start()
        if vault.rotation_under_way:
            try:
                done = vault.finish_rotation()
            except BaseException:
                vault.close()
                raise
            if done is not None:
                vault.rotation_notes = rotation.resumed_notes(done)
        return vault

    def wait_for_backup(self) -> None:
        """Wait until the backup started at open is written (or has failed quietly)."""
        thread, self._opening_backup = self._opening_backup, None
        if thread is not None:
            thread.join()

    @staticmethod
    def restore(
        path: str | os.PathLike[str],
        backup_file: str | os.PathLike[str],
        passphrase: str,
        confirm: Confirm | None = None,
    ) -> Path:
        """Put a backup back as the vault (after it decrypts with ``passphrase``).

        The vault being replaced is kept in the backups folder first; returns that folder.
        VaultTampered / WrongPassphrase if the backup does not open; VaultLocked if in use.
        ``confirm`` is asked (with a :class:`RestoreLoss`) when saves would be undone or a
        removed user would regain access; declining restores nothing.
        """
        return recovery.restore(real_path(path), Path(backup_file), passphrase, confirm)

    # ----- saving
    def _append(self, payload: bytes) -> None:
        """Seal ``payload`` as the next journal record and make it durable."""
        generation = self.generation + 1
        try:
            record, digest = seal_record(
                self._aead, bytes.fromhex(self.vault_id), generation, self._last_hash, payload
            )
        except ValueError:
            raise StorageError("That change is too large to save in one go.") from None
        self._lock.check()  # never write into a vault another instance has taken over
        try:
            append_at(self.path, self._journal_end, record, self._file_id)
        except OSError as err:
            raise storage_error(err) from None
        # Taken over while writing: the other instance may not have read this record, so it is
        # not acknowledged (and nothing acknowledged before is at risk).
        self._lock.check()
        self._journal_end += len(record)
        self._last_hash = digest
        self._records += 1
        self.generation = generation

    def _after_commit(self) -> None:
        if self.policy.due(
            self._journal_end - self._snapshot_end, self._snapshot_end, self._records, hard=True
        ):
            try:
                self._rewrite(self._header, self._data_key, self._meta)
            except StorageError:
                pass  # the save itself is durable in the journal; compaction retries later

    def compact(self) -> bool:
        """Fold the journal into a new snapshot if it has grown (e.g. when the app is idle)."""
        if self.policy.due(
            self._journal_end - self._snapshot_end, self._snapshot_end, self._records, hard=False
        ):
            self._rewrite(self._header, self._data_key, self._meta)
            return True
        return False

    def _rewrite(self, header: Header, data_key: bytes, meta: Doc) -> None:
        """Write a new snapshot of everything (atomic); memory changes only after it succeeds."""
        with self._storage.lock:
            self._rewrite_locked(header, data_key, meta)

    def _rewrite_locked(self, header: Header, data_key: bytes, meta: Doc) -> None:
        tables, packed = self._storage.snapshot_parts()
        header = replace(header, snapshot_id=new_id(16), generation=self.generation + 1)
        document = {"meta": meta, "tables": tables, "packed": packed}
        # Encoded and sealed in pieces (the bytes of json.dumps and one AES-GCM seal): in a
        # worker thread, the UI's event loop runs between pieces (dsl_tui/vault/pieces.py).
        data, seed = encode_snapshot_pieces(header, data_key, json_pieces(document))
        self._lock.check()
        write_atomic(self.path, data)
        self._file_id = file_id(self.path)
        self._header, self._meta = header, meta
        if data_key is not self._data_key:
            self._data_key, self._aead = data_key, AESGCM(data_key)
        self.generation = header.generation
        self._records = 0
        self._snapshot_end = self._journal_end = sum(len(piece) for piece in data)
        self._last_hash = seed
        state.remember(
            self.vault_id, generation=self.generation, slots=recovery.slot_prints(header)
        )
        self._backup_quietly(data)

    def _backup_quietly(self, data: bytes | list[bytes]) -> None:
        self.wait_for_backup()
        backups.write_backup_quietly(self.path, data, self.generation, self._header.snapshot_id)

    def backup(self) -> Path:
        """An encrypted copy of the vault as it is now, in the backups folder; returns its path."""
        self._check_open()
        data = recovery.read_vault(self.path)[: self._journal_end]
        self.wait_for_backup()
        return backups.write_backup(self.path, data, self.generation, self._header.snapshot_id)

    # ----- users and passphrases
    def users(self) -> list[SlotUser]:
        """Everyone with a key slot, in slot order."""
        self._check_open()
        return users_of(self._header, self._meta)

    def _slot_of(self, name: str) -> str:
        for user in self.users():
            if user.name.casefold() == name.strip().casefold():
                return user.slot_id
        raise NotFound("No user with that name has a key to this vault.")

    def add_user(self, name: str, passphrase: str, role: str = "deputy DSL") -> None:
        """Give ``name`` their own key slot (their passphrase; no data is re-encrypted)."""
        check_name(name, "name")
        check_name(role, "role")
        reason = check_passphrase(passphrase)
        if reason:
            raise WeakPassphrase(reason)
        if any(u.name.casefold() == name.strip().casefold() for u in self.users()):
            raise UsageError("A user with that name already has a key; choose another name.")
        slot = make_slot(self._header, passphrase, self._data_key)
        meta = json.loads(json.dumps(self._meta))
        meta["users"][slot.slot_id] = {
            "name": name.strip(),
            "role": role.strip(),
            "added_at": _now(),
        }
        self._rewrite(self._header.with_slots((*self._header.slots, slot)), self._data_key, meta)

    def change_passphrase(self, new_passphrase: str, name: str | None = None) -> Rotation:
        """A new passphrase for one slot (yours, or ``name``'s) and a new data key for everything
        (:meth:`_rotate`): no file of this vault opens with the old passphrase afterwards."""
        reason = check_passphrase(new_passphrase)
        if reason:
            raise WeakPassphrase(reason)
        slot_id = self.slot_id if name is None else self._slot_of(name)
        return self._rotate(new_passphrase=(slot_id, new_passphrase))

    def rekey(self) -> Rotation:
        """A new data key for the vault, its evidence and its backups; passphrases unchanged."""
        return self._rotate()

    def remove_user(self, name: str) -> Rotation:
        """Remove ``name``'s slot and rotate the data key: everything is re-encrypted.

        Asked again for a user whose removal left re-sealing to do, it finishes that work (it
        does not say there is no such user).
        """
        try:
            slot_id = self._slot_of(name)
        except NotFound:
            wanted = name.strip().casefold()
            if self.rotation_under_way and wanted in {
                n.casefold() for n in rotation.removed_names(self._meta)
            }:
                return self.finish_rotation() or Rotation()
            if wanted in self._removals_finished:
                return Rotation()  # finished when this session opened the vault
            raise
        if len(self._header.slots) == 1:
            raise UsageError("You cannot remove the last user: nobody could open the vault.")
        if slot_id == self.slot_id:
            raise UsageError("You cannot remove yourself; ask another user to remove you.")
        return self._rotate(removed_slot=slot_id)

    @property
    def rotation_under_way(self) -> bool:
        """Whether a key rotation was started and not finished (files may be under an old key)."""
        return rotation.under_way(self._meta)

    def finish_rotation(self) -> Rotation | None:
        """Carry on the key rotation under way (None if there is none); see :meth:`_rotate`."""
        self._check_open()
        if not self.rotation_under_way:
            return None
        with self._storage.lock:
            self.wait_for_backup()
            return self._finish_rotation_locked()

    def _rotate(
        self, *, removed_slot: str | None = None, new_passphrase: tuple[str, str] | None = None
    ) -> Rotation:
        """The one key rotation (passwd, rekey, users remove): a new data key sealed to every
        remaining slot, the vault written under it with a record of the rotation and every
        retired key (one atomic replace: StorageError leaves everything as it was), then every
        evidence file and backup re-sealed (see rotation.py). Work left (a full disk) is in the
        result and carries on at the next open or ``verify``."""
        self._check_open()
        new_key = os.urandom(KEY_BYTES)
        header = rotate_key_header(
            self._header, new_key, removed_slot=removed_slot, new_passphrase=new_passphrase
        )
        with self._storage.lock:
            self.wait_for_backup()
            keys = keyring(self._meta, self._header, self._data_key)
            meta = rotation.started(self._meta, header.key_id, keys, _now(), removed_slot)
            self._rewrite_locked(header, new_key, meta)
            return self._finish_rotation_locked()

    def _finish_rotation_locked(self) -> Rotation:
        names = rotation.removed_names(self._meta)
        keys = keyring(self._meta, self._header, self._data_key)
        done = rotation.reseal(self.path, self._header, self._data_key, keys, self._meta)
        meta = rotation.finished(self._meta, done)
        if meta != self._meta:
            try:
                self._rewrite_locked(self._header, self._data_key, meta)
            except StorageError as err:
                done.left.append(rotation.reason(err))
        if not self.rotation_under_way:
            self._removals_finished.update(n.casefold() for n in names)
        return done

    def _blob_is_ours(self, blob_id: str) -> bool:
        ident = blobs.blob_key_id(blobs.blob_path(self.path, blob_id))
        return ident is not None and ident[0] == self.vault_id

    # ----- evidence blobs
    def put_blob(self, data: bytes) -> tuple[str, str]:
        """Store ``data`` as an encrypted evidence file; returns (blob id, SHA-256 hex)."""
        self._check_open()
        return blobs.put_blob(
            self.path, self.vault_id, self._header.key_id, self._data_key, bytes(data)
        )

    def get_blob(self, blob_id: str) -> bytes:
        """The plaintext of an evidence file, its SHA-256 checked (VaultTampered if it fails)."""
        self._check_open()
        return blobs.get_blob(
            self.path, self.vault_id, blob_id, keyring(self._meta, self._header, self._data_key)
        )

    def blob_ids(self) -> set[str]:
        """Ids of this vault's evidence files in its folder (another vault's are left out)."""
        self._check_open()
        return {b for b in blobs.blob_ids(self.path) if self._blob_is_ours(b)}

    def delete_blob(self, blob_id: str) -> None:
        """Delete an evidence file (e.g. of a deleted case); a missing one is not an error."""
        self._check_open()
        self._lock.check()
        try:
            blobs.blob_path(self.path, blob_id).unlink(missing_ok=True)
        except OSError as err:
            raise storage_error(err, "delete the evidence file") from None

    # ----- checks
    def verify(self) -> list[str]:
        """Re-read the vault file and every evidence file and check them all; [] means sound.

        A key rotation under way is carried on first; any evidence file or backup still under a
        retired key is a problem (an old passphrase may open it).
        """
        self._check_open()
        self.wait_for_backup()
        self.finish_rotation()
        problems: list[str] = []
        try:
            loaded = load(recovery.read_vault(self.path), None, data_key=self._data_key)
            on_disk = unpacked(loaded)
        except VaultTampered as err:
            problems.append(err.message)
        except StorageError as err:
            problems.append(err.message)
        else:
            with self._storage.lock:
                differs = loaded.generation != self.generation
                differs = differs or on_disk != self._storage.tables_view()
            if differs:
                problems.append("The vault on disk differs from what this session holds.")
        keys = keyring(self._meta, self._header, self._data_key)
        for blob_id in blobs.blob_ids(self.path):
            ident = blobs.blob_key_id(blobs.blob_path(self.path, blob_id))
            if ident is not None and ident[0] != self.vault_id:
                continue  # another vault's evidence in the same folder
            try:
                blobs.get_blob(self.path, self.vault_id, blob_id, keys)
            except (VaultTampered, NotFound, StorageError, OSError):
                problems.append(f"Evidence file {blob_id} failed its integrity check.")
        retired = rotation.retired_files(self.path, self.vault_id, self._header.key_id)
        problems.extend(retired)
        if self.rotation_under_way:
            problems.append(
                "A key rotation is unfinished: it carries on at the next unlock or dsl-tui verify "
                "(make room on the disk first if it is full)."
            )
        elif retired:
            problems.append(
                "Run dsl-tui rekey to re-seal them under a new key (a backup it cannot re-seal "
                "is removed)."
            )
        return problems

    # ----- closing
    def _check_open(self) -> None:
        if self.closed:
            raise StorageError("The vault is locked; unlock it again to continue.")

    def close(self) -> None:
        """Compact if worthwhile, release the lock and forget the keys."""
        with self._storage.lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self.closed:
            return
        try:
            if self.path.parent.is_dir() and not self.path.exists():
                # Deleted or moved away (a sync tool) while open: memory holds every
                # acknowledged save, so write it out again before the keys are forgotten.
                self._rewrite(self._header, self._data_key, self._meta)
            else:
                self.compact()
        except StorageError:
            pass  # the journal already holds every save
        finally:
            self.wait_for_backup()
            state.remember(self.vault_id, generation=self.generation)
            self._storage.close()
            self.db._tables.clear()
            self._data_key = b""
            self._aead = None  # type: ignore[assignment]
            self._meta = {}
            self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
