"""The casebook's TinyDB tables, with O(1) writes and an all-or-nothing batch.

TinyDB's stock ``Table`` rebuilds the whole table dict (twice) on every write, which costs
O(table size): at 100,000 notes that alone would eat the 50 ms save budget. ``_FastTable``
applies the same updaters to the stored table in place through a key-converting view, so a write
costs O(1) before the storage's own ``write``.

``Store.batch()`` makes several inserts and updates (perhaps in several tables) one save: while
a batch is open the storage proxy keeps the data TinyDB hands to ``write`` and passes it to the
real storage once, at the end. An error inside the batch writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

#: Every table the casebook keeps (one small document per thing).
TABLES = (
    "cases",
    "people",
    "accounts",
    "steps",
    "notes",
    "evidence",
    "decisions",
    "events",
    "audit",
    "audit_head",
    "drafts",
    "deleted",
)


_MISSING = object()


class _BatchingStorage(Storage):
    """Passes reads and writes through, except inside a batch, where one write is kept back."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.pending: dict[str, dict[str, Any]] | None = None
        self.depth = 0
        #: (container, key, old value or _MISSING) for every change made inside a batch.
        self.journal: list[tuple[dict[str, Any], str, Any]] = []

    def remember(self, container: dict[str, Any], key: str) -> None:
        """Note a key's old value before a change inside a batch, so a failure can undo it."""
        if self.depth:
            self.journal.append((container, key, container.get(key, _MISSING)))

    def undo(self) -> None:
        """Put back, newest first, everything changed inside the failed batch."""
        for container, key, old in reversed(self.journal):
            if old is _MISSING:
                container.pop(key, None)
            else:
                container[key] = old
        self.journal.clear()

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The pending data inside a batch, else the real storage's."""
        if self.pending is not None:
            return self.pending
        return self.inner.read()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Keep the data while batching; else write it through."""
        if self.depth:
            self.pending = data
        else:
            self.inner.write(data)

    def close(self) -> None:
        """Closing belongs to the vault, not to the casebook."""


class _IntKeyView(MutableMapping[int, Any]):
    """A stored table (string keys) seen with integer keys, as TinyDB's updaters expect."""

    def __init__(self, raw: dict[str, Any], proxy: _BatchingStorage) -> None:
        self.raw = raw
        self.proxy = proxy

    def __getitem__(self, key: int) -> Any:
        doc = self.raw[str(key)]
        if self.proxy.depth:
            # TinyDB's update changes the document in place: keep a copy of the old one first.
            self.proxy.remember(self.raw, str(key))
            doc = self.raw[str(key)] = dict(doc)
        return doc

    def __setitem__(self, key: int, value: Any) -> None:
        self.proxy.remember(self.raw, str(key))
        self.raw[str(key)] = value

    def __delitem__(self, key: int) -> None:
        self.proxy.remember(self.raw, str(key))
        del self.raw[str(key)]

    def __contains__(self, key: object) -> bool:
        return str(key) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in list(self.raw))

    def __len__(self) -> int:
        return len(self.raw)


class _FastTable(Table):
    """A TinyDB table whose writes change the stored table in place (O(1) per document)."""

    _storage: _BatchingStorage

    def _update_table(self, updater: Any) -> None:
        proxy = self._storage
        tables = proxy.read()
        if tables is None:
            tables = {}
        raw = tables.get(self.name)
        if raw is None:
            proxy.remember(tables, self.name)
            raw = tables[self.name] = {}
        updater(_IntKeyView(raw, proxy))
        self._storage.write(tables)
        self.clear_cache()


