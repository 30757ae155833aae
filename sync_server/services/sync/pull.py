"""Serving a pull: the caller's jurisdiction, in version order, resumable.

The page is bounded by the highest version below which nothing is in flight
(``versions.visible_high``): every version at or below it has committed or
never will, so "everything after my cursor up to there" has no holes, and
when nothing more is pending the cursor jumps straight to it. A pull whose
cursor is the last version handed out costs one look-up whatever the size
of the database.
"""

import base64
import binascii
import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any
from uuid import UUID

from psycopg.abc import Buffer
from psycopg.adapt import Loader
from pydantic import JsonValue
from sqlalchemy import Integer, bindparam, select, union_all
from sqlalchemy.engine import Dialect
from sqlmodel import Session

from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.pull import PullPage
from shared_models.protocol.tables import TableName
from sync_server.core.versions import sync_mark, visible_high
from sync_server.repositories.scope import READS_BY_ROLE, JurisdictionScope, Work
from sync_server.services.sync.pull_json import change_text, pg_change_json, wire_select
from sync_server.services.sync.records import ROWS
from sync_server.tables import ScopeExit


class PullRefusedError(Exception):
    """The cursor cannot be served; ``code`` says whether to fix or resync."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Cursor:
    """Where a device's pull stands. ``jurisdiction`` is the
    ``JurisdictionScope.key`` it was issued for: a cursor of another (the
    user moved to another unit or role, or one from before jurisdictions
    were keyed) is answered ``RESYNC_REQUIRED``, and the device drops what
    it holds and pulls its new jurisdiction afresh."""

    epoch: str
    version: int
    jurisdiction: str = ""

    def encode(self) -> str:
        fields = {"e": self.epoch, "v": self.version, "j": self.jurisdiction}
        raw = json.dumps(fields, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            padded = text + "=" * (-len(text) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(
                epoch=str(data["e"]), version=int(data["v"]), jurisdiction=str(data.get("j", ""))
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise PullRefusedError(
                ErrorCode.CURSOR_INVALID,
                "the cursor is not one this server issued; pull again without a cursor",
            ) from None


class EncodedPage:
    """A pull page whose changes are JSON text already, written in pieces.

    A page is thousands of records; building a ``Change`` per record only to
    serialise it again cost most of a pull. On PostgreSQL the database
    writes each change's JSON itself (``pg_change_json``), so the server
    joins text it never parses, as the UTF-8 bytes it arrived in: decoding
    a 3 MB page of Chinese notes to ``str`` and encoding it back took 10 ms.

    On PostgreSQL the changes are also read while the page is being sent
    (``streamed``): the first rows are compressed and on their way while
    the database still writes the last ones. A 5,000-change page took
    61 ms to read, join and compress one step after the other, and 35 ms
    this way. The cursor and ``more`` come last in the JSON, so they are
    known by the time they are written.

    ``changes`` is read once, in version order, and may hold more than
    ``limit`` changes; ``chunks`` (or ``to_json``) is a ``PullPage`` on the
    wire.
    """

    def __init__(
        self,
        changes: Iterable[tuple[int, bytes]],
        limit: int,
        epoch: str,
        high: int,
        *,
        jurisdiction: str = "",
        streamed: bool = False,
    ) -> None:
        self._changes = changes
        self._limit = limit
        self._epoch = epoch
        self._high = high
        self._jurisdiction = jurisdiction
        self.streamed = streamed

    @property
    def epoch(self) -> str:
        """The sync epoch the page's cursor carries (a header of the answer)."""
        return self._epoch

    def chunks(self) -> Iterator[bytes]:
        head, limit, pending = b'{"changes":[', self._limit, list[bytes]()
        taken, sent, more, next_version = 0, False, False, self._high
        for version, change in self._changes:
            if taken == limit:
                # One more than the page holds: the page ends before it. The
                # rest is still read, so the database finishes its statement.
                more = True
                continue
            pending.append(change)
            taken += 1
            next_version = version
            if len(pending) == _CHUNK:
                yield head + (b"," if sent else b"") + b",".join(pending)
                head, sent, pending = b"", True, []
        version = next_version if more else self._high
        cursor = Cursor(self._epoch, version, self._jurisdiction).encode()
        tail = f'],"cursor":{json.dumps(cursor)},"more":{"true" if more else "false"}}}'
        yield head + (b"," if sent and pending else b"") + b",".join(pending) + tail.encode()

    def to_json(self) -> bytes:
        return b"".join(self.chunks())

    def decoded(self) -> PullPage:
        """The page as a validated model (for callers that read it in-process)."""
        return PullPage.model_validate_json(self.to_json())


