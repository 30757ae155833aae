"""The district's staff: listing them per office, creating accounts,
changing names, phones, roles and where people work.

A user is a synced record (devices show names and roles), so each change of
the public profile takes the next version. A user placed at another unit or
given another role has another jurisdiction: their devices resync at the
next pull and drop what the new one may not hold (``JurisdictionScope.key``);
the user's own record leaves the old unit's devices through a scope exit.
Password resets, deactivation and reactivation are the account actions of
``services/accounts/actions.py``.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from shared_models.domain.cases import OPEN_CASE_STATUSES
from shared_models.domain.org import OrgUnitKind, Role, UserRecord
from shared_models.domain.subjects import SubjectStatus
from shared_models.protocol.administration import (
    RoleChange,
    StaffCreate,
    StaffCreated,
    StaffEdit,
    StaffMember,
    StaffMove,
    StaffPage,
)
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.errors import ApiError
from sync_server.core.security import hash_password, new_one_time_password
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.authority import (
    in_jurisdiction,
    require_admin,
    require_supervisory,
)
from sync_server.services.administration.org_tree import invalid
from sync_server.services.administration.values import CellValueError, read_phone
from sync_server.services.sync.seeding import load_records
from sync_server.tables import CaseRow, DeviceToken, OrgUnitRow, ScopeExit, SubjectRow, UserRow

MAX_PAGE = 200

WORKS_AT: dict[Role, frozenset[OrgUnitKind]] = {
    Role.MEDIATOR: frozenset({OrgUnitKind.COMMITTEE, OrgUnitKind.OFFICE}),
    Role.OFFICER: frozenset({OrgUnitKind.OFFICE}),
    Role.SUPERVISOR: frozenset({OrgUnitKind.OFFICE, OrgUnitKind.DISTRICT}),
    Role.ADMIN: frozenset({OrgUnitKind.DISTRICT}),
}
"""Where each role may be placed: mediators sit on a committee (or at the
office that mediates itself), officers at a judicial office, supervisors
at an office or the district, admins at the district."""


def _utc(at: datetime | None) -> datetime | None:
    """SQLite hands times back without their zone; they are stored in UTC."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)


def _members(session: Session, users: list[UserRow]) -> list[StaffMember]:
    if not users:
        return []
    ids = [user.id for user in users]
    units = {row.id: row.name for row in session.scalars(select(OrgUnitRow))}
    live = col(DeviceToken.revoked_at).is_(None)
    per_user = (
        select(
            col(DeviceToken.user_id),
            func.count(func.distinct(DeviceToken.device_id)).filter(live),
            func.max(DeviceToken.last_seen_at),
        )
        .where(col(DeviceToken.user_id).in_(ids))
        .group_by(col(DeviceToken.user_id))
    )
    devices: dict[UUID, int] = {}
    seen: dict[UUID, datetime] = {}
    for user_id, live_devices, last_seen in session.execute(per_user):
        devices[user_id] = live_devices
        seen[user_id] = last_seen
    return [
        StaffMember(
            id=user.id,
            version=user.version,
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            org_unit_id=user.org_unit_id,
            org_unit_name=units.get(user.org_unit_id, ""),
            phone=user.phone,
            active=user.active,
            must_change_password=user.must_change_password,
            devices=devices.get(user.id, 0),
            last_seen_at=_utc(seen.get(user.id)),
        )
        for user in users
    ]


