"""Community correction on the desk: the district's settings, the requests
waiting for a supervisor's decision, the decision, a subject's timeline.
The work is in ``services/correction/``; officers record events through
the ordinary push, and pull the decisions like any record."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from shared_models.correction.settings import CorrectionSettings
from shared_models.protocol.correction import DecisionCreate, DecisionDone, Timeline, WaitingList
from shared_models.protocol.errors import ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.core.db import write_session
from sync_server.services.accounts.actions import Actor
from sync_server.services.correction.decisions import DecisionContext, decide
from sync_server.services.correction.queries import timeline, waiting_requests
from sync_server.services.correction.settings import change_settings, district_settings
from sync_server.services.supervision.district_calendar import district_today, district_tz

router = APIRouter(prefix="/api/v1/correction", tags=["correction"])

_DENIED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "not a deciding supervisor"},
    404: {"model": ErrorEnvelope, "description": "no such record in your jurisdiction"},
    422: {"model": ErrorEnvelope},
}


@router.get("/settings", responses={401: {"model": ErrorEnvelope}})
def get_settings(caller: CallerDep, session: SessionDep) -> CorrectionSettings:
    """The district's correction settings (intervals per level, leave limits,
    retention): devices fetch them to check limits and count due dates offline."""
    return district_settings(session)


@router.put("/settings", responses=_DENIED)
def put_settings(
    body: CorrectionSettings, caller: CallerDep, engine: EngineDep
) -> CorrectionSettings:
    """Change the settings (an admin or a district supervisor; audited)."""
    actor = Actor(user_id=caller.user.id, device_id=caller.device_id)
    with write_session(engine) as session:
        return change_settings(session, caller.scope, body, datetime.now(UTC), actor)


@router.get("/requests/waiting", responses=_DENIED)
def get_waiting(
    caller: CallerDep,
    session: SessionDep,
    office_id: Annotated[UUID | None, Query()] = None,
) -> WaitingList:
    """The requests (leave, level changes, changes of residence, rewards and
    sanctions) waiting for the caller's decision: an office head's those of
    the office, a district supervisor's those the offices approved and the
    district decides. Oldest first."""
    return waiting_requests(session, caller.scope, district_settings(session), office_id)


@router.post(
    "/requests/{request_id}/decision",
    status_code=201,
    responses={
        **_DENIED,
        409: {
            "model": ErrorEnvelope,
            "description": "ALREADY_DECIDED (at this level or finally) or SUBJECT_CLOSED",
        },
    },
)
def post_decision(
    request_id: UUID, body: DecisionCreate, caller: CallerDep, engine: EngineDep
) -> DecisionDone:
    """Approve or refuse (with the reason) the request at the caller's level.
    The decision is a record the officer's phone pulls at its next sync."""
    now = datetime.now(UTC)
    with write_session(engine) as session:
        context = DecisionContext(
            now, district_today(now), district_settings(session), caller.device_id
        )
        return decide(session, caller.scope, request_id, body, context)


@router.get("/subjects/{subject_id}/timeline", responses=_DENIED)
def get_timeline(subject_id: UUID, caller: CallerDep, session: SessionDep) -> Timeline:
    """A subject's whole record in time order, the state of each request,
    what is due and the warnings given."""
    now = datetime.now(UTC)
    return timeline(
        session,
        caller.scope,
        subject_id,
        district_settings(session),
        district_today(now),
        district_tz(),
    )
