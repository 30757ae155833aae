"""Writing the audit log: one chain, extended by a short step as writes commit.

Each entry gets a fresh ``entry_id`` when its write makes it. As the write's
transaction commits (``audit.py``, ``before_commit``), ``chain_visible``
tries to take the counter row ``sync_state`` (the *head*) without waiting:

- Free: the transaction chains every entry left pending by others and then
  its own, in one statement (each gets the next seq, ``prev_hash``, its
  hash, which covers its ``entry_id``, and its MAC), moves the head, and
  holds it through its commit. Two statements where appending always took
  two; nobody waits for them.
- Taken (PostgreSQL, where pushes run side by side): another transaction is
  chaining. This one writes its entries to ``audit_pending`` instead, each
  with an HMAC of its content under the audit key, commits and answers; the
  process's ``ChainStep`` thread then waits for the head, holding nothing,
  so nothing waits for it. Once it has the head it sees every entry
  committed before, these included, and chains whatever is still pending
  (usually nothing: the next write that found the head free took them).

Before this, every push took the head with its audit entry and held it
through its commit, and pushes queued there (docs/performance.md). SQLite
has one writer at a time: the head is always free there.

An entry therefore waits between its write's commit and its place in the
chain for the next write that finds the head free, or at most for the chain
step's short wait (``CHAIN_WINDOW_S``) and one step; a process that stops in
between leaves it to the next write's step. ``check_audit`` verifies pending entries'
MACs and reports one older than ``CHAIN_LAG_LIMIT`` (docs/security.md).
"""

import atexit
import json
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from pydantic import JsonValue
from sqlalchemy import Connection, Engine, Table, delete, event, insert, select, text, update
from sqlmodel import Session

from shared_models.integrity import content_hash
from sync_server.core.audit_key import AuditAnchor, AuditKeyError, AuditKeyring
from sync_server.core.versions import ensure_sync_state
from sync_server.tables import AuditEntry, PendingAuditEntry, SyncState

GENESIS = "0" * 64
CHAIN_LAG_LIMIT = timedelta(minutes=1)
"""An entry pending longer was left by a process that stopped between its
write and the chain step (or chaining fails): ``check_audit`` reports it."""
CHAIN_WINDOW_S = 0.2
"""How long a chain step waits before it runs (``ChainStep``)."""
DISPOSE_WAIT_S = 10.0
"""How long disposing of an engine waits for its running chain step."""
PASS_LIMIT = 1000
"""Entries chained by one step at most (a backlog takes several)."""

log = logging.getLogger(__name__)

LOG: Table = AuditEntry.__table__  # type: ignore[attr-defined]
PENDING: Table = PendingAuditEntry.__table__  # type: ignore[attr-defined]
STATE: Table = SyncState.__table__  # type: ignore[attr-defined]

_keyrings: "WeakKeyDictionary[Engine, AuditKeyring]" = WeakKeyDictionary()


def bind_audit_keyring(engine: Engine, keyring: AuditKeyring) -> None:
    """Entries written through ``engine`` are keyed with ``keyring`` (called by
    ``create_app`` and the admin commands; the last binding wins)."""
    _keyrings[engine] = keyring


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def keyring_of(engine: Engine) -> AuditKeyring:
    """The keyring bound to ``engine``; an unbound engine is a wiring bug
    that must not write unkeyed entries silently."""
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


def pending_message(entry: Mapping[Any, Any]) -> bytes:
    """What a pending entry's MAC covers: its id and content. A third text,
    so no pending MAC passes for a chained entry's or the head's."""
    payload: dict[str, JsonValue] = {
        "entry_id": str(entry["entry_id"]),
        "at": utc_iso(entry["at"]),
        "actor_id": str(entry["actor_id"]) if entry["actor_id"] else None,
        "device_id": entry["device_id"],
        "action": entry["action"],
        "detail": as_json(entry["detail"]),
    }
    return f"lastmile audit pending v1\n{content_hash(payload)}".encode()


