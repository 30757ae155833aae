"""The lists behind dashboard figures: overdue check-ins, subjects not back
from leave, leave taken in the month, and devices.

Like the counts in ``services.dashboard``, each is one query grouped by
office (``OfficeGrouping.group``) and scoped by ``JurisdictionScope``; the
rows come back per dashboard group, for the dashboard to attach.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import EventKind, LeaveRequest, parse_content
from shared_models.domain.subjects import SubjectStatus, SupervisionLevel
from shared_models.domain.visits import VisitKind
from shared_models.protocol.supervision import (
    DeviceSync,
    LeaveOverdue,
    LeaveTaken,
    OverdueCheckin,
)
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.correction.settings import district_settings
from sync_server.services.supervision.district_calendar import (
    Month,
    day_start,
    days_after_before,
    district_day,
)
from sync_server.services.supervision.offices import OfficeGrouping
from sync_server.tables import DeviceToken, SubjectEventRow, SubjectRow, UserRow, VisitRow

SILENT_AFTER = timedelta(days=3)
"""A device with no request for longer than this is flagged silent."""


def _checkin_interval(subject: Any, settings: CorrectionSettings) -> Any:
    """The subject's check-in interval in SQL: its supervision level's, from
    the district's settings (``CorrectionSettings.intervals``)."""
    return case(
        *(
            (subject.supervision_level == level.value, settings.intervals(level).checkin_days)
            for level in (SupervisionLevel.STRICT, SupervisionLevel.LENIENT)
        ),
        else_=settings.intervals(SupervisionLevel.NORMAL).checkin_days,
    )


def overdue_checkins(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, today: date
) -> dict[int, list[OverdueCheckin]]:
    """Subjects whose next check-in is past due, by the rule of the phone's
    due list (``shared_models.correction.due.checkin_due``): the level's
    interval after the last check-in's day, or the day supervision started
    (the entry announcement, else the term's start) when there was none.
    The latest check-in per subject comes from one grouped subquery, the
    cut-off is compared in SQL."""
    subject: Any = SubjectRow
    visit: Any = VisitRow
    officer: Any = UserRow
    latest = (
        select(
            col(visit.subject_id).label("subject_id"),
            func.max(visit.started_at).label("last_checkin"),
        )
        .where(
            *grouping.in_scope(scope, TableName.VISITS, visit),
            col(visit.kind) == VisitKind.CHECKIN.value,
            col(visit.subject_id).is_not(None),
        )
        .group_by(visit.subject_id)
        .subquery()
    )
    last = latest.c.last_checkin
    interval: Any = _checkin_interval(subject, district_settings(session))
    start: Any = func.coalesce(subject.enrolled_on, subject.term_start)
    today_starts = literal(day_start(today), type_=DateTime(timezone=True))
    overdue = or_(
        and_(last.is_not(None), days_after_before(last, interval, today_starts)),
        and_(last.is_(None), start < literal(today, type_=Date())),
    )
    statement = (
        select(
            grouping.group(subject.scope_unit_id).label("grp"),
            subject.id,
            subject.name,
            subject.officer_id,
            officer.display_name,
            subject.key_person,
            interval,
            start,
            last,
        )
        .outerjoin(latest, latest.c.subject_id == subject.id)
        .outerjoin(officer, officer.id == subject.officer_id)
        .where(
            *grouping.in_scope(scope, TableName.SUBJECTS, subject),
            col(subject.status) == SubjectStatus.UNDER_SUPERVISION.value,
            overdue,
        )
    )
    found: dict[int, list[OverdueCheckin]] = {}
    for group, subject_id, name, officer_id, officer_name, key, days, first, at in session.execute(
        statement
    ):
        start_day = first if isinstance(first, date) else date.fromisoformat(str(first))
        if not 0 <= group < len(grouping.rows):
            continue
        due = start_day if at is None else district_day(at) + timedelta(days=days)
        found.setdefault(group, []).append(
            OverdueCheckin(
                subject_id=subject_id,
                name=name,
                office_id=grouping.rows[group].id,
                officer_id=officer_id,
                officer_name=officer_name or "",
                key_person=key,
                checkin_interval_days=days,
                last_checkin_at=at,
                due=due,
                days_overdue=(today - due).days,
            )
        )
    return found


