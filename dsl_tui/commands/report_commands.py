"""``dsl-tui report``: anonymised yearly figures for the policy review (policy 11.2)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dsl_tui import cli
from dsl_tui.errors import UsageError
from dsl_tui.report import casebook_report, text_lines, write_csv
from dsl_tui.terminal import safe_line


def _report(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui report``."""
    if args.year is not None and not 2000 <= args.year <= 2200:
        raise UsageError("Give the year as four digits, e.g. --year 2026.")
    from dsl_tui.commands.export_commands import unlocked

    with unlocked(args) as casebook:
        report = casebook_report(casebook, args.year)
    print("\n".join(text_lines(report)))
    if args.csv:
        write_csv(report, Path(args.csv))
        print(f"\nCSV written to {safe_line(args.csv)}.")
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add ``report`` to the command line."""
    p = subparsers.add_parser("report", help="anonymised yearly figures for the policy review")
    cli.add_common(p)
    p.add_argument("--year", type=int, help="calendar year (default: this year)")
    p.add_argument("--csv", metavar="FILE", help="also write the figures as CSV")
    p.set_defaults(func=_report)
