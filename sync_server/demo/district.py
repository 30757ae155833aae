"""The demo district 复兴区（演示）: deterministic synthetic records.

Pure Python, no database I/O: ``lastmile admin seed-demo`` loads the result,
tests and benchmarks use it directly.

The org units and users are a fixed fixture: their ids come from names and
their display names from a fixed stream, so demo logins and units are the
same for every ``seed`` and ``size``. The casework (cases, parties, their
visits) and the correction work (subjects, check-ins, home visits) are drawn
from two streams seeded by ``seed``, each generated until its share of
``size`` is used up; a smaller district is therefore a prefix of a larger
one with the same seed.
"""

import gc
from dataclasses import dataclass
from datetime import date

from shared_models.domain.cases import CaseRecord, PartyRecord
from shared_models.domain.org import OrgUnitRecord
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.domain.subjects import SubjectRecord, SubjectStatus
from shared_models.domain.visits import VisitRecord
from sync_server.demo.casework import Casework
from sync_server.demo.correction import Correction
from sync_server.demo.correction_events import CorrectionRecords
from sync_server.demo.structure import (
    DEMO_NAMESPACE,
    DISTRICT_NAME,
    DemoUser,
    build_structure,
    stable_id,
)
from sync_server.demo.tables import seeded_rng

__all__ = [
    "DEFAULT_TODAY",
    "DEMO_NAMESPACE",
    "DISTRICT_NAME",
    "DemoDistrict",
    "DemoUser",
    "generate_district",
]

DEFAULT_TODAY = date(2026, 11, 1)

CASEWORK_SHARE = 0.7
"""Share of ``size`` spent on cases, their parties and visits; the rest is correction work."""


@dataclass(frozen=True)
class DemoDistrict:
    """Everything ``generate_district`` builds; ``org_units`` lists parents before children."""

    org_units: list[OrgUnitRecord]
    users: list[DemoUser]
    cases: list[CaseRecord]
    parties: list[PartyRecord]
    subjects: list[SubjectRecord]
    visits: list[VisitRecord]
    subject_events: list[SubjectEventRecord]
    """Each subject's correction record beyond check-ins (``correction_events.py``):
    not part of ``size``."""

    def record_count(self) -> int:
        """The synthetic records that ``size`` asked for (units and users not counted)."""
        return len(self.cases) + len(self.parties) + len(self.subjects) + len(self.visits)


def generate_district(size: int = 3000, seed: int = 1, today: date | None = None) -> DemoDistrict:
    """Build the demo district with about ``size`` cases, parties, subjects
    and visits (within a few records), as they stand on ``today``.

    The same ``seed``, ``size`` and ``today`` give identical output; units
    and users are the same for every seed and size. No database I/O.
    """
    if size < 0:
        raise ValueError("size: the number of records cannot be negative")
    today = DEFAULT_TODAY if today is None else today
    # The records hold no reference cycles; collecting while millions of
    # objects are allocated would only rescan them (a third of the run time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(size, seed, today)
    finally:
        if collecting:
            gc.enable()


def _generate(size: int, seed: int, today: date) -> DemoDistrict:
    structure = build_structure()
    casework_budget = round(size * CASEWORK_SHARE)
    casework = Casework(seeded_rng(f"lastmile-demo:{seed}:casework"), structure, today)
    while casework.count < casework_budget:
        casework.add_case()
    correction = Correction(seeded_rng(f"lastmile-demo:{seed}:correction"), structure, today)
    while correction.count < size - casework_budget:
        correction.add_subject()
    records = CorrectionRecords(seeded_rng(f"lastmile-demo:{seed}:events"), structure, today)
    subjects = [records.enrich(subject) for subject in correction.subjects]
    # Leave waiting on the desk, for the demo's officer of 百家.
    officer = stable_id("user", "officer.baijia")
    supervised = SubjectStatus.UNDER_SUPERVISION
    for subject in [s for s in subjects if s.officer_id == officer and s.status is supervised][:2]:
        records.waiting_leave(subject)
    return DemoDistrict(
        org_units=structure.org_units,
        users=structure.users,
        cases=casework.cases,
        parties=casework.parties,
        subjects=subjects,
        visits=casework.visits + correction.visits,
        subject_events=records.events,
    )
