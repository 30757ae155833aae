"""Mediation case files on the desk: a case's completeness and its PDF.

Supervisors and admins only (a mediator prints the file on the phone);
the case is read through ``JurisdictionScope``, so a case outside the
caller's office, or of a line of work their role does not read, is 404
like one that does not exist. Handing out the PDF (names, ID numbers,
photos) is audited like an export.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response

from shared_models.protocol.case_file import CaseFileStatus
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep, SessionDep, SettingsDep
from sync_server.api.routes.blobs import BlobStoreDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.case_files.printing import print_case_file
from sync_server.services.case_files.status import case_file_of, file_status

router = APIRouter(prefix="/api/v1", tags=["case files"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope, "description": "only supervisors and admins"},
    404: {"model": ErrorEnvelope, "description": "no such case in your jurisdiction"},
    422: {"model": ErrorEnvelope},
}


def _supervisor(scope: JurisdictionScope) -> None:
    if not scope.supervises:
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            f"a {scope.role} prints case files on the device, not from the desk",
        )


@router.get("/cases/{case_id}/file", responses=_RESPONSES)
def get_case_file_status(
    case_id: UUID, caller: CallerDep, session: SessionDep, settings: SettingsDep
) -> CaseFileStatus:
    """Whether the case's file is complete, and what each required item lacks."""
    _supervisor(caller.scope)
    return file_status(session, caller.scope, case_id, settings.mediation, datetime.now(UTC))


@router.get(
    "/cases/{case_id}/file.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **_RESPONSES},
)
def get_case_file_pdf(
    case_id: UUID,
    caller: CallerDep,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    blobs: BlobStoreDep,
) -> Response:
    """The case file (调解卷宗) as one PDF: cover, contents, every document in
    the standard order with signatures and photos, the sealed agreement."""
    _supervisor(caller.scope)
    now = datetime.now(UTC)
    sources, case_file = case_file_of(session, caller.scope, case_id, settings.mediation, now)
    pdf = print_case_file(session, blobs, sources, case_file)
    with write_session(engine) as writer:
        append_audit(
            writer,
            "print_case_file",
            now,
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={"case_id": str(case_id)},
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="case-file-{case_id}.pdf"'},
    )
