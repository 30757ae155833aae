"""Jurisdiction: whose records a user may see and change. The one scoping
layer of the server: every read of a scoped row goes through
``JurisdictionScope``; no route or service decides this for itself.

A user works on records of their org unit and the units below it; an
officer also on the subjects assigned to them (and what hangs off those).
Within that, a user reads only the line of work (``Work``) their role
does: mediators people's mediation (cases, their parties, sessions,
agreements, photos, reviews, conflicts), officers community correction
(subjects, their check-ins and what hangs off them); supervisors and
admins both. Org units are the one public table: their names are not
personal data and every device needs them to show where a record belongs.

The API, all on ``JurisdictionScope``:

- one row: ``get(session, Model, id)`` (the row, or ``NotInScopeError``),
  ``find`` (the row or ``None``), ``reveal(row)`` for a row loaded some
  other way, ``may_read(row)`` for a yes or no;
- a query: ``row_filter(table, model, below=…)``, and its compiled-once
  forms ``bound_row_filter``/``bound_filter_params`` for the pull;
- a unit the caller names: ``units_within(session, unit_id)`` (that unit and
  those below it, or ``NotInScopeError``);
- the role's lines of work: ``reads_table``, ``reads_work``, ``supervises``.

Out of the jurisdiction and missing are one answer, ``NotInScopeError``, which
is ``404 NOT_FOUND``, so that a caller learns nothing about rows outside.
"""

import dataclasses
import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar
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

from shared_models.domain.org import Role, units_below
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.errors import ApiError
from sync_server.tables import OrgUnitRow, ScopeExit, SyncColumns, UserRow

R = TypeVar("R", bound=SyncColumns)

Edges = Iterable[tuple[UUID, UUID | None]]
"""The org tree as (unit, parent) pairs."""


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

SUPERVISORY_ROLES: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN})
"""Roles that read their jurisdiction's figures, review queue, exports and
agreement PDFs (``JurisdictionScope.supervises``)."""

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
    TableName.CASE_DOCUMENTS: Work.MEDIATION,
    TableName.SUBJECT_EVENTS: Work.CORRECTION,
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
        """The scope a stored row (or a row a push is creating) has. A push
        asks it of every record's owner: the line of work is looked up in a
        dict (``Work(value)`` is a Python call of the enum machinery, about
        ten times the cost); a value that is no line of work still raises."""
        work = row.scope_work
        if work is not None:
            work = _WORKS.get(work) or Work(work)
        return cls(row.scope_unit_id, row.scope_officer_id, work)


_WORKS: dict[str, Work] = {work.value: work for work in Work}


WRITABLE_BY_ROLE: dict[Role, frozenset[TableName]] = {
    Role.MEDIATOR: frozenset(
        {
            TableName.CASES,
            TableName.PARTIES,
            TableName.VISITS,
            TableName.ATTACHMENTS,
            TableName.AGREEMENTS,
            TableName.CASE_DOCUMENTS,
        }
    ),
    Role.OFFICER: frozenset(
        {TableName.SUBJECTS, TableName.VISITS, TableName.ATTACHMENTS, TableName.SUBJECT_EVENTS}
    ),
    Role.SUPERVISOR: frozenset(
        {
            TableName.CASES,
            TableName.PARTIES,
            TableName.SUBJECTS,
            TableName.VISITS,
            TableName.ATTACHMENTS,
            TableName.AGREEMENTS,
            TableName.CASE_DOCUMENTS,
            TableName.REVIEWS,
            TableName.SUBJECT_EVENTS,
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
            TableName.CASE_DOCUMENTS,
            TableName.REVIEWS,
            TableName.SUBJECT_EVENTS,
        }
    ),
}
"""Which device-writable tables each role may write, within its jurisdiction."""


class NotInScopeError(ApiError):
    """A row or unit outside the caller's jurisdiction, or not there at all:
    one answer for both, ``404 NOT_FOUND`` in the error envelope. ``what``
    names the kind of thing asked for, ``field`` the request field that
    named it (it goes in the message and ``details``)."""

    def __init__(self, what: str = "record", field: str | None = None) -> None:
        message = f"there is no such {what} in your jurisdiction"
        super().__init__(
            404,
            ErrorCode.NOT_FOUND,
            f"{field}: {message}" if field else message,
            {"field": field} if field else None,
        )


