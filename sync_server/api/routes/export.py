"""Scoped CSV export of one table, for supervisors' spreadsheets (written
by ``services/supervision/export.py``)."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from shared_models.domain.types import UtcDatetime
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.tables import TableName
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.services.supervision.export import plan_export

router = APIRouter(prefix="/api/v1", tags=["export"])

_TABLE_NAMES = frozenset(name.value for name in TableName)


@router.get(
    "/export/{table}.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte order mark"},
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope, "description": "only supervisors and admins export"},
        404: {"model": ErrorEnvelope, "description": "unknown table or org unit"},
        422: {"model": ErrorEnvelope},
    },
)
def export_table(
    table: str,
    caller: CallerDep,
    session: SessionDep,
    engine: EngineDep,
    include_deleted: bool = False,
    updated_since: Annotated[
        UtcDatetime | None, Query(description="only rows changed at or after this time")
    ] = None,
    updated_before: Annotated[
        UtcDatetime | None,
        Query(description="only rows changed before this time (with updated_since: a month)"),
    ] = None,
    org_unit_id: Annotated[
        UUID | None, Query(description="only rows of this org unit and the units below it")
    ] = None,
) -> StreamingResponse:
    """Every row of ``table`` in the caller's jurisdiction, as CSV."""
    if not caller.scope.supervises:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {caller.scope.role} cannot export data")
    if table not in _TABLE_NAMES:
        raise ApiError(
            404,
            ErrorCode.UNKNOWN_TABLE,
            f"there is no table {table!r} to export",
            {"tables": [name.value for name in TableName]},
        )
    name = TableName(table)
    export = plan_export(
        session,
        caller.scope,
        name,
        include_deleted,
        (updated_since, updated_before),
        org_unit_id,
    )
    now = datetime.now(UTC)
    with write_session(engine) as writer:
        append_audit(
            writer,
            "export",
            now,
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={
                "table": name.value,
                "rows": export.rows,
                "include_deleted": include_deleted,
                "org_unit_id": str(org_unit_id) if org_unit_id else None,
            },
        )
    return StreamingResponse(
        export.stream(engine),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name.value}.csv"'},
    )
