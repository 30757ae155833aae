"""The local store: every save is one transaction holding the record and its
outbox entry (invariant 1), and the sync engine's side of the outbox.

States of an outbox entry: ``pending`` (never sent; later edits of the same
record fold into it), ``sent`` (in a push whose answer has not arrived; it
is re-sent byte for byte, so the server's idempotency makes it apply once),
``rejected`` (the server said why; kept and shown until fixed or discarded).
"""

import functools
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue, ValidationError
from sqlalchemy import Dialect, Engine, delete, event, insert, select, text, update
from sqlmodel import Session, col

from field_app.errors import AgreementSealedError, SaveRejectedError
from field_app.security.cipher import FieldCipher
from field_app.storage.codec import RecordCodec, stored_processors, uuid_hex
from field_app.storage.personal import PERSONAL_FIELDS, SEARCHABLE
from field_app.storage.search import blind_index_tokens
from field_app.storage.tables import LOCAL_TABLES, DeviceState, LocalAgreement, OutboxEntry
from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.base import SERVER_OWNED_FIELDS
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.pull import Change
from shared_models.protocol.push import MutationResult, MutationStatus
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value

ACKNOWLEDGED = frozenset(
    {
        MutationStatus.APPLIED,
        MutationStatus.MERGED,
        MutationStatus.CONFLICT,
        MutationStatus.DUPLICATE,
    }
)


