"""What the server sends: pulled pages stored with their cursor, the user's
unsynced edits kept on top, and the drop of every synced record before a
full resync.
"""

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Dialect, Engine, delete, select

from field_app.storage.codec import RecordCodec, stored_processors
from field_app.storage.db import transaction
from field_app.storage.device_state import DeviceStateRow
from field_app.storage.outbox import Outbox
from field_app.storage.search_index import (
    IN_CHUNK,
    RAW_INDEX_DELETE,
    RAW_INDEX_INSERT,
    SearchIndex,
    raw_cursor,
    search_rowid,
)
from field_app.storage.tables import LOCAL_TABLES, OutboxEntry
from shared_models.protocol.pull import Change

INDEX_LATER_FROM = 200
"""A pulled page of at least this many records is stored without its search
entries; ``SearchIndex.index_pending`` adds them after the pull. A first
sync's FTS5 entries are about half of its CPU: the records are usable that
much sooner, and a search meanwhile completes the index before it looks (so
it is never wrong, at worst slow once). Small pages, the everyday case,
index inline."""


@functools.cache
def _insert_plan(
    table: str, names: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[Any, ...]]:
    """The DBAPI insert of a row with columns ``names``, and the stored
    defaults of the table's other columns that have one, appended to every
    row: what SQLAlchemy's ``insert`` would write for the same values.
    ``names`` are the table's own columns (``to_stored`` yields no other)."""
    processors = stored_processors(table, dialect)
    more: list[str] = []
    defaults: list[Any] = []
    for column in LOCAL_TABLES[table].__table__.columns:  # type: ignore[attr-defined]
        default = column.default
        if column.name in names or default is None:
            continue
        value = default.arg(None) if default.is_callable else default.arg
        more.append(column.name)
        defaults.append(processors[column.name](value))
    listed = ", ".join(f'"{name}"' for name in (*names, *more))
    marks = ", ".join("?" * (len(names) + len(more)))
    return f'INSERT INTO "{table}" ({listed}) VALUES ({marks})', tuple(defaults)  # noqa: S608


@functools.cache
def _update_sql(table: str, names: tuple[str, ...]) -> str:
    """The DBAPI update of columns ``names`` (the table's own) by id."""
    assignments = ", ".join(f'"{name}" = ?' for name in names)
    return f'UPDATE "{table}" SET {assignments} WHERE id = ?'  # noqa: S608


class PulledChanges:
    """Writes the server's records into the local tables."""

    def __init__(
        self,
        engine: Engine,
        codec: RecordCodec,
        outbox: Outbox,
        search_index: SearchIndex,
        device: DeviceStateRow,
        now: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.codec = codec
        self.outbox = outbox
        self.search_index = search_index
        self.device = device
        self.now = now

    def apply_page(self, changes: Sequence[Change], cursor: str) -> None:
        """Store a page of server changes and its cursor in one transaction.
        Records with unsynced local edits keep them on top of the new server
        state, so a pull never overwrites what the user typed.

        A first sync brings tens of thousands of records: each page is
        written with one statement per table and kind of write, executed
        many times by the DBAPI cursor itself. The values are what SQLAlchemy
        would bind (``RecordCodec.to_stored``); its per-row parameter
        handling cost more than SQLite's own work."""
        latest: dict[tuple[str, UUID], Change] = {}
        for change in changes:  # a record at most once per page; if twice, the later wins
            latest[(change.table, UUID(str(change.record["id"])))] = change
        by_table: dict[str, list[tuple[UUID, Change]]] = {}
        for (table, record_id), change in latest.items():
            by_table.setdefault(table, []).append((record_id, change))
        with transaction(self.engine) as session:
            dialect = session.connection().dialect
            cursor_ = raw_cursor(session)
            overlays = self.outbox.overlays(session, [record_id for _, record_id in latest])
            index_later = len(latest) >= INDEX_LATER_FROM
            if index_later:
                self.search_index.defer()
            unindex: list[tuple[int, str]] = []
            index: list[tuple[int, str, str, str]] = []
            for table, items in by_table.items():
                columns = LOCAL_TABLES[table].__table__  # type: ignore[attr-defined]
                ids = [record_id for record_id, _ in items]
                existing: set[UUID] = set()
                for start in range(0, len(ids), IN_CHUNK):
                    chunk = ids[start : start + IN_CHUNK]
                    existing.update(
                        session.scalars(select(columns.c.id).where(columns.c.id.in_(chunk)))
                    )
                gone = [record_id for record_id, c in items if c.op != "upsert"]
                for start in range(0, len(gone), IN_CHUNK):
                    chunk = gone[start : start + IN_CHUNK]
                    session.execute(delete(columns).where(columns.c.id.in_(chunk)))
                inserts: dict[str, list[tuple[Any, ...]]] = {}
                updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
                for record_id, change in items:
                    if record_id in existing:
                        unindex.append((search_rowid(record_id), str(record_id)))
                    if change.op != "upsert":
                        continue
                    record = dict(change.record)
                    deleted_locally = False
                    for entry in overlays.get((table, record_id), []):
                        if entry.op == "delete":
                            deleted_locally = True
                        record.update(self.outbox.decrypt_fields(entry))
                    record["deleted"] = deleted_locally
                    values = self.codec.to_stored(table, record, dialect)
                    # executemany needs the same columns in every row: group by them.
                    if record_id in existing:
                        names = tuple(name for name in values if name != "id")
                        updates.setdefault(names, []).append(
                            (*(values[name] for name in names), values["id"])
                        )
                    else:
                        sql, defaults = _insert_plan(table, tuple(values), dialect)
                        inserts.setdefault(sql, []).append((*values.values(), *defaults))
                    entry_row = None if index_later else self.search_index.entry(table, record)
                    if entry_row is not None:
                        index.append(
                            (
                                entry_row["rowid"],
                                entry_row["table"],
                                entry_row["record_id"],
                                entry_row["tokens"],
                            )
                        )
                for sql, rows in inserts.items():
                    cursor_.executemany(sql, rows)
                for names, rows in updates.items():
                    cursor_.executemany(_update_sql(table, names), rows)
            if unindex:
                cursor_.executemany(RAW_INDEX_DELETE, unindex)
            if index:
                cursor_.executemany(RAW_INDEX_INSERT, index)
            cursor_.close()
            state = self.device.row(session)
            state.cursor = cursor
            state.last_sync_at = self.now()

    def forget_synced_records(self) -> None:
        """Before a full resync: drop what came from the server, keep unsynced work."""
        with transaction(self.engine) as session:
            pending = {(e.table_name, e.record_id) for e in session.scalars(select(OutboxEntry))}
            for table, model in LOCAL_TABLES.items():
                for record_id in session.scalars(select(model.id)):  # type: ignore[attr-defined]
                    if (table, record_id) not in pending:
                        session.execute(delete(model).where(model.id == record_id))  # type: ignore[attr-defined]
                        self.search_index.unindex(session, table, record_id)
            self.device.row(session).cursor = None
