"""Our workloads on a working copy of a benchmark vault: unlock, save, step, open, search, ...

Each returns a ``Timing`` (seconds of repeated runs) or an "n/a" with the reason. A part of
dsl-tui that does not exist yet gives "n/a (not built yet)" instead of an error.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from timing import Timing, not_available, repeat, stopwatch
from vaults import BENCH_PASSPHRASE, NotBuiltYet, import_part, peek

#: This folder (the unlock probe imports this module from it).
HERE = Path(__file__).resolve().parent

NOTE_TEXT = (
    "Spoke with the pupil's form tutor at break; the account has posted twice more since Monday. "
    "Screenshots were described, not copied, and the host was asked to remove the posts."
)
#: How long the dashboard may take to fill before the run counts as failed.
DASHBOARD_TIMEOUT_S = 120.0


def guarded(measure: Callable[[], Any]) -> Any:
    """Run one measurement; a missing part or an error becomes an "n/a" row, not a crash."""
    try:
        return measure()
    except NotBuiltYet:
        return not_available("n/a (not built yet)")
    except Exception as exc:  # noqa: BLE001 - one broken workload must not stop the others
        return not_available(f"n/a ({type(exc).__name__}: {str(exc)[:80]})")


# ---------------------------------------------------------------- unlock and the KDF alone


#: One unlock in a fresh process, as the app does it: imports first (not timed), then one
#: ``session.unlock`` and one KDF run with the vault's own parameters.
_UNLOCK_PROBE = """
import json, os, sys, time
sys.path.insert(0, sys.argv[3])
import workloads
from dsl_tui import session
derive, note = workloads._kdf_runner(__import__("pathlib").Path(sys.argv[1]))
start = time.perf_counter()
casebook = session.unlock(sys.argv[1], sys.argv[2])
took = time.perf_counter() - start
session.lock(casebook)
print(json.dumps({"unlock": took, "kdf": workloads.stopwatch(derive), "note": note}))
"""


def measure_unlock(vault: Path, repeats: int) -> tuple[Timing, Timing, Timing]:
    """Unlock (``session.unlock``, KDF included), the KDF alone, and unlock beyond the KDF.

    Each run is a fresh process (as the app unlocks once after it starts), so what the harness
    itself holds (other sizes' vaults, the peers' tables) does not weigh on it. A run times one
    unlock and then one KDF with the vault's own parameters, so that both see the same load on a
    shared machine; "beyond" is the difference within each pair.
    """
    import_part("dsl_tui.session")
    unlocks: list[float] = []
    kdfs: list[float] = []
    note = ""
    for _ in range(repeats):
        got = run_probe(_UNLOCK_PROBE, str(vault), BENCH_PASSPHRASE, str(HERE))
        unlocks.append(got["unlock"])
        kdfs.append(got["kdf"])
        note = got["note"]
    beyond = [max(0.0, u - k) for u, k in zip(unlocks, kdfs, strict=True)]
    return Timing(samples=unlocks), Timing(samples=kdfs, note=note), Timing(samples=beyond)


def _kdf_params(vault: Path) -> Any:
    """The KDF parameters in the vault's header, via whichever hook the vault module offers."""
    try:
        parse_snapshot = import_part("dsl_tui.vault.header", "parse_snapshot")
        return parse_snapshot(vault.read_bytes()).header.kdf
    except (NotBuiltYet, AttributeError):
        pass
    vault_mod = import_part("dsl_tui.vault")
    for hook in ("read_kdf_params", "kdf_params", "header_kdf_params"):
        if callable(getattr(vault_mod, hook, None)):
            return getattr(vault_mod, hook)(vault)
    opened = vault_mod.Vault.open(vault, BENCH_PASSPHRASE)
    try:
        for attr in ("kdf", "kdf_params", "params"):
            if getattr(opened, attr, None) is not None:
                return getattr(opened, attr)
    finally:
        opened.close()
    raise NotBuiltYet("no way to read the vault's KDF parameters")


