"""Making a case file: gather, redact if asked, render, zip, encrypt, write atomically, audit."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dsl_tui import __version__
from dsl_tui.errors import ExportError, NotFound, UsageError, VaultTampered
from dsl_tui.export import casefile_json, package
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.importer import HTML_NAME, JSON_NAME
from dsl_tui.export.redact import redact_document
from dsl_tui.export.source import CaseSource
from dsl_tui.jsontypes import Doc
from dsl_tui.model import Case

_PASSPHRASE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

#: The one file of a PDF case file's name, as ``ExportResult.files`` lists it.
PDF_NAME = "case-file.pdf"


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, its cases, and the receipt code the receiver will read back."""

    path: Path
    case_ids: tuple[str, ...]
    receipt_code: str
    sha256: str
    size: int
    files: tuple[str, ...] = field(default_factory=tuple)
    redacted: bool = False
    transfer_to: str = ""
    evidence_left_out: int = 0


def generate_passphrase() -> str:
    """A random passphrase (about 124 bits) in five groups a person can read out: "ab3k7-...".

    Printed once by ``export --generate-passphrase``; never stored.
    """
    groups = ["".join(secrets.choice(_PASSPHRASE_ALPHABET) for _ in range(5)) for _ in range(5)]
    return "-".join(groups)


