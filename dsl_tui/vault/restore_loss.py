"""What restoring a backup would undo: the saves and cases made since it, and the users removed
since it, who would open the vault again with their old passphrase (issue #13 finding 3).

Worked out from the backup (already decrypted) and the vault it would replace: the vault's
generation is read from its clear header and journal framing (no key needed); its cases are
counted when it opens with the same passphrase (with the key derivation already done, usually).
Names of removed users come from the backup's own encrypted user list; no case data is named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsl_tui.errors import VaultTampered, WrongPassphrase
from dsl_tui.jsontypes import Doc
from dsl_tui.vault import backups
from dsl_tui.vault.loader import KekCache, Loaded, load


@dataclass(frozen=True)
class RestoreLoss:
    """What restoring a backup over the current vault would undo."""

    #: The backup's save number (generation).
    backup_generation: int
    #: The current vault's, or None when there is no readable vault to replace.
    current_generation: int | None
    #: Cases in the current vault that the backup does not have (None: not countable, because
    #: the current vault does not open with this passphrase).
    cases_lost: int | None
    #: Names of users who have a key in the backup but not in the current vault.
    regain_access: tuple[str, ...]

    @property
    def saves_lost(self) -> int:
        """Saves made since the backup (0 when the backup is as new or newer)."""
        if self.current_generation is None:
            return 0
        return max(0, self.current_generation - self.backup_generation)

    @property
    def loses_anything(self) -> bool:
        """Whether the DSL must confirm: work would be undone, or someone would regain access."""
        return bool(self.saves_lost or self.cases_lost or self.regain_access)

    def sentences(self) -> list[str]:
        """What to tell the DSL before asking, one sentence each."""
        said: list[str] = []
        if self.saves_lost:
            if self.cases_lost is None:
                cases = " (its cases could not be counted: it does not open with this passphrase)"
            else:
                cases = f", including {self.cases_lost} case(s) created since"
            said.append(
                f"This backup is older than the vault (save {self.backup_generation}, the vault "
                f"is at save {self.current_generation}): restoring it undoes {self.saves_lost} "
                f"save(s){cases}, kept only in the .pre-restore copy."
            )
        if self.regain_access:
            names = ", ".join(self.regain_access)
            said.append(
                f"This backup is from before {names} lost their key: restoring it lets them open "
                "the vault again with their old passphrase (remove them again at once with "
                "dsl-tui users remove)."
            )
        return said


#: Asked before a restore that loses anything: True to go on.
Confirm = Callable[[RestoreLoss], bool]


def _case_keys(tables: dict[str, dict[str, Doc]]) -> set[str]:
    return {str(doc.get("id", key)) for key, doc in tables.get("cases", {}).items()}


def _names(loaded: Loaded, slot_ids: set[str]) -> tuple[str, ...]:
    users = loaded.meta.get("users", {})
    return tuple(
        str(users.get(slot_id, {}).get("name") or "a removed user") for slot_id in sorted(slot_ids)
    )


def restore_loss(
    current: bytes | None, path: Path, backup: Loaded, passphrase: str, cache: KekCache
) -> RestoreLoss:
    """What restoring ``backup`` over ``current`` (the vault file's bytes at ``path``) undoes."""
    if current is None:
        return RestoreLoss(backup.generation, None, None, ())
    found = backups.read_backup(path)
    if found is None:  # the vault to replace is damaged beyond its header: nothing to compare
        return RestoreLoss(backup.generation, None, None, ())
    cases_lost: int | None = None
    removed: set[str] = set()
    try:
        loaded = load(current, passphrase, kek_cache=cache)
    except (VaultTampered, WrongPassphrase):
        loaded = None
    if loaded is not None:
        cases_lost = len(_case_keys(loaded.tables) - _case_keys(backup.tables))
        removed = {s.slot_id for s in backup.header.slots} - {
            s.slot_id for s in loaded.header.slots
        }
    return RestoreLoss(backup.generation, found.generation, cases_lost, _names(backup, removed))
