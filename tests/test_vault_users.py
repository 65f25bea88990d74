"""Key slots: deputies, passphrase changes, and removal that rotates the data key."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    DEPUTY,
    DEPUTY_PASSPHRASE,
    NAME,
    PASSPHRASE,
    header_json,
    make_vault,
    state_dir,
    vault_path,
)

from dsl_tui.errors import NotFound, UsageError, WeakPassphrase, WrongPassphrase
from dsl_tui.vault import Vault, state

THIRD = "Sam Okonkwo-Test"
THIRD_PASSPHRASE = "velvet kettle meadow 19"


def test_deputy_opens_with_their_own_passphrase(vault_path: Path) -> None:
    with make_vault(vault_path, docs=2) as vault:
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
        assert [(u.name, u.role) for u in vault.users()] == [(NAME, "DSL"), (DEPUTY, "deputy DSL")]
    with Vault.open(vault_path, DEPUTY_PASSPHRASE) as deputy:
        assert (deputy.user, deputy.role) == (DEPUTY, "deputy DSL")
        assert len(deputy.db.table("notes")) == 2
    assert b"Riley" not in vault_path.read_bytes()


def test_the_last_slot_that_opened_is_tried_first(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_vault(vault_path) as vault:
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
    Vault.open(vault_path, DEPUTY_PASSPHRASE).close()
    from dsl_tui.vault import loader

    calls = []
    real = loader.derive_key
    monkeypatch.setattr(loader, "derive_key", lambda *a: calls.append(1) or real(*a))
    Vault.open(vault_path, DEPUTY_PASSPHRASE).close()
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, "not anybody's passphrase")
    assert len(calls) == 2, "a wrong passphrase costs one KDF per slot"


def test_weak_and_duplicate_users_are_refused(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        with pytest.raises(WeakPassphrase, match="12 characters"):
            vault.add_user(DEPUTY, "short")
        with pytest.raises(UsageError):
            vault.add_user(NAME.upper(), DEPUTY_PASSPHRASE)
        with pytest.raises(UsageError):
            vault.add_user("  ", DEPUTY_PASSPHRASE)
        assert len(vault.users()) == 1


def test_change_passphrase_rotates_the_data_key_and_keeps_the_other_users_passphrase(
    vault_path: Path,
) -> None:
    with make_vault(vault_path, docs=1) as vault:
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
        before = json.loads(header_json(vault_path.read_bytes()))
        done = vault.change_passphrase(THIRD_PASSPHRASE)
        after = json.loads(header_json(vault_path.read_bytes()))
        assert done.finished and not vault.rotation_under_way
    assert before["key_id"] != after["key_id"], "a new passphrase brings a new data key"
    assert [s["id"] for s in before["slots"]] == [s["id"] for s in after["slots"]]
    assert before["slots"][1]["salt"] == after["slots"][1]["salt"], "the deputy's KDF is untouched"
    assert before["slots"][1]["wrapped"] != after["slots"][1]["wrapped"], "sealed to the new key"
    assert before["slots"][0]["salt"] != after["slots"][0]["salt"]
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, PASSPHRASE)
    with Vault.open(vault_path, THIRD_PASSPHRASE) as vault:
        assert vault.user == NAME and len(vault.db.table("notes")) == 1
    Vault.open(vault_path, DEPUTY_PASSPHRASE).close()


def test_remove_user_rotates_the_key_and_keeps_others_passphrases(vault_path: Path) -> None:
    with make_vault(vault_path, docs=3) as vault:
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
        vault.add_user(THIRD, THIRD_PASSPHRASE)
        blob_id, _ = vault.put_blob(b"evidence before the removal")
        old_key_id = json.loads(header_json(vault_path.read_bytes()))["key_id"]
        old_blob = (vault_path.parent / "blobs" / f"{blob_id}.blob").read_bytes()
        vault.remove_user(DEPUTY)
        header = json.loads(header_json(vault_path.read_bytes()))
        assert header["key_id"] != old_key_id
        assert len(header["slots"]) == 2
        assert [u.name for u in vault.users()] == [NAME, THIRD]
        assert vault._meta["old_keys"] == {}, "no old key is kept once blobs are re-encrypted"
        assert (vault_path.parent / "blobs" / f"{blob_id}.blob").read_bytes() != old_blob
        assert vault.get_blob(blob_id) == b"evidence before the removal"
        assert vault.verify() == []
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, DEPUTY_PASSPHRASE)
    for passphrase in (PASSPHRASE, THIRD_PASSPHRASE):
        with Vault.open(vault_path, passphrase) as vault:
            assert len(vault.db.table("notes")) == 3
            assert vault.get_blob(blob_id) == b"evidence before the removal"


def test_removing_the_last_user_or_yourself_is_refused(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        with pytest.raises(UsageError, match="last user"):
            vault.remove_user(NAME)
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
        with pytest.raises(UsageError, match="yourself"):
            vault.remove_user(NAME)
        with pytest.raises(NotFound):
            vault.remove_user("Nobody Atall")
        assert len(vault.users()) == 2


def test_local_state_holds_no_names(vault_path: Path, state_dir: Path) -> None:  # noqa: F811
    with make_vault(vault_path) as vault:
        vault_id = vault.vault_id
    assert state.remembered(vault_id)["last_slot"]
    text = "".join(p.read_text() for p in state_dir.rglob("*") if p.is_file())
    assert NAME not in text
