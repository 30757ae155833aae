"""The little a view needs from every view-model: to hear that it changed,
and to show what went wrong in words the user can act on."""

from collections.abc import Callable

from field_app.errors import Offline, RequestRejected, SaveRejectedError, SyncError
from field_app.i18n import Msg, msg


class Observable:
    """Listeners are called after every change the screen should show."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def notify(self) -> None:
        for listener in list(self._listeners):
            listener()


FIELD_LABELS: dict[str, str] = {
    "title": "field.title",
    "category": "field.category",
    "source": "field.source",
    "description": "field.description",
    "org_unit_id": "field.unit",
    "name": "field.name",
    "phone": "field.phone",
    "id_number": "field.id_number",
    "address": "field.address",
    "role": "field.role",
    "notes": "field.notes",
    "outcome": "field.outcome",
    "lat": "field.location",
    "lon": "field.location",
    "accuracy_m": "field.location",
    "started_at": "field.when",
    "ended_at": "field.when",
    "closed_at": "field.when",
}


def field_name(path: str | None) -> str | None:
    """``parties.1.phone`` → ``phone``: the part a label exists for."""
    if not path:
        return None
    return path.rsplit(".", 1)[-1]


def rejected_message(error: SaveRejectedError) -> Msg:
    """ "Check <field>: <why>" — the why is the service's own (short, English)
    explanation, the field label is translated so the user knows where to look."""
    name = field_name(error.field)
    label = FIELD_LABELS.get(name or "")
    if label is None:
        return msg("error.check_form", detail=error.message)
    return msg("error.check_field", field=msg(label), detail=error.message)


def sync_error_message(error: SyncError) -> Msg:
    """A failed online action (sign-in), said as what to do next."""
    if isinstance(error, Offline):
        return msg("error.offline")
    if isinstance(error, RequestRejected):
        return msg("error.server_refused", detail=error.message)
    return msg("error.server_failed")