_CHUNK = 500
"""Changes per piece of a page."""


def pull_page(
    session: Session, scope: JurisdictionScope, cursor_text: str | None, limit: int
) -> EncodedPage:
    """The page of changes after ``cursor_text``. On PostgreSQL its changes
    are read from ``session`` while it is written: write it (``chunks``)
    before the session ends."""
    mark = sync_mark(session)
    epoch = str(mark.epoch)
    after = 0
    if cursor_text:
        cursor = Cursor.decode(cursor_text)
        if cursor.epoch != epoch or cursor.version > mark.handed_out:
            raise PullRefusedError(
                ErrorCode.RESYNC_REQUIRED,
                "this cursor belongs to another database; a full resync is required",
            )
        if cursor.jurisdiction != scope.key:
            raise PullRefusedError(
                ErrorCode.RESYNC_REQUIRED,
                "your role or unit changed since this device last synced; "
                "a full resync is required",
            )
        if cursor.version < mark.purged_through:
            raise PullRefusedError(
                ErrorCode.RESYNC_REQUIRED,
                "this device has not synced for longer than deleted records are kept; "
                "a full resync is required",
            )
        after = cursor.version
    high = visible_high(session, mark, after)
    if after == high:
        # Nothing has committed since this cursor (or what has is above a
        # version still in flight): no table can have a change for it. A
        # device that is up to date costs one look-up: ``visible_high``
        # reads nothing when no version was handed out since.
        return EncodedPage([], limit, epoch, after, jurisdiction=scope.key)
    # Read first: no other statement can run while the page's rows stream in.
    removals = _removals(session, scope, after, high, limit + 1) if after > 0 else []
    removals.sort(key=itemgetter(0))
    if session.connection().dialect.name == "postgresql":
        changes = _pg_changes(session, scope, after, high, limit + 1)
        merged = heapq.merge(changes, removals, key=itemgetter(0))
        return EncodedPage(merged, limit, epoch, high, jurisdiction=scope.key, streamed=True)
    candidates = removals
    for table in TableName:
        if not scope.reads_table(table):
            continue
        candidates.extend(_table_changes(session, scope, table, after, high, limit + 1))
    candidates.sort(key=itemgetter(0))  # runs already in version order: near linear
    return EncodedPage(candidates, limit, epoch, high, jurisdiction=scope.key)


def _pg_changes(
    session: Session, scope: JurisdictionScope, after: int, high: int, limit: int
) -> Iterator[tuple[int, bytes]]:
    """The first ``limit`` changes of every table after ``after``, in version
    order: (version, JSON), from one statement (``_pg_page_statement``),
    read as the database sends them."""
    connection = session.connection()
    statement = _pg_page_statement(connection.dialect, fresh=after == 0, works=scope.works)
    params = {**scope.bound_filter_params(), "after": after, "high": high, "limit": limit}
    driver: Any = connection.connection.driver_connection
    utf8 = driver.info.encoding == "utf-8"
    with driver.cursor() as cursor:
        if utf8:
            cursor.adapters.register_loader("text", _Utf8Bytes)
        # Never prepared (``stream`` sends it unnamed), so planned for these
        # parameters every time: a generic plan cannot know how few rows an
        # officer's scope holds and walks the whole version index for them;
        # planning costs about 1 ms.
        for version, change in cursor.stream(statement, params, size=_CHUNK):
            yield version, change if utf8 else change.encode()


