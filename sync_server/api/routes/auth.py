"""Sign-in, sign-out, changing one's password, and who am I."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select, update
from sqlmodel import col

from shared_models.domain.org import OrgUnitRecord
from shared_models.protocol.auth import (
    LoginRequest,
    LoginResponse,
    Me,
    PasswordChange,
    UserProfile,
)
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.tables import TableName
from sync_server.api.client_address import client_address
from sync_server.api.deps import (
    CallerDep,
    EngineDep,
    PasswordChangerDep,
    SessionDep,
    SettingsDep,
)
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.core.security import new_token, token_digest, verify_password
from sync_server.services.accounts.actions import change_password as change_password_of
from sync_server.services.accounts.devices import device_of_another_user
from sync_server.services.accounts.sign_in_throttle import (
    KEY_LENGTH,
    check_throttle,
    clear_pair,
    record_failure,
)
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import DeviceToken, OrgUnitRow, UserRow

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


def profile(user: UserRow) -> UserProfile:
    return UserProfile(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org_unit_id=user.org_unit_id,
    )


class _Refusal(Enum):
    """Why a sign-in with the right password is still refused."""

    DISABLED = "disabled"
    DEVICE = "device"


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
    refusal: _Refusal | None = None
    with write_session(engine) as session:
        check_throttle(session, settings, body.username, client, now)
        user = session.scalars(
            select(UserRow).where(col(UserRow.username) == body.username)
        ).first()
        valid = verify_password(user.password_hash if user else None, body.password)
        if user is None or not valid:
            record_failure(session, settings, body.username, client, now)
            append_audit(session, "login_failed", now, detail={"client": client[:64]})
        elif not user.active:
            refusal = _Refusal.DISABLED
            append_audit(
                session, "login_refused", now, actor_id=user.id, detail={"why": "inactive"}
            )
        elif device_of_another_user(session, body.device_id, user.id):
            refusal = _Refusal.DEVICE
            append_audit(
                session,
                "login_refused",
                now,
                actor_id=user.id,
                device_id=body.device_id,
                detail={"why": "device_of_another_user"},
            )
        else:
            token = new_token()
            session.add(
                DeviceToken(
                    token_hash=token_digest(token),
                    user_id=user.id,
                    device_id=body.device_id,
                    device_name=body.device_name,
                    created_at=now,
                    last_seen_at=now,
                    signed_in_from=client[:KEY_LENGTH],
                )
            )
            clear_pair(session, body.username, client)
            append_audit(session, "login", now, actor_id=user.id, device_id=body.device_id)
            answer = LoginResponse(
                token=token,
                user=profile(user),
                district_time_zone=settings.district_time_zone,
                must_change_password=user.must_change_password,
            )
            # ``must_change_password`` only when true: apps that predate it
            # (their response model forbids unknown fields) still read every
            # other sign-in.
            hidden = None if answer.must_change_password else {"must_change_password"}
            return JSONResponse(answer.model_dump(mode="json", exclude=hidden))
    if refusal is _Refusal.DISABLED:
        raise ApiError(
            403, ErrorCode.ACCOUNT_DISABLED, "this account is deactivated; ask an administrator"
        )
    if refusal is _Refusal.DEVICE:
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
    now = datetime.now(UTC)
    with write_session(engine) as session:
        session.execute(
            update(DeviceToken)
            .where(DeviceToken.token_hash == caller.token_hash)  # type: ignore[arg-type]
            .values(revoked_at=now)
        )
        append_audit(session, "logout", now, actor_id=caller.user.id, device_id=caller.device_id)


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
    username = caller.user.username
    wrong = False
    with write_session(engine) as session:
        check_throttle(session, settings, username, client, now)
        if verify_password(caller.user.password_hash, body.old_password):
            change_password_of(
                session,
                caller.user,
                body.new_password,
                now,
                token_hash=caller.token_hash,
                device_id=caller.device_id,
                old_password=body.old_password,
            )
        else:
            wrong = True
            record_failure(session, settings, username, client, now)
            append_audit(
                session,
                "password_change_failed",
                now,
                actor_id=caller.user.id,
                device_id=caller.device_id,
            )
    if wrong:
        raise ApiError(403, ErrorCode.INVALID_CREDENTIALS, "old_password: wrong password")


@router.get("/me", responses={401: {"model": ErrorEnvelope}})
def me(caller: CallerDep, session: SessionDep) -> Me:
    unit = session.get(OrgUnitRow, caller.user.org_unit_id)
    if unit is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "your org unit no longer exists; ask an admin")
    return Me(
        user=profile(caller.user),
        org_unit=OrgUnitRecord.model_validate(row_to_wire(TableName.ORG_UNITS, unit)),
        jurisdiction=sorted(caller.scope.unit_ids),
    )
