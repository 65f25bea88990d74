"""Encrypted evidence blobs: one file per blob in a ``blobs`` folder beside the vault.

File layout: MAGIC (8) | vault id (16) | key id (8) | blob id (16) | nonce (12) | AES-256-GCM of
(SHA-256 of the plaintext (32) + plaintext), with the first 48 bytes as associated data. The id is
random; the SHA-256 is returned to the caller (chain of custody) and checked on every read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dsl_tui.errors import NotFound, UsageError, VaultTampered
from dsl_tui.vault.atomic import is_temp_file, make_private_dir, read_file, write_atomic

MAGIC = b"DSLBLOB1"
_HEAD = len(MAGIC) + 16 + 8 + 16
NONCE_BYTES = 12
MAX_BLOB_BYTES = 512 << 20
SUFFIX = ".blob"


def blobs_dir(vault: Path) -> Path:
    """The ``blobs`` folder beside the vault file."""
    return vault.parent / "blobs"


def blob_path(vault: Path, blob_id: str) -> Path:
    """The file of blob ``blob_id`` (NotFound for anything that is not a blob id)."""
    if len(blob_id) != 32 or any(c not in "0123456789abcdef" for c in blob_id):
        raise NotFound("No evidence file with that id.")
    return blobs_dir(vault) / f"{blob_id}{SUFFIX}"


def seal_blob(vault_id: str, key_id: str, key: bytes, blob_id: str, data: bytes) -> bytes:
    """The bytes of one blob file."""
    head = MAGIC + bytes.fromhex(vault_id) + bytes.fromhex(key_id) + bytes.fromhex(blob_id)
    nonce = os.urandom(NONCE_BYTES)
    payload = hashlib.sha256(data).digest() + data
    return head + nonce + AESGCM(key).encrypt(nonce, payload, head)


def put_blob(vault: Path, vault_id: str, key_id: str, key: bytes, data: bytes) -> tuple[str, str]:
    """Write ``data`` encrypted (atomic, 0600); returns (blob id, SHA-256 hex of the plaintext)."""
    if len(data) > MAX_BLOB_BYTES:
        raise UsageError("That file is too large to keep as evidence (over 512 MB).")
    blob_id = os.urandom(16).hex()
    make_private_dir(blobs_dir(vault))
    sealed = seal_blob(vault_id, key_id, key, blob_id, data)
    write_atomic(blob_path(vault, blob_id), [sealed], doing="save the evidence file")
    return blob_id, hashlib.sha256(data).hexdigest()


def open_blob(raw: bytes, vault_id: str, blob_id: str, keys: Mapping[str, bytes]) -> bytes:
    """Decrypt and check one blob file's bytes (VaultTampered if anything is wrong)."""
    bad = VaultTampered("An evidence file failed its integrity check (damaged or tampered).")
    if len(raw) < _HEAD + NONCE_BYTES + 16 + 32 or raw[: len(MAGIC)] != MAGIC:
        raise bad
    head = raw[:_HEAD]
    if head[8:24].hex() != vault_id or head[32:48].hex() != blob_id:
        raise bad
    key = keys.get(head[24:32].hex())
    if key is None:
        raise bad
    try:
        payload = AESGCM(key).decrypt(
            raw[_HEAD : _HEAD + NONCE_BYTES], raw[_HEAD + NONCE_BYTES :], head
        )
    except InvalidTag:
        raise bad from None
    digest, data = payload[:32], payload[32:]
    if hashlib.sha256(data).digest() != digest:
        raise bad
    return data


def get_blob(vault: Path, vault_id: str, blob_id: str, keys: Mapping[str, bytes]) -> bytes:
    """The plaintext of blob ``blob_id`` (NotFound, or VaultTampered if it fails its check)."""
    path = blob_path(vault, blob_id)
    try:
        raw = read_file(path)
    except FileNotFoundError:
        raise NotFound("No evidence file with that id.") from None
    return open_blob(raw, vault_id, blob_id, keys)


def blob_key_id(path: Path) -> tuple[str, str] | None:
    """(vault id, key id) from a blob file's clear head, or None if unreadable."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return None
    if len(head) < _HEAD or head[: len(MAGIC)] != MAGIC:
        return None
    return head[8:24].hex(), head[24:32].hex()


def blob_ids(vault: Path) -> list[str]:
    """Ids of every blob file in the folder (of any vault)."""
    folder = blobs_dir(vault)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.iterdir() if p.name.endswith(SUFFIX))


def reseal_blob(
    vault: Path, vault_id: str, blob_id: str, keys: Mapping[str, bytes], key_id: str, key: bytes
) -> None:
    """Re-encrypt one blob under the new data key (atomic replace)."""
    data = get_blob(vault, vault_id, blob_id, keys)
    sealed = seal_blob(vault_id, key_id, key, blob_id, data)
    write_atomic(blob_path(vault, blob_id), [sealed], doing="re-encrypt an evidence file")


def sweep_own_temp_files(vault: Path, vault_id: str) -> None:
    """Delete the temp files a killed evidence write of vault ``vault_id`` left, whatever their age.

    Their clear head names the vault, so another vault's are left alone; call holding the vault's
    lock (no write of this vault can be in flight). One may hold evidence under a retired key.
    """
    folder = blobs_dir(vault)
    try:
        entries = [p for p in folder.iterdir() if is_temp_file(p.name)]
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_symlink() or not entry.is_file():
                continue
            ident = blob_key_id(entry)
            if ident is not None and ident[0] == vault_id:
                entry.unlink()
        except OSError:
            pass
