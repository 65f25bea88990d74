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
from vaults import BENCH_PASSPHRASE, NotBuiltYet, import_part

NOTE_TEXT = (
    "Spoke with the pupil's form tutor at break; the account has posted twice more since Monday. "
    "Screenshots were described, not copied, and the host was asked to remove the posts."
)
#: How long the dashboard may take to fill before the run counts as failed.
DASHBOARD_TIMEOUT_S = 120.0


def guarded(measure: Callable[[], Timing]) -> Timing:
    """Run one measurement; a missing part or an error becomes an "n/a" row, not a crash."""
    try:
        return measure()
    except NotBuiltYet:
        return not_available("n/a (not built yet)")
    except Exception as exc:  # noqa: BLE001 - one broken workload must not stop the others
        return not_available(f"n/a ({type(exc).__name__}: {str(exc)[:80]})")


# ---------------------------------------------------------------- unlock and the KDF alone


def measure_unlock(vault: Path, repeats: int) -> Timing:
    """Seconds from passphrase to a ready casebook (``session.unlock``), KDF included."""
    session = import_part("dsl_tui.session")

    def once(_i: int) -> float:
        start = time.perf_counter()
        casebook = session.unlock(vault, BENCH_PASSPHRASE)
        took = time.perf_counter() - start
        session.lock(casebook)
        return took

    return repeat(once, repeats)


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


def measure_kdf(vault: Path, repeats: int) -> Timing:
    """Seconds of Argon2id alone with the vault's own parameters (to subtract from unlock)."""
    params = _kdf_params(vault)
    try:
        derive_key = import_part("dsl_tui.vault.kdf", "derive_key")

        def derive(secret: bytes, salt: bytes) -> bytes:
            return bytes(derive_key(secret.decode(), salt, params))

    except NotBuiltYet:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        def derive(secret: bytes, salt: bytes) -> bytes:
            return Argon2id(
                salt=salt,
                length=32,
                iterations=params.iterations,
                lanes=params.lanes,
                memory_cost=params.memory_kib,
            ).derive(secret)

    salt = os.urandom(16)
    timing = repeat(lambda _i: stopwatch(lambda: derive(BENCH_PASSPHRASE.encode(), salt)), repeats)
    timing.note = f"m={params.memory_kib} KiB, t={params.iterations}, p={params.lanes}"
    return timing


def beyond_kdf(unlock: Timing, kdf: Timing) -> Timing:
    """Unlock minus the KDF's median: the part the vault's size decides."""
    if not unlock.ok:
        return unlock
    if not kdf.ok:
        return not_available(kdf.na)
    return Timing(samples=[max(0.0, s - kdf.median) for s in unlock.samples])


# ---------------------------------------------------------------- work on an unlocked vault


def _open_steps(casebook: Any, wanted: int) -> Iterator[tuple[str, Any]]:
    """(case id, step) pairs of open steps, from different cases, picked before any timing."""
    from dsl_tui.model import StepState

    found = 0
    for case_id in casebook.case_ids():
        case = casebook.case(case_id)
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


def measure_open_case(casebook: Any, repeats: int) -> Timing:
    """Seconds to open one whole case (``casebook.case``, which audits the view)."""
    ids = spread(casebook.case_ids()[::-1], repeats)
    return repeat(lambda i: stopwatch(lambda: casebook.case(ids[i])), repeats)


def search_word(casebook: Any) -> str:
    """A word the dashboard search should find: the longest word of a middle case's summary."""
    ids = casebook.case_ids()
    case = casebook.case(ids[len(ids) // 2])
    words = [w.strip(".,;:!?'\"()") for w in f"{case.summary} {case.category_title}".split()]
    words = [w for w in words if w.isalpha()]
    return max(words, key=len) if words else "account"


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


async def _dashboard_once(casebook: Any) -> float:
    """Seconds from starting the app headless until the dashboard table shows rows."""
    app_mod = import_part("screens.app")
    from textual.widgets import DataTable

    app = app_mod.DslApp(casebook=casebook)
    start = time.perf_counter()
    async with app.run_test(size=(140, 45)) as pilot:
        while True:
            tables = list(app.screen.query(DataTable))
            if any(t.row_count > 0 for t in tables):
                took = time.perf_counter() - start
                break
            if time.perf_counter() - start > DASHBOARD_TIMEOUT_S:
                raise TimeoutError("the dashboard table never filled")
            await pilot.pause(0.002)
    return took


def measure_dashboard(casebook: Any, repeats: int) -> Timing:
    """Seconds to load the dashboard: ``DslApp(...).run_test()`` until its table is populated."""
    return repeat(lambda _i: asyncio.run(_dashboard_once(casebook)), repeats)


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
    proc = subprocess.run(
        [sys.executable, "-c", _MEMPROBE, str(vault), BENCH_PASSPHRASE],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ.copy(),
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"na": f"n/a (probe failed: {last[:80]})"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def profile_save(casebook: Any, runs: int = 10, top: int = 20) -> str:
    """A cProfile top-``top`` (cumulative, then own time) of ``runs`` note saves."""
    import cProfile
    import io
    import pstats

    ids = spread(casebook.case_ids(), runs)
    profiler = cProfile.Profile()
    profiler.enable()
    for case_id in ids:
        casebook.add_note(case_id, NOTE_TEXT)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"cProfile of {runs} note saves, by cumulative time (top {top}):\n")
    stats.sort_stats("cumulative").print_stats(top)
    out.write(f"\nby own time (top {top}):\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
