"""Python values to their JSON form on the wire, the same everywhere.

Both sides compare stored values with incoming ones (field-level merge) and
hash them (sealed agreements); they must agree on one form for every type.
"""

from datetime import date, datetime
from enum import Enum
from uuid import UUID

from pydantic import BaseModel, JsonValue


def to_json_value(value: object) -> JsonValue:
    """One value as JSON: ids and dates as ISO strings, times in UTC with ``Z``."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat() + "Z"
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return to_json_value(value.model_dump())
    if isinstance(value, Enum):
        return to_json_value(value.value)
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    raise TypeError(f"cannot put a {type(value).__name__} on the wire")
