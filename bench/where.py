"""Where one unlock's time and memory go: ``python bench/where.py --size 50000``.

Times each phase of ``session.unlock`` (read, KDF, decrypt, JSON decode, journal, case index,
the rest) in one fresh process, then, in another, the tracemalloc peak and what is held after
unlock by source line (top 12). For docs/storage-v3.md (issue 14). Uses a cached bench vault
(``bench/run.py`` builds it), on a working copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_PHASES = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from vaults import BENCH_PASSPHRASE
from dsl_tui import session
from dsl_tui.vault import loader, recovery, vault as vault_mod
import dsl_tui.vault.header as header

spent = {}
def timed(module, name, label):
    real = getattr(module, name)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
    setattr(module, name, wrapper)

timed(recovery, "read_vault", "read the file")
timed(loader, "unlock_key", "KDF and key slot")
timed(loader, "open_body", "decrypt the snapshot (AES-GCM)")
timed(loader, "_document", "JSON decode of the snapshot")
real_records = loader.read_records
def records(*args, **kwargs):
    iterator = iter(real_records(*args, **kwargs))
    while True:
        start = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            label = "journal records (decrypt)"
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
        yield item
loader.read_records = records
timed(loader, "apply_ops", "journal ops applied")
timed(session, "_open_casebook", "case index (Casebook, gc frozen)")
start = time.perf_counter()
casebook = session.unlock(sys.argv[1], BENCH_PASSPHRASE)
total = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
spent["total session.unlock"] = total
spent["rest (state, backup check, audit of the unlock, ...)"] = total - sum(
    v for k, v in spent.items() if not k.startswith("total"))
session.lock(casebook)
print(json.dumps({"spent": spent, "maxrss_mib": rss / 1024}))
"""

_MEMORY = r"""
import json, sys, tracemalloc
sys.path.insert(0, sys.argv[2])
from vaults import BENCH_PASSPHRASE
from dsl_tui import session
tracemalloc.start(1)
casebook = session.unlock(sys.argv[1], BENCH_PASSPHRASE)
current, peak = tracemalloc.get_traced_memory()
snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
top = [(str(s.traceback[0]), s.size) for s in snap.statistics("lineno")[:12]]
tracemalloc.stop()
session.lock(casebook)
print(json.dumps({"peak": peak, "held": current, "top": top}))
"""


def probe(script: str, vault: Path) -> dict[str, object]:
    """Run ``script`` in a fresh process on ``vault``; its last line as JSON."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", script, str(vault), str(HERE)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-400:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    """Print the phases and the memory by line as Markdown."""
    import vaults

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args = parser.parse_args()
    os.environ.setdefault("DSL_TUI_KDF", "floor")
    built = vaults.build_vault(args.size, args.work)
    run_dir = args.work / f"where-{os.getpid()}"
    try:
        vault = vaults.working_copy(built, run_dir)
        phases = probe(_PHASES, vault)
        print(f"| unlock at {args.size:,} cases, one fresh process | seconds |")
        print("|---|---|")
        for label, seconds in phases["spent"].items():  # type: ignore[attr-defined]
            print(f"| {label} | {seconds:.2f} |")
        print(f"\npeak RSS (ru_maxrss, no tracemalloc): {phases['maxrss_mib']:.0f} MiB\n")
        if not args.no_memory:
            memory = probe(_MEMORY, vault)
            print(
                f"tracemalloc: peak {memory['peak'] / 2**20:.0f} MiB, "  # type: ignore[operator]
                f"held after unlock {memory['held'] / 2**20:.0f} MiB\n"  # type: ignore[operator]
            )
            print("| held after unlock, by line (top 12) | MiB |")
            print("|---|---|")
            for where, size in memory["top"]:  # type: ignore[attr-defined]
                print(f"| `{where}` | {size / 2**20:.0f} |")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
