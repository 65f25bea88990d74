"""age X25519 key pairs for senior managers: make one (``keygen``) and read identity files.

The identity file has the same layout as ``age-keygen`` writes, so either tool can use it.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pyrage

from dsl_tui.errors import StorageError, UsageError

#: Largest identity file read (a few keys and comments; anything bigger is not an identity file).
MAX_IDENTITY_BYTES = 64 * 1024
#: Windows' O_BINARY (no newline translation on the descriptor); 0 elsewhere.
_BINARY = getattr(os, "O_BINARY", 0)


def keygen(out: Path) -> str:
    """Write a new X25519 identity to ``out`` (mode 0600, never overwriting); return ``age1...``."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    # Bytes, written as bytes: a text-mode file on Windows would turn every \n into \r\n.
    data = f"# created: {created}\n# public key: {public}\n{identity}\n".encode("ascii")
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
    except FileExistsError:
        raise UsageError("A file already exists there; choose another name for the key.") from None
    except OSError as err:
        raise StorageError(f"The key file could not be written ({err.strerror}).") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as err:
        raise StorageError(f"The key file could not be written ({err.strerror}).") from None
    return public


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """The X25519 identities in an age identity file (comment lines skipped)."""
    try:
        if not path.is_file():  # a folder, a FIFO or a device such as /dev/zero
            if not path.exists():
                raise FileNotFoundError(path)
            raise UsageError("That is not an age identity file.")
        with path.open("rb") as handle:
            raw = handle.read(MAX_IDENTITY_BYTES + 1)  # bounded, whatever stat says
        if len(raw) > MAX_IDENTITY_BYTES:
            raise UsageError("That file is too large to be an age identity file.")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise UsageError("There is no identity file at that path.") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise UsageError("That is not an age identity file.") from None
    except OSError as err:
        raise UsageError(f"The identity file could not be read ({err.strerror}).") from None
    identities = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except Exception:  # noqa: BLE001 - pyrage's own error types; all mean "not a key"
            raise UsageError(
                "The identity file holds a line that is not an age secret key."
            ) from None
    if not identities:
        raise UsageError("The identity file holds no age secret key.")
    return identities
