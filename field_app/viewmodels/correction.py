"""Correcting a change the server refused.

A refused change stays on the phone, exactly as typed, until the user
corrects it or gives it up (nothing typed is ever lost). This form opens the
values that change sent, points at the one the server named, checks the
corrected record the way the store does before anything is queued, and sends
it again as a new change.
"""

from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.attention import RejectedChange, rejected_changes, resend_corrected
from field_app.viewmodels.base import FIELD_LABELS, Saving, field_name, rejected_message, saves_once


def _editable(value: JsonValue) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _as_text(value: JsonValue) -> str:
    return "" if value is None else str(value)


class CorrectionViewModel(Saving):
    """The refused change ``mutation_id``, as a form of its text and number
    fields (lists and yes/no values are sent again as they were)."""

    def __init__(self, core: FieldAppCore, mutation_id: UUID) -> None:
        super().__init__()
        self.core = core
        self.mutation_id = mutation_id
        self.change: RejectedChange | None = None
        self.values: dict[str, str] = {}
        self.error: Msg | None = None
        self.done = False
        self.load()

    def load(self) -> None:
        found = [c for c in rejected_changes(self.core.store) if c.mutation_id == self.mutation_id]
        self.change = found[0] if found else None
        if self.change is not None:
            self.values = {
                name: _as_text(value)
                for name, value in self.change.fields.items()
                if _editable(value)
            }
        self.notify()

    @property
    def fields(self) -> list[str]:
        """Editable fields, the one the server named first."""
        named = field_name(self.change.field) if self.change else None
        return sorted(self.values, key=lambda name: (name != named, name))

    def label(self, name: str) -> Msg:
        key = FIELD_LABELS.get(name)
        return msg(key) if key else msg("correction.field", name=name)

    def server_says(self, name: str) -> str | None:
        """The server's reason, next to the field it named."""
        change = self.change
        if change is None or field_name(change.field) != name:
            return None
        return change.message or change.code

    def set(self, name: str, text: str) -> None:
        if name in self.values:
            self.values[name] = text
            self.error = None

    def corrections(self) -> dict[str, JsonValue]:
        """The edited fields as the values they were sent as (numbers stay
        numbers; an emptied optional field is ``None``)."""
        assert self.change is not None
        out: dict[str, JsonValue] = {}
        for name, text in self.values.items():
            before = self.change.fields[name]
            if text == _as_text(before):
                continue
            stripped = text.strip()
            if stripped == "":
                out[name] = None
            elif isinstance(before, int | float):
                out[name] = _number(stripped, name)
            else:
                out[name] = text
        return out

    @saves_once
    def submit(self) -> bool:
        """Check the corrected record completely, then queue it again."""
        change = self.change
        if change is None:
            self.error = msg("correction.gone")
            self.notify()
            return False
        try:
            resend_corrected(self.core.store, change, self.corrections())
        except SaveRejectedError as error:
            self.error = rejected_message(error)
            self.notify()
            return False
        self.done = True
        self.core.changed()
        self.notify()
        return True


def _number(text: str, name: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise SaveRejectedError(name, "must be a number") from None