def list_staff(
    session: Session,
    scope: JurisdictionScope,
    unit_id: UUID | None,
    search: str,
    include_inactive: bool,
    limit: int,
    offset: int,
) -> StaffPage:
    """Users of the caller's jurisdiction (all, for an admin), optionally of
    one unit, whose name or username contains ``search``; by unit, then name."""
    require_supervisory(scope, "see the staff list")
    query = select(UserRow).where(col(UserRow.deleted).is_(False))
    if scope.role is not Role.ADMIN:
        query = query.where(scope.row_filter(TableName.USERS, UserRow))
    if unit_id is not None:
        if not in_jurisdiction(scope, unit_id):
            raise ApiError(404, ErrorCode.NOT_FOUND, "no such unit in your jurisdiction")
        query = query.where(col(UserRow.org_unit_id) == unit_id)
    if not include_inactive:
        query = query.where(col(UserRow.active))
    wanted = search.strip().lower()
    if wanted:
        # autoescape: a % or _ typed into the search box is that character.
        query = query.where(
            or_(
                func.lower(UserRow.display_name).contains(wanted, autoescape=True),
                func.lower(UserRow.username).contains(wanted, autoescape=True),
                col(UserRow.phone).contains(wanted, autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(col(UserRow.org_unit_id), col(UserRow.display_name), col(UserRow.id))
    users = list(session.scalars(ordered.limit(min(limit, MAX_PAGE)).offset(offset)))
    return StaffPage(items=_members(session, users), total=total)


def member(session: Session, user_id: UUID) -> StaffMember:
    row = session.get(UserRow, user_id)
    if row is None or row.deleted:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no user {user_id}")
    return _members(session, [row])[0]


def visible_member(session: Session, scope: JurisdictionScope, user_id: UUID) -> StaffMember:
    """One user of the caller's jurisdiction (404 for anyone else's: no oracle)."""
    require_supervisory(scope, "see the staff list")
    row = session.get(UserRow, user_id)
    if row is None or row.deleted or not in_jurisdiction(scope, row.org_unit_id):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such user in your jurisdiction")
    return _members(session, [row])[0]


def check_placement(session: Session, role: Role, unit_id: UUID, field: str) -> OrgUnitRow:
    """The open unit ``unit_id`` if a ``role`` may work there."""
    unit = session.get(OrgUnitRow, unit_id)
    if unit is None or unit.deleted:
        raise invalid(field, "no such org unit")
    if unit.closed:
        raise invalid(field, f"{unit.name} is closed")
    if OrgUnitKind(unit.kind) not in WORKS_AT[role]:
        places = ", ".join(sorted(kind.value for kind in WORKS_AT[role]))
        raise invalid(field, f"a {role.value} works at a {places}, not a {unit.kind}")
    return unit


def normal_phone(value: str) -> str:
    try:
        return read_phone(value)
    except CellValueError as problem:
        raise invalid("phone", f"{problem.problem}; {problem.fix}") from None


def create_staff(
    session: Session, scope: JurisdictionScope, body: StaffCreate, now: datetime, actor: Actor
) -> StaffCreated:
    """A new account with a one-time password to change at first sign-in."""
    require_admin(scope, "create accounts")
    check_placement(session, body.role, body.org_unit_id, "org_unit_id")
    taken = select(col(UserRow.id)).where(col(UserRow.username) == body.username)
    if session.scalar(taken) is not None:
        raise invalid("username", f"{body.username} is taken")
    record = UserRecord(
        id=uuid4(),
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        org_unit_id=body.org_unit_id,
        created_by=actor.user_id,
    )
    one_time = new_one_time_password()
    load_records(
        session,
        TableName.USERS,
        [record],
        password_hashes={record.id: hash_password(one_time)},
        server_columns={
            record.id: {"must_change_password": True, "phone": normal_phone(body.phone)}
        },
    )
    actor.audit(
        session,
        "user_created",
        now,
        {"user_id": str(record.id), "role": body.role.value, "reason": body.reason},
    )
    session.flush()
    return StaffCreated(member=member(session, record.id), one_time_password=one_time)


def _target(session: Session, scope: JurisdictionScope, user_id: UUID) -> UserRow:
    """The user, locked, if in the caller's jurisdiction (404 otherwise: no oracle)."""
    row = session.get(UserRow, user_id, with_for_update=True)
    if row is None or row.deleted or not in_jurisdiction(scope, row.org_unit_id):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such user in your jurisdiction")
    return row


def _touch(row: UserRow, changed: list[str], versions: VersionBlock, now: datetime) -> None:
    version = versions.next()
    row.field_versions = {**row.field_versions, **dict.fromkeys(changed, version)}
    row.version = version
    row.updated_at = now


def edit_staff(
    session: Session,
    scope: JurisdictionScope,
    user_id: UUID,
    body: StaffEdit,
    now: datetime,
    actor: Actor,
) -> StaffMember:
    """Change a user's display name or phone (supervisors within their jurisdiction)."""
    require_supervisory(scope, "edit staff")
    row = _target(session, scope, user_id)
    changed: list[str] = []
    if body.display_name is not None and body.display_name != row.display_name:
        row.display_name = body.display_name
        _touch(row, ["display_name"], VersionBlock(session), now)  # synced: a new version
        changed.append("display_name")
    if body.phone is not None and normal_phone(body.phone) != row.phone:
        row.phone = normal_phone(body.phone)  # server-only: no version needed
        changed.append("phone")
    if changed:
        actor.audit(
            session,
            "user_edited",
            now,
            {"user_id": str(user_id), "fields": changed, "reason": body.reason},
        )
        session.flush()
    return member(session, user_id)


def _still_responsible(session: Session, user: UserRow) -> str | None:
    """What work is still assigned to ``user`` (open cases, supervised
    subjects), which must be transferred before they change role or office."""
    cases = session.scalar(
        select(func.count())
        .select_from(CaseRow)
        .where(
            col(CaseRow.mediator_id) == user.id,
            col(CaseRow.deleted).is_(False),
            col(CaseRow.status).in_(sorted(OPEN_CASE_STATUSES)),
        )
    )
    subjects = session.scalar(
        select(func.count())
        .select_from(SubjectRow)
        .where(
            col(SubjectRow.officer_id) == user.id,
            col(SubjectRow.deleted).is_(False),
            col(SubjectRow.status) == SubjectStatus.UNDER_SUPERVISION,
        )
    )
    if cases or subjects:
        return f"{cases} open cases and {subjects} supervised subjects are assigned to them"
    return None


def change_role(
    session: Session,
    scope: JurisdictionScope,
    user_id: UUID,
    body: RoleChange,
    now: datetime,
    actor: Actor,
) -> StaffMember:
    """Give a user another role (admins only); their devices resync."""
    require_admin(scope, "change roles")
    if user_id == scope.user_id:
        raise ApiError(403, ErrorCode.FORBIDDEN, "an admin cannot change their own role")
    row = _target(session, scope, user_id)
    old = Role(row.role)
    if old is not body.role:
        check_placement(session, body.role, row.org_unit_id, "role")
        busy = _still_responsible(session, row)
        if busy is not None:
            raise invalid("role", f"{busy}; transfer them first")
        row.role = body.role
        _touch(row, ["role"], VersionBlock(session), now)
        actor.audit(
            session,
            "user_role_changed",
            now,
            {
                "user_id": str(user_id),
                "from": old.value,
                "to": body.role.value,
                "reason": body.reason,
            },
        )
        session.flush()
    return member(session, user_id)


def move_staff(
    session: Session,
    scope: JurisdictionScope,
    user_id: UUID,
    body: StaffMove,
    now: datetime,
    actor: Actor,
) -> StaffMember:
    """Place a user at another unit. Supervisors move mediators and officers
    within their jurisdiction; admins anyone (but themselves)."""
    require_supervisory(scope, "move staff")
    if user_id == scope.user_id:
        raise ApiError(403, ErrorCode.FORBIDDEN, "nobody moves themselves")
    row = _target(session, scope, user_id)
    role = Role(row.role)
    if scope.role is not Role.ADMIN and role not in (Role.MEDIATOR, Role.OFFICER):
        raise ApiError(403, ErrorCode.FORBIDDEN, "only an admin moves supervisors and admins")
    if not in_jurisdiction(scope, body.org_unit_id):
        raise invalid("org_unit_id", "no such unit in your jurisdiction")
    if row.org_unit_id == body.org_unit_id:
        return member(session, user_id)
    check_placement(session, role, body.org_unit_id, "org_unit_id")
    busy = _still_responsible(session, row)
    if busy is not None:
        raise invalid("org_unit_id", f"{busy}; transfer them first")
    old_unit = row.org_unit_id
    versions = VersionBlock(session)
    _touch(row, ["org_unit_id"], versions, now)
    row.org_unit_id = body.org_unit_id
    row.scope_unit_id = body.org_unit_id
    session.add(
        ScopeExit(
            version=row.version,
            table_name=TableName.USERS,
            record_id=row.id,
            old_unit_id=old_unit,
            old_officer_id=None,
        )
    )
    actor.audit(
        session,
        "user_moved",
        now,
        {
            "user_id": str(user_id),
            "from_unit": str(old_unit),
            "to_unit": str(body.org_unit_id),
            "reason": body.reason,
        },
    )
    session.flush()
    return member(session, user_id)
