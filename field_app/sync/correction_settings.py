"""The district's community-correction settings on the device: fetched in
a sync round at most once an hour (they change rarely) by users whose
work is correction, kept in the device's state, and read offline by the
services that check leave limits and count due dates."""

from datetime import datetime, timedelta

from pydantic import ValidationError

from field_app.errors import SyncError
from field_app.storage.store import LocalStore
from field_app.sync.client import SyncClient
from shared_models.correction.settings import DEFAULT_SETTINGS, CorrectionSettings

REFRESH_EVERY = timedelta(hours=1)
_READERS = frozenset({"officer", "supervisor", "admin"})
"""Roles whose work is correction (mediators never need these)."""


def stored_settings(store: LocalStore) -> CorrectionSettings:
    """The settings last fetched; the defaults before the first fetch."""
    kept = store.device.read().correction_settings
    if not kept:
        return DEFAULT_SETTINGS
    try:
        return CorrectionSettings.model_validate(kept)
    except ValidationError:
        return DEFAULT_SETTINGS


def refresh_settings(client: SyncClient, store: LocalStore, now: datetime) -> bool:
    """Fetch the settings when due; whether they were fetched. A server
    that cannot answer (offline, older) leaves the kept ones in force."""
    device = store.device.read()
    role = (device.user or {}).get("role")
    fetched = device.correction_settings_at
    if role not in _READERS:
        return False
    if fetched is not None and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=now.tzinfo)
    if fetched is not None and now - fetched < REFRESH_EVERY:
        return False
    try:
        settings = client.correction_settings()
    except SyncError:
        return False
    store.device.update(
        correction_settings=settings.model_dump(mode="json"), correction_settings_at=now
    )
    return True
