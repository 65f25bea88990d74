"""Big work in small pieces, so a thread doing it never holds the interpreter for long.

A compaction runs in a worker thread (the app's lock and quit), but Python runs one thread at a
time: one C call (``json.dumps`` of the whole document, one AES-GCM seal of 137 MB, freeing a
table of 400,000 documents in one go) holds the interpreter until it returns, and the UI's event
loop froze for seconds at 10,000 cases even with the work off its thread. Done in pieces of about
a millisecond each, the interpreter switches threads between pieces (every 5 ms at most).

:func:`json_pieces` gives exactly the bytes of ``json.dumps(value, separators=(",", ":"))`` in
ASCII, in pieces of about :data:`PIECE_BYTES` (tests/test_vault_pieces.py checks they join to
the same bytes); :func:`drain` empties nested tables entry by entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import TypeVar

from dsl_tui.jsontypes import JsonValue

#: About how many bytes each piece holds (a few milliseconds of encoding or sealing).
PIECE_BYTES = 1 << 20
#: Entries of a large object encoded per ``json`` call.
ENTRIES_PER_CALL = 256
#: Characters of a long string encoded per ``json`` call.
CHARS_PER_CALL = 1 << 18
#: How deep objects are walked before a whole value is left to one ``json`` call.
MAX_DEPTH = 4

_ENCODER = json.JSONEncoder(separators=(",", ":"))
_Value = TypeVar("_Value")


def _texts(value: object, depth: int) -> Iterator[str]:
    """The JSON text of ``value`` in pieces (``json.dumps`` with compact separators).

    A long string is encoded a slice at a time; a big object (a table) ``ENTRIES_PER_CALL``
    entries at a time; a small object's large entries (long strings, objects holding a table)
    are walked into and its other entries encoded together.
    """
    if isinstance(value, str) and len(value) > CHARS_PER_CALL:
        yield '"'
        for start in range(0, len(value), CHARS_PER_CALL):
            # One code point is never split: a character outside the BMP is one index in a str,
            # so its two \\u escapes always come from the same call.
            yield _ENCODER.encode(value[start : start + CHARS_PER_CALL])[1:-1]
        yield '"'
        return
    if (
        not isinstance(value, dict)
        or depth >= MAX_DEPTH
        or not value
        or not all(isinstance(key, str) for key in value)  # json writes other keys its own way
    ):
        yield _ENCODER.encode(value)
        return
    yield "{"
    if len(value) > ENTRIES_PER_CALL:
        # A table: many small documents, encoded a slice at a time without looking into each.
        entries = iter(value.items())
        first_slice = True
        while chunk := dict(islice(entries, ENTRIES_PER_CALL)):
            yield ("" if first_slice else ",") + _ENCODER.encode(chunk)[1:-1]
            first_slice = False
        yield "}"
        return
    first = True
    group: dict[str, object] = {}
    for key, item in value.items():
        if _is_large(item, depth + 1):
            if group:
                yield ("" if first else ",") + _ENCODER.encode(group)[1:-1]
                first, group = False, {}
            yield ("" if first else ",") + _ENCODER.encode(key) + ":"
            first = False
            yield from _texts(item, depth + 1)
            continue
        group[key] = item
        if len(group) >= ENTRIES_PER_CALL:
            yield ("" if first else ",") + _ENCODER.encode(group)[1:-1]
            first, group = False, {}
    if group:
        yield ("" if first else ",") + _ENCODER.encode(group)[1:-1]
    yield "}"


def _is_large(value: object, depth: int) -> bool:
    """Whether ``value`` (at ``depth``) is worth walking into: a long string, a big object, or
    (above :data:`MAX_DEPTH`) an object holding one, such as the document's ``tables``."""
    if isinstance(value, str):
        return len(value) > CHARS_PER_CALL
    if not isinstance(value, dict):
        return False
    if len(value) > ENTRIES_PER_CALL:
        return True
    return depth + 1 < MAX_DEPTH and any(_is_large(item, depth + 1) for item in value.values())


def json_pieces(value: JsonValue | dict[str, object]) -> list[bytes]:
    """``json.dumps(value, separators=(",", ":")).encode("ascii")`` as pieces of about
    :data:`PIECE_BYTES` (the text is ASCII: non-ASCII characters are escaped)."""
    pieces: list[bytes] = []
    pending: list[str] = []
    size = 0
    for text in _texts(value, 0):
        pending.append(text)
        size += len(text)
        if size >= PIECE_BYTES:
            pieces.append("".join(pending).encode("ascii"))
            pending, size = [], 0
    if pending:
        pieces.append("".join(pending).encode("ascii"))
    return pieces


def drain(tables: dict[str, dict[str, _Value]] | None) -> None:
    """Empty ``tables`` (and each table in it) one entry at a time, so that freeing hundreds of
    thousands of documents is many small frees rather than one long one."""
    if not tables:
        return
    while tables:
        _, table = tables.popitem()
        while table:
            table.popitem()
