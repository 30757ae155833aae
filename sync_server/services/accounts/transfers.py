"""Transfers: moving a case or a subject to another unit, mediator or
officer. A district decision (district supervisors and admins), with a
reason, written to the audit chain; never a field edit in a push
(``services/sync/placement.py`` refuses those).

The record and everything hanging off it take the new scope in one
transaction (``rescope_dependents``), and ``scope_exits`` rows tell the old
jurisdiction's devices to drop them at their next pull, while the new
jurisdiction's devices receive them as changes.
"""

from datetime import datetime
from typing import Any

from pydantic import JsonValue, ValidationError
from sqlmodel import Session

from shared_models.domain.org import OrgUnitKind, Role
from shared_models.problems import problem_message
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TABLES, TableName
from shared_models.protocol.transfers import TransferCreate, TransferDone, TransferTable
from shared_models.wire import to_json_value
from sync_server.core.audit import append_audit
from sync_server.core.errors import ApiError
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope, RowScope
from sync_server.services.sync.placement import works_there
from sync_server.services.sync.records import WRITABLE_FIELDS, row_to_wire
from sync_server.services.sync.rescope import move_row, owner_scope, rescope_dependents
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import OrgUnitRow

_PERSON_FIELD = {TransferTable.CASES: "mediator_id", TransferTable.SUBJECTS: "officer_id"}
"""The field naming who works on a record of each table."""


def may_transfer(session: Session, scope: JurisdictionScope) -> bool:
    """Admins, and supervisors who sit at the district."""
    if scope.role is Role.ADMIN:
        return True
    unit = session.get(OrgUnitRow, scope.unit_id)
    return scope.role is Role.SUPERVISOR and unit is not None and unit.kind == OrgUnitKind.DISTRICT


def transfer(
    session: Session,
    scope: JurisdictionScope,
    request: TransferCreate,
    now: datetime,
    device_id: str | None,
) -> TransferDone:
    """Move the record in the caller's transaction and audit it; the caller commits."""
    if not may_transfer(session, scope):
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            "moving a case or a subject is a district supervisor's or an admin's decision",
        )
    table = TableName(request.table.value)
    person = _PERSON_FIELD[request.table]
    other = "officer_id" if person == "mediator_id" else "mediator_id"
    if getattr(request, other) is not None:
        raise _invalid(other, f"a {table.value[:-1]} has no {other}")
    versions = VersionBlock(session)
    versions.reserve(16)
    workspace = Workspace(session)
    row: Any = scope.reveal(workspace.get(table, request.record_id), live=True, field="record_id")
    unit = workspace.get(TableName.ORG_UNITS, request.org_unit_id)
    if unit is None or unit.deleted or request.org_unit_id not in scope.unit_ids:
        raise _invalid("org_unit_id", "there is no such org unit in your jurisdiction")
    wire = row_to_wire(table, row)
    values = {name: wire[name] for name in WRITABLE_FIELDS[table]}
    values["org_unit_id"] = str(request.org_unit_id)
    values[person] = None if getattr(request, person) is None else str(getattr(request, person))
    try:
        validated: Any = TABLES[table].fields.model_validate(values)
    except ValidationError as error:
        raise _invalid(None, problem_message(error.errors()[0])) from None
    try:
        new_scope = owner_scope(workspace, table, validated)
    except LookupError as missing:
        raise _invalid(str(missing.args[0]), "names no such record") from None
    person_id = getattr(validated, person)
    if person_id is not None and not works_there(workspace, person, person_id, new_scope):
        raise _invalid(person, f"{person} names someone who does not work at org_unit_id")
    old_scope = RowScope.of(row)
    changed = [
        name
        for name in ("org_unit_id", person)
        if to_json_value(getattr(validated, name)) != wire[name]
    ]
    moved = 0
    if changed:
        version = versions.next()
        for name in changed:
            setattr(row, name, getattr(validated, name))
        row.field_versions = {**row.field_versions, **dict.fromkeys(changed, version)}
        row.version = version
        row.updated_at = now
        if new_scope != old_scope:
            move_row(session, version, table, row, new_scope)
            moved = rescope_dependents(workspace, versions, table, row.id, new_scope, now)
        append_audit(
            session,
            "transfer",
            now,
            actor_id=scope.user_id,
            device_id=device_id,
            detail={
                "table": table.value,
                "record_id": str(row.id),
                "from_unit": str(old_scope.unit_id),
                "to_unit": str(request.org_unit_id),
                "from_person": None if wire[person] is None else str(wire[person]),
                "to_person": None if person_id is None else str(person_id),
                "moved": moved,
                "reason": request.reason,
            },
        )
        session.flush()
    return TransferDone(
        table=request.table,
        record_id=row.id,
        version=row.version,
        org_unit_id=request.org_unit_id,
        officer_id=validated.officer_id if person == "officer_id" else None,
        mediator_id=validated.mediator_id if person == "mediator_id" else None,
        moved=moved,
    )


def _invalid(field: str | None, message: str) -> ApiError:
    details: dict[str, JsonValue] | None = None if field is None else {"field": field}
    prefix = "" if field is None else f"{field}: "
    return ApiError(422, ErrorCode.VALIDATION_FAILED, prefix + message, details)
