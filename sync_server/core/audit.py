"""The audit log: every write appends an entry holding ids, counts and the
action (never personal data or secrets). Each entry carries the hash of the
one before it and the counter row names the newest, so an edited, deleted,
reordered or truncated log is detected by ``verify_audit``.

Hashes alone stop only accidents: whoever can write the database and has
read this module can rewrite an entry and recompute every hash after it. So
each entry's hash is also keyed with an HMAC-SHA-256 under the audit key,
and so is the head (seq and hash of the newest entry); the key lives in a
file outside the database (``sync_server/core/audit_key.py``, bound to
the engine by whoever builds the app or runs a command). A rewrite then
fails the MAC of every entry it touched, a truncation fails the head's MAC,
and a log replaced by entries claiming to predate the key contradicts the
key file's record of where keying began.

Appending runs on every push, so it is Core statements and no ORM
instance: take the next seq (locking the counter row), insert the entry, move
the head. The counter row stays locked until the transaction commits, and
every push appends at its end, so these statements are the short tail on
which pushes queue (``core/versions.py``): on PostgreSQL the insert and the
head's move are one statement (a CTE), one round trip less in that tail.
Uncontended it measured no faster; under forty devices at once every round
trip in the tail is waited for by every push behind it. The two MACs cost
microseconds."""

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from pydantic import JsonValue
from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update
from sqlmodel import Session

from shared_models.integrity import content_hash
from sync_server.core.audit_key import AuditAnchor, AuditKeyError, AuditKeyring
from sync_server.core.versions import ensure_sync_state
from sync_server.tables import AuditEntry, SyncState

GENESIS = "0" * 64

log = logging.getLogger(__name__)

_LOG: Table = AuditEntry.__table__  # type: ignore[attr-defined]
_STATE: Table = SyncState.__table__  # type: ignore[attr-defined]

# The UPDATE takes the counter row's lock until commit: concurrent writers
# queue here, so no two transactions get the same seq or fork the chain.
_TAKE_SEQ = (
    update(_STATE)
    .where(_STATE.c.id == 1)
    .values(audit_seq=_STATE.c.audit_seq + 1)
    .returning(_STATE.c.audit_seq, _STATE.c.audit_head, _STATE.c.audit_head_mac, _STATE.c.epoch)
)
_SET_HEAD = (
    update(_STATE)
    .where(_STATE.c.id == 1)
    .values(
        audit_head=bindparam("new_head"),
        audit_head_key_id=bindparam("head_key_id"),
        audit_head_mac=bindparam("head_mac"),
    )
)
_INSERT_ENTRY = insert(_LOG)
_APPEND = _SET_HEAD.add_cte(
    insert(_LOG)
    .values({column.name: bindparam(column.name, type_=column.type) for column in _LOG.columns})
    .cte("entry")
)
"""PostgreSQL: the entry's insert as a CTE of the head's move, one round
trip; built once, like the other statements here."""

_keyrings: "WeakKeyDictionary[Engine, AuditKeyring]" = WeakKeyDictionary()


def bind_audit_keyring(engine: Engine, keyring: AuditKeyring) -> None:
    """Entries written through ``engine`` are keyed with ``keyring`` (called by
    ``create_app`` and the admin commands; the last binding wins)."""
    _keyrings[engine] = keyring


def bound_keyring(session: Session) -> AuditKeyring:
    """The keyring of the session's engine; an unbound engine is a wiring bug
    that must not write unkeyed entries silently."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    keyring = _keyrings.get(engine)
    if keyring is None:
        raise AuditKeyError("no audit key is bound to this database engine (bind_audit_keyring)")
    return keyring


def entry_message(seq: int, entry_hash: str) -> bytes:
    """What an entry's MAC covers: its hash covers its content and the chain before it."""
    return f"lastmile audit entry v1\n{seq}\n{entry_hash}".encode()


def head_message(seq: int, head: str) -> bytes:
    """What the head's MAC covers; a different text than any entry's, so an
    entry's MAC can never serve as the head of a truncated log."""
    return f"lastmile audit head v1\n{seq}\n{head}".encode()


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


