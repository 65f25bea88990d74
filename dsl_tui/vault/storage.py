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
- The audit log (the largest table, read only by `verify` and `Casebook.audit_log`) stays
  *packed*: the snapshot keeps it as one JSON text that is decoded the first time it is read.
  Entries saved meanwhile are kept as journal operations beside the text (:class:`Packed`).
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import cast

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Document
from tinydb.table import Table as TinyTable

from dsl_tui.errors import StorageError
from dsl_tui.jsontypes import Doc, DocView, JsonValue
from dsl_tui.vault.pieces import drain

#: One table: each document by its doc id (as text).
Table = dict[str, Doc]
#: The whole document: each table by its name.
Tables = dict[str, Table]
Persist = Callable[[bytes], None]

#: Tables a snapshot keeps packed (one JSON text, decoded when first read). The audit log holds
#: about 40 % of a vault's bytes and a session rarely reads it: appending needs only its head.
PACKED_TABLES = frozenset({"audit"})

#: Journal operations kept beside a packed table's text before a snapshot decodes it to fold
#: them in (so a vault whose audit log is never read does not carry an ever longer list).
MAX_PACKED_OPS = 5000


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many documents are decoded, then freeze them.

    Decoding makes millions of small containers that all live on; left running, the collector
    walks them again and again (at 10,000 cases that nearly doubles the decode time), and once
    it is running again it would walk them all at its next collection. Frozen, they are left out
    of every collection; reference counting still frees them (the casebook unfreezes on lock).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@dataclass
class Packed:
    """A table as the snapshot keeps it: its JSON text, the next free doc id, and the journal
    operations saved since (applied in order when the text is decoded)."""

    text: str
    next_id: int
    ops: list[Doc] = field(default_factory=list)

    @classmethod
    def of(cls, table: Table) -> Packed:
        """Pack a live table."""
        next_id = max(map(int, table), default=0) + 1
        return cls(json.dumps(table, separators=(",", ":")), next_id)

    @classmethod
    def parse(cls, value: object) -> Packed:
        """From the snapshot's ``packed`` entry (ValueError when it is not in that form)."""
        if not isinstance(value, dict) or set(value) - {"text", "next_id", "ops"}:
            raise ValueError("packed table")
        text, next_id, ops = value.get("text"), value.get("next_id"), value.get("ops", [])
        if not isinstance(text, str) or type(next_id) is not int or not isinstance(ops, list):
            raise ValueError("packed table")
        packed = cls(text, next_id)
        for op in ops:
            packed.add(op)
        return packed

    def add(self, op: Doc) -> None:
        """Keep a ``put`` operation (without ``clear``) for when the text is decoded."""
        if not isinstance(op, dict) or op.get("op") != "put" or op.get("clear"):
            raise ValueError("a packed table takes only put operations")
        for key in op.get("set", {}):
            self.next_id = max(self.next_id, int(key) + 1)
        self.ops.append(op)

    def saved(self) -> Doc:
        """The snapshot's entry for this table."""
        return {"text": self.text, "next_id": self.next_id, "ops": self.ops}

    def decode(self) -> Table:
        """The table with every kept operation applied (ValueError if the text is not a table)."""
        try:
            with collector_paused():
                table = json.loads(self.text)
                if not isinstance(table, dict) or not all(
                    isinstance(d, dict) for d in table.values()
                ):
                    raise ValueError("packed table")
                holder = {"t": table}
                apply_ops(holder, [{**op, "t": "t"} for op in self.ops])
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise ValueError("packed table") from None
        return holder["t"]


