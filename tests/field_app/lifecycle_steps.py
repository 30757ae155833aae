"""Taking a case on the device to the stage a test needs, through the
lifecycle services (``field_app/services/case_steps.py``)."""

from datetime import UTC, date, datetime
from uuid import UUID

from field_app.services import case_steps, cases
from field_app.storage.store import LocalStore
from shared_models.domain import CaseDocumentRecord
from shared_models.domain.case_forms import (
    CaseResult,
    ClosingReportForm,
    MediationSessionForm,
    RightsNoticeForm,
    SessionResult,
)
from shared_models.domain.case_lifecycle import MediationSettings


def to_mediation(store: LocalStore, case_id: UUID) -> None:
    """Every party acknowledges the notice, then a session is held: where a
    written agreement is signed."""
    detail = cases.case_detail(store, case_id)
    assert detail is not None
    settings = MediationSettings()
    for party in detail.parties:
        notice = RightsNoticeForm(
            party_id=party.id, party_name=party.name, notified_on=date(2026, 11, 21)
        )
        case_steps.record_step(store, case_id, notice, settings)
    held = MediationSessionForm(
        held_at=datetime(2026, 11, 22, 1, 30, tzinfo=UTC),
        present=[party.name for party in detail.parties] or ["当事人"],
        account="双方陈述，调解员释法。",
        result=SessionResult.AGREED,
    )
    case_steps.record_step(store, case_id, held, settings)


def close(
    store: LocalStore,
    case_id: UUID,
    result: CaseResult,
    settings: MediationSettings | None = None,
    at: datetime | None = None,
) -> CaseDocumentRecord:
    """结案: the closing report, as the closing form records it."""
    report = ClosingReportForm(closed_on=date(2026, 11, 28), result=result, summary="结案")
    return case_steps.record_step(store, case_id, report, settings or MediationSettings(), at=at)
