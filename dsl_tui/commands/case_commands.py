"""``dsl-tui demo-data``: add fictional cases to a vault (for --demo, tests and benchmarks)."""

from __future__ import annotations

import argparse

from dsl_tui import cli
from dsl_tui.errors import UsageError

#: Most cases one command may add (a sanity bound, not a limit of the casebook).
MAX_CASES = 100_000


def _demo_data(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui demo-data``: unlock, add N fictional cases, lock."""
    if not 1 <= args.cases <= MAX_CASES:
        raise UsageError(f"Give a number of cases from 1 to {MAX_CASES}.")
    from dsl_tui import session
    from dsl_tui.demo import add_demo_cases

    path = cli.vault_path(args)
    if not session.vault_exists(path):
        from dsl_tui.errors import VaultMissing

        raise VaultMissing("There is no vault there yet: create one with dsl-tui init.")
    casebook = session.unlock(path, cli.read_passphrase(args))
    cli.warn_rollback(casebook.rollback_warning)
    try:
        made = add_demo_cases(casebook, args.cases, seed=args.seed)
    finally:
        session.lock(casebook)
    print(f"Added {len(made)} fictional cases.")
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add ``demo-data`` to the command line."""
    p = subparsers.add_parser("demo-data", help="add N fictional cases (all names invented)")
    cli.add_common(p)
    p.add_argument("--cases", type=int, default=50, metavar="N", help="how many (default 50)")
    p.add_argument("--seed", type=int, default=2026, help=argparse.SUPPRESS)
    p.set_defaults(func=_demo_data)
