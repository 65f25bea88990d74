"""The IT log: which error stopped what and when, never a word of case data."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path

import pytest
from helpers_app import MemorySession, notices, type_text, wait_until
from test_app_case import one_case, open_case

from dsl_tui import cli, itlog
from dsl_tui.errors import UsageError, VaultTampered
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen

CANARY = "Marigold Thistlewood"


@pytest.fixture()
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv("DSL_TUI_LOG_DIR", str(folder))
    return folder


def entries(folder: Path) -> list[dict[str, object]]:
    path = folder / itlog.NAME
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def everything(folder: Path) -> str:
    return "".join(p.read_text() for p in folder.rglob("*") if p.is_file())


def run_failing(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> int:
    """``dsl-tui verify`` with its handler replaced by one raising ``error``."""

    def broken(args: object) -> int:
        raise error

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda argv=None: parser)
    verify = parser._subparsers._group_actions[0].choices["verify"]  # type: ignore[union-attr]
    verify.set_defaults(func=broken)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return cli.main(["verify"])


def test_an_unexpected_error_is_logged_by_type_and_origin_never_its_text(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_failing(monkeypatch, RuntimeError(f"{CANARY} said something")) == 1
    assert CANARY not in capsys.readouterr().err
    [entry] = entries(log_dir)
    assert entry["error"] == "RuntimeError" and entry["where"] == "cli"
    assert entry["command"] == "verify" and entry["exit"] == 1
    assert str(entry["module"]).startswith("tests.") or entry["module"] == "test_itlog"
    assert CANARY not in everything(log_dir)
    assert stat.S_IMODE((log_dir / itlog.NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700


def test_a_domain_failure_is_logged_with_its_exit_code_and_a_typing_slip_is_not(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_failing(monkeypatch, VaultTampered(f"The case of {CANARY} is damaged.")) == 5
    assert run_failing(monkeypatch, UsageError(f"No case called {CANARY}.")) == 2
    assert [(e["error"], e["exit"]) for e in entries(log_dir)] == [("VaultTampered", 5)]
    assert CANARY not in everything(log_dir)


def test_the_log_rotates_and_keeps_three_old_files(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(itlog, "MAX_BYTES", 2_000)
    for _ in range(200):
        itlog.record(RuntimeError(CANARY), where="cli", command="verify")
    names = sorted(p.name for p in log_dir.iterdir())
    assert names == [itlog.NAME, *(f"{itlog.NAME}.{n}" for n in (1, 2, 3))]
    assert all(p.stat().st_size < 2_000 + 400 for p in log_dir.iterdir())


def test_a_log_that_cannot_be_written_never_fails_the_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("DSL_TUI_LOG_DIR", str(blocker / "logs"))
    itlog.record(RuntimeError("x"), where="cli")  # no exception


async def test_an_unexpected_error_in_the_app_is_logged_without_its_text(log_dir: Path) -> None:
    book, _ = one_case()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"{CANARY} secret detail")

    book.add_note = broken  # type: ignore[method-assign]
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "A note that cannot be saved")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert any("RuntimeError" in n for n in notices(app))
    [entry] = entries(log_dir)
    assert entry["where"] == "app" and entry["error"] == "RuntimeError"
    assert CANARY not in everything(log_dir)
