"""Field types shared by every domain schema.

Models are strict (no silent coercion of ``"1"`` into ``1`` or ``"yes"`` into
``True``), except for the types JSON cannot carry natively: ids, dates and
times arrive as ISO strings and are parsed. Times are always aware and
normalised to UTC, so ordering never depends on a device's time zone.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Strict, StringConstraints
from sqlalchemy import DateTime, String
from sqlmodel import Field
from sqlmodel._compat import SQLModelConfig


def _as_utc(value: datetime) -> datetime:
    """Treat a naive time as UTC (SQLite returns them naive) and convert aware
    ones. A time already at offset zero is kept as it is, whatever its
    ``tzinfo`` object (pydantic parses ``+00:00`` into its own): converting
    it would change nothing but cost a new object, twice per pushed visit."""
    offset = value.utcoffset()
    if offset is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC) if offset else value


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)\s*")


def _iso_text(value: Any) -> Any:
    """Refuse numbers for dates and times. Lax pydantic reads a number, or a
    string of digits, as a Unix timestamp: ``"20261128"`` would silently
    become 1970-08-23. On the wire a date or time is ISO 8601 text."""
    if type(value) is str and value[4:5] == "-" and value[:4].isdigit():
        return value  # "2026-…": no number starts like that (the common case, first)
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("send dates and times as ISO 8601 text, e.g. 2026-11-28T09:30:00+08:00")
    return value


LAX = Strict(False)
"""Marks a type JSON carries as a string (ids, times, enum values): parsed, not coerced."""

RecordId = Annotated[UUID, LAX]
UtcDatetime = Annotated[datetime, LAX, BeforeValidator(_iso_text), AfterValidator(_as_utc)]
Day = Annotated[date, LAX, BeforeValidator(_iso_text)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]

# SQLModelConfig is pydantic's ConfigDict plus SQLModel's keys: the one type
# that both SQLModel and plain BaseModel schemas accept as ``model_config``.
STRICT_CONFIG = SQLModelConfig(strict=True, extra="forbid", validate_assignment=False)
"""Configuration of every schema that crosses the wire."""


def choice(default: Any = ..., **kwargs: Any) -> Any:
    """A field holding an enum value, stored as plain text (portable, no DB enum types)."""
    return Field(default=default, sa_type=String(40), schema_extra={"strict": False}, **kwargs)


def moment(default: Any = None, **kwargs: Any) -> Any:
    """A timestamp column that keeps its time zone where the database can."""
    return Field(default=default, sa_type=DateTime(timezone=True), **kwargs)
