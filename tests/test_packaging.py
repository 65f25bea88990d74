"""The standalone build's scripts (packaging/): the parts that must hold on Windows too.

The build itself (PyInstaller, about 40 s) and its smoke test run in CI after the tests
(.ci/run) and on a Windows runner (.github/workflows/windows-build.yml), not here.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dsl_tui import cli

REPO = Path(__file__).resolve().parents[1]


def load(name: str) -> ModuleType:
    """A script of packaging/ as a module (the folder is not a package)."""
    folder = str(REPO / "packaging")
    if folder not in sys.path:
        sys.path.insert(0, folder)  # build.py imports smoke.py from beside it
    spec = importlib.util.spec_from_file_location(
        f"packaging_{name}", REPO / "packaging" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_program_is_an_exe_on_windows() -> None:
    build = load("build")
    assert build.program_path(Path("dist/dsl-tui"), "win32").name == "dsl-tui.exe"
    assert build.program_path(Path("dist/dsl-tui"), "linux").name == "dsl-tui"


def test_pyinstaller_gets_a_onedir_build_with_every_module_and_the_data(tmp_path: Path) -> None:
    build = load("build")
    args = build.pyinstaller_args(tmp_path / "stage", tmp_path / "dist", tmp_path / "work")
    assert "--onedir" in args and "--onefile" not in args
    assert args[args.index("--collect-submodules") + 1] == "dsl_tui"
    datas = [args[i + 1] for i, arg in enumerate(args) if arg == "--add-data"]
    # os.pathsep: ";" on Windows, ":" elsewhere, as PyInstaller reads it on each.
    assert any(d.endswith(f"data{os.pathsep}dsl_tui/data") for d in datas)
    assert any(d.endswith(f"app.tcss{os.pathsep}dsl_tui/screens") for d in datas)


def test_the_stage_is_laid_out_as_the_wheel(tmp_path: Path) -> None:
    build = load("build")
    staged = build.stage(tmp_path / "stage")
    for name in build.REQUIRED_DATA:
        assert (staged / name).is_file(), name
    assert (staged / "dsl_tui" / "cli.py").is_file()


def test_help_must_list_every_command_of_every_module() -> None:
    smoke = load("smoke")
    expected = smoke.expected_commands()
    assert list(expected) == list(cli.COMMAND_MODULES)
    assert all(expected.values()), "every command module adds a command"
    assert smoke.missing_commands(cli.build_parser().format_help(), expected) == []
    shorter = cli.build_parser().format_help().replace("    keygen ", "    ")
    assert smoke.missing_commands(shorter, expected) == ["export_commands: keygen"]


def test_the_smoke_test_hides_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    smoke = load("smoke")
    with_python = tmp_path / "venv-bin"
    with_python.mkdir()
    (with_python / ("python.exe" if sys.platform == "win32" else "python3")).touch()
    monkeypatch.setenv("PATH", os.pathsep.join([str(with_python), str(tmp_path)]))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("PYTHONHOME", sys.prefix)
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    env = smoke.clean_env(tmp_path)
    assert env["PATH"] == str(tmp_path)
    assert not {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"} & set(env)
    assert env["DSL_TUI_VAULT"].startswith(str(tmp_path))


def test_the_windows_workflow_builds_and_smoke_tests() -> None:
    workflow = (REPO / ".github" / "workflows" / "windows-build.yml").read_text(encoding="utf-8")
    assert "runs-on: windows-latest" in workflow
    assert "packaging/build.py" in workflow and "packaging/smoke.py" in workflow
