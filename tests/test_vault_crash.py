"""Crash safety: a writer killed with SIGKILL at random moments never loses an acknowledged save."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers_vault import PASSPHRASE, make_vault, state_dir, vault_path  # noqa: F401

from dsl_tui.vault import Vault

# Slow (kills the writer at random moments): out of the quick loop (-m "not slow"); CI runs it.
pytestmark = pytest.mark.slow

WRITER = textwrap.dedent(
    """
    import sys
    from dsl_tui.vault import CompactionPolicy, Vault

    # Tiny thresholds so that kills also land during compactions (atomic snapshot replacement).
    Vault.policy = CompactionPolicy(hard_min_bytes=3000, hard_ratio=0.0, soft_min_bytes=1000)
    vault = Vault.open(sys.argv[1], sys.argv[2])
    start = int(sys.argv[3])
    notes = vault.db.table("notes")
    for n in range(start, start + 100000):
        notes.insert({"n": n, "text": "acknowledged note %d " % n + "x" * (n % 200)})
        if n % 7 == 0:
            notes.update({"seen": n}, doc_ids=[1])
        print(n, flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_at_random_moments_loses_no_acknowledged_write(
    vault_path: Path,
    tmp_path: Path,  # noqa: F811
) -> None:
    make_vault(vault_path).close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(2024)
    acknowledged: set[int] = set()
    next_n = 0
    for _kill in range(20):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(vault_path), PASSPHRASE, str(next_n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        target = rng.randrange(1, 60)
        for _ in range(target):
            line = proc.stdout.readline()
            if not line:
                break
            acknowledged.add(int(line))
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate()
        acknowledged.update(int(x) for x in rest.split())
        assert proc.returncode == -signal.SIGKILL, err
        with Vault.open(vault_path, PASSPHRASE) as vault:  # takes over the dead writer's lock
            present = {d["n"] for d in vault.db.table("notes").all()}
            missing = acknowledged - present
            assert not missing, (
                f"acknowledged writes lost after kill {_kill}: {sorted(missing)[:5]}"
            )
            next_n = max(present | acknowledged, default=0) + 1
