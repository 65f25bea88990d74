"""The single-writer lock: a ``.lock`` file beside the vault naming its owner and since when.

The file is never the one that gets replaced. Exclusion comes from an OS lock on the open lock file
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), which the OS drops when the owner dies, so a
crashed owner's lock is taken over at once. The JSON inside says who holds it (pid, host, OS user,
time) for the message a second instance shows. Where no OS lock works, a lock whose pid is not alive
on this host is taken over.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from dsl_tui.errors import VaultLocked
from dsl_tui.jsontypes import Doc
from dsl_tui.vault.atomic import FILE_MODE, storage_error, write_all

_BINARY = getattr(os, "O_BINARY", 0)
#: Windows locks this byte (beyond the JSON) so the JSON stays readable by others.
_WIN_LOCK_OFFSET = 1 << 20


def lock_path(vault: Path) -> Path:
    """``vault.dsl`` -> ``vault.dsl.lock``."""
    return vault.with_name(vault.name + ".lock")


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
        self.path = lock_path(vault)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise VaultLocked naming who holds it and since when."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _BINARY, FILE_MODE)
        except OSError as err:
            raise storage_error(err, "lock the vault") from None
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
            self._write_owner(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @staticmethod
    def _stale(owner: Doc) -> bool:
        if owner.get("released"):
            return True
        if owner.get("host") != socket.gethostname():
            return False
        pid = owner.get("pid")
        return not (isinstance(pid, int) and pid_alive(pid))

    @staticmethod
    def _write_owner(fd: int) -> None:
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": _os_user(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
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
