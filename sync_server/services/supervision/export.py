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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, ColumnElement, Engine, Select, TypeDecorator, func, select
from sqlmodel import Session

from shared_models.district_time import wall_clock
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value
from sync_server.core.db import read_session
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.supervision.district_calendar import district_tz
from sync_server.services.sync.records import ROWS, WIRE_FIELDS, wire_columns

BATCH_ROWS = 1000
"""Rows fetched and written per step of the stream."""

BOM = "\ufeff"

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """What one export will write: the table, its query and how many rows
    it holds now (for the audit log)."""

    table: TableName
    query: Select[Any]
    rows: int

    def stream(self, engine: Engine) -> Iterator[bytes]:
        """The file in pieces: header first, then one piece per batch of rows.

        Opens its own session: the request's session is closed before the
        response body is sent.
        """
        return _csv_stream(engine, self.table, self.query)


def plan_export(
    session: Session,
    scope: JurisdictionScope,
    table: TableName,
    include_deleted: bool,
    changed: tuple[datetime | None, datetime | None],
    org_unit_id: UUID | None,
) -> Export:
    """The rows of ``table`` in the caller's jurisdiction (below
    ``org_unit_id`` when given: ``NotInScopeError`` outside it), changed in the
    window ``changed``."""
    conditions = _conditions(session, scope, table, include_deleted, changed, org_unit_id)
    model: Any = ROWS[table]
    rows = session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()
    query = select(*wire_columns(table)).where(*conditions).order_by(model.version)
    return Export(table, query, int(rows))


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
    below = (
        None
        if org_unit_id is None
        else scope.units_within(session, org_unit_id, field="org_unit_id")
    )
    conditions: list[ColumnElement[bool]] = [scope.row_filter(table, model, below=below)]
    if not include_deleted:
        conditions.append(model.deleted.is_(False))
    since, before = changed
    if since is not None:
        conditions.append(model.updated_at >= _utc(since))
    if before is not None:
        conditions.append(model.updated_at < _utc(before))
    return conditions


def _utc(moment: datetime) -> datetime:
    """SQLite keeps UTC times without their zone, so compare in UTC (a time
    without a zone is taken as UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _csv_stream(engine: Engine, table: TableName, query: Select[Any]) -> Iterator[bytes]:
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
