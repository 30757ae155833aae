"""Sign-in, PIN and the lifetime of the unlocked data on a device.

First start: signing in needs the network (the server checks the password),
then the user chooses a PIN; the PIN wraps a new random data key, and only
then is the local database opened. Every later start is offline: the app is
locked until the PIN unwraps the data key, and locks again after idle time.
Wrong PINs count down on disk, with a warning, until the local data is
wiped. A revoked or expired sign-in (lost phone found again, admin action,
a token past its idle or absolute lifetime) only asks for the password
again: the data key, and with it every unsynced change, stays as it was.

After an admin's reset the server answers a sign-in with "must change the
password": the token it gives can do nothing else, so it is kept in memory
only (with the one-time password the user just typed) until the new password
is set; only then is it stored and the device syncs again.

Files in ``data_dir``: ``field.db`` (+ ``-wal``/``-shm``), ``blobs/``,
``keystore.json``. Without the keystore the rest is unreadable where it
matters (personal fields and blobs are ciphertext).
"""

import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from field_app.config import AppSettings
from field_app.security.aead import DataKeyCipher
from field_app.security.keystore import KdfParams, Keystore, SecretKind, UnlockReport
from field_app.security.lock import IdleLock
from field_app.services.attention import pending_uploads, rejected_changes
from field_app.storage.blobs import BLOB_FOLDER, LocalBlobStore
from field_app.storage.db import (
    DATABASE_FILE,
    HeaderCounter,
    make_local_engine,
    migrate,
    purge_free_space,
)
from field_app.storage.store import LocalStore
from field_app.sync.client import API, SyncClient
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.protocol.auth import LoginResponse, UserProfile

log = logging.getLogger(__name__)

MAX_DEVICE_NAME = 200
"""``LoginRequest.device_name``'s limit."""
TOKEN_CONTEXT = "device_state.token"  # noqa: S105 (where the token lives, not a secret)
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def device_label(username: str, model: str) -> str:
    """Who carries the device and what it is: ``mediator.baijia · Xiaomi 2201117TG``.

    Never the host name: in web mode that is the machine serving the app
    (every device of a demo was called "vm"), and on a phone it names no one."""
    model = " ".join(model.split())[:120]
    name = f"{username} · {model}" if model else username
    return name[:MAX_DEVICE_NAME]


class SessionState(StrEnum):
    SIGNED_OUT = "signed_out"
    """No local data: sign in (online) to start."""
    CHOOSE_PIN = "choose_pin"
    """Signed in; a PIN must be chosen before anything is stored."""
    LOCKED = "locked"
    NEEDS_LOGIN = "needs_login"
    """Unlocked, but the server no longer accepts this device: sign in again."""
    CHANGE_PASSWORD = "change_password"  # noqa: S105 (a state, not a secret)
    """Signed in with a one-time password: choose a new one before anything else."""
    READY = "ready"


class LockedError(Exception):
    """The data is locked: enter the PIN first."""


class DifferentUserError(Exception):
    """This device holds another user's data; it must be signed out (and its
    unsynced work given up) before someone else signs in."""


@dataclass(frozen=True)
class PendingChange:
    """A sign-in that must change its password first (memory only)."""

    answer: LoginResponse
    one_time_password: str


@dataclass(frozen=True)
class OpenData:
    """What an unlocked device works with."""

    store: LocalStore
    blobs: LocalBlobStore
    cipher: DataKeyCipher


