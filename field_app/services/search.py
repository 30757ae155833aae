"""Full-text search over the device's records, names included, offline.

The ``search_index`` (FTS5) holds the searchable texts (case titles and
descriptions, visit notes and outcomes, names) as tokens (Chinese as
characters and pairs, so a word inside a sentence is found), each only as a
blind token (a keyed hash): the query's tokens are blinded with the same
key, so a record is found without the index holding its words in clear.
Each query token must match.
Records a large pull stored unindexed are indexed before a search looks
(``SearchIndex.index_pending``), so no search misses them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlmodel import Session, SQLModel, col

from field_app.services.records import live, typed
from field_app.storage.personal import SEARCHABLE
from field_app.storage.search import fts_query, query_tokens
from field_app.storage.store import LocalStore
from field_app.storage.tables import LOCAL_TABLES
from shared_models.protocol.tables import TableName

SEARCHABLE_TABLES: tuple[TableName, ...] = tuple(TableName(name) for name in SEARCHABLE)

CANDIDATES = 500
"""At most this many matches are ranked. ``ORDER BY rank`` computes bm25 for
every match, and a common word ("纠纷") matches most of a 50,000-record
phone; ranking the first 500 keeps every search fast. A query that
matches more is too broad to read through anyway: the best of five hundred
is as good an answer."""

_ALL = text(
    "SELECT table_name, record_id, 0 FROM search_index "
    "WHERE search_index MATCH :match AND table_name IN :tables"
).bindparams(bindparam("tables", expanding=True))
_CANDIDATES = text(
    "SELECT table_name, record_id, rank FROM search_index "
    "WHERE search_index MATCH :match AND table_name IN :tables LIMIT :candidates"
).bindparams(bindparam("tables", expanding=True))


@dataclass(frozen=True)
class SearchHit:
    """A found record (a ``CaseRecord``, ``PartyRecord``, ``VisitRecord``…)."""

    table: TableName
    record_id: UUID
    record: SQLModel


def match_expression(store: LocalStore, query: str) -> str | None:
    """The FTS5 expression for ``query``, or ``None`` when it has no words."""
    tokens = query_tokens(query)
    if not tokens:
        return None
    return fts_query(store.cipher.blind_token(token) for token in dict.fromkeys(tokens))


def search_ids(
    store: LocalStore,
    session: Session,
    query: str,
    tables: Iterable[TableName] | None = None,
    limit: int | None = None,
) -> list[tuple[TableName, UUID]]:
    """``(table, id)`` of the records matching ``query``: with ``limit``, the
    best matches first; without, every match (unordered, for filtering)."""
    expression = match_expression(store, query)
    if expression is None:
        return []
    # Right after a first sync the index may still be being built: finish
    # it here (under this transaction's lock) rather than miss records.
    store.search_index.index_pending(session)
    wanted = [TableName(t).value for t in (tables if tables is not None else SEARCHABLE_TABLES)]
    if not wanted:
        return []
    parameters = {"match": expression, "tables": wanted, "candidates": CANDIDATES}
    rows = session.execute(_ALL if limit is None else _CANDIDATES, parameters).all()
    if limit is not None:
        rows = sorted(rows, key=lambda row: float(row[2]))[:limit]
    return [(TableName(table), UUID(record_id)) for table, record_id, _ in rows]


def search(
    store: LocalStore,
    query: str,
    tables: Iterable[TableName] | None = None,
    limit: int = 50,
) -> list[SearchHit]:
    """Records matching ``query`` (typed, personal fields decrypted), best first."""
    with store.transaction() as session:
        found = search_ids(store, session, query, tables, limit)
        by_table: dict[TableName, list[UUID]] = {}
        for table, record_id in found:
            by_table.setdefault(table, []).append(record_id)
        records: dict[tuple[TableName, UUID], SQLModel] = {}
        for table, ids in by_table.items():
            model: Any = LOCAL_TABLES[table]
            for row in session.scalars(live(table).where(col(model.id).in_(ids))):
                record = typed(table, store.codec.from_row(table, row))
                records[(table, row.id)] = record
    return [
        SearchHit(table, record_id, records[(table, record_id)])
        for table, record_id in found
        if (table, record_id) in records
    ]
