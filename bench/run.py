"""The benchmark harness: one command, ``python bench/run.py [--sizes ...] [--repeat N] [--quick]``.

Builds (or reuses) vaults of fictional cases, measures our workloads and the same save workload on
plain TinyDB and tinydb-encrypted-jsonstorage, prints the table and writes bench/RESULTS.md.
Parts of dsl-tui that do not exist yet show as "n/a (not built yet)". See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Benchmark vaults are created at the KDF floor; the KDF is timed alone and reported apart.
os.environ.setdefault("DSL_TUI_KDF", "floor")

import peers  # noqa: E402
import report  # noqa: E402
import vaults  # noqa: E402
import workloads as w  # noqa: E402
from timing import not_available  # noqa: E402

NOT_BUILT = "n/a (not built yet)"
OUR_ROWS = [key for key, _ in report.ROWS]
#: Saves, steps and case views take about a millisecond: run them this many times more often.
CHEAP = report.CHEAP


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The harness's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="vault sizes in cases, comma-separated (100,1000,10000)")
    parser.add_argument("--repeat", type=int, help="runs per workload (default 5; --quick 3)")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000 and 3 runs")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile top-20 of the save path"
    )
    parser.add_argument("--work", type=Path, default=HERE / "work", help="cache folder")
    parser.add_argument(
        "--peers-max",
        type=int,
        help="run the peers only up to this size (plain TinyDB takes ~25 s a save at 50,000)",
    )
    parser.add_argument("--peers-repeat", type=int, help="runs per peer (default: --repeat)")
    parser.add_argument(
        "--results", type=Path, default=HERE / "RESULTS.md", help="where to write the results"
    )
    args = parser.parse_args(argv)
    default_sizes = "100,1000" if args.quick else "100,1000,10000"
    args.size_list = [int(s) for s in (args.sizes or default_sizes).split(",") if s.strip()]
    args.repeat = args.repeat or (3 if args.quick else 5)
    if args.repeat < 1 or any(n < 1 for n in args.size_list):
        parser.error("sizes and --repeat must be positive")
    return args


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the table."""
    print(message, file=sys.stderr, flush=True)


def _timed_step(result: report.SizeResult, key: str, measure: Any) -> None:
    log(f"  {key} ...")
    result.timings[key] = w.guarded(measure)


