"""The people's mediation statistics (``shared_models.protocol.statistics``),
counted in SQL.

Three grouped scans, each over the period's rows only (by an index on the
date that puts a row in the period), grouped by the unit the row is placed
at: the cases received (``cases.opened_at``), the written agreements signed
(``agreements.signed_at``), and the outcome forms recorded
(``case_documents.recorded_at``: oral agreements, terminations, confirming
rulings, closing reports of performed agreements). A district has about a
hundred units, so their totals are rolled up to committees, offices and the
district in Python (docs/performance.md, "Mediation statistics").

A case counts as received when it was opened in the period and accepted
(not a pending application, not refused): what the 受理 column of the
county's form counts.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.case_forms import CaseDocumentKind, Performance, RulingOutcome
from shared_models.domain.cases import CaseCategory, CaseSource, CaseStatus
from shared_models.domain.org import OrgUnitKind
from shared_models.protocol.statistics import (
    MediationCounts,
    MediationStatistics,
    RowLevel,
    StatisticsRow,
    parse_period,
)
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope, NotInScopeError
from sync_server.services.supervision.district_calendar import day_start
from sync_server.services.supervision.offices import Unit, load_units
from sync_server.tables import AgreementRow, CaseDocumentRow, CaseRow

NOT_RECEIVED = [CaseStatus.APPLIED.value, CaseStatus.REFUSED.value]
"""Cases opened but not accepted: not in the 受理 column."""


@dataclass
class _Tally:
    """One unit's counts while they are gathered."""

    received: int = 0
    by_category: dict[CaseCategory, int] = field(default_factory=lambda: defaultdict(int))
    by_source: dict[CaseSource, int] = field(default_factory=lambda: defaultdict(int))
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: "_Tally") -> None:
        self.received += other.received
        for mine, theirs in (
            (self.by_category, other.by_category),
            (self.by_source, other.by_source),
            (self.outcomes, other.outcomes),
        ):
            for key, value in theirs.items():
                mine[key] += value  # type: ignore[index]

    def counts(self) -> MediationCounts:
        written, oral = self.outcomes["agreed_written"], self.outcomes["agreed_oral"]
        failed = self.outcomes["failed"]
        return MediationCounts(
            received=self.received,
            by_category={k: v for k, v in self.by_category.items() if v},
            by_source={k: v for k, v in self.by_source.items() if v},
            mediated=written + oral + failed,
            agreed_written=written,
            agreed_oral=oral,
            failed=failed,
            performed=self.outcomes["performed"],
            judicial_confirmations=self.outcomes["judicial_confirmations"],
        )


@dataclass(frozen=True)
class StatisticsQuery:
    period: str
    """``YYYY`` or ``YYYY-MM`` (``protocol.statistics.PERIOD_PATTERN``)."""
    unit_id: UUID | None = None


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _received(session: Session, where: list[Any], tallies: dict[UUID, _Tally]) -> None:
    cases: Any = CaseRow
    statement = (
        select(cases.scope_unit_id, cases.category, cases.source, func.count())
        .where(*where, col(cases.status).not_in(NOT_RECEIVED))
        .group_by(cases.scope_unit_id, cases.category, cases.source)
    )
    for unit, category, source, count in session.execute(statement):
        tally = tallies[unit]
        tally.received += count
        tally.by_category[CaseCategory(category)] += count
        tally.by_source[CaseSource(source)] += count


def _written(session: Session, where: list[Any], tallies: dict[UUID, _Tally]) -> None:
    agreement: Any = AgreementRow
    statement = (
        select(agreement.scope_unit_id, func.count(func.distinct(agreement.case_id)))
        .where(
            *where,
            col(agreement.status) == AgreementStatus.SIGNED.value,
            col(agreement.supersedes_id).is_(None),
        )
        .group_by(agreement.scope_unit_id)
    )
    for unit, count in session.execute(statement):
        tallies[unit].outcomes["agreed_written"] += count


def _outcome_forms(session: Session, where: list[Any], tallies: dict[UUID, _Tally]) -> None:
    document: Any = CaseDocumentRow
    kind = col(document.kind)
    counted = {
        "agreed_oral": kind == CaseDocumentKind.ORAL_AGREEMENT.value,
        "failed": kind == CaseDocumentKind.TERMINATION.value,
        "judicial_confirmations": and_(
            kind == CaseDocumentKind.JUDICIAL_RULING.value,
            document.content["outcome"].as_string() == RulingOutcome.CONFIRMED.value,
        ),
        "performed": and_(
            kind == CaseDocumentKind.CLOSING_REPORT.value,
            document.content["performance"].as_string() == Performance.PERFORMED.value,
        ),
    }
    kinds = [
        CaseDocumentKind.ORAL_AGREEMENT.value,
        CaseDocumentKind.TERMINATION.value,
        CaseDocumentKind.JUDICIAL_RULING.value,
        CaseDocumentKind.CLOSING_REPORT.value,
    ]
    statement = (
        select(document.scope_unit_id, *(_count(c).label(name) for name, c in counted.items()))
        .where(*where, kind.in_(kinds))
        .group_by(document.scope_unit_id)
    )
    for unit, *values in session.execute(statement):
        for name, value in zip(counted, values, strict=True):
            tallies[unit].outcomes[name] += int(value or 0)


