"""Drawing a case number: the next of a unit's year, inside the caller's
transaction (docs/domain.md, "Case numbers").

One statement raises the counter row of (unit, year), creating it at 1,
and returns the new value. The row stays locked until the transaction
ends: a second push accepting a case of the same unit waits for the first
to commit and then draws the next number, so numbers follow the order in
which acceptances are applied; a push that rolls back gives its number
back with everything else, so none is skipped. On SQLite, one writer at a
time gives the same order.
"""

from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from sync_server.tables import CaseNumberCounter

_COUNTERS: Table = CaseNumberCounter.__table__  # type: ignore[attr-defined]


def draw_case_number(session: Session, unit_id: UUID, year: int) -> int:
    """The next case number of ``unit_id`` in ``year`` (1 for the first)."""
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(_COUNTERS)
        .values(org_unit_id=unit_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[_COUNTERS.c.org_unit_id, _COUNTERS.c.year],
            set_={"last_number": _COUNTERS.c.last_number + 1},
        )
        .returning(_COUNTERS.c.last_number)
    )
    number: int = session.execute(statement).scalar_one()
    return number


def continue_from(session: Session, last_numbers: dict[tuple[UUID, int], int]) -> None:
    """Set the counters of loaded cases that already carry numbers (the
    demo's), so the next acceptance of each unit and year draws the next."""
    for (unit_id, year), last in last_numbers.items():
        session.merge(CaseNumberCounter(org_unit_id=unit_id, year=year, last_number=last))
