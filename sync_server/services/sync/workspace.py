"""The rows one push reads and writes, loaded in a few set-based queries.

A push of hundreds of mutations must not cost hundreds of round trips: the
workspace prefetches every record a batch names and every record those refer
to, then serves later look-ups (including rows created earlier in the same
batch) from memory.

Rows a push creates are not ORM objects: building and flushing thousands of
instrumented instances costs far more than the work itself. They are plain
``NewRow`` values until ``insert_new`` writes them with one multi-row insert
per table, at the end of the push or whenever a query must see them. While
``streaming`` (PostgreSQL), a new row that no other mutation of the batch
names is final at once and goes out through a ``RowStream`` instead.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Table,
    TypeDecorator,
    Uuid,
    any_,
    bindparam,
    select,
)
from sqlalchemy.engine import Dialect
from sqlmodel import Session

from shared_models.protocol.push import Mutation
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import org_edges
from sync_server.services.sync.bulk_insert import RowStream, insert_rows
from sync_server.services.sync.records import ROWS

REFERENCE_FIELDS: dict[str, TableName] = {
    "case_id": TableName.CASES,
    "subject_id": TableName.SUBJECTS,
    "org_unit_id": TableName.ORG_UNITS,
    "mediator_id": TableName.USERS,
    "officer_id": TableName.USERS,
    "supersedes_id": TableName.AGREEMENTS,
    "request_id": TableName.SUBJECT_EVENTS,
}
"""Fields that name a record of another table (polymorphic ones are handled apart)."""

_POLYMORPHIC = {"owner_id": "owner_table", "target_id": "target_table"}
_LINKS = frozenset(REFERENCE_FIELDS) | frozenset(_POLYMORPHIC)
_TABLE_NAMES = frozenset(TableName)
_CHUNK = 500
_UNKNOWN = object()
"""Not loaded yet (``None`` is a row known not to exist)."""


def _as_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


class NewRow:
    """A row created in this push and not yet written: its columns as attributes."""

    id: UUID

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


@cache
def _column_defaults(table: TableName) -> tuple[Table, dict[str, Any]]:
    """The table and the model's default for every column (what the ORM would insert)."""
    model = ROWS[table]
    sa_table: Table = model.__table__  # type: ignore[attr-defined]
    defaults = {}
    for column in sa_table.columns:
        info = model.model_fields.get(column.name)
        defaults[column.name] = (
            None if info is None else info.get_default(call_default_factory=True)
        )
    return sa_table, defaults


