"""The ``dsl-tui`` command line: argparse, passphrase input, and one place mapping errors to exits.

Each group of subcommands lives in a module of ``dsl_tui.commands`` that exposes
``register(subparsers) -> None``; a subcommand sets ``func=handler`` with
``handler(args: argparse.Namespace) -> int``. Handlers raise ``DslError`` subclasses; ``main`` turns
them into one sentence on stderr and the exit code (DESIGN.md: 0 ok, 1 check failed, 2 usage,
3 wrong passphrase or key, 4 locked, 5 integrity). No traceback ever reaches the user.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

from dsl_tui import __version__, itlog
from dsl_tui.errors import DslError, UsageError
from dsl_tui.hardening import harden, private_umask
from dsl_tui.terminal import never_fail_to_print, safe_text

#: What a command module's ``register`` adds its subcommands to.
Subcommands: TypeAlias = "argparse._SubParsersAction[_Parser]"

#: Every command: the module of dsl_tui.commands that adds it, and its one-line help. ``--help``
#: and ``--version`` are answered from this table without importing any command module (they
#: pull in the vault, TinyDB, the crypto and the playbook: 0.2 s); a command's module is imported
#: only when that command runs. Add yours here, in the order ``--help`` lists them;
#: tests/test_cli_lazy.py checks the table against what each module registers.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("vault_commands", "create a vault without the TUI"),
    "verify": ("vault_commands", "decrypt and check the vault and the audit chain"),
    "passwd": ("vault_commands", "change your passphrase"),
    "rekey": ("vault_commands", "rotate the data key: re-seal the vault, evidence and backups"),
    "users": ("vault_commands", "who has a key: add, remove, list"),
    "backup": ("vault_commands", "write an encrypted backup; prints its path"),
    "restore": ("vault_commands", "put a backup back as the vault"),
    "demo-data": ("case_commands", "add N fictional cases (all names invented)"),
    "export": ("export_commands", "write an encrypted case file (age format)"),
    "open": ("export_commands", "read a case file (read-only viewer)"),
    "import": ("export_commands", "import a transferred case file"),
    "keygen": ("export_commands", "make a key pair for a senior manager"),
    "report": ("report_commands", "anonymised yearly figures for the policy review"),
    "playbook": ("playbook_commands", "check the trust's playbook"),
    "triage": (
        "triage_commands",
        "run the playbook on triage answers (no vault; nothing is stored)",
    ),
    "roll": ("roll_commands", "the school roll (pupils looked up by name)"),
}

#: Modules of dsl_tui.commands, each adding its subcommands (in ``COMMANDS`` order).
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(m for m, _ in COMMANDS.values()))

_STDIN_LINES: list[str] = []


def default_vault_path() -> Path:
    """The vault path: ``DSL_TUI_VAULT`` if set, else the per-user data folder of platformdirs."""
    env = os.environ.get("DSL_TUI_VAULT")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("dsl-tui", appauthor=False)) / "vault.dsl"


def vault_path(args: argparse.Namespace) -> Path:
    """The vault path chosen by ``--vault``, ``DSL_TUI_VAULT`` or the default."""
    given = getattr(args, "vault", None)
    return Path(given).expanduser() if given else default_vault_path()


def read_passphrase(args: argparse.Namespace, prompt: str = "Passphrase: ") -> str:
    """A passphrase: the next line of stdin with ``--passphrase-stdin``, else a prompt without echo.

    With ``--passphrase-stdin`` several calls read successive lines (e.g. the old then the new
    passphrase for ``passwd``).
    """
    if getattr(args, "passphrase_stdin", False):
        if not _STDIN_LINES:
            _STDIN_LINES.extend(line.rstrip("\r\n") for line in sys.stdin.readlines())
            _STDIN_LINES.reverse()
        if not _STDIN_LINES:
            raise UsageError("Expected a passphrase on standard input, but it was empty.")
        return _STDIN_LINES.pop()
    if not sys.stdin.isatty():
        raise UsageError("No terminal to ask for a passphrase: use --passphrase-stdin.")
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise UsageError("No passphrase given.") from None


def warn_rollback(warning: str | None) -> None:
    """Say on stderr, once per command, that the vault is older than one this computer saw
    (``Vault.rollback_warning``): every command that opens the vault calls this."""
    if warning:
        print(f"dsl-tui: warning: {safe_text(warning)}", file=sys.stderr)


def confirm(args: argparse.Namespace, question: str, refusal: str) -> bool:
    """Ask ``question`` (y/N) at a terminal; ``--yes`` answers yes. Without a terminal (or with
    ``--passphrase-stdin``, which takes standard input) and without ``--yes``: UsageError
    ``refusal``, which should say to add ``--yes``."""
    if getattr(args, "yes", False):
        return True
    if getattr(args, "passphrase_stdin", False) or not sys.stdin.isatty():
        raise UsageError(refusal)
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().casefold() in ("y", "yes")


def more_stdin_lines() -> bool:
    """Whether ``--passphrase-stdin`` input still holds unread lines (e.g. a confirmation)."""
    return bool(_STDIN_LINES)


def add_common(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand takes: ``--vault`` and ``--passphrase-stdin``."""
    parser.add_argument(
        "--vault", metavar="PATH", help="vault file (default: per-user data folder)"
    )
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the passphrase(s) from standard input, one a line (for scripts)",
    )


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message[:1].upper()}{message[1:]} (see dsl-tui --help).")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser: with no ``argv``, every command module's subcommands (all imported).

    With ``argv`` (a command line about to be parsed), only the modules of commands named in it
    are imported; every other command is a stub carrying its name and help from ``COMMANDS``, so
    ``--version`` and ``--help`` import none. A command is always literally one of the words
    (argparse takes no abbreviated command names), so the command that runs is always real; a
    stub that is reached anyway re-parses with every module, never runs short.
    """
    wanted = set(COMMAND_MODULES)
    if argv is not None:
        wanted = {COMMANDS[word][0] for word in argv if word in COMMANDS}
    parser = _Parser(
        prog="dsl-tui",
        description="Offline, encrypted triage and case work for a school's DSL.",
    )
    parser.add_argument("--version", action="version", version=f"dsl-tui {__version__}")
    add_common(parser)
    parser.add_argument(
        "--demo", action="store_true", help="open the app on a throwaway vault of fictional cases"
    )
    parser.add_argument(
        "--idle-lock",
        metavar="MINUTES",
        help="lock the app after this many idle minutes, 1 to 30 (default 5, or DSL_TUI_IDLE_LOCK)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        if name in wanted:
            # Every command module ships with the program: a missing one is a broken build and
            # must fail loudly (packaging/smoke.py runs each command's --help in the build).
            module = importlib.import_module(f"dsl_tui.commands.{name}")
            module.register(subparsers)
            continue
        for command, (owner, help_text) in COMMANDS.items():
            if owner == name:
                stub = subparsers.add_parser(command, help=help_text, add_help=False)
                stub.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
                stub.set_defaults(func=_run_fully)
    _keep_global_options(subparsers)
    return parser


def _run_fully(args: argparse.Namespace) -> int:
    """A stub command was reached: parse the same command line again with every module."""
    full = build_parser().parse_args(_ARGV[0] if _ARGV else None)
    code: int = full.func(full)
    return code


#: The command line ``main`` is parsing (for :func:`_run_fully`).
_ARGV: list[Sequence[str] | None] = []


def _keep_global_options(subparsers: Subcommands) -> None:
    """Let ``dsl-tui --vault PATH COMMAND`` work: a subcommand's own ``--vault`` and
    ``--passphrase-stdin`` must not overwrite the global ones with their defaults when not given."""
    for sub in subparsers.choices.values():
        for action in sub._actions:
            if action.dest in ("vault", "passphrase_stdin"):
                action.default = argparse.SUPPRESS
            elif isinstance(action, argparse._SubParsersAction):
                _keep_global_options(action)


def run_app(args: argparse.Namespace) -> int:
    """Start the Textual app (the only place the domain package reaches the UI)."""
    from dsl_tui.commands.app_launch import launch

    return launch(args)


def entry() -> int:
    """Entry point of the ``dsl-tui`` program (console script and ``python -m dsl_tui``)."""
    never_fail_to_print()  # Windows writes redirected output as cp1252 unless told otherwise
    harden()  # before any passphrase is read or vault opened: no core file may hold them
    private_umask()  # every file and folder created from here on is the DSL's alone
    return main()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (tests call this in-process; the program starts at :func:`entry`)."""
    _STDIN_LINES.clear()
    line = list(sys.argv[1:] if argv is None else argv)
    _ARGV[:] = [line]
    command = ""
    try:
        parser = build_parser(line)
        args = parser.parse_args(line)
        command = str(args.command or "app")
        if args.command is None:
            return run_app(args)
        code: int = args.func(args)
        return code
    except DslError as err:
        # Messages can carry outside text (a typed id, an imported file's field):
        # control characters are shown as visible pictures, never sent raw.
        print(f"dsl-tui: {safe_text(err.message)}", file=sys.stderr)
        if not isinstance(err, UsageError):  # IT cares about failures, not typing slips
            itlog.record(err, where="cli", command=command, exit_code=err.exit_code)
        return err.exit_code
    except KeyboardInterrupt:
        print("dsl-tui: interrupted; nothing was left half-written.", file=sys.stderr)
        return 130
    except MemoryError as err:
        print("dsl-tui: out of memory; nothing was changed.", file=sys.stderr)
        itlog.record(err, where="cli", command=command)
        return 1
    except OSError as err:
        # Never echo the path or bytes involved: they may name a pupil.
        reason = err.strerror or type(err).__name__
        print(f"dsl-tui: the operation failed ({reason}); nothing was changed.", file=sys.stderr)
        itlog.record(err, where="cli", command=command)
        return 1
    except Exception as err:  # noqa: BLE001 - the last guard: no traceback reaches the user
        print(
            f"dsl-tui: an unexpected {type(err).__name__} stopped the command; "
            "nothing was changed. Please report it.",
            file=sys.stderr,
        )
        itlog.record(err, where="cli", command=command)
        if os.environ.get("DSL_TUI_DEBUG") == "1":
            raise
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
