"""School-to-school transfers: the receiver's import, and the sender's receipt codes.

The sender's vault keeps a record of each case sent, with the receipt code of the file written
(``Casebook.record_transfer``, called by the export). The receiving school imports the file; the
import prints the same code (from the file's own SHA-256), and the sender enters it with
``export --acknowledge CASE CODE`` to close the loop. A code that does not match means the
receiver has a different file than the one sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from dsl_tui.casebook import Casebook
from dsl_tui.errors import UsageError
from dsl_tui.export import package
from dsl_tui.export.importer import (
    DEFAULT_LIMITS,
    CaseFile,
    Limits,
    check_dates,
    open_case_file,
)
from dsl_tui.export.source import CaseSink
from dsl_tui.model import Case, Transfer

__all__ = ["ImportResult", "Transfer", "acknowledge", "import_case_file", "transfers"]


@dataclass(frozen=True)
class ImportResult:
    """What an import added: the new case ids, where they came from, and the receipt code."""

    case_ids: tuple[str, ...]
    from_school: str
    receipt_code: str
    received_at: datetime


def transfers(casebook: Casebook, *, awaiting_only: bool = False) -> list[Transfer]:
    """Every transfer sent from this vault (oldest first), or only those awaiting a receipt."""
    return casebook.transfers(awaiting_only=awaiting_only)


def acknowledge(
    casebook: Casebook, case_id: str, code: str, when: datetime | None = None
) -> Transfer:
    """Record the receiver's receipt code (as typed) against a transfer (UsageError: differs)."""
    moment = when or datetime.now(timezone.utc)
    return casebook.acknowledge_transfer(case_id, package.normalise_code(code), moment)


def import_case_file(
    casebook: CaseSink,
    path: Path,
    *,
    identity: Path | None = None,
    passphrase: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> ImportResult:
    """Import a transferred case file into this vault, after every check in ``importer`` passes.

    Refuses a redacted file (a receiving school needs the full record) and a file already
    imported. Nothing is written to the vault until the whole file has been checked; then its
    cases and the record of the file are one save.
    """
    case_file: CaseFile = open_case_file(
        path, identity=identity, passphrase=passphrase, limits=limits
    )
    if case_file.redacted:
        raise UsageError("This case file is redacted; ask the sending school for a transfer pack.")
    if casebook.has_received_file(case_file.sha256):
        raise UsageError("This case file has already been imported into this vault.")
    moment = now or datetime.now(timezone.utc)
    check_dates(case_file.cases, moment)
    from_school = str(case_file.document.get("from_school") or "") or "another school"
    stored: list[str] = []
    try:
        cases = [
            (_with_evidence(casebook, case_file, case, stored), chronology)
            for case, chronology in case_file.cases
        ]
        added = casebook.receive_file(
            cases,
            from_school=from_school,
            received_at=moment,
            sha256=case_file.sha256,
            code=case_file.receipt_code,
        )
    except BaseException:
        # All or nothing: no case was saved, so no evidence file stays behind either.
        for blob_id in stored:
            casebook.discard_blob(blob_id)
        raise
    return ImportResult(tuple(c.id for c in added), from_school, case_file.receipt_code, moment)


def _with_evidence(casebook: CaseSink, case_file: CaseFile, case: Case, stored: list[str]) -> Case:
    """The case with each evidence file stored as a blob in this vault (new blob ids, each also
    added to ``stored``)."""
    by_item = {
        (e["case_id"], e["evidence_id"]): case_file.evidence[e["path"]]
        for e in case_file.document.get("evidence_files", [])
    }
    items = []
    for item in case.evidence:
        data = by_item.get((case.id, item.id))
        if data is None:
            items.append(replace(item, blob_id=None) if item.blob_id else item)
            continue
        blob_id, digest = casebook.put_blob(data)
        stored.append(blob_id)
        items.append(
            replace(item, blob_id=blob_id, sha256=digest or hashlib.sha256(data).hexdigest())
        )
    return replace(case, evidence=tuple(items))
