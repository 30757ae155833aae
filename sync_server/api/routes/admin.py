"""Device administration: who is signed in where, and cutting a device off
(a lost or stolen phone). The work is in ``services/accounts/devices.py``, shared with
the command line."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query

from shared_models.domain.org import Role
from shared_models.protocol.admin import DeviceInfo
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.services.accounts.devices import UnknownDeviceError, list_devices, revoke_device

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get(
    "/admin/devices",
    responses={401: {"model": ErrorEnvelope}, 403: {"model": ErrorEnvelope}},
)
def devices(
    caller: CallerDep,
    session: SessionDep,
    user_id: Annotated[UUID | None, Query(description="only this user's devices")] = None,
) -> list[DeviceInfo]:
    """The devices of the users in the caller's jurisdiction (all, for an admin),
    so a supervisor can tell which phones still sync and ask an admin to revoke one."""
    if not caller.scope.supervises:
        raise ApiError(403, ErrorCode.FORBIDDEN, "only supervisors and admins see devices")
    found = list_devices(session, caller.scope)
    return found if user_id is None else [device for device in found if device.user_id == user_id]


@router.post(
    "/admin/devices/{device_id}/revoke",
    status_code=204,
    responses={
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope},
        404: {"model": ErrorEnvelope, "description": "no such device has signed in"},
    },
)
def revoke(
    device_id: Annotated[str, Path(min_length=1, max_length=128)],
    caller: CallerDep,
    engine: EngineDep,
) -> None:
    """Revoke every live token of a device; it fails from its next request on.
    Unsynced work stays on the device and is pushed after the user signs in again."""
    if caller.scope.role != Role.ADMIN:
        raise ApiError(403, ErrorCode.FORBIDDEN, "only an admin can revoke a device")
    now = datetime.now(UTC)
    try:
        with write_session(engine) as session:
            revoke_device(
                session, device_id, now, actor_id=caller.user.id, actor_device_id=caller.device_id
            )
    except UnknownDeviceError as unknown:
        raise ApiError(404, ErrorCode.NOT_FOUND, str(unknown)) from None
