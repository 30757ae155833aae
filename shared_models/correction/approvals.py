"""Who decides a request, and where its decisions leave it.

A request is decided level by level: the office head (a supervisor of the
subject's office) first; where the district must decide too, it decides on
the office's approval (its opinion). A refusal at any level ends it. Which
levels a request needs:

- leave: the office alone up to ``office_leave_max_days`` (7), else office
  then district (``leave.deciding_levels``);
- a change of supervision level: the office;
- a change of residence, a commendation or sanction: office then district.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from shared_models.correction.leave import deciding_levels
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import (
    ApprovalLevel,
    Decision,
    DecisionOutcome,
    EventContent,
    LeaveRequest,
    LevelChange,
    ResidenceChange,
    RewardSanction,
)

OFFICE_THEN_DISTRICT = (ApprovalLevel.OFFICE, ApprovalLevel.DISTRICT)


def required_levels(
    content: EventContent, settings: CorrectionSettings
) -> tuple[ApprovalLevel, ...]:
    """The levels that decide a request of this content, in order; ``()``
    for an event that needs no approval."""
    if isinstance(content, LeaveRequest):
        return deciding_levels(content.days, settings)
    if isinstance(content, LevelChange):
        return (ApprovalLevel.OFFICE,)
    if isinstance(content, ResidenceChange | RewardSanction):
        return OFFICE_THEN_DISTRICT
    return ()


class ApprovalStatus(StrEnum):
    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class ApprovalState:
    """Where a request stands: ``waiting_for`` the level that decides next
    (only while pending)."""

    status: ApprovalStatus
    waiting_for: ApprovalLevel | None = None

    @property
    def decided(self) -> bool:
        return self.status in (ApprovalStatus.APPROVED, ApprovalStatus.REFUSED)


def approval_state(
    levels: tuple[ApprovalLevel, ...], decisions: Iterable[Decision]
) -> ApprovalState:
    """The state of a request needing ``levels`` given its ``decisions``
    (one per level at most; a later one at the same level is ignored)."""
    if not levels:
        return ApprovalState(ApprovalStatus.NOT_NEEDED)
    by_level: dict[ApprovalLevel, Decision] = {}
    for decision in decisions:
        by_level.setdefault(decision.level, decision)
    for level in levels:
        found = by_level.get(level)
        if found is None:
            return ApprovalState(ApprovalStatus.PENDING, level)
        if found.outcome is DecisionOutcome.REFUSED:
            return ApprovalState(ApprovalStatus.REFUSED)
    return ApprovalState(ApprovalStatus.APPROVED)
