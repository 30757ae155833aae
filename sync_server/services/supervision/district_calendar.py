"""Days and months as the district counts them, and day arithmetic in SQL.

Times are stored in UTC, but "today", "this month" and "days overdue" are
days on the district's wall calendar: a check-in at 00:30 on the 21st in
Handan happened on the 21st, although it is the 20th in UTC. The district's
zone is the server setting ``district_time_zone`` (Asia/Shanghai by default,
``shared_models.district_time``), installed once per process by
``create_app``: one server serves one district. Day boundaries are turned
into UTC instants here, so SQL compares stored times with bound parameters
and stays portable.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Boolean, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from shared_models import district_time
from shared_models.district_time import DEFAULT_ZONE

_zone: tzinfo = DEFAULT_ZONE

_MONTH = re.compile(r"^([1-9]\d{3})-(0[1-9]|1[0-2])$")


def use_district_zone(zone: tzinfo) -> None:
    """Set the district's clock for this process (``create_app`` does, from the settings)."""
    global _zone
    _zone = zone


def district_tz() -> tzinfo:
    """The district's time zone."""
    return _zone


def district_today(now: datetime) -> date:
    """The district's calendar day at the instant ``now``."""
    return district_time.district_day(now, _zone)


def day_start(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in the district."""
    return district_time.day_start(day, _zone)


def district_day(at: datetime) -> date:
    """The district's calendar day of a stored time (naive means UTC, as SQLite returns it)."""
    return district_time.district_day(at, _zone)


def wall_clock_text(at: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` on the district's clock: how reports print a time."""
    return f"{district_time.wall_clock(at, _zone):%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Month:
    """A calendar month of the district: ``first`` day, and the first day of the next."""

    first: date

    @classmethod
    def parse(cls, text: str) -> "Month":
        """``YYYY-MM``; raises ``ValueError`` with a message a person can act on."""
        match = _MONTH.match(text)
        if match is None:
            raise ValueError("month: write the month as YYYY-MM, e.g. 2026-11")
        return cls(date(int(match[1]), int(match[2]), 1))

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.replace(day=1))

    @property
    def next_first(self) -> date:
        if self.first.month == 12:
            return date(self.first.year + 1, 1, 1)
        return date(self.first.year, self.first.month + 1, 1)

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def starts(self) -> datetime:
        return day_start(self.first)

    @property
    def ends(self) -> datetime:
        """The first instant after the month (exclusive bound)."""
        return day_start(self.next_first)


class shifted_before(FunctionElement[bool]):  # noqa: N801 - used like an SQL function
    """``start + days < bound`` for a date or timestamp column ``start``, an
    integer column ``days`` and a bound date or UTC time.

    The databases spell day arithmetic differently (PostgreSQL adds an
    interval; SQLite has no date type and compares Julian day numbers), so
    the comparison is compiled per dialect. Used where the number of days
    differs per row (each subject's check-in interval), so the cut-off cannot
    be computed in Python beforehand.
    """

    type = Boolean()
    name = "shifted_before"
    inherit_cache = True


@compiles(shifted_before, "postgresql")
def _postgresql(element: shifted_before, compiler: SQLCompiler, **kw: Any) -> str:
    start, days, bound = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({start} + make_interval(days => {days}) < {bound})"


@compiles(shifted_before, "sqlite")
def _sqlite(element: shifted_before, compiler: SQLCompiler, **kw: Any) -> str:
    start, days, bound = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({start}) + {days} < julianday({bound}))"


def days_after_before(
    start: ColumnElement[Any], days: ColumnElement[Any], bound: ColumnElement[Any]
) -> ColumnElement[bool]:
    """Whether ``start`` plus ``days`` days is before ``bound``, in SQL."""
    return shifted_before(start, days, bound)
