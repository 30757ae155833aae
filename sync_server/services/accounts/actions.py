"""Account actions: a user changes their password; an admin resets one,
deactivates or reactivates a user.

Shared by the routes (``api/routes/accounts.py``, ``api/routes/auth.py``)
and the ``lastmile admin`` command line, so an action from either place is
done and audited the same way. Every action ends tokens in the same
transaction as the change, and every one is in the audit chain with who did
it (``actor_id``, or the operator of the command line) and why.

A user is a synced record (devices pull names and ``active`` for display),
so a change of ``active`` takes the next version like any server-side edit;
the password hash and ``must_change_password`` are never on the wire.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import Session, col

from shared_models.protocol.auth import password_problem
from shared_models.protocol.errors import ErrorCode
from sync_server.core.audit import append_audit
from sync_server.core.errors import ApiError
from sync_server.core.security import hash_password, new_one_time_password
from sync_server.core.versions import VersionBlock
from sync_server.tables import DeviceToken, UserRow


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in admin (``user_id``, ``device_id``) or the command
    line (``operator``: the account that ran it)."""

    user_id: UUID | None = None
    device_id: str | None = None
    operator: str | None = None

    def detail(self) -> dict[str, Any]:
        return {} if self.operator is None else {"via": "cli", "operator": self.operator[:64]}

    def audit(self, session: Session, action: str, now: datetime, detail: dict[str, Any]) -> None:
        """Append ``action`` to the audit chain as done by this actor."""
        append_audit(
            session,
            action,
            now,
            actor_id=self.user_id,
            device_id=self.device_id,
            detail={**detail, **self.detail()},
        )


def revoke_user_tokens(
    session: Session, user_id: UUID, now: datetime, keep: str | None = None
) -> int:
    """End every live token of the user (but ``keep``, a token hash); how many."""
    where = [col(DeviceToken.user_id) == user_id, col(DeviceToken.revoked_at).is_(None)]
    if keep is not None:
        where.append(col(DeviceToken.token_hash) != keep)
    revoked = session.execute(
        update(DeviceToken)
        .where(*where)
        .values(revoked_at=now)
        .returning(col(DeviceToken.token_hash))
    ).all()
    return len(revoked)


def refuse_weak(password: str, username: str, old_password: str | None = None) -> None:
    """``422 PASSWORD_TOO_WEAK`` naming the rule the password breaks."""
    problem = password_problem(password, username, old_password)
    if problem is not None:
        raise ApiError(
            422,
            ErrorCode.PASSWORD_TOO_WEAK,
            f"new_password: {problem.replace('_', ' ')}; use at least 10 characters, "
            "not your username, not one character repeated",
            {"field": "new_password", "problem": str(problem)},
        )


def change_password(
    session: Session,
    user: UserRow,
    new_password: str,
    now: datetime,
    token_hash: str,
    device_id: str,
    old_password: str,
) -> int:
    """Set the user's own new password (the old one was checked by the caller)
    and sign out every other device; the calling token goes on. Returns how
    many tokens ended."""
    refuse_weak(new_password, user.username, old_password)
    row = _locked(session, user.id)
    row.password_hash = hash_password(new_password)
    row.must_change_password = False
    ended = revoke_user_tokens(session, user.id, now, keep=token_hash)
    append_audit(
        session,
        "password_changed",
        now,
        actor_id=user.id,
        device_id=device_id,
        detail={"user_id": str(user.id), "tokens": ended},
    )
    return ended


def reset_password(
    session: Session, user_id: UUID, reason: str, now: datetime, actor: Actor
) -> str:
    """A one-time password for the user (returned, shown once), to be changed
    at the next sign-in; every token of the user ends."""
    row = _target(session, user_id, actor, "reset your own password; change it instead")
    one_time = new_one_time_password()
    row.password_hash = hash_password(one_time)
    row.must_change_password = True
    ended = revoke_user_tokens(session, user_id, now)
    _audit(session, "password_reset", now, actor, row, reason, ended)
    return one_time


def set_active(
    session: Session,
    user_id: UUID,
    active: bool,
    reason: str,
    now: datetime,
    actor: Actor,
) -> int:
    """Deactivate (every token ends; signing in is refused) or reactivate
    (signing in works again; the tokens ended before stay ended). Doing it
    twice is not an error. Returns how many tokens ended."""
    row = _target(session, user_id, actor, "deactivate yourself")
    ended = 0 if active else revoke_user_tokens(session, user_id, now)
    if row.active != active:
        version = VersionBlock(session).next()
        row.active = active
        row.version = version
        row.updated_at = now
        row.field_versions = {**row.field_versions, "active": version}
    _audit(
        session,
        "user_reactivated" if active else "user_deactivated",
        now,
        actor,
        row,
        reason,
        ended,
    )
    return ended


def _locked(session: Session, user_id: UUID) -> UserRow:
    row = session.get(UserRow, user_id, with_for_update=True)
    if row is None or row.deleted:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no user {user_id}")
    return row


def _target(session: Session, user_id: UUID, actor: Actor, refusal: str) -> UserRow:
    if actor.user_id == user_id:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"an admin cannot {refusal}")
    return _locked(session, user_id)


def _audit(
    session: Session,
    action: str,
    now: datetime,
    actor: Actor,
    row: UserRow,
    reason: str,
    ended: int,
) -> None:
    append_audit(
        session,
        action,
        now,
        actor_id=actor.user_id,
        device_id=actor.device_id,
        detail={"user_id": str(row.id), "reason": reason[:200], "tokens": ended, **actor.detail()},
    )
