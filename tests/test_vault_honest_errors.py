"""Honest errors and bounded work (issue #13 finding 9): an edited header is tampering (exit 5),
never a wrong passphrase (exit 3) nor a counted failed unlock; and when the vault fails its check,
the search for a good backup tries a few likely ones within a budget, whatever is planted."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    PASSPHRASE,
    body_range,
    header_json,
    make_vault,
    rewrite_header,
    run_cli,
    state_dir,
    vault_path,
)

from dsl_tui import session
from dsl_tui.errors import VaultTampered, WrongPassphrase
from dsl_tui.vault import Vault, loader, recovery
from dsl_tui.vault.kdf import FLOOR_ITERATIONS, FLOOR_MEMORY_KIB, KdfParams


def _edited(raw: bytes, edit: str) -> bytes:
    header = json.loads(header_json(raw))
    if edit == "memory":
        header["kdf"]["memory_kib"] *= 2
    elif edit == "iterations":
        header["kdf"]["iterations"] += 1
    else:
        slot_id = header["slots"][0]["id"]
        header["slots"][0]["id"] = slot_id[::-1] if slot_id[::-1] != slot_id else "0" * 16
    return rewrite_header(raw, json.dumps(header).encode())


@pytest.mark.parametrize("edit", ["memory", "iterations", "slot id"])
def test_an_edited_header_is_tampering_not_a_wrong_passphrase(vault_path: Path, edit: str) -> None:
    with make_vault(vault_path, docs=2) as vault:
        vault.db.table("notes").insert({"text": "after create"})
    raw = vault_path.read_bytes()
    vault_path.write_bytes(_edited(raw, edit))
    proc = run_cli("verify", "--vault", str(vault_path), "--passphrase-stdin",
                   stdin=PASSPHRASE + "\n")  # fmt: skip
    assert proc.returncode == 5, proc.stderr
    assert "header was edited" in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(VaultTampered):
        session.unlock(vault_path, PASSPHRASE)
    assert session.failed_attempts(vault_path) == 0, "tampering is not a failed unlock"
    # The real vault put back opens, and a wrong passphrase is still counted as one.
    vault_path.write_bytes(raw)
    with pytest.raises(WrongPassphrase):
        session.unlock(vault_path, "not the passphrase at all 9")
    assert session.failed_attempts(vault_path) == 1


def test_an_edit_is_known_from_the_backups_when_this_computer_forgot(
    vault_path: Path, state_dir: Path
) -> None:
    make_vault(vault_path).close()
    for item in state_dir.iterdir():
        item.unlink()
    vault_path.write_bytes(_edited(vault_path.read_bytes(), "memory"))
    with pytest.raises(VaultTampered, match="header was edited"):
        Vault.open(vault_path, PASSPHRASE)


def _plant_costly_backups(vault_path: Path, raw: bytes, count: int) -> list[Path]:
    """Backups of this vault's id, newer than any real one, asking for 1 GiB x 10 iterations."""
    header = json.loads(header_json(raw))
    header["kdf"]["memory_kib"] = 1 << 20
    header["kdf"]["iterations"] = 10
    header["generation"] += 1000
    planted = rewrite_header(raw, json.dumps(header).encode())
    paths = []
    for i in range(count):
        path = vault_path.parent / "backups" / f"vault.dsl.29990101T00000{i}000000Z.g9999.aa.bak"
        path.write_bytes(planted)
        paths.append(path)
    return paths


def test_trying_backups_is_bounded_however_many_are_planted(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review planted five backups asking for costly key derivation: one unlock took 31 s.
    Now at most three backups are tried, those with the vault's own key settings first, and no
    derivation beyond the budget is ever started."""
    with make_vault(vault_path, docs=2) as vault:
        genuine = vault.backup()
    raw = vault_path.read_bytes()
    _plant_costly_backups(vault_path, raw, 5)
    damaged = bytearray(raw)
    damaged[body_range(raw)[0] + 20] ^= 0xFF
    vault_path.write_bytes(bytes(damaged))

    derived: list[KdfParams] = []
    real_derive = loader.derive_key

    def spy(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
        derived.append(params)
        if params.memory_kib > FLOOR_MEMORY_KIB or params.iterations > FLOOR_ITERATIONS:
            return bytes(32)  # what a costly run would give: a key that opens nothing
        return real_derive(passphrase, salt, params)

    tried: list[Path] = []
    real_read = recovery.read_file

    def counting_read(path: Path) -> bytes:
        tried.append(path)
        return real_read(path)

    monkeypatch.setattr(loader, "derive_key", spy)
    monkeypatch.setattr(recovery, "read_file", counting_read)
    started = time.monotonic()
    with pytest.raises(VaultTampered) as caught:
        Vault.open(vault_path, PASSPHRASE)
    elapsed = time.monotonic() - started
    assert all(p == KdfParams.floor() for p in derived), derived
    assert len(tried) <= recovery.TRY_BACKUPS
    assert str(genuine.parent) in caught.value.message
    assert elapsed < recovery.SEARCH_SECONDS


def test_the_search_stops_at_its_deadline(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_vault(vault_path) as vault:
        for _ in range(3):
            vault.db.table("notes").insert({"text": "another save"})
            vault.backup()
    raw = vault_path.read_bytes()
    damaged = bytearray(raw)
    damaged[body_range(raw)[0] + 20] ^= 0xFF
    vault_path.write_bytes(bytes(damaged))
    monkeypatch.setattr(recovery, "SEARCH_SECONDS", -1.0)
    with pytest.raises(VaultTampered, match="no good backup was found"):
        Vault.open(vault_path, PASSPHRASE)
