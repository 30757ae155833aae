"""The audit log: every write appends an entry holding ids, counts and the
action (never personal data or secrets). Each entry carries the hash of the
one before it and the counter row names the newest, so an edited, deleted,
reordered or truncated log is detected by ``verify_audit``."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import select, update
from sqlmodel import Session, col

from shared_models.integrity import content_hash
from sync_server.services.versions import ensure_sync_state
from sync_server.tables import AuditEntry, SyncState

GENESIS = "0" * 64


def _entry_hash(entry: AuditEntry) -> str:
    payload: dict[str, JsonValue] = {
        "seq": entry.seq,
        "at": _utc_iso(entry.at),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "device_id": entry.device_id,
        "action": entry.action,
        "detail": _json(entry.detail),
        "prev_hash": entry.prev_hash,
    }
    return content_hash(payload)


def _utc_iso(at: datetime) -> str:
    """SQLite hands times back without their zone; they are stored in UTC."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _json(value: Any) -> JsonValue:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def append_audit(
    session: Session,
    action: str,
    at: datetime,
    actor_id: UUID | None = None,
    device_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (serialised on the counter row)."""
    ensure_sync_state(session)
    seq, head = session.execute(
        update(SyncState)
        .where(SyncState.id == 1)  # type: ignore[arg-type]
        .values(audit_seq=SyncState.audit_seq + 1)
        .returning(col(SyncState.audit_seq), col(SyncState.audit_head))
    ).one()
    entry = AuditEntry(
        seq=seq,
        at=at.replace(microsecond=0),
        actor_id=actor_id,
        device_id=device_id,
        action=action,
        detail=_json(detail or {}),  # type: ignore[arg-type]
        prev_hash=head,
        entry_hash="",
    )
    entry.entry_hash = _entry_hash(entry)
    session.add(entry)
    session.execute(
        update(SyncState).where(SyncState.id == 1).values(audit_head=entry.entry_hash)  # type: ignore[arg-type]
    )
    return entry


def verify_audit(session: Session) -> list[str]:
    """Every break in the chain, as a sentence; an empty list means intact."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_seq = 1
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):  # type: ignore[arg-type]
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next entry is {entry.seq})")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if _entry_hash(entry) != entry.entry_hash:
            problems.append(f"entry {entry.seq} was changed after it was written")
        expected_prev = entry.entry_hash
        expected_seq = entry.seq + 1
    state = session.get(SyncState, 1)
    if state is not None:
        if state.audit_seq != expected_seq - 1:
            problems.append(
                f"the log ends at entry {expected_seq - 1} but {state.audit_seq} were written"
            )
        elif state.audit_head != expected_prev:
            problems.append("the newest entry is not the one last written")
    return problems
