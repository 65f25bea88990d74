"""A hostile transfer pack against a real vault: it may not overwrite a local case, smuggle odd ids
in, or leave anything behind when refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_export import worked_case
from helpers_security import OSC_TITLE, case_zip, hostile_document, seal_to_key, without_evidence

from dsl_tui import session
from dsl_tui.errors import DslError
from dsl_tui.export import import_case_file, keygen

PASSPHRASE = "plum orchard lantern seven"


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, Path]]:
    """(casebook with one worked case, its id, the receiving school's key file)."""
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    casebook = session.create(tmp_path / "v" / "vault.dsl", "Imogen Threlkeld", "DSL", PASSPHRASE)
    case_id = worked_case(casebook)
    key = tmp_path / "school.key"
    keygen(key)
    yield casebook, case_id, key
    casebook.lock()


def _pack(tmp_path: Path, key: Path, document: dict[str, Any]) -> Path:
    return seal_to_key(case_zip(document), key, tmp_path / "pack.age")


def test_a_pack_reusing_a_local_case_id_never_overwrites_the_local_case(
    receiver: tuple[Any, str, Path], tmp_path: Path
) -> None:
    casebook, case_id, key = receiver
    before = casebook.case(case_id, view=False)
    document = without_evidence(hostile_document())
    document["cases"][0]["id"] = case_id
    result = import_case_file(casebook, _pack(tmp_path, key, document), identity=key)
    assert result.case_ids and case_id not in result.case_ids
    assert casebook.case(case_id, view=False) == before
    assert casebook.verify_audit() == []


@pytest.mark.parametrize(
    ("where", "bad_id"),
    [("case", f"SRA-1{OSC_TITLE}"), ("case", "../../etc/passwd"), ("case", "a b"),
     ("case", ""), ("note", "n1\x1b[2J"), ("person", "p/1")],
)  # fmt: skip
def test_ids_that_dsl_tui_never_makes_are_refused_and_nothing_is_written(
    receiver: tuple[Any, str, Path], tmp_path: Path, where: str, bad_id: str
) -> None:
    casebook, _, key = receiver
    document = without_evidence(hostile_document())
    record = document["cases"][0]
    if where == "case":
        record["id"] = bad_id
    elif where == "note":
        record["notes"][0]["id"] = bad_id
    else:
        record["people"][0]["id"] = bad_id
    ids_before = casebook.case_ids()
    with pytest.raises(DslError) as caught:
        import_case_file(casebook, _pack(tmp_path, key, document), identity=key)
    assert caught.value.exit_code == 5 and OSC_TITLE not in caught.value.message
    assert casebook.case_ids() == ids_before


@pytest.mark.parametrize("blob", ["local", "../../vault.dsl"])
def test_an_imported_evidence_record_never_points_at_a_local_file(
    receiver: tuple[Any, str, Path], tmp_path: Path, blob: str
) -> None:
    """A pack naming a blob id (another case's screenshot, or a path) gets no access to it."""
    casebook, case_id, key = receiver
    local = casebook.case(case_id, view=False).evidence[0].blob_id
    document = without_evidence(hostile_document())
    document["cases"][0]["evidence"][0]["blob_id"] = local if blob == "local" else blob
    result = import_case_file(casebook, _pack(tmp_path, key, document), identity=key)
    imported = casebook.case(result.case_ids[0], view=False)
    assert all(item.blob_id != local and item.blob_id != blob for item in imported.evidence)
