"""What is due for a subject, and when: the due lists of the phone and the
desk, from the subject's supervision level and history.

Every day is a day of the district's calendar. A subject under
supervision is due:

- a check-in ``checkin_days`` after the last one (the level's interval,
  ``settings.py``), the first on the day supervision starts;
- a home visit ``visit_days`` after the last, the first ``visit_days``
  after the start;
- a conversation (个别谈话) every calendar month: by the month's last day,
  from the month supervision starts;
- on medical parole (暂予监外执行): a health report every calendar month
  likewise, and a check-up every ``checkup_every_months`` months;
- the release at term end, listed ``release_notice_days`` ahead;
- back from leave by the leave's last day, once departed.

Supervision starts at the entry announcement (``enrolled_on``), or at the
term's start where none is recorded yet. Released or revoked subjects owe
nothing. A due item is overdue the day after its day.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.subjects import CorrectionType, SubjectStatus, SupervisionLevel
from shared_models.domain.types import RecordId


class DueKind(StrEnum):
    CHECKIN = "checkin"
    VISIT = "visit"
    CONVERSATION = "conversation"
    HEALTH_REPORT = "health_report"
    CHECKUP = "checkup"
    RELEASE = "release"
    LEAVE_RETURN = "leave_return"


class DueItem(BaseModel):
    """One thing due: what, by which day, whether that day has passed;
    ``request_id`` names the leave a return is due from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DueKind
    due_on: date
    overdue: bool
    request_id: RecordId | None = None


@dataclass(frozen=True)
class LeaveOut:
    """An approved leave the subject departed on (``departed``) and has or
    has not come back from."""

    request_id: RecordId
    end: date
    departed: bool
    returned: bool


@dataclass(frozen=True)
class History:
    """What due dates are counted from: the subject and the last of each
    kind of contact (``None``: none yet)."""

    level: SupervisionLevel
    correction_type: CorrectionType
    status: SubjectStatus
    term_start: date
    term_end: date
    enrolled_on: date | None = None
    last_checkin: date | None = None
    last_visit: date | None = None
    last_conversation: date | None = None
    last_health_report: date | None = None
    last_checkup: date | None = None
    leaves: tuple[LeaveOut, ...] = ()

    @property
    def start(self) -> date:
        return self.enrolled_on or self.term_start


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, kept within the month
    (31 January + 1 month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def monthly_due(last: date | None, start: date) -> date:
    """A thing due every calendar month: by the end of the month after the
    last one's, or of the starting month when there was none."""
    if last is None or last < start:
        return month_end(start)
    return month_end(add_months(last.replace(day=1), 1))


def checkin_due(history: History, settings: CorrectionSettings) -> date:
    if history.last_checkin is None:
        return history.start
    return history.last_checkin + timedelta(days=settings.intervals(history.level).checkin_days)


def visit_due(history: History, settings: CorrectionSettings) -> date:
    interval = timedelta(days=settings.intervals(history.level).visit_days)
    return (history.last_visit or history.start) + interval


def checkup_due(history: History, settings: CorrectionSettings) -> date:
    return add_months(history.last_checkup or history.start, settings.checkup_every_months)


def due_items(history: History, settings: CorrectionSettings, today: date) -> list[DueItem]:
    """Everything due for the subject, soonest first (ties in ``DueKind`` order)."""
    if history.status is not SubjectStatus.UNDER_SUPERVISION:
        return []
    days: list[tuple[DueKind, date, RecordId | None]] = [
        (DueKind.CHECKIN, checkin_due(history, settings), None),
        (DueKind.VISIT, visit_due(history, settings), None),
        (DueKind.CONVERSATION, monthly_due(history.last_conversation, history.start), None),
    ]
    if history.correction_type is CorrectionType.TEMPORARY_OUTSIDE:
        days.append(
            (DueKind.HEALTH_REPORT, monthly_due(history.last_health_report, history.start), None)
        )
        days.append((DueKind.CHECKUP, checkup_due(history, settings), None))
    if today >= history.term_end - timedelta(days=settings.release_notice_days):
        days.append((DueKind.RELEASE, history.term_end, None))
    for leave in history.leaves:
        if leave.departed and not leave.returned:
            days.append((DueKind.LEAVE_RETURN, leave.end, leave.request_id))
    order = list(DueKind)
    items = [
        DueItem(
            kind=kind,
            due_on=day,
            overdue=day < today,
            request_id=request_id,
        )
        for kind, day, request_id in days
    ]
    items.sort(key=lambda item: (item.due_on, order.index(item.kind)))
    return items


def overdue(items: Iterable[DueItem]) -> list[DueItem]:
    return [item for item in items if item.overdue]
