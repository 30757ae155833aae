"""The devices signed in to the district: listing them, revoking one, and
which user a device id belongs to.

Shared by the admin routes and the ``lastmile admin`` command line, so a
device revoked from either place is revoked the same way and audited the
same way. A device is known only through its tokens: each login of a user
on a device adds one, and revoking the device ends every live one of them.
Revocation needs nothing else, because every request checks its token
(``api/deps.get_caller``); the device fails on its very next call.
"""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlmodel import Session, col

from shared_models.protocol.admin import DeviceInfo
from sync_server.core.audit import append_audit
from sync_server.repositories.scope import JurisdictionScope
from sync_server.tables import DeviceToken, UserRow


class UnknownDeviceError(LookupError):
    """No token was ever issued to this device id (a typo, or another server)."""

    def __init__(self, device_id: str) -> None:
        super().__init__(f"no device {device_id!r} has ever signed in")
        self.device_id = device_id


def _utc(at: datetime) -> datetime:
    """SQLite hands times back without their zone; they are stored in UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def list_devices(session: Session, scope: JurisdictionScope) -> list[DeviceInfo]:
    """Every (device, user) pair signed in within ``scope``, newest activity first.

    An admin sees every device in the district; anyone else the devices of
    the users in their jurisdiction (the caller checks who may ask at all).
    """
    query = (
        select(DeviceToken, UserRow)
        .join(UserRow, col(UserRow.id) == col(DeviceToken.user_id))
        .where(scope.accounts_filter())
    )
    devices: dict[tuple[str, UUID], DeviceInfo] = {}
    newest: dict[tuple[str, UUID], datetime] = {}
    for token, user in session.execute(query):
        key = (token.device_id, user.id)
        created, seen = _utc(token.created_at), _utc(token.last_seen_at)
        revoked = None if token.revoked_at is None else _utc(token.revoked_at)
        known = devices.get(key)
        if known is None:
            devices[key] = DeviceInfo(
                device_id=token.device_id,
                device_name=token.device_name,
                user_id=user.id,
                username=user.username,
                display_name=user.display_name,
                org_unit_id=user.org_unit_id,
                created_at=created,
                last_seen_at=seen,
                revoked_at=revoked,
            )
            newest[key] = created
            continue
        if created > newest[key]:
            # The name the device gave at its latest sign-in is the one to show.
            known.device_name = token.device_name
            newest[key] = created
        known.created_at = min(known.created_at, created)
        known.last_seen_at = max(known.last_seen_at, seen)
        if revoked is None or known.revoked_at is None:
            known.revoked_at = None
        else:
            known.revoked_at = max(known.revoked_at, revoked)
    return sorted(devices.values(), key=lambda d: (d.last_seen_at, d.device_id), reverse=True)


def device_of_another_user(session: Session, device_id: str, user_id: UUID) -> bool:
    """Whether ``device_id`` was first signed in with by someone else. A
    device id belongs to that user: revoking it, or reading the device list,
    must never mix two people up (the sign-in is refused instead)."""
    return (
        session.scalar(
            select(col(DeviceToken.user_id))
            .where(col(DeviceToken.device_id) == device_id, col(DeviceToken.user_id) != user_id)
            .limit(1)
        )
        is not None
    )


def revoke_device(
    session: Session,
    device_id: str,
    now: datetime,
    actor_id: UUID | None = None,
    actor_device_id: str | None = None,
) -> int:
    """Revoke every live token of ``device_id`` (whoever signed in on it) and
    audit it; returns how many were live. Revoking an already revoked device
    is not an error (the count is 0). Raises ``UnknownDeviceError`` when no
    token was ever issued to ``device_id``. The caller commits."""
    known = session.execute(
        select(col(DeviceToken.token_hash)).where(col(DeviceToken.device_id) == device_id).limit(1)
    ).first()
    if known is None:
        raise UnknownDeviceError(device_id)
    revoked = session.execute(
        update(DeviceToken)
        .where(
            col(DeviceToken.device_id) == device_id,
            col(DeviceToken.revoked_at).is_(None),
        )
        .values(revoked_at=now)
        .returning(col(DeviceToken.token_hash))
    ).all()
    append_audit(
        session,
        "revoke_device",
        now,
        actor_id=actor_id,
        device_id=actor_device_id,
        detail={"device_id": device_id, "tokens": len(revoked)},
    )
    return len(revoked)
