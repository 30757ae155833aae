"""The window for judicial confirmation (司法确认), tracked after a written
agreement as one rule both sides read.

Within the district's days after a written agreement takes effect
(``MediationSettings.judicial_window_days``, 30 by People's Mediation Law
art. 33) the parties may jointly apply to the court. The window is
watched, not enforced: an application recorded after it closed is kept
(the court, not the committee, decides whether it is still heard) and is
marked late wherever the case is read — the case page, the step's form,
the printed file's notes. Until someone applies, the case page counts the
days left.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from shared_models.domain.case_lifecycle import CaseFacts, MediationSettings


def judicial_deadline(agreed_on: date, settings: MediationSettings) -> date:
    """The last day the parties may apply for judicial confirmation of a
    written agreement that took effect on ``agreed_on``."""
    return agreed_on + timedelta(days=settings.judicial_window_days)


@dataclass(frozen=True)
class JudicialWindow:
    """The window of one written agreement and what became of it."""

    agreement_id: UUID
    took_effect: date
    last_day: date
    applied_on: date | None
    """The first application to the court for this agreement, if any."""

    @property
    def days(self) -> int:
        """How long the window is (the district's setting when it opened)."""
        return (self.last_day - self.took_effect).days

    @property
    def late(self) -> bool:
        """Applied for after the window closed."""
        return self.applied_on is not None and self.applied_on > self.last_day

    def days_left(self, today: date) -> int:
        """Days left to apply, today included (0 or less: closed)."""
        return (self.last_day - today).days + 1

    def open(self, today: date) -> bool:
        """Nobody has applied and the last day has not passed."""
        return self.applied_on is None and today <= self.last_day


def judicial_window(facts: CaseFacts, settings: MediationSettings) -> JudicialWindow | None:
    """The window that matters for the case: of the agreement first applied
    for, else of the written agreement that took effect last (a correction
    supersedes the one before it); ``None`` without a signed written agreement."""
    if facts.judicial_applied_on:
        agreement_id = min(facts.judicial_applied_on, key=facts.judicial_applied_on.__getitem__)
    elif facts.written_on:
        agreement_id = max(facts.written_on, key=facts.written_on.__getitem__)
    else:
        return None
    took_effect = facts.written_on.get(agreement_id)
    if took_effect is None:
        return None  # applied for an agreement no longer signed: nothing to track
    return JudicialWindow(
        agreement_id=agreement_id,
        took_effect=took_effect,
        last_day=judicial_deadline(took_effect, settings),
        applied_on=facts.judicial_applied_on.get(agreement_id),
    )
