"""The PIN-wrapped data key, and what happens on wrong PINs.

The data key is 32 random bytes made once per device sign-in. It is stored
only wrapped (AES-GCM) under a key derived from the user's secret with
argon2id: a PIN of at least 6 digits, or a longer passcode (letters and
digits, at least 8 characters) for people whose phones carry more. The
derivation parameters are recorded beside it; a keystore made with weaker
ones than this version's is wrapped again with the current ones at the next
right unlock.

Wrong PINs are counted on disk (so restarting the app does not reset the
count); after ``max_attempts`` the local data is wiped, with a warning from
``warn_after`` on. The count is kept in two places written together: this
file and a ``CounterMirror`` elsewhere (the session uses the local
database's header). The larger of the two counts, so restoring a saved copy
of ``keystore.json`` (or editing its count) buys no extra guesses, and the
next right unlock reports the wrong PINs and that the counter was rolled
back (``UnlockReport``). Restoring both places at once, the whole folder,
is beyond what files alone can detect: docs/security.md says what does.
"""

import base64
import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEYSTORE_FILE = "keystore.json"
_AAD = b"lastmile data key v1"
PASSCODE_MIN_LENGTH = 8


class SecretKind(StrEnum):
    """What the user chose: the unlock screen shows the matching keyboard."""

    PIN = "pin"
    PASSCODE = "passcode"


@dataclass(frozen=True)
class KdfParams:
    """argon2id's cost. 4 passes over 128 MiB with 2 lanes: about 0.57 s of
    CPU per guess on this project's 2-core test machine (docs/security.md),
    2.6 times the 3 × 64 MiB of the first release."""

    time_cost: int = 4
    memory_cost_kib: int = 128 * 1024
    parallelism: int = 2

    def weaker_than(self, other: "KdfParams") -> bool:
        return self.time_cost < other.time_cost or self.memory_cost_kib < other.memory_cost_kib

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


@dataclass(frozen=True)
class UnlockReport:
    """What happened since the last right unlock, for the user to see."""

    wrong_pins: int
    """Wrong PINs or passcodes entered since then."""
    rolled_back: bool
    """The two copies of the count disagreed: a file was restored or edited
    (or the app died between the two writes, which the user can tell)."""


class CounterMirror(Protocol):
    """The second place the wrong-PIN count is kept, outside ``keystore.json``."""

    def read(self) -> int: ...

    def write(self, count: int) -> None: ...


class NoMirror:
    """Only the keystore's own count (tests of the keystore alone)."""

    def read(self) -> int:
        return 0

    def write(self, count: int) -> None:
        return None


def secret_kind(secret: str) -> SecretKind:
    return SecretKind.PIN if secret.isascii() and secret.isdigit() else SecretKind.PASSCODE


def check_pin_strength(secret: str) -> None:
    """A PIN: at least 6 digits, not one repeated digit, not a straight run.
    A passcode: at least 8 characters with a letter, not one repeated."""
    if secret_kind(secret) is SecretKind.PASSCODE:
        if len(secret) < PASSCODE_MIN_LENGTH or not any(c.isalpha() for c in secret):
            raise PinRejectedError("use a passcode of at least 8 characters with letters")
        if len(set(secret.lower())) == 1:
            raise PinRejectedError("a passcode of one repeated character is too easy to guess")
        return
    if len(secret) < 6:
        raise PinRejectedError("use a PIN of at least 6 digits")
    if len(set(secret)) == 1:
        raise PinRejectedError("a PIN of one repeated digit is too easy to guess")
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(secret)}
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
        mirror: CounterMirror | None = None,
    ) -> None:
        self.path = data_dir / KEYSTORE_FILE
        self.max_attempts = max_attempts
        self.warn_after = warn_after
        self.kdf = kdf or KdfParams()
        self.mirror: CounterMirror = mirror or NoMirror()
        self.report: UnlockReport | None = None
        """Set by each right unlock."""

    def exists(self) -> bool:
        return self.path.exists()

    def kind(self) -> SecretKind:
        """PIN or passcode (a keystore of the first release holds a PIN)."""
        return SecretKind(self._read().get("secret", SecretKind.PIN))

    def create(self, pin: str) -> bytes:
        """Make a new data key protected by ``pin`` (a PIN or a passcode); returns the key."""
        check_pin_strength(pin)
        data_key = AESGCM.generate_key(bit_length=256)
        self._write(self._wrap(data_key, pin, self.kdf, failed=0))
        self.mirror.write(0)
        return data_key

    def unlock(self, pin: str, wipe: Callable[[], None]) -> bytes:
        """The data key, or ``WrongPinError``; ``wipe`` runs on the last wrong PIN."""
        state = self._read()
        mirrored = self.mirror.read()
        failed = max(int(state["failed_attempts"]), mirrored)
        params = KdfParams(**state["kdf"]["params"])
        kek = params.derive(pin, _unb64(state["kdf"]["salt"]))
        sealed = _unb64(state["wrapped_key"])
        try:
            data_key = AESGCM(kek).decrypt(sealed[:12], sealed[12:], _AAD)
        except InvalidTag:
            failed += 1
            if failed >= self.max_attempts:
                wipe()
                self.path.unlink(missing_ok=True)
                raise DataWipedError(
                    "too many wrong PINs: local data was erased; sign in again with your password"
                ) from None
            # The mirror first: a crash in between leaves it ahead, which
            # counts the attempt (the larger count wins), never forgets it.
            self.mirror.write(failed)
            state["failed_attempts"] = failed
            self._write(state)
            raise WrongPinError(self.max_attempts - failed, failed >= self.warn_after) from None
        # A keystore of the first release had no mirror: only a mirror AHEAD
        # of it is a rollback then.
        counted = int(state["failed_attempts"])
        legacy = int(state.get("version", 1)) < 2
        self.report = UnlockReport(failed, mirrored > counted if legacy else mirrored != counted)
        if params.weaker_than(self.kdf):
            state = self._wrap(data_key, pin, self.kdf, failed=0)
            self._write(state)
        elif failed or state["failed_attempts"]:
            state["failed_attempts"] = 0
            self._write(state)
        if failed or mirrored:
            self.mirror.write(0)
        return data_key

    def change_pin(self, old_pin: str, new_pin: str, wipe: Callable[[], None]) -> None:
        check_pin_strength(new_pin)
        data_key = self.unlock(old_pin, wipe)
        self._write(self._wrap(data_key, new_pin, self.kdf, failed=0))

    def failed_attempts(self) -> int:
        if not self.exists():
            return 0
        return max(int(self._read()["failed_attempts"]), self.mirror.read())

    @staticmethod
    def _wrap(data_key: bytes, pin: str, params: KdfParams, failed: int) -> dict[str, Any]:
        salt = os.urandom(16)
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(params.derive(pin, salt)).encrypt(nonce, data_key, _AAD)
        return {
            "version": 2,
            "secret": secret_kind(pin).value,
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
