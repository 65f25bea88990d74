"""A snapshot written in pieces (so a compaction in a worker thread lets the UI run between
pieces) is byte for byte the snapshot written in one go: same JSON text, same AES-GCM seal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_security import fuzz_settings
from helpers_vault import PASSPHRASE, make_vault, state_dir, vault_path  # noqa: F401 - fixtures
from hypothesis import given
from hypothesis import strategies as st

from dsl_tui.vault import Vault, header, pieces
from dsl_tui.vault.header import encode_snapshot, encode_snapshot_pieces, parse_snapshot

TRICKY = 'quote " backslash \\ tab \t nul \x00 é ß 日本 \U0001f600 \u2028 \ud800 end'


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("ascii")


@pytest.fixture
def tiny_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few characters, so every split (inside strings, between entries) is hit;
    the document, its tables map and the packed audit stay "small" (walked into)."""
    monkeypatch.setattr(pieces, "PIECE_BYTES", 7)
    monkeypatch.setattr(pieces, "ENTRIES_PER_CALL", 4)
    monkeypatch.setattr(pieces, "CHARS_PER_CALL", 3)


def _document() -> dict[str, object]:
    notes = {
        str(i): {"case_id": f"C-{i % 7}", "text": TRICKY * (i % 3), "n": i / 3} for i in range(50)
    }
    return {
        "meta": {"users": {"ab12": {"name": "Mx Example Person", "role": "DSL"}}, "old_keys": {}},
        "tables": {"notes": notes, "cases": {}, "steps": {"1": {"done": True, "at": None}}},
        "packed": {"audit": {"text": TRICKY * 40 + json.dumps(notes), "next_id": 9, "ops": [1]}},
    }


def test_a_document_in_pieces_joins_to_json_dumps(tiny_pieces: None) -> None:
    document = _document()
    parts = pieces.json_pieces(document)
    assert len(parts) > 20, "it really was cut into pieces"
    assert b"".join(parts) == dumps(document)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=40,
)


@fuzz_settings(200)
@given(value=json_values)
def test_any_json_value_in_pieces_joins_to_json_dumps(value: object) -> None:
    saved = (pieces.PIECE_BYTES, pieces.ENTRIES_PER_CALL, pieces.CHARS_PER_CALL)
    pieces.PIECE_BYTES, pieces.ENTRIES_PER_CALL, pieces.CHARS_PER_CALL = 5, 2, 2
    try:
        assert b"".join(pieces.json_pieces(value)) == dumps(value)  # type: ignore[arg-type]
    finally:
        pieces.PIECE_BYTES, pieces.ENTRIES_PER_CALL, pieces.CHARS_PER_CALL = saved


def test_a_snapshot_sealed_in_pieces_is_the_snapshot_sealed_at_once(
    vault_path: Path,  # noqa: F811 - fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with make_vault(vault_path) as vault:
        made, key = vault._header, vault._data_key
        monkeypatch.setattr(header.os, "urandom", lambda n: b"\x05" * n)
        body = dumps(_document())
        whole = encode_snapshot(made, key, body)
        parts, seed = encode_snapshot_pieces(made, key, [body[:10], body[10:4000], body[4000:]])
    assert b"".join(parts) == whole
    assert seed == parse_snapshot(whole).chain_seed


def test_a_compaction_writes_a_vault_that_opens_with_the_same_documents(
    vault_path: Path,  # noqa: F811 - fixture
    tiny_pieces: None,
) -> None:
    with make_vault(vault_path, docs=3) as vault:
        vault.db.table("notes").insert({"text": TRICKY})
        expected = {
            name: [dict(d) for d in vault.db.table(name).all()] for name in vault.db.tables()
        }
        vault._rewrite(vault._header, vault._data_key, vault._meta)
        vault.db.table("notes").insert({"text": "after the compaction, in the journal"})
        expected["notes"].append({"text": "after the compaction, in the journal"})
    with Vault.open(vault_path, PASSPHRASE) as again:
        got = {name: [dict(d) for d in again.db.table(name).all()] for name in again.db.tables()}
        assert got == expected
        assert again.verify() == []


def test_drain_empties_every_table() -> None:
    tables: dict[str, dict[str, object]] = {"a": {"1": {"x": 1}, "2": {}}, "b": {}}
    kept = tables["a"]
    pieces.drain(tables)
    assert tables == {} and kept == {}