def _take_seq(session: Session) -> Any:
    """The next seq, the current head (hash and MAC) and the database's epoch.
    The counter row is created only when it is missing (a database not seeded
    by the migrations), so the usual append costs no lookup."""
    taken = session.execute(_TAKE_SEQ).one_or_none()
    if taken is None:
        ensure_sync_state(session)
        taken = session.execute(_TAKE_SEQ).one()
    return taken


def append_audit(
    session: Session,
    action: str,
    at: datetime,
    actor_id: UUID | None = None,
    device_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AppendedEntry:
    """Append one entry in the caller's transaction (serialised on the counter row)."""
    keyring = bound_keyring(session)
    taken = _take_seq(session)
    seq, prev_hash = taken.audit_seq, taken.audit_head
    if taken.audit_head_mac is None and keyring.anchor is None:
        # The first keyed entry of this database: the key file records that
        # the entries before it predate the key (once; see audit_key.py).
        # A key file that cannot be written must not stop the push: the
        # entry is keyed all the same, and verify-audit reports the gap.
        try:
            keyring.record_anchor(AuditAnchor(str(taken.epoch), seq, prev_hash))
        except (AuditKeyError, OSError) as error:
            log.error("cannot record where audit keying began in %s: %s", keyring.path, error)
    entry: dict[str, Any] = {
        "seq": seq,
        "at": at.replace(microsecond=0),
        "actor_id": actor_id,
        "device_id": device_id,
        "action": action,
        "detail": _json(detail or {}),
        "prev_hash": prev_hash,
    }
    entry_hash = entry["entry_hash"] = _entry_hash(entry)
    entry["key_id"], entry["mac"] = keyring.sign(entry_message(seq, entry_hash))
    head_key_id, head_mac = keyring.sign(head_message(seq, entry_hash))
    head = {"new_head": entry_hash, "head_key_id": head_key_id, "head_mac": head_mac}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_APPEND, entry | head)
    else:
        session.execute(_INSERT_ENTRY, entry)
        session.execute(_SET_HEAD, head)
    return AppendedEntry(seq=seq, entry_hash=entry_hash)


@dataclass
class AuditReport:
    """What ``check_audit`` checked and what it found; intact when no problems."""

    entries: int = 0
    last_seq: int = 0
    legacy: int = 0
    """Entries written before the audit key existed (hash chain only)."""
    keyed_by: Counter[str] = field(default_factory=Counter)
    """Entries whose MAC verified, per key id."""
    anchor: AuditAnchor | None = None
    head_key_id: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def verify_audit(session: Session) -> list[str]:
    """Every break in the chain, as a sentence; an empty list means intact.
    Checks with the keyring bound to the session's engine."""
    return check_audit(session, bound_keyring(session)).problems


