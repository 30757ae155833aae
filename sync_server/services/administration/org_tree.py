"""The organisation as a tree: district → judicial office (司法所) →
mediation committee (调委会). Units are created, renamed, moved and closed,
never deleted: cases, subjects and users point to them.

Org units are synced records (every device pulls the tree), so each change
takes the next version like any server-side edit and reaches devices at
their next pull. Moving a unit changes whose jurisdiction everything below
it is in: every record there takes a new version (the new office's devices
receive it) and a scope exit naming the old parent (the old office's
devices drop it), as a transfer does for one record.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlmodel import Session, col

from shared_models.domain import org
from shared_models.domain.case_numbers import unit_short_name
from shared_models.domain.org import OrgUnitKind, OrgUnitRecord
from shared_models.protocol.administration import (
    OrgUnitAdmin,
    OrgUnitCreate,
    OrgUnitEdit,
    OrgUnitMove,
)
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.errors import ApiError
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.authority import (
    in_jurisdiction,
    require_district,
    require_supervisory,
)
from sync_server.services.administration.number_prefixes import prefix_holder
from sync_server.services.administration.values import CellValueError, read_phone
from sync_server.services.sync.records import ROWS
from sync_server.services.sync.seeding import load_records
from sync_server.tables import OrgUnitRow, ScopeExit, UserRow

PARENT_KIND: dict[OrgUnitKind, OrgUnitKind | None] = {
    OrgUnitKind.DISTRICT: None,
    OrgUnitKind.OFFICE: OrgUnitKind.DISTRICT,
    OrgUnitKind.COMMITTEE: OrgUnitKind.OFFICE,
}
"""The kind of unit each kind sits under."""

_DETAILS = ("name", "short_name", "code", "address", "contact_person", "contact_phone")


def invalid(field: str, message: str) -> ApiError:
    """``422 VALIDATION_FAILED`` naming the field."""
    return ApiError(422, ErrorCode.VALIDATION_FAILED, f"{field}: {message}", {"field": field})


def staff_counts(session: Session) -> dict[UUID, int]:
    """Active users per unit."""
    query = (
        select(col(UserRow.org_unit_id), func.count())
        .where(col(UserRow.active), col(UserRow.deleted).is_(False))
        .group_by(col(UserRow.org_unit_id))
    )
    return {row[0]: row[1] for row in session.execute(query)}


def view(row: OrgUnitRow, active_staff: int) -> OrgUnitAdmin:
    return OrgUnitAdmin(
        id=row.id,
        version=row.version,
        kind=OrgUnitKind(row.kind),
        parent_id=row.parent_id,
        name=row.name,
        short_name=row.short_name,
        code=row.code,
        address=row.address,
        contact_person=row.contact_person,
        contact_phone=row.contact_phone,
        closed=row.closed,
        active_staff=active_staff,
    )


def list_units(session: Session, scope: JurisdictionScope) -> list[OrgUnitAdmin]:
    """The units of the caller's jurisdiction, parents before children
    (district, then offices by code, each followed by its committees)."""
    require_supervisory(scope, "see the organisation's administration")
    rows = [
        row
        for row in session.scalars(select(OrgUnitRow).where(col(OrgUnitRow.deleted).is_(False)))
        if in_jurisdiction(scope, row.id)
    ]
    counts = staff_counts(session)
    children: dict[UUID | None, list[OrgUnitRow]] = {}
    ids = {row.id for row in rows}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[OrgUnitAdmin] = []
    pending = sorted(children.get(None, []), key=lambda r: (r.code, r.name), reverse=True)
    while pending:
        row = pending.pop()
        ordered.append(view(row, counts.get(row.id, 0)))
        below = sorted(children.get(row.id, []), key=lambda r: (r.code, r.name), reverse=True)
        pending.extend(below)
    return ordered


def _unit(session: Session, unit_id: UUID, field: str = "unit_id") -> OrgUnitRow:
    row = session.get(OrgUnitRow, unit_id, with_for_update=True)
    if row is None or row.deleted:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no org unit {unit_id}", {"field": field})
    return row


def _phone(value: str, field: str) -> str:
    try:
        return read_phone(value)
    except CellValueError as problem:
        raise invalid(field, f"{problem.problem}; {problem.fix}") from None


def check_code_free(session: Session, code: str, unit_id: UUID | None = None) -> None:
    """A unit's code is unique in the district: imports and exports match on it."""
    query = select(col(OrgUnitRow.id)).where(col(OrgUnitRow.code) == code)
    if unit_id is not None:
        query = query.where(col(OrgUnitRow.id) != unit_id)
    if session.scalar(query.limit(1)) is not None:
        raise invalid("code", f"another unit already has the code {code!r}")


