"""Sign-in, PIN and the lifetime of the unlocked data on a device.

First start: signing in needs the network (the server checks the password),
then the user chooses a PIN; the PIN wraps a new random data key, and only
then is the local database opened. Every later start is offline: the app is
locked until the PIN unwraps the data key, and locks again after idle time.
Wrong PINs count down on disk, with a warning, until the local data is
wiped. A revoked sign-in (lost phone found again, admin action) only asks
for the password again: the data key, and with it every unsynced change,
stays as it was.

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
from field_app.security.keystore import KdfParams, Keystore
from field_app.security.lock import IdleLock
from field_app.services.attention import pending_uploads, rejected_changes
from field_app.storage.blobs import BLOB_FOLDER, LocalBlobStore
from field_app.storage.db import DATABASE_FILE, make_local_engine, migrate
from field_app.storage.store import LocalStore
from field_app.sync.client import API, SyncClient
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
    READY = "ready"


class LockedError(Exception):
    """The data is locked: enter the PIN first."""


class DifferentUserError(Exception):
    """This device holds another user's data; it must be signed out (and its
    unsynced work given up) before someone else signs in."""


@dataclass(frozen=True)
class OpenData:
    """What an unlocked device works with."""

    store: LocalStore
    blobs: LocalBlobStore
    cipher: DataKeyCipher


def open_local_data(data_dir: Path, cipher: DataKeyCipher) -> OpenData:
    """Open (and bring up to date) the local database and blob folder.

    After an app upgrade changed the schema, the search index is rebuilt: a
    migration has no data key, so it cannot index the (encrypted) names.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_local_engine(data_dir / DATABASE_FILE)
    before = _revision(engine)
    migrate(engine)
    store = LocalStore(engine, cipher)
    if before is not None and before != _revision(engine):
        store.rebuild_search_index()
    return OpenData(store, LocalBlobStore(data_dir / BLOB_FOLDER, cipher, store), cipher)


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
            self.data_dir, settings.max_pin_attempts, settings.pin_warning_after, kdf
        )
        self.idle = IdleLock(settings.idle_lock_seconds, clock)
        self.device_name = device_name
        """A name given to this device; ``None``: the user and the model name it."""
        self.device_model = ""
        """What the client says it is ("Xiaomi 2201117TG", "Chrome · Linux x86_64")."""
        self._open: OpenData | None = None
        self._signed_in: LoginResponse | None = None
        self._new_device_id = f"dev-{uuid.uuid4().hex}"
        self.district_time_zone: str | None = None
        """The district's time zone the last sign-in answered (``None``: none yet)."""
        self._lock_listeners: list[Callable[[], None]] = []

    # -- state ---------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        if not self.keystore.exists():
            return SessionState.SIGNED_OUT if self._signed_in is None else SessionState.CHOOSE_PIN
        if self.locked:
            return SessionState.LOCKED
        device = self.data.store.device_state()
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
            self._signed_in = answer
            self.district_time_zone = answer.district_time_zone
            return answer.user
        store = self._open.store
        device = store.device_state()
        known = device.user or {}
        if known and known.get("username") != username:
            raise DifferentUserError("this phone holds another user's work; sign that user out")
        answer = self.client.login(username, password, device.device_id, self._name(username))
        if known and str(known.get("id")) != str(answer.user.id):
            self._revoke(answer.token)
            raise DifferentUserError("this phone holds another user's work; sign that user out")
        self.district_time_zone = answer.district_time_zone
        store.update_device_state(
            token=self._open.cipher.encrypt_text(answer.token, TOKEN_CONTEXT),
            user=answer.user.model_dump(mode="json"),
            needs_login=False,
        )
        return answer.user

    def set_pin(self, pin: str) -> OpenData:
        """Finish the first sign-in: the PIN protects a new data key."""
        if self._signed_in is None:
            raise LockedError("sign in with your password first")
        # Files without a keystore are leftovers no key can read any more.
        self._wipe_files()
        cipher = DataKeyCipher(self.keystore.create(pin))
        self._open = open_local_data(self.data_dir, cipher)
        answer, self._signed_in = self._signed_in, None
        self._open.store.update_device_state(
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

    def lock(self) -> None:
        self.idle.lock()
        self._close()

    def token(self) -> str | None:
        """The current server token (for ``SyncClient``), if unlocked and signed in."""
        data = self._open
        if data is None:
            return None
        sealed = data.store.device_state().token
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
            store.update_device_state(token=None, needs_login=True)
        return count

    def wipe(self) -> None:
        """Erase every local file (used by a forced logout and after too many wrong PINs)."""
        self._wipe_files()
        self.keystore.path.unlink(missing_ok=True)
        self._signed_in = None

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
