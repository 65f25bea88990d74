"""Shared test set-up: fast (floor) KDF for new vaults, and local state kept inside tmp folders."""

from __future__ import annotations

import os
import tempfile

# Vaults made by tests use the KDF floor instead of calibrating to ~0.5-1 s; the floor is still
# enforced when opening. Subprocesses inherit this.
os.environ.setdefault("DSL_TUI_KDF", "floor")

# Local state (last slot, last generation seen per vault) goes to a throwaway folder, never the
# developer's own state folder. Subprocesses inherit this too.
os.environ.setdefault("DSL_TUI_STATE", tempfile.mkdtemp(prefix="dsl-tui-test-state-"))