def check_prefix_free(
    session: Session, short_name: str, name: str, unit_id: UUID | None = None
) -> None:
    """A unit's case-number prefix is its own (``number_prefixes``)."""
    prefix = unit_short_name(short_name, name)
    holder = prefix_holder(session, prefix, unit_id)
    if holder is not None:
        taken = holder.unit_name or f"the case {holder.case_number}"
        raise invalid(
            "short_name" if short_name.strip() else "name",
            f"{prefix!r} is already in the case numbers of {taken}: "
            "each unit's case numbers need a short name of their own",
        )


def _check_parent(session: Session, kind: OrgUnitKind, parent_id: UUID) -> OrgUnitRow:
    parent = session.get(OrgUnitRow, parent_id)
    wanted = PARENT_KIND[kind]
    if parent is None or parent.deleted:
        raise invalid("parent_id", "no such org unit")
    if wanted is None or parent.kind != wanted:
        raise invalid("parent_id", f"a {kind.value} sits under a {wanted}, not a {parent.kind}")
    if parent.closed:
        raise invalid("parent_id", f"{parent.name} is closed")
    return parent


def create_unit(
    session: Session, scope: JurisdictionScope, body: OrgUnitCreate, now: datetime, actor: Actor
) -> OrgUnitAdmin:
    """A new office or committee; the caller commits."""
    require_district(session, scope, "change the organisation")
    if body.kind is OrgUnitKind.DISTRICT:
        raise invalid("kind", "a district is created by `lastmile admin init`, once")
    _check_parent(session, body.kind, body.parent_id)
    check_code_free(session, body.code)
    check_prefix_free(session, body.short_name, body.name)
    record = OrgUnitRecord(
        id=uuid4(),
        kind=body.kind,
        parent_id=body.parent_id,
        name=body.name,
        short_name=body.short_name,
        code=body.code,
        address=body.address,
        contact_person=body.contact_person,
        contact_phone=_phone(body.contact_phone, "contact_phone"),
        created_by=actor.user_id,
    )
    load_records(session, TableName.ORG_UNITS, [record])
    actor.audit(
        session,
        "org_unit_created",
        now,
        {"unit_id": str(record.id), "parent_id": str(body.parent_id), "reason": body.reason},
    )
    row = session.get(OrgUnitRow, record.id)
    assert row is not None  # inserted just above
    return view(row, 0)


def _touch(row: Any, changed: Iterable[str], version: int, now: datetime) -> None:
    """Mark ``changed`` fields of a synced row as changed at ``version``."""
    row.field_versions = {**row.field_versions, **dict.fromkeys(changed, version)}
    row.version = version
    row.updated_at = now


def edit_unit(
    session: Session,
    scope: JurisdictionScope,
    unit_id: UUID,
    body: OrgUnitEdit,
    now: datetime,
    actor: Actor,
) -> OrgUnitAdmin:
    """Rename a unit or change its details; the caller commits."""
    require_district(session, scope, "change the organisation")
    row = _unit(session, unit_id)
    wanted = body.model_dump(include=set(_DETAILS), exclude_none=True)
    if "contact_phone" in wanted:
        wanted["contact_phone"] = _phone(wanted["contact_phone"], "contact_phone")
    if "code" in wanted:
        check_code_free(session, wanted["code"], unit_id)
    new_short, new_name = wanted.get("short_name", row.short_name), wanted.get("name", row.name)
    if unit_short_name(new_short, new_name) != unit_short_name(row.short_name, row.name):
        check_prefix_free(session, new_short, new_name, unit_id)
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, wanted[name])
        _touch(row, changed, VersionBlock(session).next(), now)
        actor.audit(
            session,
            "org_unit_edited",
            now,
            {"unit_id": str(unit_id), "fields": changed, "reason": body.reason},
        )
        session.flush()
    return view(row, staff_counts(session).get(row.id, 0))


