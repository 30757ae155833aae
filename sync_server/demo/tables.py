"""The seeded streams of the demo district and the weighted tables its drawers pick from.

A weight is a share relative to the others in its table (they need not add
up to 100). Each pool picks with one ``random()`` call: a 100,000 record
district takes millions of draws.
"""

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

from shared_models.domain.cases import CaseSource, PartyRole
from shared_models.domain.subjects import CorrectionType, SubjectStatus, SupervisionLevel
from shared_models.domain.visits import CheckinMethod
from sync_server.demo import names

T = TypeVar("T")


def seeded_rng(key: str) -> random.Random:
    # Synthetic demo data, never secrets; str seeds are hashed with SHA-512,
    # so streams do not depend on PYTHONHASHSEED.
    return random.Random(key)  # noqa: S311


class Weighted(Generic[T]):
    """A weighted pool that picks with one ``random()`` call."""

    def __init__(self, pairs: Sequence[tuple[T, int]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cumulative = list(accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect(self._cumulative, rng.random() * self._total)]


SURNAMES = Weighted(names.SURNAMES)
AREA_CODES = Weighted(names.AREA_CODES)
DISPUTES = Weighted([(template, template.weight) for template in names.DISPUTES])
SOURCES = Weighted(
    [
        (CaseSource.WALK_IN, 35),
        (CaseSource.PATROL, 18),
        (CaseSource.PHONE, 15),
        (CaseSource.WECHAT, 15),
        (CaseSource.POLICE_REFERRAL, 12),
        (CaseSource.COURT_REFERRAL, 5),
    ]
)
CORRECTION_TYPES = Weighted(
    [
        (CorrectionType.SUSPENDED_SENTENCE, 75),
        (CorrectionType.PAROLE, 12),
        (CorrectionType.TEMPORARY_OUTSIDE, 8),
        (CorrectionType.CONTROL, 5),
    ]
)
TERM_MONTHS: dict[CorrectionType, tuple[int, ...]] = {
    CorrectionType.SUSPENDED_SENTENCE: (12, 12, 18, 24, 24, 36, 36, 48, 60),
    CorrectionType.PAROLE: (6, 8, 10, 12, 18, 24, 36),
    CorrectionType.TEMPORARY_OUTSIDE: (6, 12, 12, 24),
    CorrectionType.CONTROL: (3, 6, 12, 24),
}
SUBJECT_STATUSES = Weighted(
    [
        (SubjectStatus.UNDER_SUPERVISION, 85),
        (SubjectStatus.RELEASED, 12),
        (SubjectStatus.REVOKED, 3),
    ]
)
LEVELS = Weighted(
    [(SupervisionLevel.STRICT, 30), (SupervisionLevel.NORMAL, 40), (SupervisionLevel.LENIENT, 30)]
)
"""Supervision levels; a subject's check-in interval is its level's in the
district's settings (the demo's are the defaults)."""
CHECKIN_METHODS = Weighted(
    [
        (CheckinMethod.OFFICE, 55),
        (CheckinMethod.PHONE, 20),
        (CheckinMethod.VIDEO, 15),
        (CheckinMethod.HOME_VISIT, 10),
    ]
)
OTHER_PARTY_ROLES = Weighted(
    [(PartyRole.OTHER, 6), (PartyRole.APPLICANT, 2), (PartyRole.RESPONDENT, 2)]
)
