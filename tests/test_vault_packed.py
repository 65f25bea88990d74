"""The audit log stays packed (one JSON text in the snapshot) until something reads it.

Unlocking, and saving while it is packed, must not decode it; whatever is saved meanwhile must be
there when it is read, after compaction and after a reopen; a packed text that does not decode is
a clear error, never a crash.
"""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_vault import PASSPHRASE, make_vault, state_dir, vault_path  # noqa: F401

from dsl_tui import session
from dsl_tui.demo import add_demo_cases
from dsl_tui.errors import StorageError
from dsl_tui.vault import CompactionPolicy, Vault, storage
from dsl_tui.vault.loader import Loaded, load

#: Compact at every close, however small the journal.
ALWAYS = CompactionPolicy(soft_min_bytes=1, soft_ratio=0.0)


def _entry(seq: int) -> dict[str, object]:
    return {"seq": seq, "action": "view", "case_id": f"SRA-2026-{seq:04d}"}


def _on_disk(path: Path) -> Loaded:
    return load(path.read_bytes(), PASSPHRASE)


@pytest.fixture
def packed_vault(vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vault whose snapshot holds 50 audit entries (packed) and 3 cases."""
    monkeypatch.setattr(Vault, "policy", ALWAYS)
    with make_vault(vault_path) as vault:
        for seq in range(1, 51):
            vault.db.table("audit").insert(_entry(seq))
        for n in range(3):
            vault.db.table("cases").insert({"id": f"SRA-2026-{n:04d}"})
    return vault_path


def test_a_snapshot_keeps_the_audit_log_packed_and_the_rest_as_tables(packed_vault: Path) -> None:
    loaded = _on_disk(packed_vault)
    assert "audit" not in loaded.tables and len(loaded.tables["cases"]) == 3
    packed = loaded.packed["audit"]
    assert (packed.next_id, packed.ops) == (51, [])


def test_saves_while_packed_keep_their_order_and_ids_without_decoding(packed_vault: Path) -> None:
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        audit = vault.db.table("audit")
        assert [audit.insert(_entry(seq)) for seq in (51, 52, 53)] == [51, 52, 53]
        vault.db.table("cases").insert({"id": "SRA-2026-0003"})
        assert vault.db.storage.is_packed("audit"), "a save decoded the audit log"
        assert len(vault.db.table("cases")) == 4
    # Closing wrote a new snapshot without decoding the log: the saves are kept beside its text.
    loaded = _on_disk(packed_vault)
    assert [sorted(op["set"]) for op in loaded.packed["audit"].ops] == [["51"], ["52"], ["53"]]
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        entries = vault.db.table("audit").all()
        assert not vault.db.storage.is_packed("audit")
        assert [(e.doc_id, e["seq"]) for e in entries] == [(n, n) for n in range(1, 54)]
        assert vault.verify() == []


def test_a_decoded_log_is_packed_again_and_kept_operations_are_folded_in(
    packed_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "MAX_PACKED_OPS", 2)
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        for seq in (51, 52, 53):
            vault.db.table("audit").insert(_entry(seq))
        assert vault.db.storage.is_packed("audit")
    packed = _on_disk(packed_vault).packed["audit"]
    assert (packed.next_id, packed.ops) == (54, []), "three kept operations were not folded in"
    assert [d["seq"] for d in packed.decode().values()] == list(range(1, 54))


def test_a_removed_or_replaced_log_is_not_brought_back(packed_vault: Path) -> None:
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        vault.db.drop_table("audit")
        vault.db.table("audit").insert(_entry(1))
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        assert [d["seq"] for d in vault.db.table("audit").all()] == [1]


def test_a_packed_log_that_does_not_decode_is_a_clear_error(
    packed_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the snapshot's text for the log is not a table (a bug, or a key holder
    writing by hand): reading it says so, verify reports it, nothing crashes."""
    monkeypatch.setattr(storage.Packed, "of", classmethod(lambda cls, t: cls('["no"]', 99)))
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        vault.db.table("audit").all()  # decoded now, so the next snapshot packs it again (badly)
        vault.db.table("cases").insert({"id": "SRA-2026-0009"})
    with Vault.open(packed_vault, PASSPHRASE) as vault:
        assert len(vault.db.table("cases")) == 4, "the rest of the vault still opens"
        with pytest.raises(StorageError, match="audit log is not in the expected form"):
            vault.db.table("audit").all()
        assert any("audit log" in problem for problem in vault.verify())


def test_unlocking_a_casebook_leaves_its_audit_log_packed_until_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    monkeypatch.setattr(Vault, "policy", ALWAYS)
    path = tmp_path / "school.dsl"
    book = session.create(path, "Priya Ramanathan", "DSL", PASSPHRASE)
    case_ids = add_demo_cases(book, 3)
    entries = len(book.audit_log())
    session.lock(book)

    book = session.unlock(path, PASSPHRASE)
    try:
        book.add_note(case_ids[0], "Spoke to the form tutor about the group chat.")
        book.case(case_ids[1])
        assert book.vault.db.storage.is_packed("audit"), "unlock or a save decoded the log"
        log = book.audit_log()
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        assert [e.action for e in log[entries:]] == ["lock", "unlock", "change", "view"]
        assert book.verify_audit() == []
    finally:
        session.lock(book)
