"""Small local state outside the vault (never secret): the last slot that opened each vault, the
highest generation this OS user has seen, and each slot's salt, id and key settings, to try the
right slot first, to warn of a rollback, and to tell an edited header from a wrong passphrase.

Keyed by the vault's random id. Losing this file costs one extra KDF run and one missed warning.
"""

from __future__ import annotations

import json
from pathlib import Path

from dsl_tui import paths
from dsl_tui.errors import StorageError
from dsl_tui.jsontypes import Doc
from dsl_tui.vault.atomic import make_private_dir, write_atomic

_FILE = "vaults.json"


def _path() -> Path:
    return paths.state_dir() / _FILE


def _load() -> Doc:
    try:
        data = json.loads(_path().read_text("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def remembered(vault_id: str) -> Doc:
    """What this OS user remembers of the vault (``last_slot``, ``last_generation``)."""
    entry = _load().get(vault_id)
    return entry if isinstance(entry, dict) else {}


def remembered_slots(vault_id: str) -> dict[str, str]:
    """The slots of the vault as last seen here: salt (hex) -> slot id and key settings."""
    slots = remembered(vault_id).get("slots")
    if not isinstance(slots, dict):
        return {}
    return {str(k): str(v) for k, v in slots.items()}


def remember(
    vault_id: str,
    *,
    slot_id: str | None = None,
    generation: int | None = None,
    reset_generation: bool = False,
    slots: dict[str, str] | None = None,
) -> None:
    """Record the slot that opened the vault, the generation seen (the highest, unless reset)
    and its slots (``recovery.slot_prints``: salts, ids and key settings, nothing secret)."""
    data = _load()
    found = data.get(vault_id)
    entry: Doc = found if isinstance(found, dict) else {}
    if slots is not None:
        entry["slots"] = slots
    if slot_id is not None:
        entry["last_slot"] = slot_id
    if generation is not None:
        old = entry.get("last_generation")
        if reset_generation or not isinstance(old, int) or generation > old:
            entry["last_generation"] = generation
    data[vault_id] = entry
    try:
        make_private_dir(_path().parent)
        write_atomic(_path(), [json.dumps(data, sort_keys=True).encode("utf-8")])
    except StorageError:
        pass  # local hints only: never fail a vault operation over them