def _kdf_runner(vault: Path) -> tuple[Callable[[], object], str]:
    """One Argon2id derivation with the vault's own parameters, as unlock runs it, and a label."""
    params = _kdf_params(vault)
    salt = os.urandom(16)
    try:
        derive_key = import_part("dsl_tui.vault.kdf", "derive_key")

        def derive() -> object:
            return derive_key(BENCH_PASSPHRASE, salt, params)

    except NotBuiltYet:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        def derive() -> object:
            return Argon2id(
                salt=salt,
                length=32,
                iterations=params.iterations,
                lanes=params.lanes,
                memory_cost=params.memory_kib,
            ).derive(BENCH_PASSPHRASE.encode())

    return derive, f"m={params.memory_kib} KiB, t={params.iterations}, p={params.lanes}"


# ---------------------------------------------------------------- work on an unlocked vault


def _open_steps(casebook: Any, wanted: int) -> Iterator[tuple[str, Any]]:
    """(case id, step) pairs of open steps, from different cases, picked before any timing."""
    from dsl_tui.model import StepState

    found = 0
    for case_id in casebook.case_ids():
        case = peek(casebook, case_id)
        for step in case.steps:
            if step.state is StepState.OPEN:
                yield case_id, step
                found += 1
                break
        if found >= wanted:
            return


def _answers_for(step: Any) -> dict[str, str]:
    """Answers for whatever a step needs recorded (the first choice, or "yes")."""
    return {spec.key: (spec.choices[0] if spec.choices else "yes") for spec in step.needs}


