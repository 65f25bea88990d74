"""Shared test set-up: fast (floor) KDF for new vaults, and local state kept inside tmp folders."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Vaults made by tests use the KDF floor instead of calibrating to ~0.5-1 s; the floor is still
# enforced when opening. Subprocesses inherit this.
os.environ.setdefault("DSL_TUI_KDF", "floor")

# Local state (last slot, last generation seen per vault) goes to a throwaway folder, never the
# developer's own state folder. Subprocesses (and xdist workers) inherit this too; the process
# that made the folder removes it at exit.
if "DSL_TUI_STATE" not in os.environ:
    os.environ["DSL_TUI_STATE"] = tempfile.mkdtemp(prefix="dsl-tui-test-state-")
    atexit.register(shutil.rmtree, os.environ["DSL_TUI_STATE"], ignore_errors=True)

# The IT log (errors only, no case data) goes to a throwaway folder too.
if "DSL_TUI_LOG_DIR" not in os.environ:
    os.environ["DSL_TUI_LOG_DIR"] = tempfile.mkdtemp(prefix="dsl-tui-test-log-")
    atexit.register(shutil.rmtree, os.environ["DSL_TUI_LOG_DIR"], ignore_errors=True)
