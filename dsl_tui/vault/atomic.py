"""Durable file writes: write all, fsync, atomic replace (with a Windows retry), fsync folder.

All writes go through ``os.write`` / ``os.fsync`` on raw descriptors, so no handle stays open
between saves and a failing disk surfaces here as :class:`StorageError` (never as a half-written
file).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from dsl_tui.errors import StorageError

#: File mode for every file the vault writes (where the OS has modes).
FILE_MODE = 0o600
#: Folder mode for folders the vault creates.
DIR_MODE = 0o700
_BINARY = getattr(os, "O_BINARY", 0)
_REPLACE_TRIES = 10


def storage_error(err: OSError, doing: str = "save") -> StorageError:
    """A user sentence for a failed disk operation, without paths or bytes (may name a pupil)."""
    code = err.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        why = "the disk is full"
    elif code == errno.EROFS:
        why = "the disk is read-only"
    elif code in (errno.EACCES, errno.EPERM):
        why = "permission was denied"
    elif code == errno.ENOENT:
        why = "the vault folder has gone"
    elif code == errno.ESTALE:
        why = "another program changed the vault file (reopen it and run dsl-tui verify)"
    else:
        why = f"the disk reported an error ({err.strerror or type(err).__name__})"
    return StorageError(f"Could not {doing} because {why}; the vault on disk is unchanged.")


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "short write")
        view = view[written:]


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each with mode 0700 from the start.

    (``Path.mkdir(parents=True)`` would give the parents the default mode.)
    """
    try:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=DIR_MODE)
            except FileExistsError:
                pass
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
    except OSError as err:
        raise storage_error(err, "create the vault folder") from None


#: What a temporary file of :func:`write_atomic` is called: ``.<name>.<12 hex>.tmp``.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.tmp$")


def is_temp_file(name: str) -> bool:
    """Whether ``name`` is named as :func:`write_atomic` names its temporary files."""
    return _TEMP_NAME.match(name) is not None


def sweep_temp_files(folder: Path, owner: str | None, min_age: float = 0.0) -> list[Path]:
    """Delete temporary files left in ``folder`` by a write that was killed; returns them.

    Only files named as :func:`write_atomic` names them are touched: of the file ``owner`` (its
    name or, for a folder of copies, the start of their names), or of any file if ``owner`` is
    None and they are older than ``min_age`` seconds (another vault in the same folder may be
    writing one now). Failures are ignored: a temp file holds only ciphertext or hints.
    """
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        name = match.group("name")
        ours = owner is not None and (name == owner or name.startswith(owner + "."))
        try:
            if not ours and (owner is not None or now - entry.lstat().st_mtime < min_age):
                continue
            if entry.is_symlink() or not entry.is_file():
                continue
            entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (POSIX only; Windows has no folder fsync)."""
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as err:
        # Some filesystems refuse fsync on folders; the data itself was already fsynced.
        if err.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def replace(src: Path, dst: Path) -> None:
    """``os.replace`` with a bounded retry for Windows sharing violations (WinError 5 / 32)."""
    for attempt in range(_REPLACE_TRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError as err:
            winerror = getattr(err, "winerror", None)
            if winerror not in (5, 32) or attempt == _REPLACE_TRIES - 1:
                raise
            # An antivirus scanner or indexer holds the file for a moment: wait and retry.
            time.sleep(0.05 * (attempt + 1))


def write_atomic(path: Path, chunks: Iterable[bytes], *, doing: str = "save") -> None:
    """Replace ``path`` with ``chunks``: temp file beside it, fsync, replace, fsync the folder.

    A crash at any instant leaves the old file or the new one. On failure the temp file is removed
    and StorageError is raised; the old file is untouched.
    """
    folder = path.parent
    temp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = -1
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, FILE_MODE)
        for chunk in chunks:
            write_all(fd, chunk)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        replace(temp, path)
        fsync_dir(folder)
    except OSError as err:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise storage_error(err, doing) from None


def read_file(path: Path) -> bytes:
    """The whole file, through one short-lived descriptor."""
    fd = os.open(path, os.O_RDONLY | _BINARY)
    try:
        size = os.fstat(fd).st_size
        parts: list[bytes] = []
        remaining = size
        while True:
            chunk = os.read(fd, max(remaining, 1 << 20))
            if not chunk:
                break
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


#: A file's identity: (device, inode); (0, 0) where the filesystem gives none.
FileId = tuple[int, int]


def file_id(path: Path) -> FileId:
    """The identity of the file at ``path`` now ((0, 0) if it cannot be read)."""
    try:
        info = os.stat(path)
    except OSError:
        return (0, 0)
    return (info.st_dev, info.st_ino)


def append_at(path: Path, offset: int, data: bytes, expect: FileId | None = None) -> None:
    """Write ``data`` at ``offset`` (the end of the last good record), drop anything after, fsync.

    Open, write, fsync, close: no handle is kept. Any torn bytes beyond ``offset`` (from an earlier
    crash or a failed write) are cut off first. With ``expect`` (the identity of the file the
    offset belongs to), a file another program put in its place is refused (ESTALE) rather than
    cut at an offset that means nothing in it. On failure the file is cut back to ``offset``
    (best effort) and the OSError propagates.
    """
    fd = os.open(path, os.O_RDWR | _BINARY)
    try:
        info = os.fstat(fd)
        size = info.st_size
        if expect is not None and expect[1] and info.st_ino:
            if (info.st_dev, info.st_ino) != expect:
                raise OSError(errno.ESTALE, "the vault file was replaced since it was opened")
        if size < offset:
            # Someone cut the file behind our back: never paper over it with zeros.
            raise OSError(errno.ESTALE, "the vault file shrank since it was opened")
        try:
            if size != offset:
                os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
            write_all(fd, data)
            os.fsync(fd)
        except OSError:
            try:
                os.ftruncate(fd, offset)
                os.fsync(fd)
            except OSError:
                pass
            raise
    finally:
        os.close(fd)
