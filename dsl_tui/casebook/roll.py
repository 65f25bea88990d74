"""The school roll kept in the vault (so encrypted): pupils by school and UPN, looked up by name.

One small document per pupil in the ``roll`` table. Importing a newer roll adds new pupils,
updates those whose details changed, and marks as "left" those no longer on it: nobody is ever
deleted (a pupil who left may still be named in a case, and a case keeps its own copy of a
person anyway). The whole import is one save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from dsl_tui.casebook.records import iso
from dsl_tui.casebook.saves import Saves
from dsl_tui.casebook.store import Store
from dsl_tui.jsontypes import Doc, DocView
from dsl_tui.roll import Roll, RollPupil

TABLE = "roll"


@dataclass(frozen=True)
class RollImport:
    """What an import changed, in counts only (the audit and the CLI say these)."""

    school: str
    added: int
    updated: int
    unchanged: int
    left: int

    @property
    def detail(self) -> str:
        """The audit detail: fixed words and numbers."""
        return (
            f"roll {self.school}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.left} left"
        )


@dataclass(frozen=True)
class RollEntry:
    """A pupil on a school's roll (or one who has left it)."""

    school: str
    pupil: RollPupil
    on_roll: bool


def _doc(school: str, pupil: RollPupil, at: datetime) -> Doc:
    return {
        "school": school, "upn": pupil.upn, "forename": pupil.forename,
        "surname": pupil.surname, "legal_forename": pupil.legal_forename,
        "legal_surname": pupil.legal_surname, "date_of_birth": pupil.date_of_birth.isoformat(),
        "year_group": pupil.year_group, "reg_group": pupil.reg_group, "on_roll": True,
        "updated_at": iso(at),
    }  # fmt: skip


def _same(a: DocView, b: DocView) -> bool:
    return all(a.get(k) == b.get(k) for k in b if k != "updated_at")


def _entry(doc: DocView) -> RollEntry:
    pupil = RollPupil(
        upn=str(doc["upn"]),
        forename=str(doc.get("forename", "")),
        surname=str(doc.get("surname", "")),
        date_of_birth=date.fromisoformat(str(doc["date_of_birth"])),
        year_group=str(doc.get("year_group", "")),
        reg_group=str(doc.get("reg_group", "")),
        legal_forename=str(doc.get("legal_forename", "")),
        legal_surname=str(doc.get("legal_surname", "")),
    )
    return RollEntry(str(doc["school"]), pupil, bool(doc.get("on_roll", True)))


class RollBook:
    """The pupils of every school's roll, with their doc ids kept in memory."""

    def __init__(self, store: Store, saves: Saves | None, stored: Mapping[str, DocView]) -> None:
        self._store = store
        self._saves = saves
        self._docs: dict[tuple[str, str], tuple[int, Doc]] = {
            (str(doc["school"]), str(doc["upn"])): (int(doc_id), dict(doc))
            for doc_id, doc in stored.items()
        }

    def import_roll(
        self,
        school: str,
        roll: Roll,
        at: datetime,
        audit: Callable[[RollImport], object] | None = None,
    ) -> RollImport:
        """Add, update and mark as left, in one save with its audit entry; returns the counts.

        Memory changes only once the save is stored: a failed save leaves the roll as it was.
        """
        added = updated = unchanged = left = 0
        fresh: dict[tuple[str, str], tuple[int, Doc]] = {}
        listed = set()
        with self._saves.saving() if self._saves is not None else self._store.batch():
            for pupil in roll.pupils:
                key = (school, pupil.upn)
                listed.add(key)
                doc = _doc(school, pupil, at)
                if key not in self._docs:
                    fresh[key] = (self._store.insert(TABLE, doc), doc)
                    added += 1
                elif _same(self._docs[key][1], doc):
                    unchanged += 1
                else:
                    doc_id = self._docs[key][0]
                    self._store.update(TABLE, doc_id, doc)
                    fresh[key] = (doc_id, doc)
                    updated += 1
            for key, (doc_id, doc) in self._docs.items():
                if key[0] == school and key not in listed and doc.get("on_roll", True):
                    gone = {**doc, "on_roll": False, "updated_at": iso(at)}
                    self._store.update(TABLE, doc_id, gone)
                    fresh[key] = (doc_id, gone)
                    left += 1
            done = RollImport(school, added, updated, unchanged, left)
            if audit is not None:
                audit(done)
        self._docs.update(fresh)  # only once the save is durable
        return done

    def count(self, school: str | None = None) -> int:
        """Pupils on the roll now (of one school, or all)."""
        return sum(
            1
            for (s, _), (_, doc) in self._docs.items()
            if doc.get("on_roll", True) and (school is None or s == school)
        )

    def lookup(self, text: str, school: str | None = None, limit: int = 10) -> list[RollEntry]:
        """Pupils whose names start with every word typed (any order), pupils on the roll first.

        "ot fa" finds Ottoline (Otti) Fairweather-Brook by preferred or legal names.
        """
        words = text.casefold().replace("-", " ").split()
        if not words:
            return []
        found = []
        for (s, _), (_, doc) in self._docs.items():
            if school is not None and s != school:
                continue
            names = " ".join(
                str(doc.get(k, ""))
                for k in ("forename", "surname", "legal_forename", "legal_surname")
            )
            parts = names.casefold().replace("-", " ").split()
            if all(any(p.startswith(w) for p in parts) for w in words):
                found.append(doc)
        found.sort(
            key=lambda d: (
                not d.get("on_roll", True),
                str(d.get("surname")),
                str(d.get("forename")),
            )
        )
        return [_entry(d) for d in found[:limit]]
