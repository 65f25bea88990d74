"""``dsl-tui playbook check [FILE]`` and ``dsl-tui playbook review --out FILE``.

``check``: exit 0 when the playbook loads and every path through its questions reaches a category
with steps; 1 when it loads but a walk of every path finds something no path reaches (probably a
rule in the wrong order); 2 when it is malformed (the message names the key and line).

``review``: writes the printable review of every answer path and its result, with the policy's
words for each clause and a sign-off block, for the safeguarding governor (policy 11.2). Exit 2
on a bad path; the file is written atomically and never replaces anything but an earlier review.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dsl_tui.errors import UsageError
from dsl_tui.playbook import load_playbook
from dsl_tui.playbook.lint import lint
from dsl_tui.playbook.review import GENERATOR, review_html
from dsl_tui.terminal import safe_line
from dsl_tui.vault.atomic import write_atomic

if TYPE_CHECKING:
    from dsl_tui import cli


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


def _review(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui playbook review``."""
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise UsageError("The folder for the review does not exist; choose another --out.")
    if out.exists():
        if not out.is_file():
            raise UsageError("--out names a folder or device, not a file; choose a file name.")
        with out.open("rb") as handle:
            if GENERATOR.encode() not in handle.read(4096):
                raise UsageError("A file that is not a playbook review is already there; "
                                 "choose another --out.")  # fmt: skip
    playbook = load_playbook(Path(args.file) if args.file else None)
    page = review_html(playbook, made_on=date.today())
    write_atomic(out, [page.encode("utf-8")], doing="write the review")
    print(f"Review of playbook {playbook.version} written to {safe_line(str(out))}.")
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add ``playbook check`` and ``playbook review`` to the command line."""
    p = subparsers.add_parser("playbook", help="check the trust's playbook")
    sub = p.add_subparsers(dest="playbook_command", metavar="ACTION", required=True)
    check = sub.add_parser(
        "check",
        help="load a playbook and walk every path through its questions",
        description="Check a playbook (default: the one in use; DSL_TUI_PLAYBOOK sets another).",
    )
    check.add_argument("file", nargs="?", metavar="FILE", help="playbook TOML file")
    check.set_defaults(func=_check)
    review = sub.add_parser(
        "review",
        help="write a printable review of every answer path, for the yearly sign-off (11.2)",
        description="Write every answer path and its result, the policy's words for each clause "
        "and a sign-off block as one self-contained HTML page (default: the playbook in use).",
    )
    review.add_argument("file", nargs="?", metavar="FILE", help="playbook TOML file")
    review.add_argument("--out", required=True, metavar="FILE", help="the HTML file to write")
    review.set_defaults(func=_review)
