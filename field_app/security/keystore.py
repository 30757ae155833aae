"""The PIN-wrapped data key, and what happens on wrong PINs.

The data key is 32 random bytes made once per device sign-in. It is stored
only wrapped (AES-GCM) under a key derived from the user's PIN with
argon2id; the derivation parameters are recorded beside it so a later app
version can raise them. Wrong PINs are counted on disk (so restarting the
app does not reset the count); after ``max_attempts`` the local data is
wiped, with a warning from ``warn_after`` on.
"""

import base64
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEYSTORE_FILE = "keystore.json"
_AAD = b"lastmile data key v1"


@dataclass(frozen=True)
class KdfParams:
    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 2

    def derive(self, pin: str, salt: bytes) -> bytes:
        return hash_secret_raw(
            pin.encode("utf-8"),
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_cost_kib,
            parallelism=self.parallelism,
            hash_len=32,
            type=Type.ID,
        )


class PinRejectedError(ValueError):
    """A PIN that is too weak to protect personal data."""


class WrongPinError(Exception):
    """The PIN did not unlock the data key."""

    def __init__(self, attempts_left: int, warn: bool) -> None:
        super().__init__(f"wrong PIN; {attempts_left} attempts left before local data is wiped")
        self.attempts_left = attempts_left
        self.warn = warn


class DataWipedError(Exception):
    """Too many wrong PINs: local data was erased; sign in again online."""


def check_pin_strength(pin: str) -> None:
    """At least 6 digits, not one repeated digit, not a straight run."""
    if not pin.isdigit() or len(pin) < 6:
        raise PinRejectedError("use a PIN of at least 6 digits")
    if len(set(pin)) == 1:
        raise PinRejectedError("a PIN of one repeated digit is too easy to guess")
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {9}):
        raise PinRejectedError("a PIN of consecutive digits is too easy to guess")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


class Keystore:
    """The wrapped data key in ``<data_dir>/keystore.json``."""

    def __init__(
        self,
        data_dir: Path,
        max_attempts: int = 10,
        warn_after: int = 5,
        kdf: KdfParams | None = None,
    ) -> None:
        self.path = data_dir / KEYSTORE_FILE
        self.max_attempts = max_attempts
        self.warn_after = warn_after
        self.kdf = kdf or KdfParams()

    def exists(self) -> bool:
        return self.path.exists()

    def create(self, pin: str) -> bytes:
        """Make a new data key protected by ``pin``; returns the key."""
        check_pin_strength(pin)
        data_key = AESGCM.generate_key(bit_length=256)
        self._write(self._wrap(data_key, pin, self.kdf, failed=0))
        return data_key

    def unlock(self, pin: str, wipe: Callable[[], None]) -> bytes:
        """The data key, or ``WrongPinError``; ``wipe`` runs on the last wrong PIN."""
        state = self._read()
        params = KdfParams(**state["kdf"]["params"])
        kek = params.derive(pin, _unb64(state["kdf"]["salt"]))
        sealed = _unb64(state["wrapped_key"])
        try:
            data_key = AESGCM(kek).decrypt(sealed[:12], sealed[12:], _AAD)
        except InvalidTag:
            failed = int(state["failed_attempts"]) + 1
            if failed >= self.max_attempts:
                wipe()
                self.path.unlink(missing_ok=True)
                raise DataWipedError(
                    "too many wrong PINs: local data was erased; sign in again with your password"
                ) from None
            state["failed_attempts"] = failed
            self._write(state)
            raise WrongPinError(self.max_attempts - failed, failed >= self.warn_after) from None
        if state["failed_attempts"]:
            state["failed_attempts"] = 0
            self._write(state)
        return data_key

    def change_pin(self, old_pin: str, new_pin: str, wipe: Callable[[], None]) -> None:
        check_pin_strength(new_pin)
        data_key = self.unlock(old_pin, wipe)
        self._write(self._wrap(data_key, new_pin, self.kdf, failed=0))

    def failed_attempts(self) -> int:
        return int(self._read()["failed_attempts"]) if self.exists() else 0

    @staticmethod
    def _wrap(data_key: bytes, pin: str, params: KdfParams, failed: int) -> dict[str, Any]:
        salt = os.urandom(16)
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(params.derive(pin, salt)).encrypt(nonce, data_key, _AAD)
        return {
            "version": 1,
            "kdf": {
                "name": "argon2id",
                "salt": _b64(salt),
                "params": {
                    "time_cost": params.time_cost,
                    "memory_cost_kib": params.memory_cost_kib,
                    "parallelism": params.parallelism,
                },
            },
            "wrapped_key": _b64(sealed),
            "failed_attempts": failed,
        }

    def _read(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.path.read_text("utf-8"))
        return state

    def _write(self, state: dict[str, Any]) -> None:
        """Atomically: a crash leaves the old keystore or the new one, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
