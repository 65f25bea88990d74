"""Bad input through every CLI command, as a clumsy user or a hostile sender would give it.

Each failure must be one clear line on stderr with the expected exit code, no traceback, no raw
terminal control characters, and nothing changed on disk. Escape sequences that arrive inside a
case file must never reach the terminal raw (``open --check``, ``import``, ``export --list``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers_security import (
    CLEAR_SCREEN,
    HOSTILE_NAME,
    OSC_TITLE,
    RTL_EMOJI,
    assert_clean_failure,
    case_zip,
    hostile_document,
    raw_terminal_controls,
    run_cli,
    seal_to_key,
    without_evidence,
)

from dsl_tui.vault.loader import KekCache, load

PASSPHRASE = "plum orchard lantern seven"
_KEKS: KekCache = {}
#: Devices such as /dev/zero (endless bytes) exist on POSIX only.
_POSIX = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")


def _tree(folder: Path) -> dict[str, str]:
    """What a failed command must not change: every file outside the vault's own folder and the
    local state, and the vault's case data and users. (Unlocking itself is audited and a session
    may compact or back up the vault on lock, so the vault's bytes may differ; its content not.)"""
    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] not in ("vault", "state")
    }
    loaded = load((folder / "vault" / "vault.dsl").read_bytes(), PASSPHRASE, kek_cache=_KEKS)
    tables = {k: v for k, v in loaded.tables.items() if not k.startswith("audit")}
    content = json.dumps([tables, loaded.meta["users"]], sort_keys=True)
    return {**files, "vault content": hashlib.sha256(content.encode()).hexdigest()}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a vault of two fictional cases, a manager's key and a hostile case file."""
    root = tmp_path_factory.mktemp("desk")
    vault = root / "vault" / "vault.dsl"
    env = {"DSL_TUI_STATE": str(root / "state")}
    done = run_cli(
        "--vault",
        str(vault),
        "init",
        "--user",
        "Imogen Threlkeld",
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    done = run_cli(
        "--vault",
        str(vault),
        "demo-data",
        "--cases",
        "2",
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    done = run_cli("keygen", "--out", str(root / "manager.key"), env=env)
    assert done.returncode == 0, done.stderr
    document = without_evidence(hostile_document())
    seal_to_key(case_zip(document), root / "manager.key", root / "hostile-import.age")
    document["cases"][0]["occurred_at"] = "2099-01-01T00:00:00+00:00"  # a date in the future
    seal_to_key(case_zip(document), root / "manager.key", root / "hostile.age")
    return root


def cli(desk: Path, *args: str, stdin: str = PASSPHRASE + "\n"):  # type: ignore[no-untyped-def]
    """The CLI on the desk's vault, with its own local state."""
    return run_cli(
        "--vault",
        str(desk / "vault" / "vault.dsl"),
        *args,
        stdin=stdin,
        env={"DSL_TUI_STATE": str(desk / "state")},
        cwd=desk,
    )


@pytest.mark.parametrize(
    ("args", "stdin", "codes"),
    [
        (
            ["users", "add", f"Wren{OSC_TITLE}", "--passphrase-stdin"],
            f"{PASSPHRASE}\ngranite heron umbrella 42\n",
            (2,),
        ),
        (
            ["users", "add", "", "--passphrase-stdin"],
            f"{PASSPHRASE}\ngranite heron umbrella 42\n",
            (2,),
        ),
        (
            ["users", "add", "W" * 100_000, "--passphrase-stdin"],
            f"{PASSPHRASE}\ngranite heron umbrella 42\n",
            (2,),
        ),
        (
            ["users", "add", "imogen threlkeld", "--passphrase-stdin"],
            f"{PASSPHRASE}\ngranite heron umbrella 42\n",
            (2,),
        ),
        (
            ["users", "add", "Rowan Pike", "--role", CLEAR_SCREEN, "--passphrase-stdin"],
            f"{PASSPHRASE}\ngranite heron umbrella 42\n",
            (2,),
        ),
        (["users", "remove", "Nobody Atall", "--passphrase-stdin"], None, (2,)),
        (["users", "remove", "Imogen Threlkeld", "--passphrase-stdin"], None, (2,)),
        (["verify", "--passphrase-stdin"], "not the passphrase 123\n", (3,)),
        (["verify", "--passphrase-stdin"], "x" * (1 << 20) + "\n", (3,)),
        (["verify", "--passphrase-stdin"], "", (2,)),
        (["passwd", "--passphrase-stdin"], f"{PASSPHRASE}\nshort\n", (2,)),
        (
            ["passwd", "--passphrase-stdin"],
            f"{PASSPHRASE}\nnew long passphrase 77\nother one 88\n",
            (2,),
        ),
        (
            [
                "export",
                "NOPE-0001",
                "--out",
                "x.age",
                "--generate-passphrase",
                "--passphrase-stdin",
            ],
            None,
            (2,),
        ),
        (
            [
                "export",
                "--person",
                f"Zed{CLEAR_SCREEN}",
                "--out",
                "x.age",
                "--generate-passphrase",
                "--passphrase-stdin",
            ],
            None,
            (2,),
        ),
        (["export", "--list", "--out", "x.age", "--passphrase-stdin"], "", (2,)),
        (
            [
                "export",
                "KHA-2026-0001",
                "--out",
                "nofolder/x.age",
                "--generate-passphrase",
                "--passphrase-stdin",
            ],
            None,
            (2,),
        ),
        (
            [
                "export",
                "KHA-2026-0001",
                "--out",
                "vault/vault.dsl",
                "--generate-passphrase",
                "--passphrase-stdin",
            ],
            None,
            (2,),
        ),
        (
            [
                "export",
                "KHA-2026-0001",
                "--out",
                "x.age",
                "--recipient",
                f"age1{OSC_TITLE}",
                "--passphrase-stdin",
            ],
            None,
            (2,),
        ),
        (
            ["export", "--acknowledge", "KHA-2026-0001", f"{OSC_TITLE}", "--passphrase-stdin"],
            None,
            (2,),
        ),
        (["open", "missing.age", "--check"], "", (2,)),
        (["open", "vault", "--check"], "", (2,)),
        (["open", "vault/vault.dsl", "--check"], "", (5,)),
        (["open", "hostile.age", "--check"], "", (2,)),
        (["open", "hostile.age", "--check", "--identity", "vault/vault.dsl"], "", (2,)),
        pytest.param(["open", "/dev/zero", "--check"], "", (2,), marks=_POSIX),
        pytest.param(
            ["open", "hostile.age", "--check", "--identity", "/dev/zero"], "", (2,), marks=_POSIX
        ),
        (["import", "missing.age", "--passphrase-stdin"], None, (2,)),
        (["restore", "missing.bak", "--passphrase-stdin"], None, (2,)),
        (["report", "--year", "99999", "--passphrase-stdin"], None, (2,)),
        (["report", "--year", CLEAR_SCREEN, "--passphrase-stdin"], None, (2,)),
        (["demo-data", "--cases", "0", "--passphrase-stdin"], None, (2,)),
        (["no-such-command"], "", (2,)),
        (["keygen", "--out", "vault/vault.dsl"], "", (2,)),
    ],
    ids=lambda v: repr(v)[:40] if not isinstance(v, tuple) else None,
)
def test_bad_input_is_one_clean_line_and_changes_nothing(
    desk: Path, args: list[str], stdin: str | None, codes: tuple[int, ...]
) -> None:
    before = _tree(desk)
    done = cli(desk, *args, stdin=PASSPHRASE + "\n" if stdin is None else stdin)
    assert_clean_failure(done, codes)
    assert _tree(desk) == before


def test_an_unknown_case_id_with_escapes_is_not_echoed_raw(desk: Path) -> None:
    done = cli(
        desk,
        "export",
        f"X{OSC_TITLE}",
        "--out",
        "x.age",
        "--generate-passphrase",
        "--passphrase-stdin",
    )
    assert_clean_failure(done, (2,))


def test_open_check_shows_hostile_text_harmlessly(desk: Path) -> None:
    done = cli(desk, "open", "hostile.age", "--check", "--identity", "manager.key", stdin="")
    assert done.returncode == 0, done.stderr
    assert not raw_terminal_controls(done.stdout + done.stderr), repr(done.stdout)
    assert "\u241b]0;pwned\u2407" in done.stdout  # shown as visible control pictures


def test_import_of_a_hostile_file_never_prints_raw_escapes_then_or_later(
    desk: Path, tmp_path: Path
) -> None:
    future = cli(desk, "import", "hostile.age", "--identity", "manager.key", "--passphrase-stdin")
    assert_clean_failure(future, (5,))  # a date in 2099 obeys the rules of typed dates: refused
    done = cli(
        desk, "import", "hostile-import.age", "--identity", "manager.key", "--passphrase-stdin"
    )
    assert done.returncode == 0, done.stderr
    assert not raw_terminal_controls(done.stdout + done.stderr), repr(done.stdout)
    listed = cli(desk, "export", "--list", "--passphrase-stdin")
    assert listed.returncode == 0, listed.stderr
    assert not raw_terminal_controls(listed.stdout + listed.stderr), repr(listed.stdout)
    assert len(listed.stdout.splitlines()) == 3  # one line per case, even with odd text
    again = cli(
        desk, "import", "hostile-import.age", "--identity", "manager.key", "--passphrase-stdin"
    )
    assert_clean_failure(again, (2,))  # already imported: nothing added twice
    report = cli(desk, "report", "--passphrase-stdin")
    assert report.returncode == 0 and not raw_terminal_controls(report.stdout), report.stderr
    assert "Wren" not in report.stdout  # names never reach the anonymised report


def test_hostile_transfer_school_name_is_printed_harmlessly(desk: Path) -> None:
    out = desk / "transfer.age"
    done = cli(
        desk,
        "export",
        "KHA-2026-0001",
        "--out",
        str(out),
        "--generate-passphrase",
        "--transfer-to",
        f"{HOSTILE_NAME} {RTL_EMOJI}",
        "--passphrase-stdin",
    )
    assert done.returncode == 0, done.stderr
    assert not raw_terminal_controls(done.stdout + done.stderr), repr(done.stdout)
    assert RTL_EMOJI.split()[0] in done.stdout  # right-to-left text and emoji pass through
    transfers = cli(desk, "export", "--transfers", "--passphrase-stdin")
    assert transfers.returncode == 0 and not raw_terminal_controls(transfers.stdout)


def test_a_random_file_as_the_vault_is_an_integrity_failure(tmp_path: Path) -> None:
    vault = tmp_path / "vault.dsl"
    vault.write_bytes(b"DSLVAULT" + bytes(range(256)) * 8)
    before = vault.read_bytes()
    done = run_cli(
        "--vault",
        str(vault),
        "verify",
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
        env={"DSL_TUI_STATE": str(tmp_path / "state")},
    )
    assert_clean_failure(done, (5,))
    assert vault.read_bytes() == before
