"""``dsl-tui roll import`` and ``roll status`` in a subprocess, with rolls shaped like each MIS."""

from __future__ import annotations

from pathlib import Path

from helpers_vault import all_bytes_under, run_cli

from dsl_tui import session

ROLLS = Path(__file__).parent / "rolls"
PASS = "quill-meadow-harbour-7193-lantern"


def vault(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "v" / "vault.dsl"
    session.lock(session.create(path, "Priya Ramanathan", "DSL", PASS))
    return {"DSL_TUI_VAULT": str(path), "DSL_TUI_STATE": str(tmp_path / "state")}


def test_import_each_mis_roll_then_status_and_a_newer_roll(tmp_path: Path) -> None:
    env = vault(tmp_path)
    for name, school in (("sims.csv", "sra"), ("arbor.csv", "kha"), ("bromcom.csv", "fla")):
        done = run_cli("roll", "import", str(ROLLS / name), "--school", school.upper(),
                       "--passphrase-stdin", stdin=PASS + "\n", env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "added" in done.stdout and "delete it now" in done.stdout
    status = run_cli("roll", "status", "--passphrase-stdin", stdin=PASS + "\n", env=env)
    assert status.returncode == 0, status.stderr
    counts = {line.split("\t")[0]: line.split("\t")[1] for line in status.stdout.splitlines()}
    assert (
        counts["sra"] == "3 pupils" and counts["kha"] == "2 pupils" and counts["fla"] == "2 pupils"
    )
    again = run_cli("roll", "import", str(ROLLS / "sims.csv"), "--school", "sra",
                    "--passphrase-stdin", stdin=PASS + "\n", env=env)  # fmt: skip
    assert "0 added, 0 updated, 3 unchanged, 0 no longer on it" in again.stdout
    assert b"Fairweather" not in all_bytes_under(tmp_path / "v"), "the roll is encrypted"


def test_a_malformed_roll_or_an_unknown_school_is_exit_2_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    env = vault(tmp_path)
    bad = run_cli("roll", "import", str(ROLLS / "malformed.csv"), "--school", "sra",
                  "--passphrase-stdin", stdin=PASS + "\n", env=env)  # fmt: skip
    assert bad.returncode == 2 and "Nothing was imported: 5 row(s)" in bad.stderr
    assert "Marigold" not in bad.stderr
    unknown = run_cli("roll", "import", str(ROLLS / "sims.csv"), "--school", "zzz",
                      "--passphrase-stdin", stdin=PASS + "\n", env=env)  # fmt: skip
    assert unknown.returncode == 2 and "its schools are: sra" in unknown.stderr
    status = run_cli("roll", "status", "--passphrase-stdin", stdin=PASS + "\n", env=env)
    assert all("\t0 pupils\t" in line for line in status.stdout.splitlines())
