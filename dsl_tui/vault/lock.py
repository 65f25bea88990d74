"""The single-writer lock: a ``.lock`` file beside the vault naming its owner and since when.

The file is never the one that gets replaced. Exclusion comes from an OS lock on the open lock file
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), which the OS drops when the owner dies, so a
crashed owner's lock is taken over at once. The JSON inside says who holds it (pid, host, OS user,
time, and a random token) for the message a second instance shows. Where no OS lock works, a lock
whose pid is not alive on this host is taken over.

The lock is held on the open file, not on its name: an OS lock on a file someone has since
deleted or replaced excludes nobody. So :meth:`VaultLock.acquire` checks, once locked, that the
name still leads to the file it locked, and :meth:`VaultLock.check` (before every commit) that it
still does and that the file still names this holder's token; otherwise the lock is lost
(:class:`LockLost`) and the session stops saving. Every path is the vault's real path
(:func:`real_path`), so a symlink to the vault locks the same file.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import secrets
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from dsl_tui.errors import LockLost, VaultLocked
from dsl_tui.jsontypes import Doc
from dsl_tui.vault.atomic import FILE_MODE, storage_error, write_all

_BINARY = getattr(os, "O_BINARY", 0)
#: Windows locks this byte (beyond the JSON) so the JSON stays readable by others.
_WIN_LOCK_OFFSET = 1 << 20


#: Tries to lock a lock file that another instance keeps deleting or replacing.
_ACQUIRE_TRIES = 5

LOST = (
    "This vault's lock was taken by another dsl-tui (its lock file was removed or replaced), "
    "so this session stopped saving; everything saved before is kept: close and reopen the vault."
)


def real_path(vault: str | os.PathLike[str]) -> Path:
    """The vault's real path: ``~`` expanded and every symlink resolved.

    The lock, the backups and the evidence folder are keyed on it, and compaction replaces the
    real file (a symlink to the vault stays a symlink).
    """
    return Path(os.path.realpath(Path(vault).expanduser()))


def lock_path(vault: Path) -> Path:
    """``vault.dsl`` -> ``vault.dsl.lock``."""
    return vault.with_name(vault.name + ".lock")


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not deleted, not replaced)."""
    try:
        named = os.stat(path)
        held = os.fstat(fd)
    except OSError:
        return False
    if not (named.st_ino and held.st_ino):  # pragma: no cover - a filesystem without ids
        return True
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is not a reason to refuse the lock
        return "unknown"


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` is running on this host."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _try_os_lock(fd: int) -> bool | None:
    """True if locked, False if someone else holds it, None if the OS offers no lock here."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        try:
            os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        return None


def _read_owner(fd: int) -> Doc:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        owner = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        return owner if isinstance(owner, dict) else {}
    except (OSError, ValueError, UnicodeDecodeError):
        return {}


def _locked_message(owner: Doc) -> VaultLocked:
    who = str(owner.get("user") or "another user")
    host = str(owner.get("host") or "another computer")
    since = str(owner.get("since") or "an unknown time")
    pid = owner.get("pid")
    return VaultLocked(
        f"The vault is open in another dsl-tui (user {who} on {host}, process {pid}, "
        f"since {since}); close it there first."
    )


class VaultLock:
    """Holds the single-writer lock of one vault until :meth:`release`."""

    def __init__(self, vault: Path) -> None:
        self.path = lock_path(real_path(vault))
        self._fd: int | None = None
        #: Random, written into the lock file: the file still names this holder.
        self._token = secrets.token_hex(16)

    def acquire(self) -> None:
        """Take the lock, or raise VaultLocked naming who holds it and since when."""
        for _ in range(_ACQUIRE_TRIES):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _BINARY, FILE_MODE)
            except OSError as err:
                raise storage_error(err, "lock the vault") from None
            if self._lock_open_file(fd):
                self._fd = fd
                return
        raise VaultLocked(
            "The vault's lock file keeps changing; close other dsl-tui windows first."
        )

    def _lock_open_file(self, fd: int) -> bool:
        """Lock the open lock file; False (and closed) when its name now leads elsewhere."""
        try:
            got = _try_os_lock(fd)
            owner = _read_owner(fd)
            if got is False:
                raise _locked_message(owner)
            if got is None and owner and not self._stale(owner):
                raise _locked_message(owner)
            if (
                got is True
                and owner
                and owner.get("host") != socket.gethostname()
                and not owner.get("released")
            ):
                # Another computer on a shared folder: the OS lock may not reach it.
                raise _locked_message(owner)
            if not _same_file(fd, self.path):
                # Deleted or replaced between our open and our lock: that lock excludes nobody.
                os.close(fd)
                return False
            self._write_owner(fd, self._token)
        except BaseException:
            os.close(fd)
            raise
        return True

    @staticmethod
    def _stale(owner: Doc) -> bool:
        if owner.get("released"):
            return True
        if owner.get("host") != socket.gethostname():
            return False
        pid = owner.get("pid")
        return not (isinstance(pid, int) and pid_alive(pid))

    @staticmethod
    def _write_owner(fd: int, token: str) -> None:
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": _os_user(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            "token": token,
        }
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            write_all(fd, json.dumps(owner).encode("utf-8"))
            os.fsync(fd)
        except OSError as err:
            raise storage_error(err, "lock the vault") from None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def check(self) -> None:
        """Raise :class:`LockLost` unless this object still holds the vault's lock: the lock
        file's name still leads to the file held open, and that file still names our token."""
        fd = self._fd
        if fd is None or not _same_file(fd, self.path):
            raise LockLost(LOST)
        if _read_owner(fd).get("token") != self._token:
            raise LockLost(LOST)

    def release(self) -> None:
        """Mark the lock free and drop the OS lock (closing the descriptor releases it)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            write_all(fd, b'{"released": true}')
        except OSError:
            pass
        finally:
            os.close(fd)
