"""Redaction: names to initials everywhere in a case-file document, free text included.

Works on the JSON document (before the HTML is rendered from it), so the HTML and the JSON say
the same thing. A redacted person's ``name`` becomes their initials and their date of birth is
dropped; every string in the document then has the full name, and each part of it (first name,
surname), replaced by those initials wherever it stands as a word, ignoring case. Over-redaction
(a surname that is also an ordinary word) is accepted: a leak is worse than a stray "A.B.".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsl_tui.jsontypes import Doc, JsonValue
from dsl_tui.model import Person

#: Roles whose names ``--redact pupils`` hides: a parent's name points straight at the child.
PUPIL_ROLES = frozenset({"pupil", "parent"})
#: Fields that hold the name of a staff member using dsl-tui (the DSL, deputies, reporters).
STAFF_NAME_FIELDS = frozenset({"by", "done_by", "added_by", "owner", "reporter", "exported_by"})

_LETTER = r"[^\W\d_]"

#: A reporter whose role (after the name) says this is a child or their family: their name is
#: hidden with the pupils' ("Maisie Lindqvist (pupil, self-report)", "Jo Bell, parent").
_FAMILY_ROLE = re.compile(
    r"\b(pupils?|students?|child|children|parents?|carers?|mother|mum|father|dad|guardian|"
    r"grandparents?|grandmother|grandfather|siblings?|brother|sister|family)\b",
    re.IGNORECASE,
)


def _name_of(entry: str) -> str:
    """The name in "Inez Dunmore (IT technician)" or "Jo Bell, parent": not the role."""
    return re.split(r"[(,;]", entry, maxsplit=1)[0].strip()


def _is_family(reporter: str) -> bool:
    """True when the reporter's role (what follows the name) names a pupil or their family."""
    role = reporter[len(_name_of(reporter)) :]
    return _FAMILY_ROLE.search(role) is not None


def initials(name: str) -> str:
    """Initials of a name, the same way ``Person.initials`` makes them ("A.B.")."""
    return Person(id="", role="other", name=name).initials  # type: ignore[arg-type]


@dataclass
class Redactor:
    """Replaces a set of names by initials in any text."""

    names: dict[str, str] = field(default_factory=dict)  # name or name part -> initials
    _pattern: re.Pattern[str] | None = None

    def add(self, full_name: str) -> None:
        """Hide ``full_name`` and each of its parts of two letters or more."""
        full_name = " ".join(full_name.split())
        if not full_name:
            return
        short = initials(full_name)
        self.names.setdefault(full_name.casefold(), short)
        parts = full_name.split() + re.split(r"[\s\-]+", full_name)
        for part in parts:
            part = part.strip(".,'\"()")
            if len(part) >= 2 and part != short:
                self.names.setdefault(part.casefold(), short)
        self._pattern = None

    def _compiled(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        if self._pattern is None:
            words = sorted(self.names, key=len, reverse=True)  # full names before their parts
            # Spaces inside a full name match any run of whitespace.
            alternatives = [r"\s+".join(re.escape(w) for w in word.split()) for word in words]
            self._pattern = re.compile(
                rf"(?<!{_LETTER})(?:{'|'.join(alternatives)})(?!{_LETTER})", re.IGNORECASE
            )
        return self._pattern

    def text(self, value: str) -> str:
        """``value`` with every known name or name part replaced by initials."""
        pattern = self._compiled()
        if pattern is None or not value:
            return value
        return pattern.sub(
            lambda m: self.names.get(" ".join(m.group(0).split()).casefold(), "?"), value
        )

    def walk(self, value: JsonValue) -> JsonValue:
        """Redact every string inside nested lists and dicts (keys are the schema's, left alone)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self.walk(v) for k, v in value.items()}
        return value


def _staff_names(value: object, found: set[str]) -> None:
    """Collect the values of fields that name a staff user, anywhere in the document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in STAFF_NAME_FIELDS and isinstance(inner, str) and inner.strip():
                found.add(inner)
            else:
                _staff_names(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _staff_names(inner, found)


def redact_document(document: Doc, *, pupils: bool, staff: bool) -> Doc:
    """A copy of the case-file document with the chosen people's names replaced by initials.

    ``pupils`` hides pupils and their parents, and a reporter whose role (after the name, in
    brackets or after a comma) says they are a pupil or family; ``staff`` hides staff in the
    case and the staff who use dsl-tui (reporter, note authors, step owners, the exporter); both
    together hide every person named in a case (unknown adults and others too).
    """
    redactor = Redactor()
    everyone = pupils and staff
    for case in document.get("cases", []):
        for person in case.get("people", []):
            role = person.get("role", "")
            hide = everyone or (pupils and role in PUPIL_ROLES) or (staff and role == "staff")
            if hide and person.get("name"):
                redactor.add(person["name"])
        reporter = case.get("reporter")
        if pupils and isinstance(reporter, str) and _is_family(reporter):
            redactor.add(_name_of(reporter))
    if staff:
        found: set[str] = set()
        _staff_names(document, found)
        for name in sorted(found):
            redactor.add(_name_of(name))
    redacted: Doc = redactor.walk(document)
    # Dates of birth identify a child as surely as a name.
    for case in redacted.get("cases", []):
        for person in case.get("people", []):
            role = person.get("role", "")
            if everyone or (pupils and role in PUPIL_ROLES) or (staff and role == "staff"):
                person["date_of_birth"] = None
    redacted["redaction"] = {"pupils": pupils, "staff": staff}
    return redacted
