"""The journalled TinyDB storage: round trips, compaction, copies, failures that change nothing."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_vault import PASSPHRASE, make_vault, state_dir, vault_path  # noqa: F401
from hypothesis import given, settings
from hypothesis import strategies as st
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document

from dsl_tui.errors import StorageError
from dsl_tui.vault import CompactionPolicy, Vault
from dsl_tui.vault.loader import load, unpacked

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(st.text(max_size=10), json_value, max_size=5)
actions = st.lists(
    st.tuples(
        st.sampled_from(["insert", "update", "remove", "truncate", "upsert"]),
        st.sampled_from(["_default", "notes", "cases", "audit"]),  # audit: packed in snapshots
        documents,
        st.integers(0, 30),
    ),
    min_size=1,
    max_size=25,
)


def _dump(db: Any) -> dict[str, dict[int, dict[str, Any]]]:
    return {name: {d.doc_id: dict(d) for d in db.table(name).all()} for name in db.tables()}


def _apply(db: Any, action: tuple[str, str, dict[str, Any], int]) -> None:
    kind, name, doc, n = action
    table = db.table(name)
    ids = [d.doc_id for d in table.all()]
    if kind == "insert" or not ids:
        table.insert(doc)
    elif kind == "update":
        table.update(doc, doc_ids=[ids[n % len(ids)]])
    elif kind == "remove":
        table.remove(doc_ids=[ids[n % len(ids)]])
    elif kind == "upsert":
        table.upsert(Document(doc, doc_id=ids[n % len(ids)]))
    else:
        table.truncate()


@pytest.fixture(scope="module")
def shared_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One vault for every hypothesis example (each example starts by dropping all tables)."""
    folder = tmp_path_factory.mktemp("roundtrip")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DSL_TUI_STATE", str(folder / "state"))
        vault = Vault.create(folder / "vault.dsl", "Morgan Testwood", PASSPHRASE)
        yield vault
        vault.close()


@settings(max_examples=40, deadline=None)
@given(steps=actions, compact_at=st.integers(0, 25))
def test_any_json_documents_survive_journal_and_compaction(
    shared_vault: Vault, steps: list[Any], compact_at: int
) -> None:
    vault = shared_vault
    vault.db.drop_tables()
    model = TinyDB(storage=MemoryStorage)  # plain TinyDB: what the answer should be
    for i, step in enumerate(steps):
        _apply(vault.db, step)
        _apply(model, step)
        if i == compact_at:
            vault._rewrite(vault._header, vault._data_key, vault._meta)
    expected = _dump(model)
    assert _dump(vault.db) == expected
    # Decode the file from disk exactly as open does (snapshot + journal replay), minus the KDF.
    loaded = load(vault.path.read_bytes(), None, data_key=vault._data_key)
    assert loaded.generation == vault.generation
    reread = {name: {int(k): v for k, v in docs.items()} for name, docs in unpacked(loaded).items()}
    assert reread == expected


def test_documents_survive_close_and_reopen(vault_path: Path) -> None:
    vault = make_vault(vault_path, docs=30)
    vault.db.table("cases").insert({"nested": {"list": [1, 2.5, None, True, "x"]}, "é": "ü"})
    vault.db.table("notes").remove(doc_ids=[3, 4])
    vault.db.table("cases").truncate()
    expected = _dump(vault.db)
    generation = vault.generation
    vault.close()
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert _dump(again.db) == expected
        assert again.generation == generation
        assert again.verify() == []


def test_many_small_writes_go_to_the_journal_then_compact(
    vault_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        Vault, "policy", CompactionPolicy(hard_min_bytes=4096, hard_ratio=0.0, soft_min_bytes=1024)
    )
    vault = make_vault(vault_path)
    sizes = []
    for i in range(200):
        vault.db.table("notes").insert({"i": i, "text": "x" * 50})
        sizes.append(vault_path.stat().st_size)
    assert any(b < a for a, b in zip(sizes, sizes[1:], strict=False)), (
        "the journal was never compacted"
    )
    assert vault._records < 200
    vault.close()
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert sorted(d["i"] for d in again.db.table("notes").all()) == list(range(200))


