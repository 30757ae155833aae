"""The audit log's MAC keys: the secret the database does not hold.

Anyone who has read ``sync_server/core/audit.py`` and can write the database
can recompute the audit chain's hashes after rewriting it. A keyed MAC
(HMAC-SHA-256) over each entry's hash and over the head cannot be recomputed
without the key, and the key lives in a file outside the database
(``LASTMILE_AUDIT_KEY``, JSON; unset: ``audit-mac-keys.json`` beside the
district signing key, generated when missing). The file holds:

- ``keys``: every audit key the district has used, oldest first; the last
  one keys new entries. Each entry records the id of its key, so entries
  keyed before a rotation still verify (the old key stays in the file).
- ``anchor``: where keying began in the district database (its epoch, the
  first keyed entry's seq and the hash of the entry before it), written once
  by the first append that finds the head unkeyed. Entries before it were
  written before the key existed: the hash chain that the first keyed entry
  extends covers them. Kept here, outside the database, because a record in
  the database would let a forger replace the whole log with entries that
  claim to predate the key.

The file is rewritten only under an exclusive lock on ``<file>.lock`` and
replaced atomically, so servers starting at once, an anchoring append and a
rotation never lose each other's change. A running server reads the file
again when it was replaced (each use compares its inode and modification
time), so a rotation by ``lastmile admin keys rotate`` keys its next entry
without a restart, and entries keyed by another process's new key verify.
"""

import base64
import binascii
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sync_server.core.config import ServerSettings
from sync_server.core.district_key import key_path

log = logging.getLogger(__name__)

DEFAULT_FILE: Final = "audit-mac-keys.json"
FORMAT: Final = "lastmile-audit-keys-1"
_ID_DOMAIN: Final = b"lastmile audit key id\x00"
_SECRET_BYTES: Final = 32


