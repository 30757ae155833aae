"""Liveness and readiness probes for load balancers and supervisors of the process."""

from fastapi import APIRouter

from shared_models.protocol.errors import ErrorCode
from sync_server.api.deps import SessionDep
from sync_server.core.db import ping
from sync_server.core.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep) -> dict[str, str]:
    """The database answers."""
    try:
        ping(session)
    except Exception as error:
        raise ApiError(503, ErrorCode.INTERNAL_ERROR, "the database is not reachable") from error
    return {"status": "ready"}