def test_every_save_raises_the_generation(vault_path: Path) -> None:  # noqa: F811
    with make_vault(vault_path) as vault:
        first = vault.generation
        vault.db.insert({"a": 1})
        vault.db.update({"a": 2}, Query().a == 1)
        assert vault.generation == first + 2
        vault.db.update({"a": 3}, Query().a == 99)  # matches nothing: nothing to save
        assert vault.generation == first + 2


def test_documents_handed_out_are_copies(vault_path: Path) -> None:  # noqa: F811
    with make_vault(vault_path) as vault:
        notes = vault.db.table("notes")
        doc_id = notes.insert({"tags": ["fact"], "inner": {"k": 1}})
        got = notes.get(doc_id=doc_id)
        got["tags"].append("opinion")
        got["inner"]["k"] = 2
        found = notes.search(Query().inner.k == 1)
        found[0]["tags"].clear()
        assert notes.get(doc_id=doc_id) == {"tags": ["fact"], "inner": {"k": 1}}
        assert notes.search(Query().inner.k == 1)[0]["tags"] == ["fact"]
        assert [dict(d) for d in notes.all()] == [{"tags": ["fact"], "inner": {"k": 1}}]


def test_callers_document_is_not_shared_with_the_cache(vault_path: Path) -> None:  # noqa: F811
    with make_vault(vault_path) as vault:
        mine = {"tags": ["fact"]}
        doc_id = vault.db.insert(mine)
        mine["tags"].append("changed later")
        assert vault.db.get(doc_id=doc_id) == {"tags": ["fact"]}


def test_tinydb_operations_round_trip(vault_path: Path) -> None:  # noqa: F811
    with make_vault(vault_path) as vault:
        db = vault.db
        cases = db.table("cases")
        cases.insert_multiple([{"n": i, "open": i % 2 == 0} for i in range(10)])
        cases.update({"flag": True}, Query().open == True)  # noqa: E712
        cases.remove(Query().n > 7)
        cases.upsert({"n": 100}, Query().n == 100)
        cases.upsert(Document({"n": 3, "moved": True}, doc_id=4))
        db.table("scratch").insert({"x": 1})
        db.drop_table("scratch")
        db.table("gone").insert({"y": 1})
        db.table("gone").truncate()
        expected = _dump(db)
        assert "scratch" not in db.tables()
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert _dump(again.db) == expected
        assert again.db.table("cases").count(Query().flag == True) == 4  # noqa: E712


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_disk_full_changes_nothing_on_disk_or_in_memory(
    vault_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,  # noqa: F811
) -> None:
    vault = make_vault(vault_path, docs=5)
    notes = vault.db.table("notes")
    before_disk = vault_path.read_bytes()
    before_mem = _dump(vault.db)
    generation = vault.generation

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(StorageError, match="disk is full"):
        notes.insert({"text": "not saved"})
    with pytest.raises(StorageError):
        notes.update({"text": "changed"}, doc_ids=[1])
    with pytest.raises(StorageError):
        notes.remove(doc_ids=[2])
    with pytest.raises(StorageError):
        vault.add_user("Riley Fernbank", "granite heron umbrella 42")
    monkeypatch.undo()
    assert _dump(vault.db) == before_mem
    assert vault.generation == generation
    assert vault_path.read_bytes() == before_disk
    assert not [p for p in vault_path.parent.iterdir() if p.name.endswith(".tmp")]
    notes.insert({"text": "saved after the disk was freed"})
    vault.close()
    with Vault.open(vault_path, PASSPHRASE) as again:
        texts = [d["text"] for d in again.db.table("notes").all()]
        assert "not saved" not in texts and "saved after the disk was freed" in texts
        assert len(again.users()) == 1


