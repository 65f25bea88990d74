"""Issue #13 finding 13: the idle lock is the DSL's choice, 1 to 30 minutes, default 5, and the
app started from the command line honours it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dsl_tui import cli
from dsl_tui.errors import UsageError
from dsl_tui.settings import IDLE_LOCK_ENV, idle_lock_minutes


@pytest.mark.parametrize(
    ("option", "env", "minutes"),
    [(None, {}, 5), ("1", {}, 1), ("30", {}, 30), (None, {IDLE_LOCK_ENV: "12"}, 12),
     ("3", {IDLE_LOCK_ENV: "12"}, 3)],
)  # fmt: skip
def test_idle_lock_minutes(option: str | None, env: dict[str, str], minutes: int) -> None:
    assert idle_lock_minutes(option, env) == minutes


@pytest.mark.parametrize("bad", ["0", "31", "600", "-5", "five", "2.5"])
def test_idle_lock_outside_one_to_thirty_minutes_is_refused(bad: str) -> None:
    with pytest.raises(UsageError, match="from 1 to 30"):
        idle_lock_minutes(bad, {})
    with pytest.raises(UsageError, match="from 1 to 30"):
        idle_lock_minutes(None, {IDLE_LOCK_ENV: bad})


def _started_with(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str
) -> tuple[int, list[float]]:
    from dsl_tui.screens.app import DslApp

    seen: list[float] = []

    def run(self: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(self.idle_lock_seconds)
        return 0

    monkeypatch.setattr(DslApp, "run", run)
    return cli.main([*argv, "--vault", str(tmp_path / "vault.dsl")]), seen


def test_the_app_honours_the_idle_lock_option_and_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(IDLE_LOCK_ENV, raising=False)
    assert _started_with(monkeypatch, tmp_path) == (0, [300.0])
    assert _started_with(monkeypatch, tmp_path, "--idle-lock", "10") == (0, [600.0])
    monkeypatch.setenv(IDLE_LOCK_ENV, "2")
    assert _started_with(monkeypatch, tmp_path) == (0, [120.0])
    assert _started_with(monkeypatch, tmp_path, "--idle-lock", "45") == (2, [])
    assert "from 1 to 30" in capsys.readouterr().err