def clone(value: JsonValue) -> JsonValue:
    """A deep copy of a JSON-like value (faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clone(v) for v in value]
    return value


def encode_ops(ops: list[Doc]) -> bytes:
    """The journal payload of one save (TypeError if a document is not JSON-serialisable)."""
    return json.dumps(ops, separators=(",", ":")).encode("ascii")


def apply_ops(tables: Tables, ops: list[Doc], packed: dict[str, Packed] | None = None) -> None:
    """Apply decoded journal operations to the in-memory document, in place.

    A changed table is changed where it is (O(changed documents), not O(table)); documents are
    never changed, only replaced. So a reader in another thread must not iterate a live table
    outside :attr:`VaultStorage.lock`: it iterates a :class:`TableView`, which copies the pairs
    under the lock first. An operation on a table still packed is kept beside its text; one
    that drops, replaces or clears it makes the text moot.
    """
    for op in ops:
        kind, name = op["op"], op["t"]
        if packed and name in packed:
            if kind == "put" and not op.get("clear"):
                packed[name].add(op)
                continue
            del packed[name]
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

    def __init__(self, value: DocView, doc_id: int) -> None:
        super().__init__({k: clone(v) for k, v in value.items()}, doc_id)


class StagedTable(MutableMapping[int, Doc]):
    """What a TinyDB updater sees: the live table, copied on first touch, with changes recorded."""

    def __init__(self, base: Table) -> None:
        self._base = base
        self.cleared = False
        self.changed: dict[int, Doc] = {}
        self.removed: set[int] = set()

    def _in_base(self, doc_id: int) -> bool:
        return not self.cleared and doc_id not in self.removed and str(doc_id) in self._base

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.changed or (isinstance(doc_id, int) and self._in_base(doc_id))

    def __getitem__(self, doc_id: int) -> Doc:
        if doc_id in self.changed:
            return self.changed[doc_id]
        if self._in_base(doc_id):
            doc: Doc = clone(self._base[str(doc_id)])
            self.changed[doc_id] = doc
            return doc
        raise KeyError(doc_id)

    def __setitem__(self, doc_id: int, doc: Doc) -> None:
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

    def delta(self, name: str, exists: bool) -> Doc | None:
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
        op: Doc = {"op": "put", "t": name}
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
        self,
        tables: Tables,
        persist: Persist,
        after_commit: Callable[[], None] | None = None,
        packed: dict[str, Packed] | None = None,
    ) -> None:
        self._tables: Tables | None = tables
        #: Tables not decoded yet (see :class:`Packed`); never also in ``_tables``.
        self._packed: dict[str, Packed] = dict(packed or {})
        self._persist = persist
        self._after_commit = after_commit
        #: Serialises every change (saves may come from worker threads) and every iteration of a
        #: live table (tables change in place).
        self.lock = threading.RLock()
        #: Bumped for a table at each save that touches it (cached searches check it).
        self._versions: dict[str, int] = {}
        self._counter = 0
        #: The next free document id of each table asked about (kept up to date by saves).
        self._next_ids: dict[str, int] = {}

    def _raw(self) -> Tables:
        if self._tables is None:
            raise StorageError("The vault is locked; unlock it again to continue.")
        return self._tables

    def _unpack(self, name: str) -> None:
        """Decode a packed table into the live document (call holding :attr:`lock`)."""
        packed = self._packed.get(name)
        if packed is None:
            return
        try:
            table = packed.decode()
        except ValueError:
            raise StorageError(
                "The vault's audit log is not in the expected form; run dsl-tui verify."
            ) from None
        self._raw()[name] = table
        del self._packed[name]

    def _live(self) -> Tables:
        """The whole live document, every packed table decoded."""
        with self.lock:
            tables = self._raw()
            for name in list(self._packed):
                self._unpack(name)
            return tables

    def live_table(self, name: str) -> Table | None:
        """One live table (decoded first if packed), or None when there is none. For this
        package only: never hand it out; iterate it only while holding :attr:`lock`."""
        if name in self._packed:
            with self.lock:
                self._unpack(name)
        return self._raw().get(name)

    def is_packed(self, name: str) -> bool:
        """True while table ``name`` is still the snapshot's text (not decoded)."""
        return name in self._packed

    def packed_next_id(self, name: str) -> int | None:
        """The next free doc id of a packed table (None when it is not packed)."""
        with self.lock:
            packed = self._packed.get(name)
            return None if packed is None else packed.next_id

    def next_id(self, name: str) -> int:
        """Take the next free document id of table ``name`` (1 for an empty or missing table).

        Each call hands out a new id, saved or not (a save that fails leaves a gap, never a
        reuse). A packed table knows it without being decoded; another table is scanned once,
        then the count follows each save.
        """
        with self.lock:
            known = self._next_ids.get(name)
            if known is None:
                packed = self._packed.get(name)
                if packed is not None:
                    known = packed.next_id
                else:
                    table = self._raw().get(name) or {}
                    known = max((int(k) for k in table), default=0) + 1
            self._next_ids[name] = known + 1
            return known

    def tables_view(self) -> Tables:
        """The live document, every table decoded (for this package only: never hand it out;
        iterate it only while holding :attr:`lock`)."""
        return self._live()

    def snapshot_parts(self) -> tuple[Tables, dict[str, Doc]]:
        """What a new snapshot holds (call holding :attr:`lock`): the live tables, and the
        packed tables as saved entries. A table in :data:`PACKED_TABLES` is packed again; one
        whose kept operations passed :data:`MAX_PACKED_OPS` is decoded to fold them in."""
        for name, packed in list(self._packed.items()):
            if len(packed.ops) > MAX_PACKED_OPS:
                self._unpack(name)
        raw = self._raw()
        tables = {n: t for n, t in raw.items() if n not in PACKED_TABLES}
        packed_out = {n: p.saved() for n, p in self._packed.items()}
        for name in PACKED_TABLES & raw.keys():
            packed_out[name] = Packed.of(raw[name]).saved()
        return tables, packed_out

    def read_tables(self, names: Iterable[str]) -> Tables:
        """Some live tables by name ({} for a missing one), decoding only those."""
        return {name: self.live_table(name) or {} for name in names}

    def version(self, name: str) -> int:
        """A number that changes whenever table ``name`` is saved (read it under :attr:`lock`)."""
        return self._versions.get(name, 0)

    def table_copy(self, name: str) -> Table:
        """A shallow copy of one table, taken under the lock (safe to iterate in any thread)."""
        with self.lock:
            return dict(self.live_table(name) or {})

    def read(self) -> Tables | None:
        """A shallow copy of the table map (TinyDB's drop_table mutates what it reads)."""
        return dict(self._live())

    def write(self, data: Tables) -> None:
        """A whole-document write (TinyDB's drop_table(s)): journal the tables that differ."""
        with self.lock:
            self._write(data)

    def _write(self, data: Tables) -> None:
        live = self._live()
        ops: list[Doc] = [{"op": "drop", "t": n} for n in live if n not in data]
        for name, table in data.items():
            if live.get(name) is table:
                continue
            ops.append({"op": "replace", "t": name, "docs": {str(k): v for k, v in table.items()}})
        self.commit(ops)

    def commit(self, ops: list[Doc]) -> None:
        """Make ``ops`` durable, then apply exactly what was written to memory."""
        if not ops:
            return
        with self.lock:
            live = self._raw()
            payload = encode_ops(ops)
            self._persist(payload)
            decoded = json.loads(payload)
            apply_ops(live, decoded, self._packed)
            for op in decoded:
                self._counter += 1
                self._versions[op["t"]] = self._counter
                self._follow_ids(op)
            if self._after_commit is not None:
                self._after_commit()

    def _follow_ids(self, op: Doc) -> None:
        """Keep :meth:`next_id` past every id a saved operation used."""
        name = op["t"]
        if op["op"] != "put" or op.get("clear"):
            self._next_ids.pop(name, None)  # a table dropped or replaced: scan it again
            return
        known = self._next_ids.get(name)
        if known is not None:
            used = max((int(k) for k in op.get("set", ())), default=0)
            self._next_ids[name] = max(known, used + 1)

    def close(self) -> None:
        """Forget the document (the vault is locked), a document at a time (``drain``: freeing
        it in one go held the interpreter for a second at 10,000 cases, freezing the UI)."""
        tables, self._tables = self._tables, None
        self._packed = {}
        self._next_ids = {}
        drain(tables)


