"""Integrity: any damage to header, snapshot or journal is refused and nothing is written."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    DEPUTY,
    DEPUTY_PASSPHRASE,
    PASSPHRASE,
    body_range,
    header_end,
    header_json,
    journal_records,
    make_vault,
    rewrite_header,
    state_dir,
    vault_path,
)

from dsl_tui.errors import VaultTampered, WrongPassphrase
from dsl_tui.vault import Vault


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def _vault_with_journal(path: Path, records: int = 4) -> bytes:
    vault = make_vault(path)
    for i in range(records):
        vault.db.table("notes").insert({"text": f"journal note {i}"})
    vault.close()
    return path.read_bytes()


def _assert_refused(
    path: Path, data: bytes, error: type[Exception] = VaultTampered, passphrase: str = PASSPHRASE
) -> None:
    path.write_bytes(data)
    before = _snapshot(path.parent)
    with pytest.raises(error):
        Vault.open(path, passphrase)
    assert _snapshot(path.parent) == before, "a refused vault must leave every file untouched"


@pytest.mark.slow
def test_every_header_byte_flip_is_tampering(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    # Without backups no KDF runs in the search for a good one, so every byte can be tried fast.
    shutil.rmtree(vault_path.parent / "backups")
    before = _snapshot(vault_path.parent)
    for pos in range(header_end(raw) + 8):
        damaged = bytearray(raw)
        damaged[pos] ^= 0x01
        vault_path.write_bytes(bytes(damaged))
        with pytest.raises(VaultTampered):
            Vault.open(vault_path, PASSPHRASE)
    vault_path.write_bytes(raw)
    assert _snapshot(vault_path.parent) == before


@pytest.mark.slow
def test_body_byte_flips_are_tampering(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    start, end = body_range(raw)
    rng = random.Random(7)
    for pos in [start, start + 5, start + 12, end - 1, end - 16] + rng.sample(range(start, end), 5):
        damaged = bytearray(raw)
        damaged[pos] ^= 0x80
        _assert_refused(vault_path, bytes(damaged))


@pytest.mark.slow
def test_journal_byte_flips_are_tampering_even_in_the_last_record(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    records = journal_records(raw)
    assert len(records) == 4
    rng = random.Random(11)
    for start, end in (records[0], records[2], records[-1]):
        for pos in (start, start + 3, start + 4, start + 9, end - 1, rng.randrange(start, end)):
            damaged = bytearray(raw)
            damaged[pos] ^= 0x04
            _assert_refused(vault_path, bytes(damaged))


def test_removed_or_reordered_journal_records_are_tampering(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    (a0, a1), (b0, b1), (c0, c1), (d0, d1) = journal_records(raw)
    _assert_refused(vault_path, raw[:b0] + raw[c0:])  # one removed from the middle
    _assert_refused(vault_path, raw[:a0] + raw[b0:b1] + raw[a0:a1] + raw[c0:])  # swapped


def test_journal_from_another_snapshot_is_tampering(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    snapshot_end = journal_records(raw)[0][0]
    with Vault.open(vault_path, PASSPHRASE) as vault:
        vault._rewrite(vault._header, vault._data_key, vault._meta)
        vault.db.table("notes").insert({"text": "after compaction"})
    newer = vault_path.read_bytes()
    newer_snapshot_end = journal_records(newer)[0][0]
    _assert_refused(vault_path, raw[:snapshot_end] + newer[newer_snapshot_end:])


@pytest.mark.parametrize("where", ["header", "body"])
def test_truncation_is_tampering(vault_path: Path, where: str) -> None:
    raw = _vault_with_journal(vault_path, records=0)
    start, end = body_range(raw)
    cut = header_end(raw) - 10 if where == "header" else (start + end) // 2
    _assert_refused(vault_path, raw[:cut])
    _assert_refused(vault_path, raw[: end - 1])


def test_torn_journal_tail_is_dropped_not_fatal(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    last_start, last_end = journal_records(raw)[-1]
    for torn in (
        raw[: last_start + 3],
        raw[: last_end - 5],
        raw[:last_start] + bytes(last_end - last_start),
        raw[: last_end - 16] + bytes(16),
    ):
        vault_path.write_bytes(torn)
        with Vault.open(vault_path, PASSPHRASE) as vault:
            assert vault.torn_tail_dropped
            texts = [d["text"] for d in vault.db.table("notes").all()]
            assert texts == [f"journal note {i}" for i in range(3)]
            vault.db.table("notes").insert({"text": "after the crash"})
        with Vault.open(vault_path, PASSPHRASE) as vault:
            assert not vault.torn_tail_dropped
            assert len(vault.db.table("notes")) == 4


def test_wrong_passphrase(vault_path: Path) -> None:
    make_vault(vault_path).close()
    _assert_refused(vault_path, vault_path.read_bytes(), WrongPassphrase, DEPUTY_PASSPHRASE)
    _assert_refused(vault_path, vault_path.read_bytes(), WrongPassphrase, PASSPHRASE.upper())


def _two_user_vault(path: Path) -> bytes:
    vault = make_vault(path)
    vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
    vault.close()
    return path.read_bytes()


def test_swapped_slot_keys_are_refused(vault_path: Path) -> None:
    raw = _two_user_vault(vault_path)
    header = json.loads(header_json(raw))
    one, two = header["slots"]
    for field in ("wrapped", "private"):
        swapped = json.loads(json.dumps(header))
        swapped["slots"][0][field], swapped["slots"][1][field] = two[field], one[field]
        forged = rewrite_header(raw, json.dumps(swapped).encode())
        for passphrase in (PASSPHRASE, DEPUTY_PASSPHRASE):
            vault_path.write_bytes(forged)
            with pytest.raises((WrongPassphrase, VaultTampered)):
                Vault.open(vault_path, passphrase)
        # The same swap without recomputing the checksum is plain damage.
        text = (
            header_json(raw)
            .replace(one[field].encode(), b"#")
            .replace(two[field].encode(), one[field].encode())
            .replace(b"#", two[field].encode())
        )
        assert text != header_json(raw)
        _assert_refused(vault_path, raw.replace(header_json(raw), text))


def test_slot_from_another_vault_is_refused(vault_path: Path, tmp_path: Path) -> None:
    raw = _two_user_vault(vault_path)
    other_path = tmp_path / "other" / "vault.dsl"
    make_vault(other_path).close()
    other = json.loads(header_json(other_path.read_bytes()))
    header = json.loads(header_json(raw))
    header["slots"][0] = other["slots"][0]
    _assert_refused(vault_path, rewrite_header(raw, json.dumps(header).encode()), WrongPassphrase)


def test_forged_header_with_valid_checksum_fails_body_authentication(vault_path: Path) -> None:
    raw = _two_user_vault(vault_path)
    header = json.loads(header_json(raw))
    header["generation"] += 5
    _assert_refused(vault_path, rewrite_header(raw, json.dumps(header).encode()))
    header = json.loads(header_json(raw))
    del header["slots"][1]
    _assert_refused(vault_path, rewrite_header(raw, json.dumps(header).encode()))


def test_tamper_message_names_the_newest_good_backup(vault_path: Path) -> None:
    raw = _vault_with_journal(vault_path)
    with Vault.open(vault_path, PASSPHRASE) as vault:
        newest = vault.backup()
    damaged = bytearray(raw)
    damaged[body_range(raw)[0] + 20] ^= 0xFF
    vault_path.write_bytes(bytes(damaged))
    with pytest.raises(VaultTampered) as caught:
        Vault.open(vault_path, PASSPHRASE)
    assert str(newest) in caught.value.message
    assert vault_path.read_bytes() == bytes(damaged)


@pytest.mark.slow
def test_every_byte_of_the_file_is_authenticated(vault_path: Path) -> None:
    """Exhaustive: flip each byte of a small vault (header, snapshot, every journal record) and
    decode it as open does, with the session's key (no KDF, so every byte can be tried)."""
    from dsl_tui.vault.loader import load

    vault = make_vault(vault_path)
    for i in range(3):
        vault.db.table("notes").insert({"text": f"journal note {i}"})
    key = vault._data_key
    raw = vault_path.read_bytes()
    vault.close()
    assert len(journal_records(raw)) == 3
    for pos in range(len(raw)):
        damaged = bytearray(raw)
        damaged[pos] ^= 0x20
        with pytest.raises(VaultTampered):
            load(bytes(damaged), None, data_key=key)
    # Cutting the file: inside header or snapshot is tampering; inside the journal only the
    # records before the cut survive (a torn tail), never a partial one.
    snapshot_end = journal_records(raw)[0][0]
    for cut in range(len(raw)):
        if cut < snapshot_end:
            with pytest.raises(VaultTampered):
                load(raw[:cut], None, data_key=key)
        else:
            loaded = load(raw[:cut], None, data_key=key)
            whole = sum(1 for _, end in journal_records(raw) if end <= cut)
            assert loaded.records == whole
