"""Liveness and readiness probes for load balancers and supervisors of the process.

``/healthz`` answers while the process can answer at all (a supervisor
restarts it otherwise); ``/readyz`` only while the database and the blob
store can be used (a load balancer sends it no devices otherwise). Both
are open to anyone and say nothing but which part is not reachable.
"""

from fastapi import APIRouter
from pydantic import JsonValue

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import SessionDep
from sync_server.api.routes.blobs import BlobStoreDep
from sync_server.core.db import ping
from sync_server.core.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": ErrorEnvelope}})
def readyz(session: SessionDep, blobs: BlobStoreDep) -> dict[str, str]:
    """The database answers and the blob store can be used."""
    parts: dict[str, JsonValue] = {"database": "ok", "blobs": "ok"}
    try:
        ping(session)
    except Exception:  # whatever the driver raises: not ready, and no 5xx of our own
        parts["database"] = "unreachable"
    try:
        blobs.ready()
    except Exception:  # a store's own error or its client's (a network failure)
        parts["blobs"] = "unreachable"
    if "unreachable" in parts.values():
        raise ApiError(503, ErrorCode.INTERNAL_ERROR, "not ready", parts)
    return {"status": "ready"}
