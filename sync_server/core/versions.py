"""The server-wide version sequence, and how far a pull may read it.

Every synced row carries the version of its last change, and a pull asks
for the versions after its cursor. The hazard is the classic one of
sequences: a slow transaction draws version 10, a quick one draws 11 and
commits, a pull returns 11 and moves its cursor past 10; when 10 commits,
no pull ever asks for it again. Two rules keep that from happening, one per
database (docs/protocol.md, "Versions and the pull's bound", has the proof):

- SQLite has one writer at a time (write transactions begin IMMEDIATE), so
  versions come from the counter row ``sync_state.last_version``, taken in
  the writing transaction: they commit in the order they were drawn, and a
  pull reads up to the counter's committed value.
- PostgreSQL runs pushes side by side. Versions come from the sequence
  ``sync_versions``, drawn without waiting for anyone. Before its first
  draw, a transaction reads the last version handed out, ``h``, and holds a
  shared advisory lock keyed ``h`` (the *guard*) until it ends; every
  version it draws is above ``h``. A pull reads the last version handed
  out, then the lowest guard held, and reads no further than the lower of
  the two (``visible_high``): any version at or below that bound was drawn
  before the pull looked, so its transaction either still held its guard
  (and the bound would be below it) or had already ended.

On PostgreSQL pushes share a second advisory lock (the *writers'* lock);
every other writer (review, conflicts, transfers, accounts, loading) takes
it exclusively, so it runs alone as every writer used to, and only pushes,
whose rows ``Workspace.prefetch`` locks one by one, run side by side.
"""

import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlmodel import Session

from sync_server.tables import SyncState

GUARD_LOCK = 0x4C4D0001
"""The advisory lock class of the guards (``pg_locks.classid``); ``objid`` is ``h``."""
WRITERS_LOCK = 0x4C4D0002
"""The advisory lock class of the writers' lock (``objid`` 0)."""


