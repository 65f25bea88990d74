"""Says where a playbook problem is: the key path (``steps.x.clause``) and, cheaply, the line.

The line is found by searching the file's text for the path's tables and keys in turn; TOML allows
many spellings, so this is a best effort and the key path is always given.
"""

from __future__ import annotations

import re

from dsl_tui.playbook.rules import KeyPath

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_DOTTED = re.compile(r"\"[^\"]*\"|'[^']*'|[^.]+")
_ASSIGN = re.compile(r'^\s*("?)([A-Za-z0-9_\-. ]+?)\1\s*=')


def format_path(path: KeyPath) -> str:
    """``steps.ask_host.needs[0].key``; names with dots or spaces are quoted."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
            continue
        name = str(part)
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
            name = '"' + name.replace('"', '\\"') + '"'
        out += ("." if out else "") + name
    return out or "the top level"


def describe(source: str, path: KeyPath, problem: str, text: str | None) -> str:
    """One sentence for ``PlaybookInvalid``: file, key path, line when found, and the problem."""
    line = find_line(text, path) if text else None
    at = f" (line {line})" if line else ""
    return f"The playbook file {source} is not valid at {format_path(path)}{at}: {problem}."


def _header_parts(line: str) -> list[str] | None:
    """The dotted names of a ``[a.b]`` or ``[[a]]`` header line, or None if not a header."""
    match = _HEADER.match(line)
    if not match:
        return None
    return [p.strip().strip("\"'") for p in _DOTTED.findall(match.group(1))]


def find_line(text: str, path: KeyPath) -> int | None:
    """The 1-based line where ``path`` is (or the nearest enclosing table found), else None."""
    lines = text.splitlines()
    found: int | None = None
    start = 0
    previous: str | None = None
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            hit = _nth_array_header(lines, start, previous, part)
        else:
            hit = _find_name(lines, start, str(part))
        if hit is None:
            break
        found = start = hit
        previous = str(part)
    return None if found is None else found + 1


def _nth_array_header(lines: list[str], start: int, name: str | None, index: int) -> int | None:
    """The line of the ``index``-th ``[[name]]`` header at or after ``start``."""
    if name is None:
        return None
    seen = -1
    for number in range(start, len(lines)):
        stripped = lines[number].strip()
        if stripped.startswith("[[") and (_header_parts(stripped) or [""])[-1] == name:
            seen += 1
            if seen == index:
                return number
    return None


def _find_name(lines: list[str], start: int, name: str) -> int | None:
    """A header naming ``name``, or a ``name =`` key before the next header, from ``start``."""
    for number in range(start, len(lines)):
        line = lines[number]
        parts = _header_parts(line)
        if parts is not None:
            if name in parts:
                return number
            if number > start:
                # Keys of the current table end here; look further only for a header.
                return _find_header(lines, number + 1, name)
            continue
        match = _ASSIGN.match(line)
        if match and match.group(2).strip() == name:
            return number
    return None


def _find_header(lines: list[str], start: int, name: str) -> int | None:
    """The first header at or after ``start`` that names ``name``."""
    for number in range(start, len(lines)):
        parts = _header_parts(lines[number])
        if parts is not None and name in parts:
            return number
    return None
