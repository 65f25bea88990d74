"""``--version`` and ``--help`` import no command module (issue 14: they must take <= 0.1 s).

What is imported is checked in a fresh interpreter (``sys.modules``), never timed; the timing is
a benchmark workload (bench/README.md).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys

import pytest

from dsl_tui import cli

#: Packages --version and --help must not load: each costs tens of milliseconds at start-up.
HEAVY = (
    "textual",
    "tinydb",
    "cryptography",
    "dsl_tui.commands",
    "dsl_tui.vault",
    "dsl_tui.casebook",
)

_PROBE = """
import json, sys
from dsl_tui import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded_after(*argv: str) -> tuple[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=60
    )
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_import_no_command_module(option: str) -> None:
    shown, modules = _loaded_after(option)
    assert shown.strip(), "it printed something"
    heavy = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    assert heavy == []


def test_a_command_imports_only_its_own_module() -> None:
    _, modules = _loaded_after("triage", "--help")
    commands = {m for m in modules if m.startswith("dsl_tui.commands.")}
    assert commands == {"dsl_tui.commands.triage_commands"}


def _registered(module_name: str) -> list[tuple[str, str]]:
    module = importlib.import_module(f"dsl_tui.commands.{module_name}")
    subparsers = argparse.ArgumentParser().add_subparsers()
    module.register(subparsers)
    return [(str(a.dest), str(a.help)) for a in subparsers._choices_actions]


def test_the_command_table_is_what_each_module_registers() -> None:
    from_modules = [
        (command, (module, help_text))
        for module in cli.COMMAND_MODULES
        for command, help_text in _registered(module)
    ]
    assert from_modules == list(cli.COMMANDS.items())


def test_the_lazy_help_is_the_full_help() -> None:
    assert cli.build_parser([]).format_help() == cli.build_parser().format_help()


def test_a_stub_that_is_reached_runs_the_real_command(capsys: pytest.CaptureFixture[str]) -> None:
    line = ["triage"]  # quick, and a stub parses it (a stub knows no options)
    args = cli.build_parser([]).parse_args(line)
    assert args.func is cli._run_fully
    cli._ARGV[:] = [line]
    try:
        assert args.func(args) == 0
    finally:
        cli._ARGV.clear()
    assert capsys.readouterr().out.strip()