def _safe_part(text: str) -> str:
    """Characters of a case or evidence id safe for a zip path."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:60].lstrip(".") or "x"


def _evidence_path(case: Case, item_id: str, filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    ext = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".bin"
    return f"evidence/{_safe_part(case.id)}-{_safe_part(item_id)}{ext}"


def build_document(
    casebook: CaseSource,
    cases: Sequence[Case],
    *,
    now: datetime,
    transfer_to: str = "",
    include_evidence: bool = True,
) -> tuple[Doc, dict[str, bytes]]:
    """The unredacted case-file document and its evidence files (zip path -> bytes)."""
    records = []
    clauses: dict[str, str] = {}
    evidence: dict[str, bytes] = {}
    listed = []
    missing: list[str] = []
    for case in cases:
        records.append(casefile_json.case_record(case, casebook.chronology(case.id)))
        for clause in {case.clause, *(s.clause for s in case.steps)}:
            text = casebook.clause_text(clause)
            if text:
                clauses[clause] = text
        if not include_evidence:
            continue
        for item in case.evidence:
            if not item.blob_id:
                continue
            try:
                data = casebook.evidence_data(case.id, item.id)
            except NotFound:
                missing.append(f"{case.id} {item.id}")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if item.sha256 and digest != item.sha256:
                raise VaultTampered(
                    "An evidence file no longer matches its recorded SHA-256; nothing was exported."
                )
            path = _evidence_path(case, item.id, item.filename)
            evidence[path] = data
            listed.append(
                {"case_id": case.id, "evidence_id": item.id, "path": path, "sha256": digest}
            )
    if missing:
        raise ExportError(
            f"Nothing was exported because {len(missing)} evidence file(s) are missing from the "
            f"vault folder ({', '.join(missing)}): restore them from a copy, or run dsl-tui verify."
        )
    schools = {c.school for c in cases}
    document: Doc = {
        "format": casefile_json.FORMAT_NAME,
        "schema_version": casefile_json.SCHEMA_VERSION,
        "app_version": __version__,
        "exported_at": casefile_json.to_jsonable(now),
        "exported_by": casebook.user,
        "purpose": "transfer" if transfer_to else "senior management",
        "from_school": casebook.school_name(schools.pop()) if len(schools) == 1 else "",
        "transfer_to": transfer_to,
        "redaction": {"pupils": False, "staff": False},
        "clauses": dict(sorted(clauses.items())),
        "cases": records,
        "evidence_files": listed,
    }
    return document, evidence


def export_cases(
    casebook: CaseSource,
    case_ids: Sequence[str],
    out: Path,
    *,
    recipients: Sequence[str] = (),
    passphrase: str | None = None,
    redact_pupils: bool = False,
    redact_staff: bool = False,
    include_evidence: bool = True,
    transfer_to: str = "",
    now: datetime | None = None,
    pdf: bool = False,
) -> ExportResult:
    """Write an encrypted case file of ``case_ids`` to ``out`` and audit an "export" per case.

    Nothing in clear reaches the disk. With ``transfer_to`` the file is a transfer pack: it must
    not be redacted, and each case is marked transferred, awaiting the receiver's receipt code.
    With ``pdf`` the file is a PDF opened by ``passphrase`` (AES-256), the same content as the
    zip's page; evidence files are listed with their SHA-256 but not carried.
    """
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise UsageError("Name at least one case to export.")
    if bool(recipients) == bool(passphrase):
        raise UsageError("Give either --recipient keys or a passphrase.")
    redacting = redact_pupils or redact_staff
    if transfer_to and redacting:
        raise UsageError("A transfer pack must be complete; it cannot be redacted.")
    if pdf and recipients:
        raise UsageError(
            "A PDF case file opens with a passphrase: use --generate-passphrase (age keys "
            "work with the zip case file)."
        )
    if pdf and transfer_to:
        raise UsageError("A transfer pack is a zip case file (the receiving school imports it).")
    for recipient in recipients:
        package.parse_recipient(recipient)  # refuse a bad key before any work
    moment = now or datetime.now(timezone.utc)
    cases = [casebook.case(case_id, view=False) for case_id in ids]
    with_files = include_evidence and not redacting and not pdf
    document, evidence = build_document(
        casebook, cases, now=moment, transfer_to=transfer_to, include_evidence=with_files
    )
    if redacting:
        document = redact_document(document, pupils=redact_pupils, staff=redact_staff)
    if pdf:
        from dsl_tui.export.casefile_pdf import render_pdf  # fpdf2 only when a PDF is asked for

        assert passphrase is not None
        ciphertext = render_pdf(document, passphrase, now=moment)
        names: tuple[str, ...] = (PDF_NAME,)
    else:
        files = {
            HTML_NAME: render_html(document).encode("utf-8"),
            JSON_NAME: casefile_json.dumps(document),
            **evidence,
        }
        payload = package.build_zip(files, moment)
        ciphertext = package.encrypt(payload, recipients=recipients, passphrase=passphrase)
        del payload, files
        names = tuple(sorted([*(HTML_NAME, JSON_NAME, package.MANIFEST), *evidence]))
    package.write_atomic(out, ciphertext)
    code = package.receipt_code(ciphertext)
    detail = (
        "transfer pack" if transfer_to else ("redacted case file" if redacting else "case file")
    ) + (" as pdf" if pdf else "")
    try:
        for case in cases:
            casebook.audit_event("export", case.id, detail)
    except BaseException:
        # An export the audit log cannot show must not exist: take the file back.
        out.unlink(missing_ok=True)
        raise
    if transfer_to:
        for case in cases:
            casebook.record_transfer(case.id, transfer_to, code, moment)
    blobs_total = sum(1 for c in cases for e in c.evidence if e.blob_id)
    return ExportResult(
        path=out,
        case_ids=tuple(ids),
        receipt_code=code,
        sha256=hashlib.sha256(ciphertext).hexdigest(),
        size=len(ciphertext),
        files=names,
        redacted=redacting,
        transfer_to=transfer_to,
        evidence_left_out=blobs_total - len(evidence),
    )


def cases_of_person(casebook: CaseSource, name: str) -> list[str]:
    """Ids of every case naming a person called ``name`` (case and spacing ignored)."""
    wanted = " ".join(name.split()).casefold()
    if not wanted:
        raise UsageError("Give the person's name.")
    found = []
    for case_id in [s.id for s in casebook.search(name, status="all")]:
        case = casebook.case(case_id, view=False)
        if any(" ".join(p.name.split()).casefold() == wanted for p in case.people):
            found.append(case_id)
    return sorted(found)