def open_local_data(data_dir: Path, cipher: DataKeyCipher) -> OpenData:
    """Open (and bring up to date) the local database and blob folder.

    After an app upgrade changed the schema, the search index is rebuilt
    (it is made of blind tokens, by the app's tokeniser and the data key)
    and the file is purged of free pages and its WAL truncated, so what an
    upgrade encrypted in place leaves no plain copy behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_local_engine(data_dir / DATABASE_FILE)
    before = _revision(engine)
    migrate(engine, cipher=cipher)
    store = LocalStore(engine, cipher)
    if before is not None and before != _revision(engine):
        store.search_index.rebuild()
        purge_free_space(engine)
    return OpenData(store, LocalBlobStore(data_dir / BLOB_FOLDER, cipher, store), cipher)


def _device_id() -> str:
    return f"dev-{uuid.uuid4().hex}"


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        connection.rollback()
    return revision


class DeviceSession:
    """The device's sign-in and lock state; the screens' single way in to the data."""

    def __init__(
        self,
        settings: AppSettings,
        http: httpx.Client,
        *,
        kdf: KdfParams | None = None,
        clock: Callable[[], float] = time.monotonic,
        device_name: str | None = None,
    ) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        self.http = http
        self.client = SyncClient(http, self.token)
        self.keystore = Keystore(
            self.data_dir,
            settings.max_pin_attempts,
            settings.pin_warning_after,
            kdf,
            mirror=HeaderCounter(self.data_dir / DATABASE_FILE),
        )
        self.idle = IdleLock(settings.idle_lock_seconds, clock)
        self.device_name = device_name
        """A name given to this device; ``None``: the user and the model name it."""
        self.device_model = ""
        """What the client says it is ("Xiaomi 2201117TG", "Chrome · Linux x86_64")."""
        self._open: OpenData | None = None
        self._signed_in: LoginResponse | None = None
        self._pending_change: PendingChange | None = None
        self._new_device_id = _device_id()
        self.district_time_zone: str | None = None
        """The district's time zone the last sign-in answered (``None``: none yet)."""
        self.mediation: MediationSettings | None = None
        """The district's lifecycle rules the last sign-in answered."""
        self._lock_listeners: list[Callable[[], None]] = []

    # -- state ---------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        if self._pending_change is not None and (not self.keystore.exists() or not self.locked):
            return SessionState.CHANGE_PASSWORD
        if not self.keystore.exists():
            return SessionState.SIGNED_OUT if self._signed_in is None else SessionState.CHOOSE_PIN
        if self.locked:
            return SessionState.LOCKED
        device = self.data.store.device.read()
        if device.needs_login or device.token is None:
            return SessionState.NEEDS_LOGIN
        return SessionState.READY

    @property
    def locked(self) -> bool:
        """Locked now; an idle timeout closes the data as a side effect."""
        if self._open is not None and self.idle.locked:
            self._close()
        return self._open is None

    @property
    def data(self) -> OpenData:
        if self.locked or self._open is None:
            raise LockedError("enter your PIN to unlock")
        return self._open

    def touch(self) -> None:
        """The user did something: the idle time starts again."""
        self.idle.touch()

    def add_lock_listener(self, listener: Callable[[], None]) -> None:
        """Called when the data closes (lock, idle, logout), e.g. to stop syncing."""
        self._lock_listeners.append(listener)

    # -- signing in ----------------------------------------------------------

    def login(self, username: str, password: str) -> UserProfile:
        """Sign in with the password (needs the network). On a device with
        data, only the same user may sign in again; nothing local changes
        except the token."""
        if self.locked and self.keystore.exists():
            raise LockedError("enter your PIN first; then sign in again")
        if self._open is None:
            answer = self.client.login(
                username, password, self._new_device_id, self._name(username)
            )
            self.district_time_zone = answer.district_time_zone
            self.mediation = answer.mediation
            if answer.must_change_password:
                self._pending_change = PendingChange(answer, password)
            else:
                self._signed_in = answer
            return answer.user
        device = self._open.store.device.read()
        known = device.user or {}
        if known and known.get("username") != username:
            raise DifferentUserError("this phone holds another user's work; sign that user out")
        answer = self.client.login(username, password, device.device_id, self._name(username))
        if known and str(known.get("id")) != str(answer.user.id):
            self._revoke(answer.token)
            raise DifferentUserError("this phone holds another user's work; sign that user out")
        self.district_time_zone = answer.district_time_zone
        self.mediation = answer.mediation
        if answer.must_change_password:
            self._pending_change = PendingChange(answer, password)
            return answer.user
        self._store_sign_in(answer)
        return answer.user

    def change_password(self, new_password: str) -> None:
        """Set the new password after a sign-in with a one-time one (needs the
        network); then the sign-in goes on as usual (choose a PIN, or sync)."""
        pending = self._pending_change
        if pending is None:
            raise LockedError("sign in with your password first")
        self.client.change_password(
            pending.one_time_password, new_password, token=pending.answer.token
        )
        self._pending_change = None
        answer = pending.answer.model_copy(update={"must_change_password": False})
        if self._open is None:
            self._signed_in = answer
        else:
            self._store_sign_in(answer)

    @property
    def pending_username(self) -> str:
        """Who is choosing a new password ("" when nobody is)."""
        pending = self._pending_change
        return "" if pending is None else pending.answer.user.username

    def cancel_password_change(self) -> None:
        """Back to the sign-in (the one-time password, once more, leads here again)."""
        self._pending_change = None

    def _store_sign_in(self, answer: LoginResponse) -> None:
        """Keep the token of a sign-in again; the device syncs with it."""
        data = self.data
        data.store.device.update(
            token=data.cipher.encrypt_text(answer.token, TOKEN_CONTEXT),
            user=answer.user.model_dump(mode="json"),
            needs_login=False,
        )

    def set_pin(self, pin: str) -> OpenData:
        """Finish the first sign-in: the PIN protects a new data key."""
        if self._signed_in is None:
            raise LockedError("sign in with your password first")
        # Files without a keystore are leftovers no key can read any more.
        self._wipe_files()
        cipher = DataKeyCipher(self.keystore.create(pin))
        self._open = open_local_data(self.data_dir, cipher)
        answer, self._signed_in = self._signed_in, None
        self._open.store.device.update(
            device_id=self._new_device_id,
            server_url=str(self.http.base_url),
            token=cipher.encrypt_text(answer.token, TOKEN_CONTEXT),
            user=answer.user.model_dump(mode="json"),
            needs_login=False,
        )
        self.idle.unlocked()
        return self._open

    def unlock(self, pin: str) -> OpenData:
        """Offline. Raises ``WrongPinError`` (attempts left, warn) or, on the
        last allowed attempt, ``DataWipedError`` after wiping local data."""
        if self._open is not None and not self.locked:
            self.idle.unlocked()
            return self._open
        data_key = self.keystore.unlock(pin, self._wipe_files)
        self._open = open_local_data(self.data_dir, DataKeyCipher(data_key))
        self.idle.unlocked()
        return self._open

    @property
    def unlock_report(self) -> UnlockReport | None:
        """Wrong PINs since the previous right unlock, and whether the count
        was rolled back (set by the last right unlock of this process)."""
        return self.keystore.report

    @property
    def secret_kind(self) -> SecretKind:
        """PIN or passcode: which keyboard the unlock screen shows."""
        return self.keystore.kind() if self.keystore.exists() else SecretKind.PIN

    def lock(self) -> None:
        self.idle.lock()
        self._close()

    def token(self) -> str | None:
        """The current server token (for ``SyncClient``), if unlocked and signed in."""
        data = self._open
        if data is None:
            return None
        sealed = data.store.device.read().token
        return None if sealed is None else data.cipher.decrypt_text(sealed, TOKEN_CONTEXT)

    # -- signing out ---------------------------------------------------------

    def unsynced_count(self) -> int:
        """Changes and blobs the server does not have (rejected ones included)."""
        store = self.data.store
        return pending_uploads(store).count + len(rejected_changes(store))

    def logout(self, force: bool = False) -> int:
        """Sign out; returns how many unsynced items there were (to warn with).

        Without ``force`` only the token goes: the data and its key stay, and
        the same user signs in again to send the unsynced work. With
        ``force`` every local file is erased, unsynced work included.
        """
        count = self.unsynced_count()
        store = self.data.store
        token = self.token()
        if token is not None:
            self._revoke(token)
        if force:
            self.wipe()
        else:
            store.device.update(token=None, needs_login=True)
        return count

    def wipe(self) -> None:
        """Erase every local file (used by a forced logout and after too many wrong PINs)."""
        self._wipe_files()
        self.keystore.path.unlink(missing_ok=True)
        self._signed_in = None
        self._pending_change = None
        # The server binds a device id to the user who first signed in with
        # it: the next user of this phone starts as a new device.
        self._new_device_id = _device_id()

    # -- internals -----------------------------------------------------------

    def _name(self, username: str) -> str:
        """What the district's device list calls this device."""
        return self.device_name or device_label(username, self.device_model)

    def _revoke(self, token: str) -> None:
        """Best effort: tell the server to forget the token (offline is fine)."""
        try:
            self.http.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            log.info("could not reach the server to revoke the token")

    def _close(self) -> None:
        if self.keystore.exists():
            # Locked mid-change: the one-time password is not kept for later.
            self._pending_change = None
        data, self._open = self._open, None
        if data is None:
            return
        data.store.engine.dispose()
        for listener in list(self._lock_listeners):
            listener()

    def _wipe_files(self) -> None:
        self._close()
        for suffix in _DATABASE_SUFFIXES:
            (self.data_dir / f"{DATABASE_FILE}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.data_dir / BLOB_FOLDER, ignore_errors=True)
