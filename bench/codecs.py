"""The JSON decoders measured on a real decrypted snapshot: ``python bench/codecs.py``.

For docs/storage-v3.md (issue 14): the standard library's ``json`` against ``orjson`` and
``msgspec`` (``pip install orjson msgspec``; bench only, not dependencies of dsl-tui), decoding
the snapshot body of a cached benchmark vault (``bench/run.py`` builds it) as unlock does today,
and decoding only the cases table (what a per-case summary section would hold), also as typed
``msgspec`` structs. Each run is a fresh process: the body is decrypted in memory (never
written anywhere), then one decode is timed with the collector paused (as the loader does) and
its memory taken as the growth of the process's resident set (no tracemalloc, which slows the
decoders unequally). Prints a Markdown table of medians with min-max.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_PROBE = r"""
import gc, json, os, resource, sys, time
sys.path.insert(0, sys.argv[4])
from vaults import BENCH_PASSPHRASE
from dsl_tui.vault.header import open_body, parse_snapshot
from dsl_tui.vault.loader import unlock_key

def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

codec, what = sys.argv[2], sys.argv[3]
raw = open(sys.argv[1], "rb").read()
snap = parse_snapshot(raw)
key, _ = unlock_key(snap.header, BENCH_PASSPHRASE, None, {})
body = open_body(snap, key)
del raw, snap
if what == "cases":
    # As a per-case summary section would be sealed: the cases table alone, as JSON.
    whole = json.loads(body)
    body = json.dumps(whole["tables"]["cases"], separators=(",", ":")).encode("ascii")
    del whole
    gc.collect()
if codec == "json":
    decode = json.loads
elif codec == "orjson":
    import orjson
    decode = orjson.loads
elif codec == "msgspec":
    import msgspec
    decode = msgspec.json.decode
elif codec == "msgspec-typed":
    import msgspec

    class CaseSummary(msgspec.Struct, forbid_unknown_fields=False):
        id: str = ""
        school: str = ""
        category_title: str = ""
        risk: str = ""
        status: str = ""
        reported_at: str = ""

    decoder = msgspec.json.Decoder(dict[str, CaseSummary])
    decode = decoder.decode
else:
    raise SystemExit(f"unknown codec {codec}")
gc.collect()
gc.disable()
before = rss()
start = time.perf_counter()
value = decode(body)
took = time.perf_counter() - start
grown = rss() - before
print(json.dumps({"seconds": took, "rss_growth": grown, "body_bytes": len(body)}))
"""

CODECS = ("json", "orjson", "msgspec", "msgspec-typed")


def run(vault: Path, codec: str, what: str) -> dict[str, float]:
    """One decode in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(vault), codec, what, str(HERE)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1][:120])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cell(values: list[float], unit: str) -> str:
    """Median (min-max)."""
    fmt = (lambda v: f"{v * 1000:.0f} ms") if unit == "s" else (lambda v: f"{v / 2**20:.0f} MiB")
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def main() -> int:
    """Measure and print the table."""
    import vaults

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    os.environ.setdefault("DSL_TUI_KDF", "floor")
    built = vaults.build_vault(args.size, args.work)
    print(f"| decode ({args.size:,} cases, median of {args.repeat}, min–max) | time | RSS growth |")
    print("|---|---|---|")
    for what in ("whole", "cases"):
        for codec in CODECS:
            if what == "whole" and codec == "msgspec-typed":
                continue
            runs = [run(built.path, codec, what) for _ in range(args.repeat)]
            size = runs[0]["body_bytes"] / 1e6
            label = f"{codec}, {'whole snapshot' if what == 'whole' else 'cases table only'}"
            times = cell([r["seconds"] for r in runs], "s")
            grown = cell([r["rss_growth"] for r in runs], "b")
            print(f"| {label} ({size:.0f} MB of JSON) | {times} | {grown} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
