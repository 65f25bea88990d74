"""Key derivation: Argon2id parameters, their bounds, calibration, and passphrase -> key.

The parameters live in the vault's clear header, so they are untrusted input: a tampered header
must not make the app allocate 64 GiB or spin for an hour, nor silently weaken the key. Every
derivation from a header goes through :meth:`KdfParams.checked`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from dsl_tui.errors import VaultTampered
from dsl_tui.jsontypes import Doc

#: Key length in bytes (AES-256).
KEY_BYTES = 32
#: Salt length in bytes for each key slot.
SALT_BYTES = 16

FLOOR_MEMORY_KIB = 64 * 1024
FLOOR_ITERATIONS = 3
FLOOR_LANES = 4
MAX_MEMORY_KIB = 2 * 1024 * 1024
MAX_ITERATIONS = 10
MAX_LANES = 16
#: Calibration never asks a modest desk PC for more memory than this.
CALIBRATION_MAX_MEMORY_KIB = 256 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters: memory in KiB, iterations (time cost) and lanes (parallelism)."""

    memory_kib: int
    iterations: int
    lanes: int

    @classmethod
    def floor(cls) -> KdfParams:
        """The weakest parameters the app accepts (64 MiB, t=3, p=4)."""
        return cls(FLOOR_MEMORY_KIB, FLOOR_ITERATIONS, FLOOR_LANES)

    @classmethod
    def calibrate(cls, target_s: float = 0.75) -> KdfParams:
        """Parameters taking about ``target_s`` seconds here: memory first (to 256 MiB), then t."""
        params = cls.floor()
        elapsed = _time_one(params)
        while elapsed * 2 <= target_s and params.memory_kib * 2 <= CALIBRATION_MAX_MEMORY_KIB:
            params = cls(params.memory_kib * 2, params.iterations, params.lanes)
            elapsed *= 2
        if elapsed < target_s:
            per_pass = elapsed / params.iterations
            iterations = int(target_s / per_pass) if per_pass > 0 else MAX_ITERATIONS
            params = cls(
                params.memory_kib,
                max(FLOOR_ITERATIONS, min(MAX_ITERATIONS, iterations)),
                params.lanes,
            )
        return params

    @classmethod
    def for_new_vault(cls) -> KdfParams:
        """The floor when ``DSL_TUI_KDF=floor`` (tests, scripts), else calibrated to ~0.75 s."""
        if os.environ.get("DSL_TUI_KDF", "").strip().lower() == "floor":
            return cls.floor()
        return cls.calibrate()

    def checked(self) -> KdfParams:
        """These parameters if within bounds, else VaultTampered (they came from a clear header)."""
        values = (self.memory_kib, self.iterations, self.lanes)
        if not all(type(v) is int for v in values):
            raise VaultTampered("The vault header holds invalid key settings; it may be damaged.")
        if (
            self.memory_kib > MAX_MEMORY_KIB
            or self.iterations > MAX_ITERATIONS
            or self.lanes > MAX_LANES
        ):
            raise VaultTampered(
                "The vault header asks for key settings beyond safe limits; it may be tampered."
            )
        if (
            self.memory_kib < FLOOR_MEMORY_KIB
            or self.iterations < FLOOR_ITERATIONS
            or self.lanes < FLOOR_LANES
        ):
            raise VaultTampered(
                "The vault header asks for key settings below the safe minimum; it may be tampered."
            )
        if self.memory_kib < 8 * self.lanes:
            raise VaultTampered("The vault header holds invalid key settings; it may be damaged.")
        return self

    def to_json(self) -> Doc:
        """The header's ``kdf`` entry."""
        return {
            "algorithm": "argon2id",
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_json(cls, data: object) -> KdfParams:
        """Parse a header's ``kdf`` entry and check its bounds (VaultTampered if unusable)."""
        if not isinstance(data, dict) or data.get("algorithm") != "argon2id":
            raise VaultTampered(
                "The vault header names an unknown key derivation; it may be damaged."
            )
        try:
            params = cls(data["memory_kib"], data["iterations"], data["lanes"])
        except KeyError:
            raise VaultTampered(
                "The vault header is missing key settings; it may be damaged."
            ) from None
        return params.checked()

    def binding(self) -> bytes:
        """A fixed-width encoding, bound into each slot's associated data."""
        return b"".join(
            v.to_bytes(4, "big") for v in (self.memory_kib, self.iterations, self.lanes)
        )


def argon2id(
    password: bytes,
    salt: bytes,
    *,
    memory_kib: int,
    iterations: int,
    lanes: int,
    length: int = KEY_BYTES,
    secret: bytes | None = None,
    ad: bytes | None = None,
) -> bytes:
    """Raw Argon2id (RFC 9106), without bounds: callers must check parameters first."""
    kdf = Argon2id(
        salt=salt,
        length=length,
        iterations=iterations,
        lanes=lanes,
        memory_cost=memory_kib,
        secret=secret,
        ad=ad,
    )
    return kdf.derive(password)


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """The key-encryption key of one slot: Argon2id of the UTF-8 passphrase, bounded parameters."""
    params.checked()
    if len(salt) != SALT_BYTES:
        raise VaultTampered("A key slot in the vault header is damaged.")
    return argon2id(
        passphrase.encode("utf-8", "surrogatepass"),
        salt,
        memory_kib=params.memory_kib,
        iterations=params.iterations,
        lanes=params.lanes,
    )


def _time_one(params: KdfParams) -> float:
    """Seconds one derivation takes with ``params`` on this machine."""
    start = time.perf_counter()
    argon2id(
        b"calibration",
        b"\x00" * SALT_BYTES,
        memory_kib=params.memory_kib,
        iterations=params.iterations,
        lanes=params.lanes,
    )
    return time.perf_counter() - start
