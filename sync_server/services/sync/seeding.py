"""Loading whole sets of records at once: the demo district, test fixtures,
benchmarks and imports. Versions and scope columns are assigned here exactly
as a push would, so loaded data syncs like any other."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlmodel import Session, SQLModel

from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value
from sync_server.core.security import hash_password
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import RowScope, Work
from sync_server.services.sync.records import ROWS, WIRE_FIELDS

_CHUNK = 1000


def _scope_lookup(session: Session, table: TableName, ids: Iterable[UUID]) -> dict[UUID, RowScope]:
    model: Any = ROWS[table]
    wanted = sorted(set(ids))
    found: dict[UUID, RowScope] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(model.id, model.scope_unit_id, model.scope_officer_id, model.scope_work).where(
                model.id.in_(chunk)
            )
        )
        for row in rows:
            found[row.id] = RowScope.of(row)
    return found


def _scopes(session: Session, table: TableName, records: Sequence[SQLModel]) -> list[RowScope]:
    items: list[Any] = list(records)
    if table is TableName.ORG_UNITS:
        return [RowScope(r.id, None, None) for r in items]
    if table is TableName.USERS:
        return [RowScope(r.org_unit_id, None, None) for r in items]
    if table is TableName.CASES:
        return [RowScope(r.org_unit_id, None, Work.MEDIATION) for r in items]
    if table is TableName.SUBJECTS:
        return [RowScope(r.org_unit_id, r.officer_id, Work.CORRECTION) for r in items]
    if table in (TableName.PARTIES, TableName.AGREEMENTS):
        cases = _scope_lookup(session, TableName.CASES, (r.case_id for r in items))
        return [cases[r.case_id] for r in items]
    if table is TableName.VISITS:
        cases = _scope_lookup(session, TableName.CASES, (r.case_id for r in items if r.case_id))
        subjects = _scope_lookup(
            session, TableName.SUBJECTS, (r.subject_id for r in items if r.subject_id)
        )
        return [cases[r.case_id] if r.case_id else subjects[r.subject_id] for r in items]
    if table is TableName.SUBJECT_EVENTS:
        subjects = _scope_lookup(session, TableName.SUBJECTS, (r.subject_id for r in items))
        return [subjects[r.subject_id] for r in items]
    raise ValueError(f"{table} is not loaded in bulk")


def load_records(
    session: Session,
    table: TableName,
    records: Sequence[SQLModel],
    created_by: UUID | None = None,
    password_hashes: dict[UUID, str] | None = None,
    server_columns: dict[UUID, dict[str, Any]] | None = None,
) -> int:
    """Insert ``records`` (wire records of ``table``) as new rows; returns the count.

    Owners must be loaded before what hangs off them (cases before parties).
    ``server_columns`` gives a record (by id) values of columns devices never
    see (a user's phone, ``must_change_password``): for every record or none,
    since the rows are inserted in one statement.
    """
    if not records:
        return 0
    now = datetime.now(UTC)
    versions = VersionBlock(session)
    versions.reserve(len(records))
    scopes = _scopes(session, table, records)
    model: Any = ROWS[table]
    names = [name for name in WIRE_FIELDS[table] if name not in ("version", "updated_at")]
    hashes = password_hashes or {}
    rows: list[dict[str, Any]] = []
    for record, (unit, officer, work) in zip(records, scopes, strict=True):
        version = versions.next()
        values = {name: getattr(record, name) for name in names}
        values = {
            k: to_json_value(v) if isinstance(v, list | dict | BaseModel) else v
            for k, v in values.items()
        }
        values.update(
            version=version,
            updated_at=now,
            created_by=values.get("created_by") or created_by,
            scope_unit_id=unit,
            scope_officer_id=officer,
            scope_work=work,
            field_versions=dict.fromkeys(names, version),
        )
        if table is TableName.USERS:
            values["password_hash"] = hashes.get(values["id"], "")
        if server_columns and values["id"] in server_columns:
            values.update(server_columns[values["id"]])
        rows.append(values)
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(model), rows[start : start + _CHUNK])
    return len(rows)


def shared_password_hashes(users: Iterable[Any], password: str) -> dict[UUID, str]:
    """One password for every user (the demo district and tests), hashed once."""
    digest = hash_password(password)
    return {user.id: digest for user in users}
