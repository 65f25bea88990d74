"""Key derivation: RFC 9106's Argon2id vector, bounds on untrusted parameters, calibration."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import json

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    PASSPHRASE,
    header_json,
    make_vault,
    rewrite_header,
    state_dir,
    vault_path,
)

from dsl_tui.errors import UsageError, VaultTampered
from dsl_tui.vault import KdfParams, Vault, kdf


def test_rfc9106_argon2id_test_vector() -> None:
    tag = kdf.argon2id(
        b"\x01" * 32,
        b"\x02" * 16,
        memory_kib=32,
        iterations=3,
        lanes=4,
        secret=b"\x03" * 8,
        ad=b"\x04" * 12,
    )
    assert tag.hex() == "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"


@pytest.mark.parametrize(
    "params",
    [
        KdfParams(3 * 1024 * 1024, 3, 4),  # memory beyond 2 GiB
        KdfParams(64 * 1024, 11, 4),  # iterations beyond 10
        KdfParams(64 * 1024, 3, 17),  # lanes beyond 16
        KdfParams(32 * 1024, 3, 4),  # memory below the floor
        KdfParams(64 * 1024, 2, 4),  # iterations below the floor
        KdfParams(64 * 1024, 3, 1),  # lanes below the floor
    ],
)
def test_out_of_bounds_parameters_are_refused_before_any_kdf(
    params: KdfParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_kdf(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the KDF ran on unchecked parameters")

    monkeypatch.setattr(kdf, "argon2id", no_kdf)
    with pytest.raises(VaultTampered):
        kdf.derive_key(PASSPHRASE, b"\x00" * 16, params)


def test_tampered_header_kdf_parameters_refuse_to_open(
    vault_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_vault(vault_path).close()
    raw = vault_path.read_bytes()
    header = json.loads(header_json(raw))
    header["kdf"]["memory_kib"] = 64 * 1024 * 1024
    vault_path.write_bytes(rewrite_header(raw, json.dumps(header).encode()))

    real = kdf.argon2id

    def bounded_kdf(*args: object, memory_kib: int, **kwargs: object) -> bytes:
        # The search for a good backup may run the KDF, but only on sane parameters.
        assert memory_kib <= kdf.MAX_MEMORY_KIB, "the KDF ran on a hostile header"
        return real(*args, memory_kib=memory_kib, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kdf, "argon2id", bounded_kdf)
    with pytest.raises(VaultTampered):
        Vault.open(vault_path, PASSPHRASE)


def test_floor_env_gives_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSL_TUI_KDF", "floor")
    assert KdfParams.for_new_vault() == KdfParams.floor() == KdfParams(65536, 3, 4)


def test_calibration_raises_cost_on_a_fast_machine_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kdf, "_time_one", lambda params: 0.05)
    params = KdfParams.calibrate(0.75)
    assert params.checked() is params
    assert params.memory_kib == kdf.CALIBRATION_MAX_MEMORY_KIB
    assert params.iterations > 3


def test_calibration_keeps_the_floor_on_a_slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kdf, "_time_one", lambda params: 2.0)
    assert KdfParams.calibrate(0.75) == KdfParams.floor()


def test_create_refuses_parameters_below_the_floor(vault_path) -> None:
    with pytest.raises(UsageError):
        Vault.create(vault_path, "Morgan Testwood", PASSPHRASE, kdf=KdfParams(1024, 1, 1))
    assert not vault_path.exists()


def test_stronger_parameters_are_stored_and_used(vault_path) -> None:
    strong = KdfParams(128 * 1024, 4, 4)
    Vault.create(vault_path, "Morgan Testwood", PASSPHRASE, kdf=strong).close()
    header = json.loads(header_json(vault_path.read_bytes()))
    assert (header["kdf"]["memory_kib"], header["kdf"]["iterations"]) == (128 * 1024, 4)
    Vault.open(vault_path, PASSPHRASE).close()
