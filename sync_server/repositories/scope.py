"""Jurisdiction: whose records a user may see and change. Every query and
every write of the server goes through ``JurisdictionScope``; no route
decides this for itself.

A user works on records of their org unit and the units below it; an
officer also on the subjects assigned to them (and what hangs off those).
Within that, a user reads only the line of work (``Work``) their role
does: mediators people's mediation (cases, their parties, sessions,
agreements, photos, reviews, conflicts), officers community correction
(subjects, their check-ins and what hangs off them); supervisors and
admins both. Org units are the one public table: their names are not
personal data and every device needs them to show where a record belongs.

``JurisdictionScope.may_read`` answers "may this caller read this record"
for one row, ``row_filter`` for a query; both say the same.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Uuid,
    and_,
    any_,
    bindparam,
    false,
    literal_column,
    or_,
    select,
    true,
)
from sqlmodel import Session, col

from shared_models.domain.org import Role
from shared_models.protocol.tables import TableName
from sync_server.tables import OrgUnitRow, SyncColumns, UserRow


class Work(StrEnum):
    """The line of work a record belongs to; stored as ``scope_work``."""

    MEDIATION = "mediation"
    CORRECTION = "correction"


READS_BY_ROLE: dict[Role, frozenset[Work]] = {
    Role.MEDIATOR: frozenset({Work.MEDIATION}),
    # Officers supervise subjects; no case names a subject, and mediation is
    # confidential to those who mediate (docs/security.md, "Roles and what
    # they read"), so officers receive no mediation records at all.
    Role.OFFICER: frozenset({Work.CORRECTION}),
    Role.SUPERVISOR: frozenset(Work),
    Role.ADMIN: frozenset(Work),
}
"""The lines of work each role reads (and so may write), within its jurisdiction."""

TABLE_WORK: dict[TableName, Work | None] = {
    TableName.ORG_UNITS: None,
    TableName.USERS: None,
    TableName.CASES: Work.MEDIATION,
    TableName.PARTIES: Work.MEDIATION,
    TableName.AGREEMENTS: Work.MEDIATION,
    TableName.SUBJECTS: Work.CORRECTION,
    TableName.VISITS: None,
    TableName.ATTACHMENTS: None,
    TableName.REVIEWS: None,
    TableName.CONFLICTS: None,
}
"""The work every row of a table belongs to; ``None``: each row says
(``scope_work``), or, for org units and users, the table is of no line of
work (every role reads it)."""

_OF_NO_WORK = frozenset({TableName.ORG_UNITS, TableName.USERS})


class RowScope(NamedTuple):
    """Where a row belongs: the scope columns of ``SyncColumns``."""

    unit_id: UUID | None
    officer_id: UUID | None
    work: Work | None

    @classmethod
    def of(cls, row: Any) -> "RowScope":
        """The scope a stored row (or a row a push is creating) has."""
        work = row.scope_work
        return cls(row.scope_unit_id, row.scope_officer_id, None if work is None else Work(work))


WRITABLE_BY_ROLE: dict[Role, frozenset[TableName]] = {
    Role.MEDIATOR: frozenset(
        {
            TableName.CASES,
            TableName.PARTIES,
            TableName.VISITS,
            TableName.ATTACHMENTS,
            TableName.AGREEMENTS,
        }
    ),
    Role.OFFICER: frozenset({TableName.SUBJECTS, TableName.VISITS, TableName.ATTACHMENTS}),
    Role.SUPERVISOR: frozenset(
        {
            TableName.CASES,
            TableName.PARTIES,
            TableName.SUBJECTS,
            TableName.VISITS,
            TableName.ATTACHMENTS,
            TableName.AGREEMENTS,
            TableName.REVIEWS,
        }
    ),
    Role.ADMIN: frozenset(
        {
            TableName.CASES,
            TableName.PARTIES,
            TableName.SUBJECTS,
            TableName.VISITS,
            TableName.ATTACHMENTS,
            TableName.AGREEMENTS,
            TableName.REVIEWS,
        }
    ),
}
"""Which device-writable tables each role may write, within its jurisdiction."""


@dataclass(frozen=True)
class JurisdictionScope:
    user_id: UUID
    role: Role
    unit_id: UUID
    unit_ids: frozenset[UUID]

    @property
    def officer_id(self) -> UUID | None:
        """Officers also see the subjects assigned to them, wherever they are."""
        return self.user_id if self.role is Role.OFFICER else None

    @property
    def works(self) -> frozenset[Work]:
        """The lines of work this user reads."""
        return READS_BY_ROLE[self.role]

    @property
    def key(self) -> str:
        """What this jurisdiction is made of, as a short fingerprint: a pull
        cursor carries it, and a cursor of another jurisdiction (the user
        moved to another unit or role) means a full resync, so the device
        drops what it may no longer hold (``services/sync/pull.py``)."""
        made_of = f"{self.user_id}:{self.role.value}:{self.unit_id}"
        return hashlib.sha256(made_of.encode()).hexdigest()[:16]

    def covers(self, where: RowScope) -> bool:
        """Whether a row with these scope columns is in this jurisdiction."""
        if where.work is not None and where.work not in self.works:
            return False
        return where.unit_id in self.unit_ids or (
            self.officer_id is not None and where.officer_id == self.officer_id
        )

    def may_read(self, row: SyncColumns | Any) -> bool:
        """May this caller read this record (a row of any synced table)?
        The one-row form of ``row_filter``: blobs, verification and
        conflicts ask it of a row they have already loaded."""
        return self.covers(RowScope.of(row))

    def may_write(self, table: TableName) -> bool:
        return table in WRITABLE_BY_ROLE[self.role]

    def reads_table(self, table: TableName) -> bool:
        """Whether any row of ``table`` can be in this jurisdiction."""
        work = TABLE_WORK[table]
        return work is None or work in self.works

    def row_filter(self, table: TableName, model: type[SyncColumns]) -> ColumnElement[bool]:
        """SQL condition selecting the rows of ``model`` this user may see."""
        if table is TableName.ORG_UNITS:
            return true()
        if not self.reads_table(table):
            return false()
        conditions: list[ColumnElement[bool]] = [
            col(model.scope_unit_id).in_(sorted(self.unit_ids))
        ]
        if self.officer_id is not None:
            conditions.append(col(model.scope_officer_id) == self.officer_id)
        placed = or_(false(), *conditions)
        return and_(placed, _work_filter(table, model, self.works))

    @staticmethod
    def bound_row_filter(
        table: TableName, model: type[SyncColumns], works: frozenset[Work]
    ) -> ColumnElement[bool]:
        """``row_filter`` for any caller whose role reads ``works`` (and reads
        ``table`` at all: ``reads_table``): the rest of the jurisdiction
        comes in as the parameters ``bound_filter_params`` gives (PostgreSQL
        only: an array parameter). For statements built once per line of
        work and run for every caller."""
        if table is TableName.ORG_UNITS:
            return true()
        units = bindparam("scope_units", type_=ARRAY(Uuid()))
        officer = bindparam("scope_officer", type_=Uuid())
        # A NULL officer (not an officer) matches nothing.
        placed = or_(
            col(model.scope_unit_id) == any_(units), col(model.scope_officer_id) == officer
        )
        return and_(placed, _work_filter(table, model, works, written_in=True))

    def bound_filter_params(self) -> dict[str, Any]:
        return {"scope_units": sorted(self.unit_ids), "scope_officer": self.officer_id}


def _work_filter(
    table: TableName, model: type[SyncColumns], works: frozenset[Work], written_in: bool = False
) -> ColumnElement[bool]:
    """SQL: the rows of ``table`` of the lines of work ``works``. Nothing to
    test where every line is read or the table is of one line (or none).
    ``written_in``: the lines as constants in the SQL, not parameters, for a
    statement compiled once whose parameters are the jurisdiction's only."""
    if works == frozenset(Work) or TABLE_WORK[table] is not None or table in _OF_NO_WORK:
        return true()
    if written_in:
        # Our own enum values, never input.
        lines: list[ColumnElement[Any]] = [
            literal_column(f"'{work.value}'") for work in sorted(works)
        ]
        return col(model.scope_work).in_(lines)
    return col(model.scope_work).in_(sorted(works))


def descendants(edges: Iterable[tuple[UUID, UUID | None]], root: UUID) -> frozenset[UUID]:
    """``root`` and every unit below it, from (unit, parent) pairs."""
    children: dict[UUID | None, list[UUID]] = {}
    for unit, parent in edges:
        children.setdefault(parent, []).append(unit)
    found = {root}
    frontier = [root]
    while frontier:
        unit = frontier.pop()
        for child in children.get(unit, ()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return frozenset(found)


def scope_for(session: Session, user: UserRow) -> JurisdictionScope:
    """The jurisdiction of ``user``, read fresh from the org tree."""
    edges = [
        (row[0], row[1])
        for row in session.execute(select(col(OrgUnitRow.id), col(OrgUnitRow.parent_id)))
    ]
    return JurisdictionScope(
        user_id=user.id,
        # The column is plain text: without the conversion ``role is Role.OFFICER``
        # is never true and officers lose their subjects outside their unit.
        role=Role(user.role),
        unit_id=user.org_unit_id,
        unit_ids=descendants(edges, user.org_unit_id),
    )
