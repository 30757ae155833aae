"""Account administration: reset a user's password, deactivate and reactivate
a user. Admins only (docs/security.md says why supervisors may not); the work
is in ``services/accounts/actions.py``, shared with the command line."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from shared_models.domain.org import Role
from shared_models.protocol.admin import AccountAction, PasswordReset
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.services.accounts.actions import Actor, reset_password, set_active
from sync_server.services.accounts.tokens import Caller

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "not an admin, or acting on oneself"},
    404: {"model": ErrorEnvelope, "description": "no such user"},
    422: {"model": ErrorEnvelope},
}


def _admin(caller: Caller) -> Actor:
    if caller.scope.role != Role.ADMIN:
        raise ApiError(403, ErrorCode.FORBIDDEN, "only an admin can act on accounts")
    return Actor(user_id=caller.user.id, device_id=caller.device_id)


@router.post("/{user_id}/reset-password", responses=RESPONSES)
def reset(
    user_id: UUID, body: AccountAction, caller: CallerDep, engine: EngineDep
) -> PasswordReset:
    """A one-time password for the user, shown once: every device of the user
    is signed out, and the first sign-in with it must choose a new password."""
    actor = _admin(caller)
    with write_session(engine) as session:
        one_time = reset_password(session, user_id, body.reason, datetime.now(UTC), actor)
    return PasswordReset(one_time_password=one_time)


@router.post("/{user_id}/deactivate", status_code=204, responses=RESPONSES)
def deactivate(user_id: UUID, body: AccountAction, caller: CallerDep, engine: EngineDep) -> None:
    """The user can no longer sign in, and every token of theirs ends now.
    Unsynced work on their devices stays there until a sign-in after reactivation."""
    actor = _admin(caller)
    with write_session(engine) as session:
        set_active(session, user_id, False, body.reason, datetime.now(UTC), actor)


@router.post("/{user_id}/reactivate", status_code=204, responses=RESPONSES)
def reactivate(user_id: UUID, body: AccountAction, caller: CallerDep, engine: EngineDep) -> None:
    """The user can sign in again; tokens ended by the deactivation stay ended."""
    actor = _admin(caller)
    with write_session(engine) as session:
        set_active(session, user_id, True, body.reason, datetime.now(UTC), actor)
