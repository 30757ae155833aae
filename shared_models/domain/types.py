"""Field types shared by every domain schema.

Models are strict (no silent coercion of ``"1"`` into ``1`` or ``"yes"`` into
``True``), except for the types JSON cannot carry natively: ids, dates and
times arrive as ISO strings and are parsed. Times are always aware and
normalised to UTC, so ordering never depends on a device's time zone.

Every value a device sends must also be one both databases can store and
every later calculation can handle, so the device refuses it before it is
queued and the server refuses that one mutation, naming the field, instead
of failing the whole push: text holds no control characters (PostgreSQL
cannot store a NUL at all), times and days lie between 1900 and 2199 (a
time at the calendar's edge cannot even be converted to UTC, and district
days are computed from UTC times), and counters fit the databases' integers.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints
from sqlalchemy import DateTime, String
from sqlmodel import Field as ColumnField
from sqlmodel._compat import SQLModelConfig

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
"""Days and times outside these are refused: no record of this work lies
there, and near the calendar's ends adding a term, an interval or the
district's time zone would leave the calendar."""
_OUT_OF_RANGE = "must lie between 1900-01-01 and 2199-12-31"

MAX_SQL_INTEGER = 2**31 - 1
"""The largest integer a counter column (``INTEGER``, 32 bits on PostgreSQL)
holds: versions, sizes, numbers a device or a query names."""


def _as_utc(value: datetime) -> datetime:
    """Treat a naive time as UTC (SQLite returns them naive) and convert aware
    ones; refuse one outside the years LastMile keeps. A time already at
    offset zero is kept as it is, whatever its ``tzinfo`` object (pydantic
    parses ``+00:00`` into its own): converting it would change nothing but
    cost a new object, twice per pushed visit."""
    offset = value.utcoffset()
    if offset is None:
        value = value.replace(tzinfo=UTC)
    elif offset:
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-12:00 is in year 10000 in UTC
            raise ValueError(_OUT_OF_RANGE) from None
    # At offset zero now, so its own year is its year in UTC: an int
    # comparison, where comparing aware times asks both for their offsets.
    if not EARLIEST_DAY.year <= value.year <= LATEST_DAY.year:
        raise ValueError(_OUT_OF_RANGE)
    return value


def _in_range(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(_OUT_OF_RANGE)
    return value


# C0 and C1 control characters, lone surrogates (no UTF-8 spells them) and
# the two non-characters: none is text a person typed. Tab and line breaks
# are allowed where text may span lines.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NOT_MULTILINE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _refuse(pattern: re.Pattern[str]) -> Callable[[str], str]:
    """A validator refusing text in which ``pattern`` finds a character."""

    def check(value: str) -> str:
        found = pattern.search(value)
        if found is not None:
            raise ValueError(f"holds the control character U+{ord(found.group()):04X}; remove it")
        return value

    return check


_one_line = _refuse(_NOT_TEXT)
_lines = _refuse(_NOT_MULTILINE_TEXT)


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
Day = Annotated[date, LAX, BeforeValidator(_iso_text), AfterValidator(_in_range)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, AfterValidator(_one_line)]
"""One line of text a person typed (a name, a title, a device's name):
no control characters, no line breaks."""
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_one_line)]
LongText = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_lines)]
"""Notes, descriptions, facts: line breaks and tabs allowed, other control characters not."""
VersionNumber = Annotated[int, Field(ge=0, le=MAX_SQL_INTEGER)]

# SQLModelConfig is pydantic's ConfigDict plus SQLModel's keys: the one type
# that both SQLModel and plain BaseModel schemas accept as ``model_config``.
STRICT_CONFIG = SQLModelConfig(strict=True, extra="forbid", validate_assignment=False)
"""Configuration of every schema that crosses the wire."""


def choice(default: Any = ..., **kwargs: Any) -> Any:
    """A field holding an enum value, stored as plain text (portable, no DB enum types)."""
    return ColumnField(
        default=default, sa_type=String(40), schema_extra={"strict": False}, **kwargs
    )


def moment(default: Any = None, **kwargs: Any) -> Any:
    """A timestamp column that keeps its time zone where the database can."""
    return ColumnField(default=default, sa_type=DateTime(timezone=True), **kwargs)