class AuditKeyError(Exception):
    """The audit key file cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """Where keying began: entries before ``keyed_from`` predate the key."""

    epoch: str
    keyed_from: int
    legacy_head: str


class AuditKeyring:
    """The keys of one key file, shared by everything in the process that uses it."""

    def __init__(self, path: Path, keys: dict[str, bytes], anchor: AuditAnchor | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None  # read again at first use: cheap, never stale
        self._keys = keys
        self._current = next(reversed(keys))
        self._anchor = anchor

    def _refresh(self) -> None:
        """Read the file again if another process replaced it (a rotation, an
        anchor); one that cannot be read leaves the keys in hand, logged."""
        stamp = _file_stamp(self.path)
        if stamp == self._stamp:
            return
        try:
            keys, anchor = _parse(self.path, _read(self.path))
        except AuditKeyError as error:
            log.error("cannot read the audit key file now (%s); keeping the keys in hand", error)
            self._stamp = stamp  # said once per change of the file, not on every entry
            return
        with self._lock:
            self._stamp, self._keys, self._anchor = stamp, keys, anchor
            self._current = next(reversed(keys))

    @property
    def current_id(self) -> str:
        self._refresh()
        return self._current

    @property
    def anchor(self) -> AuditAnchor | None:
        self._refresh()
        return self._anchor

    def sign(self, message: bytes) -> tuple[str, str]:
        """The current key's id and its MAC of ``message``."""
        self._refresh()
        with self._lock:
            key_id, secret = self._current, self._keys[self._current]
        return key_id, hmac.digest(secret, message, "sha256").hex()

    def check(self, key_id: str | None, message: bytes, mac: str) -> bool | None:
        """Whether ``mac`` is key ``key_id``'s MAC of ``message``; None when
        the file does not hold that key."""
        self._refresh()
        secret = self._keys.get(key_id or "")
        if secret is None:
            return None
        expected = hmac.digest(secret, message, "sha256").hex().encode("ascii")
        # As bytes: a forged MAC column may hold any text, which comparing
        # str would refuse with an exception instead of a verdict.
        return hmac.compare_digest(expected, mac.encode("utf-8", "replace"))

    def record_anchor(self, anchor: AuditAnchor) -> AuditAnchor:
        """Record where keying began, unless the file already says (then that wins)."""
        with _locked(self.path):
            document = _read(self.path)
            recorded = _parse_anchor(self.path, document.get("anchor"))
            if recorded is None:
                document["anchor"] = {
                    "epoch": anchor.epoch,
                    "keyed_from": anchor.keyed_from,
                    "legacy_head": anchor.legacy_head,
                    "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                _write(self.path, document)
                log.warning(
                    "audit log keyed from entry %d on; entries before it predate the audit key",
                    anchor.keyed_from,
                )
                recorded = anchor
            self._adopt(_parse(self.path, document))
        return recorded

    def rotate(self) -> str:
        """Add a new key, which keys every entry from now on; older keys stay
        to verify what they keyed. Returns the new key's id."""
        with _locked(self.path):
            document = _read(self.path)
            new_id, entry = _new_key()
            document["keys"].append(entry)
            _write(self.path, document)
            self._adopt(_parse(self.path, document))
        return new_id

    def _adopt(self, parsed: tuple[dict[str, bytes], AuditAnchor | None]) -> None:
        """Take the file's content just written or read under its lock."""
        keys, anchor = parsed
        with self._lock:
            self._stamp, self._keys, self._anchor = _file_stamp(self.path), keys, anchor
            self._current = next(reversed(keys))


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """The file's identity: ``_write`` replaces it, so a new inode is a new content."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns


def key_id_of(secret: bytes) -> str:
    """16 hex digits naming a key (a hash of it, never the key itself)."""
    return hashlib.sha256(_ID_DOMAIN + secret).hexdigest()[:16]


def audit_key_path(settings: ServerSettings) -> Path:
    if settings.audit_key is not None:
        return settings.audit_key.resolve()
    return key_path(settings).parent / DEFAULT_FILE


def audit_keyring(settings: ServerSettings) -> AuditKeyring:
    """The audit keys of these settings; generated only when no file is configured."""
    return load_keyring(audit_key_path(settings), generate=settings.audit_key is None)


_loaded: dict[Path, AuditKeyring] = {}
_loading = threading.Lock()


def load_keyring(path: Path, *, generate: bool = False) -> AuditKeyring:
    """The keyring in ``path``, one instance per file in this process (so an
    anchor recorded or a key rotated through one user is seen by all)."""
    path = path.resolve()
    with _loading:
        if path in _loaded:
            return _loaded[path]
        if not path.exists():
            if not generate:
                raise AuditKeyError(
                    f"no audit key file at {path} (create one with "
                    "`lastmile admin rotate-audit-key`)"
                )
            create_key_file(path)
        keys, anchor = _parse(path, _read(path))
        keyring = _loaded[path] = AuditKeyring(path, keys, anchor)
        return keyring


def create_key_file(path: Path) -> bool:
    """Write a key file with one new key unless one is there; True if written."""
    with _locked(path):
        if path.exists():
            return False
        _write(path, {"format": FORMAT, "keys": [_new_key()[1]]})
    log.warning("generated an audit MAC key at %s; back it up with the district key", path)
    return True


def forget_loaded_keyrings() -> None:
    """Drop this process's cached keyrings (tests that replace a key file)."""
    with _loading:
        _loaded.clear()


def _new_key() -> tuple[str, dict[str, str]]:
    secret = secrets.token_bytes(_SECRET_BYTES)
    key_id = key_id_of(secret)
    return key_id, {
        "id": key_id,
        "secret": base64.b64encode(secret).decode("ascii"),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<path>.lock``, across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AuditKeyError(f"cannot read the audit key file {path}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise AuditKeyError(f"{path} is not a LastMile audit key file ({FORMAT})")
    return document


def _write(path: Path, document: dict[str, Any]) -> None:
    """Written aside, synced and renamed into place: never half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-keys-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
        os.fsync(handle)
        os.close(handle)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _parse(path: Path, document: dict[str, Any]) -> tuple[dict[str, bytes], AuditAnchor | None]:
    keys: dict[str, bytes] = {}
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise AuditKeyError(f"{path} holds no audit key")
    for entry in entries:
        try:
            secret = base64.b64decode(entry["secret"], validate=True)
            key_id = str(entry["id"])
        except (KeyError, TypeError, binascii.Error):
            raise AuditKeyError(f"{path}: every key needs an id and a base64 secret") from None
        if len(secret) != _SECRET_BYTES or key_id_of(secret) != key_id:
            raise AuditKeyError(f"{path}: key {key_id} is damaged (its id does not match it)")
        keys[key_id] = secret
    return keys, _parse_anchor(path, document.get("anchor"))


def _parse_anchor(path: Path, raw: object) -> AuditAnchor | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise AuditKeyError(f"{path}: the anchor record is damaged")
    try:
        return AuditAnchor(
            epoch=str(raw["epoch"]),
            keyed_from=int(raw["keyed_from"]),
            legacy_head=str(raw["legacy_head"]),
        )
    except (KeyError, TypeError, ValueError):
        raise AuditKeyError(f"{path}: the anchor record is damaged") from None
