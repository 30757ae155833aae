"""Python values to their JSON form on the wire, the same everywhere.

Both sides compare stored values with incoming ones (field-level merge) and
hash them (sealed agreements); they must agree on one form for every type.
"""

from datetime import date, datetime
from enum import Enum
from uuid import UUID

from pydantic import BaseModel, JsonValue


def datetime_json(value: datetime) -> str:
    """A time as on the wire: ISO 8601, UTC written as ``Z`` (naive means UTC)."""
    return value.isoformat().replace("+00:00", "Z") if value.tzinfo else value.isoformat() + "Z"


# Tuples, not ``str | int``: a union in ``isinstance`` is built anew on every
# call, and this runs for every nested value of every pushed and pulled row.
_SCALARS = (str, bool, int, float)
_SEQUENCES = (list, tuple)


def to_json_value(value: object) -> JsonValue:
    """One value as JSON (the forms pydantic produces): ids and dates as ISO
    strings, times in UTC with ``Z``."""
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return datetime_json(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return to_json_value(value.model_dump())
    if isinstance(value, Enum):
        return to_json_value(value.value)
    if isinstance(value, _SEQUENCES):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    raise TypeError(f"cannot put a {type(value).__name__} on the wire")
