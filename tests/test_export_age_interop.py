"""Case files work with the standard ``age`` tool both ways, and the manifest checks with sha256sum.

``age`` reads passphrases from the terminal only, so those runs happen under a pseudo-terminal
(python's ``pty``), answering each "passphrase" prompt as a person would.
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers_export import fake_casebook

from dsl_tui import cli
from dsl_tui.export import export_cases, keygen, load_identities, open_case_file, package
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.casefile_json import dumps
from dsl_tui.export.exporter import build_document
from dsl_tui.export.importer import HTML_NAME, JSON_NAME

pytestmark = pytest.mark.skipif(
    shutil.which("age") is None, reason="the age binary is not installed (apt-get install age)"
)


def run_with_tty(argv: list[str], answers: list[str]) -> tuple[int, bytes]:
    """Run ``argv`` on a pseudo-terminal, typing one answer at each "passphrase" prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes age
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    output = b""
    sent = 0
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if sent < len(answers) and output.lower().count(b"passphrase") > sent:
            os.write(fd, answers[sent].encode() + b"\r")
            sent += 1
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def _extract(zip_path: Path, into: Path) -> None:
    into.mkdir()
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)


def test_age_decrypts_an_export_and_sha256sum_checks_the_manifest(tmp_path: Path) -> None:
    key = tmp_path / "manager.key"
    public = keygen(key)
    export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "c.age", recipients=[public])
    subprocess.run(
        ["age", "-d", "-i", str(key), "-o", str(tmp_path / "c.zip"), str(tmp_path / "c.age")],
        check=True,
        capture_output=True,
    )
    _extract(tmp_path / "c.zip", tmp_path / "out")
    checked = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path / "out", capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 3  # html, json and the evidence file


def test_age_decrypts_a_passphrase_export(tmp_path: Path) -> None:
    secret = "harbour-lantern-quill-5521"
    export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "p.age", passphrase=secret)
    code, _ = run_with_tty(
        ["age", "-d", "-o", str(tmp_path / "p.zip"), str(tmp_path / "p.age")], [secret]
    )
    assert code == 0
    expected = package.decrypt((tmp_path / "p.age").read_bytes(), passphrase=secret)
    assert (tmp_path / "p.zip").read_bytes() == expected


def _payload_zip(path: Path) -> None:
    """A valid case-file zip, written in clear (test data only) for age to encrypt."""
    now = datetime(2026, 4, 1, tzinfo=UTC)
    document, evidence = build_document(
        fake_casebook(), [fake_casebook().case("SRA-2026-0001")], now=now
    )
    files = {HTML_NAME: render_html(document).encode(), JSON_NAME: dumps(document), **evidence}
    path.write_bytes(package.build_zip(files, now))


def test_a_file_made_by_age_with_a_key_is_read_by_open_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "manager.key"
    public = keygen(key)
    _payload_zip(tmp_path / "payload.zip")
    subprocess.run(
        ["age", "-r", public, "-o", str(tmp_path / "by-age.age"), str(tmp_path / "payload.zip")],
        check=True,
    )
    code = cli.main(["open", str(tmp_path / "by-age.age"), "--identity", str(key), "--check"])
    out = capsys.readouterr().out
    assert code == 0 and "Case file verified" in out and "SRA-2026-0001" in out


def test_a_file_made_by_age_with_a_passphrase_is_read(tmp_path: Path) -> None:
    _payload_zip(tmp_path / "payload.zip")
    secret = "meadow-copper-violin-8830"
    code, _ = run_with_tty(
        ["age", "-p", "-o", str(tmp_path / "pp.age"), str(tmp_path / "payload.zip")],
        [secret, secret],
    )
    assert code == 0
    opened = open_case_file(tmp_path / "pp.age", passphrase=secret)
    assert opened.cases[0][0].id == "SRA-2026-0001"


def test_age_identity_files_from_age_keygen_work_here(tmp_path: Path) -> None:
    subprocess.run(["age-keygen", "-o", str(tmp_path / "k.txt")], check=True, capture_output=True)
    [identity] = load_identities(tmp_path / "k.txt")
    export_cases(
        fake_casebook(),
        ["SRA-2026-0001"],
        tmp_path / "c.age",
        recipients=[str(identity.to_public())],
    )
    assert open_case_file(tmp_path / "c.age", identity=tmp_path / "k.txt").cases
