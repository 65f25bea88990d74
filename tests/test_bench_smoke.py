"""The benchmark harness runs end to end at a tiny size, and its verdicts follow the figures.

No assertion here is about how fast anything is: timings vary by machine. The harness is run as
the user would run it (a subprocess of ``bench/run.py``), writing into a temporary folder.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def bench_modules() -> Iterator[tuple[Any, ...]]:
    """The harness's own modules (bench/ is not an installed package)."""
    sys.path.insert(0, str(BENCH))
    try:
        import report
        import timing
        import vaults
        import workloads

        yield report, timing, vaults, workloads
    finally:
        sys.path.remove(str(BENCH))
        for name in (
            "report",
            "timing",
            "vaults",
            "workloads",
        ):  # generic names: do not leak them to other tests
            sys.modules.pop(name, None)


@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_harness_runs_end_to_end_at_a_tiny_size(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--sizes",
            "5",
            "--repeat",
            "1",
            "--work",
            str(tmp_path / "work"),
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = results.read_text(encoding="utf-8")
    for heading in ("## Results", "## Targets", "5 cases", "cores", "Python"):
        assert heading in text
    for row in ("save one evidence note", "plain TinyDB", "tinydb-encrypted-jsonstorage"):
        assert row in text and row in proc.stdout
    # Every workload row has a figure or says why not; nothing crashed into a traceback.
    assert "Traceback" not in proc.stderr
    assert not list((tmp_path / "work").glob("run-*")), "the run's working copies were left behind"


def test_verdicts_follow_the_figures(bench_modules: tuple[Any, ...]) -> None:
    report, timing = bench_modules[:2]
    fast = report.SizeResult(100, timings={"save_note": timing.Timing(samples=[0.010])})
    slow = report.SizeResult(
        10_000,
        timings={
            "save_note": timing.Timing(samples=[0.060, 0.070, 0.080]),
            "peer_plain": timing.Timing(samples=[0.040]),
            "open_case": timing.Timing(samples=[0.001]),
            "unlock_beyond_kdf": timing.Timing(na="n/a (not built yet)"),
        },
    )
    verdicts = {name: verdict for name, _shown, verdict in report.targets([fast, slow])}
    assert verdicts["save a note at 10,000 <= 50 ms"] == "MISS"
    assert verdicts["save a note at 10,000 faster than plain TinyDB"] == "MISS"
    assert verdicts["open a case at 10,000 <= 50 ms"] == "PASS"
    assert verdicts["unlock at 10,000 <= 1.5 s beyond the KDF"] == "n/a"
    # 10 ms -> 70 ms over 100x the cases: slope log(7)/log(100) < 1, so sublinear.
    assert verdicts["save cost sublinear in vault size (log-log slope < 1)"] == "PASS"
    linear = report.SizeResult(1_000, timings={"save_note": timing.Timing(samples=[0.200])})
    verdicts = {name: verdict for name, _s, verdict in report.targets([fast, linear])}
    assert verdicts["save cost sublinear in vault size (log-log slope < 1)"] == "MISS"


def test_a_part_not_built_yet_is_a_row_not_a_crash(bench_modules: tuple[Any, ...]) -> None:
    _report, _timing, vaults, workloads = bench_modules
    with pytest.raises(vaults.NotBuiltYet):
        vaults.import_part("dsl_tui.no_such_part_yet")
    with pytest.raises(vaults.NotBuiltYet):
        vaults.import_part("dsl_tui.session", "no_such_function")

    def missing() -> object:
        return vaults.import_part("dsl_tui.screens.no_such_screen")

    def broken() -> object:
        raise RuntimeError("boom")

    assert workloads.guarded(missing).na == "n/a (not built yet)"
    assert workloads.guarded(broken).na == "n/a (RuntimeError: boom)"