def _window(
    scope: JurisdictionScope,
    table: TableName,
    model: Any,
    when: Any,
    below: frozenset[UUID],
    period: tuple[date, date],
) -> list[Any]:
    """SQL: live rows of ``model`` in scope, below the unit, dated in the period."""
    starts, ends = day_start(period[0]), day_start(date.fromordinal(period[1].toordinal() + 1))
    return [
        scope.row_filter(table, model, below=below),
        col(model.deleted).is_(False),
        col(when) >= starts,
        col(when) < ends,
    ]


def mediation_statistics(
    session: Session, scope: JurisdictionScope, query: StatisticsQuery
) -> MediationStatistics:
    """The table of ``query.unit_id`` (default: the caller's unit) for the period.

    The unit must be the caller's own or an office or district in the
    jurisdiction; anything else is ``404`` (``NotInScopeError``), as on the
    dashboard. Raises ``ValueError`` for a period that is not one."""
    period = parse_period(query.period)
    units = load_units(session)
    root_id = scope.unit_id if query.unit_id is None else query.unit_id
    root = units.get(root_id)
    if root is None or (root.kind is OrgUnitKind.COMMITTEE and root_id != scope.unit_id):
        raise NotInScopeError("office", "office_id")
    edges = ((u.id, u.parent_id) for u in units.values())
    below = scope.units_within(session, root_id, field="office_id", what="office", edges=edges)
    tallies: dict[UUID, _Tally] = defaultdict(_Tally)
    cases: Any = CaseRow
    agreement: Any = AgreementRow
    document: Any = CaseDocumentRow
    _received(
        session, _window(scope, TableName.CASES, cases, cases.opened_at, below, period), tallies
    )
    _written(
        session,
        _window(scope, TableName.AGREEMENTS, agreement, agreement.signed_at, below, period),
        tallies,
    )
    _outcome_forms(
        session,
        _window(scope, TableName.CASE_DOCUMENTS, document, document.recorded_at, below, period),
        tallies,
    )
    return MediationStatistics(
        unit_id=root.id,
        unit_name=root.name,
        period=query.period,
        starts=period[0],
        ends=period[1],
        rows=_rows(units, root, below, tallies),
    )


def _rows(
    units: dict[UUID, Unit], root: Unit, below: frozenset[UUID], tallies: dict[UUID, _Tally]
) -> list[StatisticsRow]:
    """Per office (by name) its committees (by name) and its subtotal, then
    the total; a committee's own table is its one row."""
    present = [units[u] for u in below if u in units]
    by_name = sorted(present, key=lambda unit: (unit.name, str(unit.id)))

    def row(unit: Unit, tally: _Tally, level: RowLevel) -> StatisticsRow:
        return StatisticsRow(
            **tally.counts().model_dump(), unit_id=unit.id, unit_name=unit.name, level=level
        )

    def office_of(unit: Unit) -> UUID | None:
        current: UUID | None = unit.id
        while current is not None and current in units:
            if units[current].kind is OrgUnitKind.OFFICE:
                return current
            current = units[current].parent_id
        return None

    rows: list[StatisticsRow] = []
    total = _Tally()
    offices = [u for u in by_name if u.kind is OrgUnitKind.OFFICE]
    for office in offices:
        subtotal = _Tally()
        subtotal.add(tallies.get(office.id, _Tally()))
        for unit in by_name:
            if unit.kind is not OrgUnitKind.OFFICE and office_of(unit) == office.id:
                tally = tallies.get(unit.id, _Tally())
                subtotal.add(tally)
                if unit.kind is OrgUnitKind.COMMITTEE:
                    rows.append(row(unit, tally, RowLevel.COMMITTEE))
        rows.append(row(office, subtotal, RowLevel.OFFICE))
        total.add(subtotal)
    if root.kind is OrgUnitKind.COMMITTEE:
        return [row(root, tallies.get(root.id, _Tally()), RowLevel.COMMITTEE)]
    if root.kind is OrgUnitKind.OFFICE:
        return rows
    for unit in by_name:  # records placed above every office: in the total only
        if office_of(unit) is None:
            total.add(tallies.get(unit.id, _Tally()))
    rows.append(row(root, total, RowLevel.DISTRICT))
    return rows