@dataclass(frozen=True)
class JurisdictionScope:
    """One user's jurisdiction: their unit and every unit below it
    (``unit_ids``), their role's lines of work, and, for an officer, the
    subjects assigned to them. The one way to reach a scoped row."""

    user_id: UUID
    role: Role
    unit_id: UUID
    unit_ids: frozenset[UUID]
    _unit_ints: frozenset[int] = dataclasses.field(init=False, repr=False, compare=False)
    """``unit_ids`` as integers: ``covers`` runs for every record a push
    writes, and a ``UUID``'s hash and equality are Python code."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_unit_ints", frozenset([unit.int for unit in self.unit_ids]))

    @classmethod
    def of_user(cls, user_id: UUID, role: Role, unit_id: UUID, edges: Edges) -> "JurisdictionScope":
        """The jurisdiction of a user of ``role`` at ``unit_id``, in the org tree ``edges``."""
        return cls(user_id, role, unit_id, units_below(edges, unit_id))

    @property
    def officer_id(self) -> UUID | None:
        """Officers also see the subjects assigned to them, wherever they are."""
        return self.user_id if self.role is Role.OFFICER else None

    @property
    def works(self) -> frozenset[Work]:
        """The lines of work this user reads."""
        return READS_BY_ROLE[self.role]

    @property
    def supervises(self) -> bool:
        """Whether this user reads the jurisdiction as a whole: figures, the
        review queue, exports, agreement PDFs."""
        return self.role in SUPERVISORY_ROLES

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
        work = where.work
        if work is not None and work not in READS_BY_ROLE[self.role]:
            return False
        unit = where.unit_id
        if unit is not None and unit.int in self._unit_ints:
            return True
        return self.officer_id is not None and where.officer_id == self.officer_id

    def may_read(self, row: SyncColumns | Any) -> bool:
        """May this caller read this record (a row of any synced table)?
        The one-row form of ``row_filter``: blobs, verification and
        conflicts ask it of a row they have already loaded."""
        return self.covers(RowScope.of(row))

    def may_write(self, table: TableName) -> bool:
        return table in WRITABLE_BY_ROLE[self.role]

    def reads_table(self, table: TableName) -> bool:
        """Whether any row of ``table`` can be in this jurisdiction."""
        return self.bound_reads_table(table, self.works)

    def reads_work(self, work: str | None) -> bool:
        """Whether this role reads records of the line of work ``work`` (a
        row's ``scope_work``; ``None``: of no line, read by every role). A
        record's line never changes, so a role that does not read it never
        held it on a device either."""
        return work is None or Work(work) in self.works

    def row_filter(
        self, table: TableName, model: type[SyncColumns], below: Collection[UUID] | None = None
    ) -> ColumnElement[bool]:
        """SQL condition selecting the rows of ``model`` this user may see;
        ``below`` (from ``units_within``) narrows them to rows placed at
        those units."""
        placed: ColumnElement[bool]
        if table is TableName.ORG_UNITS:
            placed = true()  # public: every device shows where records belong
        elif not self.reads_table(table):
            return false()
        else:
            conditions: list[ColumnElement[bool]] = [
                col(model.scope_unit_id).in_(sorted(self.unit_ids))
            ]
            if self.officer_id is not None:
                conditions.append(col(model.scope_officer_id) == self.officer_id)
            placed = or_(false(), *conditions)
        if below is not None:
            placed = and_(placed, col(model.scope_unit_id).in_(sorted(below)))
        return and_(placed, _work_filter(table, model, self.works))

    def exits_filter(self) -> ColumnElement[bool]:
        """SQL: the ``ScopeExit`` rows of records that were in this
        jurisdiction by place (a device here may hold them)."""
        exits: Any = ScopeExit  # its columns, untyped like the synced tables' here
        held = [exits.old_unit_id.in_(sorted(self.unit_ids))]
        if self.officer_id is not None:
            held.append(exits.old_officer_id == self.officer_id)
        return or_(false(), *held)

    def find(
        self, session: Session, model: type[R], record_id: UUID, live: bool = False
    ) -> R | None:
        """The row of ``model`` with this id if this user may read it (and,
        with ``live``, it is not deleted); else ``None``."""
        row = session.get(model, record_id)
        if row is None or (live and row.deleted) or not self.may_read(row):  # type: ignore[attr-defined]
            return None
        return row

    def get(
        self,
        session: Session,
        model: type[R],
        record_id: UUID,
        *,
        live: bool = False,
        what: str = "record",
        field: str | None = None,
    ) -> R:
        """``find``, or ``NotInScopeError`` naming ``what`` and ``field``."""
        return self.reveal(self.find(session, model, record_id, live), what=what, field=field)

    def reveal(
        self, row: R | None, *, live: bool = False, what: str = "record", field: str | None = None
    ) -> R:
        """A row loaded some other way (a push's workspace), if this user
        may read it; else ``NotInScopeError``, exactly as if it did not exist."""
        if row is None or (live and row.deleted) or not self.may_read(row):  # type: ignore[attr-defined]
            raise NotInScopeError(what, field)
        return row

    def units_within(
        self,
        session: Session,
        unit_id: UUID,
        *,
        field: str,
        what: str = "org unit",
        edges: Edges | None = None,
    ) -> frozenset[UUID]:
        """``unit_id`` and the units below it, when it is in this
        jurisdiction (a filter a caller asks for: an office, a township);
        ``NotInScopeError`` naming ``field`` otherwise. ``edges``: the tree to
        walk when the caller holds it already (default: read it)."""
        if unit_id not in self.unit_ids:
            raise NotInScopeError(what, field)
        tree = org_edges(session) if edges is None else edges
        return units_below(tree, unit_id) & self.unit_ids

    def accounts_filter(self) -> ColumnElement[bool]:
        """SQL: the user accounts (``UserRow``) whose devices this user sees:
        an admin, who runs every account of the district, all of them;
        anyone else those in their jurisdiction."""
        if self.role is Role.ADMIN:
            return true()
        return self.row_filter(TableName.USERS, UserRow)

    @staticmethod
    def bound_reads_table(table: TableName, works: frozenset[Work]) -> bool:
        """``reads_table`` for any role that reads the lines ``works``."""
        work = TABLE_WORK[table]
        return work is None or work in works

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


def org_edges(session: Session) -> list[tuple[UUID, UUID | None]]:
    """The whole org tree as (unit, parent) pairs, deleted units too: a
    jurisdiction is the tree below a unit, whatever was removed from it."""
    return [
        (row[0], row[1])
        for row in session.execute(select(col(OrgUnitRow.id), col(OrgUnitRow.parent_id)))
    ]


def scope_for(session: Session, user: UserRow) -> JurisdictionScope:
    """The jurisdiction of ``user``, read fresh from the org tree."""
    # The column is plain text: without the conversion ``role is Role.OFFICER``
    # is never true and officers lose their subjects outside their unit.
    return JurisdictionScope.of_user(user.id, Role(user.role), user.org_unit_id, org_edges(session))
