"""Build the standalone program: ``python packaging/build.py`` makes ``dist/dsl-tui/``.

A folder ("onedir") build made by PyInstaller: ``dist/dsl-tui/dsl-tui`` (``dsl-tui.exe`` on
Windows) runs with no Python beside it; a zip of ``dist/dsl-tui/`` is what a trust's IT deploys.
(A one-file build would unpack itself to %TEMP% on every start: slower, and antivirus dislikes it.)

Steps:

1. Lay the checkout out as the wheel installs it (``screens/`` as ``dsl_tui/screens``, ``data/``
   as ``dsl_tui/data``) in ``build/stage/``, so the build is this checkout whatever way (editable
   or not) it is installed in the running Python.
2. Run PyInstaller on it: every ``dsl_tui`` module (the command modules are imported by name,
   which PyInstaller cannot see), Textual's lazily imported widgets, the playbook, policy and
   password data, and the ``.tcss`` styles.
3. Check the built program: its ``--help`` lists every command of every module in
   ``dsl_tui.cli.COMMAND_MODULES``, and ``playbook check`` passes inside it. A missing command
   module or data file fails the build (exit 1), never ships a silently shorter program.

The tools come from the ``build`` extra: ``pip install ".[build]"``. Runs the same on Linux,
macOS and Windows; ``packaging/smoke.py`` then tests the built program end to end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smoke import (  # noqa: E402 - beside this script, not a package
    REPO,
    SmokeFailure,
    cleanup,
    expected_commands,
    missing_commands,
    run_program,
)

NAME = "dsl-tui"
#: Data files the program cannot work without, as they sit inside the built folder's package.
REQUIRED_DATA = (
    "dsl_tui/data/playbook.toml",
    "dsl_tui/data/policy-sections.toml",
    "dsl_tui/data/common-passwords.txt",
    "dsl_tui/data/fonts/DejaVuSans.ttf",
    "dsl_tui/data/fonts/DejaVuSans-Bold.ttf",
    "dsl_tui/screens/app.tcss",
)


def program_path(folder: Path, platform: str = sys.platform) -> Path:
    """The program inside a built folder: ``dsl-tui``, or ``dsl-tui.exe`` on Windows."""
    return folder / (f"{NAME}.exe" if platform == "win32" else NAME)


def stage(into: Path) -> Path:
    """Copy the checkout's package into ``into`` as the wheel lays it out; return ``into``."""
    if into.exists():
        shutil.rmtree(into)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "dsl_tui", into / "dsl_tui", ignore=ignore)
    shutil.copytree(REPO / "screens", into / "dsl_tui" / "screens", ignore=ignore)
    shutil.copytree(REPO / "data", into / "dsl_tui" / "data", ignore=ignore)
    launcher = into / "launch_dsl_tui.py"
    launcher.write_text(
        "from dsl_tui.cli import entry\n\nraise SystemExit(entry())\n", encoding="utf-8"
    )
    return into


def pyinstaller_args(staged: Path, dist: Path, work: Path) -> list[str]:
    """PyInstaller's command line for a onedir console build of the staged package."""
    package = staged / "dsl_tui"
    datas = [
        (package / "data", "dsl_tui/data"),
        (package / "screens" / "app.tcss", "dsl_tui/screens"),
    ]
    args = [
        str(staged / "launch_dsl_tui.py"),
        "--name",
        NAME,
        "--onedir",
        "--console",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--paths",
        str(staged),
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        "--specpath",
        str(work),
        # Found by name at run time, so invisible to PyInstaller's import scan.
        "--collect-submodules",
        "dsl_tui",
        "--collect-submodules",
        "textual.widgets",
        # Nothing here draws windows or runs tests.
        "--exclude-module",
        "tkinter",
        "--exclude-module",
        "pytest",
    ]
    for source, dest in datas:
        args += ["--add-data", f"{source}{os.pathsep}{dest}"]
    return args


def check_built(folder: Path) -> None:
    """Fail (SmokeFailure) unless the built program has every command and its data."""
    program = program_path(folder)
    if not program.is_file():
        raise SmokeFailure(f"no program at {program}")
    internal = folder / "_internal"
    absent = [name for name in REQUIRED_DATA if not (internal / name).is_file()]
    if absent:
        raise SmokeFailure(f"data files missing from the build: {', '.join(absent)}")
    helped = run_program(program, "--help")
    missing = missing_commands(helped.stdout, expected_commands())
    if missing:
        raise SmokeFailure(f"--help of the built program lacks: {', '.join(missing)}")
    try:
        run_program(program, "playbook", "check")
    finally:
        cleanup()


def build(dist: Path, work: Path) -> Path:
    """Stage, run PyInstaller, check; return the built folder (``dist/dsl-tui``)."""
    staged = stage(work / "stage")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            *pyinstaller_args(staged, dist, work / "pyinstaller"),
        ],
        cwd=work,
        check=False,
    )
    if done.returncode != 0:
        raise SmokeFailure(f"PyInstaller failed (exit {done.returncode})")
    folder = dist / NAME
    check_built(folder)
    return folder


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Build and check; exit 0 when ``dist/dsl-tui`` is whole, 1 when not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="scratch folder")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        folder = build(args.dist.resolve(), args.work.resolve())
    except SmokeFailure as err:
        print(f"build: FAILED: {err}", file=sys.stderr)
        return 1
    size = folder_size(folder) / 1e6
    elapsed = time.monotonic() - started
    print(f"build: {program_path(folder)} ({size:.0f} MB) in {elapsed:.0f} s; checks passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
