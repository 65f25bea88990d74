"""Fuzz case-file reading: the age file, the zip inside it and the JSON document.

A case file comes from outside (another school, an email): any bytes at any layer must end in the
app's own errors (DslError subclasses), never another exception, a hang or an unbounded unpack.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyrage
import pytest
from helpers_security import (
    case_zip,
    fuzz_settings,
    hostile_document,
    seal_to_key,
    without_evidence,
)
from hypothesis import given
from hypothesis import strategies as st

from dsl_tui.errors import DslError
from dsl_tui.export import Limits, casefile_json, keygen, open_case_file, package
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.importer import check_payload

# Slow (fuzzes the case-file import): out of the quick loop (-m "not slow"); CI runs it.
pytestmark = pytest.mark.slow

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
SMALL = Limits(
    max_file_bytes=1 << 20, max_total_bytes=2 << 20, max_entries=50, max_json_bytes=1 << 20
)


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The receiving school's key (made once)."""
    path = tmp_path_factory.mktemp("fuzzkey") / "receiver.key"
    keygen(path)
    return path


@pytest.fixture(scope="module")
def good_document() -> dict[str, Any]:
    """A valid document (hostile texts, no evidence files) to mutate."""
    return without_evidence(hostile_document())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (object keys and list indexes)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def _checked(payload: bytes) -> None:
    try:
        check_payload(payload, SMALL)
    except DslError:
        pass


@fuzz_settings(150)
@given(data=st.binary(max_size=2048))
def test_any_bytes_as_a_case_file_are_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, identity: Path, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("f") / "in.age"
    path.write_bytes(data if len(data) % 3 else package.AGE_MAGIC + data)
    with pytest.raises(DslError):
        open_case_file(path, identity=identity, limits=SMALL)


@fuzz_settings(150)
@given(data=st.binary(max_size=4096))
def test_any_bytes_as_the_decrypted_payload_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(DslError):
        check_payload(data, SMALL)


@fuzz_settings(200)
@given(st.data())
def test_a_damaged_zip_is_refused_cleanly(
    good_document: dict[str, Any], data: st.DataObject
) -> None:
    payload = bytearray(case_zip(good_document))
    spots = data.draw(st.sets(st.integers(0, len(payload) - 1), min_size=1, max_size=6))
    for at in spots:
        payload[at] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.integers(0, 64))
    _checked(bytes(payload[: len(payload) - cut]))


@fuzz_settings(300)
@given(st.data())
def test_any_field_of_the_document_replaced_by_any_json_is_refused_or_valid(
    good_document: dict[str, Any], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(_paths(good_document)))
    document = _replace(good_document, path, data.draw(JSON))
    _checked(case_zip(document, html="<html>fuzz</html>"))


@pytest.mark.parametrize(
    "text",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a": ' + b"1" * 5000 + b"}",
        b'{"format": "dsl-tui case file", "schema_version": 1e999}',
        b"\xff\xfe{}",
        b'{"a": NaN, "b": Infinity}',
    ],
    ids=["deep nesting", "huge integer", "huge float", "bad utf-8", "nan"],
)
def test_pathological_json_is_a_schema_error(text: bytes) -> None:
    with pytest.raises(DslError):
        casefile_json.validate(casefile_json.loads(text))


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-13-45T99:99:99Z"]
)
def test_times_at_the_edge_of_the_calendar_are_schema_errors(
    good_document: dict[str, Any], when: str
) -> None:
    """0001-01-01 at +14:00 is before year 1 in UTC: once an OverflowError crash."""
    with pytest.raises(DslError):
        check_payload(case_zip(dict(good_document, exported_at=when)), SMALL)


@pytest.mark.parametrize("value", [[], {}, ["transfer"]], ids=["list", "object", "list2"])
def test_an_unhashable_purpose_is_a_schema_error(good_document: dict[str, Any], value: Any) -> None:
    """Found by the long fuzz run: a list as ``purpose`` was once a TypeError crash."""
    with pytest.raises(DslError):
        check_payload(case_zip(dict(good_document, purpose=value), html="<p></p>"), SMALL)