def move_unit(
    session: Session,
    scope: JurisdictionScope,
    unit_id: UUID,
    body: OrgUnitMove,
    now: datetime,
    actor: Actor,
) -> OrgUnitAdmin:
    """Put a unit under another parent, with everything in its jurisdiction
    (see the module's description); the caller commits."""
    require_district(session, scope, "change the organisation")
    row = _unit(session, unit_id)
    kind = OrgUnitKind(row.kind)
    if kind is OrgUnitKind.DISTRICT:
        raise invalid("unit_id", "the district is the root of the tree")
    _check_parent(session, kind, body.parent_id)
    old_parent = row.parent_id
    if old_parent == body.parent_id:
        return view(row, staff_counts(session).get(row.id, 0))
    versions = VersionBlock(session)
    _touch(row, ["parent_id"], versions.next(), now)
    row.parent_id = body.parent_id
    edges = [
        (u, p) for u, p in session.execute(select(col(OrgUnitRow.id), col(OrgUnitRow.parent_id)))
    ]
    moved = _announce_move(session, versions, org.units_below(edges, unit_id), old_parent, now)
    actor.audit(
        session,
        "org_unit_moved",
        now,
        {
            "unit_id": str(unit_id),
            "from_parent": str(old_parent),
            "to_parent": str(body.parent_id),
            "records": moved,
            "reason": body.reason,
        },
    )
    session.flush()
    return view(row, staff_counts(session).get(row.id, 0))


def _announce_move(
    session: Session,
    versions: VersionBlock,
    units: frozenset[UUID],
    old_parent: UUID | None,
    now: datetime,
) -> int:
    """New versions for every record placed in ``units`` (their new
    jurisdiction receives them) and scope exits naming ``old_parent`` (its
    devices drop them). Org units themselves are public: only the moved one
    changed."""
    moved = 0
    for table, model in ROWS.items():
        if table is TableName.ORG_UNITS:
            continue
        stored: Any = model
        placed = select(model).where(col(stored.scope_unit_id).in_(sorted(units)))
        row: Any
        for row in session.scalars(placed):
            version = versions.next()
            session.add(
                ScopeExit(
                    version=version,
                    table_name=table,
                    record_id=row.id,
                    old_unit_id=old_parent,
                    old_officer_id=None,
                )
            )
            row.version = version
            row.updated_at = now
            moved += 1
    return moved


def set_closed(
    session: Session,
    scope: JurisdictionScope,
    unit_id: UUID,
    closed: bool,
    reason: str,
    now: datetime,
    actor: Actor,
) -> OrgUnitAdmin:
    """Close a unit (it keeps its records; no new staff, cases or subjects go
    there) or reopen it. A unit with active staff or open units below it
    cannot close: move or deactivate them first. The caller commits."""
    require_district(session, scope, "change the organisation")
    row = _unit(session, unit_id)
    counts = staff_counts(session)
    if closed and not row.closed:
        if row.kind == OrgUnitKind.DISTRICT:
            raise invalid("unit_id", "the district cannot close")
        if counts.get(unit_id, 0):
            raise invalid("unit_id", f"{counts[unit_id]} active staff work here; move them first")
        open_below = session.scalar(
            select(func.count())
            .select_from(OrgUnitRow)
            .where(col(OrgUnitRow.parent_id) == unit_id, col(OrgUnitRow.closed).is_(False))
        )
        if open_below:
            raise invalid("unit_id", f"{open_below} open units sit under it; close them first")
    if not closed and row.closed and row.parent_id is not None:
        parent = session.get(OrgUnitRow, row.parent_id)
        if parent is not None and parent.closed:
            raise invalid("unit_id", f"{parent.name} above it is closed; reopen that first")
    if row.closed != closed:
        row.closed = closed
        _touch(row, ["closed"], VersionBlock(session).next(), now)
        actor.audit(
            session,
            "org_unit_closed" if closed else "org_unit_reopened",
            now,
            {"unit_id": str(unit_id), "reason": reason},
        )
        session.flush()
    return view(row, counts.get(row.id, 0))