def ensure_sync_state(session: Session) -> SyncState:
    """The counter row, created on first use."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, last_version=0, purged_through=0, epoch=uuid.uuid4())
        session.add(state)
        session.flush()
    return state


_STATE: Table = SyncState.__table__  # type: ignore[attr-defined]
_TAKE = (
    update(_STATE)
    .where(_STATE.c.id == 1)
    .values(last_version=_STATE.c.last_version + bindparam("count"))
    .returning(_STATE.c.last_version)
)
"""SQLite: a Core statement, built once: the ORM's bulk-update machinery
around it cost more than the round trip, on every push."""

# PostgreSQL. The first draw of a transaction is one statement whose order of
# work is fixed by what each step needs: ``generate_series`` cannot start (and
# ``nextval`` cannot run) before its argument, the subquery, is known; the
# subquery reads ``h`` from the sequence's row, takes the writers' lock its
# WHERE names and only then the guard keyed by ``h``. (Should it wait for the
# writers' lock, ``h`` is older than it need be: still below every version
# drawn after it, so only a more cautious bound for a while.) The guard is
# tried, never waited for: it is shared and nobody takes it exclusively, so
# it is always granted (a NULL count, drawing nothing, would say otherwise).
#
# A push's first draw also plans the rest of its transaction without looking
# at the statements' parameters (``plan_cache_mode``, this transaction only),
# saving the round trip a statement of its own cost. A push's statements look
# rows up by key: ids, up to 500 in one array. Planned for the actual array,
# such a look-up spent about 1 ms weighing each id and, while a table was
# small (10,000 visits), picked a sequential scan: 2.8 ms where the index
# takes 0.4 ms. The generic plan uses the index whatever the ids.
_FIRST_DRAW = """
SELECT nextval('sync_versions') FROM generate_series(1, (
    SELECT CASE WHEN pg_try_advisory_xact_lock_shared({guard}, last_value::integer)
                THEN CAST(:count AS integer) END
    FROM sync_versions
    WHERE {writers}({writers_class}, 0)::text = ''{settings}
))
"""
_PUSH_SETTINGS = "\n      AND set_config('plan_cache_mode', 'force_generic_plan', true) <> ''"
_SHARED_DRAW, _ALONE_DRAW = (
    text(
        _FIRST_DRAW.format(
            guard=GUARD_LOCK, writers=writers, writers_class=WRITERS_LOCK, settings=settings
        )
    )
    for writers, settings in (
        ("pg_advisory_xact_lock_shared", _PUSH_SETTINGS),
        ("pg_advisory_xact_lock", ""),
    )
)
_MORE = text("SELECT nextval('sync_versions') FROM generate_series(1, CAST(:count AS integer))")
_HANDED_OUT = text(
    "SELECT coalesce(s.sync_epoch, s.epoch), s.purged_through, "
    "(SELECT last_value FROM sync_versions) "
    "FROM sync_state AS s WHERE s.id = 1"
)
_LOWEST_GUARD = text(
    "SELECT min(objid::bigint) FROM pg_locks WHERE locktype = 'advisory' "  # noqa: S608 (a constant)
    f"AND classid = {GUARD_LOCK} AND objsubid = 2 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class VersionBlock:
    """Versions taken for one transaction; more are taken if it needs them.

    ``alongside_pushes``: this transaction is a push, which may run while
    other pushes do; any other writer runs alone (see the module's notes).
    """

    def __init__(self, session: Session, *, alongside_pushes: bool = False) -> None:
        self._session = session
        self._alongside = alongside_pushes
        self._drawn: deque[int] = deque()
        self._first = True

    def next(self) -> int:
        if not self._drawn:
            self._take(64)
        return self._drawn.popleft()

    def reserve(self, count: int) -> None:
        """Take about ``count`` versions now (one round trip)."""
        if len(self._drawn) < count:
            self._take(max(count, 1))

    def _take(self, count: int) -> None:
        connection = self._session.connection()
        if connection.dialect.name != "postgresql":
            last = int(connection.execute(_TAKE, {"count": count}).scalar_one())
            self._drawn.extend(range(last - count + 1, last + 1))
            return
        statement = _MORE
        if self._first:
            statement = _SHARED_DRAW if self._alongside else _ALONE_DRAW
        before = len(self._drawn)
        self._drawn.extend(connection.execute(statement, {"count": count}).scalars().all())
        if len(self._drawn) - before != count:
            raise RuntimeError("the version guard was not granted")
        self._first = False


@dataclass(frozen=True)
class SyncMark:
    """What a pull checks its cursor against."""

    epoch: uuid.UUID
    """The sync epoch: the database's, or the last restore's (``SyncState``)."""
    purged_through: int
    handed_out: int
    """The highest version drawn so far (committed or not, on PostgreSQL)."""


_MARK = select(
    func.coalesce(_STATE.c.sync_epoch, _STATE.c.epoch),
    _STATE.c.purged_through,
    _STATE.c.last_version,
).where(_STATE.c.id == 1)


def sync_mark(session: Session) -> SyncMark:
    """The database's epoch, purge point and last version handed out, in
    one statement (the whole cost of a pull that finds nothing new)."""
    connection = session.connection()
    statement: Any = _HANDED_OUT if connection.dialect.name == "postgresql" else _MARK
    row = connection.execute(statement).first()
    if row is None:
        ensure_sync_state(session)
        row = connection.execute(statement).one()
    epoch = row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(str(row[0]))
    return SyncMark(epoch=epoch, purged_through=int(row[1]), handed_out=int(row[2]))


def visible_high(session: Session, mark: SyncMark, after: int) -> int:
    """How far a pull that read ``mark`` may read: every version at or below
    the answer has committed or never will. Never below ``after``, where the
    caller's cursor already stands.

    On PostgreSQL, the lowest guard held now: ``mark`` was read before, so a
    version at or below ``mark.handed_out`` was drawn under a guard that is
    either still held (and listed here) or released, its transaction ended.
    The pull's pages must be read after this (each statement of a READ
    COMMITTED transaction sees what committed before it began)."""
    high = mark.handed_out
    if high <= after:
        return after
    if session.connection().dialect.name == "postgresql":
        guard = session.execute(_LOWEST_GUARD).scalar_one()
        if guard is not None:
            high = min(high, int(guard))
    return max(high, after)
