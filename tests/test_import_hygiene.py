"""The domain knows nothing of the screen: no dsl_tui module pulls in Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import dsl_tui

# app_launch is the one door from the CLI into the UI; it imports screens inside a function.
UI_DOORS = {"dsl_tui.__main__"}
#: The UI ships in the project namespace (from the top-level screens/ folder); it is not domain.
UI_PACKAGE = "dsl_tui.screens"


def domain_modules() -> list[str]:
    """Every importable module under dsl_tui, found by walking the package."""
    names = ["dsl_tui"]
    for info in pkgutil.walk_packages(dsl_tui.__path__, "dsl_tui."):
        is_ui = info.name == UI_PACKAGE or info.name.startswith(UI_PACKAGE + ".")
        if info.name not in UI_DOORS and not is_ui:
            names.append(info.name)
    return names


def test_domain_modules_are_found() -> None:
    names = domain_modules()
    assert "dsl_tui.cli" in names and "dsl_tui.model" in names


def test_no_domain_module_imports_textual(tmp_path: Path) -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {domain_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        # Run away from the checkout: the installed package (with dsl_tui.data) is what ships.
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert out == "", f"textual imported by the domain: {out}"


def test_ui_ships_inside_the_project_namespace(tmp_path: Path) -> None:
    """The screens install as dsl_tui.screens; no generic top-level ``screens`` package ships."""
    code = (
        "import importlib.util\n"
        "print(importlib.util.find_spec('screens') is None,"
        " importlib.util.find_spec('dsl_tui.screens.app') is not None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.split()
    assert out == ["True", "True"]
