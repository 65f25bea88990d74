"""Shared test set-up: fast (floor) KDF for new vaults, and local state kept inside tmp folders."""

from __future__ import annotations

import os

# Vaults made by tests use the KDF floor instead of calibrating to ~0.5-1 s; the floor is still
# enforced when opening. Subprocesses inherit this.
os.environ.setdefault("DSL_TUI_KDF", "floor")
