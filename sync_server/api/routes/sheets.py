"""The district's ledgers as spreadsheets: empty templates to fill, imports
of filled ones, exports. The file itself is the request body (raw bytes:
an XLSX workbook or a CSV text), read here up to ``import_max_bytes`` and
no further; everything else is in ``services/administration/``."""

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from shared_models.protocol.administration import ImportReport, SheetFormat, SheetKind
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep, ScopeCacheDep, SettingsDep
from sync_server.api.routes.administration import RESPONSES, actor
from sync_server.core.config import ServerSettings
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.services.accounts.tokens import Caller
from sync_server.services.administration.authority import require_admin
from sync_server.services.administration.exports import export_sheet
from sync_server.services.administration.imports import ImportLimits, run_import
from sync_server.services.administration.sheets import CSV_TYPE, SPECS, XLSX_TYPE, template

router = APIRouter(prefix="/api/v1/admin/sheets", tags=["administration"])

STREAMED_PREFIX = "/api/v1/admin/sheets/"
"""Import bodies are read and bounded here, not by the body-limit middleware."""

FormatParam = Annotated[SheetFormat, Query(alias="format")]

_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}, "text/csv": {}},
        "description": "the sheet as a file",
    }
}


def _file(kind: SheetKind, file_format: SheetFormat, data: bytes, stem: str) -> Response:
    media = XLSX_TYPE if file_format is SheetFormat.XLSX else CSV_TYPE
    # The name in ASCII (RFC 6266 filename) and in Chinese (filename*).
    name = f"{stem}-{kind.value}.{file_format.value}"
    chinese = quote(f"{SPECS[kind].sheet}.{file_format.value}")
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{chinese}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/{kind}/template", responses={**_FILE, **RESPONSES})
def get_template(
    kind: SheetKind, caller: CallerDep, file_format: FormatParam = SheetFormat.XLSX
) -> Response:
    """An empty sheet to fill in, with Chinese column headers (a second
    sheet of an XLSX explains every column)."""
    require_admin(caller.scope, "import ledgers")
    return _file(kind, file_format, template(kind, file_format), "template")


@router.get("/{kind}/export", responses={**_FILE, **RESPONSES})
def get_export(
    kind: SheetKind,
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    file_format: FormatParam = SheetFormat.XLSX,
) -> Response:
    """The sheet filled from the district, within your jurisdiction; it
    imports again unchanged. Audited (it may hold personal data)."""
    with write_session(engine) as session:
        data = export_sheet(
            session,
            caller.scope,
            kind,
            file_format,
            datetime.now(UTC),
            actor(caller),
            settings.district_time_zone,
        )
    return _file(kind, file_format, data, "export")


_IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    413: {"model": ErrorEnvelope, "description": "the file is larger than the server reads"},
    415: {"model": ErrorEnvelope, "description": "send the file as raw bytes, not compressed"},
}


async def _body(request: Request, max_bytes: int) -> bytes:
    """The request body, refused once it passes ``max_bytes`` (or announces it)."""
    if request.headers.get("content-encoding", "identity").strip().lower() not in ("identity", ""):
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA, "send the file as it is, not compressed")
    too_large = ApiError(
        413,
        ErrorCode.PAYLOAD_TOO_LARGE,
        f"文件超过 {max_bytes // (1024 * 1024)} MB：请拆成几个较小的文件分别导入",
        {"max_bytes": max_bytes},
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    try:
        async for part in request.stream():
            body += part
            if len(body) > max_bytes:
                raise too_large
    except ClientDisconnect:
        raise ApiError(400, ErrorCode.MALFORMED_REQUEST, "the upload was cut off") from None
    return bytes(body)


@router.post(
    "/{kind}/import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
    responses=_IMPORT_RESPONSES,
)
async def post_import(
    kind: SheetKind,
    request: Request,
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    scopes: ScopeCacheDep,
    only_valid: Annotated[
        bool, Query(description="write the valid rows even if others fail")
    ] = False,
    dry_run: Annotated[bool, Query(description="check only; write nothing")] = False,
) -> ImportReport:
    """Import a filled sheet (admins). Every row is checked first; each
    problem names its sheet, row and column, in Chinese, with how to fix
    it. Nothing is written if any row fails (unless ``only_valid``); rows
    already in the district are left as they are."""
    require_admin(caller.scope, "import ledgers")
    data = await _body(request, settings.import_max_bytes)
    report = await run_in_threadpool(
        _import, engine, caller, settings, kind, data, only_valid, dry_run
    )
    if kind is SheetKind.ORG_UNITS and report.created:
        scopes.forget_all()  # new units: the jurisdictions above them grew
    return report


def _import(
    engine: Engine,
    caller: Caller,
    settings: ServerSettings,
    kind: SheetKind,
    data: bytes,
    only_valid: bool,
    dry_run: bool,
) -> ImportReport:
    with write_session(engine) as session:
        return run_import(
            session,
            caller.scope,
            kind,
            data,
            only_valid=only_valid,
            dry_run=dry_run,
            now=datetime.now(UTC),
            actor=actor(caller),
            limits=ImportLimits.of(settings),
            time_zone=settings.district_time_zone,
        )
