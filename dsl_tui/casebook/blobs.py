"""Where a casebook keeps evidence files: the ``BlobStore`` seam, and an in-memory one for tests."""

from __future__ import annotations

import hashlib
from typing import Protocol

from dsl_tui.errors import NotFound


class BlobStore(Protocol):
    """Encrypted evidence files beside the vault (``Vault``), or in memory (``MemoryBlobs``)."""

    def put_blob(self, data: bytes) -> tuple[str, str]:
        """Keep the bytes; returns (blob id, SHA-256 of the plaintext)."""
        ...

    def get_blob(self, blob_id: str) -> bytes:
        """The bytes kept under ``blob_id`` (``NotFound`` if none)."""
        ...

    def delete_blob(self, blob_id: str) -> None:
        """Forget the bytes kept under ``blob_id``."""
        ...


def forget_blob(blobs: BlobStore | None, blob_id: str) -> None:
    """Remove an evidence file no case refers to any more (a deleted case's, a failed import's).

    It is encrypted, so failing to remove it is harmless: a stray file cannot be read without the
    key, and ``verify`` names it as orphaned.
    """
    if blobs is None:
        return
    try:
        blobs.delete_blob(blob_id)
    except (OSError, NotFound):
        pass


class MemoryBlobs:
    """Evidence files kept in memory, for a casebook without a vault (tests, previews)."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put_blob(self, data: bytes) -> tuple[str, str]:
        """Keep the bytes; returns (blob id, SHA-256 of the plaintext)."""
        digest = hashlib.sha256(data).hexdigest()
        blob_id = f"mem-{len(self._blobs) + 1}"
        self._blobs[blob_id] = bytes(data)
        return blob_id, digest

    def get_blob(self, blob_id: str) -> bytes:
        """The bytes kept under ``blob_id``."""
        try:
            return self._blobs[blob_id]
        except KeyError:
            raise NotFound("That evidence file is not in this vault.") from None

    def delete_blob(self, blob_id: str) -> None:
        """Forget the bytes kept under ``blob_id``."""
        self._blobs.pop(blob_id, None)
