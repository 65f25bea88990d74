"""Kept for the export package's callers: the functions live in :mod:`dsl_tui.terminal`."""

from __future__ import annotations

from dsl_tui.terminal import safe_line, safe_text

__all__ = ["safe_line", "safe_text"]
