"""The rows one push reads and writes, loaded in a few set-based queries.

A push of hundreds of mutations must not cost hundreds of round trips: the
workspace prefetches every record a batch names and every record those refer
to, then serves later look-ups (including rows created earlier in the same
batch) from memory.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from shared_models.protocol.push import Mutation
from shared_models.protocol.tables import TableName
from sync_server.services.records import ROWS

REFERENCE_FIELDS: dict[str, TableName] = {
    "case_id": TableName.CASES,
    "subject_id": TableName.SUBJECTS,
    "org_unit_id": TableName.ORG_UNITS,
    "mediator_id": TableName.USERS,
    "officer_id": TableName.USERS,
    "supersedes_id": TableName.AGREEMENTS,
}
"""Fields that name a record of another table (polymorphic ones are handled apart)."""

_CHUNK = 500


def _as_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


class Workspace:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[TableName, dict[UUID, SQLModel | None]] = defaultdict(dict)

    def prefetch(self, mutations: Iterable[Mutation]) -> None:
        """Load every row the mutations name or refer to, in one query per table."""
        wanted: dict[TableName, set[UUID]] = defaultdict(set)
        for mutation in mutations:
            wanted[mutation.table].add(mutation.record_id)
            for name, value in mutation.fields.items():
                target = REFERENCE_FIELDS.get(name)
                polymorphic = {"owner_id": "owner_table", "target_id": "target_table"}.get(name)
                if polymorphic is not None:
                    table_value = mutation.fields.get(polymorphic)
                    target = TableName(table_value) if table_value in set(TableName) else None
                ref = _as_uuid(value) if target is not None and value is not None else None
                if target is not None and ref is not None:
                    wanted[target].add(ref)
        for table, ids in wanted.items():
            self.load(table, ids)

    def load(self, table: TableName, ids: Iterable[UUID]) -> None:
        known = self._rows[table]
        missing = [record_id for record_id in ids if record_id not in known]
        model = ROWS[table]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            for row in self.session.scalars(
                select(model).where(model.id.in_(chunk))  # type: ignore[attr-defined]
            ):
                known[row.id] = row
            for record_id in chunk:
                known.setdefault(record_id, None)

    def get(self, table: TableName, record_id: UUID) -> Any:
        """The row, or ``None`` when the database has no such record."""
        if record_id not in self._rows[table]:
            self.load(table, [record_id])
        return self._rows[table][record_id]

    def put(self, table: TableName, row: SQLModel) -> None:
        """A row created in this push: visible to later mutations of the batch."""
        self._rows[table][row.id] = row  # type: ignore[attr-defined]
        self.session.add(row)
