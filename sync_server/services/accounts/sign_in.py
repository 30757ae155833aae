"""Signing in and out, changing one's own password, and who am I: what the
auth routes (``api/routes/auth.py``) do, below HTTP.

Each function works in the caller's transaction and returns what happened;
the route turns a refusal into its error after the transaction has
committed, so the failed attempt, its throttle count and its audit entry are
kept even though the answer is an error.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID

from sqlalchemy import select, update
from sqlmodel import Session, col

from shared_models.domain.org import OrgUnitRecord
from shared_models.protocol.auth import LoginRequest, Me, UserProfile
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.audit import append_audit
from sync_server.core.config import ServerSettings
from sync_server.core.errors import ApiError
from sync_server.core.security import new_token, token_digest, verify_password
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import change_password
from sync_server.services.accounts.devices import device_of_another_user
from sync_server.services.accounts.sign_in_throttle import (
    KEY_LENGTH,
    check_throttle,
    clear_pair,
    record_failure,
)
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import DeviceToken, OrgUnitRow, UserRow


class SignInRefusal(Enum):
    """Why a sign-in was refused."""

    CREDENTIALS = "credentials"
    """Wrong username or password: both answer alike."""
    DISABLED = "disabled"
    """The right password of a deactivated user."""
    DEVICE = "device"
    """The right password, on a device registered to another user."""


@dataclass(frozen=True)
class SignedIn:
    """A new device token (shown once: only its digest is stored)."""

    token: str
    user: UserProfile
    must_change_password: bool


def profile(user: UserRow) -> UserProfile:
    """What a user may know about their own account."""
    return UserProfile(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org_unit_id=user.org_unit_id,
    )


def sign_in(
    session: Session, settings: ServerSettings, body: LoginRequest, client: str, now: datetime
) -> SignedIn | SignInRefusal:
    """Exchange a password for a device token, or say why not. Throttled
    (``TOO_MANY_ATTEMPTS`` raised) per (account, address), address and
    account; a device id stays with the user who first signed in with it."""
    check_throttle(session, settings, body.username, client, now)
    user = session.scalars(select(UserRow).where(col(UserRow.username) == body.username)).first()
    valid = verify_password(user.password_hash if user else None, body.password)
    if user is None or not valid:
        record_failure(session, settings, body.username, client, now)
        append_audit(session, "login_failed", now, detail={"client": client[:64]})
        return SignInRefusal.CREDENTIALS
    if not user.active:
        append_audit(session, "login_refused", now, actor_id=user.id, detail={"why": "inactive"})
        return SignInRefusal.DISABLED
    if device_of_another_user(session, body.device_id, user.id):
        append_audit(
            session,
            "login_refused",
            now,
            actor_id=user.id,
            device_id=body.device_id,
            detail={"why": "device_of_another_user"},
        )
        return SignInRefusal.DEVICE
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
    return SignedIn(token, profile(user), user.must_change_password)


def sign_out(
    session: Session, token_hash: str, user_id: UUID, device_id: str, now: datetime
) -> None:
    """Revoke one device token; it fails from the next request on."""
    session.execute(
        update(DeviceToken).where(col(DeviceToken.token_hash) == token_hash).values(revoked_at=now)
    )
    append_audit(session, "logout", now, actor_id=user_id, device_id=device_id)


def change_own_password(
    session: Session,
    settings: ServerSettings,
    user: UserRow,
    passwords: tuple[str, str],
    client: str,
    now: datetime,
    *,
    token_hash: str,
    device_id: str,
) -> bool:
    """Change ``user``'s password when the old one of ``passwords`` (old,
    new) is right: every other device of the user is signed out, this one
    goes on. ``False`` (the failure counted and audited) when it is wrong."""
    old_password, new_password = passwords
    check_throttle(session, settings, user.username, client, now)
    if not verify_password(user.password_hash, old_password):
        record_failure(session, settings, user.username, client, now)
        append_audit(session, "password_change_failed", now, actor_id=user.id, device_id=device_id)
        return False
    change_password(
        session,
        user,
        new_password,
        now,
        token_hash=token_hash,
        device_id=device_id,
        old_password=old_password,
    )
    return True


def who_am_i(session: Session, user: UserRow, scope: JurisdictionScope) -> Me:
    """The caller's profile, their unit and the units of their jurisdiction."""
    unit = session.get(OrgUnitRow, user.org_unit_id)
    if unit is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "your org unit no longer exists; ask an admin")
    return Me(
        user=profile(user),
        org_unit=OrgUnitRecord.model_validate(row_to_wire(TableName.ORG_UNITS, unit)),
        jurisdiction=sorted(scope.unit_ids),
    )
