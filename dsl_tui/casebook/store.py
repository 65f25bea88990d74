"""The casebook's tables, saved through one write path: a batch of operations, one commit.

Every write (insert, update, remove) is gathered as the final state of the documents it touched;
at the end of the outermost batch they become one ``commit(ops)`` of the document store, which
makes them durable (on a vault: one sealed, fsynced journal record) and only then applies them
to memory. An error inside the batch commits nothing. Tests run the same code over
``memory_storage()``, the vault's storage without a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from dsl_tui.jsontypes import Doc
from dsl_tui.vault.storage import VaultDB

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
    "transfers",
    "received_files",
    "roll",
)

#: One stored document: JSON values only.


class DocumentStore(Protocol):
    """What the casebook needs of the storage under its TinyDB: the seam to the vault.

    Implemented by :class:`dsl_tui.vault.storage.VaultStorage` (over a vault file, or with no
    file behind it for tests: ``memory_storage()``).
    """

    def read_tables(self, names: Iterable[str]) -> dict[str, dict[str, Doc]]:
        """Some live tables by name ({} for a missing one); never change what comes back."""
        ...

    def commit(self, ops: list[Doc]) -> None:
        """Make journal operations durable, then apply them to memory (nothing on failure)."""
        ...

    def next_id(self, name: str) -> int:
        """Take the next free document id of a table."""
        ...


class Store:
    """The casebook's tables over one TinyDB whose storage is a :class:`DocumentStore`."""

    def __init__(self, db: VaultDB) -> None:
        self.db = db
        self.storage: DocumentStore = db.vault_storage
        self._depth = 0
        #: The final state of every document the open batch touched (None: removed).
        self._touched: dict[tuple[str, int], Doc | None] = {}

    def snapshot(self, skip: frozenset[str] = frozenset()) -> dict[str, dict[str, Doc]]:
        """The stored tables (all but ``skip``) as ``{name: {doc_id: doc}}``, read once (for
        building the index). A skipped table the vault keeps packed is not decoded.

        The documents may be the storage's own: callers copy what they keep and never change them.
        """
        return self.storage.read_tables([name for name in TABLES if name not in skip])

    def table(self, name: str) -> dict[str, Doc]:
        """One stored table, read-only (iterate it holding the storage lock, or copy it)."""
        return self.storage.read_tables([name])[name]

    def insert(self, table: str, doc: Doc) -> int:
        """Insert one document; returns its doc id."""
        with self.batch():
            doc_id = self.storage.next_id(table)
            self._touched[(table, doc_id)] = dict(doc)
        return doc_id

    def update(self, table: str, doc_id: int, fields: Doc) -> None:
        """Change some fields of one document."""
        with self.batch():
            key = (table, doc_id)
            base = self._touched[key] if key in self._touched else self._stored(table, doc_id)
            if base is None:
                raise KeyError(doc_id)
            self._touched[key] = {**base, **fields}

    def has(self, table: str, doc_id: int) -> bool:
        """True when the document is stored (outside a batch: what was saved)."""
        return self._stored(table, doc_id) is not None

    def remove(self, table: str, doc_ids: list[int]) -> None:
        """Remove documents by id."""
        if not doc_ids:
            return
        with self.batch():
            for doc_id in doc_ids:
                self._touched[(table, doc_id)] = None

    def _gathered_ops(self) -> list[Doc]:
        """One journal operation per table: the final state of every document the batch touched
        (the vault copies a table per operation, so fewer operations make a cheaper save)."""
        ops: dict[str, Doc] = {}
        for (table, doc_id), doc in self._touched.items():
            op = ops.setdefault(table, {"op": "put", "t": table})
            if doc is None:
                op.setdefault("del", []).append(str(doc_id))
            else:
                op.setdefault("set", {})[str(doc_id)] = doc
        return list(ops.values())

    def _stored(self, table: str, doc_id: int) -> Doc | None:
        return self.table(table).get(str(doc_id))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every write inside the block one save; an error inside writes nothing."""
        self._depth += 1
        if self._depth > 1:
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            yield
            ops = self._gathered_ops()
        finally:
            self._depth = 0
            self._touched.clear()
        if ops:
            self.storage.commit(ops)
        # TinyDB caches query results per table; the storage's saves invalidate them by version.
