"""One save at a time: the casebook's write lock, its store's batch, and the audit chain's head.

Every change the casebook makes runs inside ``Saves.saving()``: one writer at a time (the app
saves from worker threads too), one commit of the store for everything inside, and, when the
commit fails, the audit log's chain head put back so the next entry chains to what is stored.
``Saves.batch()`` groups several actions into one save and, when it fails, has the casebook
reload its index from what is stored (the actions inside changed memory after their own part).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dsl_tui.audit import AuditLog
from dsl_tui.casebook.store import Store
from dsl_tui.jsontypes import Doc


class AuditHead:
    """The audit chain's head, kept in the one document of ``audit_head`` (in the same save as
    the entry it points at)."""

    def __init__(self, store: Store, doc_id: int | None) -> None:
        self._store = store
        #: The head document's id (None until the first entry is saved).
        self.doc_id = doc_id

    def set(self, head: Doc) -> None:
        """Write the new head (inside a save)."""
        if self.doc_id is None:
            self.doc_id = self._store.insert("audit_head", head)
        else:
            self._store.update("audit_head", self.doc_id, head)

    def forget_unsaved(self) -> None:
        """After a failed save: forget a head document that was never stored."""
        if self.doc_id is not None and not self._store.has("audit_head", self.doc_id):
            self.doc_id = None


class Saves:
    """The write lock and the save around every change (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        head: AuditHead,
        lock: threading.RLock,
        reload: Callable[[], None],
    ) -> None:
        self._store = store
        self._audit = audit
        self._head = head
        #: One writer at a time, even when the app saves from a worker thread.
        self.lock = lock
        self._reload = reload

    @contextmanager
    def saving(self) -> Iterator[None]:
        """One save for everything inside; on failure the audit chain's head is put back."""
        with self.lock:
            seq, head = self._audit.seq, self._audit.head
            try:
                with self._store.batch():
                    yield
            except BaseException:
                self._audit.rollback(seq, head)
                self._head.forget_unsaved()
                raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several actions as one save; if it fails, nothing is kept and the casebook reloads
        what is stored (an error inside the block should end the block)."""
        with self.lock:
            try:
                with self._store.batch():
                    yield
            except BaseException:
                self._reload()
                raise