def entry_hash(entry: Mapping[Any, Any]) -> str:
    """Covers every column but the hash and the MAC, so any edit shows.
    ``entry_id`` counts where it is set (entries chained before it existed
    keep their hashes)."""
    payload: dict[str, JsonValue] = {
        "seq": entry["seq"],
        "at": utc_iso(entry["at"]),
        "actor_id": str(entry["actor_id"]) if entry["actor_id"] else None,
        "device_id": entry["device_id"],
        "action": entry["action"],
        "detail": as_json(entry["detail"]),
        "prev_hash": entry["prev_hash"],
    }
    if entry.get("entry_id") is not None:
        payload["entry_id"] = str(entry["entry_id"])
    return content_hash(payload)


def utc_iso(at: datetime) -> str:
    """SQLite hands times back without their zone; they are stored in UTC."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def as_json(value: Any) -> JsonValue:
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def new_entry(
    action: str,
    at: datetime,
    actor_id: uuid.UUID | None,
    device_id: str | None,
    detail: dict[str, Any] | None,
) -> dict[str, Any]:
    """One entry as its write made it: not yet chained, not yet keyed."""
    return {
        "entry_id": uuid.uuid4(),
        "at": at.replace(microsecond=0),
        "actor_id": actor_id,
        "device_id": device_id,
        "action": action,
        "detail": as_json(detail or {}),
    }


def keyed_pending(keyring: AuditKeyring, entry: dict[str, Any]) -> dict[str, Any]:
    """The ``audit_pending`` row of ``entry``: the entry and its MAC."""
    key_id, mac = keyring.sign(pending_message(entry))
    return entry | {"key_id": key_id, "mac": mac}


INSERT_PENDING = insert(PENDING)
_HEAD_COLUMNS = (STATE.c.audit_seq, STATE.c.audit_head, STATE.c.audit_head_mac, STATE.c.epoch)
_TAKE_HEAD = select(*_HEAD_COLUMNS).where(STATE.c.id == 1).with_for_update()
_PENDING_ROWS = (
    select(PENDING, LOG.c.seq.label("chained_as"))
    .outerjoin(LOG, LOG.c.entry_id == PENDING.c.entry_id)
    .order_by(PENDING.c.id)
    .limit(PASS_LIMIT)
)
_TRY_HEAD_WITH_PENDING = text(
    # PostgreSQL: the head, if nobody holds it, and the pending entries, in
    # one statement. Its snapshot is taken before the head's lock: should a
    # chainer commit in between, the locked head is its newer version, no
    # longer the one the snapshot read (``seen_seq``), and the pending
    # entries are read again (``chain_visible``).
    "SELECT s.audit_seq, s.audit_head, s.audit_head_mac, s.epoch, "  # noqa: S608 (constants)
    "(SELECT audit_seq FROM sync_state WHERE id = 1) AS seen_seq, "
    "p.id, p.entry_id, p.at, p.actor_id, p.device_id, p.action, p.detail, p.key_id, p.mac, "
    "(SELECT seq FROM audit_log AS l WHERE l.entry_id = p.entry_id) AS chained_as "
    "FROM sync_state AS s LEFT JOIN LATERAL "
    f"(SELECT * FROM audit_pending ORDER BY id LIMIT {PASS_LIMIT}) AS p ON true "
    "WHERE s.id = 1 ORDER BY p.id FOR UPDATE OF s SKIP LOCKED"
)
_SET_HEAD = update(STATE).where(STATE.c.id == 1)
_MOVE = text(
    # PostgreSQL: the pending rows leave, the chained ones arrive and the
    # head moves in one statement, one round trip while the head is held.
    "WITH gone AS (DELETE FROM audit_pending WHERE id = ANY(CAST(:ids AS bigint[]))), "
    "added AS (INSERT INTO audit_log (seq, at, actor_id, device_id, action, detail, "
    "prev_hash, entry_hash, key_id, mac, entry_id) "
    "SELECT seq, at, actor_id, device_id, action, detail, prev_hash, entry_hash, key_id, mac, "
    "entry_id FROM json_populate_recordset(NULL::audit_log, CAST(:rows AS json))) "
    "UPDATE sync_state SET audit_seq = :seq, audit_head = :head, "
    "audit_head_key_id = :head_key_id, audit_head_mac = :head_mac WHERE id = 1"
)


def chain_visible(
    connection: Connection,
    keyring: AuditKeyring,
    *,
    skip_locked: bool,
    own: Sequence[dict[str, Any]] = (),
) -> int | None:
    """Chain every pending entry this transaction sees (up to ``PASS_LIMIT``),
    in the order of their ids, then ``own``: entries of the caller's own
    transaction, never written pending (``append_audit``). The caller
    commits. None when ``skip_locked`` and another transaction holds the
    head; ``own`` is then not written. Pending entries that may not be
    chained (``_genuine``) stay where they are.

    The pending entries are read after the head is taken: each statement of
    a READ COMMITTED transaction sees what committed before it began, so
    this one sees every entry a previous chainer left and none it moved."""
    taken = _take_head(connection, skip_locked)
    if taken is None:
        return None
    state, pending_rows = taken
    seq, head = state["audit_seq"], state["audit_head"]
    entries: list[dict[str, Any]] = []
    moved: list[int] = []
    for pending in pending_rows:
        if _genuine(pending, keyring):
            moved.append(pending["id"])
            entries.append(dict(pending))
    entries.extend(own)
    if not entries:
        return 0
    if state["audit_head_mac"] is None and keyring.anchor is None:
        _record_anchor(keyring, AuditAnchor(str(state["epoch"]), seq + 1, head))
    chained = []
    for entry in entries:
        seq += 1
        row = {name: entry[name] for name in ("entry_id", "at", "actor_id", "device_id", "action")}
        row |= {"seq": seq, "detail": as_json(entry["detail"]), "prev_hash": head}
        head = row["entry_hash"] = entry_hash(row)
        row["key_id"], row["mac"] = keyring.sign(entry_message(seq, head))
        chained.append(row)
    head_key_id, head_mac = keyring.sign(head_message(seq, head))
    if connection.dialect.name == "postgresql":
        rows = json.dumps(chained, default=str)
        names = {"seq": seq, "head": head, "head_key_id": head_key_id, "head_mac": head_mac}
        connection.execute(_MOVE, {"ids": moved, "rows": rows, **names})
    else:
        if moved:
            connection.execute(delete(PENDING).where(PENDING.c.id.in_(moved)))
        connection.execute(insert(LOG), chained)
        new_head = {"audit_seq": seq, "audit_head": head}
        new_head |= {"audit_head_key_id": head_key_id, "audit_head_mac": head_mac}
        connection.execute(_SET_HEAD.values(new_head))
    return len(chained)


def _take_head(
    connection: Connection, skip_locked: bool
) -> tuple[Mapping[Any, Any], list[Mapping[Any, Any]]] | None:
    """The head (locked until the transaction ends) and the pending entries;
    None when ``skip_locked`` and another transaction holds the head."""
    if skip_locked and connection.dialect.name == "postgresql":
        rows = connection.execute(_TRY_HEAD_WITH_PENDING).mappings().all()
        if rows:
            state = rows[0]
            if state["seen_seq"] == state["audit_seq"]:
                return state, [row for row in rows if row["id"] is not None]
            return state, list(connection.execute(_PENDING_ROWS).mappings().all())
        # Held by another transaction (or missing, in a database the
        # migrations did not seed: the chain step creates it).
        return None
    head = connection.execute(_TAKE_HEAD).mappings().one_or_none()
    if head is None:
        with Session(bind=connection) as session:
            ensure_sync_state(session)
        head = connection.execute(_TAKE_HEAD).mappings().one()
    return head, list(connection.execute(_PENDING_ROWS).mappings().all())


def _genuine(pending: Mapping[Any, Any], keyring: AuditKeyring) -> bool:
    """A pending entry is chained only when its MAC holds and its id was
    never chained: one changed, forged or copied while it waited stays
    where it is, for ``check_audit`` to report (chained, it would carry a
    MAC it never earned)."""
    verdict = keyring.check(pending["key_id"], pending_message(pending), pending["mac"])
    if verdict and pending["chained_as"] is None:
        return True
    log.error(
        "audit entry pending as %s not chained: %s",
        pending["id"],
        "its id was chained before" if verdict else "its MAC does not hold",
    )
    return False


def _record_anchor(keyring: AuditKeyring, anchor: AuditAnchor) -> None:
    """The first keyed entry of this database: the key file records that
    the entries before it predate the key (once; see audit_key.py). A key
    file that cannot be written must not stop the chain: the entries are
    keyed all the same, and verify-audit reports the gap."""
    try:
        keyring.record_anchor(anchor)
    except (AuditKeyError, OSError) as error:
        log.error("cannot record where audit keying began in %s: %s", keyring.path, error)


def chain_pending(connection: Connection, keyring: AuditKeyring) -> int:
    """Chain every pending entry, waiting for the head if a transaction holds
    it; on ``connection``, not in a transaction. Run by ``ChainStep`` for the
    writes that found the head taken, after they committed: it waits holding
    nothing, so nothing waits for it, and once it has the head it sees their
    entries (unless a write before it chained them). Also for tests and
    commands that must see the chain complete. How many entries were
    chained."""
    total = 0
    while True:
        with connection.begin():
            chained = chain_visible(connection, keyring, skip_locked=False)
        total += chained or 0
        if not chained or chained < PASS_LIMIT:
            return total


class ChainStep:
    """The chain steps of one engine in this process, run on a thread of
    their own so that a write whose entries went pending answers at once.

    ``request`` after such a write has committed: if no step is running, a
    thread starts one; if one is, it runs once more when done. Either way a
    step starts after the write's commit and chains its entries (or finds
    them chained by a write that found the head free). One thread at most
    per engine and process, so at most one waits for the head per process:
    writes never queue there, steps do not pile up.

    Disposing of the engine waits for a running step and then closes the
    connection it used: a step that outlived its engine's pool would hold a
    connection nobody closes (a server stopping, a test's database dropped)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self._thread: threading.Thread | None = None
        event.listen(engine, "engine_disposed", self._after_dispose)

    @classmethod
    def of(cls, engine: Engine) -> "ChainStep":
        with _STEPS_LOCK:
            step = _STEPS.get(engine)
            if step is None:
                step = _STEPS[engine] = cls(engine)
            return step

    def request(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
            self._thread = threading.Thread(target=self._run, name="audit-chain", daemon=True)
            self._thread.start()

    def _after_dispose(self, engine: Engine) -> None:
        """``Engine.dispose`` has replaced the pool: let a running step end,
        then close what it checked back in to the new pool."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=DISPOSE_WAIT_S)
        engine.pool.dispose()

    def _run(self) -> None:
        while True:
            # A short wait first: meanwhile the next write that finds the
            # head free chains these entries in its own transaction, and one
            # step then serves every write that asked during the wait.
            time.sleep(CHAIN_WINDOW_S)
            with self._lock:
                self._again = False
            engine = self._engine()
            if engine is not None:
                try:
                    chain_now(engine)
                except Exception:
                    log.exception("a chain step failed; the next write's step chains the entries")
            with self._lock:
                if not self._again or engine is None:
                    self._running = False
                    return


_STEPS: "WeakKeyDictionary[Engine, ChainStep]" = WeakKeyDictionary()
_STEPS_LOCK = threading.Lock()


@atexit.register
def _chain_before_exit() -> None:
    """A command that exits before its step ran (the step's thread is a
    daemon) chains its entries on the way out."""
    with _STEPS_LOCK:
        steps = list(_STEPS.values())
    for step in steps:
        engine = step._engine()
        if step._running and engine is not None:
            try:
                chain_now(engine)
            except Exception:
                log.exception("chaining on exit failed; the next write's step chains the entries")


def chain_now(engine: Engine) -> int:
    """``chain_pending`` on a connection of its own."""
    with engine.connect() as connection:
        return chain_pending(connection, keyring_of(engine))
