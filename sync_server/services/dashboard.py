"""The office dashboard: a supervisor's figures, computed in SQL.

Each figure family is one aggregate query grouped by office (see
``services.offices`` for how committee rows find their office), scoped by
``JurisdictionScope.row_filter`` and limited to the requested office or
district. Nothing is loaded row by row: a district of 100,000 records is
answered from a handful of grouped scans (docs/performance.md, "Supervisor
dashboard"). The figures are defined in ``shared_models.protocol.supervision``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.cases import OPEN_CASE_STATUSES, CaseStatus
from shared_models.domain.org import OrgUnitKind
from shared_models.domain.subjects import SubjectStatus
from shared_models.domain.visits import VisitKind
from shared_models.protocol.supervision import (
    Dashboard,
    DashboardFigures,
    DeviceSync,
    OfficeDashboard,
    OpenCaseAges,
    OverdueCheckin,
)
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.dashboard_lists import SILENT_AFTER, overdue_checkins, signed_in_devices
from sync_server.services.district_calendar import Month, day_start
from sync_server.services.offices import OfficeGrouping, office_grouping
from sync_server.tables import AgreementRow, CaseRow, SubjectRow, VisitRow

_OPEN = sorted(status.value for status in OPEN_CASE_STATUSES)
_CONCLUDED_AGREED = [CaseStatus.AGREED.value, CaseStatus.FOLLOW_UP.value]


@dataclass(frozen=True)
class DashboardQuery:
    """``today`` and ``now`` are injectable so tests pin the calendar."""

    month: Month
    today: date
    now: datetime
    unit_id: UUID | None = None


@dataclass
class _Row:
    figures: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueCheckin] = field(default_factory=list)
    devices: list[DeviceSync] = field(default_factory=list)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet ``condition`` (portable: no FILTER clause)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def dashboard(session: Session, scope: JurisdictionScope, query: DashboardQuery) -> Dashboard:
    """The dashboard of ``query.unit_id`` (default: the caller's unit), scoped to ``scope``."""
    grouping = office_grouping(session, scope, query.unit_id)
    rows = [_Row() for _ in grouping.rows]
    if grouping.group_of:
        _case_figures(session, scope, grouping, query, rows)
        _mediation_outcomes(session, scope, grouping, query, rows)
        _agreements_signed(session, scope, grouping, query, rows)
        _subjects(session, scope, grouping, rows)
        for group, items in overdue_checkins(session, scope, grouping, query.today).items():
            rows[group].overdue = items
        for group, found in signed_in_devices(session, scope, grouping, query.now).items():
            rows[group].devices = found
    offices: list[OfficeDashboard] = []
    for unit, row in zip(grouping.rows, rows, strict=True):
        figures = _figures(row)
        # The row of records above every office is shown only when it has any.
        above_offices = unit.kind is not OrgUnitKind.OFFICE and len(grouping.rows) > 1
        if above_offices and not _has_any(figures):
            continue
        offices.append(
            OfficeDashboard(
                **figures.model_dump(),
                office_id=unit.id,
                office_name=unit.name,
                overdue_checkins=sorted(row.overdue, key=_most_overdue_first),
                device_list=sorted(row.devices, key=lambda d: (d.last_seen_at, d.device_id)),
            )
        )
    return Dashboard(
        unit_id=grouping.root.id,
        unit_name=grouping.root.name,
        month=query.month.label,
        today=query.today,
        silent_after_days=SILENT_AFTER.days,
        offices=offices,
        total=_total(offices),
    )


def _most_overdue_first(item: OverdueCheckin) -> tuple[int, str, str]:
    return (-item.days_overdue, item.name, str(item.subject_id))


def _has_any(figures: DashboardFigures) -> bool:
    counts = figures.model_dump(exclude={"open_cases", "success_rate"})
    return any(counts.values()) or figures.open_cases_total > 0


def _figures(row: _Row) -> DashboardFigures:
    counts = row.figures
    ages = OpenCaseAges(
        days_0_7=counts.get("age_0_7", 0),
        days_8_30=counts.get("age_8_30", 0),
        days_31_90=counts.get("age_31_90", 0),
        over_90=counts.get("age_over_90", 0),
    )
    agreed, failed = counts.get("agreed", 0), counts.get("failed", 0)
    return DashboardFigures(
        open_cases=ages,
        open_cases_total=ages.days_0_7 + ages.days_8_30 + ages.days_31_90 + ages.over_90,
        closed_this_month=counts.get("closed", 0),
        agreements_signed_this_month=counts.get("signed", 0),
        mediations_agreed=agreed,
        mediations_failed=failed,
        success_rate=_rate(agreed, failed),
        follow_ups_due=counts.get("follow_ups_due", 0),
        subjects_under_supervision=counts.get("supervised", 0),
        checkins_overdue=len(row.overdue),
        devices=len(row.devices),
        devices_silent=sum(1 for device in row.devices if device.silent),
    )


def _rate(agreed: int, failed: int) -> float | None:
    concluded = agreed + failed
    return None if concluded == 0 else agreed / concluded


def _total(offices: list[OfficeDashboard]) -> DashboardFigures:
    """The district roll-up: the sum of the office rows (the rate recomputed from the sums)."""
    counts = [
        name for name, info in DashboardFigures.model_fields.items() if info.annotation is int
    ]
    sums = {name: sum(getattr(office, name) for office in offices) for name in counts}
    ages = {
        name: sum(getattr(office.open_cases, name) for office in offices)
        for name in OpenCaseAges.model_fields
    }
    return DashboardFigures(
        **sums,
        open_cases=OpenCaseAges(**ages),
        success_rate=_rate(sums["mediations_agreed"], sums["mediations_failed"]),
    )


def _store(rows: list[_Row], result: Any, names: list[str]) -> None:
    for values in result:
        group = values[0]
        if 0 <= group < len(rows):
            for name, value in zip(names, values[1:], strict=True):
                rows[group].figures[name] = rows[group].figures.get(name, 0) + int(value or 0)


def _case_figures(
    session: Session,
    scope: JurisdictionScope,
    grouping: OfficeGrouping,
    query: DashboardQuery,
    rows: list[_Row],
) -> None:
    """Open cases by age, cases closed in the month, follow-ups due."""
    cases: Any = CaseRow
    since_7, since_30, since_90 = (
        day_start(query.today - timedelta(days=days)) for days in (7, 30, 90)
    )
    month = query.month
    inner = (
        select(
            grouping.group(cases.scope_unit_id).label("grp"),
            cases.status,
            cases.opened_at,
            cases.closed_at,
            cases.follow_up_due,
        )
        .where(*grouping.in_scope(scope, TableName.CASES, cases))
        .subquery()
    )
    c = inner.c
    is_open = c.status.in_(_OPEN)
    names = ["age_0_7", "age_8_30", "age_31_90", "age_over_90", "closed", "follow_ups_due"]
    statement = select(
        c.grp,
        _count(and_(is_open, c.opened_at >= since_7)),
        _count(and_(is_open, c.opened_at < since_7, c.opened_at >= since_30)),
        _count(and_(is_open, c.opened_at < since_30, c.opened_at >= since_90)),
        _count(and_(is_open, c.opened_at < since_90)),
        _count(
            and_(
                c.status == CaseStatus.CLOSED.value,
                c.closed_at >= month.starts,
                c.closed_at < month.ends,
            )
        ),
        _count(and_(is_open, c.follow_up_due <= query.today)),
    ).group_by(c.grp)
    _store(rows, session.execute(statement), names)


def _mediation_outcomes(
    session: Session,
    scope: JurisdictionScope,
    grouping: OfficeGrouping,
    query: DashboardQuery,
    rows: list[_Row],
) -> None:
    """Mediations concluded in the month, agreed and failed (see DashboardFigures)."""
    cases: Any = CaseRow
    visit: Any = VisitRow
    agreement: Any = AgreementRow
    sessions = (
        select(
            col(visit.case_id).label("case_id"),
            func.max(visit.started_at).label("last_session"),
        )
        .where(
            *grouping.in_scope(scope, TableName.VISITS, visit),
            col(visit.kind) == VisitKind.MEDIATION_SESSION.value,
            col(visit.case_id).is_not(None),
        )
        .group_by(visit.case_id)
        .subquery()
    )
    signed = (
        select(col(agreement.case_id).label("case_id"))
        .where(
            *grouping.in_scope(scope, TableName.AGREEMENTS, agreement),
            col(agreement.status) == AgreementStatus.SIGNED.value,
        )
        .group_by(agreement.case_id)
        .subquery()
    )
    month = query.month
    inner = (
        select(
            grouping.group(cases.scope_unit_id).label("grp"),
            cases.status,
            cases.follow_up_due,
            signed.c.case_id.label("signed_case"),
        )
        .join(sessions, sessions.c.case_id == cases.id)
        .outerjoin(signed, signed.c.case_id == cases.id)
        .where(
            *grouping.in_scope(scope, TableName.CASES, cases),
            sessions.c.last_session >= month.starts,
            sessions.c.last_session < month.ends,
        )
        .subquery()
    )
    c = inner.c
    closed = c.status == CaseStatus.CLOSED.value
    agreed_evidence = or_(c.follow_up_due.is_not(None), c.signed_case.is_not(None))
    statement = select(
        c.grp,
        _count(or_(c.status.in_(_CONCLUDED_AGREED), and_(closed, agreed_evidence))),
        _count(or_(c.status == CaseStatus.FAILED.value, and_(closed, ~agreed_evidence))),
    ).group_by(c.grp)
    _store(rows, session.execute(statement), ["agreed", "failed"])


def _agreements_signed(
    session: Session,
    scope: JurisdictionScope,
    grouping: OfficeGrouping,
    query: DashboardQuery,
    rows: list[_Row],
) -> None:
    agreement: Any = AgreementRow
    inner = (
        select(grouping.group(agreement.scope_unit_id).label("grp"))
        .where(
            *grouping.in_scope(scope, TableName.AGREEMENTS, agreement),
            col(agreement.status) == AgreementStatus.SIGNED.value,
            col(agreement.supersedes_id).is_(None),
            col(agreement.signed_at) >= query.month.starts,
            col(agreement.signed_at) < query.month.ends,
        )
        .subquery()
    )
    statement = select(inner.c.grp, func.count()).group_by(inner.c.grp)
    _store(rows, session.execute(statement), ["signed"])


def _subjects(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, rows: list[_Row]
) -> None:
    subject: Any = SubjectRow
    inner = (
        select(grouping.group(subject.scope_unit_id).label("grp"))
        .where(
            *grouping.in_scope(scope, TableName.SUBJECTS, subject),
            col(subject.status) == SubjectStatus.UNDER_SUPERVISION.value,
        )
        .subquery()
    )
    statement = select(inner.c.grp, func.count()).group_by(inner.c.grp)
    _store(rows, session.execute(statement), ["supervised"])