class Workspace:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[TableName, dict[UUID, Any]] = defaultdict(dict)
        self._new: dict[TableName, list[NewRow]] = defaultdict(list)
        self._stream: RowStream | None = None
        self._final: set[tuple[TableName, UUID]] = set()
        self._streamed: list[tuple[TableName, UUID]] = []
        self._org_edges: list[tuple[UUID, UUID | None]] | None = None

    def org_edges(self) -> list[tuple[UUID, UUID | None]]:
        """(unit, parent) of every org unit, read once per workspace: the
        placement checks need the tree below the people a push names."""
        if self._org_edges is None:
            self._org_edges = org_edges(self.session)
        return self._org_edges

    def prefetch(self, mutations: Iterable[Mutation]) -> None:
        """Load every row the mutations name or refer to, in one query per table."""
        wanted: dict[TableName, set[UUID]] = defaultdict(set)
        parsed: dict[str, UUID | None] = {}

        def reference(value: Any) -> UUID | None:
            """``value`` as an id; a batch names the same case again and again."""
            if not isinstance(value, str):
                return _as_uuid(value)
            if value not in parsed:
                parsed[value] = _as_uuid(value)
            return parsed[value]

        named: dict[TableName, set[UUID]] = defaultdict(set)
        for mutation in mutations:
            named[mutation.table].add(mutation.record_id)
            fields = mutation.fields
            for name in _LINKS.intersection(fields):  # in C: most fields name nothing
                value = fields[name]
                target = REFERENCE_FIELDS.get(name)
                polymorphic = _POLYMORPHIC.get(name)
                if polymorphic is not None:
                    table_value = mutation.fields.get(polymorphic)
                    target = TableName(table_value) if table_value in _TABLE_NAMES else None
                ref = reference(value) if target is not None and value is not None else None
                if target is not None and ref is not None:
                    wanted[target].add(ref)
        # The named records are locked until commit (PostgreSQL, where pushes
        # run side by side): a concurrent push of the same record waits and
        # then reads what this one wrote, so no change is lost and conflicts
        # are seen. Always in the same order (tables, then ids), so two
        # pushes never wait for each other both ways.
        for table in TableName:
            if table in named:
                self.load(table, sorted(named[table]), lock=True)
        for table, ids in wanted.items():
            self.load(table, ids)

    def load(self, table: TableName, ids: Iterable[UUID], *, lock: bool = False) -> None:
        known = self._rows[table]
        missing = [record_id for record_id in ids if record_id not in known]
        model: Any = ROWS[table]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            query = select(model).where(id_in(self.session, model.id, chunk))
            if lock:
                query = query.order_by(model.id).with_for_update()
            for row in self.session.scalars(query):
                known[row.id] = row
            for record_id in chunk:
                known.setdefault(record_id, None)

    def get(self, table: TableName, record_id: UUID) -> Any:
        """The row, or ``None`` when the database has no such record."""
        row = self._rows[table].get(record_id, _UNKNOWN)
        if row is _UNKNOWN:
            self.load(table, [record_id])
            row = self._rows[table][record_id]
        return row

    def rows_of(self, table: TableName, column: str, value: UUID) -> list[Any]:
        """Every row of ``table`` whose ``column`` is ``value`` as this push
        sees it: stored rows (with this push's changes) and rows it created."""
        model: Any = ROWS[table]
        stored = self.session.scalars(select(model.id).where(getattr(model, column) == value))
        ids = list(stored)
        self.load(table, ids)
        known = self._rows[table]
        found = {record_id: known[record_id] for record_id in ids if known.get(record_id)}
        for row in known.values():
            if row is not None and getattr(row, column, None) == value:
                found[row.id] = row
        return list(found.values())

    def create(self, table: TableName, values: dict[str, Any]) -> NewRow:
        """A row created in this push, written by ``insert_new`` (or streamed
        at once when no other mutation of the batch names it); visible to
        later mutations of the batch, which may still change it."""
        sa_table, defaults = _column_defaults(table)
        row = NewRow(values if defaults.keys() <= values.keys() else {**defaults, **values})
        self._rows[table][row.id] = row
        stream = self._stream
        if (
            stream is not None
            and not stream.closed
            and stream.table is sa_table
            and (table, row.id) in self._final
        ):
            stream.write(row.__dict__)
            self._streamed.append((table, row.id))
        else:
            self._new[table].append(row)
        return row

    @contextmanager
    def streaming(
        self, mutations: list[Mutation], named: Counter[tuple[TableName, UUID]]
    ) -> Iterator[None]:
        """While the block applies ``mutations``, send each new row of the
        table they write most, and that no other mutation names (``named``:
        how many of them name each record), straight to PostgreSQL
        (``RowStream``). The stream ends with the block (cancelled
        if it fails) or at the first other statement; it is not reopened.
        Elsewhere this changes nothing."""
        upserted = Counter(m.table for m in mutations if m.op == "upsert")
        if not upserted or self.session.connection().dialect.name != "postgresql":
            yield
            return
        self._final = {key for key, count in named.items() if count == 1}
        [(table, _)] = upserted.most_common(1)
        sa_table, _ = _column_defaults(table)
        with RowStream(self.session, sa_table, on_close=self._stream_closed) as stream:
            self._stream = stream
            yield
            # The batch is applied and looks nothing up again: the rows need
            # not leave the workspace one by one as the stream ends.
            self._streamed.clear()
        self._stream = None

    def _stream_closed(self) -> None:
        """The streamed rows are stored: like written rows, they leave the workspace."""
        for table, record_id in self._streamed:
            self._rows[table].pop(record_id, None)
        self._streamed.clear()

    def insert_new(self) -> None:
        """Write the rows created so far, one multi-row insert per table.

        Written rows leave the workspace, so a later look-up loads the stored
        row and a change to it goes through the session like any other.
        """
        if self._stream is not None:
            self._stream.close()
        for table, rows in self._new.items():
            if not rows:
                continue
            sa_table, _ = _column_defaults(table)
            insert_rows(self.session, sa_table, [vars(row) for row in rows])
            known = self._rows[table]
            for row in rows:
                known.pop(row.id, None)
        self._new.clear()


def id_in(session: Session, column: Any, ids: list[UUID]) -> ColumnElement[bool]:
    """``column IN ids``. On PostgreSQL as ``= ANY(array)``: one parameter
    instead of hundreds, so the statement text is the same for any count and
    is neither re-rendered nor re-parsed per push. The array goes as its
    text, typed ``uuid[]`` (``_UuidArrayText``): psycopg dumps a list of
    ``UUID`` one element at a time in Python, about 0.9 ms for the 500 ids
    of a push. Each id as 32 hex digits, which PostgreSQL reads as a uuid
    too, at half the cost of ``str``."""
    if session.connection().dialect.name == "postgresql":
        written = "{" + ",".join([record_id.hex for record_id in ids]) + "}"
        array = bindparam("ids", written, type_=_UuidArrayText())
        return column == any_(array)  # type: ignore[no-any-return]
    return column.in_(ids)  # type: ignore[no-any-return]


class _UuidArrayText(TypeDecorator[str]):
    """A ``uuid[]`` parameter given as its text (``{id,id,...}``), sent as is
    for PostgreSQL to read as ``uuid[]``. Not a cast in SQL: a generic plan
    cannot see through a cast of a parameter and scans the whole table."""

    impl = ARRAY(Uuid())
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None
