"""The dashboard's "complete files / closed cases": per office, the cases
closed in the month and how many of their case files lack nothing.

Completeness is the shared rule (``shared_models.case_file_check``), run in
Python on each closed case's parties, forms and agreements: a month closes
a few hundred cases in a district, read here in chunks by case id (the
dependants carry their case's scope, so only the cases are filtered by
jurisdiction, as the dashboard's other figures do). The district's
follow-up setting plays no part for a closed case, so the default rules
serve.
"""

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select

from shared_models.case_file_check import file_gaps, is_complete
from shared_models.domain import AgreementFields, CaseDocumentFields, CaseFields, PartyFields
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CLOSED_CASE_STATUSES
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.case_files.records import valid_fields
from sync_server.services.supervision.district_calendar import Month, district_tz
from sync_server.services.supervision.offices import OfficeGrouping
from sync_server.tables import AgreementRow, CaseDocumentRow, CaseRow, PartyRow

_CHUNK = 500
_CLOSED = sorted(status.value for status in CLOSED_CASE_STATUSES)


def records_by_case(
    session: Session, table: TableName, model: Any, fields: Any, ids: list[UUID]
) -> dict[UUID, list[tuple[UUID, Any]]]:
    """The live, valid records of ``table`` of the cases ``ids``, by case."""
    found: dict[UUID, list[tuple[UUID, Any]]] = defaultdict(list)
    rows = list(
        session.exec(
            select(model).where(col(model.case_id).in_(ids), col(model.deleted).is_(False))
        )
    )
    owner = {row.id: row.case_id for row in rows}
    for record_id, valid in valid_fields(table, rows, fields):
        found[owner[record_id]].append((record_id, valid))
    return found


def case_file_counts(
    session: Session, scope: JurisdictionScope, grouping: OfficeGrouping, month: Month
) -> dict[int, tuple[int, int]]:
    """Per dashboard group: (closed in the month, of those complete)."""
    cases: Any = CaseRow
    statement = select(cases).where(
        *grouping.in_scope(scope, TableName.CASES, cases),
        col(cases.status).in_(_CLOSED),
        col(cases.closed_at) >= month.starts,
        col(cases.closed_at) < month.ends,
    )
    closed = list(session.exec(statement))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    settings, zone = MediationSettings(), district_tz()
    for start in range(0, len(closed), _CHUNK):
        chunk = closed[start : start + _CHUNK]
        ids = [row.id for row in chunk]
        parties = records_by_case(session, TableName.PARTIES, PartyRow, PartyFields, ids)
        documents = records_by_case(
            session, TableName.CASE_DOCUMENTS, CaseDocumentRow, CaseDocumentFields, ids
        )
        agreements = records_by_case(
            session, TableName.AGREEMENTS, AgreementRow, AgreementFields, ids
        )
        cases_valid = dict(valid_fields(TableName.CASES, chunk, CaseFields))
        for row in chunk:
            group = grouping.group_of.get(row.scope_unit_id, -1)
            counts[group][0] += 1
            case = cases_valid.get(row.id)
            if case is None:
                continue  # a record that no longer validates is no complete file
            gaps = file_gaps(
                case,
                parties[row.id],
                documents[row.id],
                agreements[row.id],
                month.first,
                zone,
                settings,
            )
            counts[group][1] += is_complete(case, gaps)
    return {group: (pair[0], pair[1]) for group, pair in counts.items()}
