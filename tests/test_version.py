"""One version number: pyproject.toml takes it from ``dsl_tui.__version__``, and they agree."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import dsl_tui
from dsl_tui import cli

REPO = Path(__file__).resolve().parents[1]


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"], "a second version number would drift"
    assert "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "dsl_tui.__version__"}


def test_the_installed_version_is_the_package_version() -> None:
    assert version("dsl-tui") == dsl_tui.__version__
    shown = next(a for a in cli.build_parser()._actions if "--version" in a.option_strings)
    assert shown.version == f"dsl-tui {dsl_tui.__version__}"  # type: ignore[attr-defined]


def test_every_runtime_dependency_has_an_upper_bound() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    deps = project["project"]["dependencies"]
    assert all("<" in dep for dep in deps), deps
    assert any(dep.startswith("rich") for dep in deps), "rich is imported directly"
