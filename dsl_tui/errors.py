"""The domain's own errors: each carries one sentence for the user and the CLI's exit code.

Messages must never contain case data (names, notes, descriptions) or secrets: they may reach a
terminal, a log or a bug report. Say what happened and what to do, not what was inside.
"""

from __future__ import annotations


class DslError(Exception):
    """Base of every error the app shows to a user; ``str(err)`` is one clear sentence."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(DslError):
    """Bad input or a bad command line (exit 2)."""

    exit_code = 2


class VaultMissing(DslError):
    """There is no vault at the path (exit 2): run ``dsl-tui init``."""

    exit_code = 2


class VaultExists(DslError):
    """``init`` was asked to create a vault where one already is (exit 2)."""

    exit_code = 2


class WeakPassphrase(DslError):
    """A new passphrase is too weak; the message says why (exit 2)."""

    exit_code = 2


class WrongPassphrase(DslError):
    """No key slot opens with this passphrase, or a key does not fit (exit 3)."""

    exit_code = 3
    #: Failed unlock attempts on this vault so far, this one included (0 where not counted).
    failed_attempts: int = 0


class VaultLocked(DslError):
    """Another live instance holds the single-writer lock (exit 4)."""

    exit_code = 4


class VaultTampered(DslError):
    """The vault, a backup or a case file failed authentication or is truncated (exit 5)."""

    exit_code = 5


class StorageError(DslError):
    """The disk refused a write (full, read-only, gone); nothing was changed (exit 1)."""

    exit_code = 1


class LockLost(StorageError):
    """This session's single-writer lock was taken from it (its ``.lock`` file removed or
    replaced, another instance in): it stops saving; what it saved before is kept (exit 4)."""

    exit_code = 4


class CheckFailed(DslError):
    """A verification found a problem (exit 1)."""

    exit_code = 1


class PlaybookInvalid(DslError):
    """The trust's playbook file is malformed; the message names the file and key (exit 2)."""

    exit_code = 2


class CaseRuleError(DslError):
    """A case action the policy does not allow now, e.g. closing with open steps (exit 2)."""

    exit_code = 2


class NotFound(DslError):
    """No case, step, person or file with that id (exit 2)."""

    exit_code = 2


class ExportError(DslError):
    """A case file could not be made, read or imported; nothing was written (exit 2)."""

    exit_code = 2


#: What UKCIS guidance says about imagery of children; every refusal of an evidence file says it.
NEVER_STORE_IMAGES = (
    "Never view, copy or store an image that may show a child (UKCIS guidance on sharing nudes): "
    "record a description of it instead."
)


class EvidenceRefused(DslError):
    """An evidence file that must not be stored: any file on a nudes case (exit 2)."""

    exit_code = 2


class ImageNotConfirmed(EvidenceRefused):
    """An image on a case about a child, without the DSL confirming it is not an image of a child
    (exit 2); asking the DSL and trying again with the confirmation is the way on."""

    exit_code = 2
