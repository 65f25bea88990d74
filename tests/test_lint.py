"""``ruff`` agrees with the code: no lint finding (rules A, B, E, F, I) and nothing to reformat.

Runs from the checkout's root, so the settings in pyproject.toml apply.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECKED = ("dsl_tui", "screens", "tests", "bench")


@pytest.mark.parametrize(
    "command", [("check",), ("format", "--check")], ids=["ruff check", "ruff format --check"]
)
def test_ruff_finds_nothing(command: tuple[str, ...]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", *CHECKED],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
