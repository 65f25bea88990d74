"""``dsl-tui roll import FILE.csv --school KEY`` and ``dsl-tui roll status``: the school roll.

The roll CSV (exported from SIMS, Arbor or Bromcom) is read whole and checked before anything is
kept; its pupils go into the vault (encrypted), where the app looks them up by name. The file
itself is only read: delete it once imported, it is a list of children in clear.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dsl_tui import cli
from dsl_tui.roll import read_roll


def _import(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui roll import``."""
    from dsl_tui.commands.export_commands import unlocked

    school = args.school.strip().lower()
    with unlocked(args) as casebook:
        roll = read_roll(Path(args.file), today=casebook.now().date())
        done = casebook.import_roll(school, roll)
        name = casebook.school_name(school)
        total = casebook.roll_count(school)
    print(
        f"Roll of {name}: {done.added} added, {done.updated} updated, {done.unchanged} unchanged, "
        f"{done.left} no longer on it (kept, marked as left); {total} pupils on the roll."
    )
    if roll.ignored_columns:
        print("Columns not used: " + ", ".join(roll.ignored_columns) + ".")
    print("The CSV holds children's names in clear: delete it now that it is in the vault.")
    return 0


def _status(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui roll status``."""
    from dsl_tui.commands.export_commands import unlocked

    with unlocked(args) as casebook:
        for school in casebook.playbook.schools:
            print(f"{school.key}\t{casebook.roll_count(school.key)} pupils\t{school.name}")
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add ``roll`` to the command line."""
    p = subparsers.add_parser("roll", help="the school roll (pupils looked up by name)")
    actions = p.add_subparsers(dest="roll_command", metavar="ACTION", parser_class=type(p))
    actions.required = True
    q = actions.add_parser("import", help="import a roll CSV exported from the school's MIS")
    cli.add_common(q)
    q.add_argument("file", metavar="FILE.csv")
    q.add_argument("--school", required=True, metavar="KEY", help="the school's key, e.g. sra")
    q.set_defaults(func=_import)
    q = actions.add_parser("status", help="how many pupils each school's roll holds")
    cli.add_common(q)
    q.set_defaults(func=_status)
