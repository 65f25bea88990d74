"""The vault file's clear header and sealed snapshot, and the key slots that open it.

File layout (big-endian integers)::

    MAGIC (8) | header length L (4) | header JSON (L) | SHA-256 of the 12+L bytes before (32)
    | body length B (8) | body: nonce (12) + AES-256-GCM ciphertext and tag (B - 12)
    | journal records ... (see journal.py)

The header JSON holds only what is needed to open the vault: format and version, vault id, the
snapshot id and generation, the Argon2id parameters, the active data key's id and one slot per user
(random slot id, salt, the wrapped X25519 private key, its public key, and the data key wrapped
to it). No names. The unkeyed checksum lets a damaged
header be told apart from a wrong passphrase before any KDF runs; the real authentication is the
body's GCM tag, whose associated data is every byte from MAGIC to B.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from dsl_tui.errors import VaultTampered
from dsl_tui.jsontypes import JsonValue
from dsl_tui.vault.kdf import KEY_BYTES, SALT_BYTES, KdfParams, derive_key

MAGIC = b"DSLVAULT"
FORMAT = "dsl-tui-vault"
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_HEADER_BYTES = 1 << 20
MAX_SLOTS = 64
_PREFIX = len(MAGIC) + 4
_DIGEST = 32
_SLOT_AAD = b"dsl-tui slot v1"


def _tampered(what: str = "The vault file") -> VaultTampered:
    return VaultTampered(f"{what} failed its integrity check (damaged or tampered).")


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: JsonValue, length: int) -> bytes:
    """Decode base64 of exactly ``length`` bytes, else VaultTampered."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise _tampered("The vault header") from None
    if len(raw) != length:
        raise _tampered("The vault header")
    return raw


def unhex(text: JsonValue, length: int) -> bytes:
    """Decode hex of exactly ``length`` bytes, else VaultTampered."""
    try:
        raw = bytes.fromhex(text)
    except (ValueError, TypeError):
        raise _tampered("The vault header") from None
    if len(raw) != length:
        raise _tampered("The vault header")
    return raw


@dataclass(frozen=True)
class Slot:
    """One user's key slot.

    The user's passphrase (Argon2id, per-slot salt) unwraps an X25519 private key; the data key is
    wrapped to the matching public key. Rotating the data key can so rewrap every remaining slot
    without knowing the other users' passphrases, and a removed user, who knew the old data key,
    learns nothing that opens the new one.
    """

    slot_id: str
    salt: bytes
    private_nonce: bytes
    private_wrapped: bytes
    public: bytes
    ephemeral: bytes
    nonce: bytes
    wrapped: bytes

    def to_json(self) -> dict[str, str]:
        """The header entry for this slot."""
        return {
            "id": self.slot_id,
            "salt": b64(self.salt),
            "private_nonce": b64(self.private_nonce),
            "private": b64(self.private_wrapped),
            "public": b64(self.public),
            "ephemeral": b64(self.ephemeral),
            "nonce": b64(self.nonce),
            "wrapped": b64(self.wrapped),
        }

    @classmethod
    def from_json(cls, data: object) -> Slot:
        """Parse one header slot entry (VaultTampered if malformed)."""
        if not isinstance(data, dict):
            raise _tampered("The vault header")
        slot_id = data.get("id")
        unhex(slot_id, 8)
        return cls(
            slot_id=str(slot_id),
            salt=unb64(data.get("salt"), SALT_BYTES),
            private_nonce=unb64(data.get("private_nonce"), NONCE_BYTES),
            private_wrapped=unb64(data.get("private"), 32 + TAG_BYTES),
            public=unb64(data.get("public"), 32),
            ephemeral=unb64(data.get("ephemeral"), 32),
            nonce=unb64(data.get("nonce"), NONCE_BYTES),
            wrapped=unb64(data.get("wrapped"), KEY_BYTES + TAG_BYTES),
        )


