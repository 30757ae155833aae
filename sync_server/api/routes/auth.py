"""Sign-in, sign-out and who am I."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, or_, select, update
from sqlmodel import Session, col

from shared_models.domain.org import OrgUnitRecord
from shared_models.protocol.auth import LoginRequest, LoginResponse, Me, UserProfile
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.tables import TableName
from sync_server.api.deps import CallerDep, EngineDep, SessionDep, SettingsDep
from sync_server.core.audit import append_audit
from sync_server.core.config import ServerSettings
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.core.security import new_token, token_digest, verify_password
from sync_server.services.records import row_to_wire
from sync_server.tables import DeviceToken, LoginFailure, OrgUnitRow, UserRow

router = APIRouter(prefix="/api/v1", tags=["auth"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "wrong username or password"},
    422: {"model": ErrorEnvelope},
    429: {"model": ErrorEnvelope, "description": "too many failed attempts"},
}


def profile(user: UserRow) -> UserProfile:
    return UserProfile(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org_unit_id=user.org_unit_id,
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_throttle(
    session: Session, settings: ServerSettings, username: str, client: str, now: datetime
) -> None:
    since = now - timedelta(seconds=settings.login_failure_window_s)
    by_account, by_client = session.execute(
        select(
            func.count().filter(col(LoginFailure.username) == username),
            func.count().filter(col(LoginFailure.client) == client),
        ).where(
            col(LoginFailure.at) >= since,
            or_(col(LoginFailure.username) == username, col(LoginFailure.client) == client),
        )
    ).one()
    if (
        by_account >= settings.login_failures_per_account
        or by_client >= settings.login_failures_per_client
    ):
        raise ApiError(
            429,
            ErrorCode.TOO_MANY_ATTEMPTS,
            "too many failed sign-ins; wait a few minutes and try again",
            headers={"Retry-After": str(settings.login_failure_window_s)},
        )


@router.post("/auth/login", responses=ERRORS)
def login(
    body: LoginRequest, request: Request, engine: EngineDep, settings: SettingsDep
) -> LoginResponse:
    """Exchange a password for a device token. Wrong username and wrong
    password answer alike, in about the same time."""
    now = datetime.now(UTC)
    client = _client(request)
    with write_session(engine) as session:
        _check_throttle(session, settings, body.username, client, now)
        user = session.scalars(
            select(UserRow).where(col(UserRow.username) == body.username)
        ).first()
        valid = verify_password(user.password_hash if user else None, body.password)
        if user is None or not valid or not user.active:
            session.add(LoginFailure(username=body.username[:64], client=client[:64], at=now))
            append_audit(session, "login_failed", now, detail={"client": client[:64]})
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
                )
            )
            append_audit(session, "login", now, actor_id=user.id, device_id=body.device_id)
            return LoginResponse(
                token=token,
                user=profile(user),
                district_time_zone=settings.district_time_zone,
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
