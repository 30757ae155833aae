"""The dashboard's late applications for judicial confirmation (司法确认):
per office, the cases whose parties applied to the court in the month
after the window had closed (``MediationSettings.judicial_window_days``
after the written agreement took effect, 30 by People's Mediation Law
art. 33).

The window is the shared rule (``shared_models.domain.judicial_window``),
read from each case's facts (``facts_of``) as on the case page and in the
printed file. Only the few cases with an application recorded since the
month began are read: an application made in the month cannot have been
recorded before it. Like the case-file figure, only the cases are
filtered by jurisdiction (their documents and agreements carry the case's
scope).
"""

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from shared_models.domain import AgreementFields, CaseDocumentFields
from shared_models.domain.case_forms import CaseDocumentKind
from shared_models.domain.case_lifecycle import MediationSettings, facts_of
from shared_models.domain.cases import CaseStatus
from shared_models.domain.judicial_window import judicial_window
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.supervision.case_file_figures import records_by_case
from sync_server.services.supervision.district_calendar import Month, district_tz
from sync_server.services.supervision.offices import OfficeGrouping
from sync_server.tables import AgreementRow, CaseDocumentRow, CaseRow

_CHUNK = 500


def late_judicial_applications(
    session: Session,
    scope: JurisdictionScope,
    grouping: OfficeGrouping,
    month: Month,
    settings: MediationSettings,
) -> dict[int, int]:
    """Per dashboard group: cases applied for in ``month`` after their window closed."""
    cases: Any = CaseRow
    document: Any = CaseDocumentRow
    statement = (
        select(cases.id, cases.status, cases.scope_unit_id)
        .where(
            *grouping.in_scope(scope, TableName.CASES, cases),
            select(document.id)
            .where(
                document.case_id == cases.id,
                col(document.kind) == CaseDocumentKind.JUDICIAL_APPLICATION.value,
                col(document.deleted).is_(False),
                col(document.recorded_at) >= month.starts,
            )
            .correlate(cases)
            .exists(),
        )
        .order_by(cases.id)
    )
    candidates = list(session.exec(statement))
    counts: dict[int, int] = defaultdict(int)
    zone = district_tz()
    for start in range(0, len(candidates), _CHUNK):
        chunk = candidates[start : start + _CHUNK]
        ids = [case_id for case_id, _, _ in chunk]
        documents = records_by_case(
            session, TableName.CASE_DOCUMENTS, CaseDocumentRow, CaseDocumentFields, ids
        )
        agreements = records_by_case(
            session, TableName.AGREEMENTS, AgreementRow, AgreementFields, ids
        )
        for case_id, status, unit_id in chunk:
            facts = facts_of(CaseStatus(status), (), documents[case_id], agreements[case_id], zone)
            window = judicial_window(facts, settings)
            if window is None or not window.late or window.applied_on is None:
                continue
            if month.first <= window.applied_on < month.next_first:
                counts[grouping.group_of.get(unit_id, -1)] += 1
    return dict(counts)
