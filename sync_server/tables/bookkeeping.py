"""Server-only tables: the version counter, idempotency, scope exits,
devices and tokens, login throttling, blob uploads and the audit chain."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer
from sqlmodel import Field, SQLModel


class SyncState(SQLModel, table=True):
    """One row. ``last_version`` is the server-wide version counter on
    SQLite (one writer at a time: taking versions locks this row until
    commit, so they become visible in the order handed out); on PostgreSQL
    the sequence ``sync_versions`` replaces it (``core/versions.py``).
    ``purged_through`` is the highest version whose tombstones were purged:
    a cursor below it cannot resume without a gap. ``audit_seq``/``audit_head``
    name the newest audit entry, and ``audit_head_mac`` keys that pair with
    the audit key, so a truncated log is detected too (NULL until the first
    keyed entry). ``sync_epoch`` is set by each restore from a backup: the
    epoch of cursors and devices from then on (``epoch`` stays the one the
    audit key file anchors); NULL: never restored, the sync epoch is ``epoch``."""

    __tablename__ = "sync_state"

    id: int = Field(default=1, primary_key=True)
    last_version: int = 0
    purged_through: int = 0
    epoch: UUID
    sync_epoch: UUID | None = None
    audit_seq: int = 0
    audit_head: str = Field(default="0" * 64, max_length=64)
    audit_head_key_id: str | None = Field(default=None, max_length=16)
    audit_head_mac: str | None = Field(default=None, max_length=64)


class AppliedMutation(SQLModel, table=True):
    """The result of every mutation ever applied, so a replay returns it."""

    __tablename__ = "applied_mutations"

    mutation_id: UUID = Field(primary_key=True)
    user_id: UUID
    device_id: str = Field(max_length=128)
    result: dict[str, object] = Field(sa_type=JSON)
    applied_at: datetime = Field(sa_type=DateTime(timezone=True))


class ScopeExit(SQLModel, table=True):
    """A record left the jurisdiction it was in (reassignment, move): pull
    tells the devices of the old jurisdiction to drop their copy."""

    __tablename__ = "scope_exits"
    __table_args__ = (Index("ix_scope_exits_version", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int
    table_name: str = Field(max_length=40)
    record_id: UUID
    old_unit_id: UUID | None = None
    old_officer_id: UUID | None = None


class DeviceToken(SQLModel, table=True):
    """A device's session: the token itself is never stored, only its hash."""

    __tablename__ = "device_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: UUID = Field(index=True)
    device_id: str = Field(index=True, max_length=128)
    device_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    last_seen_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    signed_in_from: str = Field(default="", max_length=64)
    """The client address of the sign-in (the account-wide throttle spares it)."""


class LoginFailure(SQLModel, table=True):
    """Recent failed sign-ins (and wrong old passwords of a password change),
    counted per account, per client address and per pair of both
    (``services/accounts/sign_in_throttle.py``)."""

    __tablename__ = "login_failures"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    client: str = Field(index=True, max_length=64)
    at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class AuditEntry(SQLModel, table=True):
    """An append-only, hash-chained log of every write. Holds ids, counts and
    actions only: no personal data, no secrets. ``mac`` keys the entry's hash
    with the audit key ``key_id`` (kept outside the database); both are NULL
    on entries written before the audit key existed. ``entry_id`` is the id
    the entry was written with while it waited to be chained
    (``PendingAuditEntry``), covered by its hash; NULL on entries chained
    as they were written (before migration 0015)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ux_audit_log_entry_id", "entry_id", unique=True),)

    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    actor_id: UUID | None = None
    device_id: str | None = Field(default=None, max_length=128)
    action: str = Field(max_length=64)
    detail: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
    key_id: str | None = Field(default=None, max_length=16)
    mac: str | None = Field(default=None, max_length=64)
    entry_id: UUID | None = None


class PendingAuditEntry(SQLModel, table=True):
    """An audit entry written by its transaction and not yet chained: the
    chaining step (``core/audit_chain.py``) moves it into ``audit_log`` after
    that transaction commits, in the order the ids were drawn. ``mac`` keys
    its content and ``entry_id`` with the audit key, so it cannot be changed
    or forged while it waits."""

    __tablename__ = "audit_pending"

    id: int | None = Field(
        default=None, primary_key=True, sa_type=BigInteger().with_variant(Integer(), "sqlite")
    )
    entry_id: UUID
    at: datetime = Field(sa_type=DateTime(timezone=True))
    actor_id: UUID | None = None
    device_id: str | None = Field(default=None, max_length=128)
    action: str = Field(max_length=64)
    detail: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    key_id: str = Field(max_length=16)
    mac: str = Field(max_length=64)
