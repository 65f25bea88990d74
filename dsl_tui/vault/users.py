"""Who has a key: the users behind the slots (names live only inside the encrypted document)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dsl_tui.errors import UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.vault.header import Header, new_id, seal_to_slot

MAX_NAME = 80


@dataclass(frozen=True)
class SlotUser:
    """A user who can open the vault: name and role, slot id and when they were added."""

    name: str
    role: str
    slot_id: str
    added_at: datetime | None


def check_name(text: str, what: str) -> None:
    """UsageError unless ``text`` is a sensible, printable user name or role."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise UsageError(f"The user's {what} cannot be empty.")
    if len(cleaned) > MAX_NAME or not cleaned.isprintable():
        raise UsageError(f"The user's {what} must be printable and at most {MAX_NAME} characters.")


def _when(text: object) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def users_of(header: Header, meta: Doc) -> list[SlotUser]:
    """The users of every slot in ``header``, from the decrypted ``meta``."""
    found = []
    for slot in header.slots:
        info = meta.get("users", {}).get(slot.slot_id, {})
        found.append(
            SlotUser(
                str(info.get("name", "unknown")),
                str(info.get("role", "")),
                slot.slot_id,
                _when(info.get("added_at")),
            )
        )
    return found


def rotate_key_header(header: Header, removed_slot: str, new_key: bytes) -> Header:
    """A header without ``removed_slot``, with a new key id and ``new_key`` sealed to every slot."""
    rotated = replace(
        header, key_id=new_id(8), slots=tuple(s for s in header.slots if s.slot_id != removed_slot)
    )
    return rotated.with_slots(tuple(seal_to_slot(rotated, s, new_key) for s in rotated.slots))
