"""``case-file.json``: model cases to a versioned JSON document and back, strictly checked.

The document is what ``dsl-tui import`` reads, so decoding treats it as hostile: every field is
type-checked against the model's dataclasses, unknown keys are refused, strings and lists have
size limits, and times must carry a timezone. ``docs/case-file-schema.md`` describes the format.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, TypeVar, cast

from dsl_tui.errors import ExportError
from dsl_tui.jsontypes import Doc, JsonValue
from dsl_tui.model import Case, ChronologyEntry

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

FORMAT_NAME = "dsl-tui case file"
#: 2 added each case's ``playbook_version``; version 1 files (without it) are still read.
SCHEMA_VERSION = 2

#: Longest string accepted in any field (notes can be long; a megabyte of text is not a note).
MAX_STRING = 200_000
#: Most items accepted in any list (steps, notes, cases...).
MAX_ITEMS = 20_000

_TOP_KEYS = {
    "format",
    "schema_version",
    "app_version",
    "exported_at",
    "exported_by",
    "purpose",
    "from_school",
    "transfer_to",
    "redaction",
    "clauses",
    "cases",
    "evidence_files",
}
_PURPOSES = {"senior management", "transfer"}


class SchemaError(ExportError):
    """The case file's JSON does not match the schema (exit 5: the file cannot be trusted)."""

    exit_code = 5


def _bad(where: str, what: str) -> SchemaError:
    return SchemaError(f"The case file does not match the case-file schema ({where}: {what}).")


# ---------------------------------------------------------------------------------- encoding


