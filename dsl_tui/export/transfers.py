"""School-to-school transfers: the sender's record, the receiver's import, and the receipt code.

The sender's vault keeps a ``transfers`` table (encrypted with the rest of the vault): one row per
case sent, with the receipt code of the file written. The receiving school imports the file; the
import prints the same code (from the file's own SHA-256), and the sender enters it with
``export --acknowledge CASE CODE`` to close the loop. A code that does not match means the
receiver has a different file than the one sent.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dsl_tui.errors import NotFound, UsageError
from dsl_tui.export import bridge, casefile_json, package
from dsl_tui.export.importer import DEFAULT_LIMITS, CaseFile, Limits, open_case_file

TRANSFERS_TABLE = "transfers"
RECEIVED_TABLE = "received_files"


@dataclass(frozen=True)
class Transfer:
    """One case sent to another school, and whether the receiver has confirmed it."""

    case_id: str
    to_school: str
    receipt_code: str
    sent_at: datetime
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import added: the new case ids, where they came from, and the receipt code."""

    case_ids: tuple[str, ...]
    from_school: str
    receipt_code: str
    received_at: datetime


def record_transfer(casebook: Any, case_id: str, to_school: str, code: str, when: datetime) -> None:
    """Note that ``case_id`` was sent, and mark the sender's copy transferred."""
    bridge.table(casebook, TRANSFERS_TABLE).insert(
        {
            "case_id": case_id,
            "to_school": to_school,
            "code": code,
            "sent_at": casefile_json.to_jsonable(when),
            "acknowledged_at": None,
        }
    )
    mark = getattr(casebook, "mark_transferred", None)
    if callable(mark):
        mark(case_id, to_school)
    elif hasattr(casebook, "_index"):  # the real casebook, before it had its own call
        from dsl_tui.casebook.receive import mark_transferred

        mark_transferred(casebook, case_id, to_school)


def _transfer_from(doc: dict[str, Any]) -> Transfer:
    ack = doc.get("acknowledged_at")
    return Transfer(
        case_id=doc["case_id"],
        to_school=doc.get("to_school", ""),
        receipt_code=doc.get("code", ""),
        sent_at=datetime.fromisoformat(doc["sent_at"]),
        acknowledged_at=datetime.fromisoformat(ack) if ack else None,
    )


def transfers(casebook: Any, *, awaiting_only: bool = False) -> list[Transfer]:
    """Every transfer sent from this vault (oldest first), or only those awaiting a receipt."""
    found = [_transfer_from(dict(d)) for d in bridge.table(casebook, TRANSFERS_TABLE).all()]
    if awaiting_only:
        found = [t for t in found if t.acknowledged_at is None]
    return sorted(found, key=lambda t: t.sent_at)


def acknowledge(casebook: Any, case_id: str, code: str, when: datetime | None = None) -> Transfer:
    """Record the receiver's receipt code against a transfer; UsageError if the code differs."""
    wanted = package.normalise_code(code)
    table = bridge.table(casebook, TRANSFERS_TABLE)
    rows = [d for d in table.all() if d["case_id"] == case_id]
    if not rows:
        raise NotFound("No transfer of that case is recorded in this vault.")
    for doc in rows:
        if doc.get("code") == wanted:
            if doc.get("acknowledged_at") is None:
                moment = when or datetime.now(timezone.utc)
                table.update(
                    {"acknowledged_at": casefile_json.to_jsonable(moment)}, doc_ids=[doc.doc_id]
                )
                bridge.audit(casebook, "change", case_id, "transfer acknowledged")
                doc = table.get(doc_id=doc.doc_id)
            return _transfer_from(dict(doc))
    raise UsageError(
        "That receipt code does not match the file sent; the receiving school may hold a "
        "different file."
    )


def _receive(
    casebook: Any, case: Any, from_school: str, received_at: datetime, chronology: tuple[Any, ...]
) -> Any:
    """Add a received case through the casebook (which audits it), keeping its chronology."""
    method = getattr(casebook, "receive_case", None)
    if callable(method):
        if "chronology" in inspect.signature(method).parameters:
            return method(
                case, from_school=from_school, received_at=received_at, chronology=chronology
            )
        return method(case, from_school=from_school, received_at=received_at)
    from dsl_tui.casebook.receive import receive_case

    return receive_case(
        casebook, case, from_school=from_school, received_at=received_at, chronology=chronology
    )


def import_case_file(
    casebook: Any,
    path: Path,
    *,
    identity: Path | None = None,
    passphrase: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> ImportResult:
    """Import a transferred case file into this vault, after every check in ``importer`` passes.

    Refuses a redacted file (a receiving school needs the full record) and a file already
    imported. Nothing is written to the vault until the whole file has been checked.
    """
    case_file: CaseFile = open_case_file(
        path, identity=identity, passphrase=passphrase, limits=limits
    )
    if case_file.redacted:
        raise UsageError("This case file is redacted; ask the sending school for a transfer pack.")
    received = bridge.table(casebook, RECEIVED_TABLE)
    if any(d.get("sha256") == case_file.sha256 for d in received.all()):
        raise UsageError("This case file has already been imported into this vault.")
    moment = now or datetime.now(timezone.utc)
    from_school = str(case_file.document.get("from_school") or "") or "another school"
    new_ids = []
    for case, chronology in case_file.cases:
        case = _with_evidence(casebook, case_file, case)
        added = _receive(casebook, case, from_school, moment, chronology)
        new_ids.append(added.id)
    received.insert(
        {
            "sha256": case_file.sha256,
            "code": case_file.receipt_code,
            "case_ids": new_ids,
            "at": casefile_json.to_jsonable(moment),
        }
    )
    return ImportResult(tuple(new_ids), from_school, case_file.receipt_code, moment)


def _with_evidence(casebook: Any, case_file: CaseFile, case: Any) -> Any:
    """The case with each evidence file stored as a blob in this vault (new blob ids)."""
    from dataclasses import replace

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
        blob_id, digest = bridge.put_blob(casebook, data)
        items.append(
            replace(item, blob_id=blob_id, sha256=digest or hashlib.sha256(data).hexdigest())
        )
    return replace(case, evidence=tuple(items))
