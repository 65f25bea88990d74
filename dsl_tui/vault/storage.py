"""TinyDB on the vault: the document lives in memory, each change goes to disk as one small delta.

TinyDB's own ``Table`` reads the whole document, mutates it in place and writes it all back. That
would re-encrypt ~50 MB per note, and a failed write would leave memory ahead of the disk. Instead:

- :class:`JournalTable` overrides ``_update_table``: the TinyDB updater runs on a
  :class:`StagedTable` that copies a document before anyone can change it and records which ids were
  set or removed. The delta is serialised, handed to the vault to append as one sealed journal
  record
  (durable: written and fsynced), and only then applied to the in-memory document, from the very
  bytes that were written. On any failure memory is as it was.
- Every document handed out is a deep copy, so callers cannot change the cache behind the vault.
- Conditional updates and removals first find matching ids with a read-only scan, so only the
  matching documents are copied.
- A save changes the live table in place (O(documents saved), whatever the table's size) and
  replaces, never mutates, a saved document. Saves and every iteration of a live table hold the
  storage lock; lookups by id need no lock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager
from typing import Any

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Document, Table

from dsl_tui.errors import StorageError

Tables = dict[str, dict[str, Any]]
Persist = Callable[[bytes], None]


def clone(value: Any) -> Any:
    """A deep copy of a JSON-like value (faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clone(v) for v in value]
    return value


def encode_ops(ops: list[dict[str, Any]]) -> bytes:
    """The journal payload of one save (TypeError if a document is not JSON-serialisable)."""
    return json.dumps(ops, separators=(",", ":")).encode("ascii")


def apply_ops(tables: Tables, ops: list[dict[str, Any]]) -> None:
    """Apply decoded journal operations to the in-memory document, in place.

    A changed table is changed where it is (O(changed documents), not O(table)); documents are
    never changed, only replaced. So a reader in another thread must not iterate a live table
    outside :attr:`VaultStorage.lock`: it iterates a :class:`TableView`, which copies the pairs
    under the lock first.
    """
    for op in ops:
        kind, name = op["op"], op["t"]
        if kind == "drop":
            tables.pop(name, None)
        elif kind == "replace":
            tables[name] = op["docs"]
        elif kind == "put":
            table = {} if op.get("clear") else tables.get(name, {})
            for doc_id in op.get("del", ()):
                table.pop(doc_id, None)
            table.update(op.get("set", {}))
            tables[name] = table
        else:
            raise ValueError(f"unknown journal operation {kind!r}")


class VaultDocument(Document):
    """A document handed to callers: a private deep copy, so edits never reach the cache."""

    def __init__(self, value: Mapping[str, Any], doc_id: int) -> None:
        super().__init__({k: clone(v) for k, v in value.items()}, doc_id)


class StagedTable(MutableMapping[int, Any]):
    """What a TinyDB updater sees: the live table, copied on first touch, with changes recorded."""

    def __init__(self, base: dict[str, Any]) -> None:
        self._base = base
        self.cleared = False
        self.changed: dict[int, Any] = {}
        self.removed: set[int] = set()

    def _in_base(self, doc_id: int) -> bool:
        return not self.cleared and doc_id not in self.removed and str(doc_id) in self._base

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.changed or (isinstance(doc_id, int) and self._in_base(doc_id))

    def __getitem__(self, doc_id: int) -> Any:
        if doc_id in self.changed:
            return self.changed[doc_id]
        if self._in_base(doc_id):
            doc = clone(self._base[str(doc_id)])
            self.changed[doc_id] = doc
            return doc
        raise KeyError(doc_id)

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        self.changed[doc_id] = doc

    def __delitem__(self, doc_id: int) -> None:
        if doc_id not in self:
            raise KeyError(doc_id)
        self.changed.pop(doc_id, None)
        if not self.cleared and str(doc_id) in self._base:
            self.removed.add(doc_id)

    def __iter__(self) -> Iterator[int]:
        if not self.cleared:
            for key in self._base:
                doc_id = int(key)
                if doc_id not in self.removed:
                    yield doc_id
        for doc_id in list(self.changed):
            if self.cleared or str(doc_id) not in self._base:
                yield doc_id

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def clear(self) -> None:
        """Remove every document (``truncate``)."""
        self.cleared = True
        self.changed.clear()
        self.removed.clear()

    def delta(self, name: str, exists: bool) -> dict[str, Any] | None:
        """The journal operation for this change, or None if nothing changed."""
        sets = {}
        for doc_id, doc in self.changed.items():
            key = str(doc_id)
            if not self.cleared and self._base.get(key, _MISSING) == doc:
                continue
            sets[key] = doc
        dels = [str(d) for d in self.removed]
        if not sets and not dels and not (self.cleared and (self._base or not exists)):
            return None
        op: dict[str, Any] = {"op": "put", "t": name}
        if self.cleared:
            op["clear"] = True
        if sets:
            op["set"] = sets
        if dels:
            op["del"] = dels
        return op