@dataclass(frozen=True)
class OutboxItem:
    """An outbox entry with its fields decrypted, as the sync engine sends it."""

    seq: int
    mutation_id: UUID
    table: TableName
    record_id: UUID
    op: str
    base_version: int | None
    fields: dict[str, JsonValue]
    client_time: datetime
    state: str
    error_code: str | None = None
    error_message: str | None = None
    error_field: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def search_rowid(record_id: object) -> int:
    """The search index row of a record, found without a scan: FTS5 cannot
    index ``record_id`` (UNINDEXED), so deleting by it would read the whole
    index on every save. Record ids are random UUIDs; their first 64 bits
    are as unique as the ids themselves."""
    value = int(uuid_hex(record_id)[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value


_INDEX_INSERT = text(
    "INSERT OR REPLACE INTO search_index (rowid, table_name, record_id, tokens) "
    "VALUES (:rowid, :table, :record_id, :tokens)"
)
_INDEX_DELETE = text("DELETE FROM search_index WHERE rowid = :rowid AND record_id = :record_id")
_RAW_INDEX_INSERT = (
    "INSERT OR REPLACE INTO search_index (rowid, table_name, record_id, tokens) VALUES (?, ?, ?, ?)"
)
_RAW_INDEX_DELETE = "DELETE FROM search_index WHERE rowid = ? AND record_id = ?"
_IN_CHUNK = 500
_SEARCHABLE_TABLES = tuple(SEARCHABLE)

INDEX_LATER_FROM = 200
"""A pulled page of at least this many records is stored without its search
entries; ``index_pending`` adds them after the pull. A first sync's FTS5
entries are about half of its CPU: the records are usable that much sooner,
and a search meanwhile completes the index before it looks (so it is never
wrong, at worst slow once). Small pages, the everyday case, index inline."""
INDEX_CHUNK = 2000
"""Records indexed per transaction by ``index_pending``: the screens' reads
(every local transaction takes the write lock) wait for one chunk at most."""


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


class LocalStore:
    def __init__(
        self, engine: Engine, cipher: FieldCipher, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.codec = RecordCodec(cipher)
        self.now = now
        # Texts share most of their characters and pairs: a first sync of
        # thousands of records computes each keyed hash once, not per text.
        self._blind = functools.lru_cache(maxsize=65536)(cipher.blind_token)
        # Generations of deferred indexing: a pull page that leaves records
        # unindexed bumps ``_deferred`` (inside its transaction); a catch-up
        # that found nothing left records the generation it started from.
        # Unknown when the store opens (a crash may have left records
        # unindexed), so the first search or sync looks.
        self._deferred = 1
        self._indexed = 0

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One local transaction (BEGIN IMMEDIATE): all of it lands, or none."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # -- reading -------------------------------------------------------------

    def get(self, table: str, record_id: UUID) -> dict[str, JsonValue] | None:
        """A live record as the user sees it (their unsynced edits included)."""
        with self.transaction() as session:
            row = session.get(LOCAL_TABLES[table], record_id)
            if row is None or row.deleted:  # type: ignore[attr-defined]
                return None
            return self.codec.from_row(table, row)

    def rows(self, session: Session, table: str, query: Any) -> list[dict[str, JsonValue]]:
        return [self.codec.from_row(table, row) for row in session.scalars(query)]

    # -- the user's saves ----------------------------------------------------

    def save(
        self, table: TableName, record_id: UUID, fields: dict[str, JsonValue]
    ) -> dict[str, JsonValue]:
        """Create or change a record: validated in full, then the row, its
        outbox entry and its search entry commit together."""
        spec = TABLES[table]
        if not spec.device_writable:
            raise SaveRejectedError("table", f"{table} cannot be changed on a device")
        writable = set(spec.fields.model_fields)
        for name in fields:
            if name in SERVER_OWNED_FIELDS or name not in writable:
                raise SaveRejectedError(name, f"{table} has no field {name} that can be set")
        model = LOCAL_TABLES[table]
        with self.transaction() as session:
            row = session.get(model, record_id)
            if row is not None and row.deleted:  # type: ignore[attr-defined]
                raise SaveRejectedError(None, "this record was deleted")
            current = None if row is None else self.codec.from_row(table, row)
            merged = {name: current[name] for name in writable if current and name in current}
            merged.update(fields)
            self._refuse_if_sealed(session, table, record_id, merged)
            try:
                validated = spec.fields.model_validate(merged)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                message = str(first["msg"]).removeprefix("Value error, ")
                if not where and ":" in message:
                    where, message = (part.strip() for part in message.split(":", 1))
                raise SaveRejectedError(where or None, message) from None
            normal = {name: to_json_value(getattr(validated, name)) for name in writable}
            if current is None:
                changed = normal
                record: dict[str, JsonValue] = {
                    "id": str(record_id),
                    "version": 0,
                    "updated_at": None,
                    "deleted": False,
                    "created_by": None,
                    **normal,
                }
            else:
                changed = {n: normal[n] for n in writable if normal[n] != current.get(n)}
                if not changed:
                    return current
                record = {**current, **changed}
            self._write_row(session, table, record, exists=row is not None)
            base = None if row is None or not row.version else row.version  # type: ignore[attr-defined]
            self._enqueue(session, table, record_id, "upsert", base, changed)
            return record

    def delete(self, table: TableName, record_id: UUID) -> None:
        """Delete a record. One the server never had just disappears: never
        sent, or its creation refused (a refused change leaves no trace
        there, and a "sent" one might have arrived, so it does not count)."""
        model = LOCAL_TABLES[table]
        with self.transaction() as session:
            row = session.get(model, record_id)
            if row is None or row.deleted:  # type: ignore[attr-defined]
                raise SaveRejectedError(None, "there is no such record")
            current = self.codec.from_row(table, row)
            self._refuse_if_sealed(session, table, record_id, current)
            entries = self._entries_for(session, table, record_id)
            server_never_had = row.version == 0 and all(  # type: ignore[attr-defined]
                e.state in ("pending", "rejected") for e in entries
            )
            if server_never_had:
                session.delete(row)
                for entry in entries:
                    session.delete(entry)
            else:
                row.deleted = True
                base = row.version or None  # type: ignore[attr-defined]
                self._enqueue(session, table, record_id, "delete", base, {})
            self._unindex(session, table, record_id)

    # -- the outbox, for the sync engine -------------------------------------

    def outbox(self, states: Sequence[str] = ("pending", "sent")) -> list[OutboxItem]:
        with self.transaction() as session:
            entries = session.scalars(
                select(OutboxEntry)
                .where(col(OutboxEntry.state).in_(states))
                .order_by(col(OutboxEntry.seq))
            ).all()
            return [self._item(entry) for entry in entries]

    def mark_sent(self, items: Sequence[OutboxItem]) -> None:
        """Before a push leaves: from now on these entries are re-sent unchanged."""
        with self.transaction() as session:
            session.execute(
                update(OutboxEntry)
                .where(col(OutboxEntry.seq).in_([i.seq for i in items]))
                .values(state="sent", attempts=OutboxEntry.attempts + 1)
            )

    def apply_results(self, results: Sequence[MutationResult]) -> None:
        """Record the server's answers: acknowledged entries leave the outbox,
        rejected ones stay with the reason."""
        with self.transaction() as session:
            for result in results:
                entry = session.scalars(
                    select(OutboxEntry).where(col(OutboxEntry.mutation_id) == result.mutation_id)
                ).first()
                if entry is None:
                    continue
                if result.status in ACKNOWLEDGED:
                    self._acknowledge(session, entry, result)
                elif _server_never_had(entry, result):
                    self._forget_unsent_record(session, entry)
                else:
                    entry.state = "rejected"
                    entry.error_code = result.error.code if result.error else None
                    entry.error_message = (
                        self._encrypt_error(entry.mutation_id, result.error.message)
                        if result.error
                        else None
                    )
                    entry.error_field = result.error.field if result.error else None

    def refuse_if_sealed(self, table: TableName, record_id: UUID) -> None:
        """``AgreementSealedError`` when ``record_id`` of ``table`` is a sealed
        agreement or an attachment of one. Every write below checks this
        itself; a service asks first when it has work to do before the write
        (a blob to store)."""
        with self.transaction() as session:
            row = session.get(LOCAL_TABLES[table], record_id)
            record = {} if row is None else self.codec.from_row(table, row)
            self._refuse_if_sealed(session, table, record_id, record)

    @staticmethod
    def _refuse_if_sealed(
        session: Session, table: TableName, record_id: UUID, record: dict[str, JsonValue]
    ) -> None:
        """Invariant 6 on the device: a signed agreement, and every attachment
        it owns (its signature images), never change, and it gains none."""
        if table is TableName.AGREEMENTS:
            agreement_id = record_id
        elif table is TableName.ATTACHMENTS and record.get("owner_table") == "agreements":
            agreement_id = UUID(str(record["owner_id"]))
        else:
            return
        agreement = session.get(LocalAgreement, agreement_id)
        if agreement is not None and agreement.status == AgreementStatus.SIGNED:
            raise AgreementSealedError

    def _forget_unsent_record(self, session: Session, entry: OutboxEntry) -> None:
        """A delete of a record the server never had (its creation was sent,
        then refused): the delete has nothing left to do, and neither has the
        refused creation of a record the user deleted."""
        for other in self._entries_for(session, entry.table_name, entry.record_id):
            if other.state == "rejected" or other.seq == entry.seq:
                session.delete(other)
        row = session.get(LOCAL_TABLES[entry.table_name], entry.record_id)
        if row is not None and row.deleted and row.version == 0:  # type: ignore[attr-defined]
            session.delete(row)

    def _acknowledge(self, session: Session, entry: OutboxEntry, result: MutationResult) -> None:
        session.delete(entry)
        row = session.get(LOCAL_TABLES[entry.table_name], entry.record_id)
        # A create repeated after its answer was lost comes back "duplicate";
        # a record with a fresh id cannot have existed before, so its first
        # delivery was applied. Treated otherwise, the record would look
        # never-sent (version 0) and a delete would not reach the server.
        repeated_create = (
            result.status is MutationStatus.DUPLICATE
            and result.conflict_id is None
            and entry.base_version is None
            and row is not None
            and row.version == 0  # type: ignore[attr-defined]
        )
        applied = result.status is MutationStatus.APPLIED or repeated_create
        if not applied or result.version is None:
            return
        # The server now holds exactly what this device had: later edits of the
        # same record may claim that version as the one they were based on.
        for later in self._entries_for(session, entry.table_name, entry.record_id):
            if (
                later.seq != entry.seq
                and later.state == "pending"
                and later.base_version == entry.base_version
            ):
                later.base_version = result.version
        if row is not None and row.version < result.version:  # type: ignore[attr-defined]
            row.version = result.version

    def retry(self, mutation_id: UUID, corrections: dict[str, JsonValue] | None = None) -> None:
        """Send a rejected change again, optionally corrected (a new mutation)."""
        with self.transaction() as session:
            entry = self._rejected(session, mutation_id)
            table, record_id = TableName(entry.table_name), entry.record_id
            fields = self._decrypt_fields(entry)
            session.delete(entry)
        if corrections:
            fields = {**fields, **corrections}
        with self.transaction() as session:
            row = session.get(LOCAL_TABLES[table], record_id)
            if row is not None and fields:
                current = self.codec.from_row(table, row)
                self._write_row(session, table, {**current, **fields}, exists=True)
            base = None if row is None or not row.version else row.version  # type: ignore[attr-defined]
            self._enqueue(session, table, record_id, entry.op, base, fields, fold=False)

    def discard(self, mutation_id: UUID) -> None:
        """Give up a rejected change; a record the server never had goes too."""
        with self.transaction() as session:
            entry = self._rejected(session, mutation_id)
            row = session.get(LOCAL_TABLES[entry.table_name], entry.record_id)
            if row is not None and row.version == 0:  # type: ignore[attr-defined]
                session.delete(row)
                self._unindex(session, entry.table_name, entry.record_id)
            session.delete(entry)

    # -- pulled changes ------------------------------------------------------

    def apply_pull_page(self, changes: Sequence[Change], cursor: str) -> None:
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
        with self.transaction() as session:
            connection = session.connection()
            dialect = connection.dialect
            cursor_ = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            overlays = self._overlays(session, [record_id for _, record_id in latest])
            index_later = len(latest) >= INDEX_LATER_FROM
            if index_later:
                self._deferred += 1
            unindex: list[tuple[int, str]] = []
            index: list[tuple[int, str, str, str]] = []
            for table, items in by_table.items():
                columns = LOCAL_TABLES[table].__table__  # type: ignore[attr-defined]
                ids = [record_id for record_id, _ in items]
                existing: set[UUID] = set()
                for start in range(0, len(ids), _IN_CHUNK):
                    chunk = ids[start : start + _IN_CHUNK]
                    existing.update(
                        session.scalars(select(columns.c.id).where(columns.c.id.in_(chunk)))
                    )
                gone = [record_id for record_id, c in items if c.op != "upsert"]
                for start in range(0, len(gone), _IN_CHUNK):
                    chunk = gone[start : start + _IN_CHUNK]
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
                        record.update(self._decrypt_fields(entry))
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
                    entry_row = None if index_later else self._index_entry(table, record)
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
                cursor_.executemany(_RAW_INDEX_DELETE, unindex)
            if index:
                cursor_.executemany(_RAW_INDEX_INSERT, index)
            cursor_.close()
            self._state(session).cursor = cursor
            self._state(session).last_sync_at = self.now()

    def rebuild_search_index(self) -> int:
        """Index every live record again; returns how many were indexed. For
        after a schema upgrade: the index is made by the app's tokeniser
        with the data key, and records written before it existed are not in it."""
        with self.transaction() as session:
            generation = self._deferred
            event.listen(session, "after_commit", lambda _: self._caught_up(generation), once=True)
            session.execute(text("DELETE FROM search_index"))
            cursor_ = _raw_cursor(session)
            live = list(_live_searchable(cursor_))
            cursor_.close()
            return self._index_records(session, live)

    @property
    def search_index_pending(self) -> bool:
        """Whether some live records may be missing from the search index."""
        return self._indexed < self._deferred

    def index_pending(self, session: Session | None = None) -> int:
        """Index the live records a large pull page stored unindexed (or a
        crash left so); returns how many. Without ``session``, in
        transactions of ``INDEX_CHUNK`` records, so the screens are not held
        up; with one (a search's), in it, so the search then sees them all.
        Texts are decrypted in memory only, as when indexing inline."""
        if not self.search_index_pending:
            return 0
        if session is not None:
            generation = self._deferred
            done = self._index_records(session, self._unindexed(session))
            event.listen(session, "after_commit", lambda _: self._caught_up(generation), once=True)
            return done
        with self.transaction() as session:
            generation = self._deferred
            missing = self._unindexed(session)
        done = 0
        for start in range(0, len(missing), INDEX_CHUNK):
            with self.transaction() as session:
                done += self._index_records(session, missing[start : start + INDEX_CHUNK])
        self._caught_up(generation)
        return done

    def _caught_up(self, generation: int) -> None:
        self._indexed = max(self._indexed, generation)

    def _unindexed(self, session: Session) -> list[tuple[str, str]]:
        """``(table, stored id)`` of every live searchable record not in the index.

        Every live searchable record has an entry, and a record leaves the
        index in the transaction that deletes it, so equal counts mean
        nothing is missing: a few milliseconds on a full phone, where
        comparing the ids takes half a second. FTS5 keeps one
        ``search_index_docsize`` row per entry, counted without reading the
        text (counting ``search_index`` itself reads all of it)."""
        cursor_ = _raw_cursor(session)
        [(entries,)] = cursor_.execute("SELECT count(*) FROM search_index_docsize")
        live = 0
        for table in _SEARCHABLE_TABLES:
            [(count,)] = cursor_.execute(f'SELECT count(*) FROM "{table}" WHERE NOT deleted')  # noqa: S608
            live += count
        if entries == live:
            cursor_.close()
            return []
        indexed = {rowid for (rowid,) in cursor_.execute("SELECT id FROM search_index_docsize")}
        missing = [
            (table, stored_id)
            for table, stored_id in _live_searchable(cursor_)
            if search_rowid(stored_id) not in indexed
        ]
        cursor_.close()
        return missing

    def _index_records(self, session: Session, records: Sequence[tuple[str, str]]) -> int:
        """Index these records (stored ids) if still live and unindexed, reading
        only the columns the index needs; the same rows ``_index_entry`` makes."""
        cursor_ = _raw_cursor(session)
        by_table: dict[str, list[str]] = {}
        for table, stored_id in records:
            by_table.setdefault(table, []).append(stored_id)
        rows: list[tuple[Any, ...]] = []
        for table, ids in by_table.items():
            fields = SEARCHABLE[table]
            sealed = PERSONAL_FIELDS.get(table, frozenset())
            listed = "".join(f', "{name}"' for name in fields)
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                marks = ", ".join("?" * len(chunk))
                indexed = {
                    rowid
                    for (rowid,) in cursor_.execute(
                        f"SELECT rowid FROM search_index WHERE rowid IN ({marks})",  # noqa: S608
                        [search_rowid(stored_id) for stored_id in chunk],
                    )
                }
                found = cursor_.execute(
                    f'SELECT id{listed} FROM "{table}" WHERE NOT deleted AND id IN ({marks})',  # noqa: S608
                    chunk,
                ).fetchall()
                for stored_id, *values in found:
                    if search_rowid(stored_id) in indexed:
                        continue
                    record_id = str(UUID(stored_id))
                    record: dict[str, JsonValue] = {"id": record_id}
                    for name, value in zip(fields, values, strict=True):
                        if name in sealed and value is not None:
                            value = self.codec.unseal(table, name, value, record_id, remember=False)
                        record[name] = value
                    entry = self._index_entry(table, record)
                    if entry is not None:
                        rows.append(tuple(entry.values()))
        if rows:
            cursor_.executemany(_RAW_INDEX_INSERT, rows)
        cursor_.close()
        return len(rows)

    def forget_synced_records(self) -> None:
        """Before a full resync: drop what came from the server, keep unsynced work."""
        with self.transaction() as session:
            pending = {(e.table_name, e.record_id) for e in session.scalars(select(OutboxEntry))}
            for table, model in LOCAL_TABLES.items():
                for record_id in session.scalars(select(model.id)):  # type: ignore[attr-defined]
                    if (table, record_id) not in pending:
                        session.execute(delete(model).where(model.id == record_id))  # type: ignore[attr-defined]
                        self._unindex(session, table, record_id)
            self._state(session).cursor = None

    # -- device state --------------------------------------------------------

    def device_state(self) -> DeviceState:
        with self.transaction() as session:
            return self._state(session)

    def update_device_state(self, **values: Any) -> None:
        with self.transaction() as session:
            state = self._state(session)
            for name, value in values.items():
                setattr(state, name, value)

    def _state(self, session: Session) -> DeviceState:
        state = session.get(DeviceState, 1)
        if state is None:
            state = DeviceState(id=1, device_id=f"dev-{uuid.uuid4().hex}")
            session.add(state)
            session.flush()
        return state

    # -- internals -----------------------------------------------------------

    def _write_row(
        self, session: Session, table: str, record: dict[str, JsonValue], exists: bool
    ) -> None:
        model = LOCAL_TABLES[table]
        values = self.codec.to_row(table, record)
        if exists:
            session.execute(
                update(model).where(model.id == values["id"]).values(**values)  # type: ignore[attr-defined]
            )
        else:
            session.execute(insert(model).values(**values))
        self._index(session, table, record)

    def _enqueue(
        self,
        session: Session,
        table: str,
        record_id: UUID,
        op: str,
        base_version: int | None,
        fields: dict[str, JsonValue],
        fold: bool = True,
    ) -> None:
        if fold and op == "upsert":
            for entry in reversed(self._entries_for(session, table, record_id)):
                if entry.state == "pending" and entry.op == "upsert":
                    merged = {**self._decrypt_fields(entry), **fields}
                    entry.fields = self._encrypt_fields(entry.mutation_id, merged)
                    entry.client_time = self.now()
                    return
                break
        mutation_id = uuid.uuid4()
        session.add(
            OutboxEntry(
                mutation_id=mutation_id,
                table_name=table,
                record_id=record_id,
                op=op,
                base_version=base_version,
                fields=self._encrypt_fields(mutation_id, fields),
                client_time=self.now(),
            )
        )
        session.flush()

    def _entries_for(self, session: Session, table: str, record_id: UUID) -> list[OutboxEntry]:
        return list(
            session.scalars(
                select(OutboxEntry)
                .where(
                    col(OutboxEntry.table_name) == table, col(OutboxEntry.record_id) == record_id
                )
                .order_by(col(OutboxEntry.seq))
            )
        )

    def _overlays(
        self, session: Session, ids: list[UUID]
    ) -> dict[tuple[str, UUID], list[OutboxEntry]]:
        found: dict[tuple[str, UUID], list[OutboxEntry]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for entry in session.scalars(
                select(OutboxEntry)
                .where(col(OutboxEntry.record_id).in_(chunk))
                .order_by(col(OutboxEntry.seq))
            ):
                found.setdefault((entry.table_name, entry.record_id), []).append(entry)
        return found

    def _rejected(self, session: Session, mutation_id: UUID) -> OutboxEntry:
        entry = session.scalars(
            select(OutboxEntry).where(
                col(OutboxEntry.mutation_id) == mutation_id, col(OutboxEntry.state) == "rejected"
            )
        ).first()
        if entry is None:
            raise SaveRejectedError(None, "there is no rejected change with that id")
        return entry

    def _encrypt_fields(self, mutation_id: UUID, fields: dict[str, JsonValue]) -> str:
        plain = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return self.cipher.encrypt_text(plain, f"outbox.{mutation_id}")

    def _encrypt_error(self, mutation_id: UUID, message: str) -> str:
        """A server's reason for a refusal may quote the refused value."""
        return self.cipher.encrypt_text(message, _error_context(mutation_id))

    def _decrypt_fields(self, entry: OutboxEntry) -> dict[str, JsonValue]:
        fields: dict[str, JsonValue] = json.loads(
            self.cipher.decrypt_text(entry.fields, f"outbox.{entry.mutation_id}")
        )
        return fields

    def _item(self, entry: OutboxEntry) -> OutboxItem:
        assert entry.seq is not None
        return OutboxItem(
            seq=entry.seq,
            mutation_id=entry.mutation_id,
            table=TableName(entry.table_name),
            record_id=entry.record_id,
            op=entry.op,
            base_version=entry.base_version,
            fields=self._decrypt_fields(entry),
            client_time=entry.client_time,
            state=entry.state,
            error_code=entry.error_code,
            error_message=(
                None
                if entry.error_message is None
                else self.cipher.decrypt_text(
                    entry.error_message, _error_context(entry.mutation_id)
                )
            ),
            error_field=entry.error_field,
        )

    def _index(self, session: Session, table: str, record: dict[str, JsonValue]) -> None:
        if table not in SEARCHABLE:
            return
        self._unindex(session, table, record["id"])
        entry = self._index_entry(table, record)
        if entry is not None:
            session.execute(_INDEX_INSERT, entry)

    def _index_entry(self, table: str, record: dict[str, JsonValue]) -> dict[str, Any] | None:
        """The search index row of a live record of a searchable table: its
        searchable texts (plaintext, in memory) as blind tokens only."""
        fields = SEARCHABLE.get(table)
        if fields is None or record.get("deleted"):
            return None
        texts = [str(record.get(name) or "") for name in fields]
        record_id = str(record["id"])
        return {
            "rowid": search_rowid(record_id),
            "table": table,
            "record_id": record_id,
            "tokens": blind_index_tokens(texts, self._blind),
        }

    def _unindex(self, session: Session, table: str, record_id: object) -> None:
        if table in SEARCHABLE:
            session.execute(
                _INDEX_DELETE, {"rowid": search_rowid(record_id), "record_id": str(record_id)}
            )


def _server_never_had(entry: OutboxEntry, result: MutationResult) -> bool:
    """A delete answered "no such record": the server never had it (not even
    as a tombstone), which is all the delete asked for."""
    return (
        entry.op == "delete"
        and result.status is MutationStatus.REJECTED
        and result.error is not None
        and result.error.code == ErrorCode.NOT_FOUND
    )


def _error_context(mutation_id: UUID) -> str:
    """Where a refusal's message lives (revision 0004 seals old ones alike)."""
    return f"outbox.error.{mutation_id}"


def _raw_cursor(session: Session) -> Any:
    """The session's sqlite3 cursor: bulk index work skips the ORM."""
    return session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]


def _live_searchable(cursor_: Any) -> Iterator[tuple[str, str]]:
    """``(table, stored id)`` of every live record of a searchable table."""
    for table in _SEARCHABLE_TABLES:
        query = f'SELECT id FROM "{table}" WHERE NOT deleted'  # noqa: S608
        for (stored_id,) in cursor_.execute(query).fetchall():
            yield table, stored_id
