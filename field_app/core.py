"""The device as the screens see it: one sign-in, one lock, one sync loop.

``FieldAppCore`` is the app's composition root: the one place that wires
storage, services, sync and security together for the screens (so it lives
outside the layers it wires, not among the view-models). It holds the
``DeviceSession`` (sign-in, PIN, idle lock), the ``SyncEngine`` that runs
while the data is unlocked, the sync status the status bar shows, and the
few preferences that must be readable before the PIN is entered (language,
server address, text size, the district's time zone) — kept in ``ui.json``,
never anything personal.
"""

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from field_app.config import AppSettings
from field_app.security.keystore import KdfParams
from field_app.services.session import DeviceSession, OpenData, SessionState
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.sync.engine import SyncEngine
from field_app.sync.status import SyncState, SyncStatus, count_attention
from field_app.sync.transport import InsecureServerUrlError, district_http, server_url_refusal
from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE, district_zone
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.org import Role
from shared_models.protocol.auth import UserProfile

log = logging.getLogger(__name__)

PREFS_FILE = "ui.json"
TEXT_SIZES = ("standard", "large", "largest")
"""The text-size setting's steps, smallest first (``views/theme.py`` scales them)."""
StatusListener = Callable[[SyncStatus], None]


def app_version() -> str:
    try:
        return metadata.version("lastmile")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def valid_server_url(url: str) -> bool:
    parsed = urlparse(url.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


class UiPrefs:
    """Language and server address, readable while the data is locked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values: dict[str, Any] = {}
        try:
            loaded = json.loads(path.read_text("utf-8"))
            if isinstance(loaded, dict):
                self.values = loaded
        except (OSError, ValueError):
            self.values = {}

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def set(self, name: str, value: str) -> None:
        self.values[name] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.values), "utf-8")
        os.replace(temp, self.path)


class FieldAppCore:
    """One per app process (in web mode, shared by every browser tab: they
    are all the same device)."""

    def __init__(
        self,
        settings: AppSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        kdf: KdfParams | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        device_name: str | None = None,
        background_sync: bool = True,
    ) -> None:
        self.settings = settings
        self.prefs = UiPrefs(settings.data_dir / PREFS_FILE)
        self.wall_clock = wall_clock
        self.background_sync = background_sync
        self.http = district_http(
            self.prefs.get("server_url") or settings.server_url,
            allow_plain_http=settings.allow_plain_http,
            pins=settings.server_pins,
            ca_bundle=settings.server_ca_bundle,
            transport=transport,
            timeout=httpx.Timeout(20.0, connect=5.0),
        )
        self.session = DeviceSession(
            settings, self.http, kdf=kdf, clock=clock, device_name=device_name
        )
        self.session.add_lock_listener(self._closed)
        self.engine: SyncEngine | None = None
        self._status = SyncStatus(SyncState.NEVER_SYNCED)
        self._status_listeners: list[StatusListener] = []
        self._unsubscribe_engine: Callable[[], None] | None = None

    # -- what the screens ask ----------------------------------------------------

    @property
    def state(self) -> SessionState:
        return self.session.state

    @property
    def data(self) -> OpenData:
        return self.session.data

    @property
    def store(self) -> LocalStore:
        """The unlocked local store: the handle view-models pass to the
        services (``field_app/services``), never call themselves."""
        return self.session.data.store

    @property
    def blobs(self) -> LocalBlobStore:
        """The unlocked blob store, passed to the services like ``store``."""
        return self.session.data.blobs

    @property
    def server_url(self) -> str:
        return str(self.http.base_url).rstrip("/")

    @property
    def user(self) -> UserProfile | None:
        """The signed-in (or last signed-in) user of this device's data."""
        if self.session.locked:
            return None
        stored = self.session.data.store.device.read().user
        return UserProfile.model_validate(stored) if stored else None

    @property
    def role(self) -> Role | None:
        user = self.user
        return None if user is None else user.role

    @property
    def device_id(self) -> str:
        return "" if self.session.locked else self.session.data.store.device.read().device_id

    def touch(self) -> None:
        self.session.touch()

    # -- signing in, PIN, lock -------------------------------------------------------

    def login(self, username: str, password: str, server_url: str | None = None) -> UserProfile:
        """Online. On a first start ``server_url`` says where the district is."""
        if server_url is not None:
            self.set_server_url(server_url)
        user = self.session.login(username.strip(), password)
        self._remember_zone(self.session.district_time_zone)
        if self.session.mediation is not None:
            self.prefs.set("mediation", self.session.mediation.model_dump_json())
        if self.engine is not None:
            self.engine.request_sync()
        return user

    def change_password(self, new_password: str) -> None:
        """Online: the new password after a one-time one; syncing resumes."""
        self.session.change_password(new_password)
        if self.engine is not None:
            self.engine.request_sync()

    def cancel_password_change(self) -> None:
        self.session.cancel_password_change()

    @property
    def password_change_username(self) -> str:
        return self.session.pending_username

    def choose_pin(self, pin: str) -> None:
        self.session.set_pin(pin)
        self._opened()

    def unlock(self, pin: str) -> None:
        self.session.unlock(pin)
        self._opened()

    def lock(self) -> None:
        self.session.lock()

    def check_idle(self) -> bool:
        """``True`` when the data is (now) locked; an idle timeout locks it here."""
        return self.session.locked

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Re-wrap the data key; wrong old PINs count towards the wipe like any other."""
        self.session.keystore.change_pin(old_pin, new_pin, self.session.wipe)

    def unsynced_count(self) -> int:
        return self.session.unsynced_count()

    def logout(self, erase: bool = False) -> int:
        """Sign out (see ``DeviceSession.logout``); stop syncing first when erasing."""
        if erase:
            self._stop_engine(wait=True)
        return self.session.logout(force=erase)

    # -- settings ------------------------------------------------------------------------

    def server_url_allowed(self, url: str) -> bool:
        """Whether this device may send a password and a token to ``url`` (plain
        HTTP only to loopback or a private network, unless allowed)."""
        return server_url_refusal(url, self.settings.allow_plain_http) is None

    def set_server_url(self, url: str) -> None:
        url = url.strip().rstrip("/")
        if not valid_server_url(url):
            raise ValueError("not an http(s) address")
        refusal = server_url_refusal(url, self.settings.allow_plain_http)
        if refusal is not None:
            raise InsecureServerUrlError(refusal)
        self.http.base_url = httpx.URL(url)
        self.prefs.set("server_url", url)
        if not self.session.locked:
            self.session.data.store.device.update(server_url=url)

    def set_device_model(self, model: str) -> None:
        """What the client says this device is; the next sign-in names the
        device by it (with the user) in the district's device list."""
        if model:
            self.session.device_model = model

    @property
    def zone(self) -> tzinfo:
        """The district's time zone: every time shown, every "today" and "due"."""
        name = self.prefs.get("district_time_zone") or DEFAULT_DISTRICT_TIME_ZONE
        try:
            return district_zone(name)
        except ValueError:
            log.warning("unknown district time zone in ui.json; using the default")
            return district_zone(DEFAULT_DISTRICT_TIME_ZONE)

    @property
    def mediation(self) -> MediationSettings:
        """The district's lifecycle rules as the last sign-in told them (the
        defaults before one, or when what is kept no longer reads)."""
        try:
            return MediationSettings.model_validate_json(self.prefs.get("mediation") or "{}")
        except ValueError:
            return MediationSettings()

    def now(self) -> datetime:
        """Now on the district's clock (aware): what "today" and "due" count from."""
        return self.wall_clock().astimezone(self.zone)

    def _remember_zone(self, name: str | None) -> None:
        """Keep the zone the server named (an unknown name keeps the old one)."""
        if name is None or name == self.prefs.get("district_time_zone"):
            return
        try:
            district_zone(name)
        except ValueError:
            log.warning("the server named a time zone this device does not know")
            return
        self.prefs.set("district_time_zone", name)

    @property
    def text_size(self) -> str:
        """The text-size step the user chose (kept with the language: needed before the PIN)."""
        step = self.prefs.get("text_size")
        return step if step in TEXT_SIZES else TEXT_SIZES[0]

    def set_text_size(self, step: str) -> None:
        if step not in TEXT_SIZES:
            raise ValueError(f"unknown text size {step!r}")
        self.prefs.set("text_size", step)

    @property
    def language(self) -> str | None:
        return self.prefs.get("language")

    def set_language(self, language: str) -> None:
        self.prefs.set("language", language)

    # -- sync --------------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    def add_status_listener(self, listener: StatusListener) -> Callable[[], None]:
        """``listener`` hears every status, possibly from the sync thread."""
        self._status_listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._status_listeners:
                self._status_listeners.remove(listener)

        return unsubscribe

    def sync_now(self) -> None:
        if self.engine is not None:
            self.engine.request_sync()

    def changed(self) -> None:
        """Something was saved: count what waits again and send it if we can."""
        if self.session.locked:
            return
        attention = count_attention(self.session.data.store)
        self._emit(replace(self._status, attention=attention))
        self.sync_now()

    def sync_once(self) -> None:
        """One round in the caller's thread (tests; the loop does this otherwise)."""
        if self.engine is not None:
            self.engine.sync_once()

    def close(self) -> None:
        self._stop_engine(wait=True)
        if not self.session.locked:
            self.session.lock()
        self.http.close()

    # -- internals ---------------------------------------------------------------------------

    def _opened(self) -> None:
        data = self.session.data
        stored_url = data.store.device.read().server_url
        if stored_url and valid_server_url(stored_url):
            self.http.base_url = httpx.URL(stored_url)
        if self.engine is not None and self.engine.store is data.store:
            return
        self._stop_engine(wait=False)
        self.engine = SyncEngine(
            data.store,
            self.session.client,
            data.blobs,
            self.wall_clock,
            random.Random(),  # noqa: S311 (back-off jitter, not a secret)
            settings=self.settings,
            app_version=app_version(),
        )
        self._unsubscribe_engine = self.engine.add_listener(self._emit)
        self._emit(self.engine.status)
        if self.background_sync:
            self.engine.start()

    def _closed(self) -> None:
        self._stop_engine(wait=False)

    def _stop_engine(self, wait: bool) -> None:
        engine, self.engine = self.engine, None
        if self._unsubscribe_engine is not None:
            self._unsubscribe_engine()
            self._unsubscribe_engine = None
        if engine is None:
            return
        if wait:
            engine.stop()
        else:
            # A round in progress finishes on its own; the screen must not wait for it.
            threading.Thread(target=engine.stop, name="lastmile-sync-stop", daemon=True).start()

    def _emit(self, status: SyncStatus) -> None:
        self._status = status
        for listener in list(self._status_listeners):
            try:
                listener(status)
            except Exception:
                log.exception("a sync status listener failed")
