"""A log for the school's IT: which error stopped what, and when; never any case data.

Each line is one JSON object: the UTC time, where (``cli`` or ``app``), the command name (from
the program's own fixed list), the exception's type and the module and line it was raised in, and
the exit code. Never the exception's message, its arguments, a path, a passphrase or any text a
DSL typed: messages can quote a typed id or an imported file's field, paths can name a pupil.

The file is ``dsl-tui.log`` in the platform's per-user log folder (``platformdirs``;
``DSL_TUI_LOG_DIR`` chooses another), created 0600 in a 0700 folder, and rotated at 256 KiB
(three old files kept). Writing it never fails the program: a log that cannot be written is
skipped.
"""

from __future__ import annotations

import json
import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

#: Rotate past this size; keep this many older files (dsl-tui.log.1 ... .3).
MAX_BYTES = 256 * 1024
KEEP = 3
NAME = "dsl-tui.log"


def log_dir() -> Path:
    """Where the IT log is kept."""
    env = os.environ.get("DSL_TUI_LOG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir("dsl-tui", appauthor=False))


def _origin(error: BaseException) -> tuple[str, int]:
    """The module (dotted name, ours or a library's) and line where ``error`` was raised."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    if not frames:
        return "", 0
    last = frames[-1]
    path = Path(last.filename)
    parts = list(path.with_suffix("").parts)
    for anchor in ("dsl_tui", "textual", "tinydb", "cryptography", "rich"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return ".".join(parts[index:]), last.lineno or 0
    return path.stem, last.lineno or 0  # a standard-library module: its name only


def _rotate(path: Path) -> None:
    for number in range(KEEP - 1, 0, -1):
        older = path.with_name(f"{NAME}.{number}")
        if older.exists():
            os.replace(older, path.with_name(f"{NAME}.{number + 1}"))
    os.replace(path, path.with_name(f"{NAME}.1"))


def record(error: BaseException, *, where: str, command: str = "", exit_code: int = 1) -> None:
    """Append one line for ``error`` (its type and origin only); never raises."""
    try:
        module, line = _origin(error)
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "where": where,
            "command": command if command.replace("-", "").isalnum() else "",
            "error": type(error).__name__,
            "module": module,
            "line": line,
            "exit": exit_code,
        }
        folder = log_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / NAME
        if path.exists() and path.stat().st_size > MAX_BYTES:
            _rotate(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")
    except Exception:  # noqa: BLE001, S110 - the log must never be why the program fails
        pass
