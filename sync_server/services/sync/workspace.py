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
from functools import cache, cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
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
ID_CHUNK = 1000
"""Ids per look-up: a whole push on PostgreSQL (one array parameter), well
within SQLite's limit on parameters."""
_UNKNOWN = object()
"""Not loaded yet (``None`` is a row known not to exist)."""

RecordKey = tuple[TableName, int]
"""A record as a key of the sets and counts of a push: its table and its
id's integer. A ``UUID``'s hash is Python code (``hash(self.int)``) and a
push hashed ids about fifteen times per mutation; an ``int``'s is C."""


def _as_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


class NewRow:
    """A row created in this push and not yet written: its columns as attributes."""

    id: UUID

    @classmethod
    def holding(cls, values: dict[str, Any]) -> "NewRow":
        """A row whose attributes are ``values``, the dict itself (not copied:
        the caller hands over a dict of its own), without an ``__init__``
        frame: a push makes one per new record."""
        row = cls.__new__(cls)
        row.__dict__ = values
        return row


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
        self._rows: dict[TableName, dict[int, Any]] = defaultdict(dict)
        """Per table, the rows by their id's integer (``RecordKey``)."""
        self._new: dict[TableName, list[NewRow]] = defaultdict(list)
        self._stream: RowStream | None = None
        self._final: set[RecordKey] = set()
        self._streamed: list[RecordKey] = []
        self._org_edges: list[tuple[UUID, UUID | None]] | None = None

    @cached_property
    def postgres(self) -> bool:
        """Whether the session's database is PostgreSQL (asked once)."""
        return self.session.connection().dialect.name == "postgresql"

    def org_edges(self) -> list[tuple[UUID, UUID | None]]:
        """(unit, parent) of every org unit, read once per workspace: the
        placement checks need the tree below the people a push names."""
        if self._org_edges is None:
            self._org_edges = org_edges(self.session)
        return self._org_edges

    def prefetch(self, mutations: Iterable[Mutation], lock_cases: Iterable[UUID] = ()) -> None:
        """Load every row the mutations name or refer to, in one query per
        table; ``lock_cases``: cases locked like named records (the cases
        whose lifecycle the push changes: ``lifecycle.py``)."""
        wanted: dict[TableName, dict[int, UUID]] = defaultdict(dict)
        parsed: dict[str, UUID | None] = {}  # a batch names the same case again and again

        named: dict[TableName, dict[int, UUID]] = defaultdict(dict)
        named[TableName.CASES].update((case_id.int, case_id) for case_id in lock_cases)
        for mutation in mutations:
            named[mutation.table][mutation.record_id.int] = mutation.record_id
            fields = mutation.fields
            for name in _LINKS.intersection(fields):  # in C: most fields name nothing
                value = fields[name]
                target = REFERENCE_FIELDS.get(name)
                polymorphic = _POLYMORPHIC.get(name)
                if polymorphic is not None:
                    table_value = mutation.fields.get(polymorphic)
                    target = TableName(table_value) if table_value in _TABLE_NAMES else None
                if target is None or value is None:
                    continue
                if not isinstance(value, str):
                    ref = _as_uuid(value)
                elif value in parsed:
                    ref = parsed[value]
                else:
                    ref = parsed[value] = _as_uuid(value)
                if ref is not None:
                    wanted[target][ref.int] = ref
        # The named records are locked until commit (PostgreSQL, where pushes
        # run side by side): a concurrent push of the same record waits and
        # then reads what this one wrote, so no change is lost and conflicts
        # are seen. Always in the same order (tables, then ids), so two
        # pushes never wait for each other both ways. Ids sort as integers,
        # in C, the database's order (``UUID.__lt__`` is Python code).
        for table in TableName:
            ids = named.get(table)
            if ids:
                self.load(table, [ids[key] for key in sorted(ids)], lock=True)
        for table, refs in wanted.items():
            self.load(table, refs.values())

    def load(self, table: TableName, ids: Iterable[UUID], *, lock: bool = False) -> None:
        known = self._rows[table]
        missing = [record_id for record_id in ids if record_id.int not in known]
        for start in range(0, len(missing), ID_CHUNK):
            chunk = missing[start : start + ID_CHUNK]
            query = _load_statement(table, self.postgres, lock)
            for row in self.session.scalars(query, ids_param(self.postgres, chunk)):
                known[row.id.int] = row
            for record_id in chunk:
                known.setdefault(record_id.int, None)

    def get(self, table: TableName, record_id: UUID) -> Any:
        """The row, or ``None`` when the database has no such record."""
        key = record_id.int
        row = self._rows[table].get(key, _UNKNOWN)
        if row is _UNKNOWN:
            self.load(table, [record_id])
            row = self._rows[table][key]
        return row

    def rows_of(self, table: TableName, column: str, value: UUID) -> list[Any]:
        """Every row of ``table`` whose ``column`` is ``value`` as this push
        sees it: stored rows (with this push's changes) and rows it created."""
        model: Any = ROWS[table]
        stored = self.session.scalars(select(model.id).where(getattr(model, column) == value))
        ids = list(stored)
        self.load(table, ids)
        known = self._rows[table]
        found = {key: known[key] for key in (record_id.int for record_id in ids) if known.get(key)}
        for key, row in known.items():
            if row is not None and getattr(row, column, None) == value:
                found[key] = row
        return list(found.values())

    def create(self, table: TableName, values: dict[str, Any]) -> NewRow:
        """A row created in this push, written by ``insert_new`` (or streamed
        at once when no other mutation of the batch names it); visible to
        later mutations of the batch, which may still change it. ``values``
        becomes the row's own: the caller must not change it afterwards."""
        sa_table, defaults = _column_defaults(table)
        row = NewRow.holding(values if defaults.keys() <= values.keys() else {**defaults, **values})
        key = row.id.int
        self._rows[table][key] = row
        stream = self._stream
        if (
            stream is not None
            and not stream.closed
            and stream.table is sa_table
            and (table, key) in self._final
        ):
            stream.write(row.__dict__)
            self._streamed.append((table, key))
        else:
            self._new[table].append(row)
        return row

    @contextmanager
    def streaming(self, mutations: list[Mutation], named: Counter[RecordKey]) -> Iterator[None]:
        """While the block applies ``mutations``, send each new row of the
        table they write most, and that no other mutation names (``named``:
        how many of them name each record, by ``RecordKey``), straight to PostgreSQL
        (``RowStream``). The stream ends with the block (cancelled
        if it fails) or at the first other statement; it is not reopened.
        Elsewhere this changes nothing."""
        upserted = Counter([m.table for m in mutations if m.op == "upsert"])
        if not upserted or not self.postgres:
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
        for table, key in self._streamed:
            self._rows[table].pop(key, None)
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
                known.pop(row.id.int, None)
        self._new.clear()


