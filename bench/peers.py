"""The peers: the same save workload on plain TinyDB and on tinydb-encrypted-jsonstorage.

The workload is "insert one note-sized document into a database that already holds the same
number of documents of the same shape as our vault". When our vault exists, the peers are filled
with a copy of its decrypted tables (so the shapes are ours exactly); otherwise with synthetic
documents shaped like a case with about 10 notes and 5 steps. All data is fictional.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timing import Timing, not_available, repeat, stopwatch

#: Raw TinyDB data: table name -> {doc id as text -> document}.
RawTables = dict[str, dict[str, dict[str, Any]]]

#: The key the encrypted peer is given (it derives its AES key with one SHA-256, no KDF).
PEER_KEY = "correct horse battery staple bench"

_FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hari", "Isla", "Jonah"]
_LAST = ["Bell", "Carter", "Dunmore", "Ellis", "Farrow", "Gale", "Hollis", "Irving", "Joss"]
_WORDS = (
    "pupil reported messages from an account on a social platform asking to meet after school "
    "screenshots described not copied parent informed head told staff member consent recorded "
    "host asked to remove the post within twenty four hours checked again removal confirmed"
).split()


@dataclass(frozen=True)
class Peer:
    """One peer database: its name in the table and how to open it on a file."""

    name: str
    open_db: Callable[[Path], Any]
    write_raw: Callable[[Path, RawTables], None]


def note_document(rng: random.Random, case_id: str = "BENCH-000001") -> dict[str, Any]:
    """A document the size and shape of one evidence note (about 300 bytes of text)."""
    return {
        "kind": "note",
        "case_id": case_id,
        "id": f"n-{rng.getrandbits(48):012x}",
        "at": "2026-11-25T09:30:00+00:00",
        "by": "Mx Bench Tester",
        "note_kind": "fact",
        "corrects": None,
        "text": " ".join(rng.choice(_WORDS) for _ in range(45)),
    }


def note_like(template: dict[str, Any]) -> Callable[[random.Random], dict[str, Any]]:
    """A maker of new documents shaped exactly like ``template`` (our own stored note)."""

    def make(rng: random.Random) -> dict[str, Any]:
        doc = json.loads(json.dumps(template))
        for key, value in doc.items():
            if key in {"id", "note_id"} and isinstance(value, str):
                doc[key] = f"{value[:4]}{rng.getrandbits(48):012x}"
            elif key == "text" and isinstance(value, str):
                doc[key] = " ".join(rng.choice(_WORDS) for _ in range(max(5, len(value) // 7)))
        return doc

    return make


def synthetic_tables(cases: int, seed: int = 7) -> RawTables:
    """Fictional documents shaped like ``cases`` cases: core, 2 people, 5 steps, 10 notes each."""
    rng = random.Random(seed)
    tables: RawTables = {"cases": {}, "people": {}, "steps": {}, "notes": {}, "audit": {}}
    for n in range(cases):
        case_id = f"BENCH-{n:06d}"
        tables["cases"][str(n + 1)] = {
            "id": case_id,
            "school": "OAK",
            "summary": " ".join(rng.choice(_WORDS) for _ in range(25)),
            "risk": rng.choice(["high", "medium", "low"]),
            "status": "open",
            "reported_at": "2026-10-01T08:00:00+00:00",
        }
        for p in range(2):
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            tables["people"][str(2 * n + p + 1)] = {
                "case_id": case_id,
                "name": name,
                "role": "pupil",
            }
        for s in range(5):
            tables["steps"][str(5 * n + s + 1)] = {
                "case_id": case_id,
                "id": f"s{s}",
                "title": " ".join(rng.choice(_WORDS) for _ in range(8)),
                "actor": "DSL",
                "clause": "9.3",
                "due_at": "2026-10-02T08:00:00+00:00",
                "state": "open",
            }
        for k in range(10):
            tables["notes"][str(10 * n + k + 1)] = note_document(rng, case_id)
        tables["audit"][str(n + 1)] = {"seq": n, "who": "Mx Bench Tester", "action": "create"}
    return tables


def _plain_open(path: Path) -> Any:
    from tinydb import TinyDB

    return TinyDB(path)


def _plain_write(path: Path, raw: RawTables) -> None:
    path.write_text(json.dumps(raw), encoding="utf-8")


def _encrypted_open(path: Path) -> Any:
    from tinydb import TinyDB
    from tinydb_encrypted_jsonstorage import EncryptedJSONStorage

    return TinyDB(encryption_key=PEER_KEY, path=str(path), storage=EncryptedJSONStorage)


def _encrypted_write(path: Path, raw: RawTables) -> None:
    db = _encrypted_open(path)
    try:
        db.storage.write(raw)
    finally:
        db.close()


PLAIN = Peer("plain TinyDB (JSONStorage, no encryption)", _plain_open, _plain_write)
ENCRYPTED = Peer("tinydb-encrypted-jsonstorage", _encrypted_open, _encrypted_write)
PEERS = (PLAIN, ENCRYPTED)


def peer_available(peer: Peer) -> str:
    """Empty when the peer can be imported, else the reason it cannot run."""
    try:
        import tinydb  # noqa: F401

        if peer is ENCRYPTED:
            import tinydb_encrypted_jsonstorage  # noqa: F401
    except ImportError as exc:
        return f"n/a ({exc.name or 'module'} not installed: pip install -r bench/requirements.txt)"
    return ""


def measure_peer_save(
    peer: Peer,
    raw: RawTables,
    cache_file: Path,
    run_dir: Path,
    repeats: int,
    note_table: str,
    make_note: Callable[[random.Random], dict[str, Any]] = note_document,
) -> Timing:
    """Median time to insert one note into ``peer`` holding ``raw`` (built once, then cached)."""
    reason = peer_available(peer)
    if reason:
        return not_available(reason)
    try:
        if not cache_file.exists():
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            partial = cache_file.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            peer.write_raw(partial, raw)
            partial.replace(cache_file)
        work = run_dir / cache_file.name
        shutil.copyfile(cache_file, work)
        db = peer.open_db(work)
        rng = random.Random(11)
        table = db.table(note_table)
        try:
            timing = repeat(lambda _i: stopwatch(lambda: table.insert(make_note(rng))), repeats)
        finally:
            db.close()
        # A peer that swallowed a write error (the encrypted one logs and carries on) is no win.
        check = peer.open_db(work)
        try:
            stored = len(check.table(note_table))
        finally:
            check.close()
        expected = len(raw.get(note_table, {})) + repeats
        if stored != expected:
            return not_available(f"n/a (peer lost writes: {stored} of {expected} stored)")
        work.unlink(missing_ok=True)
        return timing
    except Exception as exc:  # noqa: BLE001 - a failing peer is a row, not a crash
        return not_available(f"n/a ({type(exc).__name__}: {str(exc)[:80]})")
