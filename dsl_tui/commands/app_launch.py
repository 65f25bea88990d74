"""Start the TUI: on the chosen vault, or with ``--demo`` on a throwaway vault of fictional cases.

The only door from the domain into the UI: ``screens`` is imported inside ``launch`` so that no
``dsl_tui`` module pulls in Textual at import time.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from dsl_tui import cli, session
from dsl_tui.settings import idle_lock_minutes

#: How many fictional cases the demo vault holds.
DEMO_CASES = 40


def _demo_passphrase() -> str:
    """A fresh passphrase for the demo vault (shown on screen; the vault is thrown away)."""
    from dsl_tui.export import generate_passphrase

    return generate_passphrase()


def launch(args: argparse.Namespace) -> int:
    """Run the app; returns the exit code."""
    idle = 60.0 * idle_lock_minutes(getattr(args, "idle_lock", None))  # refused before any UI
    from dsl_tui.screens.app import DslApp

    if not getattr(args, "demo", False):
        app = DslApp(vault_path=cli.vault_path(args), idle_lock_seconds=idle)
        return app.run() or 0
    folder = Path(tempfile.mkdtemp(prefix="dsl-tui-demo-"))
    try:
        passphrase = _demo_passphrase()
        path = folder / "demo-vault.dsl"
        casebook = session.create(path, "Demo DSL", "DSL", passphrase)
        try:
            from dsl_tui.demo import add_demo_cases

            add_demo_cases(casebook, DEMO_CASES)
        except BaseException:
            session.lock(casebook)
            raise
        app = DslApp(
            vault_path=path, casebook=casebook, demo_passphrase=passphrase, idle_lock_seconds=idle
        )
        code = app.run() or 0
        if not app.is_locked:
            session.lock(app.casebook)
        print(f"The demo vault (passphrase {passphrase}) was thrown away.")
        return code
    finally:
        shutil.rmtree(folder, ignore_errors=True)