def id_in(column: Any, postgres: bool) -> ColumnElement[bool]:
    """``column IN :ids``, the ids given by ``ids_param``. On PostgreSQL as
    ``= ANY(array)``: one parameter instead of hundreds, so the statement
    text is the same for any count and is neither re-rendered nor re-parsed
    per push. A statement using it is built once (``_load_statement``):
    building and hashing a new one cost about as much as running it."""
    if postgres:
        return column == any_(bindparam("ids", type_=_UuidArrayText()))  # type: ignore[no-any-return]
    return column.in_(bindparam("ids", expanding=True))  # type: ignore[no-any-return]


def ids_param(postgres: bool, ids: list[UUID]) -> dict[str, Any]:
    """The parameters of ``id_in`` for ``ids``. On PostgreSQL the array goes
    as its text, typed ``uuid[]`` (``_UuidArrayText``): psycopg dumps a list
    of ``UUID`` one element at a time in Python, about 0.9 ms for the 500
    ids of a push. Each id as 32 hex digits, which PostgreSQL reads as a
    uuid too, at half the cost of ``str`` (and formatted here, not by the
    ``hex`` property, a Python call per id)."""
    if postgres:
        return {"ids": "{" + ",".join([f"{record_id.int:032x}" for record_id in ids]) + "}"}
    return {"ids": ids}


@cache
def _load_statement(table: TableName, postgres: bool, lock: bool) -> Select[Any]:
    """The rows of ``table`` with the ids of ``ids_param``; ``lock``: locked
    until commit, in the ids' order."""
    model: Any = ROWS[table]
    query = select(model).where(id_in(model.id, postgres))
    if lock:
        query = query.order_by(model.id).with_for_update()
    return query


class _UuidArrayText(TypeDecorator[str]):
    """A ``uuid[]`` parameter given as its text (``{id,id,...}``), sent as is
    for PostgreSQL to read as ``uuid[]``. Not a cast in SQL: a generic plan
    cannot see through a cast of a parameter and scans the whole table."""

    impl = ARRAY(Uuid())
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None