def measure_ours(
    result: report.SizeResult, built: vaults.BuiltVault, run_dir: Path, args: argparse.Namespace
) -> tuple[dict[str, Any] | None, str]:
    """Our workloads at one size; returns our decrypted tables (for the peers) and the profile."""
    from dsl_tui import session

    vault = vaults.working_copy(built, run_dir)
    n = args.repeat
    log("  unlock and the KDF alone ...")
    unlock = w.guarded(lambda: w.measure_unlock(vault, n))
    keys = ("unlock", "kdf", "unlock_beyond_kdf")
    for key, timing in zip(
        keys, unlock if isinstance(unlock, tuple) else (unlock,) * 3, strict=True
    ):
        result.timings[key] = timing
    log("  memory (fresh process) ...")
    try:
        result.memory = w.measure_memory(vault)
    except vaults.NotBuiltYet:
        result.memory = {"na": NOT_BUILT}
    # On the copy as built, before any workload saves or compacts it (a copy compacted by the
    # freeze probe unlocked with 10-30% more RSS in the run of 2026-12-02, not yet explained).
    _timed_step(result, "rss_plain", lambda: w.measure_plain_rss(vault, n))
    profile = ""
    profiling = args.profile and result.size == max(args.size_list)
    if profiling:
        log("  profiling unlock ...")
        profile = w.guarded(lambda: w.profile_unlock(vault))
        profile = profile if isinstance(profile, str) else f"unlock: {profile.na}"
    casebook = session.unlock(vault, vaults.BENCH_PASSPHRASE)
    raw: dict[str, Any] | None = None
    try:
        _timed_step(result, "open_case", lambda: w.measure_open_case(casebook, n * CHEAP))
        _timed_step(result, "prepare_search", lambda: w.measure_prepare_search(casebook))
        _timed_step(result, "search", lambda: w.measure_search(casebook, n))
        _timed_step(result, "save_note", lambda: w.measure_save_note(casebook, n * CHEAP))
        _timed_step(result, "audit_entry", lambda: w.measure_audit_entry(casebook, n * CHEAP))
        _timed_step(result, "complete_step", lambda: w.measure_complete_step(casebook, n * CHEAP))
        _timed_step(result, "compaction", lambda: w.measure_compaction(casebook, n))
        _timed_step(result, "export", lambda: w.measure_export(casebook, run_dir / "export", n))
        if profiling:
            log("  profiling the save path ...")
            saved = w.guarded(lambda: w.profile_save(casebook))
            profile = (saved if isinstance(saved, str) else f"save: {saved.na}") + "\n" + profile
        log("  dashboard and its search (headless pilot) ...")
        shown = w.guarded(lambda: w.measure_dashboard(casebook, n))
        pair = shown if isinstance(shown, tuple) else (shown, shown)
        result.timings["dashboard"], result.timings["ui_search"] = pair
        # The peers get a copy of our tables, taken last: held during our workloads, its
        # millions of objects made the collector's full walks part of what we timed (and it
        # would decode the audit log, which the app leaves packed).
        try:
            raw = vaults.raw_tables(casebook)
        except Exception as exc:  # noqa: BLE001 - the peers fall back to synthetic documents
            log(f"  (could not copy our tables for the peers: {type(exc).__name__})")
    finally:
        try:
            session.lock(casebook)
        except Exception as exc:  # noqa: BLE001 - the app may have locked it already
            log(f"  (lock after the run: {type(exc).__name__})")
    log("  longest UI freeze during lock with compaction, and during unlock (pilot) ...")
    freeze = w.guarded(lambda: w.measure_ui_freeze(vault, n))
    pair = freeze if isinstance(freeze, tuple) else (freeze, freeze)
    result.timings["ui_freeze_lock"], result.timings["ui_freeze_unlock"] = pair
    _timed_step(result, "cli_version", lambda: w.measure_cli("--version", n * CHEAP))
    _timed_step(result, "cli_help", lambda: w.measure_cli("--help", n * CHEAP))
    return raw, profile


def measure_peers(
    result: report.SizeResult,
    raw: dict[str, Any] | None,
    source: str,
    work: Path,
    run_dir: Path,
    repeats: int,
) -> None:
    """The same save workload on both peers, filled like our vault (or synthetically)."""
    if raw is None:
        raw = peers.synthetic_tables(result.size)
        source = "synthetic"
        result.peer_shape = "synthetic documents (a case, 2 people, 5 steps, 10 notes, 1 audit)"
    else:
        result.peer_shape = "a copy of our vault's decrypted tables"
    docs = sum(len(t) for t in raw.values())
    note_table = next((name for name in raw if "note" in name.lower()), None) or max(
        raw, key=lambda name: len(raw[name])
    )
    notes = list(raw.get(note_table, {}).values())
    make_note = (
        peers.note_like(notes[-1]) if source != "synthetic" and notes else peers.note_document
    )
    for key, peer in (("peer_plain", peers.PLAIN), ("peer_encrypted", peers.ENCRYPTED)):
        log(f"  {key} ({docs} documents) ...")
        suffix = "plain.json" if peer is peers.PLAIN else "encrypted.db"
        cache = work / f"peer-{result.size}-{source}-{suffix}"
        result.timings[key] = peers.measure_peer_save(
            peer, raw, cache, run_dir, repeats, note_table, make_note
        )
    if "documents" not in result.info or result.info.get("documents") is None:
        result.info["documents"] = f"{docs} (peers)"