class MemoryJournal:
    """Where a vault storage with no file sends each save's bytes: counted, then dropped.

    Set :attr:`refuse` to an exception to make the next saves fail as a full or broken disk
    would (fault injection in tests): the storage then changes nothing in memory.
    """

    def __init__(self) -> None:
        #: Saves made so far, and their bytes in all.
        self.saves = 0
        self.size = 0
        #: Raised by every save while set.
        self.refuse: BaseException | None = None

    def __call__(self, payload: bytes) -> None:
        """Take one save's journal record (or refuse it)."""
        if self.refuse is not None:
            raise self.refuse
        self.saves += 1
        self.size += len(payload)


def memory_storage(journal: MemoryJournal | None = None) -> VaultStorage:
    """A vault storage with no file behind it: tests and previews run the same write path.

    Every save is still encoded to the journal's bytes and applied from them, exactly as on a
    vault; the bytes then go to ``journal`` instead of being sealed and appended to a file.
    """
    return VaultStorage({}, persist=journal if journal is not None else MemoryJournal())


class TableView(Mapping[str, Doc]):
    """A live table as TinyDB's reads see it: lookups go straight to it; iteration walks a copy
    of its pairs taken under the storage lock, so a save in another thread cannot break it."""

    def __init__(self, raw: Table, lock: AbstractContextManager[object]) -> None:
        self._raw = raw
        self._lock = lock

    def __getitem__(self, key: str) -> Doc:
        return self._raw[key]

    def get(self, key: str, default: Doc | None = None) -> Doc | None:  # type: ignore[override]
        """The document stored under ``key`` (a string doc id), or ``default``."""
        return self._raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __len__(self) -> int:
        return len(self._raw)

    def items(self) -> list[tuple[str, Doc]]:  # type: ignore[override]
        """Every (doc id, document) pair as it was at one moment."""
        with self._lock:
            return list(self._raw.items())

    def keys(self) -> list[str]:  # type: ignore[override]
        """Every doc id as it was at one moment."""
        with self._lock:
            return list(self._raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


#: What :meth:`JournalTable.search` caches for a query: the table's version and the hits.
_Hits = tuple[int, list[tuple[str, Doc]]]


class JournalTable(TinyTable):
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
        return TableView(storage.live_table(self.name) or {}, storage.lock)

    def _get_next_id(self) -> int:
        """The storage's next id (one count per table, whichever path saves)."""
        return self._vault_storage.next_id(self.name)

    def _update_table(self, updater: Callable[[dict[int, DocView]], None]) -> None:
        """Run ``updater`` on a staged copy, journal the delta, then apply it to memory."""
        storage = self._vault_storage
        with storage.lock:
            base = storage.live_table(self.name)
            staged = StagedTable(base if base is not None else {})
            updater(staged)  # type: ignore[arg-type]
            op = staged.delta(self.name, base is not None)
            if op is not None:
                storage.commit([op])
            self.clear_cache()

    def search(self, cond: QueryLike) -> list[Document]:
        """Documents matching ``cond``, as private copies (the query cache keeps references)."""
        storage = self._vault_storage
        with storage.lock:  # TinyDB's LRU cache is not thread-safe; the table changes in place
            version = storage.version(self.name)
            # The cache holds (table version, matching pairs), not TinyDB's own document lists.
            cached = cast("_Hits | None", self._query_cache.get(cond))
            # A hit counts only if the table was not saved since (through any path, also
            # ``VaultStorage.commit`` directly).
            pairs = None if cached is not None and cached[0] == version else self._pairs()
        hits: list[tuple[str, Doc]]
        if pairs is None:
            assert cached is not None  # no pairs were taken: a hit
            hits = cached[1]
        else:
            hits = [(k, doc) for k, doc in pairs if cond(doc)]
            is_cacheable: Callable[[], bool] = getattr(cond, "is_cacheable", lambda: True)
            if is_cacheable():
                with storage.lock:
                    self._query_cache[cond] = cast("list[Document]", (version, hits))
        return [self.document_class(doc, self.document_id_class(k)) for k, doc in hits]

    def _pairs(self) -> list[tuple[str, Doc]]:
        return list((self._vault_storage.live_table(self.name) or {}).items())

    def _matching_ids(self, cond: QueryLike) -> list[int]:
        return [int(k) for k, doc in self._read_table().items() if cond(doc)]

    def update(
        self,
        fields: DocView | Callable[[MutableMapping[str, JsonValue]], None],
        cond: QueryLike | None = None,
        doc_ids: Iterable[int] | None = None,
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

    def insert(self, document: DocView) -> int:
        """TinyDB's insert; a plain ``tinydb.table.Document`` keeps its own id. A new document
        in a packed table is saved without decoding the table."""
        storage = self._vault_storage
        with storage.lock:
            if storage.is_packed(self.name) and not isinstance(document, Document):
                doc_id = self._get_next_id()
                storage.commit([{"op": "put", "t": self.name, "set": {str(doc_id): document}}])
                self.clear_cache()
                return doc_id
            return super().insert(_as_vault_document(document))

    def insert_multiple(self, documents: Iterable[DocView]) -> list[int]:
        """TinyDB's insert_multiple; plain Documents keep their ids."""
        with self._vault_storage.lock:
            return super().insert_multiple([_as_vault_document(d) for d in documents])

    def upsert(self, document: DocView, cond: QueryLike | None = None) -> list[int]:
        """TinyDB's upsert; plain Documents keep their ids."""
        with self._vault_storage.lock:
            return super().upsert(_as_vault_document(document), cond)


def _as_vault_document(document: DocView) -> DocView:
    if isinstance(document, Document) and not isinstance(document, VaultDocument):
        return VaultDocument(document, document.doc_id)
    return document


class VaultDB(TinyDB):
    """The vault's TinyDB: journalled tables over a :class:`VaultStorage`."""

    table_class = JournalTable

    def __init__(self, storage: VaultStorage) -> None:
        super().__init__(storage=lambda: storage)
        #: The storage, typed (TinyDB's ``storage`` is any ``Storage``).
        self.vault_storage = storage
