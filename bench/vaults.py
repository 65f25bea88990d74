"""Build benchmark vaults of N fictional cases with the demo generator, and cache them.

A built vault is kept under ``<work>/vault-<size>-<code version>/`` (``bench/work/`` by default,
git-ignored; ``--work`` moves it, e.g. to ``/tmp/bench-cache``), where the code version is a hash
of what decides what a vault holds: the vault format's version and the casebook, demo, model and
playbook sources. The vault package's own code is left out on purpose: a change to how the
storage saves, compacts or backs up must not force a rebuild of a 50,000-case vault, and a change
to what it writes bumps the format version, which is in the key. Reruns reuse a build; a
measurement always runs on a fresh copy, so the cache stays pristine.

**Bulk build.** Cases are made by the demo generator through the casebook's own calls, exactly as
before, but each chunk of ``CHUNK`` cases is one ``casebook.batch()``: one commit (one sealed,
fsynced journal record) per chunk instead of one per case, through the same storage code. The
storage compacts on its own when the journal passes its hard limit, and the build ends with one
full snapshot rewrite, so every size starts from a compacted vault with an empty journal.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A fictional passphrase for the fictional benchmark vaults (never a real one).
BENCH_PASSPHRASE = "amber kestrel lantern forty-two quietly benchmarks"
BENCH_USER = "Mx Bench Tester"
VAULT_NAME = "vault.dsl"
#: Cases added per call of the demo generator, so progress can be printed while building.
CHUNK = 250
#: Bump when the way this file builds vaults changes, to invalidate old caches.
BUILD_RECIPE = "2-bulk"


class NotBuiltYet(Exception):
    """A part of dsl-tui the benchmark needs does not exist yet (shown as "n/a (not built yet)")."""


@dataclass(frozen=True)
class BuiltVault:
    """A cached vault: its folder, the vault file inside it, and what the build recorded."""

    folder: Path
    size: int
    info: dict[str, Any]

    @property
    def path(self) -> Path:
        """The vault file."""
        return self.folder / VAULT_NAME


def import_part(module: str, name: str | None = None) -> Any:
    """Import ``module`` (and ``name`` from it), or raise NotBuiltYet if it is not there yet."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module == missing or module.startswith(missing + ".")):
            raise NotBuiltYet(module) from exc
        raise
    except ImportError as exc:  # a half-written package: "cannot import name ..."
        raise NotBuiltYet(f"{module}: {exc}") from exc
    if name is None:
        return mod
    try:
        return getattr(mod, name)
    except AttributeError as exc:
        raise NotBuiltYet(f"{module}.{name}") from exc


