"""Reading a vault file: check the header, find the slot the passphrase opens, decrypt, replay.

Pure functions over bytes (no lock, no writes), shared by open, verify, restore and the search for
the newest good backup.
"""

from __future__ import annotations

import base64
import json
import math
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dsl_tui.errors import VaultTampered, WrongPassphrase
from dsl_tui.jsontypes import Doc
from dsl_tui.vault.header import Header, SnapshotFile, open_body, parse_snapshot, unwrap_slot
from dsl_tui.vault.journal import JournalScan, read_records
from dsl_tui.vault.kdf import MAX_ITERATIONS, MAX_MEMORY_KIB, KdfParams, derive_key
from dsl_tui.vault.storage import PACKED_TABLES, Packed, Tables, apply_ops, collector_paused

#: Derived key-encryption keys by (salt, params): a backup with the same slot costs no extra KDF.
KekCache = dict[tuple[bytes, KdfParams], bytes]


@dataclass
class Loaded:
    """A decrypted, authenticated vault file."""

    header: Header
    data_key: bytes
    slot_id: str
    meta: Doc
    tables: Tables
    #: Tables kept as JSON text until first read (see ``storage.Packed``).
    packed: dict[str, Packed]
    generation: int
    records: int
    snapshot_end: int
    journal_end: int
    last_hash: bytes
    torn_tail: bool


_KDF_WORK_PER_OPEN = 4 * MAX_MEMORY_KIB * MAX_ITERATIONS


@dataclass
class KdfBudget:
    """What a search through backups may still spend on key derivation: Argon2id work (memory
    KiB times iterations, summed over runs) and a deadline (``time.monotonic()`` seconds)."""

    work: int
    deadline: float = math.inf

    def spend(self, params: KdfParams) -> bool:
        """Take one run at ``params`` from the budget; False (nothing taken) if it does not fit."""
        cost = params.memory_kib * params.iterations
        if cost > self.work or time.monotonic() > self.deadline:
            return False
        self.work -= cost
        return True


def unlock_key(
    header: Header,
    passphrase: str,
    preferred: str | None = None,
    kek_cache: KekCache | None = None,
    budget: KdfBudget | None = None,
) -> tuple[bytes, str]:
    """(data key, slot id) for the first slot ``passphrase`` opens; one KDF run per slot tried.

    With ``budget``, a run that does not fit it is not made (VaultTampered).
    """
    slots = sorted(header.slots, key=lambda s: s.slot_id != preferred)
    # A crafted header (the checksum is unkeyed) could ask for 64 maximum-cost runs: cap the
    # total work of one attempt at four maximum-cost runs, far above any vault this app writes.
    work_left = _KDF_WORK_PER_OPEN
    for slot in slots:
        cache_key = (slot.salt, header.kdf)
        kek = kek_cache.get(cache_key) if kek_cache is not None else None
        if kek is None:
            work_left -= header.kdf.memory_kib * header.kdf.iterations
            if work_left < 0 or (budget is not None and not budget.spend(header.kdf)):
                raise VaultTampered(
                    "The vault's header asks for more passphrase work than any vault this app "
                    "writes; it may have been tampered with. Restore a backup."
                )
            kek = derive_key(passphrase, slot.salt, header.kdf)
            if kek_cache is not None:
                kek_cache[cache_key] = kek
        key = unwrap_slot(header, slot, kek)
        if key is not None:
            return key, slot.slot_id
    raise WrongPassphrase("That passphrase does not open this vault.")


def _document(body: bytes) -> tuple[Doc, Tables, dict[str, Packed]]:
    bad = VaultTampered("The vault's contents are not in the expected form (damaged).")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise bad from None
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("meta"), dict)
        or not isinstance(doc.get("tables"), dict)
        or not isinstance(doc.get("packed", {}), dict)
    ):
        raise bad
    tables = doc["tables"]
    if not all(isinstance(t, dict) for t in tables.values()):
        raise bad
    try:
        packed = {name: Packed.parse(value) for name, value in doc.get("packed", {}).items()}
    except (ValueError, TypeError, AttributeError):
        raise bad from None
    if set(packed) & set(tables) or set(packed) - PACKED_TABLES:
        raise bad
    return doc["meta"], tables, packed


def unpacked(loaded: Loaded) -> Tables:
    """Every table of a loaded vault, packed ones decoded (VaultTampered if one is not a table)."""
    tables = dict(loaded.tables)
    for name, packed in loaded.packed.items():
        try:
            tables[name] = packed.decode()
        except ValueError:
            raise VaultTampered("The vault's audit log is not in the expected form.") from None
    return tables


def keyring(meta: Doc, header: Header, data_key: bytes) -> dict[str, bytes]:
    """Every data key by id: the active one and older ones kept for not-yet-resealed blobs."""
    keys = {kid: base64.b64decode(k) for kid, k in meta.get("old_keys", {}).items()}
    keys[header.key_id] = data_key
    return keys


def load(
    raw: bytes,
    passphrase: str | None,
    preferred: str | None = None,
    kek_cache: KekCache | None = None,
    *,
    data_key: bytes | None = None,
    budget: KdfBudget | None = None,
) -> Loaded:
    """Decrypt and authenticate a whole vault file (VaultTampered / WrongPassphrase).

    With ``data_key`` (a session re-checking its own file) no slot is unlocked; with ``budget``
    the key derivation is bounded (see :func:`unlock_key`).
    """
    snap: SnapshotFile = parse_snapshot(raw)
    header = snap.header
    if data_key is None:
        data_key, slot_id = unlock_key(header, passphrase or "", preferred, kek_cache, budget)
    else:
        slot_id = ""
    with collector_paused():
        return _decoded(snap, header, data_key, slot_id, raw)


def _decoded(
    snap: SnapshotFile, header: Header, data_key: bytes, slot_id: str, raw: bytes
) -> Loaded:
    meta, tables, packed = _document(open_body(snap, data_key))
    aead = AESGCM(data_key)
    scan = JournalScan(snap.journal_start, snap.chain_seed)
    records = 0
    for record in read_records(
        aead,
        bytes.fromhex(header.vault_id),
        raw,
        snap.journal_start,
        header.generation + 1,
        snap.chain_seed,
        scan,
    ):
        try:
            ops = json.loads(record.plaintext)
            apply_ops(tables, ops, packed)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise VaultTampered(
                "A record in the vault's journal is not in the expected form."
            ) from None
        records += 1
    return Loaded(
        header=header,
        data_key=data_key,
        slot_id=slot_id,
        meta=meta,
        tables=tables,
        packed=packed,
        generation=header.generation + records,
        records=records,
        snapshot_end=snap.journal_start,
        journal_end=scan.good_end,
        last_hash=scan.last_hash,
        torn_tail=scan.torn_tail,
    )
