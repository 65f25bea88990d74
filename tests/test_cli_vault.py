"""``dsl-tui init | verify | passwd | users | backup | restore`` as a script would run them."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    DEPUTY,
    DEPUTY_PASSPHRASE,
    PASSPHRASE,
    body_range,
    run_cli,
    state_dir,
    vault_path,
)

NEW_PASSPHRASE = "velvet kettle meadow 19"


def _cli(vault: Path, *args: str, stdin: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--vault", str(vault), "--passphrase-stdin", stdin=stdin + "\n")


def _one_sentence(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("dsl-tui: ")


@pytest.fixture
def made(vault_path: Path) -> Path:  # noqa: F811
    proc = _cli(vault_path, "init", "--user", "Morgan Testwood")
    assert proc.returncode == 0, proc.stderr
    return vault_path


def test_init_then_verify(made: Path) -> None:
    proc = _cli(made, "verify")
    assert proc.returncode == 0, proc.stderr
    assert "sound" in proc.stdout


def test_init_two_matching_lines_and_a_mismatch(vault_path: Path) -> None:  # noqa: F811
    ok = _cli(
        vault_path,
        "init",
        "--user",
        "Morgan Testwood",
        "--role",
        "DSL",
        stdin=f"{PASSPHRASE}\n{PASSPHRASE}",
    )
    assert ok.returncode == 0, ok.stderr
    other = vault_path.with_name("other.dsl")
    bad = _cli(other, "init", "--user", "Morgan Testwood", stdin=f"{PASSPHRASE}\n{PASSPHRASE}x")
    assert bad.returncode == 2 and not other.exists()
    _one_sentence(bad)


def test_init_refuses_weak_passphrase_and_existing_vault(made: Path) -> None:
    weak = _cli(
        made.with_name("weak.dsl"), "init", "--user", "Morgan Testwood", stdin="password123"
    )
    assert weak.returncode == 2 and ("common" in weak.stderr or "12 characters" in weak.stderr)
    again = _cli(made, "init", "--user", "Morgan Testwood")
    assert again.returncode == 2
    _one_sentence(again)


def test_missing_vault_is_exit_2(vault_path: Path) -> None:  # noqa: F811
    proc = _cli(vault_path, "verify")
    assert proc.returncode == 2
    assert "No vault at this path: run dsl-tui init." in proc.stderr


def test_wrong_passphrase_is_exit_3(made: Path) -> None:
    proc = _cli(made, "verify", stdin="not the right passphrase")
    assert proc.returncode == 3
    _one_sentence(proc)


def test_locked_vault_is_exit_4(made: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from dsl_tui.vault import Vault; v = Vault.open(sys.argv[1], sys.argv[2]);"
            "print('ready', flush=True); sys.stdin.readline(); v.close()",
            str(made),
            PASSPHRASE,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        proc = _cli(made, "verify")
        assert proc.returncode == 4
        assert "since" in proc.stderr
        _one_sentence(proc)
    finally:
        holder.communicate("done\n", timeout=30)


def test_tampered_vault_is_exit_5_names_backup_and_is_untouched(made: Path) -> None:
    raw = made.read_bytes()
    damaged = bytearray(raw)
    damaged[body_range(raw)[0] + 30] ^= 0x10
    made.write_bytes(bytes(damaged))
    proc = _cli(made, "verify")
    assert proc.returncode == 5
    assert "backup" in proc.stderr and str(made.parent / "backups") in proc.stderr
    _one_sentence(proc)
    assert made.read_bytes() == bytes(damaged)


def test_verify_reports_a_damaged_evidence_file_with_exit_1(made: Path) -> None:
    from dsl_tui.vault import Vault

    with Vault.open(made, PASSPHRASE) as vault:
        blob_id, _ = vault.put_blob(b"a description of a screenshot")
    blob = made.parent / "blobs" / f"{blob_id}.blob"
    data = bytearray(blob.read_bytes())
    data[-1] ^= 1
    blob.write_bytes(bytes(data))
    proc = _cli(made, "verify")
    assert proc.returncode == 1
    assert blob_id in proc.stderr and "Traceback" not in proc.stderr


def test_verify_warns_of_rollback_without_failing(made: Path) -> None:
    from dsl_tui.vault import Vault

    old = made.read_bytes()
    with Vault.open(made, PASSPHRASE) as vault:
        vault.db.insert({"later": True})
    made.write_bytes(old)
    proc = _cli(made, "verify")
    assert proc.returncode == 0
    assert "warning" in proc.stderr and "older" in proc.stderr


def test_passwd(made: Path) -> None:
    proc = _cli(made, "passwd", stdin=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n{NEW_PASSPHRASE}")
    assert proc.returncode == 0, proc.stderr
    assert _cli(made, "verify").returncode == 3
    assert _cli(made, "verify", stdin=NEW_PASSPHRASE).returncode == 0
    weak = _cli(made, "passwd", stdin=f"{NEW_PASSPHRASE}\nshort")
    assert weak.returncode == 2
    _one_sentence(weak)


def test_users_add_list_remove(made: Path) -> None:
    add = _cli(made, "users", "add", DEPUTY, stdin=f"{PASSPHRASE}\n{DEPUTY_PASSPHRASE}")
    assert add.returncode == 0, add.stderr
    listed = _cli(made, "users", "list", stdin=DEPUTY_PASSPHRASE)
    assert listed.returncode == 0
    rows = [line.split("\t")[:2] for line in listed.stdout.splitlines()]
    assert rows == [["Morgan Testwood", "DSL"], [DEPUTY, "deputy DSL"]]
    removed = _cli(made, "users", "remove", DEPUTY)
    assert removed.returncode == 0, removed.stderr
    assert _cli(made, "verify", stdin=DEPUTY_PASSPHRASE).returncode == 3
    last = _cli(made, "users", "remove", "Morgan Testwood")
    assert last.returncode == 2
    _one_sentence(last)


def test_backup_and_restore(made: Path) -> None:
    backup = _cli(made, "backup")
    assert backup.returncode == 0, backup.stderr
    path = Path(backup.stdout.strip())
    assert path.is_file() and path.parent == made.parent / "backups"
    made.write_bytes(b"DSLVAULT garbage")
    assert _cli(made, "verify").returncode == 5
    restored = _cli(made, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert _cli(made, "verify").returncode == 0
    missing = _cli(made, "restore", str(made.parent / "nope.bak"))
    assert missing.returncode == 2


def test_global_options_before_the_command(made: Path) -> None:
    proc = run_cli(
        "--vault", str(made), "--passphrase-stdin", "users", "list", stdin=PASSPHRASE + "\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Morgan Testwood\tDSL")


def test_verify_names_missing_and_orphaned_evidence_files_by_id(made: Path) -> None:
    """Issue #13 finding 8: a case's evidence file gone, and a file no case refers to."""
    from dsl_tui.vault import Vault

    with Vault.open(made, PASSPHRASE) as vault:
        referred, _ = vault.put_blob(b"a description of a screenshot of Wren Ashdown")
        orphan, _ = vault.put_blob(b"a description no case keeps")
        vault.db.table("evidence").insert(
            {"case_id": "SRA-2026-0001", "id": "e1", "blob_id": referred, "filename": "x.png"}
        )
    (made.parent / "blobs" / f"{referred}.blob").unlink()
    proc = _cli(made, "verify")
    assert proc.returncode == 1, proc.stderr
    assert f"Evidence file {referred} is missing" in proc.stderr
    assert f"Evidence file {orphan} is orphaned" in proc.stderr
    assert "Wren" not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
