"""Windows' failure modes, simulated here (issue #17): each path that behaves differently there.

- an antivirus or indexer holding a file for a moment (WinError 32 / 5) on every atomic replace;
- text-mode files turning ``\\n`` into ``\\r\\n`` (the keygen key file must be bytes as written);
- output redirected to a file being cp1252: no ``UnicodeEncodeError`` for a name in any script;
- no ``resource`` module and no ``prctl``: hardening says what it could not do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from dsl_tui import hardening, session
from dsl_tui.errors import StorageError, WrongPassphrase
from dsl_tui.export import keys, package
from dsl_tui.vault import atomic

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "harbour lantern smoke pebble"
#: A fictional DSL whose name cp1252 cannot write (Ł, ś).
NAME = "Łucja Wiśniewska"


def busy(times: int, winerror: int = 32) -> tuple[Callable[[Any, Any], None], list[int]]:
    """An ``os.replace`` that fails ``times`` times as Windows does while a scanner holds the
    file, then replaces; and the list of its calls."""
    real = os.replace
    calls: list[int] = []

    def replace(src: Any, dst: Any) -> None:
        calls.append(1)
        if len(calls) <= times:
            err = PermissionError(13, "The process cannot access the file")
            err.winerror = winerror  # type: ignore[attr-defined]
            raise err
        real(src, dst)

    return replace, calls


@pytest.fixture()
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.time, "sleep", lambda s: None)


@pytest.mark.usefixtures("no_wait")
def test_a_case_file_is_written_while_an_antivirus_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "case.age"
    replace, calls = busy(2, winerror=32)
    monkeypatch.setattr(os, "replace", replace)
    package.write_atomic(out, package.AGE_MAGIC + b"ciphertext")
    assert out.read_bytes() == package.AGE_MAGIC + b"ciphertext" and len(calls) == 3

    always, _ = busy(100, winerror=5)
    monkeypatch.setattr(os, "replace", always)
    with pytest.raises(StorageError):
        package.write_atomic(out, package.AGE_MAGIC + b"newer")
    assert out.read_bytes() == package.AGE_MAGIC + b"ciphertext"
    assert [p.name for p in tmp_path.iterdir()] == ["case.age"]  # no temp file left


@pytest.mark.usefixtures("no_wait")
def test_failed_unlocks_are_counted_while_an_antivirus_holds_the_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    path = tmp_path / "vault.dsl"
    session.lock(session.create(path, NAME, "DSL", PASSPHRASE))
    replace, calls = busy(2)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WrongPassphrase):
        session.unlock(path, "not the passphrase at all")
    assert len(calls) == 3 and session.failed_attempts(path) == 1


def test_the_key_file_is_bytes_even_where_text_mode_writes_crlf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fdopen = os.fdopen

    def windows_fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:
        if "b" not in mode:
            kwargs["newline"] = "\r\n"  # what a text-mode file does on Windows
        return real_fdopen(fd, mode, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", windows_fdopen)
    out = tmp_path / "manager.key"
    public = keys.keygen(out)
    raw = out.read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n") and raw.count(b"\n") == 3
    assert str(keys.load_identities(out)[0].to_public()) == public


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``dsl-tui ARGS`` as Windows runs it with output redirected to a file: cp1252."""
    env = {
        **os.environ,
        "PYTHONIOENCODING": "cp1252",
        "DSL_TUI_VAULT": str(tmp_path / "vault.dsl"),
        "DSL_TUI_STATE": str(tmp_path / "state"),
    }
    return subprocess.run(
        [sys.executable, "-m", "dsl_tui", *args, "--passphrase-stdin"],
        input=f"{PASSPHRASE}\n".encode(),
        capture_output=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )


def test_redirected_output_on_windows_writes_a_name_cp1252_lacks(tmp_path: Path) -> None:
    made = _cli(tmp_path, "init", "--user", NAME)
    assert made.returncode == 0, made.stderr
    listed = _cli(tmp_path, "users", "list")
    assert listed.returncode == 0, listed.stderr
    assert b"UnicodeEncodeError" not in listed.stderr + made.stderr
    # Written as UTF-8, so the name survives rather than turning into "?" or "\u0141".
    assert NAME in listed.stdout.decode("utf-8")
    assert NAME in made.stderr.decode("utf-8")


def _simulate_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "resource", None)  # "import resource" fails, as on Windows
    monkeypatch.setattr(hardening.sys, "platform", "win32")
    monkeypatch.setattr(hardening, "_told", [])


def test_hardening_on_windows_says_once_what_it_could_not_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _simulate_windows(monkeypatch)
    assert hardening.harden() == []
    first = capsys.readouterr().err
    assert first.count("\n") == 1 and "crash dumps" in first and "LocalDumps" in first
    assert hardening.harden() == []
    assert capsys.readouterr().err == ""  # once per process


def test_hardening_without_prctl_on_linux_says_the_process_stays_dumpable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hardening.sys, "platform", "linux")
    monkeypatch.setattr(hardening, "_no_core_files", lambda: True)
    monkeypatch.setattr(hardening, "_libc", lambda: None)  # a libc without prctl
    monkeypatch.setattr(hardening, "_told", [])
    assert hardening.harden() == [hardening.CORE_FILES_OFF]
    assert "not dumpable failed" in capsys.readouterr().err


def test_hardening_is_quiet_where_everything_took_effect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert hardening.not_done(["core files off"], "darwin") == []
    assert hardening.not_done(["core files off", "not dumpable"], "linux") == []
    assert hardening.not_done([], "win32") == ["core files off"]
    assert capsys.readouterr().err == ""
