"""The domain knows nothing of the screen: no dsl_tui module pulls in Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import dsl_tui

# app_launch is the one door from the CLI into the UI; it imports screens inside a function.
UI_DOORS = {"dsl_tui.__main__"}


def domain_modules() -> list[str]:
    """Every importable module under dsl_tui, found by walking the package."""
    names = ["dsl_tui"]
    for info in pkgutil.walk_packages(dsl_tui.__path__, "dsl_tui."):
        if info.name not in UI_DOORS:
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
