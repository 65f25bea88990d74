"""Where the app finds its shipped data and keeps its small local state (outside the vault)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The folder holding playbook.toml: ``dsl_tui/data`` installed, ``data/`` in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "data"
    if (installed / "playbook.toml").is_file():
        return installed
    return here.parent / "data"


def state_dir() -> Path:
    """Per-user folder for non-secret local state (e.g. last seen vault generation)."""
    env = os.environ.get("DSL_TUI_STATE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("dsl-tui", appauthor=False))
