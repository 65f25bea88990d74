"""The case file's format: what is inside, how it is sealed, damage versus a wrong key."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyrage
import pytest
from helpers_export import (
    EVIDENCE_BYTES,
    PARENT,
    PUPIL,
    PUPIL_2,
    STAFF,
    fake_casebook,
    sample_case,
    unzip,
)

from dsl_tui.errors import UsageError, VaultTampered, WrongPassphrase
from dsl_tui.export import (
    export_cases,
    generate_passphrase,
    keygen,
    load_identities,
    open_case_file,
    package,
)
from dsl_tui.export.casefile_json import validate
from dsl_tui.export.redact import redact_document


@pytest.fixture()
def key(tmp_path: Path) -> tuple[Path, str]:
    """A fresh senior manager's key pair: (identity file, public key)."""
    identity = tmp_path / "manager.key"
    return identity, keygen(identity)


def _payload(path: Path, identity: Path) -> dict[str, bytes]:
    data = package.decrypt(path.read_bytes(), identities=load_identities(identity))
    return unzip(data)


def test_keygen_writes_a_private_file_and_returns_the_public_key(key: tuple[Path, str]) -> None:
    identity, public = key
    assert public.startswith("age1")
    assert identity.stat().st_mode & 0o777 == 0o600
    assert str(load_identities(identity)[0].to_public()) == public
    with pytest.raises(UsageError):
        keygen(identity)  # never overwrites a key


def test_export_holds_html_json_evidence_and_a_manifest_of_them(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    identity, public = key
    book = fake_casebook()
    result = export_cases(book, ["SRA-2026-0001"], tmp_path / "case.age", recipients=[public])
    files = _payload(result.path, identity)
    assert set(files) == {
        "case-file.html",
        "case-file.json",
        "MANIFEST.sha256",
        "evidence/SRA-2026-0001-e1.png",
    }
    manifest = files["MANIFEST.sha256"].decode().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == sorted(
        n for n in files if n != "MANIFEST.sha256"
    )
    for line in manifest:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert files["evidence/SRA-2026-0001-e1.png"] == EVIDENCE_BYTES
    document = json.loads(files["case-file.json"])
    [(case, chronology)] = validate(document)
    assert case == sample_case()  # the JSON round-trips to the very same case
    assert len(chronology) == 3
    assert document["clauses"]["9.2"].startswith("The pupil will be disciplined")
    assert book.audits == [("export", "SRA-2026-0001", "case file")]
    assert result.receipt_code == package.receipt_code(result.path.read_bytes())


def test_html_escapes_every_text_and_is_self_contained(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    identity, public = key
    export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "c.age", recipients=[public])
    html = _payload(tmp_path / "c.age", identity)["case-file.html"].decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;including&gt;" in html  # clause text escaped too
    for outside in ("http://", "https://", "src=", "<link", "@import"):
        assert outside not in html
    for section in ("Chronology", "Steps and outcomes", "Evidence notes", "Decisions", "People"):
        assert section in html


def test_no_plaintext_reaches_the_destination_folder(tmp_path: Path, key: tuple[Path, str]) -> None:
    _identity, public = key
    export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "c.age", recipients=[public])
    names = sorted(os.listdir(tmp_path))
    assert names == ["c.age", "manager.key"]  # no temp file left behind
    raw = (tmp_path / "c.age").read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n")
    assert b"Amara" not in raw and b"case-file" not in raw


def test_a_failed_write_leaves_no_file_with_the_real_name(
    tmp_path: Path, key: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _identity, public = key

    def broken_replace(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package.os, "replace", broken_replace)
    with pytest.raises(Exception) as caught:
        export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "c.age", recipients=[public])
    assert "Amara" not in str(caught.value)
    assert sorted(os.listdir(tmp_path)) == ["manager.key"]


