"""The case file's container: a zip built in memory, its MANIFEST.sha256, and age v1 encryption.

Plain case data never touches the disk: the zip is built in a ``BytesIO``, encrypted with pyrage
in memory, and only the ciphertext is written - to a temporary name in the destination folder,
then replaced onto the real name (``vault.atomic.replace``: ``os.replace`` with the retry Windows
needs while an antivirus holds the file), so a power cut leaves either no file or a whole one.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pyrage

from dsl_tui.errors import ExportError, StorageError, UsageError, VaultTampered, WrongPassphrase
from dsl_tui.vault.atomic import replace

MANIFEST = "MANIFEST.sha256"
AGE_MAGIC = b"age-encryption.org/v1\n"


def manifest_text(files: Mapping[str, bytes]) -> str:
    """``sha256sum`` lines ("<hex>  <name>") for every file, sorted by name."""
    return "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    )


def build_zip(files: Mapping[str, bytes], when: datetime) -> bytes:
    """A zip (in memory) holding ``files`` and a MANIFEST.sha256 covering all of them."""
    if MANIFEST in files:
        raise ValueError("the manifest is added by build_zip")
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = dict(files)
        entries[MANIFEST] = manifest_text(files).encode("utf-8")
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def parse_recipient(text: str) -> pyrage.x25519.Recipient:
    """An age X25519 recipient from its ``age1...`` text; UsageError if it is not one."""
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except Exception:  # noqa: BLE001 - pyrage raises its own types; all mean "not a key"
        raise UsageError("That is not an age public key (it should start with age1).") from None


def encrypt(
    payload: bytes, *, recipients: Sequence[str] = (), passphrase: str | None = None
) -> bytes:
    """The age v1 ciphertext of ``payload``, for the recipients or for a passphrase (not both)."""
    if recipients and passphrase:
        raise UsageError("Use either recipients or a passphrase, not both.")
    if passphrase:
        return bytes(pyrage.passphrase.encrypt(payload, passphrase))
    if not recipients:
        raise UsageError("Give at least one --recipient, or use a passphrase.")
    keys = [parse_recipient(r) for r in recipients]
    return bytes(pyrage.encrypt(payload, keys))


def stanza_types(ciphertext: bytes) -> list[str]:
    """The recipient types in an age header ("X25519", "scrypt", ...); VaultTampered if none."""
    if not ciphertext.startswith(AGE_MAGIC):
        raise VaultTampered("The file is not a case file (it is not in age format).")
    end = ciphertext.find(b"\n---", len(AGE_MAGIC) - 1)
    if end < 0:
        raise VaultTampered("The case file is truncated or damaged.")
    kinds = []
    for line in ciphertext[len(AGE_MAGIC) : end].split(b"\n"):
        if line.startswith(b"-> "):
            parts = line[3:].split(b" ")
            kinds.append(parts[0].decode("ascii", "replace"))
    if not kinds:
        raise VaultTampered("The case file is truncated or damaged.")
    return kinds


def needs_passphrase(ciphertext: bytes) -> bool:
    """True when the file was encrypted with a passphrase (an scrypt stanza)."""
    return "scrypt" in stanza_types(ciphertext)


def decrypt(
    ciphertext: bytes,
    *,
    identities: Iterable[pyrage.x25519.Identity] = (),
    passphrase: str | None = None,
) -> bytes:
    """The payload of an age file. WrongPassphrase (exit 3) when no key fits; VaultTampered (5)
    when the file is damaged, truncated or altered."""
    is_passphrase_file = needs_passphrase(ciphertext)
    try:
        if is_passphrase_file:
            if passphrase is None:
                raise UsageError("This case file needs its passphrase.")
            return bytes(pyrage.passphrase.decrypt(ciphertext, passphrase))
        keys = list(identities)
        if not keys:
            raise UsageError("This case file needs an identity file: use --identity FILE.")
        return bytes(pyrage.decrypt(ciphertext, keys))
    except pyrage.DecryptError as err:
        reason = str(err)
        if reason in ("No matching keys found", "Decryption failed"):
            what = "passphrase" if is_passphrase_file else "key"
            raise WrongPassphrase(
                f"The {what} does not open this case file (or its header was altered)."
            ) from None
        raise VaultTampered(
            "The case file is damaged, truncated or has been altered; do not trust it."
        ) from None


def receipt_code(ciphertext: bytes) -> str:
    """A short code both schools can compare: 10 base32 letters of the file's SHA-256, grouped."""
    digest = base64.b32encode(hashlib.sha256(ciphertext).digest()).decode("ascii")[:10]
    return f"{digest[:5]}-{digest[5:]}"


def normalise_code(code: str) -> str:
    """A receipt code as typed (any case, spaces or dashes) in its grouped form."""
    letters = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{letters[:5]}-{letters[5:]}" if len(letters) == 10 else letters


def write_atomic(out: Path, data: bytes) -> None:
    """Write ciphertext to ``out``: temp file in the same folder, fsync, then an atomic replace."""
    folder = out.parent if str(out.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise UsageError("The folder for the case file does not exist.")
        if out.is_dir():
            raise UsageError("The output path is a folder; give a file name.")
        if out.exists() and not peek(out, len(AGE_MAGIC)).startswith(AGE_MAGIC):
            # Replacing an older case file is fine; replacing anything else (the vault!) is not.
            raise UsageError(
                "A file that is not a case file is already there; choose another name."
            )
        fd, tmp = tempfile.mkstemp(prefix=".dsl-export-", suffix=".tmp", dir=folder)
    except OSError as err:  # a name too long, a folder we may not write to...
        raise UsageError(
            f"The case file cannot be saved there ({err.strerror or 'unusable name'}); "
            "choose another place."
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        replace(Path(tmp), out)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StorageError(
            f"The case file could not be written ({err.strerror or 'disk error'}); "
            "nothing was left behind."
        ) from None
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, refusing a file larger than ``limit``."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise UsageError("That path is a device or pipe, not a case file.")
    try:
        size = path.stat().st_size
        if size > limit:
            raise ExportError(f"The case file is larger than the {limit // 2**20} MiB limit.")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError("There is no case file at that path.") from None
    except IsADirectoryError:
        raise UsageError("That path is a folder, not a case file.") from None
    if len(data) > limit:
        raise ExportError(f"The case file is larger than the {limit // 2**20} MiB limit.")
    return data


def peek(path: Path, size: int = 64 * 1024) -> bytes:
    """The first bytes of a file (enough for an age header)."""
    path = Path(path)
    if path.exists() and not path.is_dir() and not path.is_file():
        raise UsageError("That path is a device or pipe, not a case file.")
    try:
        with Path(path).open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise UsageError("There is no case file at that path.") from None
    except IsADirectoryError:
        raise UsageError("That path is a folder, not a case file.") from None