def to_jsonable(value: object) -> JsonValue:
    """A model value as plain JSON: dataclasses to objects, times to ISO 8601, enums to text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def case_record(case: Case, chronology: typing.Sequence[ChronologyEntry] = ()) -> Doc:
    """One entry of the document's ``cases`` list: the case's fields plus its chronology."""
    record: Doc = to_jsonable(case)
    record["chronology"] = [to_jsonable(e) for e in chronology]
    return record


#: DEL, the C1 controls and the bidi embeddings, overrides and isolates, which ``json`` leaves
#: raw with ``ensure_ascii=False``: written as ``\u`` escapes instead, so printing the file on a
#: terminal never acts on one and no text reads reversed (the data is the same).
_RAW_CONTROLS = {
    code: f"\\u{code:04x}"
    for code in [*range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


def dumps(document: Doc) -> bytes:
    """The document as UTF-8 JSON, indented so a person can read it (no raw control codes)."""
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)
    return text.translate(_RAW_CONTROLS).encode("utf-8")


# ---------------------------------------------------------------------------------- decoding

#: A model dataclass being decoded.
T = TypeVar("T", bound="DataclassInstance")


def _decode(value: object, hint: object, where: str) -> object:
    """Decode ``value`` as the type ``hint``; SchemaError naming ``where`` if it does not fit."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        last: SchemaError | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(value, option, where)
            except SchemaError as err:
                last = err
        raise last or _bad(where, "unexpected value")
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list):
            raise _bad(where, "expected a list")
        if len(value) > MAX_ITEMS:
            raise _bad(where, "too many items")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise _bad(where, f"expected {len(args)} items")
        return tuple(
            _decode(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return decode_dataclass(hint, value, where)
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise _bad(where, "not one of the allowed values") from None
    if hint is datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise _bad(where, "expected a date and time")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _bad(where, "expected an ISO 8601 date and time") from None
        if parsed.tzinfo is None:
            raise _bad(where, "a time without a timezone")
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError:  # e.g. 0001-01-01T00:00+14:00 falls before year 1 in UTC
            raise _bad(where, "a date and time out of range") from None
    if hint is date:
        if not isinstance(value, str) or len(value) > 10:
            raise _bad(where, "expected a date")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _bad(where, "expected an ISO 8601 date") from None
    if hint is str:
        if not isinstance(value, str):
            raise _bad(where, "expected text")
        if len(value) > MAX_STRING:
            raise _bad(where, "text too long")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise _bad(where, "expected true or false")
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(where, "expected a whole number")
        return value
    raise _bad(where, "unsupported type")  # pragma: no cover - a model type we do not know


def decode_dataclass(cls: type[T], value: object, where: str) -> T:
    """Build the frozen dataclass ``cls`` from a JSON object, refusing unknown or missing keys."""
    if not isinstance(value, dict):
        raise _bad(where, "expected an object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(value) - set(fields)
    if unknown:
        raise _bad(where, "unknown field")
    kwargs: dict[str, object] = {}
    for name, field in fields.items():
        if name not in value:
            no_default = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            if no_default:
                raise _bad(f"{where}.{name}", "missing")
            continue
        kwargs[name] = _decode(value[name], hints[name], f"{where}.{name}")
    return cls(**kwargs)


def decode_case(record: object, where: str) -> tuple[Case, tuple[ChronologyEntry, ...]]:
    """A case and its chronology from one entry of the ``cases`` list."""
    if not isinstance(record, dict):
        raise _bad(where, "expected an object")
    fields = dict(record)
    chronology = cast(
        "tuple[ChronologyEntry, ...]",
        _decode(fields.pop("chronology", []), tuple[ChronologyEntry, ...], where),
    )
    case = decode_dataclass(Case, fields, where)
    return case, chronology


def _check_str_map(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MAX_ITEMS:
        raise _bad(where, "expected an object of texts")
    for key, text in value.items():
        if not isinstance(text, str) or len(key) > 200 or len(text) > MAX_STRING:
            raise _bad(where, "expected an object of texts")
    return dict(value)


def validate(document: object) -> list[tuple[Case, tuple[ChronologyEntry, ...]]]:
    """Check a whole document against the schema; return its cases. Raises SchemaError."""
    if not isinstance(document, dict):
        raise _bad("document", "expected an object")
    if document.get("format") != FORMAT_NAME:
        raise _bad("format", "not a dsl-tui case file")
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _bad("schema_version", "missing")
    if version > SCHEMA_VERSION:
        raise SchemaError(
            "The case file was made by a newer dsl-tui (schema version "
            f"{version}); update dsl-tui to read it."
        )
    if version < 1:
        raise _bad("schema_version", "unknown version")
    if set(document) - _TOP_KEYS:
        raise _bad("document", "unknown field")
    for key in ("app_version", "exported_by", "from_school", "transfer_to"):
        _decode(document.get(key, ""), str, key)
    _decode(document.get("exported_at"), datetime, "exported_at")
    purpose = document.get("purpose")
    if not isinstance(purpose, str) or purpose not in _PURPOSES:
        raise _bad("purpose", "not one of the allowed values")
    redaction = document.get("redaction")
    if not isinstance(redaction, dict) or set(redaction) != {"pupils", "staff"}:
        raise _bad("redaction", "expected pupils and staff")
    for key in ("pupils", "staff"):
        _decode(redaction[key], bool, f"redaction.{key}")
    _check_str_map(document.get("clauses", {}), "clauses")
    cases = document.get("cases")
    if not isinstance(cases, list) or not cases or len(cases) > MAX_ITEMS:
        raise _bad("cases", "expected a non-empty list")
    decoded = [decode_case(rec, f"cases[{i}]") for i, rec in enumerate(cases)]
    ids = [case.id for case, _ in decoded]
    if len(set(ids)) != len(ids):
        raise _bad("cases", "the same case twice")
    files = document.get("evidence_files", [])
    if not isinstance(files, list) or len(files) > MAX_ITEMS:
        raise _bad("evidence_files", "expected a list")
    for i, entry in enumerate(files):
        if not isinstance(entry, dict) or set(entry) != {
            "case_id",
            "evidence_id",
            "path",
            "sha256",
        }:
            raise _bad(f"evidence_files[{i}]", "expected case_id, evidence_id, path and sha256")
        for key, text in entry.items():
            _decode(text, str, f"evidence_files[{i}].{key}")
    return decoded


def loads(data: bytes) -> Doc:
    """Parse JSON bytes into a document (not yet validated). Raises SchemaError on bad JSON."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError, bad UTF-8 and integers beyond Python's digit limit.
        raise _bad("case-file.json", "not valid UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise _bad("document", "expected an object")
    return document
