"""Supervisors' calls: review a record, list and resolve conflicts."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from shared_models.domain.review import ConflictRecord, ConflictState, ReviewRecord
from shared_models.domain.types import MAX_SQL_INTEGER
from shared_models.protocol.errors import ErrorEnvelope
from shared_models.protocol.review import ConflictResolve, ReviewCreate
from shared_models.protocol.tables import TableName
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.services.supervision.conflicts import (
    MAX_LIST_LIMIT,
    ConflictQuery,
    list_conflicts,
    resolve_conflict,
)
from sync_server.services.supervision.review import create_review

router = APIRouter(prefix="/api/v1", tags=["review"])

_DENIED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "only supervisors and admins"},
    404: {"model": ErrorEnvelope, "description": "no such record in your jurisdiction"},
    422: {"model": ErrorEnvelope},
}


@router.post(
    "/reviews",
    status_code=201,
    responses={
        **_DENIED,
        200: {"model": ReviewRecord, "description": "the same review was posted before"},
        409: {"model": ErrorEnvelope, "description": "the id belongs to another review"},
    },
)
def post_review(
    body: ReviewCreate, caller: CallerDep, engine: EngineDep, response: Response
) -> ReviewRecord:
    """Record a verdict on a record; the devices owning the target pull it.

    Retrying with the same ``id`` and content returns the stored review (200).
    """
    now = datetime.now(UTC)
    with write_session(engine) as session:
        outcome = create_review(session, caller.scope, body, now)
        if outcome.created:
            append_audit(
                session,
                "review",
                now,
                actor_id=caller.user.id,
                device_id=caller.device_id,
                detail={
                    "review_id": str(outcome.review.id),
                    "target_table": str(outcome.review.target_table),
                    "target_id": str(outcome.review.target_id),
                },
            )
    if not outcome.created:
        response.status_code = 200
    return outcome.review


@router.get("/conflicts", responses={401: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}})
def get_conflicts(
    caller: CallerDep,
    session: SessionDep,
    state: ConflictState | None = None,
    table: TableName | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER)] = 0,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_SQL_INTEGER, description="version of the last conflict already seen"),
    ] = None,
) -> list[ConflictRecord]:
    """Conflicts in the caller's jurisdiction, oldest first.

    Every role may list them (they are pulled by the same devices anyway);
    only supervisors and admins resolve them.
    """
    query = ConflictQuery(state=state, table=table, limit=limit, offset=offset, after=after)
    return list_conflicts(session, caller.scope, query)


@router.post(
    "/conflicts/{conflict_id}/resolve",
    responses={
        **_DENIED,
        409: {
            "model": ErrorEnvelope,
            "description": "already resolved, or the overwritten value cannot be restored",
        },
    },
)
def post_resolve(
    conflict_id: UUID, body: ConflictResolve, caller: CallerDep, engine: EngineDep
) -> ConflictRecord:
    """Keep the current value, or write the overwritten one back as a new version."""
    now = datetime.now(UTC)
    with write_session(engine) as session:
        resolved = resolve_conflict(session, caller.scope, conflict_id, body.keep, now)
        append_audit(
            session,
            "resolve_conflict",
            now,
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={
                "conflict_id": str(conflict_id),
                "table": resolved.table_name,
                "record_id": str(resolved.record_id),
                "keep": str(body.keep),
            },
        )
    return resolved
