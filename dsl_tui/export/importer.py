"""Reading a case file as a hostile file: every check passes before anything is used or written.

Checks, in order: the age file's size; decryption (wrong key -> exit 3, damage -> exit 5); the zip
itself (entry count, names that escape or are absolute, symlinks, duplicates, encrypted entries,
sizes and compression ratio, counted while inflating rather than trusted from headers); the
manifest (every file listed once, every hash right, nothing extra); the JSON schema; the
evidence files against the SHA-256 each evidence record carries; and the printable page, which
must be exactly the page this dsl-tui renders from the verified JSON. The shipped HTML is never
shown or kept: ``CaseFile.html`` is the fresh render, ``CaseFile.page_matches`` says whether the
shipped page was the same (a page with a script, or that tells another story, is not).
"""

from __future__ import annotations

import hashlib
import io
import lzma
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from dsl_tui import dates
from dsl_tui.errors import ExportError, VaultTampered
from dsl_tui.export import casefile_json, keys, package
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.package import MANIFEST
from dsl_tui.jsontypes import Doc
from dsl_tui.model import Case, ChronologyEntry

JSON_NAME = "case-file.json"
HTML_NAME = "case-file.html"
_EVIDENCE_NAME = re.compile(r"^evidence/[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")
_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
#: What a case id or a part id (p1, s2, n3...) may look like: the app never makes anything else,
#: and an id is printed, typed and used in file names, so escapes and paths are refused.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_PARTS = ("people", "accounts", "steps", "notes", "evidence", "decisions")


@dataclass(frozen=True)
class Limits:
    """How much a case file may hold; beyond these it is refused as a possible zip bomb."""

    max_file_bytes: int = 256 * 2**20
    max_total_bytes: int = 512 * 2**20
    max_entries: int = 2_000
    max_json_bytes: int = 64 * 2**20
    max_ratio: int = 100
    ratio_floor_bytes: int = 2**20  # smaller entries may compress as well as they like


DEFAULT_LIMITS = Limits()


class HostileFile(ExportError):
    """The case file's contents break a safety rule (exit 5: do not trust it)."""

    exit_code = 5


#: What is said when the shipped page is not the page the case data makes.
PAGE_MISMATCH = (
    "The printable page does not match the case data (it may hide or add content, or carry a "
    "script): do not open or print case-file.html; the case data itself checked out."
)


@dataclass(frozen=True)
class CaseFile:
    """A decrypted, fully checked case file, held in memory only."""

    document: Doc
    cases: tuple[tuple[Case, tuple[ChronologyEntry, ...]], ...]
    #: The printable page rendered afresh from the verified JSON (never the shipped one).
    html: str
    evidence: dict[str, bytes] = field(default_factory=dict)  # zip path -> bytes
    #: Whether the shipped ``case-file.html`` is exactly the page rendered from the JSON.
    page_matches: bool = True
    receipt_code: str = ""
    sha256: str = ""
    encrypted_with: str = ""  # "passphrase" or "age key"

    @property
    def redacted(self) -> bool:
        """True when names were replaced by initials in this file."""
        red = self.document.get("redaction", {})
        return bool(red.get("pupils") or red.get("staff"))


def _check_name(info: zipfile.ZipInfo, seen: set[str]) -> None:
    """Refuse names that escape, are absolute, are links or directories, or repeat."""
    name = info.filename
    if "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise HostileFile("The case file holds an absolute path; it was refused.")
    parts = name.split("/")
    if ".." in parts:
        raise HostileFile("The case file holds a path that escapes its folder; it was refused.")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise HostileFile("The case file holds a symbolic link; it was refused.")
    if info.is_dir():
        raise HostileFile("The case file holds an unexpected folder entry; it was refused.")
    if info.flag_bits & 0x1:
        raise HostileFile("The case file holds an encrypted zip entry; it was refused.")
    folded = name.casefold()
    if folded in seen:
        raise HostileFile("The case file holds two files with the same name; it was refused.")
    seen.add(folded)
    if name not in (JSON_NAME, HTML_NAME, MANIFEST) and not _EVIDENCE_NAME.match(name):
        raise HostileFile("The case file holds a file it should not; it was refused.")


