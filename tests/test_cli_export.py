"""The command line a DSL and a senior manager use: export, open, import, keygen, report."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest
from helpers_export import OTTOLINE, make_zip, unzip, worked_case

from dsl_tui import cli, session
from dsl_tui.export import load_identities, package

PASS = "quill-meadow-harbour-7193-lantern"


class Runner:
    """Runs ``dsl-tui`` in-process with given standard input; returns (code, out, err)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(argv))
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture()
def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Runner:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    return Runner(capsys, monkeypatch)


def make_vault(path: Path, *names: str) -> list[str]:
    """A vault with one worked case per name; returns the case ids."""
    casebook = session.create(path, "Priya Ramanathan", "DSL", PASS)
    try:
        return [worked_case(casebook, name) for name in names]
    finally:
        session.lock(casebook)


@pytest.fixture()
def vault(tmp_path: Path, run: Runner) -> tuple[Path, list[str]]:
    path = tmp_path / "school.dsl"
    return path, make_vault(path, OTTOLINE, "Barnaby Quince")


@pytest.fixture()
def key(tmp_path: Path, run: Runner) -> tuple[Path, str]:
    code, out, _ = run("keygen", "--out", str(tmp_path / "head.key"))
    assert code == 0
    return tmp_path / "head.key", out.strip()


def test_keygen_prints_the_public_key_and_keeps_the_secret_private(key: tuple[Path, str]) -> None:
    path, public = key
    assert public.startswith("age1") and path.stat().st_mode & 0o777 == 0o600
    assert str(load_identities(path)[0].to_public()) == public


def test_list_prints_ids_first_one_a_line(run: Runner, vault: tuple[Path, list[str]]) -> None:
    path, ids = vault
    code, out, _ = run("export", "--list", "--vault", str(path), "--passphrase-stdin", stdin=PASS)
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == sorted(ids)


