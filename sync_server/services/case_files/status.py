"""A case's file and its completeness, on the district's calendar."""

from datetime import datetime
from uuid import UUID

from sqlmodel import Session

from shared_models.case_file import CaseFile
from shared_models.case_file_check import file_gaps, gap_text, is_complete
from shared_models.case_file_text import CaseFileSources, case_file
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.protocol.case_file import CaseFileGap, CaseFileStatus
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.case_files.records import case_file_sources
from sync_server.services.supervision.district_calendar import district_today, district_tz


def case_file_of(
    session: Session,
    scope: JurisdictionScope,
    case_id: UUID,
    settings: MediationSettings,
    now: datetime,
) -> tuple[CaseFileSources, CaseFile]:
    """The case's records and its file (``NotInScopeError`` outside the jurisdiction)."""
    sources = case_file_sources(
        session, scope, case_id, settings, district_today(now), district_tz()
    )
    return sources, case_file(case_id, sources)


def file_status(
    session: Session,
    scope: JurisdictionScope,
    case_id: UUID,
    settings: MediationSettings,
    now: datetime,
) -> CaseFileStatus:
    sources, built = case_file_of(session, scope, case_id, settings, now)
    s = sources
    gaps = file_gaps(s.case, s.parties, s.documents, s.agreements, s.today, s.zone, s.settings)
    return CaseFileStatus(
        case_id=case_id,
        title=s.case.title,
        case_number=s.case.case_number,
        status=s.case.status,
        complete=is_complete(s.case, gaps),
        gaps=[CaseFileGap(kind=g.kind, who=g.who, due=g.due, text=gap_text(g)) for g in gaps],
        documents=len(built.documents),
    )
