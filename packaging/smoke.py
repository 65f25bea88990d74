"""Smoke-test a built ``dsl-tui`` folder with Python out of the way: ``python packaging/smoke.py``.

Runs the built program (default ``dist/dsl-tui/``) the way a school PC would: no ``PYTHONPATH``,
``PYTHONHOME`` or virtual environment, no folder holding a Python on ``PATH``, and a working folder
of its own. It checks ``--version``, that ``--help`` lists every command of every module in
``dsl_tui.cli.COMMAND_MODULES`` and that each command's own ``--help`` runs (it imports its
module), then ``init``, ``demo-data``, ``verify``, ``export --list``, ``playbook check``, an age
case file round trip (``keygen``, ``export``, ``open --check``: the compiled crypto inside the
build) and a PDF case file. Where the platform has a pseudo-terminal (not Windows) it also starts
the app and waits for the create-vault screen. Exit 0 when all pass, 1 when not.

Works the same on Linux and Windows; the Python running this script only reads the checkout's
command list, the built program never sees it.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "smoke test harbour lantern"
#: Environment variables that would let the program find a Python installation.
PYTHON_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "CONDA_PREFIX")


class SmokeFailure(Exception):
    """The built program is missing something or a command failed."""


def expected_commands() -> dict[str, list[str]]:
    """Each module of ``COMMAND_MODULES`` and the commands it adds (the installed dsl_tui, else
    this checkout's)."""
    if importlib.util.find_spec("dsl_tui") is None:
        sys.path.insert(0, str(REPO))
    from dsl_tui import cli

    found: dict[str, list[str]] = {}
    for name in cli.COMMAND_MODULES:
        module = importlib.import_module(f"dsl_tui.commands.{name}")
        subparsers = argparse.ArgumentParser().add_subparsers()
        module.register(subparsers)
        found[name] = sorted(subparsers.choices)
    return found


def missing_commands(help_text: str, expected: dict[str, list[str]]) -> list[str]:
    """The expected commands (as ``module: command``) that ``help_text`` does not list."""
    listed = set(re.findall(r"^ {4}(\S+)", help_text, flags=re.MULTILINE))
    return [
        f"{module}: {command}"
        for module, commands in expected.items()
        for command in commands
        if command not in listed
    ]


def checkout_version() -> str:
    """``__version__`` as written in this checkout's ``dsl_tui/__init__.py``."""
    tree = ast.parse((REPO / "dsl_tui" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise SmokeFailure("dsl_tui/__init__.py has no __version__")


def _holds_python(folder: str) -> bool:
    names = ("python.exe", "python3.exe") if sys.platform == "win32" else ("python", "python3")
    return any(Path(folder, name).exists() for name in names)


def clean_env(scratch: Path) -> dict[str, str]:
    """The environment of a PC without Python: no Python variables, no Python folder on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in PYTHON_VARIABLES}
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part and not _holds_python(part)
    )
    # Throwaway vault and state, the floor KDF (seconds matter in CI, not strength).
    env["DSL_TUI_VAULT"] = str(scratch / "vault.dsl")
    env["DSL_TUI_STATE"] = str(scratch / "state")
    env["DSL_TUI_KDF"] = "floor"
    return env


_SCRATCH: list[Path] = []


def _scratch() -> Path:
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="dsl-tui-smoke-")))
    return _SCRATCH[0]


def cleanup() -> None:
    """Remove the scratch folder (vaults, keys and case files of the checks)."""
    import shutil

    while _SCRATCH:
        shutil.rmtree(_SCRATCH.pop(), ignore_errors=True)


def run_program(
    program: Path, *args: str, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the built program in a clean environment and a scratch folder; SmokeFailure if not 0."""
    scratch = _scratch()
    started = time.monotonic()
    done = subprocess.run(
        [str(program), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(scratch),
        cwd=scratch,
        timeout=timeout,
    )
    shown = " ".join(args)
    if done.returncode != 0:
        raise SmokeFailure(
            f"`dsl-tui {shown}` exited {done.returncode}: {done.stderr.strip()[-2000:]}"
        )
    print(f"smoke: ok  dsl-tui {shown}  ({time.monotonic() - started:.1f} s)")
    return done


def tui_starts(program: Path, timeout: float = 30) -> None:
    """Start the app on a pseudo-terminal; SmokeFailure unless the create-vault screen shows."""
    import pty
    import select
    import signal

    env = clean_env(_scratch())
    env["DSL_TUI_VAULT"] = str(_scratch() / "no-vault-yet.dsl")
    env.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.chdir(_scratch())
        os.execve(str(program), [str(program)], env)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
            # Screen text arrives between escape codes: look at the letters only.
            letters = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|[^A-Za-z ]", b"", seen)
            if b"Create" in letters and b"vault" in letters:
                print("smoke: ok  dsl-tui (the app shows the create-vault screen)")
                return
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
    raise SmokeFailure("the app did not show the create-vault screen")


def smoke(folder: Path) -> None:
    """Every check in the module docstring, in order; SmokeFailure at the first that fails."""
    program = folder / ("dsl-tui.exe" if sys.platform == "win32" else "dsl-tui")
    if not program.is_file():
        raise SmokeFailure(f"no program at {program}")
    version = run_program(program, "--version").stdout.strip()
    if version != f"dsl-tui {checkout_version()}":
        raise SmokeFailure(f"--version says {version!r}, not dsl-tui {checkout_version()}")
    missing = missing_commands(run_program(program, "--help").stdout, expected_commands())
    if missing:
        raise SmokeFailure(f"--help lacks: {', '.join(missing)}")
    # --help is answered without importing the command modules (dsl_tui.cli.COMMANDS): each
    # command's own --help imports its module, so a module left out of the build fails here.
    for commands in expected_commands().values():
        for command in commands:
            run_program(program, command, "--help")
    both = f"{PASSPHRASE}\n{PASSPHRASE}\n"
    run_program(program, "init", "--user", "Smoke Test DSL", "--passphrase-stdin", stdin=both)
    run_program(program, "demo-data", "--cases", "3", "--passphrase-stdin", stdin=both)
    run_program(program, "verify", "--passphrase-stdin", stdin=both)
    listed = run_program(program, "export", "--list", "--passphrase-stdin", stdin=both)
    ids = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    if len(ids) != 3:
        raise SmokeFailure(f"export --list shows {len(ids)} cases, not 3")
    run_program(program, "playbook", "check")
    key = _scratch() / "manager-key.txt"
    public = run_program(program, "keygen", "--out", str(key)).stdout.split()[-1]
    case_file = _scratch() / "case.age"
    run_program(
        program, "export", ids[0], "--out", str(case_file), "--recipient", public,
        "--passphrase-stdin", stdin=both,
    )  # fmt: skip
    run_program(program, "open", str(case_file), "--identity", str(key), "--check")
    pdf = _scratch() / "case.pdf"
    run_program(
        program, "export", ids[0], "--out", str(pdf), "--format", "pdf",
        "--generate-passphrase", "--passphrase-stdin", stdin=both,
    )  # fmt: skip
    if not pdf.read_bytes().startswith(b"%PDF-") or b"/Encrypt" not in pdf.read_bytes():
        raise SmokeFailure("export --format pdf did not write an encrypted PDF")
    if sys.platform != "win32":
        tui_starts(program)


def main(argv: Sequence[str] | None = None) -> int:
    """Smoke-test the folder given (default ``dist/dsl-tui``); 0 when every check passes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "dist" / "dsl-tui")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        smoke(args.folder.resolve())
    except (SmokeFailure, subprocess.TimeoutExpired) as err:
        print(f"smoke: FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        cleanup()
    print(f"smoke: all checks passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