@dataclass(frozen=True)
class Header:
    """The clear, authenticated header of one snapshot."""

    vault_id: str
    snapshot_id: str
    generation: int
    kdf: KdfParams
    key_id: str
    slots: tuple[Slot, ...] = field(default_factory=tuple)

    def to_bytes(self) -> bytes:
        """Canonical JSON of the header."""
        data = {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "snapshot_id": self.snapshot_id,
            "generation": self.generation,
            "cipher": "aes-256-gcm",
            "kdf": self.kdf.to_json(),
            "key_id": self.key_id,
            "slots": [slot.to_json() for slot in self.slots],
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Header:
        """Parse header JSON (VaultTampered on anything unexpected, KDF bounds checked)."""
        try:
            data = json.loads(raw.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            raise _tampered("The vault header") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VaultTampered("This file is not a dsl-tui vault, or its header is damaged.")
        if data.get("version") != VERSION:
            raise VaultTampered("This vault was made by a newer or unknown version of dsl-tui.")
        if data.get("cipher") != "aes-256-gcm":
            raise _tampered("The vault header")
        generation = data.get("generation")
        slots = data.get("slots")
        if type(generation) is not int or generation < 0 or not isinstance(slots, list):
            raise _tampered("The vault header")
        if not 1 <= len(slots) <= MAX_SLOTS:
            raise _tampered("The vault header")
        unhex(data.get("vault_id"), 16)
        unhex(data.get("snapshot_id"), 16)
        unhex(data.get("key_id"), 8)
        return cls(
            vault_id=data["vault_id"],
            snapshot_id=data["snapshot_id"],
            generation=generation,
            kdf=KdfParams.from_json(data.get("kdf")),
            key_id=data["key_id"],
            slots=tuple(Slot.from_json(s) for s in slots),
        )

    def slot_aad(self, slot_id: str) -> bytes:
        """Associated data of a slot's wrapped keys: binds them to this vault, slot and KDF."""
        return b"|".join(
            (_SLOT_AAD, bytes.fromhex(self.vault_id), bytes.fromhex(slot_id), self.kdf.binding())
        )

    def with_slots(self, slots: tuple[Slot, ...]) -> Header:
        """A copy with other slots."""
        return replace(self, slots=slots)


def new_id(nbytes: int) -> str:
    """A random id as hex."""
    return secrets.token_hex(nbytes)


def _wrap_key_for(
    header: Header,
    slot_id: str,
    public: bytes,
    ephemeral: X25519PrivateKey,
) -> tuple[bytes, bytes]:
    """(ephemeral public bytes, wrapping key) for sending the data key to ``public``."""
    eph_pub = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    return eph_pub, _hkdf(shared, header, slot_id, public, eph_pub)


def _hkdf(shared: bytes, header: Header, slot_id: str, public: bytes, eph_pub: bytes) -> bytes:
    info = header.slot_aad(slot_id) + b"|data key|" + public + eph_pub
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None, info=info).derive(shared)


def seal_to_slot(header: Header, slot: Slot, data_key: bytes) -> Slot:
    """``slot`` with ``data_key`` (``header.key_id``) wrapped to its public key; no KDF needed."""
    ephemeral = X25519PrivateKey.generate()
    eph_pub, wrap = _wrap_key_for(header, slot.slot_id, slot.public, ephemeral)
    nonce = os.urandom(NONCE_BYTES)
    aad = header.slot_aad(slot.slot_id) + b"|data key|" + bytes.fromhex(header.key_id)
    wrapped = AESGCM(wrap).encrypt(nonce, data_key, aad)
    return replace(slot, ephemeral=eph_pub, nonce=nonce, wrapped=wrapped)


def make_slot(
    header: Header,
    passphrase: str,
    data_key: bytes,
    slot_id: str | None = None,
    kek_cache: dict[tuple[bytes, KdfParams], bytes] | None = None,
) -> Slot:
    """A new slot for ``passphrase`` (one KDF run) holding ``data_key`` for ``header``'s vault."""
    slot_id = slot_id or new_id(8)
    salt = os.urandom(SALT_BYTES)
    kek = derive_key(passphrase, salt, header.kdf)
    if kek_cache is not None:
        kek_cache[(salt, header.kdf)] = kek
    private = X25519PrivateKey.generate()
    private_raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    private_nonce = os.urandom(NONCE_BYTES)
    private_wrapped = AESGCM(kek).encrypt(
        private_nonce, private_raw, header.slot_aad(slot_id) + b"|private|" + public
    )
    empty = Slot(slot_id, salt, private_nonce, private_wrapped, public, b"", b"", b"")
    return seal_to_slot(header, empty, data_key)


def unwrap_slot(header: Header, slot: Slot, kek: bytes) -> bytes | None:
    """The data key if ``kek`` (from the passphrase) opens ``slot``, else None."""
    aad = header.slot_aad(slot.slot_id)
    try:
        private_raw = AESGCM(kek).decrypt(
            slot.private_nonce, slot.private_wrapped, aad + b"|private|" + slot.public
        )
        private = X25519PrivateKey.from_private_bytes(private_raw)
        shared = private.exchange(X25519PublicKey.from_public_bytes(slot.ephemeral))
        wrap = _hkdf(shared, header, slot.slot_id, slot.public, slot.ephemeral)
        key = AESGCM(wrap).decrypt(
            slot.nonce, slot.wrapped, aad + b"|data key|" + bytes.fromhex(header.key_id)
        )
    except (InvalidTag, ValueError):
        return None
    return key if len(key) == KEY_BYTES else None


@dataclass(frozen=True)
class SnapshotFile:
    """A parsed vault file: header, where the body is, and where the journal starts."""

    header: Header
    aad: bytes
    body_nonce: bytes
    body_ct: memoryview
    journal_start: int
    chain_seed: bytes


def encode_snapshot(header: Header, data_key: bytes, plaintext: bytes) -> bytes:
    """The bytes of a new vault file (no journal records yet)."""
    header_json = header.to_bytes()
    prefix = MAGIC + len(header_json).to_bytes(4, "big") + header_json
    prefix += hashlib.sha256(prefix).digest()
    nonce = os.urandom(NONCE_BYTES)
    body_len = NONCE_BYTES + len(plaintext) + TAG_BYTES
    aad = prefix + body_len.to_bytes(8, "big")
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, aad)
    return aad + nonce + ciphertext