def test_a_zip_bomb_is_refused_while_inflating_not_after(good_document: dict[str, Any]) -> None:
    """A 2 GiB entry declared as 1 KiB: counted while inflating, refused within the limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("case-file.json", b"\x00" * (8 << 20))
    raw = bytearray(buffer.getvalue())
    # Lie in both headers: declared size 1,024 bytes.
    for match in re.finditer(rb"PK\x03\x04|PK\x01\x02", bytes(raw)):
        offset = match.start() + (22 if raw[match.start() + 2] == 3 else 24)
        raw[offset : offset + 4] = (1024).to_bytes(4, "little")
    with pytest.raises(DslError):
        check_payload(bytes(raw), SMALL)


@pytest.mark.parametrize("log_n", [40, 63])
def test_an_age_passphrase_file_demanding_huge_scrypt_work_is_refused_fast(
    tmp_path: Path, log_n: int
) -> None:
    """A hostile scrypt work factor (2^40) must not hang the viewer or eat all memory."""
    good = pyrage.passphrase.encrypt(b"x", "a passphrase only for this test")
    head, sep, rest = good.partition(b"\n")
    lines = rest.split(b"\n")
    stanza = lines[0].split(b" ")
    assert stanza[1] == b"scrypt"
    stanza[-1] = str(log_n).encode()
    lines[0] = b" ".join(stanza)
    path = tmp_path / "slow.age"
    path.write_bytes(head + sep + b"\n".join(lines))
    with pytest.raises(DslError):  # refused before any scrypt work (age's work-factor cap)
        open_case_file(path, passphrase="a passphrase only for this test")


def test_a_hostile_but_valid_case_file_opens_with_its_text_intact(
    tmp_path: Path, identity: Path, good_document: dict[str, Any]
) -> None:
    """Escape sequences are data, kept as sent (the display layers make them harmless)."""
    path = seal_to_key(case_zip(good_document), identity, tmp_path / "hostile.age")
    opened = open_case_file(path, identity=identity)
    assert "\x1b]0;pwned\x07" in opened.cases[0][0].category_title


def _directory_only_zip(entries: int) -> bytes:
    """A zip that is nothing but ``entries`` central-directory records (no data at all)."""
    name = b"evidence/a"
    record = (
        struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0
        )
        + name
    )
    body = record * entries
    count = min(entries, 0xFFFF)
    return body + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(body), 0, 0)


def test_a_huge_central_directory_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """100,000 directory entries (5 MB): refused without building 100,000 ZipInfo objects."""
    built: list[int] = []
    real_init = zipfile.ZipInfo.__init__

    def counting(self: zipfile.ZipInfo, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipInfo, "__init__", counting)
    with pytest.raises(DslError) as caught:
        check_payload(_directory_only_zip(100_000))
    assert "too many files" in caught.value.message
    assert built == []


class _Tags(HTMLParser):
    """Every start tag and attribute name in an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


_INJECTIONS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "'><svg onload=alert(1)>",
        "</style><script>x</script>",
        "</title><iframe src=javascript:alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "&lt;script&gt;",
    ]
)


@fuzz_settings(100)
@given(st.data())
def test_the_printable_html_never_carries_markup_from_case_text(
    good_document: dict[str, Any], data: st.DataObject
) -> None:
    """HTML in any text field stays text in case-file.html (managers open it in a browser)."""
    texts = [p for p in _paths(good_document) if isinstance(_get(good_document, p), str)]
    document = good_document
    for path in data.draw(st.lists(st.sampled_from(texts), min_size=1, max_size=8)):
        document = _replace(document, path, data.draw(_INJECTIONS) + data.draw(st.text(max_size=8)))
    clean = _Tags()
    clean.feed(render_html(good_document))
    seen = _Tags()
    seen.feed(render_html(document))
    assert seen.tags <= clean.tags, seen.tags - clean.tags
    assert seen.attributes <= clean.attributes, seen.attributes - clean.attributes


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document