_MISSING = object()


class VaultStorage(Storage):
    """TinyDB storage over the decrypted document held in memory; writes go through ``persist``."""

    def __init__(
        self, tables: Tables, persist: Persist, after_commit: Callable[[], None] | None = None
    ) -> None:
        self._tables: Tables | None = tables
        self._persist = persist
        self._after_commit = after_commit
        #: Serialises every change (saves may come from worker threads) and every iteration of a
        #: live table (tables change in place).
        self.lock = threading.RLock()
        #: Bumped for a table at each save that touches it (cached searches check it).
        self._versions: dict[str, int] = {}
        self._counter = 0

    def _live(self) -> Tables:
        if self._tables is None:
            raise StorageError("The vault is locked; unlock it again to continue.")
        return self._tables

    def tables_view(self) -> Tables:
        """The live document (for this package only: never hand it out; iterate it only while
        holding :attr:`lock`)."""
        return self._live()

    def version(self, name: str) -> int:
        """A number that changes whenever table ``name`` is saved (read it under :attr:`lock`)."""
        return self._versions.get(name, 0)

    def table_copy(self, name: str) -> dict[str, Any]:
        """A shallow copy of one table, taken under the lock (safe to iterate in any thread)."""
        with self.lock:
            return dict(self._live().get(name) or {})

    def read(self) -> Tables | None:
        """A shallow copy of the table map (TinyDB's drop_table mutates what it reads)."""
        return dict(self._live())

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """A whole-document write (TinyDB's drop_table(s)): journal the tables that differ."""
        with self.lock:
            self._write(data)

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        live = self._live()
        ops: list[dict[str, Any]] = [{"op": "drop", "t": n} for n in live if n not in data]
        for name, table in data.items():
            if live.get(name) is table:
                continue
            ops.append({"op": "replace", "t": name, "docs": {str(k): v for k, v in table.items()}})
        self.commit(ops)

    def commit(self, ops: list[dict[str, Any]]) -> None:
        """Make ``ops`` durable, then apply exactly what was written to memory."""
        if not ops:
            return
        with self.lock:
            live = self._live()
            payload = encode_ops(ops)
            self._persist(payload)
            decoded = json.loads(payload)
            apply_ops(live, decoded)
            for op in decoded:
                self._counter += 1
                self._versions[op["t"]] = self._counter
            if self._after_commit is not None:
                self._after_commit()

    def close(self) -> None:
        """Forget the document (the vault is locked)."""
        self._tables = None


