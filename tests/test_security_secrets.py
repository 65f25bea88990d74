"""Secrets stay secret: the passphrase and the data key never reach a file, a log, an audit entry,
an error message or a traceback; a locked session holds no key and no case.

A canary passphrase and a canary pupil name are searched for, as bytes, in every file the app
wrote. What Python cannot promise about memory is written down in SECURITY.md.
"""

from __future__ import annotations

import base64
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest
from helpers_export import answers_for
from helpers_security import CANARY_PASSPHRASE, run_cli

from dsl_tui import session
from dsl_tui.errors import DslError, WrongPassphrase
from dsl_tui.export import export_cases
from dsl_tui.model import ConcernReport, NewPerson, NoteKind, PersonRole

PUPIL = "Zephyrine Quillfeather-Oduya"


def _encodings(secret: str | bytes) -> list[bytes]:
    """How a secret could appear in a file: raw, UTF-16, hex, base64."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    found = [raw, raw.hex().encode(), base64.b64encode(raw)]
    if isinstance(secret, str):
        found += [secret.encode("utf-16-le"), secret.encode("unicode_escape")]
    return found


def _every_file(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class _Records(logging.Handler):
    """Every log record, at every level, from every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A full session with the canary passphrase: a case, a note, evidence, a user added and
    removed (key rotation), a backup, an export, a wrong passphrase, an unlock. Returns (folder,
    data keys seen, the WrongPassphrase error, the audit entries, the log records)."""
    tmp_path = tmp_path_factory.mktemp("secrets")
    handler = _Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
            result = _work(tmp_path)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return (*result, handler.records)


def _work(tmp_path: Path) -> tuple[Path, list[bytes], WrongPassphrase, list[str]]:
    path = tmp_path / "vault" / "vault.dsl"
    casebook = session.create(path, "Imogen Threlkeld", "DSL", CANARY_PASSPHRASE)
    keys = [casebook.vault._data_key]
    report = ConcernReport(
        school="sra", reporter="Gideon Hartley", summary=f"{PUPIL} was sent unkind messages.",
        people=(NewPerson(PersonRole.PUPIL, PUPIL, "7"),),
    )  # fmt: skip
    case = casebook.log_concern(report, answers_for(casebook))
    casebook.add_note(case.id, f"{PUPIL} showed me the chat.", NoteKind.FACT)
    data = f"PNG {PUPIL}".encode()
    casebook.add_evidence(case.id, "Screenshot", "chat", data=data, filename="a.png",
                          not_an_image_of_a_child=True)  # fmt: skip
    casebook.vault.add_user("Rowan Pike", "granite heron umbrella 42")
    casebook.vault.remove_user("Rowan Pike")  # rotates the data key
    keys.append(casebook.vault._data_key)
    casebook.vault.backup()
    (tmp_path / "export").mkdir()
    out = tmp_path / "export" / "case.age"
    export_cases(casebook, [case.id], out, passphrase=CANARY_PASSPHRASE)
    session.lock(casebook)
    try:
        session.unlock(path, CANARY_PASSPHRASE + " typo")
    except WrongPassphrase as err:
        wrong = err
    again = session.unlock(path, CANARY_PASSPHRASE)
    audit = [repr(entry) for entry in again.audit_log()]
    session.lock(again)
    return tmp_path, keys, wrong, audit


def test_no_file_holds_the_passphrase_the_data_key_or_case_text(worked: Any) -> None:
    folder, keys, _, _, _ = worked
    files = _every_file(folder)
    assert any(p.suffix == ".bak" for p in files) and any(p.suffix == ".age" for p in files)
    for path, data in files.items():
        for secret in [CANARY_PASSPHRASE, PUPIL, *keys]:
            for form in _encodings(secret):
                assert form not in data, f"{secret!r:.20} found in {path.name}"


def test_no_log_record_or_audit_entry_holds_the_passphrase(worked: Any) -> None:
    _, keys, _, audit, records = worked
    text = "\n".join(r.getMessage() for r in records) + "\n".join(audit)
    assert CANARY_PASSPHRASE not in text and "typo" not in text
    assert all(form.decode("latin-1") not in text for key in keys for form in _encodings(key))


def test_a_wrong_passphrase_error_and_its_traceback_hold_no_secret(worked: Any) -> None:
    _, _, error, _, _ = worked
    assert error.exit_code == 3
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "dsl_tui" in f.filename]
    shown = "".join(f"{f.line}\n" for f in frames) + str(error) + repr(error.args)
    assert CANARY_PASSPHRASE not in shown and "typo" not in shown
    assert error.__cause__ is None  # raised "from None" or fresh: no chained frames to leak


def test_the_cli_never_echoes_a_passphrase(tmp_path: Path) -> None:
    env = {"DSL_TUI_STATE": str(tmp_path / "state")}
    vault = str(tmp_path / "vault.dsl")
    made = run_cli(
        "--vault",
        vault,
        "init",
        "--user",
        "Imogen Threlkeld",
        "--passphrase-stdin",
        stdin=CANARY_PASSPHRASE + "\n",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    wrong = run_cli(
        "--vault",
        vault,
        "verify",
        "--passphrase-stdin",
        stdin=CANARY_PASSPHRASE + "x\n",
        env={**env, "DSL_TUI_DEBUG": "1"},
    )
    assert wrong.returncode == 3
    for done in (made, wrong):
        assert "quokka" not in done.stdout + done.stderr


def test_a_locked_session_holds_no_key_and_no_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What lock can promise: references dropped, keys blanked, the lock released."""
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    path = tmp_path / "vault.dsl"
    casebook = session.create(path, "Imogen Threlkeld", "DSL", CANARY_PASSPHRASE)
    report = ConcernReport(
        school="sra", reporter="Gideon Hartley", summary=f"{PUPIL} was sent unkind messages.",
        people=(NewPerson(PersonRole.PUPIL, PUPIL, "7"),),
    )  # fmt: skip
    case = casebook.log_concern(report, answers_for(casebook))
    vault = casebook.vault
    session.lock(casebook)
    assert vault.closed and vault._data_key == b"" and vault._aead is None
    assert not vault.db._tables and not vault._meta
    with pytest.raises(DslError):
        casebook.case(case.id)