def encode_snapshot_pieces(
    header: Header, data_key: bytes, plaintext: Sequence[bytes]
) -> tuple[list[bytes], bytes]:
    """A new vault file as pieces (joined, the same bytes as :func:`encode_snapshot` with the
    same nonce) and its journal chain seed.

    The body is sealed with AES-256-GCM one piece at a time (the streaming form of the same
    cipher: same ciphertext, same tag), so a compaction in a worker thread never holds the
    interpreter for a whole 137 MB seal (see dsl_tui/vault/pieces.py).
    """
    header_json = header.to_bytes()
    prefix = MAGIC + len(header_json).to_bytes(4, "big") + header_json
    prefix += hashlib.sha256(prefix).digest()
    nonce = os.urandom(NONCE_BYTES)
    body_len = NONCE_BYTES + sum(len(piece) for piece in plaintext) + TAG_BYTES
    aad = prefix + body_len.to_bytes(8, "big")
    sealer = Cipher(algorithms.AES(data_key), modes.GCM(nonce)).encryptor()
    sealer.authenticate_additional_data(aad)
    out = [aad, nonce]
    for piece in plaintext:
        out.append(sealer.update(piece))
    out.append(sealer.finalize())
    tag = sealer.tag
    out.append(tag)
    seed = hashlib.sha256(b"dsl-tui chain v1" + prefix[-_DIGEST:] + tag).digest()
    return out, seed


#: Enough leading bytes of a vault file to hold its whole clear header and the body length.
HEADER_PREFIX_MAX = _PREFIX + MAX_HEADER_BYTES + _DIGEST + 8


def parse_header_prefix(head: bytes, file_size: int) -> tuple[Header, int]:
    """The header of a vault file from its first bytes, and where its journal starts.

    ``head`` is the file's start (up to :data:`HEADER_PREFIX_MAX` bytes), ``file_size`` its whole
    size. Checks the magic, the header checksum and the header itself (VaultTampered if any
    fails); needs no key and does not read the body.
    """
    if len(head) < _PREFIX or head[: len(MAGIC)] != MAGIC:
        raise VaultTampered("This file is not a dsl-tui vault, or its start is damaged.")
    header_len = int.from_bytes(head[len(MAGIC) : _PREFIX], "big")
    end = _PREFIX + header_len
    if header_len > MAX_HEADER_BYTES or len(head) < end + _DIGEST + 8:
        raise _tampered()
    if hashlib.sha256(head[:end]).digest() != head[end : end + _DIGEST]:
        raise _tampered("The vault header")
    header = Header.from_bytes(head[_PREFIX:end])
    body_at = end + _DIGEST + 8
    body_len = int.from_bytes(head[end + _DIGEST : body_at], "big")
    if body_len < NONCE_BYTES + TAG_BYTES or body_at + body_len > file_size:
        raise _tampered()
    return header, body_at + body_len


def parse_snapshot(raw: bytes) -> SnapshotFile:
    """Split a vault file into its parts, checking the header checksum (no key needed)."""
    if len(raw) < _PREFIX or raw[: len(MAGIC)] != MAGIC:
        raise VaultTampered("This file is not a dsl-tui vault, or its start is damaged.")
    header_len = int.from_bytes(raw[len(MAGIC) : _PREFIX], "big")
    if header_len > MAX_HEADER_BYTES or len(raw) < _PREFIX + header_len + _DIGEST + 8:
        raise _tampered()
    end = _PREFIX + header_len
    if hashlib.sha256(raw[:end]).digest() != raw[end : end + _DIGEST]:
        raise _tampered("The vault header")
    header = Header.from_bytes(raw[_PREFIX:end])
    body_at = end + _DIGEST + 8
    body_len = int.from_bytes(raw[end + _DIGEST : body_at], "big")
    if body_len < NONCE_BYTES + TAG_BYTES or body_at + body_len > len(raw):
        raise _tampered()
    view = memoryview(raw)
    body_end = body_at + body_len
    seed = hashlib.sha256(
        b"dsl-tui chain v1" + raw[end : end + _DIGEST] + raw[body_end - TAG_BYTES : body_end]
    ).digest()
    return SnapshotFile(
        header=header,
        aad=raw[:body_at],
        body_nonce=raw[body_at : body_at + NONCE_BYTES],
        body_ct=view[body_at + NONCE_BYTES : body_end],
        journal_start=body_end,
        chain_seed=seed,
    )


def open_body(snapshot: SnapshotFile, data_key: bytes) -> bytes:
    """Decrypt and authenticate the body (VaultTampered if it fails)."""
    try:
        return AESGCM(data_key).decrypt(snapshot.body_nonce, snapshot.body_ct, snapshot.aad)
    except InvalidTag:
        raise _tampered() from None