def test_export_open_check_and_the_error_codes(
    run: Runner, vault: tuple[Path, list[str]], key: tuple[Path, str], tmp_path: Path
) -> None:
    path, ids = vault
    identity, public = key
    out_file = tmp_path / "for-head.age"
    code, out, err = run(
        "export",
        *ids,
        "--out",
        str(out_file),
        "--recipient",
        public,
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0, err
    code, out, err = run("open", str(out_file), "--identity", str(identity), "--check")
    assert code == 0 and all(case_id in out for case_id in ids), err

    other = tmp_path / "other.key"
    run("keygen", "--out", str(other))
    code, _, err = run("open", str(out_file), "--identity", str(other), "--check")
    assert code == 3 and err.count("\n") == 1 and "Traceback" not in err
    data = out_file.read_bytes()
    (tmp_path / "cut.age").write_bytes(data[: len(data) // 2])
    (tmp_path / "flip.age").write_bytes(data[:-30] + bytes([data[-30] ^ 4]) + data[-29:])
    for broken in ("cut.age", "flip.age"):
        code, _, err = run("open", str(tmp_path / broken), "--identity", str(identity), "--check")
        assert code == 5 and err.count("\n") == 1 and "Ottoline" not in err


def test_export_needs_exactly_one_way_to_encrypt(
    run: Runner, vault: tuple[Path, list[str]], key: tuple[Path, str], tmp_path: Path
) -> None:
    path, ids = vault
    base = [
        "export",
        ids[0],
        "--out",
        str(tmp_path / "x.age"),
        "--vault",
        str(path),
        "--passphrase-stdin",
    ]
    assert run(*base, stdin=PASS)[0] == 2
    assert run(*base, "--recipient", key[1], "--generate-passphrase", stdin=PASS)[0] == 2
    assert run(*base, "--recipient", "age1notakey", stdin=PASS)[0] == 2
    assert not (tmp_path / "x.age").exists()


def test_generated_passphrase_is_printed_once_and_opens_the_file(
    run: Runner, vault: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, ids = vault
    out_file = tmp_path / "p.age"
    code, out, _ = run(
        "export",
        ids[0],
        "--out",
        str(out_file),
        "--generate-passphrase",
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0
    [line] = [x for x in out.splitlines() if x.startswith("Passphrase")]
    secret = line.rsplit(" ", 1)[1]
    code, out, _ = run("open", str(out_file), "--check", "--passphrase-stdin", stdin=secret)
    assert code == 0 and ids[0] in out


def test_person_and_redaction_from_the_command_line(
    run: Runner, vault: tuple[Path, list[str]], key: tuple[Path, str], tmp_path: Path
) -> None:
    path, ids = vault
    identity, public = key
    out_file = tmp_path / "red.age"
    code, out, _ = run(
        "export",
        "--person",
        OTTOLINE,
        "--redact",
        "all",
        "--out",
        str(out_file),
        "--recipient",
        public,
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0 and "1 case(s)" in out
    payload = package.decrypt(out_file.read_bytes(), identities=load_identities(identity))
    files = unzip(payload)
    text = "".join(files) + b"".join(files.values()).decode()
    for secret in ("Ottoline", "Fairweather", "Gideon", "Hartley", "Priya", "Ramanathan"):
        assert secret.casefold() not in text.casefold()
    assert ids[0] in text and ids[1] not in text


def test_transfer_import_receipt_and_acknowledgement(
    run: Runner, vault: tuple[Path, list[str]], key: tuple[Path, str], tmp_path: Path
) -> None:
    path, ids = vault
    identity, public = key
    pack = tmp_path / "pack.age"
    code, out, _ = run(
        "export",
        ids[0],
        "--transfer-to",
        "Northfield Academy",
        "--out",
        str(pack),
        "--recipient",
        public,
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0
    sent_code = out.rsplit("receipt code ", 1)[1].strip(" .\n")

    receiving = tmp_path / "northfield.dsl"
    make_vault(receiving)
    code, out, err = run(
        "import",
        str(pack),
        "--identity",
        str(identity),
        "--vault",
        str(receiving),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0, err
    assert f"Receipt code: {sent_code}" in out
    code, out, _ = run(
        "import",
        str(pack),
        "--identity",
        str(identity),
        "--vault",
        str(receiving),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 2  # the same file twice is refused

    listing = ["export", "--transfers", "--vault", str(path), "--passphrase-stdin"]
    code, out, _ = run(*listing, stdin=PASS)
    assert ids[0] in out and "awaiting" in out
    code, _, _ = run(
        "export",
        "--acknowledge",
        ids[0],
        "WRONG-CODE1",
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 2
    code, out, _ = run(
        "export",
        "--acknowledge",
        ids[0],
        sent_code,
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0
    assert run(*listing, stdin=PASS)[1] == ""


def test_a_hostile_import_leaves_the_cases_unchanged(
    run: Runner, vault: tuple[Path, list[str]], key: tuple[Path, str], tmp_path: Path
) -> None:
    path, ids = vault
    identity, public = key
    evil = tmp_path / "evil.age"
    evil.write_bytes(
        pyrage.encrypt(
            make_zip([("../../escape.txt", b"x")]), [load_identities(identity)[0].to_public()]
        )
    )
    code, _, err = run(
        "import",
        str(evil),
        "--identity",
        str(identity),
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 5 and "escapes" in err
    assert not (tmp_path.parent / "escape.txt").exists()
    code, out, _ = run("export", "--list", "--vault", str(path), "--passphrase-stdin", stdin=PASS)
    assert [line.split("\t")[0] for line in out.splitlines()] == sorted(ids)


def test_report_prints_figures_and_writes_csv_without_names(
    run: Runner, vault: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, _ids = vault
    code, out, _ = run(
        "report",
        "--csv",
        str(tmp_path / "r.csv"),
        "--vault",
        str(path),
        "--passphrase-stdin",
        stdin=PASS,
    )
    assert code == 0 and "2 case(s)" in out and "Cases by month" in out
    everything = out + (tmp_path / "r.csv").read_text()
    for secret in ("Ottoline", "Barnaby", "Quince", "fictional.handle", "insulting", "Gideon"):
        assert secret.casefold() not in everything.casefold()
    assert (
        run("report", "--year", "99", "--vault", str(path), "--passphrase-stdin", stdin=PASS)[0]
        == 2
    )


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="Debian's poppler-utils needed")
def test_a_pdf_case_file_opens_with_the_passphrase_shown_once_and_is_audited(
    run: Runner, vault: tuple[Path, list[str]], key: tuple[Path, str], tmp_path: Path
) -> None:
    path, ids = vault
    out_file = tmp_path / "sent" / "case.pdf"
    out_file.parent.mkdir()
    common = ["--vault", str(path), "--passphrase-stdin"]
    code, out, err = run("export", ids[0], "--out", str(out_file), "--format", "pdf",
                         "--generate-passphrase", *common, stdin=PASS)  # fmt: skip
    assert code == 0, err
    assert "a PDF, AES-256" in out
    assert "1 evidence file(s) are listed with their SHA-256 but not inside the PDF" in out
    [line] = [x for x in out.splitlines() if x.startswith("Passphrase")]
    secret = line.rsplit(" ", 1)[1]
    assert sorted(p.name for p in out_file.parent.iterdir()) == ["case.pdf"], "no temp file left"
    assert OTTOLINE.encode() not in out_file.read_bytes()
    shown = subprocess.run(["pdftotext", "-upw", secret, str(out_file), "-"],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert ids[0] in shown and OTTOLINE in " ".join(shown.split())
    refused = subprocess.run(["pdftotext", "-upw", "not-it", str(out_file), "-"],
                             capture_output=True, text=True)  # fmt: skip
    assert refused.returncode != 0
    casebook = session.unlock(path, PASS)
    try:
        exports = [e for e in casebook.audit_log() if e.action == "export"]
    finally:
        session.lock(casebook)
    assert [e.detail for e in exports] == ["case file as pdf"]
    # A PDF has no public-key mode and is not a transfer pack: exit 2, nothing written.
    other = tmp_path / "other.pdf"
    for extra in (["--recipient", key[1]], ["--generate-passphrase", "--transfer-to", "KHA"]):
        code, _, err = run("export", ids[0], "--out", str(other), "--format", "pdf", *extra,
                           *common, stdin=PASS)  # fmt: skip
        assert code == 2 and "dsl-tui:" in err
    assert not other.exists()
