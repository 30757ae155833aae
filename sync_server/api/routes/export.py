"""Scoped CSV export of one table, for supervisors' spreadsheets.

The file is written as it is read, a batch of rows at a time through a
server-side cursor, so a township of 100k visits never sits in memory. It
carries a UTF-8 byte order mark because spreadsheet programs otherwise read
Chinese text as the local code page. The columns are the wire fields only:
no password hashes, scope columns or merge bookkeeping ever leave.
"""

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import JSON, ColumnElement, Engine, Select, TypeDecorator, func, select
from sqlmodel import Session

from shared_models.district_time import wall_clock
from shared_models.domain.types import UtcDatetime
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.tables import TableName
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.core.audit import append_audit
from sync_server.core.db import read_session, write_session
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope, descendants
from sync_server.services.supervision.district_calendar import district_tz
from sync_server.services.supervision.review import supervises
from sync_server.services.sync.records import ROWS, WIRE_FIELDS, to_json_value, wire_columns
from sync_server.tables import OrgUnitRow

router = APIRouter(prefix="/api/v1", tags=["export"])

BATCH_ROWS = 1000
"""Rows fetched and written per step of the stream."""

BOM = "\ufeff"

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

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
    if not supervises(caller.scope):
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {caller.scope.role} cannot export data")
    if table not in _TABLE_NAMES:
        raise ApiError(
            404,
            ErrorCode.UNKNOWN_TABLE,
            f"there is no table {table!r} to export",
            {"tables": [name.value for name in TableName]},
        )
    name = TableName(table)
    conditions = _conditions(
        session,
        caller.scope,
        name,
        include_deleted,
        (updated_since, updated_before),
        org_unit_id,
    )
    model: Any = ROWS[name]
    rows = session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()
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
                "rows": int(rows),
                "include_deleted": include_deleted,
                "org_unit_id": str(org_unit_id) if org_unit_id else None,
            },
        )
    query = select(*wire_columns(name)).where(*conditions).order_by(model.version)
    return StreamingResponse(
        _csv_stream(engine, name, query),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name.value}.csv"'},
    )


def _conditions(
    session: Session,
    scope: JurisdictionScope,
    table: TableName,
    include_deleted: bool,
    changed: tuple[datetime | None, datetime | None],
    org_unit_id: UUID | None,
) -> list[ColumnElement[bool]]:
    """``changed`` is the window ``[updated_since, updated_before)``, either end open."""
    model: Any = ROWS[table]
    conditions: list[ColumnElement[bool]] = [scope.row_filter(table, model)]
    if not include_deleted:
        conditions.append(model.deleted.is_(False))
    since, before = changed
    if since is not None:
        conditions.append(model.updated_at >= _utc(since))
    if before is not None:
        conditions.append(model.updated_at < _utc(before))
    if org_unit_id is not None:
        conditions.append(
            model.scope_unit_id.in_(sorted(_units_below(session, scope, org_unit_id)))
        )
    return conditions


def _utc(moment: datetime) -> datetime:
    """SQLite keeps UTC times without their zone, so compare in UTC (a time
    without a zone is taken as UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _units_below(session: Session, scope: JurisdictionScope, org_unit_id: UUID) -> frozenset[UUID]:
    """The unit and its descendants; 404 when it is not in the caller's jurisdiction."""
    if org_unit_id not in scope.unit_ids:
        raise ApiError(
            404,
            ErrorCode.NOT_FOUND,
            "org_unit_id: there is no such org unit in your jurisdiction",
            {"field": "org_unit_id"},
        )
    unit: Any = OrgUnitRow
    edges = [(row[0], row[1]) for row in session.execute(select(unit.id, unit.parent_id))]
    return descendants(edges, org_unit_id)


def _csv_stream(engine: Engine, table: TableName, query: Select[Any]) -> Iterator[bytes]:
    """The file in pieces: header first, then one piece per batch of rows.

    Opens its own session: the request's session is closed before the
    response body is sent.
    """
    names = WIRE_FIELDS[table]
    sa_table = ROWS[table].__table__  # type: ignore[attr-defined]
    json_columns = [_is_json(sa_table.c[name].type) for name in names]
    yield (BOM + _csv_lines([list(names)])).encode("utf-8")
    with read_session(engine) as session:
        result = session.execute(query, execution_options={"yield_per": BATCH_ROWS})
        for batch in result.partitions():
            lines = [
                [_cell(value, is_json) for value, is_json in zip(values, json_columns, strict=True)]
                for values in batch
            ]
            yield _csv_lines(lines).encode("utf-8")


def _is_json(column_type: Any) -> bool:
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return isinstance(column_type, JSON)


def _csv_lines(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _cell(value: Any, is_json: bool) -> str:
    """One value as spreadsheet text: JSON columns as JSON, booleans as JSON
    literals, nothing as an empty cell, a time on the district's clock with
    its offset (what the screens show, still one exact instant). Text that a
    spreadsheet would run as a formula (typed on a device by anyone) is
    prefixed with an apostrophe."""
    if isinstance(value, datetime):
        return wall_clock(value, district_tz()).isoformat()
    wire = to_json_value(value)
    if is_json:
        return json.dumps(wire, ensure_ascii=False, separators=(",", ":"))
    if wire is None:
        return ""
    if isinstance(wire, bool):
        return "true" if wire else "false"
    if isinstance(wire, str):
        return "'" + wire if wire.startswith(_FORMULA_PREFIXES) else wire
    return str(wire)
