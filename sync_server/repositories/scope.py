"""Jurisdiction: whose records a user may see and change. Every query and
every write of the server goes through ``JurisdictionScope``; no route
decides this for itself.

A user works on records of their org unit and the units below it; an
officer also on the subjects assigned to them (and what hangs off those).
Org units are the one public table: their names are not personal data and
every device needs them to show where a record belongs.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, ColumnElement, Uuid, any_, bindparam, false, or_, select, true
from sqlmodel import Session, col

from shared_models.domain.org import Role
from shared_models.protocol.tables import TableName
from sync_server.tables import OrgUnitRow, SyncColumns, UserRow

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

    def covers(self, unit_id: UUID | None, officer_id: UUID | None) -> bool:
        """Whether a row with these scope columns is in this jurisdiction."""
        return unit_id in self.unit_ids or (
            self.officer_id is not None and officer_id == self.officer_id
        )

    def may_write(self, table: TableName) -> bool:
        return table in WRITABLE_BY_ROLE[self.role]

    def row_filter(self, table: TableName, model: type[SyncColumns]) -> ColumnElement[bool]:
        """SQL condition selecting the rows of ``model`` this user may see."""
        if table is TableName.ORG_UNITS:
            return true()
        conditions: list[ColumnElement[bool]] = [
            col(model.scope_unit_id).in_(sorted(self.unit_ids))
        ]
        if self.officer_id is not None:
            conditions.append(col(model.scope_officer_id) == self.officer_id)
        return or_(false(), *conditions)

    @staticmethod
    def bound_row_filter(table: TableName, model: type[SyncColumns]) -> ColumnElement[bool]:
        """``row_filter`` for any caller: the jurisdiction comes in as the
        parameters ``bound_filter_params`` gives (PostgreSQL only: an array
        parameter). For statements built once and run for every caller."""
        if table is TableName.ORG_UNITS:
            return true()
        units = bindparam("scope_units", type_=ARRAY(Uuid()))
        officer = bindparam("scope_officer", type_=Uuid())
        # A NULL officer (not an officer) matches nothing.
        return or_(col(model.scope_unit_id) == any_(units), col(model.scope_officer_id) == officer)

    def bound_filter_params(self) -> dict[str, Any]:
        return {"scope_units": sorted(self.unit_ids), "scope_officer": self.officer_id}


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
