"""Leave (请假外出): the limits, checked on the phone before a request is
filed and by the server when it arrives, and who decides by length. Both
sides check a request through ``history.leave_request_refusal``, which
finds the subject's requests that count and asks ``leave_refusal`` here.

A trip's days count both ends (the 5th to the 14th is 10 days). A year is
a calendar year of the district: a trip over New Year counts its days in
each year. The requests that count are the subject's others that are not
refused (pending ones too: an approval may still come). A new request may
not overlap any of those.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import ApprovalLevel
from shared_models.protocol.errors import ErrorCode


@dataclass(frozen=True)
class LeaveSpan:
    """The days of one leave, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlaps(self, other: "LeaveSpan") -> bool:
        return self.start <= other.end and other.start <= self.end

    def days_in_year(self, year: int) -> int:
        first = max(self.start, date(year, 1, 1))
        last = min(self.end, date(year, 12, 31))
        return max(0, (last - first).days + 1)


def deciding_levels(days: int, settings: CorrectionSettings) -> tuple[ApprovalLevel, ...]:
    """Who decides a leave of ``days``: the office up to
    ``office_leave_max_days``, else the office and then the district."""
    if days <= settings.office_leave_max_days:
        return (ApprovalLevel.OFFICE,)
    return (ApprovalLevel.OFFICE, ApprovalLevel.DISTRICT)


class LeaveProblem(StrEnum):
    """Why a leave request cannot be filed (``details.problem``; the push
    refuses it with ``LEAVE_LIMIT_EXCEEDED`` or ``LEAVE_OVERLAPS``)."""

    TRIP_TOO_LONG = "trip_too_long"
    YEAR_LIMIT = "year_limit"
    OVERLAPS = "overlaps"

    @property
    def code(self) -> ErrorCode:
        """The push's error code for this problem (the phone says the same)."""
        if self is LeaveProblem.OVERLAPS:
            return ErrorCode.LEAVE_OVERLAPS
        return ErrorCode.LEAVE_LIMIT_EXCEEDED


@dataclass(frozen=True)
class LeaveRefusal:
    problem: LeaveProblem
    field: str
    message: str


def leave_refusal(
    new: LeaveSpan, others: Iterable[LeaveSpan], settings: CorrectionSettings
) -> LeaveRefusal | None:
    """Why the request ``new`` may not be filed next to the subject's other
    requests that are not refused (``others``), or ``None``."""
    if new.days > settings.leave_trip_max_days:
        return LeaveRefusal(
            LeaveProblem.TRIP_TOO_LONG,
            "end",
            f"a trip is at most {settings.leave_trip_max_days} days; this one is {new.days}",
        )
    counted = list(others)
    for other in counted:
        if new.overlaps(other):
            return LeaveRefusal(
                LeaveProblem.OVERLAPS,
                "start",
                f"it overlaps the leave of {other.start.isoformat()} to {other.end.isoformat()}",
            )
    for year in range(new.start.year, new.end.year + 1):
        taken = sum(span.days_in_year(year) for span in counted)
        asked = new.days_in_year(year)
        if taken + asked > settings.leave_year_max_days:
            left = max(0, settings.leave_year_max_days - taken)
            return LeaveRefusal(
                LeaveProblem.YEAR_LIMIT,
                "end",
                f"leave is at most {settings.leave_year_max_days} days a year; {taken} days of "
                f"{year} are taken or asked for, {left} remain",
            )
    return None


def leave_overdue(end: date, departed: bool, returned: bool, today: date) -> bool:
    """A subject who left on leave is overdue the day after it ended, until
    the return is recorded."""
    return departed and not returned and today > end
