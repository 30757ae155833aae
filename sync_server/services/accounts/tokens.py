"""Device tokens: who is behind a request's token, and when they were last seen.

Every authenticated request passes through ``find_caller`` (the API's
dependencies in ``api/deps.py`` call it), so a revoked or expired token, a
deactivated user or one who must change their password is refused here, in
one place.
"""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from shared_models.protocol.errors import ErrorCode
from sync_server.core.config import ServerSettings
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope, scope_for
from sync_server.tables import DeviceToken, UserRow

LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """The authenticated user and device behind a request."""

    user: UserRow
    device_id: str
    token_hash: str
    scope: JurisdictionScope


SCOPE_CACHE_SECONDS = 10.0
"""How long a computed jurisdiction is reused for the same user, role and unit."""


class ScopeCache:
    """Jurisdictions computed in the last ``SCOPE_CACHE_SECONDS``.

    ``scope_for`` reads the whole org tree; a device syncing every minute (and
    a sync is at least two requests) would read it again and again. The token
    and the user row are still read on every request, so a revoked token, a
    deactivated user or a user moved to another unit or role takes effect on
    the next request: those are part of the key. Only a change of the org
    tree itself is seen up to ``SCOPE_CACHE_SECONDS`` late by other server
    processes; the process that changed it calls ``forget_all``."""

    def __init__(self, seconds: float = SCOPE_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._scopes: dict[tuple[UUID, str, UUID], tuple[float, JurisdictionScope]] = {}

    def scope(self, session: Session, user: UserRow) -> JurisdictionScope:
        key = (user.id, str(user.role), user.org_unit_id)
        now = time.monotonic()
        with self._lock:
            found = self._scopes.get(key)
        if found is not None and found[0] > now:
            return found[1]
        scope = scope_for(session, user)
        with self._lock:
            if len(self._scopes) >= _SCOPE_CACHE_SIZE:
                self._scopes = {k: v for k, v in self._scopes.items() if v[0] > now}
            self._scopes[key] = (now + self.seconds, scope)
        return scope

    def forget_all(self) -> None:
        """Drop every cached jurisdiction: the org tree has just changed."""
        with self._lock:
            self._scopes.clear()


_SCOPE_CACHE_SIZE = 10_000


def _refused(code: ErrorCode, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _utc(at: datetime) -> datetime:
    """SQLite hands times back without their zone; they are stored in UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


_CALLER = (
    select(DeviceToken, UserRow)
    .join(UserRow, UserRow.id == DeviceToken.user_id)  # type: ignore[arg-type]
    .where(DeviceToken.token_hash == bindparam("digest"))
)
"""The token and its user, built once: every request runs it, and building
(and hashing) the statement anew cost a third of running it."""


def find_caller(
    session: Session,
    digest: str,
    scopes: ScopeCache,
    settings: ServerSettings,
    *,
    password_change: bool = False,
) -> tuple[Caller, bool]:
    """The caller behind the token with ``digest``, read in ``session``, and
    whether the token's last-seen time is due to be written
    (``touch_token``). A route that writes anyway (a push) authenticates
    inside its own transaction, so the request costs one connection and one
    transaction rather than two.

    Refused: an unknown or revoked token, or one of a deactivated user
    (``401 TOKEN_REVOKED``); one unused for ``token_idle_days`` or signed in
    more than ``token_lifetime_days`` ago (``401 TOKEN_EXPIRED``); and,
    unless ``password_change``, one whose user must change the password
    (``403 PASSWORD_CHANGE_REQUIRED``). This is the one place every
    authenticated route passes through."""
    found = session.exec(_CALLER, params={"digest": digest}).first()
    if found is None or found[0].revoked_at is not None or not found[1].active:
        raise _refused(
            ErrorCode.TOKEN_REVOKED,
            "this device's sign-in is no longer valid; sign in again (nothing unsynced is lost)",
        )
    token, user = found
    now = datetime.now(UTC)
    last_seen = _utc(token.last_seen_at)
    if now - last_seen >= timedelta(days=settings.token_idle_days) or now - _utc(
        token.created_at
    ) >= timedelta(days=settings.token_lifetime_days):
        raise _refused(
            ErrorCode.TOKEN_EXPIRED,
            "this device's sign-in has expired; sign in again (nothing unsynced is lost)",
        )
    if user.must_change_password and not password_change:
        raise ApiError(
            403,
            ErrorCode.PASSWORD_CHANGE_REQUIRED,
            "choose a new password first (POST /api/v1/auth/password)",
        )
    stale = now - last_seen > LAST_SEEN_RESOLUTION
    scope = scopes.scope(session, user)
    return Caller(user=user, device_id=token.device_id, token_hash=digest, scope=scope), stale


def touch_token(session: Session, digest: str) -> None:
    """Record that the token was used now (in ``session``'s write transaction)."""
    session.execute(
        update(DeviceToken)
        .where(DeviceToken.token_hash == digest)  # type: ignore[arg-type]
        .values(last_seen_at=datetime.now(UTC))
    )
