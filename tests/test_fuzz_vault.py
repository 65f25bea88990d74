"""Fuzz the vault file's readers: header, body and journal bytes from a copied or tampered file.

Whatever the bytes, reading must end in the vault's own errors (VaultTampered, WrongPassphrase),
never another exception, a hang, or a key derivation with parameters outside the bounds.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from helpers_security import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from dsl_tui.errors import DslError, VaultTampered, WrongPassphrase
from dsl_tui.vault import Vault
from dsl_tui.vault import kdf as kdf_module
from dsl_tui.vault.header import Header, parse_snapshot
from dsl_tui.vault.journal import seal_record
from dsl_tui.vault.loader import KekCache, load

# Slow (fuzzes the vault format): out of the quick loop (-m "not slow"); CI runs it.
pytestmark = pytest.mark.slow

PASSPHRASE = "lichen harbour copper 2031"

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@dataclass
class Sample:
    """A real vault file with a journal, its data key and a shared KEK cache."""

    raw: bytes
    data_key: bytes
    journal_start: int
    cache: KekCache


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """One vault (snapshot + three journal records), opened once to learn its data key."""
    path = tmp_path_factory.mktemp("fuzzvault") / "vault.dsl"
    vault = Vault.create(path, "Imogen Threlkeld", PASSPHRASE)
    notes = vault.db.table("notes")
    for i in range(3):
        notes.insert({"case": f"C-{i}", "text": f"note {i}"})
    vault._storage.close()  # keep the journal: no compaction on the way out
    vault._lock.release()
    raw = path.read_bytes()
    cache: KekCache = {}
    loaded = load(raw, PASSPHRASE, kek_cache=cache)
    assert loaded.records == 3
    return Sample(raw, loaded.data_key, loaded.snapshot_end, cache)


@pytest.fixture(autouse=True)
def no_unbounded_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if any derivation would run outside the header bounds (e.g. 64 GiB of memory)."""
    real = kdf_module.argon2id

    def guarded(password: bytes, salt: bytes, **params: int) -> bytes:
        assert params["memory_kib"] <= kdf_module.MAX_MEMORY_KIB
        assert params["iterations"] <= kdf_module.MAX_ITERATIONS
        assert params["lanes"] <= kdf_module.MAX_LANES
        return real(password, salt, **params)

    monkeypatch.setattr(kdf_module, "argon2id", guarded)


def _load_or_refuse(raw: bytes, sample: Sample) -> None:
    try:
        load(raw, PASSPHRASE, kek_cache=sample.cache)
    except (VaultTampered, WrongPassphrase):
        pass


@fuzz_settings(150)
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_refused_as_not_a_vault(data: bytes) -> None:
    with pytest.raises(VaultTampered):
        parse_snapshot(b"DSLVAULT" + data if len(data) % 2 else data)


@fuzz_settings(300)
@given(st.data())
def test_flipped_bytes_anywhere_never_crash_and_never_pass_unnoticed(
    sample: Sample, data: st.DataObject
) -> None:
    raw = bytearray(sample.raw)
    spots = data.draw(st.sets(st.integers(0, len(raw) - 1), min_size=1, max_size=4))
    for at in spots:
        raw[at] ^= data.draw(st.integers(1, 255))
    try:
        loaded = load(bytes(raw), PASSPHRASE, kek_cache=sample.cache)
    except (VaultTampered, WrongPassphrase):
        return
    # Only a torn-looking tail may be dropped; then fewer records, never different ones.
    assert loaded.torn_tail and loaded.records < 3


@fuzz_settings(200)
@given(cut=st.integers(0, 10_000), tail=st.binary(max_size=64))
def test_truncated_or_extended_files_never_crash(sample: Sample, cut: int, tail: bytes) -> None:
    raw = sample.raw[: max(0, len(sample.raw) - cut)] + tail
    _load_or_refuse(raw, sample)


@fuzz_settings(300)
@given(
    key=st.sampled_from(
        [
            "format",
            "version",
            "vault_id",
            "snapshot_id",
            "generation",
            "cipher",
            "kdf",
            "key_id",
            "slots",
        ]
    ),
    value=JSON,
)
def test_header_fields_replaced_by_any_json_are_refused_cleanly(key: str, value: object) -> None:
    header = {
        "format": "dsl-tui-vault",
        "version": 1,
        "vault_id": "00" * 16,
        "snapshot_id": "11" * 16,
        "generation": 3,
        "cipher": "aes-256-gcm",
        "kdf": {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4},
        "key_id": "22" * 8,
        "slots": [{"id": "33" * 8}],
    }
    header[key] = value
    try:
        raw = json.dumps(header, allow_nan=True).encode("ascii")
    except (ValueError, UnicodeEncodeError):
        return
    with pytest.raises(VaultTampered):
        Header.from_bytes(raw)


