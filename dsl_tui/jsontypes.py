"""JSON as the vault and the case files store it: the one place the package names ``Any``.

A stored document's values are whatever was decoded, known only at run time, so they are typed
as such here, once, under a name that says what they are. Everything else gets a real type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

#: A JSON value as decoded: str, int, float, bool, None, or a list or dict of them.
JsonValue: TypeAlias = Any
#: A stored JSON document (a TinyDB document, a journal operation, a case file), to build or edit.
Doc: TypeAlias = dict[str, JsonValue]
#: A stored JSON document, read only.
DocView: TypeAlias = Mapping[str, JsonValue]
