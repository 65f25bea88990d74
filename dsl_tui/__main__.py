"""``python -m dsl_tui`` runs the command line."""

from dsl_tui.cli import entry

raise SystemExit(entry())
