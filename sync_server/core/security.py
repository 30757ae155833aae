"""Passwords, one-time passwords and device tokens.

Passwords are argon2id hashes. A device token is 32 random bytes shown to
the device once; the server keeps only its SHA-256, so a copy of the
database does not let anyone sign in as a device.
"""

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """The hash an unknown user's password is checked against. Made at the
    first check of any password, not at import: hashing costs 0.2 to 0.3 s
    of CPU, and most processes that import this (every command of the CLI,
    every test worker) never check a password."""
    return _hasher.hash("lastmile-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) do the same work and fail,
    so the answer takes about as long whether or not the user exists. The
    dummy hash is looked up either way, so the first sign-in of a process
    pays for making it whether or not its user exists."""
    dummy = _dummy_hash()
    try:
        _hasher.verify(password_hash or dummy, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower case without 0/o, 1/l/i: read aloud or typed from paper without doubt."""


def new_one_time_password() -> str:
    """Three groups of four (about 59 bits), for an admin's reset: far beyond
    online guessing behind the sign-in throttle, and it must be changed at
    the first sign-in anyway."""
    groups = ("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)
