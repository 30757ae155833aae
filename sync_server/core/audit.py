"""The audit log: every write appends an entry holding ids, counts and the
action (never personal data or secrets). Each entry carries the hash of the
one before it and the counter row names the newest, so an edited, deleted,
reordered or truncated log is detected by ``verify_audit``.

Appending runs on every push, so it is three Core statements and no ORM
instance: take the next seq (locking the counter row), insert the entry, move
the head. Folding the last two into one PostgreSQL CTE measured no faster, so
both databases share these statements."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import Table, bindparam, insert, select, update
from sqlmodel import Session

from shared_models.integrity import content_hash
from sync_server.services.versions import ensure_sync_state
from sync_server.tables import AuditEntry, SyncState

GENESIS = "0" * 64

_LOG: Table = AuditEntry.__table__  # type: ignore[attr-defined]
_STATE: Table = SyncState.__table__  # type: ignore[attr-defined]

# The UPDATE takes the counter row's lock until commit: concurrent writers
# queue here, so no two transactions get the same seq or fork the chain.
_TAKE_SEQ = (
    update(_STATE)
    .where(_STATE.c.id == 1)
    .values(audit_seq=_STATE.c.audit_seq + 1)
    .returning(_STATE.c.audit_seq, _STATE.c.audit_head)
)
_SET_HEAD = update(_STATE).where(_STATE.c.id == 1).values(audit_head=bindparam("new_head"))
_INSERT_ENTRY = insert(_LOG)


@dataclass(frozen=True, slots=True)
class AppendedEntry:
    """Where an entry landed in the chain."""

    seq: int
    entry_hash: str


def _entry_hash(entry: Mapping[Any, Any]) -> str:
    """Covers every column but the hash itself, so any edit shows."""
    payload: dict[str, JsonValue] = {
        "seq": entry["seq"],
        "at": _utc_iso(entry["at"]),
        "actor_id": str(entry["actor_id"]) if entry["actor_id"] else None,
        "device_id": entry["device_id"],
        "action": entry["action"],
        "detail": _json(entry["detail"]),
        "prev_hash": entry["prev_hash"],
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


def _take_seq(session: Session) -> tuple[int, str]:
    """The next seq and the current head. The counter row is created only
    when it is missing (a database not seeded by the migrations), so the usual
    append costs no lookup."""
    taken = session.execute(_TAKE_SEQ).one_or_none()
    if taken is None:
        ensure_sync_state(session)
        taken = session.execute(_TAKE_SEQ).one()
    return taken.audit_seq, taken.audit_head


def append_audit(
    session: Session,
    action: str,
    at: datetime,
    actor_id: UUID | None = None,
    device_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AppendedEntry:
    """Append one entry in the caller's transaction (serialised on the counter row)."""
    seq, prev_hash = _take_seq(session)
    entry: dict[str, Any] = {
        "seq": seq,
        "at": at.replace(microsecond=0),
        "actor_id": actor_id,
        "device_id": device_id,
        "action": action,
        "detail": _json(detail or {}),
        "prev_hash": prev_hash,
    }
    entry["entry_hash"] = _entry_hash(entry)
    session.execute(_INSERT_ENTRY, entry)
    session.execute(_SET_HEAD, {"new_head": entry["entry_hash"]})
    return AppendedEntry(seq=seq, entry_hash=entry["entry_hash"])


def verify_audit(session: Session) -> list[str]:
    """Every break in the chain, as a sentence; an empty list means intact.
    Reads the counter row from the database, not the session's identity map,
    which ``append_audit``'s Core statements do not update."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_seq = 1
    for entry in session.execute(select(_LOG).order_by(_LOG.c.seq)).mappings():
        if entry["seq"] != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next entry is {entry['seq']})")
        if entry["prev_hash"] != expected_prev:
            problems.append(f"entry {entry['seq']} does not follow the entry before it")
        if _entry_hash(entry) != entry["entry_hash"]:
            problems.append(f"entry {entry['seq']} was changed after it was written")
        expected_prev = entry["entry_hash"]
        expected_seq = entry["seq"] + 1
    state = session.execute(
        select(_STATE.c.audit_seq, _STATE.c.audit_head).where(_STATE.c.id == 1)
    ).one_or_none()
    if state is not None:
        if state.audit_seq != expected_seq - 1:
            problems.append(
                f"the log ends at entry {expected_seq - 1} but {state.audit_seq} were written"
            )
        elif state.audit_head != expected_prev:
            problems.append("the newest entry is not the one last written")
    return problems
