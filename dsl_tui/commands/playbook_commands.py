"""``dsl-tui playbook check [FILE]``: check a trust's playbook before it is used.

Exit 0 when the playbook loads and every path through its questions reaches a category with steps;
1 when it loads but a walk of every path finds something no path reaches (probably a rule in the
wrong order); 2 when it is malformed (the message names the key and line).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dsl_tui.playbook import load_playbook
from dsl_tui.playbook.lint import lint


def _check(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui playbook check``."""
    playbook = load_playbook(Path(args.file) if args.file else None)
    report = lint(playbook)
    print(
        f"Playbook {playbook.version} ({playbook.trust}): {len(playbook.questions())} questions, "
        f"{len(playbook.categories)} categories, {len(playbook.steps)} steps, "
        f"{len(playbook.routes)} routes; {report.paths} paths through the questions, "
        f"at most {report.longest} questions on one."
    )
    for problem in report.problems:
        print(f"  problem: {problem}")
    if report.problems:
        print(f"{len(report.problems)} problem(s) found.")
        return 1
    print("The playbook is sound.")
    return 0


def register(subparsers: Any) -> None:
    """Add ``playbook check`` to the command line."""
    p = subparsers.add_parser("playbook", help="check the trust's playbook")
    sub = p.add_subparsers(dest="playbook_command", metavar="ACTION", required=True)
    check = sub.add_parser(
        "check",
        help="load a playbook and walk every path through its questions",
        description="Check a playbook (default: the one in use; DSL_TUI_PLAYBOOK sets another).",
    )
    check.add_argument("file", nargs="?", metavar="FILE", help="playbook TOML file")
    check.set_defaults(func=_check)
