"""Sign-in, sign-out, changing one's password, and who am I
(``services/accounts/sign_in.py`` does the work)."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from shared_models.protocol.auth import LoginRequest, LoginResponse, Me, PasswordChange
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.client_address import client_address
from sync_server.api.deps import (
    CallerDep,
    EngineDep,
    PasswordChangerDep,
    SessionDep,
    SettingsDep,
)
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.core.logs import note_user
from sync_server.services.accounts.sign_in import (
    SignedIn,
    SignInRefusal,
    change_own_password,
    sign_in,
    sign_out,
    who_am_i,
)

router = APIRouter(prefix="/api/v1", tags=["auth"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "wrong username or password"},
    403: {
        "model": ErrorEnvelope,
        "description": "ACCOUNT_DISABLED (a deactivated user) or DEVICE_OF_ANOTHER_USER "
        "(this device id is registered to another user)",
    },
    422: {"model": ErrorEnvelope},
    429: {"model": ErrorEnvelope, "description": "too many failed attempts: see Retry-After"},
}


@router.post(
    "/auth/login",
    responses=ERRORS,
    response_model=LoginResponse,
)
def login(
    body: LoginRequest, request: Request, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Exchange a password for a device token. Wrong username and wrong
    password answer alike, in about the same time. Throttled with growing
    delays per (account, address), address and account
    (``services/accounts/sign_in_throttle.py``); a device id stays with the user who
    first signed in with it."""
    now = datetime.now(UTC)
    client = client_address(request, settings)
    with write_session(engine) as session:
        outcome = sign_in(session, settings, body, client, now)
    if isinstance(outcome, SignedIn):
        note_user(outcome.user.id)  # the sign-in's access line names who signed in
        answer = LoginResponse(
            token=outcome.token,
            user=outcome.user,
            district_time_zone=settings.district_time_zone,
            mediation=settings.mediation,
            must_change_password=outcome.must_change_password,
        )
        # ``must_change_password`` only when true: apps that predate it
        # (their response model forbids unknown fields) still read every
        # other sign-in.
        hidden = None if answer.must_change_password else {"must_change_password"}
        return JSONResponse(answer.model_dump(mode="json", exclude=hidden))
    if outcome is SignInRefusal.DISABLED:
        raise ApiError(
            403, ErrorCode.ACCOUNT_DISABLED, "this account is deactivated; ask an administrator"
        )
    if outcome is SignInRefusal.DEVICE:
        raise ApiError(
            403,
            ErrorCode.DEVICE_OF_ANOTHER_USER,
            "device_id: this device is registered to another user; "
            "erase the app's data to sign in as a new device",
        )
    raise ApiError(401, ErrorCode.INVALID_CREDENTIALS, "wrong username or password")


@router.post("/auth/logout", status_code=204, responses={401: {"model": ErrorEnvelope}})
def logout(caller: CallerDep, engine: EngineDep) -> None:
    """Revoke the calling device's token; it fails from the next request on."""
    with write_session(engine) as session:
        sign_out(session, caller.token_hash, caller.user.id, caller.device_id, datetime.now(UTC))


@router.post(
    "/auth/password",
    status_code=204,
    responses={
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope, "description": "INVALID_CREDENTIALS: wrong old password"},
        422: {"model": ErrorEnvelope, "description": "PASSWORD_TOO_WEAK, naming the rule"},
        429: {"model": ErrorEnvelope, "description": "too many wrong old passwords"},
    },
)
def change_password(
    body: PasswordChange,
    request: Request,
    caller: PasswordChangerDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> None:
    """Change the caller's own password (the old one proves it is them, not
    someone holding a phone). Every other device of the user is signed out;
    this one goes on. The one route a must-change token may call."""
    now = datetime.now(UTC)
    client = client_address(request, settings)
    with write_session(engine) as session:
        changed = change_own_password(
            session,
            settings,
            caller.user,
            (body.old_password, body.new_password),
            client,
            now,
            token_hash=caller.token_hash,
            device_id=caller.device_id,
        )
    if not changed:
        raise ApiError(403, ErrorCode.INVALID_CREDENTIALS, "old_password: wrong password")


@router.get("/me", responses={401: {"model": ErrorEnvelope}})
def me(caller: CallerDep, session: SessionDep) -> Me:
    """The caller's profile, their unit and the units of their jurisdiction."""
    return who_am_i(session, caller.user, caller.scope)
