"""Keep secrets out of crash files: no core dump, and (on Linux) a process others cannot dump.

A core file is a copy of the process's memory: while the vault is open that holds the data key
and decrypted cases. So the first thing ``dsl-tui`` does, before any passphrase is read, is:

- POSIX: set the core file size limit to 0 (soft and hard), so the kernel writes no core file
  however the process dies; children inherit the limit.
- Linux: ``prctl(PR_SET_DUMPABLE, 0)``, which also stops core dumps through a core helper
  (``systemd-coredump``, ``apport``) and stops other processes of the same user from attaching a
  debugger or reading ``/proc/<pid>/mem``. (A root user can still read memory: out of scope.)

Windows has neither: it writes crash dumps only where Windows Error Reporting's ``LocalDumps`` is
configured (off by default), which a program without admin rights cannot switch off for itself;
SECURITY.md says so. Nothing here can fail the app: each step is best effort, :func:`harden`
returns which took effect and says once, on stderr, what it could not do (so a DSL or IT reading
the console learns that crash dumps are the machine's to keep off).

:func:`private_umask` (called beside it at start) sets the file creation mask to 077, so any
file the process (or a library it uses) creates is private to the DSL from the first byte: 0600
files, 0700 folders. dsl-tui's own writes pass those modes explicitly as well (``os.open`` with
the mode), so they hold without it.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: What :func:`harden` reports as done.
CORE_FILES_OFF = "core files off"
NOT_DUMPABLE = "not dumpable"

#: ``prctl`` option numbers from <linux/prctl.h>.
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4


def _no_core_files() -> bool:
    try:
        import resource
    except ImportError:  # Windows
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        return False
    return True


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _not_dumpable() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    prctl = getattr(libc, "prctl", None)
    if prctl is None:
        return False
    return bool(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)


def is_dumpable() -> bool | None:
    """Whether this process may be dumped or traced (Linux), None where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = getattr(_libc(), "prctl", None)
    if prctl is None:
        return None
    return bool(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def not_done(done: list[str], platform: str = sys.platform) -> list[str]:
    """What :func:`harden` could not do that this platform should: core files anywhere, and
    "not dumpable" on Linux (other systems have no such switch)."""
    wanted = [CORE_FILES_OFF] + ([NOT_DUMPABLE] if platform.startswith("linux") else [])
    return [step for step in wanted if step not in done]


_told: list[str] = []


def _tell_once(missing: list[str]) -> None:
    """One sentence on stderr naming what could not be done (once per process)."""
    if not missing or _told:
        return
    _told.extend(missing)
    if CORE_FILES_OFF in missing and sys.platform == "win32":
        why = (
            "Windows gives dsl-tui no way to stop crash dumps of its memory; "
            "keep Windows Error Reporting's LocalDumps off on this PC (SECURITY.md)"
        )
    else:
        why = (
            f"could not make crash files safe here ({', '.join(missing)} failed); "
            "a crash could write the open vault's memory to disk (SECURITY.md)"
        )
    print(f"dsl-tui: note: {why}.", file=sys.stderr)


def harden() -> list[str]:
    """Turn core dumps off for this process; returns what took effect (for tests and --version).

    What could not be done (everything, on Windows) is said once on stderr, never silently.
    """
    done = []
    if _no_core_files():
        done.append(CORE_FILES_OFF)
    if _not_dumpable():
        done.append(NOT_DUMPABLE)
    _tell_once(not_done(done))
    return done


#: Creation mask: nobody but the DSL may read or write what the process creates.
PRIVATE_UMASK = 0o077


def private_umask() -> bool:
    """Make every file and folder the process creates private (POSIX; Windows has no umask, and
    a new file there inherits the folder's permissions: the per-user data folder)."""
    if sys.platform == "win32":
        return False
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)
    return True