def test_unserialisable_document_changes_nothing(vault_path: Path) -> None:  # noqa: F811
    with make_vault(vault_path, docs=1) as vault:
        before = vault_path.read_bytes()
        with pytest.raises(TypeError):
            vault.db.table("notes").insert({"when": object()})
        assert vault_path.read_bytes() == before
        assert len(vault.db.table("notes")) == 1


def test_closed_vault_refuses_reads_and_writes(vault_path: Path) -> None:  # noqa: F811
    vault = make_vault(vault_path, docs=1)
    notes = vault.db.table("notes")
    vault.close()
    with pytest.raises(StorageError):
        notes.all()
    with pytest.raises(StorageError):
        notes.insert({"text": "after close"})


def test_saves_from_several_threads_while_reading(vault_path: Path) -> None:  # noqa: F811
    import threading

    vault = make_vault(vault_path)
    notes = vault.db.table("notes")
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(who: int) -> None:
        try:
            for i in range(60):
                doc_id = notes.insert({"who": who, "i": i})
                if i % 3 == 0:
                    notes.update({"seen": True}, doc_ids=[doc_id])
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    def reader() -> None:
        try:
            while not stop.is_set():
                sum(1 for _ in notes)
                notes.search(Query().who == 1)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert errors == []
    expected = _dump(vault.db)
    assert len(expected["notes"]) == 180
    vault.close()
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert _dump(again.db) == expected


def test_a_save_changes_the_table_where_it_is_not_a_copy_of_it(vault_path: Path) -> None:
    """A save costs O(what changed): the live table is not copied (at 100,000 notes a copy per
    save would be the whole save budget)."""
    with make_vault(vault_path, docs=50) as vault:
        storage = vault.db.storage
        live = storage.tables_view()["notes"]
        version = storage.version("notes")
        vault.db.table("notes").insert({"text": "one more"})
        assert storage.tables_view()["notes"] is live
        assert len(live) == 51
        assert storage.version("notes") != version


def test_iterating_a_large_table_while_other_threads_save(vault_path: Path) -> None:
    """Tables change in place, so every way of walking one must hold up under concurrent saves:
    iteration, ``all``, a search, a conditional update, and the audit-style raw copy."""
    import sys
    import threading

    vault = make_vault(vault_path)
    storage = vault.db.storage
    notes = vault.db.table("notes")
    storage.commit(
        [{"op": "put", "t": "notes", "set": {str(i): {"who": 9, "i": i} for i in range(1, 20001)}}]
    )
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            while not stop.is_set():
                doc_id = notes.insert({"who": 1})
                notes.remove(doc_ids=[doc_id])
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(5):
            assert sum(1 for _ in notes) >= 20000
            assert len(notes.all()) >= 20000
            assert len(notes.search(Query().who == 9)) == 20000
            notes.update({"seen": True}, Query().i == 5)
            assert len(storage.table_copy("notes")) >= 20000
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(old_interval)
        vault.close()
    assert errors == []


def test_direct_commit_is_durable_and_seen_by_cached_searches(vault_path: Path) -> None:
    with make_vault(vault_path, docs=2) as vault:
        notes = vault.db.table("notes")
        query = Query().text == "fresh"
        assert notes.search(query) == []  # now cached
        storage = vault.db.storage
        storage.commit([{"op": "put", "t": "notes", "set": {"9": {"text": "fresh"}}, "del": ["1"]}])
        assert [d.doc_id for d in notes.search(query)] == [9]
        assert notes.get(doc_id=1) is None
        expected = _dump(vault.db)
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert _dump(again.db) == expected


def test_a_vault_file_cut_behind_our_back_is_not_written(vault_path: Path) -> None:
    vault = make_vault(vault_path, docs=3)
    raw = vault_path.read_bytes()
    vault_path.write_bytes(raw[:-10])
    with pytest.raises(StorageError, match="another program"):
        vault.db.table("notes").insert({"text": "refused"})
    assert vault_path.read_bytes() == raw[:-10]
    vault.close()
