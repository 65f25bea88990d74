"""The append-only encrypted journal that follows the snapshot in the vault file.

Each save appends one record::

    length N (4, big-endian) | CRC-32 of those 4 bytes (4) | nonce (12) + AES-GCM ciphertext (N-12)

sealed with the data key; associated data = label | vault id | the record's generation (8) |
SHA-256 of the previous record (the first record chains to the snapshot's checksum and body tag) |
the 8 framing bytes. So a record that is changed, moved, removed from the middle or spliced in from
another snapshot fails to authenticate.

Only the last record may be torn (a crash mid-append): short framing, a length running past the end
of the file, or an all-zero tail (a filesystem that extended the file but never wrote the data).
Such a tail is dropped: it was never acknowledged to the caller. Anything else is VaultTampered.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dsl_tui.errors import VaultTampered

_LABEL = b"dsl-tui journal v1"
FRAME_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_RECORD_BYTES = 256 << 20


def _tampered() -> VaultTampered:
    return VaultTampered(
        "The vault's journal of recent saves failed its integrity check (damaged or tampered)."
    )


def _frame(length: int) -> bytes:
    raw_len = length.to_bytes(4, "big")
    return raw_len + zlib.crc32(raw_len).to_bytes(4, "big")


def _aad(vault_id: bytes, generation: int, prev_hash: bytes, frame: bytes) -> bytes:
    return b"".join((_LABEL, vault_id, generation.to_bytes(8, "big"), prev_hash, frame))


def seal_record(
    aead: AESGCM, vault_id: bytes, generation: int, prev_hash: bytes, plaintext: bytes
) -> tuple[bytes, bytes]:
    """(record bytes, their hash) for one save."""
    length = NONCE_BYTES + len(plaintext) + TAG_BYTES
    if length > MAX_RECORD_BYTES:
        raise ValueError("a single save is too large for the journal")
    frame = _frame(length)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = aead.encrypt(nonce, plaintext, _aad(vault_id, generation, prev_hash, frame))
    record = frame + nonce + ciphertext
    return record, hashlib.sha256(record).digest()


@dataclass(frozen=True)
class Record:
    """One authenticated journal record."""

    generation: int
    plaintext: bytes
    end: int
    digest: bytes


@dataclass
class JournalScan:
    """What reading the journal found: the records, and whether a torn tail was dropped."""

    good_end: int
    last_hash: bytes
    torn_tail: bool = False


def read_records(
    aead: AESGCM,
    vault_id: bytes,
    raw: bytes,
    start: int,
    first_generation: int,
    seed: bytes,
    scan: JournalScan,
) -> Iterator[Record]:
    """Authenticate and yield every record of ``raw[start:]``; fills ``scan`` as it goes.

    Raises VaultTampered for any damage other than a torn last record.
    """
    view = memoryview(raw)
    pos = start
    prev = seed
    generation = first_generation
    size = len(raw)
    scan.good_end, scan.last_hash = start, seed
    while pos < size:
        remaining = size - pos
        if remaining < FRAME_BYTES:
            scan.torn_tail = True
            return
        frame = bytes(view[pos : pos + FRAME_BYTES])
        if frame != _frame(int.from_bytes(frame[:4], "big")):
            if not any(view[pos:]):
                scan.torn_tail = True
                return
            raise _tampered()
        length = int.from_bytes(frame[:4], "big")
        if length < NONCE_BYTES + TAG_BYTES or length > MAX_RECORD_BYTES:
            raise _tampered()
        end = pos + FRAME_BYTES + length
        if end > size:
            scan.torn_tail = True
            return
        nonce = view[pos + FRAME_BYTES : pos + FRAME_BYTES + NONCE_BYTES]
        body = view[pos + FRAME_BYTES + NONCE_BYTES : end]
        try:
            plaintext = aead.decrypt(bytes(nonce), body, _aad(vault_id, generation, prev, frame))
        except InvalidTag:
            if end == size and not any(view[end - TAG_BYTES : end]):
                scan.torn_tail = True
                return
            raise _tampered() from None
        digest = hashlib.sha256(view[pos:end]).digest()
        yield Record(generation, plaintext, end, digest)
        prev = digest
        generation += 1
        pos = end
        scan.good_end, scan.last_hash = pos, prev


def read_at(fd: int, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes of open file ``fd`` from ``offset`` (fewer only at the end)."""
    os.lseek(fd, offset, os.SEEK_SET)
    parts: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def count_records(fd: int, start: int, size: int) -> int:
    """How many complete, well-framed records follow ``start`` in open file ``fd``.

    Walks the framing only (seek, read 8 bytes, skip): no key, no decryption, so the count says
    how new a backup is, not that its records authenticate. Stops at the first torn or bad frame.
    """
    count, pos = 0, start
    while pos + FRAME_BYTES <= size:
        frame = read_at(fd, pos, FRAME_BYTES)
        length = int.from_bytes(frame[:4], "big")
        if len(frame) < FRAME_BYTES or frame != _frame(length):
            break
        if length < NONCE_BYTES + TAG_BYTES or pos + FRAME_BYTES + length > size:
            break
        pos += FRAME_BYTES + length
        count += 1
    return count


@dataclass(frozen=True)
class CompactionPolicy:
    """When the journal is folded into a new snapshot.

    Soft limits apply on close (and :meth:`Vault.compact` when idle); hard limits apply during a
    save, which then pays for one full rewrite. Sizes are journal bytes; ratios are of the snapshot.
    """

    soft_min_bytes: int = 256 << 10
    soft_ratio: float = 0.05
    hard_min_bytes: int = 16 << 20
    hard_ratio: float = 0.25
    hard_records: int = 20_000

    def due(self, journal: int, snapshot: int, records: int, *, hard: bool) -> bool:
        """Whether a journal of ``journal`` bytes / ``records`` records should be compacted."""
        if records == 0:
            return False
        if hard:
            return records >= self.hard_records or journal >= max(
                self.hard_min_bytes, self.hard_ratio * snapshot
            )
        return journal >= max(self.soft_min_bytes, self.soft_ratio * snapshot)
