"""Unsaved wizard text kept in the vault (so encrypted), so a lock or a crash loses nothing.

Each change is one save; the drafts held in memory change only once it is stored, so a save
that fails (a full disk) leaves them as the vault has them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime

from dsl_tui.casebook.records import iso
from dsl_tui.casebook.saves import Saves
from dsl_tui.casebook.store import Store
from dsl_tui.jsontypes import Doc, DocView


class Drafts:
    """Drafts by key (one small document each), with their doc ids kept in memory."""

    def __init__(self, store: Store, saves: Saves, stored: Mapping[str, DocView]) -> None:
        self._store = store
        self._saves = saves
        self._docs: dict[str, tuple[int, Doc]] = {}
        for doc_id, doc in stored.items():
            self._docs[doc["key"]] = (int(doc_id), dict(doc))

    def save(self, key: str, data: DocView, by: str, at: datetime) -> None:
        """Keep ``data`` (JSON-like) under ``key``, replacing an earlier draft."""
        doc = {"key": key, "data": copy.deepcopy(dict(data)), "by": by, "at": iso(at)}
        found = self._docs.get(key)
        with self._saves.saving():
            if found is not None:
                doc_id = found[0]
                self._store.update("drafts", doc_id, doc)
            else:
                doc_id = self._store.insert("drafts", doc)
        self._docs[key] = (doc_id, doc)

    def load(self, key: str) -> Doc | None:
        """The draft saved under ``key``, or None."""
        found = self._docs.get(key)
        return copy.deepcopy(found[1]["data"]) if found else None

    def discard(self, key: str) -> None:
        """Forget the draft under ``key`` (nothing happens if there is none)."""
        found = self._docs.get(key)
        if found:
            with self._saves.saving():
                self._store.remove("drafts", [found[0]])
            del self._docs[key]

    def keys(self) -> list[str]:
        """Every saved draft's key."""
        return sorted(self._docs)