#: Bytes of central directory allowed per entry (a real entry here is ~46 + a short name).
_DIRECTORY_BYTES_PER_ENTRY = 512


def _check_directory_size(payload: bytes, limits: Limits) -> None:
    """Refuse a zip whose central directory is too big before ``zipfile`` parses it: a 256 MiB
    directory of tiny entries would make millions of ZipInfo objects (gigabytes of memory)."""
    at = payload.rfind(b"PK\x05\x06", max(0, len(payload) - (1 << 16) - 22))
    if at < 0 or len(payload) < at + 22:
        return  # not a zip: zipfile says so below
    if at >= 20 and payload[at - 20 : at - 16] == b"PK\x06\x07":
        raise HostileFile("The case file uses a zip layout dsl-tui never writes; it was refused.")
    size = int.from_bytes(payload[at + 12 : at + 16], "little")
    if size > limits.max_entries * _DIRECTORY_BYTES_PER_ENTRY:
        raise HostileFile("The case file holds too many files; it was refused.")


def read_zip(payload: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """Every file of the payload zip, after the structural and size checks."""
    _check_directory_size(payload, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise VaultTampered(
            "The case file's contents are not a readable zip; do not trust it."
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise HostileFile("The case file holds too many files; it was refused.")
        seen: set[str] = set()
        declared = 0
        for info in infos:
            _check_name(info, seen)
            declared += info.file_size
            big = info.file_size > limits.ratio_floor_bytes
            if big and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise HostileFile("The case file is compressed suspiciously well (a zip bomb?).")
        if declared > limits.max_total_bytes:
            raise HostileFile("The case file would unpack to more than the size limit.")
        files: dict[str, bytes] = {}
        total = 0
        for info in infos:
            chunks = []
            size = 0
            try:
                with archive.open(info) as handle:
                    while chunk := handle.read(1 << 16):
                        size += len(chunk)
                        total += len(chunk)
                        if size > info.file_size or total > limits.max_total_bytes:
                            raise HostileFile("The case file unpacks to more than it declares.")
                        if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(
                            info.compress_size, 1
                        ):
                            raise HostileFile(
                                "The case file is compressed suspiciously well (a zip bomb?)."
                            )
                        chunks.append(chunk)
            except (
                zipfile.BadZipFile,
                EOFError,
                OSError,
                ValueError,
                NotImplementedError,
                RuntimeError,
                zlib.error,
                lzma.LZMAError,
            ):  # every way a damaged deflate/bzip2/lzma stream can fail
                raise VaultTampered(
                    "A file inside the case file is damaged; do not trust it."
                ) from None
            files[info.filename] = b"".join(chunks)
    return files


def check_manifest(files: dict[str, bytes]) -> None:
    """Every file but the manifest is listed once with the right SHA-256; nothing else is listed."""
    raw = files.get(MANIFEST)
    if raw is None:
        raise VaultTampered("The case file has no manifest; do not trust it.")
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise VaultTampered("The case file's manifest is damaged; do not trust it.") from None
    listed: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        match = _MANIFEST_LINE.match(line)
        if not match or match.group(2) in listed:
            raise VaultTampered("The case file's manifest is damaged; do not trust it.")
        listed[match.group(2)] = match.group(1)
    others = {name for name in files if name != MANIFEST}
    if set(listed) != others:
        raise VaultTampered(
            "The case file's manifest does not match its contents; do not trust it."
        )
    for name in others:
        if hashlib.sha256(files[name]).hexdigest() != listed[name]:
            raise VaultTampered(
                "A file inside the case file does not match its manifest; do not trust it."
            )


def _check_ids(cases: list[tuple[Case, tuple[ChronologyEntry, ...]]]) -> None:
    """Every case id and part id is a plain id (no control characters, spaces or paths), and no
    two parts of one kind in a case share an id (ten steps all called ``s1`` made a case that
    could never be closed)."""
    for case, _ in cases:
        ids = [case.id] + [part.id for name in _PARTS for part in getattr(case, name, ())]
        if not all(_ID.match(i) for i in ids):
            raise casefile_json.SchemaError(
                "The case file does not match the case-file schema (an id holds characters "
                "dsl-tui never uses)."
            )
        for name in _PARTS:
            part_ids = [part.id for part in getattr(case, name, ())]
            if len(set(part_ids)) != len(part_ids):
                raise casefile_json.SchemaError(
                    f"The case file does not match the case-file schema (two {name} of one "
                    "case share an id)."
                )


#: Times that plan something (may lie ahead, within dates.PLANNED_HORIZON).
_PLANNED = {"due_at", "review_on"}


def _times(value: object, where: str) -> Iterator[tuple[str, datetime | date]]:
    """Every date and time inside a decoded case part, with the field name holding it."""
    if isinstance(value, datetime | date):
        yield where, value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _times(item, where)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _times(getattr(value, f.name), f.name)


def check_dates(cases: Sequence[tuple[Case, tuple[ChronologyEntry, ...]]], now: datetime) -> None:
    """Dates to be imported obey the rules of typed ones (dsl_tui/dates.py): no date of birth in
    the future or before 1900, no event far in the future, no plan beyond the horizon, nothing
    before 1900. (The viewer shows such a date as it is; only what enters a vault is held to it.)
    """

    def bad(what: str) -> casefile_json.SchemaError:
        return casefile_json.SchemaError(
            f"The case file does not match the case-file schema ({what}); nothing was read."
        )

    for case, chronology in cases:
        for person in case.people:
            if person.date_of_birth is not None:
                problem = dates.birth_date_problem(person.date_of_birth, now.date())
                if problem:
                    raise bad(problem)
        for name, when in _times((case, chronology), "case"):
            if name == "date_of_birth":
                continue
            moment = when if isinstance(when, datetime) else datetime(
                when.year, when.month, when.day, tzinfo=UTC
            )  # fmt: skip
            problem = dates.time_problem(moment, now, planned=name in _PLANNED)
            if problem:
                raise bad(problem)


def check_payload(payload: bytes, limits: Limits = DEFAULT_LIMITS) -> CaseFile:
    """Unpack and check a decrypted payload; a CaseFile when every check passes."""
    files = read_zip(payload, limits)
    check_manifest(files)
    if JSON_NAME not in files or HTML_NAME not in files:
        raise HostileFile("The case file is missing its case-file.json or case-file.html.")
    if len(files[JSON_NAME]) > limits.max_json_bytes:
        raise HostileFile("The case file's JSON is larger than the size limit.")
    document = casefile_json.loads(files[JSON_NAME])
    cases = casefile_json.validate(document)
    _check_ids(cases)
    evidence = {name: data for name, data in files.items() if name.startswith("evidence/")}
    listed = {entry["path"]: entry for entry in document.get("evidence_files", [])}
    if set(listed) != set(evidence):
        raise VaultTampered("The case file's evidence list does not match its files.")
    items = {(c.id, e.id): e for c, _ in cases for e in c.evidence}
    for path, entry in listed.items():
        item = items.get((entry["case_id"], entry["evidence_id"]))
        digest = hashlib.sha256(evidence[path]).hexdigest()
        if item is None or digest != entry["sha256"] or (item.sha256 and item.sha256 != digest):
            raise VaultTampered("An evidence file does not match its recorded SHA-256.")
    html = render_html(document)
    return CaseFile(
        document=document,
        cases=tuple(cases),
        html=html,
        evidence=evidence,
        page_matches=files[HTML_NAME] == html.encode("utf-8"),
    )


def open_case_file(
    path: Path,
    *,
    identity: Path | None = None,
    passphrase: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CaseFile:
    """Read, decrypt and check a case file; raise WrongPassphrase (3) or VaultTampered (5)."""
    ciphertext = package.read_limited(Path(path), limits.max_file_bytes)
    identities = keys.load_identities(identity) if identity is not None else []
    payload = package.decrypt(ciphertext, identities=identities, passphrase=passphrase)
    checked = check_payload(payload, limits)
    return replace(
        checked,
        receipt_code=package.receipt_code(ciphertext),
        sha256=hashlib.sha256(ciphertext).hexdigest(),
        encrypted_with="passphrase" if package.needs_passphrase(ciphertext) else "age key",
    )
