"""The window for judicial confirmation: tracked from the written agreement
that took effect, days counted while nobody applied, a late application
kept and marked (the court decides), never refused."""

import uuid
from datetime import date

from shared_models.domain.case_forms import JudicialApplicationForm
from shared_models.domain.case_lifecycle import (
    CaseFacts,
    CaseStep,
    MediationSettings,
    step_problem,
)
from shared_models.domain.cases import CaseStatus
from shared_models.domain.judicial_window import judicial_deadline, judicial_window

RULE = MediationSettings()
SEALED = date(2026, 11, 28)


def _agreed(agreement: uuid.UUID, applied_on: date | None = None) -> CaseFacts:
    return CaseFacts(
        CaseStatus.AGREED,
        written_agreements={agreement: 1},
        written_on={agreement: SEALED},
        judicial_applied_on={} if applied_on is None else {agreement: applied_on},
    )


def test_the_window_is_the_districts_days_after_the_agreement_took_effect() -> None:
    assert judicial_deadline(SEALED, RULE) == date(2026, 12, 28)
    longer = MediationSettings(judicial_window_days=45)
    agreement = uuid.uuid4()
    window = judicial_window(_agreed(agreement), longer)
    assert window is not None
    assert (window.agreement_id, window.last_day, window.days) == (agreement, date(2027, 1, 12), 45)
    assert judicial_window(CaseFacts(CaseStatus.AGREED), RULE) is None  # oral or none: no window


def test_days_are_counted_until_someone_applies_or_the_window_closes() -> None:
    window = judicial_window(_agreed(uuid.uuid4()), RULE)
    assert window is not None
    assert window.open(date(2026, 12, 28))
    assert window.days_left(date(2026, 12, 28)) == 1
    assert window.days_left(SEALED) == 31
    assert not window.open(date(2026, 12, 29))
    assert not window.late


def test_a_late_application_is_recorded_and_marked_late() -> None:
    agreement = uuid.uuid4()
    late = JudicialApplicationForm(
        agreement_id=agreement,
        applied_on=date(2027, 1, 5),
        court="复兴区人民法院",
        applicants=["李某"],
    )
    assert step_problem(CaseStep.JUDICIAL_APPLICATION, _agreed(agreement), RULE, late) is None
    applied = _agreed(agreement, date(2027, 1, 5))
    window = judicial_window(applied, RULE)
    assert window is not None
    assert window.late
    assert not window.open(date(2026, 12, 1))
    on_time = _agreed(agreement, date(2026, 12, 28))
    assert not judicial_window(on_time, RULE).late  # type: ignore[union-attr]


def test_the_window_followed_is_the_applied_one_else_the_latest_agreement() -> None:
    first, correction = uuid.uuid4(), uuid.uuid4()
    corrected = CaseFacts(
        CaseStatus.AGREED,
        written_agreements={first: 1, correction: 1},
        written_on={first: SEALED, correction: date(2026, 12, 10)},
    )
    assert judicial_window(corrected, RULE).agreement_id == correction  # type: ignore[union-attr]
    applied = CaseFacts(
        CaseStatus.JUDICIAL_CONFIRMATION,
        written_agreements={first: 1, correction: 1},
        written_on={first: SEALED, correction: date(2026, 12, 10)},
        judicial_applied_on={first: date(2026, 12, 1)},
    )
    window = judicial_window(applied, RULE)
    assert window is not None
    assert (window.agreement_id, window.applied_on) == (first, date(2026, 12, 1))
