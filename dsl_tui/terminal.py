"""Text from a case file or a vault made safe to print on a terminal.

A case file received from another school is hostile input: a name such as ``"\\x1b]0;pwned\\x07"``
or ``"\\x1b[2J"`` printed raw would retitle, clear or reprogram the DSL's terminal. Every control
character (C0, DEL and C1) is shown as a visible picture instead (``"\\x1b"`` becomes ``"␛"``), so
the reader sees that something odd was there without the terminal acting on it. The bidi
embedding, override and isolate characters (U+202A..U+202E, U+2066..U+2069) are shown the same
way: invisible, they can make "gpj.exe" read as "exe.jpg" or reverse a date or a name on screen.
Letters of every script, right-to-left text and emoji pass through unchanged.
"""

from __future__ import annotations

import io
import sys

#: C0 controls map to the Unicode "control pictures" block (U+2400..U+241F); DEL to U+2421.
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
#: C1 controls (U+0080..U+009F) have no pictures: shown as the replacement character.
_PICTURES.update({code: "\ufffd" for code in range(0x80, 0xA0)})
#: Bidi embeddings, overrides and isolates: shown as the replacement character too.
BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_PICTURES.update({code: "\ufffd" for code in BIDI_CONTROLS})

_ONE_LINE = str.maketrans(_PICTURES)
_MULTI_LINE = str.maketrans({k: v for k, v in _PICTURES.items() if k not in (0x0A, 0x09)})


def safe_line(text: object) -> str:
    """``text`` as one printable line: every control character (newline too) shown visibly."""
    return str(text).translate(_ONE_LINE)


def safe_text(text: object) -> str:
    """``text`` with control characters shown visibly, keeping newlines and tabs."""
    return str(text).translate(_MULTI_LINE)


def never_fail_to_print() -> None:
    """Make printing a name or a control picture never raise ``UnicodeEncodeError``.

    Output redirected to a file or a pipe is written as UTF-8 (on Windows Python would otherwise
    use the ANSI code page, cp1252, which has no ``Ł``, no ``陳`` and no ``␛``); a console keeps
    its own encoding, with anything it cannot show replaced by ``?``. Called once, as the program
    starts, before anything is printed.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue  # no console at all, or a test's capture: nothing to change
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            pass  # a closed or odd stream: printing will say so itself