def spread(ids: list[str], count: int) -> list[str]:
    """``count`` case ids spread across the vault (first, middle, last...), cycling if short."""
    if not ids:
        raise NotBuiltYet("the vault holds no cases")
    stride = max(1, len(ids) // max(1, count))
    picked = ids[::stride][:count]
    while len(picked) < count:
        picked.append(ids[len(picked) % len(ids)])
    return picked


def measure_save_note(casebook: Any, repeats: int) -> Timing:
    """Seconds to add one evidence note to a case (encrypted and durable on return)."""
    ids = spread(casebook.case_ids(), repeats)
    return repeat(lambda i: stopwatch(lambda: casebook.add_note(ids[i], NOTE_TEXT)), repeats)


def measure_audit_entry(casebook: Any, repeats: int) -> Timing:
    """Seconds of a save holding one audit entry alone (a case viewed): what the hash-chained
    audit adds to any save. It should not grow with the vault."""
    audit = getattr(casebook, "audit_event", None)
    if audit is None:
        return not_available("n/a (no audit_event)")
    ids = spread(casebook.case_ids(), repeats)
    return repeat(lambda i: stopwatch(lambda: audit("view", ids[i])), repeats)


def measure_complete_step(casebook: Any, repeats: int) -> Timing:
    """Seconds to complete one open step (a different case each run)."""
    targets = list(_open_steps(casebook, repeats))
    if not targets:
        return not_available("n/a (no open steps in the demo vault)")

    def once(i: int) -> float:
        case_id, step = targets[i % len(targets)]
        answers = _answers_for(step)
        return stopwatch(
            lambda: casebook.complete_step(case_id, step.id, "Done (benchmark).", answers or None)
        )

    return repeat(once, min(repeats, len(targets)))


def measure_compaction(casebook: Any, repeats: int) -> Timing:
    """Seconds of one full snapshot rewrite: what compaction costs when it falls due.

    The vault appends one sealed record per save and folds the journal into a new snapshot on
    lock (when worthwhile) or, rarely, inside a save once the journal outgrows its hard limits.
    This uses the vault's private ``_rewrite``; if that changes, the row shows n/a.
    """
    vault = getattr(casebook, "vault", None)
    if vault is None or not callable(getattr(vault, "_rewrite", None)):
        raise NotBuiltYet("the vault has no snapshot rewrite to time")

    def once(_i: int) -> float:
        return stopwatch(lambda: vault._rewrite(vault._header, vault._data_key, vault._meta))

    return repeat(once, repeats)


def measure_open_case(casebook: Any, repeats: int) -> Timing:
    """Seconds to open one whole case (``casebook.case``, which audits the view)."""
    ids = spread(casebook.case_ids()[::-1], repeats)
    return repeat(lambda i: stopwatch(lambda: casebook.case(ids[i])), repeats)


def search_word(casebook: Any) -> str:
    """A word the dashboard search should find: the longest word of a middle case's summary."""
    ids = casebook.case_ids()
    case = peek(casebook, ids[len(ids) // 2])
    words = [w.strip(".,;:!?'\"()") for w in f"{case.summary} {case.category_title}".split()]
    words = [w for w in words if w.isalpha()]
    return max(words, key=len) if words else "account"


def measure_prepare_search(casebook: Any) -> Timing:
    """Seconds to build every case's search text, once, as the app does in a worker just after
    unlocking (so that the DSL's first keystroke is as quick as the rest)."""
    prepare = getattr(casebook, "prepare_search", None)
    if prepare is None:
        return not_available("n/a (no prepare_search)")
    return Timing(samples=[stopwatch(prepare)], note="once per unlock, off the UI thread")


def measure_search(casebook: Any, repeats: int) -> Timing:
    """Seconds per search keystroke: ``casebook.search`` of each prefix of a word, as typed."""
    word = search_word(casebook)
    prefixes = [word[:n] for n in range(1, len(word) + 1)]
    samples: list[float] = []
    hits = 0
    for _ in range(repeats):
        for prefix in prefixes:
            start = time.perf_counter()
            found = casebook.search(prefix)
            samples.append(time.perf_counter() - start)
        hits = len(found)
    return Timing(samples=samples, note=f"{len(prefixes)} keystrokes, {hits} hits")


def measure_export(casebook: Any, out_dir: Path, repeats: int) -> Timing:
    """Seconds to export one case to an age file for a senior manager's public key."""
    export = import_part("dsl_tui.export")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        recipient = export.keygen(out_dir / "manager.key")
    except Exception:  # noqa: BLE001 - keygen is a convenience; pyrage makes the same key
        import pyrage

        recipient = str(pyrage.x25519.Identity.generate().to_public())
    ids = spread(casebook.case_ids(), repeats)

    def once(i: int) -> float:
        out = out_dir / f"case-{i}.age"
        took = stopwatch(
            lambda: export.export_cases(casebook, [ids[i]], out, recipients=(recipient,))
        )
        out.unlink(missing_ok=True)
        return took

    return repeat(once, repeats)


async def _dashboard_once(casebook: Any, word: str) -> tuple[float, list[float]]:
    """Seconds until the dashboard table shows rows, then seconds per search in the dashboard.

    A search is timed from putting a prefix in the search box and submitting it (as Enter does,
    skipping the typing pause) until the screen has handled it: search and table refill.
    """
    app_mod = import_part("dsl_tui.screens.app")
    from textual.widgets import DataTable, Input

    app = app_mod.DslApp(casebook=casebook)
    start = time.perf_counter()
    searches: list[float] = []
    async with app.run_test(size=(140, 45)) as pilot:
        while True:
            tables = list(app.screen.query(DataTable))
            if any(t.row_count > 0 for t in tables):
                took = time.perf_counter() - start
                break
            if time.perf_counter() - start > DASHBOARD_TIMEOUT_S:
                raise TimeoutError("the dashboard table never filled")
            await pilot.pause(0.002)
        boxes = list(app.screen.query(Input))
        if boxes:
            box = boxes[0]
            await pilot.pause()
            for n in range(1, len(word) + 1):
                begin = time.perf_counter()
                box.value = word[:n]
                await box.action_submit()
                # pause(0): until every queued message is handled (not pause(), which waits
                # for CPU idle in 20 ms sleeps and would swamp the figure).
                await pilot.pause(0)
                searches.append(time.perf_counter() - begin)
    return took, searches


def measure_dashboard(casebook: Any, repeats: int) -> tuple[Timing, Timing]:
    """Dashboard load (``DslApp(...).run_test()`` until its table has rows) and UI search."""
    word = search_word(casebook)
    loads: list[float] = []
    searches: list[float] = []
    for _ in range(repeats):
        took, typed = asyncio.run(_dashboard_once(casebook, word))
        loads.append(took)
        searches.extend(typed)
    ui = Timing(samples=searches, note=f"{len(word)} keystrokes") if searches else None
    return Timing(samples=loads), ui or not_available("n/a (no search box on the dashboard)")


# ---------------------------------------------------------------- memory and the profile

_MEMPROBE = """
import json, resource, sys, time, tracemalloc
from dsl_tui import session
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
casebook = session.unlock(sys.argv[1], sys.argv[2])
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
session.lock(casebook)
print(json.dumps({"base_kib": base, "maxrss_kib": maxrss, "traced_peak": peak, "held": current}))
"""


def measure_memory(vault: Path) -> dict[str, Any]:
    """Memory of a fresh process that unlocks the vault: tracemalloc peak and ru_maxrss."""
    import_part("dsl_tui.session")
    try:
        return run_probe(_MEMPROBE, str(vault), BENCH_PASSPHRASE)
    except RuntimeError as err:
        return {"na": f"n/a ({err})"}


def run_probe(script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` in a fresh Python process; its last line of output, as JSON.

    RuntimeError (with the last line of its errors) when the process fails.
    """
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ.copy(),
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise RuntimeError(f"probe failed: {last[:80]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _top(profiler: Any, title: str, top: int, orders: tuple[str, ...]) -> str:
    """A cProfile listing, ``top`` lines per sort order."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    for order in orders:
        label = {"cumulative": "cumulative time", "tottime": "own time"}[order]
        out.write(f"{title}, by {label} (top {top}):\n")
        stats.sort_stats(order).print_stats(top)
    return out.getvalue()


def profile_save(casebook: Any, runs: int = 10, top: int = 20) -> str:
    """A cProfile top-``top`` (cumulative, then own time) of ``runs`` note saves."""
    import cProfile

    ids = spread(casebook.case_ids(), runs)
    profiler = cProfile.Profile()
    profiler.enable()
    for case_id in ids:
        casebook.add_note(case_id, NOTE_TEXT)
    profiler.disable()
    return _top(profiler, f"cProfile of {runs} note saves", top, ("cumulative", "tottime"))


def profile_unlock(vault: Path, top: int = 20) -> str:
    """A cProfile top-``top`` (cumulative) of one ``session.unlock`` (the KDF included)."""
    import cProfile

    session = import_part("dsl_tui.session")
    profiler = cProfile.Profile()
    profiler.enable()
    casebook = session.unlock(vault, BENCH_PASSPHRASE)
    profiler.disable()
    session.lock(casebook)
    return _top(profiler, "cProfile of one unlock", top, ("cumulative",))


# ---------------------------------------------------------------- start-up and UI freezes


def measure_cli(option: str, repeats: int) -> Timing:
    """Wall seconds of ``dsl-tui OPTION`` (``--version`` or ``--help``) in a fresh process: the
    interpreter's start-up included, as a user sees it (``python -m dsl_tui``)."""
    import_part("dsl_tui.cli")

    def once(_i: int) -> float:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "dsl_tui", option],
            capture_output=True,
            timeout=60,
            env=os.environ.copy(),
            check=False,
        )
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"dsl-tui {option} exited {done.returncode}")
        return took

    return repeat(once, repeats)


#: How often the freeze probe's timer asks to run (seconds); a gap is the time between two runs.
FREEZE_TICK_S = 0.005


class _Gaps:
    """A timer callback on the app's event loop: the largest gap between two of its runs."""

    def __init__(self) -> None:
        self.last = 0.0
        self.largest = 0.0
        self.recording = False

    def tick(self) -> None:
        now = time.perf_counter()
        if self.recording and self.last:
            self.largest = max(self.largest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last, self.largest, self.recording = time.perf_counter(), 0.0, True


async def _lock_freeze_once(vault: Path) -> float:
    """The largest event-loop gap while the app locks with a compaction due (and its backup)."""
    session = import_part("dsl_tui.session")
    app_mod = import_part("dsl_tui.screens.app")
    unlock_mod = import_part("dsl_tui.screens.unlock")
    from dsl_tui.vault.journal import CompactionPolicy

    casebook = session.unlock(vault, BENCH_PASSPHRASE)
    # Every lock compacts here (and so writes a backup): the worst case the DSL meets.
    casebook.vault.policy = CompactionPolicy(soft_min_bytes=0, soft_ratio=0.0)
    app = app_mod.DslApp(vault_path=vault, casebook=casebook)
    gaps = _Gaps()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause(0.2)
        app.set_interval(FREEZE_TICK_S, gaps.tick)
        await pilot.pause(0.05)
        gaps.start()
        await pilot.press("ctrl+l")
        deadline = time.perf_counter() + DASHBOARD_TIMEOUT_S
        while not (app.is_locked and isinstance(app.screen, unlock_mod.UnlockScreen)):
            if time.perf_counter() > deadline:
                raise TimeoutError("the app never locked")
            await pilot.pause(0.01)
        if casebook.vault is not None:
            raise RuntimeError("the vault was not closed")
        await pilot.pause(0.05)
    return gaps.largest


async def _unlock_freeze_once(vault: Path) -> float:
    """The largest event-loop gap from Enter on the unlock screen until the dashboard shows."""
    app_mod = import_part("dsl_tui.screens.app")
    dashboard = import_part("dsl_tui.screens.dashboard")
    from textual.widgets import DataTable

    app = app_mod.DslApp(vault_path=vault)
    gaps = _Gaps()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause(0.2)
        app.set_interval(FREEZE_TICK_S, gaps.tick)
        for char in BENCH_PASSPHRASE:
            await pilot.press(char if char != " " else "space")
        await pilot.pause(0.05)
        gaps.start()
        await pilot.press("enter")
        deadline = time.perf_counter() + DASHBOARD_TIMEOUT_S
        while True:
            screen = app.screen
            if isinstance(screen, dashboard.DashboardScreen) and any(
                t.row_count > 0 for t in screen.query(DataTable)
            ):
                break
            if time.perf_counter() > deadline:
                raise TimeoutError("the dashboard never showed")
            await pilot.pause(0.01)
        await pilot.pause(0.05)
        largest = gaps.largest
        await pilot.press("ctrl+l")
        unlock_screen = import_part("dsl_tui.screens.unlock", "UnlockScreen")
        while not (app.is_locked and isinstance(app.screen, unlock_screen)):
            if time.perf_counter() > deadline:
                raise TimeoutError("the app never locked")
            await pilot.pause(0.05)
    return largest


def measure_ui_freeze(vault: Path, repeats: int) -> tuple[Timing, Timing]:
    """Longest UI freeze (event-loop gap, headless ``run_test``) during lock with a compaction
    and its backup, and, for reference, from Enter on the unlock screen to the dashboard."""
    lock = [asyncio.run(_lock_freeze_once(vault)) for _ in range(repeats)]
    unlock = [asyncio.run(_unlock_freeze_once(vault)) for _ in range(repeats)]
    return Timing(samples=lock), Timing(samples=unlock)


_PLAIN_MEMPROBE = """
import json, resource, sys
from dsl_tui import session
casebook = session.unlock(sys.argv[1], sys.argv[2])
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
session.lock(casebook)
print(json.dumps({"maxrss_kib": maxrss}))
"""


def measure_plain_rss(vault: Path, repeats: int) -> Timing:
    """Peak RSS (ru_maxrss, KiB as bytes/1024) of a fresh process that unlocks, no tracemalloc.

    Stored as a Timing of MiB values so the table shows median and min-max.
    """
    import_part("dsl_tui.session")
    values = [
        run_probe(_PLAIN_MEMPROBE, str(vault), BENCH_PASSPHRASE)["maxrss_kib"] / 1024
        for _ in range(repeats)
    ]
    return Timing(samples=values, note="MiB")
