"""What the export, the import and the report need of a casebook: the seam, as protocols.

``dsl_tui.casebook.Casebook`` implements both; tests hand the export a small double of the same
protocols. No call is guessed: each is a real method of the casebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from dsl_tui.model import AuditEntry, Case, CaseSummary, ChronologyEntry


class CaseSource(Protocol):
    """A casebook the export reads from: cases, their chronology and files, and the audit."""

    #: The user doing the export (named in the case file).
    user: str

    def case(self, case_id: str, *, view: bool = True) -> Case:
        """The whole case (``view=False``: the caller audits what it does)."""
        ...

    def case_ids(self) -> list[str]:
        """Every case id in the vault."""
        ...

    def search(self, text: str, *, status: str = "all") -> list[CaseSummary]:
        """Cases whose recorded text holds every word of ``text``."""
        ...

    def chronology(self, case_id: str) -> list[ChronologyEntry]:
        """Everything that happened on a case, oldest first."""
        ...

    def evidence_data(self, case_id: str, evidence_id: str) -> bytes:
        """The plaintext of a case's evidence file."""
        ...

    def audit_event(self, action: str, case_id: str = "", detail: str = "") -> AuditEntry:
        """Record an action (fixed words and ids only in ``detail``)."""
        ...

    def clause_text(self, clause: str) -> str:
        """The policy's own words for a clause ("" when the playbook does not have them)."""
        ...

    def school_name(self, key: str) -> str:
        """A school's full name for its key (the key itself when unknown)."""
        ...

    def record_transfer(self, case_id: str, to_school: str, code: str, sent_at: datetime) -> Case:
        """Record a transfer pack sent and mark the case transferred, in one save."""
        ...


class CaseSink(Protocol):
    """A casebook an import writes into: evidence files, received files and their cases."""

    def put_blob(self, data: bytes) -> tuple[str, str]:
        """Keep an evidence file encrypted: (blob id, SHA-256 of the plaintext)."""
        ...

    def discard_blob(self, blob_id: str) -> None:
        """Remove an evidence file no case refers to (an import that failed after storing it)."""
        ...

    def has_received_file(self, sha256: str) -> bool:
        """True when this case file was imported already."""
        ...

    def receive_file(
        self,
        cases: Sequence[tuple[Case, Sequence[ChronologyEntry]]],
        *,
        from_school: str,
        received_at: datetime,
        sha256: str,
        code: str,
    ) -> list[Case]:
        """Add every case of an imported file and note the file as received, in one save."""
        ...