class TableView(Mapping[str, Any]):
    """A live table as TinyDB's reads see it: lookups go straight to it; iteration walks a copy
    of its pairs taken under the storage lock, so a save in another thread cannot break it."""

    def __init__(self, raw: dict[str, Any], lock: AbstractContextManager[Any]) -> None:
        self._raw = raw
        self._lock = lock

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The document stored under ``key`` (a string doc id), or ``default``."""
        return self._raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __len__(self) -> int:
        return len(self._raw)

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        """Every (doc id, document) pair as it was at one moment."""
        with self._lock:
            return list(self._raw.items())

    def keys(self) -> list[str]:  # type: ignore[override]
        """Every doc id as it was at one moment."""
        with self._lock:
            return list(self._raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


class JournalTable(Table):
    """A TinyDB table whose every change becomes one journal record, copies in and copies out."""

    document_class = VaultDocument

    @property
    def _vault_storage(self) -> VaultStorage:
        storage = self._storage
        if not isinstance(storage, VaultStorage):  # pragma: no cover - wiring error
            raise TypeError("JournalTable needs a VaultStorage")
        return storage

    def _read_table(self) -> TableView:  # type: ignore[override]
        """The live table behind a view that is safe to iterate while others save."""
        storage = self._vault_storage
        return TableView(storage.tables_view().get(self.name, {}), storage.lock)

    def _update_table(self, updater: Callable[[dict[int, Any]], None]) -> None:
        """Run ``updater`` on a staged copy, journal the delta, then apply it to memory."""
        storage = self._vault_storage
        with storage.lock:
            tables = storage.tables_view()
            staged = StagedTable(tables.get(self.name, {}))
            updater(staged)  # type: ignore[arg-type]
            op = staged.delta(self.name, self.name in tables)
            if op is not None:
                storage.commit([op])
            self.clear_cache()

    def search(self, cond: QueryLike) -> list[Document]:
        """Documents matching ``cond``, as private copies (the query cache keeps references)."""
        storage = self._vault_storage
        with storage.lock:  # TinyDB's LRU cache is not thread-safe; the table changes in place
            version = storage.version(self.name)
            cached: Any = self._query_cache.get(cond)
            # A hit counts only if the table was not saved since (through any path, also
            # ``VaultStorage.commit`` directly).
            pairs = None if cached is not None and cached[0] == version else self._pairs()
        hits: list[tuple[str, Any]]
        if pairs is None:
            hits = cached[1]
        else:
            hits = [(k, doc) for k, doc in pairs if cond(doc)]
            is_cacheable: Callable[[], bool] = getattr(cond, "is_cacheable", lambda: True)
            if is_cacheable():
                entry: Any = (version, hits)
                with storage.lock:
                    self._query_cache[cond] = entry
        return [self.document_class(doc, self.document_id_class(k)) for k, doc in hits]

    def _pairs(self) -> list[tuple[str, Any]]:
        return list(self._vault_storage.tables_view().get(self.name, {}).items())

    def _matching_ids(self, cond: QueryLike) -> list[int]:
        return [int(k) for k, doc in self._read_table().items() if cond(doc)]

    def update(
        self, fields: Any, cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None
    ) -> list[int]:
        """TinyDB's update; a condition is resolved to ids first so only matches are copied."""
        with self._vault_storage.lock:
            if doc_ids is None and cond is not None:
                doc_ids = self._matching_ids(cond)
            return super().update(fields, cond, doc_ids)

    def remove(
        self, cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None
    ) -> list[int]:
        """TinyDB's remove; a condition is resolved to ids first."""
        with self._vault_storage.lock:
            if doc_ids is None and cond is not None:
                doc_ids = self._matching_ids(cond)
            return super().remove(cond, doc_ids)

    def insert(self, document: Mapping[str, Any]) -> int:
        """TinyDB's insert; a plain ``tinydb.table.Document`` keeps its own id."""
        with self._vault_storage.lock:
            return super().insert(_as_vault_document(document))

    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[int]:
        """TinyDB's insert_multiple; plain Documents keep their ids."""
        with self._vault_storage.lock:
            return super().insert_multiple([_as_vault_document(d) for d in documents])

    def upsert(self, document: Mapping[str, Any], cond: QueryLike | None = None) -> list[int]:
        """TinyDB's upsert; plain Documents keep their ids."""
        with self._vault_storage.lock:
            return super().upsert(_as_vault_document(document), cond)


def _as_vault_document(document: Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(document, Document) and not isinstance(document, VaultDocument):
        return VaultDocument(document, document.doc_id)
    return document


class VaultDB(TinyDB):
    """The vault's TinyDB: journalled tables over a :class:`VaultStorage`."""

    table_class = JournalTable

    def __init__(self, storage: VaultStorage) -> None:
        super().__init__(storage=lambda: storage)
