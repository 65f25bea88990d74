"""``dsl-tui export | open | import | keygen``: case files for senior managers and transfers.

With ``--passphrase-stdin`` passphrases are read one a line in the order they are needed: the
vault's first (export, import), then the case file's (export --passphrase, import of a
passphrase file). ``open`` needs no vault, so its first line is the case file's passphrase.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dsl_tui import cli
from dsl_tui.errors import UsageError
from dsl_tui.export import (
    acknowledge,
    cases_of_person,
    export_cases,
    generate_passphrase,
    import_case_file,
    keygen,
    open_case_file,
    transfers,
)
from dsl_tui.export.importer import PAGE_MISMATCH, CaseFile, HostileFile
from dsl_tui.export.package import needs_passphrase, peek
from dsl_tui.terminal import safe_line as _s

if TYPE_CHECKING:
    from dsl_tui.casebook import Casebook

#: Shortest passphrase accepted for a case file (a generated one is 29 characters).
MIN_FILE_PASSPHRASE = 12


@contextmanager
def unlocked(args: argparse.Namespace) -> Iterator[Casebook]:
    """The casebook of the unlocked vault, locked again (keys forgotten) when done."""
    from dsl_tui import session

    path = cli.vault_path(args)
    casebook = session.unlock(path, cli.read_passphrase(args, "Vault passphrase: "))
    cli.warn_rollback(casebook.rollback_warning)
    try:
        yield casebook
    finally:
        session.lock(casebook)


def print_lines(lines: Iterable[str]) -> int:
    """Print lines for a script; a reader that stops early (``| head``) is not an error."""
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's documented recipe: point stdout at devnull so the exit flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def _file_passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    """The case file's passphrase (asked twice at a terminal when making a file)."""
    first = cli.read_passphrase(args, "Case file passphrase: ")
    if confirm:
        if len(first) < MIN_FILE_PASSPHRASE:
            raise UsageError(
                f"A case file passphrase needs at least {MIN_FILE_PASSPHRASE} characters "
                "(or use --generate-passphrase)."
            )
        if not args.passphrase_stdin and cli.read_passphrase(args, "Again: ") != first:
            raise UsageError("The two passphrases differ; nothing was exported.")
    return first