def measure_size(size: int, args: argparse.Namespace, run_dir: Path) -> tuple[Any, str]:
    """Everything at one size."""
    log(f"== {size:,} cases")
    result = report.SizeResult(size)
    raw: dict[str, Any] | None = None
    source = "synthetic"
    profile = ""
    try:
        built = vaults.build_vault(size, args.work)
        result.info = dict(built.info)
        source = f"ours-{vaults.code_version()}"
        raw, profile = measure_ours(result, built, run_dir, args)
    except vaults.NotBuiltYet as exc:
        log(f"  our side is not built yet ({exc})")
        for key in OUR_ROWS:
            result.timings.setdefault(key, not_available(NOT_BUILT))
        result.memory = result.memory or {"na": NOT_BUILT}
    except Exception as exc:  # noqa: BLE001 - report and still run the peers
        reason = f"n/a ({type(exc).__name__}: {str(exc)[:80]})"
        log(f"  our side failed: {reason}")
        for key in OUR_ROWS:
            result.timings.setdefault(key, not_available(reason))
        result.memory = result.memory or {"na": reason}
    if args.peers_max is not None and size > args.peers_max:
        skipped = not_available(f"n/a (skipped: --peers-max {args.peers_max:,})")
        result.timings["peer_plain"] = result.timings["peer_encrypted"] = skipped
        result.peer_shape = result.peer_shape or "(peers skipped)"
        return result, profile
    measure_peers(result, raw, source, args.work, run_dir, args.peers_repeat or args.repeat)
    return result, profile


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the results file."""
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    run_dir = args.work / f"run-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: list[report.SizeResult] = []
    profiles: list[str] = []
    try:
        for size in args.size_list:
            result, profile = measure_size(size, args, run_dir)
            results.append(result)
            if profile:
                profiles.append(f"### Save path and unlock at {size:,} cases\n\n```\n{profile}```")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    kdf = os.environ.get("DSL_TUI_KDF", "")
    notes = [
        f"Vaults built with the demo generator (DSL_TUI_KDF={kdf or 'calibrated'}); the KDF is "
        "timed alone with the vault's own parameters and subtracted for 'beyond the KDF'. Each "
        "unlock runs in a fresh process, as the app's does (imports not timed).",
        "Open a case, save a note and complete a step are domain calls on an unlocked casebook, "
        "each a different case; a save returns when the vault is encrypted and on disk.",
        "Search: `Casebook.search` of each prefix of one word, as typed. Dashboard: "
        "`DslApp(casebook=...).run_test()` until its DataTable has rows; then each prefix put in "
        "its search box and submitted (no typing pause), until the screen has handled it.",
        "Compaction (a full snapshot rewrite) is occasional: on lock when the journal has grown, "
        "or inside a save once the journal passes its hard limit.",
        "Memory: a fresh process unlocks the vault; 'traced peak' is the tracemalloc peak during "
        "unlock (Python heap), 'held' what stays after it, ru_maxrss is the process's peak RSS "
        "(includes the interpreter and Argon2's memory).",
        "Peers insert one note-sized document into a database holding "
        + " / ".join(sorted({r.peer_shape for r in results}))
        + " (same count and shape as our vault); 'N× ours' is the peer's median over ours.",
        f"Total harness time: {time.perf_counter() - started:.0f} s.",
    ]
    kdf_params = sorted({r.timings["kdf"].note for r in results if r.timings.get("kdf")} - {""})
    if kdf_params:
        notes.insert(1, "KDF parameters of the benchmark vaults: " + "; ".join(kdf_params) + ".")
    extra = "## Profile\n\n" + "\n\n".join(profiles) if profiles else ""
    text = report.markdown(results, args.repeat, command.strip(), notes, extra)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    raw = {
        str(r.size): {
            "timings": {k: t.to_dict() for k, t in r.timings.items()},
            "memory": r.memory,
            "info": r.info,
        }
        for r in results
    }
    (args.work / "results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(report.table(results))
    print()
    print(report.targets_table(report.targets(results)))
    for profile in profiles:
        print()
        print(profile)
    log(f"results written to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
