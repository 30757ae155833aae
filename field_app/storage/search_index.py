"""The local full-text index (FTS5 table ``search_index``): one entry per live
record of a searchable table, holding its texts as blind tokens only
(``storage/search.py`` makes them). Saves index inline; a large pulled page
is stored unindexed and indexed afterwards (``index_pending``), so a first
sync's records are usable sooner and a search never misses one.
"""

import functools
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from field_app.security.cipher import FieldCipher
from field_app.storage.codec import RecordCodec, uuid_hex
from field_app.storage.db import transaction
from field_app.storage.personal import PERSONAL_FIELDS, SEARCHABLE
from field_app.storage.search import blind_index_tokens

_INDEX_INSERT = text(
    "INSERT OR REPLACE INTO search_index (rowid, table_name, record_id, tokens) "
    "VALUES (:rowid, :table, :record_id, :tokens)"
)
_INDEX_DELETE = text("DELETE FROM search_index WHERE rowid = :rowid AND record_id = :record_id")
RAW_INDEX_INSERT = (
    "INSERT OR REPLACE INTO search_index (rowid, table_name, record_id, tokens) VALUES (?, ?, ?, ?)"
)
"""The DBAPI insert of an index entry, for the bulk writes that skip the ORM."""
RAW_INDEX_DELETE = "DELETE FROM search_index WHERE rowid = ? AND record_id = ?"
IN_CHUNK = 500
"""Ids per ``IN (…)``: SQLite bounds the parameters of one statement."""
_SEARCHABLE_TABLES = tuple(SEARCHABLE)

INDEX_CHUNK = 2000
"""Records indexed per transaction by ``index_pending``: the screens' reads
(every local transaction takes the write lock) wait for one chunk at most."""


def search_rowid(record_id: object) -> int:
    """The search index row of a record, found without a scan: FTS5 cannot
    index ``record_id`` (UNINDEXED), so deleting by it would read the whole
    index on every save. Record ids are random UUIDs; their first 64 bits
    are as unique as the ids themselves."""
    value = int(uuid_hex(record_id)[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def raw_cursor(session: Session) -> Any:
    """The session's sqlite3 cursor: bulk work skips the ORM."""
    return session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]


class SearchIndex:
    """The index's entries, and which live records may still lack one."""

    def __init__(self, engine: Engine, cipher: FieldCipher, codec: RecordCodec) -> None:
        self.engine = engine
        self.codec = codec
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

    # -- one record, inside the transaction that writes it -----------------------

    def index(self, session: Session, table: str, record: dict[str, JsonValue]) -> None:
        if table not in SEARCHABLE:
            return
        self.unindex(session, table, record["id"])
        entry = self.entry(table, record)
        if entry is not None:
            session.execute(_INDEX_INSERT, entry)

    def unindex(self, session: Session, table: str, record_id: object) -> None:
        if table in SEARCHABLE:
            session.execute(
                _INDEX_DELETE, {"rowid": search_rowid(record_id), "record_id": str(record_id)}
            )

    def entry(self, table: str, record: dict[str, JsonValue]) -> dict[str, Any] | None:
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

    # -- records stored without their entries ------------------------------------

    def defer(self) -> None:
        """A pulled page is being stored without its entries (in its transaction)."""
        self._deferred += 1

    @property
    def pending(self) -> bool:
        """Whether some live records may be missing from the search index."""
        return self._indexed < self._deferred

    def rebuild(self) -> int:
        """Index every live record again; returns how many were indexed. For
        after a schema upgrade: the index is made by the app's tokeniser
        with the data key, and records written before it existed are not in it."""
        with transaction(self.engine) as session:
            generation = self._deferred
            event.listen(session, "after_commit", lambda _: self._caught_up(generation), once=True)
            session.execute(text("DELETE FROM search_index"))
            cursor_ = raw_cursor(session)
            live = list(_live_searchable(cursor_))
            cursor_.close()
            return self._index_records(session, live)

    def index_pending(self, session: Session | None = None) -> int:
        """Index the live records a large pull page stored unindexed (or a
        crash left so); returns how many. Without ``session``, in
        transactions of ``INDEX_CHUNK`` records, so the screens are not held
        up; with one (a search's), in it, so the search then sees them all.
        Texts are decrypted in memory only, as when indexing inline."""
        if not self.pending:
            return 0
        if session is not None:
            generation = self._deferred
            done = self._index_records(session, self._unindexed(session))
            event.listen(session, "after_commit", lambda _: self._caught_up(generation), once=True)
            return done
        with transaction(self.engine) as session:
            generation = self._deferred
            missing = self._unindexed(session)
        done = 0
        for start in range(0, len(missing), INDEX_CHUNK):
            with transaction(self.engine) as session:
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
        cursor_ = raw_cursor(session)
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
        only the columns the index needs; the same rows ``entry`` makes."""
        cursor_ = raw_cursor(session)
        by_table: dict[str, list[str]] = {}
        for table, stored_id in records:
            by_table.setdefault(table, []).append(stored_id)
        rows: list[tuple[Any, ...]] = []
        for table, ids in by_table.items():
            fields = SEARCHABLE[table]
            sealed = PERSONAL_FIELDS.get(table, frozenset())
            listed = "".join(f', "{name}"' for name in fields)
            for start in range(0, len(ids), IN_CHUNK):
                chunk = ids[start : start + IN_CHUNK]
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
                    entry = self.entry(table, record)
                    if entry is not None:
                        rows.append(tuple(entry.values()))
        if rows:
            cursor_.executemany(RAW_INDEX_INSERT, rows)
        cursor_.close()
        return len(rows)


def _live_searchable(cursor_: Any) -> Iterator[tuple[str, str]]:
    """``(table, stored id)`` of every live record of a searchable table."""
    for table in _SEARCHABLE_TABLES:
        query = f'SELECT id FROM "{table}" WHERE NOT deleted'  # noqa: S608
        for (stored_id,) in cursor_.execute(query).fetchall():
            yield table, stored_id
