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

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.case_forms import CaseDocumentKind
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CLOSED_CASE_STATUSES, OPEN_CASE_STATUSES, CaseStatus
from shared_models.domain.org import OrgUnitKind
from shared_models.domain.subjects import SubjectStatus
from shared_models.domain.visits import VisitKind
from shared_models.protocol.supervision import (
    Dashboard,
    DashboardFigures,
    DeviceSync,
    LeaveOverdue,
    LeaveTaken,
    OfficeDashboard,
    OpenCaseAges,
    OverdueCheckin,
)
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.supervision.case_file_figures import case_file_counts
from sync_server.services.supervision.dashboard_lists import (
    SILENT_AFTER,
    leaves_taken,
    overdue_checkins,
    overdue_leaves,
    signed_in_devices,
)
from sync_server.services.supervision.district_calendar import Month, day_start
from sync_server.services.supervision.judicial_figures import late_judicial_applications
from sync_server.services.supervision.offices import OfficeGrouping, office_grouping
from sync_server.tables import AgreementRow, CaseDocumentRow, CaseRow, SubjectRow, VisitRow

_OPEN = sorted(status.value for status in OPEN_CASE_STATUSES)
_CONCLUDED_AGREED = [
    CaseStatus.AGREED.value,
    CaseStatus.JUDICIAL_CONFIRMATION.value,
    CaseStatus.FOLLOW_UP.value,
]
_CLOSED = sorted(status.value for status in CLOSED_CASE_STATUSES)
"""Closed, and closed and archived since."""


@dataclass(frozen=True)
class DashboardQuery:
    """``today`` and ``now`` are injectable so tests pin the calendar;
    ``mediation`` is the server's (``ServerSettings.mediation``)."""

    month: Month
    today: date
    now: datetime
    unit_id: UUID | None = None
    mediation: MediationSettings = field(default_factory=MediationSettings)


@dataclass
class _Row:
    figures: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueCheckin] = field(default_factory=list)
    leaves: list[LeaveOverdue] = field(default_factory=list)
    taken: list[LeaveTaken] = field(default_factory=list)
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
        for group, (closed, complete) in case_file_counts(
            session, scope, grouping, query.month
        ).items():
            if 0 <= group < len(rows):
                rows[group].figures.update(files_closed=closed, files_complete=complete)
        late = late_judicial_applications(session, scope, grouping, query.month, query.mediation)
        for group, count in late.items():
            if 0 <= group < len(rows):
                rows[group].figures["judicial_late"] = count
        _subjects(session, scope, grouping, rows)
        for group, items in overdue_checkins(session, scope, grouping, query.today).items():
            rows[group].overdue = items
        for group, away in overdue_leaves(session, scope, grouping, query.today).items():
            rows[group].leaves = away
        for group, taken in leaves_taken(session, scope, grouping, query.month).items():
            rows[group].taken = taken
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
                overdue_leaves=sorted(
                    row.leaves, key=lambda item: (-item.days_overdue, item.name, item.request_id)
                ),
                leaves_taken=sorted(
                    row.taken, key=lambda item: (item.departed_on, item.name, item.request_id)
                ),
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
        leaves_overdue=len(row.leaves),
        leaves_taken_this_month=len(row.taken),
        devices=len(row.devices),
        devices_silent=sum(1 for device in row.devices if device.silent),
        case_files_closed=counts.get("files_closed", 0),
        case_files_complete=counts.get("files_complete", 0),
        judicial_applications_late=counts.get("judicial_late", 0),
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


def _by_office(
    session: Session,
    grouping: OfficeGrouping,
    model: Any,
    where: list[ColumnElement[bool]],
    counts: dict[str, ColumnElement[bool]],
    rows: list[_Row],
) -> None:
    """Count the rows of ``model`` meeting each of ``counts``, per office.

    Rows are grouped by their unit first, an ordinary GROUP BY, and only the
    hundred-odd unit totals are mapped to offices and grouped again: mapping
    every row to its office cost more than the whole scan.
    """
    per_unit = (
        select(
            col(model.scope_unit_id).label("unit"),
            *(_count(condition).label(name) for name, condition in counts.items()),
        )
        .where(*where)
        .group_by(model.scope_unit_id)
        .subquery()
    )
    mapped = select(
        grouping.group(per_unit.c.unit).label("grp"), *(per_unit.c[name] for name in counts)
    ).subquery()
    statement = select(mapped.c.grp, *(func.sum(mapped.c[name]) for name in counts)).group_by(
        mapped.c.grp
    )
    for group, *values in session.execute(statement):
        if 0 <= group < len(rows):
            for name, value in zip(counts, values, strict=True):
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
    is_open = col(cases.status).in_(_OPEN)
    opened = col(cases.opened_at)
    closed = col(cases.closed_at)
    counts = {
        "age_0_7": and_(is_open, opened >= since_7),
        "age_8_30": and_(is_open, opened < since_7, opened >= since_30),
        "age_31_90": and_(is_open, opened < since_30, opened >= since_90),
        "age_over_90": and_(is_open, opened < since_90),
        "closed": and_(
            col(cases.status).in_(_CLOSED),
            closed >= month.starts,
            closed < month.ends,
        ),
        "follow_ups_due": and_(is_open, col(cases.follow_up_due) <= query.today),
    }
    where = [
        *grouping.in_scope(scope, TableName.CASES, cases),
        # Only these rows count for anything: the old closed cases of a
        # district (most of them) are not aggregated at all.
        or_(is_open, counts["closed"]),
    ]
    _by_office(session, grouping, cases, where, counts, rows)


