"""The few casebook calls the export needs, in one place: cases, chronology, blobs, audit, tables.

The export is written against ``docs/contracts.md``; where the contract names no call (evidence
bytes, audit entries for exports, a table for transfers), this module finds the casebook's way
of doing it, so the rest of the export never guesses.
"""

from __future__ import annotations

from typing import Any

from dsl_tui.errors import ExportError
from dsl_tui.model import Case, ChronologyEntry, EvidenceItem


def case(casebook: Any, case_id: str) -> Case:
    """The whole case, read without a "view" audit entry (the caller audits what it does)."""
    try:
        found: Case = casebook.case(case_id, view=False)
    except TypeError:  # a casebook whose case() has no view switch
        found = casebook.case(case_id)
    return found


def chronology(casebook: Any, case_id: str) -> list[ChronologyEntry]:
    """The case's chronology, oldest first, or an empty list if the casebook has none."""
    method = getattr(casebook, "chronology", None)
    return list(method(case_id)) if method else []


def evidence_bytes(casebook: Any, case_id: str, item: EvidenceItem) -> bytes:
    """The plaintext of an evidence file, from the casebook or straight from its vault's blobs."""
    for name in ("evidence_data", "evidence_bytes", "evidence_file"):
        method = getattr(casebook, name, None)
        if method is not None:
            data: bytes = method(case_id, item.id)
            return data
    if item.blob_id and callable(getattr(casebook, "blob", None)):
        found: bytes = casebook.blob(item.blob_id)
        return found
    for holder in (getattr(casebook, "blobs", None), getattr(casebook, "vault", None)):
        getter = getattr(holder, "get_blob", None)
        if getter is not None and item.blob_id:
            blob: bytes = getter(item.blob_id)
            return blob
    raise ExportError("The evidence files cannot be read from this vault; use --no-evidence.")


def audit(casebook: Any, action: str, case_id: str = "", detail: str = "") -> None:
    """Add an audit entry (fixed words and ids only in ``detail``)."""
    for name in ("record_audit", "audit_event", "_audit_event"):
        method = getattr(casebook, name, None)
        if callable(method):
            method(action, case_id, detail)
            return
    for log in (getattr(casebook, "audit", None), getattr(casebook, "_audit", None)):
        if log is None or not hasattr(log, "append"):
            continue
        log.append(casebook.user, action, case_id, detail)
        return
    raise ExportError("The casebook cannot record audit entries, so nothing was exported.")


def table(casebook: Any, name: str) -> Any:
    """A TinyDB table of the casebook's vault document (encrypted with everything else)."""
    db = getattr(casebook, "db", None)
    if db is None:
        db = getattr(casebook, "_db", None)
    if db is None:
        raise ExportError("The casebook gives no access to its tables.")
    return db.table(name)


def clause_text(casebook: Any, clause: str) -> str:
    """The policy's words for a clause, or "" if the playbook does not have them."""
    playbook = getattr(casebook, "playbook", None)
    if playbook is None or not clause:
        return ""
    try:
        return str(playbook.clause_text(clause))
    except Exception:  # noqa: BLE001 - a clause the playbook does not know is simply left out
        return ""


def school_name(casebook: Any, key: str) -> str:
    """The school's full name for its key, or the key itself."""
    playbook = getattr(casebook, "playbook", None)
    for school in getattr(playbook, "schools", ()) or ():
        if getattr(school, "key", None) == key:
            return str(getattr(school, "name", key))
    return key


def put_blob(casebook: Any, data: bytes) -> tuple[str, str]:
    """Store an evidence file encrypted in the vault: (blob id, SHA-256 of the plaintext)."""
    holders = (
        casebook,
        getattr(casebook, "_blobs", None),
        getattr(casebook, "blobs", None),
        getattr(casebook, "vault", None),
    )
    for holder in holders:
        putter = getattr(holder, "put_blob", None)
        if callable(putter):
            blob_id, digest = putter(data)
            return str(blob_id), str(digest)
    raise ExportError("This vault cannot store evidence files, so nothing was imported.")
