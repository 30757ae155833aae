"""The district's staff, for the desk's admin section: the list per office
with search, new accounts, names and phones, roles, moves. Who may do what
is in ``services/administration/authority.py``; resets, deactivation and
reactivation are in ``accounts.py`` (same prefix)."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from shared_models.protocol.administration import (
    RoleChange,
    StaffCreate,
    StaffCreated,
    StaffEdit,
    StaffMember,
    StaffMove,
    StaffPage,
)
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.api.routes.administration import RESPONSES, actor
from sync_server.core.db import write_session
from sync_server.services.administration import staff

router = APIRouter(prefix="/api/v1/admin/users", tags=["administration"])


@router.get("", responses=RESPONSES)
def list_users(
    caller: CallerDep,
    session: SessionDep,
    unit_id: Annotated[UUID | None, Query(description="only this unit's staff")] = None,
    q: Annotated[
        str,
        # No control characters: PostgreSQL cannot compare text holding a NUL.
        Query(
            max_length=64,
            pattern=r"^[^\x00-\x1f\x7f]*$",
            description="part of a name, username or phone",
        ),
    ] = "",
    include_inactive: bool = False,
    limit: Annotated[int, Query(ge=1, le=staff.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StaffPage:
    """Staff of your jurisdiction (admins: the district), by unit and name."""
    return staff.list_staff(session, caller.scope, unit_id, q, include_inactive, limit, offset)


@router.post("", status_code=201, responses=RESPONSES)
def create_user(body: StaffCreate, caller: CallerDep, engine: EngineDep) -> StaffCreated:
    """A new account (admins). Its one-time password is in the answer, once:
    hand it over in person; the first sign-in must choose a new password."""
    with write_session(engine) as session:
        return staff.create_staff(session, caller.scope, body, datetime.now(UTC), actor(caller))


@router.get("/{user_id}", responses=RESPONSES)
def get_user(user_id: UUID, caller: CallerDep, session: SessionDep) -> StaffMember:
    """One staff member of your jurisdiction."""
    return staff.visible_member(session, caller.scope, user_id)


@router.patch("/{user_id}", responses=RESPONSES)
def edit_user(user_id: UUID, body: StaffEdit, caller: CallerDep, engine: EngineDep) -> StaffMember:
    """Change a staff member's display name or phone."""
    with write_session(engine) as session:
        return staff.edit_staff(
            session, caller.scope, user_id, body, datetime.now(UTC), actor(caller)
        )


@router.post("/{user_id}/role", responses=RESPONSES)
def change_user_role(
    user_id: UUID, body: RoleChange, caller: CallerDep, engine: EngineDep
) -> StaffMember:
    """Another role (admins only); refused while cases or subjects are
    assigned to the user. Their devices resync at the next pull."""
    with write_session(engine) as session:
        return staff.change_role(
            session, caller.scope, user_id, body, datetime.now(UTC), actor(caller)
        )


@router.post("/{user_id}/move", responses=RESPONSES)
def move_user(user_id: UUID, body: StaffMove, caller: CallerDep, engine: EngineDep) -> StaffMember:
    """Place a staff member at another unit; refused while cases or subjects
    are assigned to them. Their devices drop the old unit's records at the
    next pull."""
    with write_session(engine) as session:
        return staff.move_staff(
            session, caller.scope, user_id, body, datetime.now(UTC), actor(caller)
        )
