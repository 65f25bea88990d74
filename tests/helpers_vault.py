"""Test helpers for the vault: a private local-state folder, vault factories, byte surgery, CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsl_tui.vault import Vault
from dsl_tui.vault.header import MAGIC

PASSPHRASE = "plum orchard lantern seven"
DEPUTY_PASSPHRASE = "granite heron umbrella 42"
NAME = "Morgan Testwood"
DEPUTY = "Riley Fernbank"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Local state (last slot, last generation) kept inside the test's tmp folder."""
    folder = tmp_path / "state"
    monkeypatch.setenv("DSL_TUI_STATE", str(folder))
    monkeypatch.setenv("DSL_TUI_KDF", "floor")
    yield folder


@pytest.fixture
def vault_path(tmp_path: Path, state_dir: Path) -> Path:
    """Where a test's vault lives (inside its own folder)."""
    return tmp_path / "vaultdir" / "vault.dsl"


def make_vault(path: Path, docs: int = 0) -> Vault:
    """A new vault at ``path`` with ``docs`` small notes in table ``notes``."""
    vault = Vault.create(path, NAME, PASSPHRASE)
    notes = vault.db.table("notes")
    for i in range(docs):
        notes.insert({"case": f"C-{i:04d}", "text": f"note number {i}", "tags": ["fact"]})
    return vault


def header_end(raw: bytes) -> int:
    """Offset just past the header checksum (start of the 8-byte body length)."""
    length = int.from_bytes(raw[len(MAGIC) : len(MAGIC) + 4], "big")
    return len(MAGIC) + 4 + length + 32


def body_range(raw: bytes) -> tuple[int, int]:
    """(start, end) of the snapshot body (nonce + ciphertext)."""
    at = header_end(raw)
    length = int.from_bytes(raw[at : at + 8], "big")
    return at + 8, at + 8 + length


def journal_records(raw: bytes) -> list[tuple[int, int]]:
    """(start, end) of each journal record."""
    pos = body_range(raw)[1]
    found = []
    while pos + 8 <= len(raw):
        length = int.from_bytes(raw[pos : pos + 4], "big")
        found.append((pos, pos + 8 + length))
        pos += 8 + length
    return found


def rewrite_header(raw: bytes, new_json: bytes) -> bytes:
    """``raw`` with its header JSON replaced and the unkeyed checksum recomputed (an attacker's
    edit, not an accident)."""
    end = header_end(raw) - 32
    prefix = MAGIC + len(new_json).to_bytes(4, "big") + new_json
    return prefix + hashlib.sha256(prefix).digest() + raw[end + 32 :]


def header_json(raw: bytes) -> bytes:
    """The header JSON bytes of a vault file."""
    return raw[len(MAGIC) + 4 : header_end(raw) - 32]


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m dsl_tui ARGS`` with ``stdin``; returns the finished process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dsl_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO,
    )


def all_bytes_under(folder: Path) -> bytes:
    """Every file's bytes under ``folder``, concatenated (for canary searches)."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())
