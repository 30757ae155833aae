"""Transfers of cases and subjects between units, mediators and officers
(district supervisors and admins); the work is in ``services/accounts/transfers.py``,
shared with the command line."""

from datetime import UTC, datetime

from fastapi import APIRouter

from shared_models.protocol.errors import ErrorEnvelope
from shared_models.protocol.transfers import TransferCreate, TransferDone
from sync_server.api.deps import CallerDep, EngineDep
from sync_server.core.db import write_session
from sync_server.services.accounts.transfers import transfer

router = APIRouter(prefix="/api/v1", tags=["transfers"])


@router.post(
    "/transfers",
    responses={
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope, "description": "only district supervisors and admins"},
        404: {"model": ErrorEnvelope, "description": "no such record in your jurisdiction"},
        422: {"model": ErrorEnvelope, "description": "a unit or person that does not fit"},
    },
)
def post_transfer(body: TransferCreate, caller: CallerDep, engine: EngineDep) -> TransferDone:
    """Move a case or a subject, with everything that hangs off it, to another
    unit and mediator or officer. Sending the same transfer again changes
    nothing (``moved`` 0). The old jurisdiction's devices drop the records at
    their next pull; the new one's receive them."""
    with write_session(engine) as session:
        return transfer(session, caller.scope, body, datetime.now(UTC), caller.device_id)
