"""Writing many new rows at once: PostgreSQL's binary COPY, or one
executemany on SQLite.

PostgreSQL stores the rows of a COPY in batches, 1,000 rows at a time or
whenever 64 KB of input lines are buffered. Binary input has no lines, so a
push's 500 rows used to be stored and indexed only once the COPY had ended,
while this process waited. A COPY whose ``WHERE`` clause calls a volatile
function stores each row as it arrives instead: that function might read
the table, so it must see the rows before it. With ``WHERE random() >= 0``
(always true), PostgreSQL stores and indexes the first rows on its own core
while psycopg is still formatting and sending the rest. For 500 visits, the
COPY took 7.6 ms this way and 9.8 ms batched. A ``RowStream`` goes further:
it sends a push's rows while the push is still validating the next ones.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from types import TracebackType
from typing import Any

from psycopg import pq
from psycopg.adapt import Dumper
from psycopg.postgres import types as pg_types
from pydantic_core import to_json
from sqlalchemy import Connection, Table, event, insert
from sqlmodel import Session

RowWriter = tuple[Callable[[tuple[Any, ...]], None], Callable[[dict[str, Any]], tuple[Any, ...]]]
"""An open COPY: the function that sends one row's values (in column order),
and the one that picks them from a row (a value for every column). Two
calls per row, not a function wrapping both: a push sends two rows per
mutation."""


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (each with a value for every column of ``table``; other
    keys are ignored) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        columns = [column.name for column in table.columns]
        connection.execute(insert(table), [{name: row[name] for name in columns} for row in rows])
        return
    with _copy_in(connection, table) as (write, values):
        for row in rows:
            write(values(row))


class RowStream:
    """New rows of one table, sent to PostgreSQL while they are still coming.

    A push validates its mutations one by one; with a stream open, each new
    row goes out as soon as it is final, and PostgreSQL stores and indexes it
    (row by row, see the module docstring) on its own core while this
    process validates the next mutation. At the end of the push only the
    last rows are still to be indexed.

    ``write`` opens the COPY with the first row. A connection runs nothing
    else while a COPY is open, so the stream closes itself before any other
    statement its session's connection sends (a look-up, an ORM flush); the
    rows written so far are then in the table. ``on_close`` is called when it
    closes. Used as a context manager, an error inside the block cancels the
    COPY, and with it the transaction.
    """

    def __init__(self, session: Session, table: Table, on_close: Callable[[], None]) -> None:
        self.table = table
        self.closed = False
        self._session = session
        self._on_close = on_close
        self._copy: ExitStack | None = None
        self._connection: Connection | None = None
        self._writer: RowWriter | None = None
        self._listening = False

    def write(self, row: dict[str, Any]) -> None:
        if self._writer is None:
            connection = self._session.connection()
            copy = ExitStack()
            self._writer = copy.enter_context(_copy_in(connection, self.table))
            self._copy, self._connection = copy, connection
            event.listen(connection, "before_cursor_execute", self._before_statement)
            self._listening = True
        write, values = self._writer
        write(values(row))

    def _before_statement(self, *_statement: Any) -> None:
        # SQLAlchemy is running its listeners: this one cannot be removed now.
        # It stays, doing nothing, until the transaction's connection goes.
        self._listening = False
        self.close()

    def close(self) -> None:
        """End the COPY: from here on its rows are in the table."""
        self._end(None, None, None)

    def __enter__(self) -> "RowStream":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._end(kind, error, trace)

    def _end(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.closed:
            return
        self.closed = True
        if self._connection is not None and self._listening:
            event.remove(self._connection, "before_cursor_execute", self._before_statement)
        if self._copy is not None:
            self._copy.__exit__(kind, error, trace)  # with an error: COPY cancelled
        self._copy = self._connection = self._writer = None
        if kind is None:
            self._on_close()


@contextmanager
def _copy_in(connection: Connection, table: Table) -> Iterator[RowWriter]:
    """A binary COPY into ``table``; yields its ``RowWriter``."""
    driver: Any = connection.connection.driver_connection
    layout = _copy_layout(table)
    with driver.cursor() as cursor:
        types = _column_types(cursor, table)
        cursor.adapters.register_dumper(None, _JsonCopyDumper)
        cursor.adapters.register_dumper(None, _JsonbCopyDumper)
        with cursor.copy(layout.statement) as copy:
            copy.set_types(types)
            yield copy.write_row, layout.values


@dataclass(frozen=True)
class _CopyLayout:
    """How a table is copied in: the COPY statement and a getter of a row's
    values in column order (a tuple picked in C).

    The binary format, because its dumpers cost a tenth of the text ones'
    per value, measured on this kind of machine: a zone-aware ``datetime``
    0.16 µs (text: 1.9 µs), a ``UUID`` 0.16 µs (``str``: 0.5 µs); JSON
    columns go through ``pydantic_core.to_json`` (``json.dumps`` of a
    field-versions dict: 3.6 µs), with no Python code around it
    (``_JsonCopyDumper``). A push of 10,000 visits writes about
    200,000 values.
    """

    statement: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]


class _JsonCopyDumper(Dumper):
    """A JSON column's value in a binary COPY (which takes it as its text):
    ``pydantic_core.to_json`` itself, called by psycopg's C row formatter
    with no Python frame around it (a builtin does not bind as a method).
    Registered by the type's oid only, on the COPY's own cursor."""

    format = pq.Format.BINARY
    oid = pg_types["json"].oid
    dump = to_json  # type: ignore[assignment]


class _JsonbCopyDumper(Dumper):
    """The same for a ``jsonb`` column (none is copied into today): its
    binary form is a version byte, then the text."""

    format = pq.Format.BINARY
    oid = pg_types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + to_json(obj)


_STORE_EACH_ROW = " WHERE random() >= 0"
"""Always true, and volatile: rows are stored as they arrive (module docstring)."""


@cache
def _copy_layout(table: Table) -> _CopyLayout:
    names = [column.name for column in table.columns]
    return _CopyLayout(
        statement=(
            f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)" + _STORE_EACH_ROW
        ),
        values=itemgetter(*names),
    )


_COLUMN_TYPES: dict[str, list[int]] = {}
"""Per table, its columns' type oids in ``table.columns`` order, as the
database has them (a binary COPY must send each value in exactly its
column's format). Built-in types have the same oid in every database."""


def _column_types(cursor: Any, table: Table) -> list[int]:
    known = _COLUMN_TYPES.get(table.name)
    if known is None:
        cursor.execute(
            "SELECT attname, atttypid::int FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (table.name,),
        )
        oids = dict(cursor.fetchall())
        known = _COLUMN_TYPES[table.name] = [oids[column.name] for column in table.columns]
    return known