def test_evidence_that_no_longer_matches_its_hash_is_not_exported(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    _identity, public = key
    book = fake_casebook()
    book.blobs["blob1"] = b"swapped"
    with pytest.raises(VaultTampered):
        export_cases(book, ["SRA-2026-0001"], tmp_path / "c.age", recipients=[public])
    assert not (tmp_path / "c.age").exists() and book.audits == []


def test_no_evidence_leaves_files_out_but_keeps_the_records(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    identity, public = key
    export_cases(
        fake_casebook(),
        ["SRA-2026-0001"],
        tmp_path / "c.age",
        recipients=[public],
        include_evidence=False,
    )
    files = _payload(tmp_path / "c.age", identity)
    assert not [n for n in files if n.startswith("evidence/")]
    assert b"Screenshot of the chat" in files["case-file.json"]


@pytest.mark.parametrize("mode", ["pupils", "staff", "all"])
def test_redaction_leaves_no_full_name_anywhere(
    tmp_path: Path, key: tuple[Path, str], mode: str
) -> None:
    identity, public = key
    pupils, staff = mode in ("pupils", "all"), mode in ("staff", "all")
    export_cases(
        fake_casebook(),
        ["SRA-2026-0001"],
        tmp_path / "r.age",
        recipients=[public],
        redact_pupils=pupils,
        redact_staff=staff,
    )
    raw = package.decrypt((tmp_path / "r.age").read_bytes(), identities=load_identities(identity))
    files = unzip(raw)
    everything = raw.decode("latin-1") + "".join(files) + b"".join(files.values()).decode()
    hidden = ([PUPIL, PUPIL_2, PARENT, "Amara", "Okonkwo", "Theo", "Grace"] if pupils else []) + (
        [STAFF, "Whitcombe", "Priya"] if staff else []
    )
    for name in hidden:
        assert name.casefold() not in everything.casefold(), name
    assert not [n for n in files if n.startswith("evidence/")]  # files cannot be redacted
    if pupils:
        assert "A.O.B." in files["case-file.html"].decode()
        assert "2013-05-04" not in everything  # date of birth dropped
    if not staff:
        assert STAFF in files["case-file.html"].decode()


def test_transfer_pack_cannot_be_redacted(tmp_path: Path, key: tuple[Path, str]) -> None:
    with pytest.raises(UsageError):
        export_cases(
            fake_casebook(),
            ["SRA-2026-0001"],
            tmp_path / "t.age",
            recipients=[key[1]],
            redact_pupils=True,
            transfer_to="Northfield Academy",
        )


def test_bad_recipient_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    book = fake_casebook()
    with pytest.raises(UsageError):
        export_cases(book, ["SRA-2026-0001"], tmp_path / "c.age", recipients=["age1nope"])
    assert not (tmp_path / "c.age").exists() and book.audits == []


def test_wrong_key_truncated_and_tampered_files_are_told_apart(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    identity, public = key
    export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "c.age", recipients=[public])
    good = (tmp_path / "c.age").read_bytes()
    other = tmp_path / "other.key"
    keygen(other)
    with pytest.raises(WrongPassphrase) as wrong:
        open_case_file(tmp_path / "c.age", identity=other)
    assert wrong.value.exit_code == 3
    (tmp_path / "short.age").write_bytes(good[: len(good) - 40])
    (tmp_path / "flip.age").write_bytes(good[:-20] + bytes([good[-20] ^ 1]) + good[-19:])
    (tmp_path / "junk.age").write_bytes(b"PK\x03\x04 not a case file")
    for name in ("short.age", "flip.age", "junk.age"):
        with pytest.raises(VaultTampered) as bad:
            open_case_file(tmp_path / name, identity=identity)
        assert bad.value.exit_code == 5


def test_passphrase_file_round_trips_and_a_wrong_passphrase_is_exit_3(tmp_path: Path) -> None:
    secret = generate_passphrase()
    assert len(secret) == 29 and secret.count("-") == 4 and secret != generate_passphrase()
    export_cases(fake_casebook(), ["SRA-2026-0001"], tmp_path / "p.age", passphrase=secret)
    assert package.needs_passphrase((tmp_path / "p.age").read_bytes())
    opened = open_case_file(tmp_path / "p.age", passphrase=secret)
    assert opened.cases[0][0].id == "SRA-2026-0001" and opened.encrypted_with == "passphrase"
    with pytest.raises(WrongPassphrase):
        open_case_file(tmp_path / "p.age", passphrase="not-the-passphrase")


def test_a_file_sealed_for_one_key_does_not_need_all_of_them(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    identity, public = key
    second = pyrage.x25519.Identity.generate()
    export_cases(
        fake_casebook(),
        ["SRA-2026-0001"],
        tmp_path / "c.age",
        recipients=[str(second.to_public()), public],
    )
    assert open_case_file(tmp_path / "c.age", identity=identity).cases
    assert pyrage.decrypt((tmp_path / "c.age").read_bytes(), [second])


def test_an_export_the_audit_cannot_record_is_taken_back(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    book = fake_casebook()

    def refuse(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    book.audit_event = refuse  # type: ignore[method-assign]
    with pytest.raises(OSError):
        export_cases(book, ["SRA-2026-0001"], tmp_path / "c.age", recipients=[key[1]])
    assert not (tmp_path / "c.age").exists()


def test_a_role_in_brackets_is_kept_while_the_name_is_hidden() -> None:

    document = {
        "cases": [
            {
                "people": [],
                "reporter": "Inez Dunmore (IT technician)",
                "summary": "Inez Dunmore saw it on the IT suite screens.",
            }
        ]
    }
    red = redact_document(document, pupils=False, staff=True)
    assert red["cases"][0]["reporter"] == "I.D. (IT technician)"
    assert red["cases"][0]["summary"] == "I.D. saw it on the IT suite screens."


def test_export_replaces_an_old_case_file_but_never_another_file(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    book = fake_casebook()
    target = tmp_path / "c.age"
    export_cases(book, ["SRA-2026-0001"], target, recipients=[key[1]])
    first = target.read_bytes()
    export_cases(book, ["SRA-2026-0001"], target, recipients=[key[1]])
    assert target.read_bytes() != first  # a fresh file replaced the old one
    precious = tmp_path / "school.dsl"
    precious.write_bytes(b"DSLVAULT not a case file")
    with pytest.raises(UsageError):
        export_cases(book, ["SRA-2026-0001"], precious, recipients=[key[1]])
    assert precious.read_bytes() == b"DSLVAULT not a case file"


@pytest.mark.parametrize(
    ("reporter", "hidden", "shown"),
    [
        (
            "Maisie Lindqvist (pupil (self-report))",
            "Maisie Lindqvist",
            "M.L. (pupil (self-report))",
        ),
        ("Jo Bellweather, parent (by phone)", "Bellweather", "J.B., parent (by phone)"),
        ("Wren Thistlewood (Head of Year)", None, "Wren Thistlewood (Head of Year)"),
    ],
    ids=["pupil", "parent", "staff"],
)
def test_redacting_pupils_hides_a_reporter_who_is_a_pupil_or_family(
    reporter: str, hidden: str | None, shown: str
) -> None:
    """The reporter is free text ("name and role"): a pupil or a parent reporting is named nowhere
    in a pupils-redacted file; a member of staff reporting still is (staff redaction hides them)."""
    document = {
        "cases": [
            {
                "reporter": reporter,
                "people": [{"role": "pupil", "name": "Orla Brightwater"}],
                "chronology": [{"by": reporter, "text": f"Reported by {_name(reporter)}."}],
            }
        ]
    }
    redacted = redact_document(document, pupils=True, staff=False)
    case = redacted["cases"][0]
    assert case["reporter"] == shown
    text = json.dumps(redacted)
    if hidden:
        for part in [hidden, *hidden.split()]:
            assert part not in text, part
    assert "parent (by phone)" in text or "parent" not in reporter  # roles are kept


def _name(reporter: str) -> str:
    return reporter.split("(")[0].split(",")[0].strip()


def test_export_names_every_missing_evidence_file_in_one_message(tmp_path: Path) -> None:
    """Issue #13 finding 8: not just the first missing file."""
    from helpers_export import fake_casebook, sample_case

    from dsl_tui.errors import ExportError
    from dsl_tui.export import export_cases

    book = fake_casebook(sample_case("SRA-2026-0001"), sample_case("SRA-2026-0002"))
    book.blobs.clear()
    out = tmp_path / "out.age"
    with pytest.raises(ExportError) as caught:
        export_cases(book, ["SRA-2026-0001", "SRA-2026-0002"], out, passphrase="x" * 20)
    message = str(caught.value)
    assert "SRA-2026-0001 " in message and "SRA-2026-0002 " in message
    assert "2 evidence file(s)" in message and not out.exists()
