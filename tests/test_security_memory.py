"""What lock and a crash leave behind: memory given back on lock, no core file from a crash.

SECURITY.md ("Memory: what locking can and cannot promise") says what Python cannot promise;
these tests check what it can.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from helpers_security import CANARY_PASSPHRASE, REPO

from dsl_tui import session
from dsl_tui.demo import add_demo_cases
from dsl_tui.hardening import harden, is_dumpable

# Slow (measures the heap after lock): out of the quick loop (-m "not slow"); CI runs it.
pytestmark = pytest.mark.slow


def _still_held(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> int:
    """Bytes allocated between the snapshots and still held, leaving out the playbook (the
    policy's rules, loaded at unlock and kept: no case data) and regular-expression caches."""
    held = 0
    for stat in after.compare_to(before, "traceback"):
        if stat.size_diff <= 0:
            continue
        files = [frame.filename for frame in stat.traceback]
        if any(("playbook" in f or "tomllib" in f or f.endswith("re/_compiler.py")) for f in files):
            continue
        held += stat.size_diff
    return held


def test_lock_gives_back_the_memory_the_cases_took(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unlocking decrypts every case into memory; locking must let all of it go, even while
    the app still holds the locked casebook (a leak would leave decrypted cases in a locked app
    for anyone at the desk to dump)."""
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))
    path = tmp_path / "vault.dsl"
    casebook = session.create(path, "Imogen Threlkeld", "DSL", CANARY_PASSPHRASE)
    add_demo_cases(casebook, 60)
    session.lock(casebook)
    gc.collect()
    tracemalloc.start(40)
    try:
        before = tracemalloc.take_snapshot()
        casebook = session.unlock(path, CANARY_PASSPHRASE)
        casebook.prepare_search()
        assert len(casebook.summaries(status="all")) == 60
        casebook.case(casebook.case_ids()[0])
        casebook.search("messages")
        unlocked = _still_held(before, tracemalloc.take_snapshot())
        session.lock(casebook)
        gc.collect()
        locked = _still_held(before, tracemalloc.take_snapshot())
    finally:
        tracemalloc.stop()
    assert unlocked > 1_000_000  # the cases really were in memory
    assert locked < 20_000, f"{locked} of {unlocked} bytes still held after lock"


def test_harden_turns_core_files_off_and_makes_the_process_undumpable() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource; from dsl_tui.hardening import harden, is_dumpable; "
            "print(harden(), resource.getrlimit(resource.RLIMIT_CORE), is_dumpable())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO.parent,
    )
    assert done.returncode == 0, done.stderr
    if sys.platform.startswith("linux"):
        assert done.stdout.strip() == "['core files off', 'not dumpable'] (0, 0) False"
    assert harden is not None and is_dumpable is not None


def _allow_cores() -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass  # a hard limit this process may not raise: the control then shows no core, and skips


def _crash(args: list[str], folder: Path) -> list[Path]:
    """Start ``args`` (which waits on stdin) with core files allowed, kill it with SIGSEGV,
    and return the core files it left in ``folder`` (its working directory)."""
    env = {**os.environ, "DSL_TUI_KDF": "floor", "DSL_TUI_STATE": str(folder / "state")}
    proc = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=folder,
        env=env,
        preexec_fn=_allow_cores,  # noqa: PLW1509 - the test needs the limit raised in the child
    )
    try:
        # Wait until the process is blocked reading its stdin pipe (so it has started up).
        deadline = time.monotonic() + 60
        wchan = Path(f"/proc/{proc.pid}/wchan")
        while "pipe_read" not in wchan.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGSEGV)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGSEGV
    return [p for p in folder.iterdir() if p.name.startswith("core")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="core files are a Linux check")
def test_a_crash_of_the_app_leaves_no_core_file(tmp_path: Path) -> None:
    """The app holding a passphrase prompt open dies of a segfault: no core file. The control, a
    plain Python process killed the same way, shows the machine would have written one."""
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    control_dir = tmp_path / "control"
    control_dir.mkdir()
    control = _crash([sys.executable, "-c", "import sys; sys.stdin.read()"], control_dir)
    if not control:
        pytest.skip(f"this machine writes no core files to the working folder ({pattern!r})")
    for core in control:
        core.unlink()  # tens of megabytes each
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    vault = app_dir / "vault.dsl"
    made = subprocess.run(
        [sys.executable, "-m", "dsl_tui", "--vault", str(vault), "--passphrase-stdin", "init",
         "--user", "Imogen Threlkeld"],
        input=f"{CANARY_PASSPHRASE}\n{CANARY_PASSPHRASE}\n", capture_output=True, text=True,
        env={**os.environ, "DSL_TUI_KDF": "floor", "DSL_TUI_STATE": str(app_dir / "state")},
        timeout=120, cwd=app_dir,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    cores = _crash(
        [sys.executable, "-m", "dsl_tui", "--vault", str(vault), "--passphrase-stdin", "verify"],
        app_dir,
    )
    assert cores == []