class Store:
    """The casebook's tables over one TinyDB (a vault's, or an in-memory one).

    Over the vault, whose storage makes each save one sealed journal record through
    ``commit(ops)``, the store writes those operations itself: a batch gathers them and commits
    them once, and a document changed twice in one batch is changed from its newest version.
    Over any other storage, ``_FastTable`` writes in place and a batch keeps back one whole write.
    """

    def __init__(self, db: TinyDB) -> None:
        self.db = db
        self._proxy = _BatchingStorage(db.storage)
        self._journal = (
            callable(getattr(db.storage, "commit", None)) and db.table_class is not Table
        )
        self.tables: dict[str, Table] = {}
        for name in TABLES:
            if self._journal:
                self.tables[name] = db.table(name)
            else:
                self.tables[name] = _FastTable(self._proxy, name)
        self._touched: dict[tuple[str, int], dict[str, Any] | None] = {}

    def snapshot(self, skip: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
        """The stored tables (all but ``skip``) as ``{name: {doc_id: doc}}``, read once (for
        building the index). A skipped table the vault keeps packed is not decoded.

        The documents may be the storage's own: callers copy what they keep and never change them.
        """
        return self._read([name for name in TABLES if name not in skip])

    def _read(self, names: list[str]) -> dict[str, dict[str, Any]]:
        storage: Any = self.db.storage
        read_tables = getattr(storage, "read_tables", None)
        if callable(read_tables):
            tables: dict[str, dict[str, Any]] = read_tables(names)
            return tables
        data = storage.read() or {}
        return {name: data.get(name) or {} for name in names}

    def insert(self, table: str, doc: dict[str, Any]) -> int:
        """Insert one document; returns its doc id."""
        if not self._journal:
            return self.tables[table].insert(doc)
        with self.batch():
            doc_id: int = self.tables[table]._get_next_id()
            new = dict(doc)
            self._touched[(table, doc_id)] = new
        return doc_id

    def update(self, table: str, doc_id: int, fields: dict[str, Any]) -> None:
        """Change some fields of one document."""
        if not self._journal:
            self.tables[table].update(fields, doc_ids=[doc_id])
            return
        with self.batch():
            key = (table, doc_id)
            base = self._touched[key] if key in self._touched else self._stored(table, doc_id)
            if base is None:
                raise KeyError(doc_id)
            new = {**base, **fields}
            self._touched[key] = new

    def has(self, table: str, doc_id: int) -> bool:
        """True when the document is stored (outside a batch: what was saved)."""
        return self._stored(table, doc_id) is not None

    def remove(self, table: str, doc_ids: list[int]) -> None:
        """Remove documents by id."""
        if not doc_ids:
            return
        if not self._journal:
            self.tables[table].remove(doc_ids=doc_ids)
            return
        with self.batch():
            for doc_id in doc_ids:
                self._touched[(table, doc_id)] = None

    def _gathered_ops(self) -> list[dict[str, Any]]:
        """One journal operation per table: the final state of every document the batch touched
        (the vault copies a table per operation, so fewer operations make a cheaper save)."""
        ops: dict[str, dict[str, Any]] = {}
        for (table, doc_id), doc in self._touched.items():
            op = ops.setdefault(table, {"op": "put", "t": table})
            if doc is None:
                op.setdefault("del", []).append(str(doc_id))
            else:
                op.setdefault("set", {})[str(doc_id)] = doc
        return list(ops.values())

    def _stored(self, table: str, doc_id: int) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = self._read([table])[table].get(str(doc_id))
        return doc

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every write inside the block one save; an error inside writes nothing."""
        proxy = self._proxy
        if proxy.depth:
            proxy.depth += 1
            try:
                yield
            finally:
                proxy.depth -= 1
            return
        before: dict[str, int | None] = {name: t._next_id for name, t in self.tables.items()}
        proxy.depth = 1
        ok = False
        try:
            yield
            ok = True
        finally:
            proxy.depth = 0
            pending, proxy.pending = proxy.pending, None
            ops = self._gathered_ops()
            self._touched.clear()
            if not ok:
                self._forget(before)
        try:
            if ops:
                storage: Any = self.db.storage
                storage.commit(ops)
            elif pending is not None:
                proxy.inner.write(pending)
        except BaseException:
            self._forget(before)
            raise
        proxy.journal.clear()

    def _forget(self, next_ids: dict[str, int | None]) -> None:
        """After a failed batch, undo its changes in memory so memory never runs ahead of disk."""
        self._proxy.undo()
        for name, table in self.tables.items():
            table._next_id = next_ids[name]  # type: ignore[assignment]
            table.clear_cache()
