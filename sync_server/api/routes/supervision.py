"""The supervisor workspace: the review queue, the office dashboard and the
monthly report. Supervisors and admins only; everything is scoped to the
caller's jurisdiction, and an office outside it is 404."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from shared_models.domain.review import ReviewTarget
from shared_models.domain.types import MAX_SQL_INTEGER, Day
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.supervision import (
    Dashboard,
    ReviewDetail,
    ReviewQueueKind,
    ReviewQueuePage,
)
from sync_server.api.deps import CallerDep, EngineDep, SessionDep, SettingsDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.reports.monthly import monthly_report_pdf
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.supervision.dashboard import DashboardQuery, dashboard
from sync_server.services.supervision.district_calendar import Month, district_today
from sync_server.services.supervision.review_detail import review_detail
from sync_server.services.supervision.review_queue import MAX_PAGE, QueueFilter, review_queue

router = APIRouter(prefix="/api/v1", tags=["supervision"])

MONTH_PATTERN = r"^(19|2[01])\d{2}-(0[1-9]|1[0-2])$"
"""``YYYY-MM`` from 1900-01 to 2199-12, the years a record's days may lie in."""

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "only supervisors and admins"},
    404: {"model": ErrorEnvelope, "description": "no such office in your jurisdiction"},
    422: {"model": ErrorEnvelope},
}

OfficeParam = Annotated[
    UUID | None,
    Query(description="an office in your jurisdiction, or your district for a roll-up"),
]
MonthParam = Annotated[
    str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM; default: this month")
]


def _supervisor(scope: JurisdictionScope) -> None:
    if not scope.supervises:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {scope.role} has no supervisor workspace")


@router.get("/review-queue", responses=_RESPONSES)
def get_review_queue(
    caller: CallerDep,
    session: SessionDep,
    office_id: Annotated[
        UUID | None, Query(description="only records of this unit and the units below it")
    ] = None,
    kind: ReviewQueueKind | None = None,
    author_id: Annotated[UUID | None, Query(description="only records this user created")] = None,
    since: Annotated[Day | None, Query(description="arrived on or after this day")] = None,
    until: Annotated[Day | None, Query(description="arrived on or before this day")] = None,
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_SQL_INTEGER, description="next_before of the previous page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ReviewQueuePage:
    """Records that arrived or changed since they were last reviewed, newest first."""
    _supervisor(caller.scope)
    wanted = QueueFilter(
        office_id=office_id,
        kind=kind,
        author_id=author_id,
        since=since,
        until=until,
        before=before,
        limit=limit,
    )
    return review_queue(session, caller.scope, wanted)


@router.get("/review-queue/{table}/{record_id}", responses=_RESPONSES)
def get_review_detail(
    table: ReviewTarget, record_id: UUID, caller: CallerDep, session: SessionDep
) -> ReviewDetail:
    """One queued record (or one reviewed before): the record, its case, photos,
    GPS fix, author, earlier reviews and the agreement's PDF. 404 outside the
    caller's jurisdiction."""
    _supervisor(caller.scope)
    return review_detail(session, caller.scope, table, record_id)


def _dashboard(
    caller: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    office_id: UUID | None,
    month: str | None,
) -> Dashboard:
    _supervisor(caller.scope)
    now = datetime.now(UTC)
    today = district_today(now)
    chosen = Month.of(today) if month is None else Month.parse(month)
    query = DashboardQuery(chosen, today, now, office_id, settings.mediation)
    return dashboard(session, caller.scope, query)


@router.get("/dashboard", responses=_RESPONSES)
def get_dashboard(
    caller: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    office_id: OfficeParam = None,
    month: MonthParam = None,
) -> Dashboard:
    """An office's figures, or the district roll-up (one row per office) for district users."""
    return _dashboard(caller, session, settings, office_id, month)


@router.get(
    "/reports/monthly.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the monthly report"},
        **_RESPONSES,
    },
)
def get_monthly_report(
    caller: CallerDep,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    office_id: OfficeParam = None,
    month: MonthParam = None,
) -> Response:
    """The monthly report of an office (or district roll-up) as a PDF.

    The report lists subjects by name, so handing it out is audited like an export.
    """
    board = _dashboard(caller, session, settings, office_id, month)
    now = datetime.now(UTC)
    pdf = monthly_report_pdf(board, now)
    with write_session(engine) as writer:
        append_audit(
            writer,
            "monthly_report",
            now,
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={"unit_id": str(board.unit_id), "month": board.month},
        )
    name = f"monthly-report-{board.month}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