def _mediation_outcomes(
    session: Session,
    scope: JurisdictionScope,
    grouping: OfficeGrouping,
    query: DashboardQuery,
    rows: list[_Row],
) -> None:
    """Mediations concluded in the month, agreed and failed (see DashboardFigures).

    "The latest session started in the month" is asked as: a session in the
    month, and none after it; both are index look-ups (``ix_visits_kind_started``),
    where a grouped maximum over every session of the district would read
    them all. The cases are scoped; their sessions and agreements are in the
    same jurisdiction as they are (a dependant carries its owner's scope), so
    the correlated look-ups need no scope condition of their own, which also
    keeps the planner from intersecting them with the whole scope index.
    """
    cases: Any = CaseRow
    month = query.month

    def sessions_from(start: datetime, end: datetime | None) -> ColumnElement[bool]:
        """SQL: the case has a mediation session starting in [start, end)."""
        visit: Any = aliased(VisitRow)
        when = [col(visit.started_at) >= start]
        if end is not None:
            when.append(col(visit.started_at) < end)
        return (
            select(visit.id)
            .where(
                visit.case_id == cases.id,
                col(visit.kind) == VisitKind.MEDIATION_SESSION.value,
                col(visit.deleted).is_(False),
                *when,
            )
            .correlate(cases)
            .exists()
        )

    agreement: Any = AgreementRow
    signed = (
        select(agreement.id)
        .where(
            agreement.case_id == cases.id,
            col(agreement.status) == AgreementStatus.SIGNED.value,
            col(agreement.deleted).is_(False),
        )
        .correlate(cases)
        .exists()
    )
    document: Any = CaseDocumentRow
    registered = (
        select(document.id)
        .where(
            document.case_id == cases.id,
            col(document.kind) == CaseDocumentKind.ORAL_AGREEMENT.value,
            col(document.deleted).is_(False),
        )
        .correlate(cases)
        .exists()
    )
    status = col(cases.status)
    closed = status.in_(_CLOSED)
    # Cases closed before the lifecycle kept their follow-up date as the sign.
    agreed_evidence = or_(col(cases.follow_up_due).is_not(None), signed, registered)
    where = [
        *grouping.in_scope(scope, TableName.CASES, cases),
        status.in_([*_CONCLUDED_AGREED, *_CLOSED, CaseStatus.FAILED.value]),
        sessions_from(month.starts, month.ends),
        ~sessions_from(month.ends, None),
    ]
    counts = {
        "agreed": or_(status.in_(_CONCLUDED_AGREED), and_(closed, agreed_evidence)),
        "failed": or_(status == CaseStatus.FAILED.value, and_(closed, ~agreed_evidence)),
    }
    _by_office(session, grouping, cases, where, counts, rows)


def _agreements_signed(
    session: Session,
    scope: JurisdictionScope,
    grouping: OfficeGrouping,
    query: DashboardQuery,
    rows: list[_Row],
) -> None:
    agreement: Any = AgreementRow
    where = [
        *grouping.in_scope(scope, TableName.AGREEMENTS, agreement),
        col(agreement.status) == AgreementStatus.SIGNED.value,
        col(agreement.supersedes_id).is_(None),
        col(agreement.signed_at) >= query.month.starts,
        col(agreement.signed_at) < query.month.ends,
    ]
    _by_office(session, grouping, agreement, where, {"signed": true()}, rows)


def _subjects(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, rows: list[_Row]
) -> None:
    subject: Any = SubjectRow
    where = [
        *grouping.in_scope(scope, TableName.SUBJECTS, subject),
        col(subject.status) == SubjectStatus.UNDER_SUPERVISION.value,
    ]
    _by_office(session, grouping, subject, where, {"supervised": true()}, rows)