def _export(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui export``."""
    with unlocked(args) as casebook:
        if args.list:
            rows = sorted(casebook.summaries(status="all"), key=lambda r: r.id)
            return print_lines(
                f"{_s(r.id)}\t{_s(r.school)}\t{_s(r.category_title)}\t{_s(r.status)}" for r in rows
            )
        if args.transfers:
            return print_lines(
                f"{_s(t.case_id)}\t{_s(t.to_school)}\t{t.sent_at:%Y-%m-%d}\t{_s(t.receipt_code)}\t"
                + ("acknowledged" if t.acknowledged_at else "awaiting acknowledgement")
                for t in transfers(casebook, awaiting_only=not args.all)
            )
        if args.acknowledge:
            case_id, code = args.acknowledge
            done = acknowledge(casebook, case_id, code)
            print(f"Transfer of {_s(done.case_id)} to {_s(done.to_school)} acknowledged.")
            return 0
        return _write_case_file(args, casebook)


def _write_case_file(args: argparse.Namespace, casebook: Casebook) -> int:
    """Export the chosen cases to ``--out``."""
    ids = list(args.cases)
    if args.person:
        found = cases_of_person(casebook, args.person)
        if not found:
            raise UsageError("No case names a person by that name.")
        ids.extend(found)
    if not ids:
        raise UsageError("Name the cases to export (or use --person NAME, or --list).")
    if args.out is None:
        raise UsageError("Say where to write the case file with --out FILE.")
    chosen = [bool(args.recipient), args.passphrase, args.generate_passphrase]
    if sum(chosen) != 1:
        raise UsageError("Choose one of --recipient KEY, --passphrase or --generate-passphrase.")
    secret: str | None = None
    if args.generate_passphrase:
        secret = generate_passphrase()
    elif args.passphrase:
        secret = _file_passphrase(args, confirm=True)
    redact = args.redact or ""
    result = export_cases(
        casebook,
        ids,
        Path(args.out),
        recipients=tuple(args.recipient or ()),
        passphrase=secret,
        redact_pupils=redact in ("pupils", "all"),
        redact_staff=redact in ("staff", "all"),
        include_evidence=not args.no_evidence,
        transfer_to=args.transfer_to or "",
        pdf=args.format == "pdf",
    )
    kind = "a PDF, AES-256, opens with the passphrase" if args.format == "pdf" else "encrypted"
    print(f"Wrote {_s(result.path)}: {len(result.case_ids)} case(s), {result.size} bytes, {kind}.")
    if args.format == "pdf" and result.evidence_left_out:
        print(
            f"{result.evidence_left_out} evidence file(s) are listed with their SHA-256 but not "
            "inside the PDF (the zip case file carries them)."
        )
    elif result.evidence_left_out:
        print(f"{result.evidence_left_out} evidence file(s) left out (redacted or --no-evidence).")
    if args.generate_passphrase:
        print(f"Passphrase (shown once, send it separately from the file): {secret}")
    if result.transfer_to:
        print(
            f"Transfer to {_s(result.transfer_to)}: the receiving school will read back the "
            f"receipt code {result.receipt_code}."
        )
    return 0


def _open_file(args: argparse.Namespace) -> CaseFile:
    """Read and check the case file named on the command line."""
    path = Path(args.file)
    identity = Path(args.identity) if args.identity else None
    passphrase = None
    if needs_passphrase(peek(path)):
        passphrase = _file_passphrase(args, confirm=False)
    return open_case_file(path, identity=identity, passphrase=passphrase)


def summary_lines(case_file: CaseFile) -> list[str]:
    """What ``open --check`` prints: the checks passed and the cases inside."""
    doc = case_file.document
    lines = [
        f"Case file verified: decrypted ({case_file.encrypted_with}), manifest and "
        f"{len(case_file.evidence) + 2} files match, schema version {doc['schema_version']}.",
        f"Exported {_s(doc['exported_at'])} ({_s(doc['purpose'])}"
        + (f", transfer to {_s(doc['transfer_to'])}" if doc.get("transfer_to") else "")
        + ").",
        f"Receipt code: {case_file.receipt_code}",
    ]
    if case_file.redacted:
        lines.append("Names are redacted to initials.")
    for case, chronology in case_file.cases:
        lines.append(
            f"{_s(case.id)}\t{_s(case.school)}\t{_s(case.category_title)}\trisk {_s(case.risk)}"
            f"\t{_s(case.status)}"
            f"\t{len(case.steps)} steps, {len(case.notes)} notes, {len(chronology)} events"
        )
    return lines


def _open(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui open``."""
    case_file = _open_file(args)
    if args.check:
        if not case_file.page_matches:
            raise HostileFile(PAGE_MISMATCH)
        print("\n".join(summary_lines(case_file)))
        return 0
    if not sys.stdout.isatty():
        raise UsageError("No terminal to show the case file: use --check for a summary.")
    from dsl_tui.screens.viewer import run_viewer

    run_viewer(case_file)
    if not case_file.page_matches:
        print(PAGE_MISMATCH, file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui import``."""
    path = Path(args.file)
    identity = Path(args.identity) if args.identity else None
    with unlocked(args) as casebook:
        passphrase = None
        if needs_passphrase(peek(path)):
            passphrase = _file_passphrase(args, confirm=False)
        result = import_case_file(casebook, path, identity=identity, passphrase=passphrase)
    print(
        f"Imported {len(result.case_ids)} case(s) from {_s(result.from_school)}: "
        f"{_s(', '.join(result.case_ids))}."
    )
    print(f"Receipt code: {result.receipt_code} (give it to the sending school's DSL).")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui keygen``."""
    public = keygen(Path(args.out))
    print(public)
    print(
        f"Secret key written to {_s(args.out)}; keep it private. Give the line above to the DSL.",
        file=sys.stderr,
    )
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add export, open, import and keygen to the command line."""
    p = subparsers.add_parser("export", help="write an encrypted case file (age format)")
    cli.add_common(p)
    p.add_argument("cases", nargs="*", metavar="CASE", help="case ids to export")
    p.add_argument("--out", metavar="FILE", help="where to write the case file")
    p.add_argument(
        "--recipient",
        action="append",
        metavar="AGE_PUBLIC_KEY",
        help="a senior manager's public key (repeatable)",
    )
    p.add_argument("--passphrase", action="store_true", help="encrypt with a passphrase")
    p.add_argument(
        "--generate-passphrase",
        action="store_true",
        help="encrypt with a new random passphrase, printed once",
    )
    p.add_argument(
        "--redact",
        choices=("pupils", "staff", "all"),
        help="show these people's names as initials (evidence files left out)",
    )
    p.add_argument("--no-evidence", action="store_true", help="leave evidence files out")
    p.add_argument(
        "--format",
        choices=("zip", "pdf"),
        default="zip",
        help="zip: the age-encrypted case file (default); pdf: a password-protected PDF "
        "(AES-256) that opens in Edge or Acrobat, with --generate-passphrase or --passphrase",
    )
    p.add_argument("--person", metavar="NAME", help="export every case naming this person")
    p.add_argument(
        "--transfer-to", metavar="SCHOOL", help="a transfer pack for the school the pupil moves to"
    )
    p.add_argument("--list", action="store_true", help="list case ids, one a line")
    p.add_argument(
        "--transfers",
        action="store_true",
        help="list transfers awaiting the receiving school's receipt code",
    )
    p.add_argument("--all", action="store_true", help="with --transfers: acknowledged ones too")
    p.add_argument(
        "--acknowledge",
        nargs=2,
        metavar=("CASE", "CODE"),
        help="record the receipt code the receiving school read back",
    )
    p.set_defaults(func=_export)

    p = subparsers.add_parser("open", help="read a case file (read-only viewer)")
    cli.add_common(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--identity", metavar="FILE", help="your age identity (secret key) file")
    p.add_argument(
        "--check",
        action="store_true",
        help="verify the file and print a summary instead of opening the viewer",
    )
    p.set_defaults(func=_open)

    p = subparsers.add_parser("import", help="import a transferred case file")
    cli.add_common(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--identity", metavar="FILE", help="your age identity file, if sent to a key")
    p.set_defaults(func=_import)

    p = subparsers.add_parser("keygen", help="make a key pair for a senior manager")
    cli.add_common(p)
    p.add_argument("--out", metavar="FILE", required=True, help="where to write the secret key")
    p.set_defaults(func=_keygen)
