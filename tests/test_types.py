"""The type checker agrees with the code: ``mypy --strict`` over the domain and the screens is
clean (``strict = true`` in pyproject.toml; said again here so the gate cannot slip).

Runs on the checkout's sources laid out as the wheel installs them (``screens/`` as
``dsl_tui/screens``, ``data/`` as ``dsl_tui/data``), with the settings in pyproject.toml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def installed_layout(into: Path) -> Path:
    """Copy the checkout's package into ``into`` as the wheel lays it out; return the root."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "dsl_tui", into / "dsl_tui", ignore=ignore)
    shutil.copytree(REPO / "screens", into / "dsl_tui" / "screens", ignore=ignore)
    shutil.copytree(REPO / "data", into / "dsl_tui" / "data", ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", into / "pyproject.toml")
    return into


def test_mypy_finds_no_type_errors(tmp_path: Path) -> None:
    root = installed_layout(tmp_path / "pkg")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "c"),
            "-p",
            "dsl_tui",
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
