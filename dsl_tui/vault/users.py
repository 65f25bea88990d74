"""Who has a key: the users behind the slots (names live only inside the encrypted document)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dsl_tui.errors import UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.vault.header import Header, Slot, make_slot, new_id, seal_to_slot

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


def rotate_key_header(
    header: Header,
    new_key: bytes,
    *,
    removed_slot: str | None = None,
    new_passphrase: tuple[str, str] | None = None,
) -> Header:
    """A header with a new key id and ``new_key`` sealed to every slot (no passphrase needed),
    except that ``removed_slot`` is left out and the slot of ``new_passphrase`` (slot id,
    passphrase) is made afresh for that passphrase (one KDF run)."""
    rotated = replace(
        header, key_id=new_id(8), slots=tuple(s for s in header.slots if s.slot_id != removed_slot)
    )

    def sealed(slot: Slot) -> Slot:
        if new_passphrase is not None and slot.slot_id == new_passphrase[0]:
            return make_slot(rotated, new_passphrase[1], new_key, slot_id=slot.slot_id)
        return seal_to_slot(rotated, slot, new_key)

    return rotated.with_slots(tuple(sealed(s) for s in rotated.slots))