def check_audit(session: Session, keyring: AuditKeyring) -> AuditReport:
    """Walk the whole log: the hash chain, every entry's MAC, where keying
    began (the key file's anchor) and the head's MAC. Reads the counter row
    from the database, not the session's identity map, which
    ``append_audit``'s Core statements do not update."""
    report = AuditReport(anchor=keyring.anchor)
    problems = report.problems
    keyed_from = keyring.anchor.keyed_from if keyring.anchor else None
    # Failures that a rewrite repeats on every entry after it are gathered
    # per kind and reported as ranges.
    runs: defaultdict[str, list[int]] = defaultdict(list)
    first_keyed: int | None = None
    expected_prev = GENESIS
    expected_seq = 1
    for entry in session.execute(select(_LOG).order_by(_LOG.c.seq)).mappings():
        seq = entry["seq"]
        report.entries += 1
        if seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next entry is {seq})")
        if entry["prev_hash"] != expected_prev:
            problems.append(f"entry {seq} does not follow the entry before it")
        if _entry_hash(entry) != entry["entry_hash"]:
            problems.append(f"entry {seq} was changed after it was written")
        _check_entry_mac(entry, keyring, keyed_from, first_keyed, runs, report)
        if entry["mac"] is not None and first_keyed is None:
            first_keyed = seq
        anchor = keyring.anchor
        if anchor and seq == anchor.keyed_from - 1 and entry["entry_hash"] != anchor.legacy_head:
            problems.append(
                f"entry {seq}, the last written before the audit key, is not the one "
                "the key file recorded"
            )
        expected_prev = entry["entry_hash"]
        expected_seq = seq + 1
    report.last_seq = expected_seq - 1
    problems.extend(_ranges(runs))
    state = session.execute(
        select(
            _STATE.c.audit_seq,
            _STATE.c.audit_head,
            _STATE.c.audit_head_key_id,
            _STATE.c.audit_head_mac,
            _STATE.c.epoch,
        ).where(_STATE.c.id == 1)
    ).one_or_none()
    if keyring.anchor is not None:
        if state is not None and str(state.epoch) != keyring.anchor.epoch:
            problems.append(
                f"the key file anchors another database (epoch {keyring.anchor.epoch}, "
                f"this one is {state.epoch})"
            )
        if report.last_seq < keyring.anchor.keyed_from:
            problems.append(
                f"keying began at entry {keyring.anchor.keyed_from} (so the key file says) "
                f"but the log ends at entry {report.last_seq}"
            )
    elif first_keyed is not None:
        problems.append(
            f"entries are keyed from entry {first_keyed} on but the key file does not record "
            "where keying began (is it an older copy?)"
        )
    if state is None:
        return report
    if state.audit_seq != report.last_seq:
        problems.append(
            f"the log ends at entry {report.last_seq} but {state.audit_seq} were written"
        )
    elif state.audit_head != expected_prev:
        problems.append("the newest entry is not the one last written")
    _check_head_mac(state, keyring, first_keyed, report)
    return report


def _check_entry_mac(
    entry: Mapping[Any, Any],
    keyring: AuditKeyring,
    keyed_from: int | None,
    first_keyed: int | None,
    runs: defaultdict[str, list[int]],
    report: AuditReport,
) -> None:
    seq, mac, key_id = entry["seq"], entry["mac"], entry["key_id"]
    if mac is None:
        if keyed_from is not None and seq >= keyed_from:
            runs[f"no MAC, though keying began at entry {keyed_from}"].append(seq)
        elif first_keyed is not None:
            runs["no MAC, though keyed entries come before"].append(seq)
        else:
            report.legacy += 1
        return
    verdict = keyring.check(key_id, entry_message(seq, entry["entry_hash"]), mac)
    if verdict is None:
        runs[f"keyed with key {key_id}, which the key file does not hold"].append(seq)
    elif not verdict:
        runs["MAC fails: rewritten, or re-chained after a rewrite before it"].append(seq)
    else:
        report.keyed_by[key_id] += 1


def _check_head_mac(
    state: Any, keyring: AuditKeyring, first_keyed: int | None, report: AuditReport
) -> None:
    if state.audit_head_mac is None:
        if keyring.anchor is not None or first_keyed is not None:
            report.problems.append(
                "the head (newest entry named in sync_state) carries no MAC: "
                "the log was truncated, replaced or its head moved"
            )
        elif report.entries:
            report.notes.append(
                f"no entry was written since the audit key was introduced: entries 1–"
                f"{report.last_seq} are covered by their hash chain only, until the next "
                "entry keys them"
            )
        return
    message = head_message(state.audit_seq, state.audit_head)
    verdict = keyring.check(state.audit_head_key_id, message, state.audit_head_mac)
    if verdict is None:
        report.problems.append(
            f"the head is keyed with key {state.audit_head_key_id}, "
            "which the key file does not hold"
        )
    elif not verdict:
        report.problems.append(
            f"the head (entry {state.audit_seq}) fails its MAC: the log was truncated, "
            "replaced or its head moved"
        )
    else:
        report.head_key_id = state.audit_head_key_id


def _ranges(runs: Mapping[str, list[int]]) -> list[str]:
    """``entries 3–6: MAC fails…`` rather than one sentence per entry."""
    sentences = []
    for what, seqs in runs.items():
        spans: list[list[int]] = []
        for seq in seqs:
            if spans and seq == spans[-1][1] + 1:
                spans[-1][1] = seq
            else:
                spans.append([seq, seq])
        named = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
        noun = "entry" if len(seqs) == 1 else "entries"
        sentences.append(f"{noun} {named}: {what}")
    return sentences
