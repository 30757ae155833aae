"""The district's clock: the one time zone in which people see times and days.

Times are stored and sent in UTC. What a person reads — "10:01", "today",
"due on the 21st", the date on a signed agreement, a row of a report — is in
the district's time zone, whatever zone the phone, the desk or the server
host happens to be set to. The zone is a district setting (the server's
``LASTMILE_DISTRICT_TIME_ZONE``, Asia/Shanghai by default) handed to devices
at sign-in; both sides turn instants into wall-clock values only here.

A phone's Python may have no time zone database (Android keeps its own, in a
format ``zoneinfo`` cannot read, and the ``tzdata`` wheel is not bundled), so
the zones of China and its neighbours, which keep one offset all year, fall
back to that fixed offset. Any other zone needs the database and is refused
with a clear error where it is missing.
"""

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DISTRICT_TIME_ZONE: Final = "Asia/Shanghai"

_FIXED_OFFSETS: Final = {
    "Asia/Shanghai": 8,
    "Asia/Chongqing": 8,
    "Asia/Harbin": 8,
    "Asia/Hong_Kong": 8,
    "Asia/Macau": 8,
    "Asia/Taipei": 8,
    "Asia/Urumqi": 6,
    "PRC": 8,
    "UTC": 0,
    "Etc/UTC": 0,
}
"""Zones without daylight saving since 1992: exact without a database for
every time this system stores."""


def district_zone(name: str) -> tzinfo:
    """The zone named ``name`` (IANA, e.g. ``Asia/Shanghai``).

    Raises ``ValueError`` naming the setting when the name is unknown.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        hours = _FIXED_OFFSETS.get(name)
        if hours is None:
            raise ValueError(
                f"district_time_zone: {name!r} is not a time zone this system knows "
                "(write an IANA name such as Asia/Shanghai)"
            ) from error
        return timezone(timedelta(hours=hours), name)


DEFAULT_ZONE: Final = district_zone(DEFAULT_DISTRICT_TIME_ZONE)


def as_utc(at: datetime) -> datetime:
    """``at`` as an aware UTC time; a time without a zone is UTC (SQLite
    returns stored times that way)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def wall_clock(at: datetime, zone: tzinfo) -> datetime:
    """The district's wall-clock reading of the instant ``at`` (aware, in ``zone``)."""
    return as_utc(at).astimezone(zone)


def district_day(at: datetime, zone: tzinfo) -> date:
    """The district's calendar day of the instant ``at``."""
    return wall_clock(at, zone).date()


def day_start(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which ``day`` begins in the district."""
    return datetime.combine(day, time(), zone).astimezone(UTC)
