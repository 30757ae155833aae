"""The district and its org tree, for the desk's admin section. Reading is
for supervisors and admins (office supervisors see their own office);
changing the tree for admins and district supervisors. The work is in
``services/administration/``, shared with the command line."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from shared_models.protocol.admin import AccountAction
from shared_models.protocol.administration import (
    DistrictInfo,
    OrgUnitAdmin,
    OrgUnitCreate,
    OrgUnitEdit,
    OrgUnitMove,
)
from shared_models.protocol.errors import ErrorEnvelope
from sync_server.api.deps import (
    CallerDep,
    EngineDep,
    ScopeCacheDep,
    SessionDep,
    SettingsDep,
)
from sync_server.core.db import write_session
from sync_server.services.accounts.actions import Actor
from sync_server.services.accounts.tokens import Caller
from sync_server.services.administration import org_tree
from sync_server.services.administration.district import district_info

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "not allowed for your role or level"},
    404: {"model": ErrorEnvelope, "description": "no such unit"},
    422: {"model": ErrorEnvelope, "description": "a field that does not fit, named"},
}


def actor(caller: Caller) -> Actor:
    """The signed-in user acting, for the audit chain."""
    return Actor(user_id=caller.user.id, device_id=caller.device_id)


@router.get("/district", responses=RESPONSES)
def get_district(caller: CallerDep, session: SessionDep, settings: SettingsDep) -> DistrictInfo:
    """The district this server serves: name, code, clock, signing key id."""
    return district_info(session, caller.scope, settings)


@router.get("/org-units", responses=RESPONSES)
def list_org_units(caller: CallerDep, session: SessionDep) -> list[OrgUnitAdmin]:
    """The units of your jurisdiction, closed ones included, each parent
    before its children, with how many active staff work at each."""
    return org_tree.list_units(session, caller.scope)


@router.post("/org-units", status_code=201, responses=RESPONSES)
def create_org_unit(
    body: OrgUnitCreate, caller: CallerDep, engine: EngineDep, scopes: ScopeCacheDep
) -> OrgUnitAdmin:
    """A new office (under the district) or committee (under an office).
    Devices receive it at their next pull."""
    with write_session(engine) as session:
        created = org_tree.create_unit(
            session, caller.scope, body, datetime.now(UTC), actor(caller)
        )
    scopes.forget_all()  # the jurisdictions above it grew
    return created


@router.patch("/org-units/{unit_id}", responses=RESPONSES)
def edit_org_unit(
    unit_id: UUID, body: OrgUnitEdit, caller: CallerDep, engine: EngineDep
) -> OrgUnitAdmin:
    """Rename a unit or change its short name, code, address or contact."""
    with write_session(engine) as session:
        return org_tree.edit_unit(
            session, caller.scope, unit_id, body, datetime.now(UTC), actor(caller)
        )


@router.post("/org-units/{unit_id}/move", responses=RESPONSES)
def move_org_unit(
    unit_id: UUID, body: OrgUnitMove, caller: CallerDep, engine: EngineDep, scopes: ScopeCacheDep
) -> OrgUnitAdmin:
    """Put a committee under another office, with everything placed there:
    the old office's devices drop those records at their next pull, the new
    office's receive them."""
    with write_session(engine) as session:
        moved = org_tree.move_unit(
            session, caller.scope, unit_id, body, datetime.now(UTC), actor(caller)
        )
    scopes.forget_all()  # two offices' jurisdictions changed
    return moved


@router.post("/org-units/{unit_id}/close", responses=RESPONSES)
def close_org_unit(
    unit_id: UUID, body: AccountAction, caller: CallerDep, engine: EngineDep
) -> OrgUnitAdmin:
    """Close a unit: it keeps its records, takes no new staff, cases or
    subjects. Refused while active staff or open units are under it."""
    with write_session(engine) as session:
        return org_tree.set_closed(
            session, caller.scope, unit_id, True, body.reason, datetime.now(UTC), actor(caller)
        )


@router.post("/org-units/{unit_id}/reopen", responses=RESPONSES)
def reopen_org_unit(
    unit_id: UUID, body: AccountAction, caller: CallerDep, engine: EngineDep
) -> OrgUnitAdmin:
    """Reopen a closed unit (its parent must be open)."""
    with write_session(engine) as session:
        return org_tree.set_closed(
            session, caller.scope, unit_id, False, body.reason, datetime.now(UTC), actor(caller)
        )
