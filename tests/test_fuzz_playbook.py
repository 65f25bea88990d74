"""Fuzz the playbook loader: a trust's edited playbook.toml may hold anything.

Random TOML text, the shipped playbook with any value replaced, lines deleted or duplicated: the
loader must answer with PlaybookInvalid (or accept the file), never another exception or a hang.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from helpers_security import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from dsl_tui.errors import DslError
from dsl_tui.paths import data_dir
from dsl_tui.playbook import load_playbook, parse_playbook

# Slow (fuzzes the playbook loader): out of the quick loop (-m "not slow"); CI runs it.
pytestmark = pytest.mark.slow

SHIPPED = (data_dir() / "playbook.toml").read_text(encoding="utf-8")
RAW = tomllib.loads(SHIPPED)
LINES = SHIPPED.splitlines()

TOML_VALUE = st.recursive(
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "yes", "no", "call_now", "6.1", "P1D", "-1h", "24h", "and", "or"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = _paths(RAW)


def _parse(raw: Any) -> None:
    try:
        parse_playbook(raw)
    except DslError:
        pass


@fuzz_settings(300)
@given(st.data())
def test_any_value_replaced_is_refused_cleanly_or_accepted(data: st.DataObject) -> None:
    raw = copy.deepcopy(RAW)
    path = data.draw(st.sampled_from(PATHS))
    target = raw
    for step in path[:-1]:
        target = target[step]
    if data.draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(TOML_VALUE)
    _parse(raw)


@fuzz_settings(80)
@given(st.data())
def test_lines_deleted_or_repeated_are_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    lines = list(LINES)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(lines) - 1))
        if data.draw(st.booleans()):
            del lines[at]
        else:
            lines.insert(at, lines[data.draw(st.integers(0, len(lines) - 1))])
    path = tmp_path_factory.mktemp("pb") / "playbook.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        load_playbook(path)
    except DslError:
        pass


@fuzz_settings(150)
@given(text=st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_random_text_as_a_playbook_is_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("pb") / "playbook.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with pytest.raises(DslError):
        load_playbook(path)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a = " + "[" * 5000 + "]" * 5000, id="deep arrays"),
        pytest.param("a = {" + "b = {" * 2000 + "}" * 2001, id="deep tables"),
        pytest.param("\x00\x01\x1b]0;pwned\x07", id="control characters"),
    ],
)
def test_pathological_toml_is_playbook_invalid(tmp_path: Path, text: str) -> None:
    path = tmp_path / "playbook.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DslError):
        load_playbook(path)


def test_a_missing_or_binary_playbook_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DslError):
        load_playbook(tmp_path / "nope.toml")
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DslError):
        load_playbook(path)


@pytest.mark.parametrize("target", ["folder", "huge", "device"])
def test_policy_text_must_be_a_small_regular_file(tmp_path: Path, target: str) -> None:
    """Finding 3 (fixed): ``policy_text`` may not name a folder, a 5 MiB file or /dev/zero."""
    if target == "device" and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    if target == "folder":
        name = "policy"
        (tmp_path / name).mkdir()
    elif target == "huge":
        name = "policy.toml"
        sections = (data_dir() / "policy-sections.toml").read_bytes()
        (tmp_path / name).write_bytes(sections + b"# padding\n" * (500 * 1024))  # valid, 5 MiB
    else:
        name = "/dev/zero"
    path = tmp_path / "playbook.toml"
    path.write_text(f"policy_text = {name!r}\n" + SHIPPED, encoding="utf-8")
    with pytest.raises(DslError):
        load_playbook(path)


def test_a_huge_playbook_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "playbook.toml"
    path.write_bytes(SHIPPED.encode("utf-8") + b"# padding\n" * (500 * 1024))  # valid, 5 MiB
    with pytest.raises(DslError):
        load_playbook(path)