def code_version() -> str:
    """Short hash of what shapes a vault (format version, casebook, demo, model, playbook)."""
    import dsl_tui
    from dsl_tui.vault import header

    root = Path(dsl_tui.__file__).resolve().parent
    digest = hashlib.sha256(f"{BUILD_RECIPE}|{header.FORMAT}|{header.VERSION}".encode())
    parts = [root / "casebook", root / "demo.py", root / "demo", root / "model.py"]
    data = root / "data" if (root / "data").is_dir() else root.parent / "data"
    parts.append(data)
    for part in parts:
        files = sorted(part.rglob("*")) if part.is_dir() else [part]
        for file in files:
            if file.is_file() and file.suffix in {".py", ".toml", ".json"}:
                digest.update(file.relative_to(root.parent).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def isolate_state(folder: Path) -> None:
    """Keep the app's local state (generation seen, failed attempts) inside ``folder``.

    Benchmark vaults are copies of one cached vault; a shared state folder would see each copy as
    a rollback of the last.
    """
    state = folder / "state"
    state.mkdir(parents=True, exist_ok=True)
    os.environ["DSL_TUI_STATE"] = str(state)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_cases(casebook: Any, count: int) -> None:
    """Add ``count`` demo cases as one batch (one commit, one journal record)."""
    add_demo_cases = import_part("dsl_tui.demo", "add_demo_cases")
    batch = getattr(casebook, "batch", None)
    if batch is None:
        add_demo_cases(casebook, count)
        return
    with batch():
        add_demo_cases(casebook, count)


def _compact_fully(casebook: Any) -> None:
    """End the build with a full snapshot rewrite (an empty journal), where the vault allows."""
    vault = getattr(casebook, "vault", None)
    rewrite = getattr(vault, "_rewrite", None)
    if rewrite is None:
        return
    # Keep only the backup of the final state: the build's intermediate ones (hundreds of MB
    # each at 50,000 cases) would be copied into every working copy for nothing.
    getattr(vault, "wait_for_backup", lambda: None)()
    for old in (vault.path.parent / "backups").glob("*"):
        if old.is_file():
            old.unlink()
    rewrite(vault._header, vault._data_key, vault._meta)


def forget_older_builds(size: int, work: Path) -> None:
    """Delete cached vaults (and peer files made from them) of ``size`` from older code."""
    for old in work.glob(f"vault-{size}-*"):
        shutil.rmtree(old, ignore_errors=True)
    for old in work.glob(f"peer-{size}-ours-*"):
        old.unlink(missing_ok=True)


def build_vault(size: int, work: Path) -> BuiltVault:
    """The cached vault of ``size`` demo cases, building it (with progress on stderr) if needed."""
    session = import_part("dsl_tui.session")
    import_part("dsl_tui.demo", "add_demo_cases")
    folder = work / f"vault-{size}-{code_version()}"
    marker = folder / "built.json"
    if marker.exists():
        return BuiltVault(folder, size, json.loads(marker.read_text(encoding="utf-8")))
    forget_older_builds(size, work)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    isolate_state(folder)
    os.environ.setdefault("DSL_TUI_KDF", "floor")
    started = time.perf_counter()
    _progress(f"building a vault of {size} fictional cases in {folder} ...")
    casebook = session.create(folder / VAULT_NAME, BENCH_USER, "DSL", BENCH_PASSPHRASE)
    try:
        done = 0
        while done < size:
            chunk = min(CHUNK, size - done)
            _add_cases(casebook, chunk)
            done += chunk
            elapsed = time.perf_counter() - started
            eta = elapsed / done * (size - done)
            _progress(f"  {done:>6}/{size} cases  {elapsed:6.1f} s elapsed, ~{eta:5.0f} s to go")
        info = describe(casebook)
        _progress("  writing one full snapshot ...")
        _compact_fully(casebook)
    finally:
        session.lock(casebook)
    info.update(
        size=size,
        build_seconds=round(time.perf_counter() - started, 1),
        kdf_mode=os.environ.get("DSL_TUI_KDF", ""),
        vault_bytes=(folder / VAULT_NAME).stat().st_size,
    )
    marker.write_text(json.dumps(info, indent=1), encoding="utf-8")
    _progress(f"  built in {info['build_seconds']} s ({info['vault_bytes'] / 1e6:.1f} MB)")
    return BuiltVault(folder, size, info)


def peek(casebook: Any, case_id: str) -> Any:
    """A case read for setting up a run, without an audited "view" where the casebook allows."""
    try:
        return casebook.case(case_id, view=False)
    except TypeError:
        return casebook.case(case_id)


def casebook_db(casebook: Any) -> Any:
    """The TinyDB behind a casebook (read only here), wherever the casebook keeps it."""
    for holder in (casebook, getattr(casebook, "store", None), getattr(casebook, "_store", None)):
        for attr in ("db", "_db"):
            db = getattr(holder, attr, None) if holder is not None else None
            if db is not None and hasattr(db, "tables"):
                return db
    return None


def describe(casebook: Any) -> dict[str, Any]:
    """How many cases, notes, steps and documents a vault holds (to check the demo's shape)."""
    ids = casebook.case_ids()
    sample = [peek(casebook, case_id) for case_id in ids[:: max(1, len(ids) // 20)][:20]]
    notes = sum(len(c.notes) for c in sample) / max(1, len(sample))
    steps = sum(len(c.steps) for c in sample) / max(1, len(sample))
    db = casebook_db(casebook)
    documents = sum(len(db.table(name)) for name in db.tables()) if db is not None else None
    return {
        "cases": len(ids),
        "notes_per_case": round(notes, 1),
        "steps_per_case": round(steps, 1),
        "documents": documents,
    }


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def working_copy(built: BuiltVault, run_dir: Path) -> Path:
    """A fresh copy of a cached vault's folder (vault, blobs, backups) to measure on."""
    target = run_dir / built.folder.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        built.folder, target, ignore=shutil.ignore_patterns("state", "*.lock", "backups")
    )
    backups = built.folder / "backups"
    if backups.is_dir():
        # Backups are written once and never changed in place: link them (a 50,000-case backup
        # is ~700 MB); the vault file itself is appended to, so it is always a real copy.
        shutil.copytree(backups, target / "backups", copy_function=_link_or_copy)
        # As backed up today: the daily backup at open is not due, whenever the cache was built.
        for backup in (target / "backups").iterdir():
            os.utime(backup)
    isolate_state(target)
    return target / VAULT_NAME


def raw_tables(casebook: Any) -> dict[str, dict[str, dict[str, Any]]] | None:
    """Our vault's decrypted tables as plain JSON data, to fill the peers with the same shape."""
    db = casebook_db(casebook)
    if db is None:
        return None
    raw: dict[str, dict[str, dict[str, Any]]] = {}
    for name in db.tables():
        raw[name] = {str(doc.doc_id): dict(doc) for doc in db.table(name).all()}
    json.dumps(raw)  # the peers store JSON: fail here, not half-way through a peer
    return raw
