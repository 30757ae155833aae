"""The district's correction settings as this device last fetched them
(``sync/correction_settings.py`` fetches them in a sync round), for the
screens: the leave limits a form checks, the intervals the due lists count."""

from field_app.storage.store import LocalStore
from field_app.sync.correction_settings import stored_settings
from shared_models.correction.settings import CorrectionSettings


def district_settings(store: LocalStore) -> CorrectionSettings:
    """The settings in force on this device (the defaults before the first fetch)."""
    return stored_settings(store)
