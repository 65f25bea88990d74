"""Normalised identifiers that link cases: a person (name + role), a handle, a phone, a web address.

Two cases link when they share one of these keys. Keys are normalised so small differences in
typing (case, spaces, a leading "@", "+44" against "0", "https://www.") do not hide a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dsl_tui.jsontypes import DocView

LinkKey = tuple[str, str]

#: Names too vague to link people on.
_VAGUE_NAMES = frozenset({"", "unknown", "not known", "unnamed", "anonymous", "n/a", "na", "?"})


def norm_name(name: str) -> str:
    """A person's name lower-cased, punctuation dropped, spaces collapsed."""
    return " ".join(re.sub(r"[^\w\s'-]", " ", name.lower()).replace("-", " ").split())


def norm_handle(handle: str) -> str:
    """An account handle lower-cased, without a leading @ or spaces."""
    return handle.strip().lower().lstrip("@").replace(" ", "")


def norm_phone(phone: str) -> str:
    """A phone number as digits, with a UK +44 / 0044 prefix turned into a leading 0."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits[2:] if digits.startswith("44") else "0" + digits[4:]
    return digits


def norm_url(url: str) -> str:
    """A web address without scheme, ``www.``, trailing slash or case differences in the host."""
    text = url.strip()
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", text)
    host, sep, rest = text.partition("/")
    host = host.lower().removeprefix("www.")
    return (host + sep + rest).rstrip("/")


def person_key(role: str, name: str) -> LinkKey | None:
    """The link key of a person, or None when the name is too vague to link on."""
    name_n = norm_name(name)
    if name_n in _VAGUE_NAMES or len(name_n) < 3:
        return None
    return (f"person:{role}", name_n)


def account_keys(doc: DocView) -> list[LinkKey]:
    """The link keys of one online account or address."""
    keys: list[LinkKey] = []
    handle = norm_handle(doc.get("handle", ""))
    if len(handle) >= 3:
        keys.append(("handle", handle))
    phone = norm_phone(doc.get("phone", ""))
    if len(phone) >= 7:
        keys.append(("phone", phone))
    url = norm_url(doc.get("url", ""))
    if len(url) >= 4:
        keys.append(("url", url))
    return keys


def case_keys(people: Iterable[DocView], accounts: Iterable[DocView]) -> set[LinkKey]:
    """Every link key of a case's people and accounts."""
    keys: set[LinkKey] = set()
    for person in people:
        key = person_key(person.get("role", ""), person.get("name", ""))
        if key:
            keys.add(key)
    for account in accounts:
        keys.update(account_keys(account))
    return keys


def why(key: LinkKey) -> str:
    """How a DSL would say why two cases link, e.g. "same handle @sk8r_jay"."""
    kind, value = key
    if kind.startswith("person:"):
        return f"same {kind.removeprefix('person:')} name {value.title()}"
    if kind == "handle":
        return f"same handle @{value}"
    if kind == "phone":
        return f"same phone number {value}"
    return f"same web address {value}"
