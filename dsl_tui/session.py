"""Create, unlock and lock: what the app and the CLI use to get a casebook on a vault.

Failed unlock attempts are counted in a small local state file (outside the vault, so they can be
counted while it is locked), named by a hash of the vault's path and holding only the times of
the attempts: no passphrase, no name. At the next successful unlock they are written to the
vault's audit chain as "failed unlock" entries and the count is cleared.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dsl_tui.vault import Vault

from dsl_tui import paths
from dsl_tui.casebook import Casebook
from dsl_tui.errors import StorageError, UsageError, WrongPassphrase
from dsl_tui.vault.atomic import make_private_dir, write_atomic

#: Most attempt times kept in the state file (the count goes on beyond it).
_MAX_TIMES = 100


def vault_exists(path: Path | str) -> bool:
    """True when a vault file is at ``path``."""
    return Path(path).expanduser().is_file()


def _state_file(path: Path | str) -> Path:
    key = hashlib.sha256(str(Path(path).expanduser().resolve()).encode("utf-8")).hexdigest()[:24]
    return paths.state_dir() / f"unlock-{key}.json"


# A tampered state file cannot stall the unlock: counts are clamped when read.
_MAX_ATTEMPTS = 10_000


def _read_attempts(path: Path | str) -> tuple[int, list[datetime]]:
    try:
        raw = json.loads(_state_file(path).read_text(encoding="utf-8"))
        count = min(max(int(raw.get("count", 0)), 0), _MAX_ATTEMPTS)
        times = [datetime.fromisoformat(t) for t in raw.get("times", [])[:_MAX_ATTEMPTS]]
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return 0, []
    return max(count, len(times)), times


def _write_attempts(path: Path | str, count: int, times: list[datetime]) -> None:
    target = _state_file(path)
    data = {"count": count, "times": [t.isoformat() for t in times[-_MAX_TIMES:]]}
    try:
        # Private from the first byte (0700 folder, 0600 file), never chmod-ed afterwards.
        make_private_dir(target.parent)
        write_atomic(target, [json.dumps(data).encode("utf-8")], doing="count the attempt")
    except (OSError, StorageError):
        pass  # counting attempts must never stop the DSL from working


def _clear_attempts(path: Path | str) -> None:
    try:
        _state_file(path).unlink(missing_ok=True)
    except OSError:
        pass


def failed_attempts(path: Path | str) -> int:
    """Failed unlock attempts on this vault since its last successful unlock."""
    return _read_attempts(path)[0]


def unlock_delay(attempts: int) -> float:
    """Seconds the UI should wait before the next try: nothing for 3 tries, then doubling to 30."""
    if attempts < 3:
        return 0.0
    return float(min(30, 2 ** min(attempts - 3, 5)))


def _open_casebook(vault: Vault) -> Casebook:
    """A casebook on an open vault (closing the vault if that fails, to free its lock)."""
    try:
        from dsl_tui.playbook import load_playbook

        return Casebook(vault.db, load_playbook(), vault.user, vault=vault, role=vault.role)
    except BaseException:
        vault.close()
        raise


def create(path: Path | str, name: str, role: str, passphrase: str) -> Casebook:
    """Create a new vault for ``name`` (its first user) and open a casebook on it."""
    from dsl_tui.vault import Vault

    vault = Vault.create(Path(path).expanduser(), name, passphrase, role=role)
    casebook = _open_casebook(vault)
    casebook.audit_event("create vault")
    _clear_attempts(path)
    return casebook


def unlock(path: Path | str, passphrase: str) -> Casebook:
    """Open the vault with a passphrase and return its casebook.

    A wrong passphrase is counted (``WrongPassphrase.failed_attempts`` carries the count so the
    UI can show it and wait ``unlock_delay(count)``) and audited at the next successful unlock;
    ``casebook.failed_unlocks`` then says how many there were.
    """
    from dsl_tui.vault import Vault

    try:
        vault = Vault.open(Path(path).expanduser(), passphrase)
    except WrongPassphrase as err:
        count, times = _read_attempts(path)
        times.append(datetime.now(UTC))
        _write_attempts(path, count + 1, times)
        err.failed_attempts = count + 1
        raise
    casebook = _open_casebook(vault)
    count, times = _read_attempts(path)
    # Attempts beyond the kept times are recorded at the unlock time.
    times = times + [datetime.now(UTC)] * max(0, count - len(times))
    try:
        casebook.record_unlock(times)
    except BaseException:
        casebook.lock()
        raise
    _clear_attempts(path)
    return casebook


def lock(casebook: Casebook) -> None:
    """Audit the lock, then close the vault: keys forgotten, single-writer lock released."""
    try:
        if casebook.vault is not None:
            casebook.audit_event("lock")
    finally:
        casebook.lock()


class Session(Protocol):
    """What the app needs to get a casebook and give it back: the seam between UI and vault.

    ``path`` is None when the app was handed a casebook with no vault file behind it (tests).

    ``VaultSession`` is the real one (a vault file); tests use a double of the same protocol
    over an in-memory casebook.
    """

    def vault_exists(self, path: Path | None) -> bool:
        """True when a vault file is at ``path`` (else the app offers to create one)."""
        ...

    def create(self, path: Path | None, name: str, role: str, passphrase: str) -> Casebook:
        """Create a vault for its first user and open a casebook on it."""
        ...

    def unlock(self, path: Path | None, passphrase: str) -> Casebook:
        """Open the vault with a passphrase (``WrongPassphrase`` carries the failed count)."""
        ...

    def lock(self, casebook: Casebook) -> None:
        """Audit the lock and close the vault: keys forgotten, writer lock released."""
        ...

    def unlock_delay(self, attempts: int) -> float:
        """Seconds to wait before the next try after ``attempts`` failures."""
        ...


class VaultSession:
    """The real session: vault files on disk, failed attempts counted beside them."""

    def vault_exists(self, path: Path | None) -> bool:
        """True when a vault file is at ``path``."""
        return path is not None and vault_exists(path)

    def create(self, path: Path | None, name: str, role: str, passphrase: str) -> Casebook:
        """Create a new vault for ``name`` and open a casebook on it."""
        return create(_chosen(path), name, role, passphrase)

    def unlock(self, path: Path | None, passphrase: str) -> Casebook:
        """Open the vault with a passphrase and return its casebook."""
        return unlock(_chosen(path), passphrase)

    def lock(self, casebook: Casebook) -> None:
        """Audit the lock, then close the vault."""
        lock(casebook)

    def unlock_delay(self, attempts: int) -> float:
        """Nothing for 3 tries, then doubling to 30 seconds."""
        return unlock_delay(attempts)


def _chosen(path: Path | None) -> Path:
    """The vault path, or a clear error when the app was started without one."""
    if path is None:
        raise UsageError("No vault file was chosen: start dsl-tui with --vault PATH.")
    return path
