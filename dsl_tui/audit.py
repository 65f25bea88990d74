"""The append-only, hash-chained audit log: who did what to which case, and when.

Every entry lives in the vault's ``audit`` table. Its hash is the SHA-256 of the canonical JSON of
the entry (``seq``, ``at``, ``who``, ``action``, ``case_id``, ``detail``) together with the previous
entry's hash, so editing, removing or reordering an entry breaks the chain and
:func:`verify_chain` reports it. The last entry's number and hash are also kept in the
``audit_head`` table, written in the same save, so cutting entries off the end shows too.

The detail holds only fixed words and ids (``"note n3"``), never names or free text: the log
must be safe to show to anyone allowed to audit the DSL's work.

Appending costs O(1): the log keeps the last sequence number and hash in memory.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from tinydb.table import Document

from dsl_tui.errors import UsageError
from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.model import AuditEntry
from dsl_tui.vault.storage import VaultDB

#: The table the chain lives in.
AUDIT_TABLE = "audit"

#: The table holding the chain's head (last seq and hash), so a cut-off tail is noticed too.
HEAD_TABLE = "audit_head"

#: The hash a chain starts from.
GENESIS = "0" * 64

#: Actions the app records. Anything else is refused so the log stays a closed vocabulary.
ACTIONS = frozenset(
    {
        "create",
        "view",
        "change",
        "close",
        "delete",
        "export",
        "import",
        "unlock",
        "failed unlock",
        "lock",
        "create vault",
        "report",
        "draft",
    }
)

#: Detail is fixed words and ids only: lower-case letters, digits, spaces and a few marks.
_SAFE_DETAIL = re.compile(r"^[a-z0-9 _.:,=/-]{0,120}$")


def entry_hash(fields: DocView, prev: str) -> str:
    """The SHA-256 (hex) of an entry's canonical JSON chained to the previous hash."""
    body = {k: fields.get(k, "") for k in ("seq", "at", "who", "action", "case_id", "detail")}
    body["prev"] = prev
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_from(doc: DocView) -> AuditEntry:
    """An AuditEntry from its stored document."""
    at = datetime.fromisoformat(doc["at"])
    return AuditEntry(
        seq=int(doc["seq"]),
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        who=doc.get("who", ""),
        action=doc.get("action", ""),
        case_id=doc.get("case_id", ""),
        detail=doc.get("detail", ""),
        prev=doc.get("prev", ""),
        hash=doc.get("hash", ""),
    )


def _ordered_docs(raw: DocView) -> list[DocView]:
    """The stored audit documents in insertion (doc id) order."""
    return [raw[k] for k in sorted(raw, key=int)]


def _raw_table(db: VaultDB, name: str = AUDIT_TABLE) -> DocView:
    """The stored table, safe to iterate (the vault's tables change in place on a save)."""
    return db.vault_storage.table_copy(name)


def _stored_head(db: VaultDB) -> DocView | None:
    """The stored chain head, or None when there is none."""
    table = _raw_table(db, HEAD_TABLE)
    return table[next(iter(table))] if table else None


def verify_chain(db: VaultDB) -> list[str]:
    """Check the whole audit chain; returns the problems found ([] when it is whole).

    Messages name entry numbers only, never their content.
    """
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    for position, doc in enumerate(_ordered_docs(_raw_table(db)), start=1):
        try:
            seq = int(doc["seq"])
            stored_prev = str(doc["prev"])
            stored_hash = str(doc["hash"])
        except (KeyError, TypeError, ValueError):
            problems.append(f"Audit entry at position {position} is malformed.")
            return problems
        if seq != expected_seq:
            problems.append(
                f"Audit entry {expected_seq} is missing or out of order (found {seq} instead)."
            )
        if stored_prev != prev:
            problems.append(f"Audit entry {seq} does not follow the entry before it.")
        if entry_hash(doc, stored_prev) != stored_hash:
            problems.append(f"Audit entry {seq} was changed after it was written.")
        if problems:
            return problems
        prev = stored_hash
        expected_seq = seq + 1
    head = _stored_head(db)
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            problems.append("The audit log's record of its last entry is missing.")
    elif int(head.get("seq", -1)) != last_seq or str(head.get("hash", "")) != prev:
        problems.append(
            f"The audit log ends at entry {last_seq} but its last entry was {head.get('seq')}: "
            "entries were removed from the end."
        )
    return problems


class AuditLog:
    """Appends chained entries to a TinyDB ``audit`` table, keeping the chain head in memory."""

    def __init__(
        self,
        db: VaultDB,
        clock: Callable[[], datetime] | None = None,
        *,
        insert: Callable[[Doc], int] | None = None,
        set_head: Callable[[Doc], None] | None = None,
        head: DocView | None = None,
    ) -> None:
        """Read the chain head once: the stored ``head`` document when given (written in the
        same save as the last entry), else the last entry. ``insert`` and ``set_head`` let the
        casebook write through its own tables (so an entry and its head are one save)."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._insert = insert or db.table(AUDIT_TABLE).insert
        self._set_head = set_head or partial(_upsert_head, db)
        self.seq = 0
        self.head = GENESIS
        if head is None:
            table = _raw_table(db)
            # Doc ids only grow and tables keep insertion order: the last key is the head.
            head = table[list(table)[-1]] if table else None
        if head is not None:
            self.seq = int(head["seq"])
            self.head = str(head["hash"])

    def append(self, who: str, action: str, case_id: str = "", detail: str = "") -> AuditEntry:
        """Add one entry to the chain and store it; returns it."""
        return self.append_at(self._clock(), who, action, case_id, detail)

    def append_at(
        self, at: datetime, who: str, action: str, case_id: str = "", detail: str = ""
    ) -> AuditEntry:
        """Add one entry with a given time (e.g. a failed unlock recorded later)."""
        if action not in ACTIONS:
            raise UsageError("An unknown kind of audit entry was refused.")
        if not _SAFE_DETAIL.match(detail):
            raise UsageError("An audit detail may hold only fixed words and ids.")
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        doc: Doc = {
            "seq": self.seq + 1,
            "at": at.astimezone(UTC).isoformat(),
            "who": who,
            "action": action,
            "case_id": case_id,
            "detail": detail,
            "prev": self.head,
        }
        doc["hash"] = entry_hash(doc, self.head)
        self._insert(doc)
        self._set_head({"seq": doc["seq"], "hash": doc["hash"]})
        self.seq = doc["seq"]
        self.head = doc["hash"]
        return entry_from(doc)

    def rollback(self, seq: int, head: str) -> None:
        """Forget entries of a batch that was not saved (the casebook calls this)."""
        self.seq = seq
        self.head = head


def _upsert_head(db: VaultDB, head: Doc) -> None:
    """Store the chain head as the single document of its table."""
    db.table(HEAD_TABLE).upsert(Document(head, doc_id=1))


def read_log(db: VaultDB) -> list[AuditEntry]:
    """Every audit entry, oldest first."""
    return [entry_from(d) for d in _ordered_docs(_raw_table(db))]
