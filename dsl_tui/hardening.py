"""Keep secrets out of crash files: no core dump, and (on Linux) a process others cannot dump.

A core file is a copy of the process's memory: while the vault is open that holds the data key
and decrypted cases. So the first thing ``dsl-tui`` does, before any passphrase is read, is:

- POSIX: set the core file size limit to 0 (soft and hard), so the kernel writes no core file
  however the process dies; children inherit the limit.
- Linux: ``prctl(PR_SET_DUMPABLE, 0)``, which also stops core dumps through a core helper
  (``systemd-coredump``, ``apport``) and stops other processes of the same user from attaching a
  debugger or reading ``/proc/<pid>/mem``. (A root user can still read memory: out of scope.)

Windows writes crash dumps only where Windows Error Reporting's ``LocalDumps`` is configured
(off by default); SECURITY.md says so. Nothing here can fail the app: each step is best effort
and :func:`harden` says which took effect.
"""

from __future__ import annotations

import ctypes
import sys

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


def harden() -> list[str]:
    """Turn core dumps off for this process; returns what took effect (for tests and --version)."""
    done = []
    if _no_core_files():
        done.append("core files off")
    if _not_dumpable():
        done.append("not dumpable")
    return done
