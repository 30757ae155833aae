"""Which office a unit's records count for, for figures grouped by office.

Records sit at committees as often as at offices; a supervisor's figures
are per office. The org tree is small (a district has about a hundred
units), so the office of every unit is worked out here in Python and handed
to SQL as one JSON parameter, unit id → group number: one query then groups
a whole table by office, on SQLite and PostgreSQL alike, without a recursive
query or a mapping table. (A ``CASE`` over a hundred unit ids did the same,
but building, compiling and sending a statement with two hundred parameters
cost more than the query itself: docs/performance.md, "Supervisor dashboard".)
"""

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Dialect,
    Integer,
    Text,
    TypeDecorator,
    bindparam,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from shared_models.domain.org import OrgUnitKind
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope, NotInScopeError
from sync_server.tables import OrgUnitRow


@dataclass(frozen=True)
class Unit:
    id: UUID
    name: str
    kind: OrgUnitKind
    parent_id: UUID | None


@dataclass(frozen=True)
class OfficeGrouping:
    """The rows of a dashboard: ``rows[i]`` is the unit that group ``i`` stands
    for (an office, or the requested unit itself for records above every
    office); ``group_of`` maps every unit below the requested one to its group."""

    root: Unit
    rows: list[Unit]
    group_of: dict[UUID, int]
    whole_scope: bool
    """The requested unit is the caller's own: the jurisdiction needs no narrowing."""

    def in_scope(
        self, scope: JurisdictionScope, table: TableName, model: Any
    ) -> list[ColumnElement[bool]]:
        """SQL: live rows of ``model`` in the caller's jurisdiction and below the requested unit."""
        below = None if self.whole_scope else self.group_of.keys()
        return [scope.row_filter(table, model, below=below), col(model.deleted).is_(False)]

    def group(self, column: Any) -> ColumnElement[int]:
        """SQL: the group number of a row whose unit is in ``column`` (-1: none)."""
        return unit_group(column, bindparam_map(self.group_of))


class _UnitMap(TypeDecorator[dict[UUID, int]]):
    """A unit id → number mapping sent as JSON, keyed the way the database
    writes a UUID as text (PostgreSQL: with hyphens; SQLite stores 32 hex digits)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[UUID, int] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        native = dialect.name == "postgresql"
        return json.dumps({(str(k) if native else k.hex): v for k, v in value.items()})


def bindparam_map(mapping: dict[UUID, int]) -> BindParameter[dict[UUID, int]]:
    return bindparam(None, mapping, type_=_UnitMap())


class unit_group(FunctionElement[int]):  # noqa: N801 - used like an SQL function
    """``mapping[unit]`` in SQL, or -1 for a unit the mapping lacks."""

    type = Integer()
    name = "unit_group"
    inherit_cache = True


@compiles(unit_group, "postgresql")
def _postgresql(element: unit_group, compiler: SQLCompiler, **kw: Any) -> str:
    unit, mapping = (compiler.process(clause, **kw) for clause in element.clauses)
    # The sub-select parses the JSON once per statement, not once per row.
    found = f"(SELECT CAST({mapping} AS jsonb)) ->> CAST({unit} AS text)"
    return f"COALESCE(CAST(({found}) AS integer), -1)"


@compiles(unit_group, "sqlite")
def _sqlite(element: unit_group, compiler: SQLCompiler, **kw: Any) -> str:
    unit, mapping = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"COALESCE(json_extract({mapping}, '$.\"' || {unit} || '\"'), -1)"


def load_units(session: Session) -> dict[UUID, Unit]:
    """Every org unit (not deleted), by id."""
    query = select(
        col(OrgUnitRow.id), col(OrgUnitRow.name), col(OrgUnitRow.kind), col(OrgUnitRow.parent_id)
    ).where(col(OrgUnitRow.deleted).is_(False))
    return {
        row[0]: Unit(row[0], row[1], OrgUnitKind(row[2]), row[3]) for row in session.execute(query)
    }


def office_grouping(
    session: Session, scope: JurisdictionScope, unit_id: UUID | None
) -> OfficeGrouping:
    """The offices at and below ``unit_id`` (default: the caller's own unit).

    The unit must be in the caller's jurisdiction and be an office, the
    district, or the caller's own unit; anything else is ``404`` so that a
    supervisor learns nothing about units outside their jurisdiction.
    """
    units = load_units(session)
    root_id = scope.unit_id if unit_id is None else unit_id
    root = units.get(root_id)
    if root is None or (root.kind is OrgUnitKind.COMMITTEE and root_id != scope.unit_id):
        raise NotInScopeError("office", "office_id")
    edges = ((u.id, u.parent_id) for u in units.values())
    below = scope.units_within(session, root_id, field="office_id", what="office", edges=edges)
    below = frozenset(unit for unit in below if unit in units)
    offices = sorted(
        (units[u] for u in below if units[u].kind is OrgUnitKind.OFFICE),
        key=lambda unit: (unit.name, str(unit.id)),
    )
    rows = list(offices)
    index = {office.id: number for number, office in enumerate(offices)}
    group_of: dict[UUID, int] = {}
    for unit in below:
        office = _office_above(units, unit, root_id)
        if office is None:
            if root_id not in index:
                index[root_id] = len(rows)
                rows.append(root)
            office = root_id
        group_of[unit] = index[office]
    whole_scope = root_id == scope.unit_id and below == scope.unit_ids
    return OfficeGrouping(root, rows, group_of, whole_scope)


def _office_above(units: dict[UUID, Unit], unit_id: UUID, root_id: UUID) -> UUID | None:
    """The nearest office at or above ``unit_id``, not looking above ``root_id``."""
    current: UUID | None = unit_id
    while current is not None and current in units:
        if units[current].kind is OrgUnitKind.OFFICE:
            return current
        if current == root_id:
            return None
        current = units[current].parent_id
    return None