@fuzz_settings(200)
@given(
    memory=st.integers(-(2**40), 2**40) | st.sampled_from([2**31, 2**21 + 1, 65535]),
    iterations=st.integers(-5, 2**33),
    lanes=st.integers(-5, 2**20),
)
def test_kdf_parameters_outside_the_bounds_are_refused_before_any_work(
    memory: int, iterations: int, lanes: int
) -> None:
    params = {
        "algorithm": "argon2id",
        "memory_kib": memory,
        "iterations": iterations,
        "lanes": lanes,
    }
    inside = (
        kdf_module.FLOOR_MEMORY_KIB <= memory <= kdf_module.MAX_MEMORY_KIB
        and kdf_module.FLOOR_ITERATIONS <= iterations <= kdf_module.MAX_ITERATIONS
        and kdf_module.FLOOR_LANES <= lanes <= kdf_module.MAX_LANES
    )
    if inside:
        assert kdf_module.KdfParams.from_json(params).memory_kib == memory
    else:
        with pytest.raises(VaultTampered):
            kdf_module.KdfParams.from_json(params)


@fuzz_settings(200)
@given(tail=st.binary(max_size=512))
def test_random_journal_bytes_after_a_good_snapshot_are_refused_or_dropped_as_torn(
    sample: Sample, tail: bytes
) -> None:
    raw = sample.raw[: sample.journal_start] + tail
    try:
        loaded = load(raw, None, data_key=sample.data_key)
    except VaultTampered:
        return
    assert loaded.records == 0


@fuzz_settings(200)
@given(plaintext=st.binary(max_size=256) | JSON.map(lambda v: json.dumps(v).encode()))
def test_a_sealed_journal_record_with_any_content_is_refused_cleanly(
    sample: Sample, plaintext: bytes
) -> None:
    """Even an insider holding the data key cannot crash replay with a malformed record."""
    snap = parse_snapshot(sample.raw[: sample.journal_start])
    record, _ = seal_record(
        AESGCM(sample.data_key),
        bytes.fromhex(snap.header.vault_id),
        snap.header.generation + 1,
        snap.chain_seed,
        plaintext,
    )
    raw = sample.raw[: sample.journal_start] + record
    try:
        load(raw, None, data_key=sample.data_key)
    except DslError as err:
        assert isinstance(err, VaultTampered)


def test_deeply_nested_journal_record_is_refused_not_a_recursion_crash(sample: Sample) -> None:
    """A record of 100,000 nested lists (insider with the key) ends in VaultTampered."""
    snap = parse_snapshot(sample.raw[: sample.journal_start])
    record, _ = seal_record(
        AESGCM(sample.data_key),
        bytes.fromhex(snap.header.vault_id),
        snap.header.generation + 1,
        snap.chain_seed,
        b"[" * 100_000 + b"]" * 100_000,
    )
    with pytest.raises(VaultTampered):
        load(sample.raw[: sample.journal_start] + record, None, data_key=sample.data_key)


def test_a_copied_vault_opens_only_with_the_passphrase(sample: Sample, tmp_path: Path) -> None:
    """Offline guessing: a wrong passphrase is WrongPassphrase (exit 3), never a crash."""
    with pytest.raises(WrongPassphrase) as caught:
        load(sample.raw, "not the passphrase at all 99")
    assert caught.value.exit_code == 3


def test_a_crafted_header_cannot_demand_unbounded_kdf_work(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """64 slots at 2 GiB / t=10 is ~20 minutes and 2 GiB a run: total work per open needs a cap."""
    from helpers_vault import header_json, rewrite_header

    header = json.loads(header_json(sample.raw))
    header["kdf"] = {"algorithm": "argon2id", "memory_kib": 2 << 20, "iterations": 10, "lanes": 4}
    slot = header["slots"][0]
    header["slots"] = [
        {**slot, "id": f"{i:016x}", "salt": base64.b64encode(bytes([i]) * 16).decode()}
        for i in range(64)
    ]
    raw = rewrite_header(sample.raw, json.dumps(header).encode("ascii"))
    runs: list[int] = []
    monkeypatch.setattr(
        kdf_module, "argon2id", lambda *a, **k: runs.append(k["memory_kib"]) or b"\0" * 32
    )
    with pytest.raises((VaultTampered, WrongPassphrase)):
        load(raw, "any guess at all 123")
    assert sum(runs) <= 4 * (2 << 20)  # at most a few maximum-cost runs per open