def overdue_leaves(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, today: date
) -> dict[int, list[LeaveOverdue]]:
    """Subjects under supervision who left on leave and are not back by its
    last day (``shared_models.correction.leave.leave_overdue``): a departure
    with no return from the same request (a push admits a departure only
    on an approved leave). The few out on leave are found in SQL; each
    one's last day is read from its request."""
    departure: Any = SubjectEventRow
    request: Any = aliased(SubjectEventRow)
    back: Any = aliased(SubjectEventRow)
    subject: Any = SubjectRow
    officer: Any = UserRow
    returned = exists().where(
        back.request_id == departure.request_id,
        back.kind == EventKind.LEAVE_RETURN.value,
        col(back.deleted).is_(False),
    )
    statement = (
        select(
            grouping.group(subject.scope_unit_id).label("grp"),
            subject.id,
            subject.name,
            subject.officer_id,
            officer.display_name,
            request.id,
            request.content,
        )
        .select_from(departure)
        .join(request, request.id == departure.request_id)
        .join(subject, subject.id == departure.subject_id)
        .outerjoin(officer, officer.id == subject.officer_id)
        .where(
            *grouping.in_scope(scope, TableName.SUBJECTS, subject),
            col(subject.status) == SubjectStatus.UNDER_SUPERVISION.value,
            departure.kind == EventKind.LEAVE_DEPARTURE.value,
            col(departure.deleted).is_(False),
            col(request.deleted).is_(False),
            ~returned,
        )
    )
    found: dict[int, list[LeaveOverdue]] = {}
    for group, subject_id, name, officer_id, officer_name, request_id, content in session.execute(
        statement
    ):
        leave = parse_content(content)
        if not 0 <= group < len(grouping.rows) or not isinstance(leave, LeaveRequest):
            continue
        if leave.end >= today:
            continue
        found.setdefault(group, []).append(
            LeaveOverdue(
                subject_id=subject_id,
                name=name,
                office_id=grouping.rows[group].id,
                officer_id=officer_id,
                officer_name=officer_name or "",
                request_id=request_id,
                leave_end=leave.end,
                days_overdue=(today - leave.end).days,
            )
        )
    return found


def _day(value: Any) -> date:
    """A day column as read (SQLite hands back ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def leaves_taken(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, month: Month
) -> dict[int, list[LeaveTaken]]:
    """Leaves subjects were away on during ``month``: departed (a
    ``leave_departure``, not deleted) on or before its last day, and back
    on or after its first day or not back at all; whatever the subject's
    status now (a subject released since took the leave all the same).
    Each leave's days come from its request."""
    departure: Any = SubjectEventRow
    request: Any = aliased(SubjectEventRow)
    back: Any = aliased(SubjectEventRow)
    subject: Any = SubjectRow
    officer: Any = UserRow
    returns = (
        select(
            col(back.request_id).label("request_id"),
            func.min(back.occurred_on).label("returned_on"),
        )
        .where(
            back.kind == EventKind.LEAVE_RETURN.value,
            col(back.deleted).is_(False),
            col(back.request_id).is_not(None),
        )
        .group_by(back.request_id)
        .subquery()
    )
    returned_on = returns.c.returned_on
    statement = (
        select(
            grouping.group(subject.scope_unit_id).label("grp"),
            subject.id,
            subject.name,
            subject.officer_id,
            officer.display_name,
            request.id,
            request.content,
            departure.occurred_on,
            returned_on,
        )
        .select_from(departure)
        .join(request, request.id == departure.request_id)
        .join(subject, subject.id == departure.subject_id)
        .outerjoin(officer, officer.id == subject.officer_id)
        .outerjoin(returns, returns.c.request_id == departure.request_id)
        .where(
            *grouping.in_scope(scope, TableName.SUBJECTS, subject),
            departure.kind == EventKind.LEAVE_DEPARTURE.value,
            col(departure.deleted).is_(False),
            col(request.deleted).is_(False),
            departure.occurred_on < literal(month.next_first, type_=Date()),
            or_(returned_on.is_(None), returned_on >= literal(month.first, type_=Date())),
        )
    )
    found: dict[int, list[LeaveTaken]] = {}
    for row in session.execute(statement):
        group, subject_id, name, officer_id, officer_name, request_id, content, left, came = row
        leave = parse_content(content)
        if not 0 <= group < len(grouping.rows) or not isinstance(leave, LeaveRequest):
            continue
        found.setdefault(group, []).append(
            LeaveTaken(
                subject_id=subject_id,
                name=name,
                office_id=grouping.rows[group].id,
                officer_id=officer_id,
                officer_name=officer_name or "",
                request_id=request_id,
                start=leave.start,
                end=leave.end,
                days=leave.days,
                departed_on=_day(left),
                returned_on=_day(came) if came is not None else None,
            )
        )
    return found


def signed_in_devices(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, now: datetime
) -> dict[int, list[DeviceSync]]:
    """Each device (per user) with a live sign-in, by its user's office."""
    token: Any = DeviceToken
    user: Any = UserRow
    inner = (
        select(
            grouping.group(user.scope_unit_id).label("grp"),
            token.device_id,
            token.user_id,
            user.display_name,
            token.device_name,
            token.last_seen_at,
        )
        .join(user, user.id == token.user_id)
        .where(
            *grouping.in_scope(scope, TableName.USERS, user),
            col(user.active).is_(True),
            col(token.revoked_at).is_(None),
        )
        .subquery()
    )
    c = inner.c
    statement = select(
        c.grp,
        c.device_id,
        c.user_id,
        c.display_name,
        func.max(c.device_name),
        func.max(c.last_seen_at),
    ).group_by(c.grp, c.device_id, c.user_id, c.display_name)
    silent_before = now - SILENT_AFTER
    found: dict[int, list[DeviceSync]] = {}
    for group, device_id, user_id, display_name, device_name, seen in session.execute(statement):
        if not 0 <= group < len(grouping.rows):
            continue
        seen_at = _aware(seen)
        found.setdefault(group, []).append(
            DeviceSync(
                device_id=device_id,
                device_name=device_name or "",
                user_id=user_id,
                display_name=display_name,
                office_id=grouping.rows[group].id,
                last_seen_at=seen_at,
                silent=seen_at < silent_before,
            )
        )
    return found


def _aware(at: datetime) -> datetime:
    """SQLite hands times back without their zone; they are stored in UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
