"""Community correction on the desk: the district's settings, the requests
waiting for a supervisor's decision, the decision, a subject's timeline,
and the printed records (an announcement's record, the release
certificate). The work is in ``services/correction/``; officers record
events through the ordinary push, and pull the decisions like any record."""

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import Engine

from shared_models.correction.settings import CorrectionSettings
from shared_models.protocol.correction import DecisionCreate, DecisionDone, Timeline, WaitingList
from shared_models.protocol.errors import ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep, SessionDep
from sync_server.api.routes.blobs import BlobStoreDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.services.accounts.actions import Actor
from sync_server.services.accounts.tokens import Caller
from sync_server.services.correction.decisions import DecisionContext, decide
from sync_server.services.correction.printing import (
    PrintedRecord,
    print_announcement,
    print_release_certificate,
)
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


_PRINTED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}},
    401: {"model": ErrorEnvelope},
    404: {"model": ErrorEnvelope, "description": "no such record in your jurisdiction"},
    409: {
        "model": ErrorEnvelope,
        "description": "UNKNOWN_REFERENCE: the subject's signature is not on the server yet",
    },
    422: {"model": ErrorEnvelope, "description": "the event has no such document"},
}


def _handed_out(
    engine: Engine, caller: Caller, printed: PrintedRecord, what: str, event_id: UUID
) -> Response:
    """Audit the print (names, ID numbers, a signature leave the server) and
    answer it as a download."""
    with write_session(engine) as session:
        append_audit(
            session,
            "print_correction_record",
            datetime.now(UTC),
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={
                "document": what,
                "event_id": str(event_id),
                "subject_id": str(printed.subject_id),
            },
        )
    fallback = f"{what}-{event_id}.pdf"
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(printed.file_name)}"
    )
    return Response(
        printed.pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.get("/events/{event_id}/record.pdf", response_class=Response, responses=_PRINTED)
def get_announcement_pdf(
    event_id: UUID, caller: CallerDep, session: SessionDep, engine: EngineDep, blobs: BlobStoreDep
) -> Response:
    """The record of an entry or release announcement (入矫 / 解矫宣告记录) with
    the subject's signature: the pages the officer's phone prints."""
    printed = print_announcement(session, caller.scope, blobs, event_id, district_tz())
    return _handed_out(engine, caller, printed, "announcement", event_id)


@router.get("/events/{event_id}/certificate.pdf", response_class=Response, responses=_PRINTED)
def get_release_certificate_pdf(
    event_id: UUID, caller: CallerDep, session: SessionDep, engine: EngineDep
) -> Response:
    """The release certificate (解除社区矫正证明书) of a release announcement."""
    printed = print_release_certificate(session, caller.scope, event_id)
    return _handed_out(engine, caller, printed, "release-certificate", event_id)
