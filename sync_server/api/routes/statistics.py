"""The people's mediation statistics (人民调解工作统计表) on the desk: the
table as JSON, and as XLSX and PDF downloads. Supervisors and admins only;
counted in the caller's jurisdiction, and an office outside it is 404.
The downloads are audited like the monthly report."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.statistics import PERIOD_PATTERN, MediationStatistics
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.reports.statistics_pdf import statistics_pdf
from sync_server.reports.statistics_xlsx import statistics_xlsx
from sync_server.services.supervision.statistics import StatisticsQuery, mediation_statistics

router = APIRouter(prefix="/api/v1", tags=["statistics"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "only supervisors and admins"},
    404: {"model": ErrorEnvelope, "description": "no such office in your jurisdiction"},
    422: {"model": ErrorEnvelope},
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

OfficeParam = Annotated[
    UUID | None,
    Query(description="an office in your jurisdiction, or your district; default: your unit"),
]
PeriodParam = Annotated[
    str, Query(pattern=PERIOD_PATTERN, description="a year (2026) or a month (2026-11)")
]


def _statistics(
    caller: CallerDep, session: SessionDep, office_id: UUID | None, period: str
) -> MediationStatistics:
    if not caller.scope.supervises:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {caller.scope.role} has no statistics")
    return mediation_statistics(session, caller.scope, StatisticsQuery(period, office_id))


def _download(
    caller: CallerDep, engine: EngineDep, stats: MediationStatistics, kind: str
) -> datetime:
    now = datetime.now(UTC)
    with write_session(engine) as writer:
        append_audit(
            writer,
            "mediation_statistics",
            now,
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={"unit_id": str(stats.unit_id), "period": stats.period, "format": kind},
        )
    return now


@router.get("/statistics/mediation", responses=_RESPONSES)
def get_mediation_statistics(
    caller: CallerDep, session: SessionDep, period: PeriodParam, office_id: OfficeParam = None
) -> MediationStatistics:
    """Cases received (by dispute type, by source), mediated, agreed (written,
    oral), failed, performed and judicially confirmed in the period: per
    committee, each office's subtotal, the total."""
    return _statistics(caller, session, office_id, period)


@router.get(
    "/statistics/mediation.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **_RESPONSES},
)
def get_mediation_statistics_xlsx(
    caller: CallerDep,
    session: SessionDep,
    engine: EngineDep,
    period: PeriodParam,
    office_id: OfficeParam = None,
) -> Response:
    """The table as an XLSX workbook, laid out as the county's form."""
    stats = _statistics(caller, session, office_id, period)
    now = _download(caller, engine, stats, "xlsx")
    return Response(
        statistics_xlsx(stats, now),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="mediation-{stats.period}.xlsx"'},
    )


@router.get(
    "/statistics/mediation.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **_RESPONSES},
)
def get_mediation_statistics_pdf(
    caller: CallerDep,
    session: SessionDep,
    engine: EngineDep,
    period: PeriodParam,
    office_id: OfficeParam = None,
) -> Response:
    """The table as a landscape A4 PDF."""
    stats = _statistics(caller, session, office_id, period)
    now = _download(caller, engine, stats, "pdf")
    return Response(
        statistics_pdf(stats, now),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="mediation-{stats.period}.pdf"'},
    )