class _Utf8Bytes(Loader):
    """Text as the bytes the database sent, on a UTF-8 connection."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


def prepare_statements(dialect: Dialect) -> None:
    """Build and compile the page statements now (about 45 ms each, one pair
    per set of lines of work a role reads), when a server process starts,
    rather than in the first device's pull. A second engine of the same
    driver finds them compiled (``_pg_page_statement``)."""
    if dialect.name == "postgresql":
        for works in {frozenset(works) for works in READS_BY_ROLE.values()}:
            for fresh in (True, False):
                _pg_page_statement(dialect, fresh=fresh, works=works)


def _pg_page_statement(dialect: Dialect, fresh: bool, works: frozenset[Work]) -> str:
    """The SQL of a page on PostgreSQL, compiled once per driver and
    parameter style rather than once per ``Dialect`` instance.

    The text depends on the kind of dialect, not on the instance, and every
    engine has an instance of its own: cached by instance, each new engine
    (a server whose engine is made again, every test's database) compiled
    all six statements again, about 0.2 s of CPU each time.
    """
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    return _pg_page_statement_of(_COMPILING_DIALECTS.setdefault(key, dialect), fresh, works)


_COMPILING_DIALECTS: dict[tuple[str, str, str], Dialect] = {}
"""The first dialect seen per (name, driver, parameter style): the one the
page statements are compiled with and cached by."""


@cache
def _pg_page_statement_of(dialect: Dialect, fresh: bool, works: frozenset[Work]) -> str:
    """The SQL of a page on PostgreSQL, compiled with ``dialect``.

    Built and compiled once per process: a page reads ten tables, and
    compiling ten statements (or finding them in SQLAlchemy's cache) for
    every page cost more than running them. Each table contributes its
    first ``limit`` changes by version (an index walk that stops early), the
    union keeps the first ``limit`` of all. ``fresh`` (no cursor) leaves out
    deleted records: a new device needs no tombstones. One statement per
    set of lines of work a role reads (``works``): a table of a line the
    role does not read is left out, and the others test ``scope_work``
    only where rows of both lines share a table.
    """
    parts = []
    version_bound = bindparam("after", type_=Integer), bindparam("high", type_=Integer)
    for table in TableName:
        if not JurisdictionScope.bound_reads_table(table, works):
            continue
        model: Any = ROWS[table]
        part = select(model.version.label("version"), pg_change_json(table).label("change"))
        part = part.where(
            model.version > version_bound[0],
            model.version <= version_bound[1],
            JurisdictionScope.bound_row_filter(table, model, works),
        )
        if fresh:
            part = part.where(model.deleted.is_(False))
        parts.append(part.order_by(model.version).limit(bindparam("limit", type_=Integer)))
    union = union_all(*parts).subquery("page")
    statement = (
        select(union.c.version, union.c.change)
        .order_by(union.c.version)
        .limit(bindparam("limit", type_=Integer))
    )
    return str(statement.compile(dialect=dialect))


def _table_changes(
    session: Session, scope: JurisdictionScope, table: TableName, after: int, high: int, limit: int
) -> list[tuple[int, bytes]]:
    """Up to ``limit`` changes of ``table`` after ``after``: (version, JSON)
    (SQLite, one table at a time)."""
    model: Any = ROWS[table]
    connection = session.connection()
    query = (
        select(model.version, *wire_select(table)[0])
        .where(model.version > after, model.version <= high, scope.row_filter(table, model))
        .order_by(model.version)
        .limit(limit)
    )
    if after == 0:
        query = query.where(model.deleted.is_(False))
    return [
        (values[0], change_text(table, values[1:])) for values in connection.execute(query).all()
    ]


def _removals(
    session: Session, scope: JurisdictionScope, after: int, high: int, limit: int
) -> list[tuple[int, bytes]]:
    """Records that left the caller's jurisdiction and are not visible now."""
    exits_table: Any = ScopeExit  # its columns, untyped like the other tables' here
    exits: list[ScopeExit] = list(
        session.scalars(
            select(ScopeExit)
            .where(exits_table.version > after, exits_table.version <= high, scope.exits_filter())
            .order_by(exits_table.version)
            .limit(limit)
        )
    )
    latest: dict[tuple[str, UUID], ScopeExit] = {}
    for exit_ in exits:  # ascending: a later exit of the same record replaces an earlier one
        latest[(exit_.table_name, exit_.record_id)] = exit_
    removals: list[tuple[int, bytes]] = []
    for (table_name, record_id), exit_ in latest.items():
        table = TableName(table_name)
        if not scope.reads_table(table):
            continue  # never sent to this role, so nothing to drop
        model: Any = ROWS[table]
        row = session.execute(
            select(model.scope_unit_id, model.scope_officer_id, model.scope_work).where(
                model.id == record_id
            )
        ).first()
        if row is not None and (scope.may_read(row) or not scope.reads_work(row.scope_work)):
            continue  # still readable, or of a line of work this role never received
        record: dict[str, JsonValue] = {"id": str(record_id), "version": exit_.version}
        change = {"table": table.value, "op": "remove", "record": record}
        removals.append((exit_.version, json.dumps(change, separators=(",", ":")).encode()))
    return removals
