"""The forms of the demo's cases (``case_documents``), written as the
casework walks each case through its lifecycle, so the demo's cases hold
what the rule (``shared_models/domain/case_lifecycle.py``) asks of them:
the acceptance, a notice per party before the first session, the records,
the oral agreement or the termination, the follow-up, the closing report
and, for older closed cases, the archiving. Case numbers are given at the
end, per unit and year in the order the cases were accepted, as the server
would have given them (``number_cases``)."""

import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from uuid import UUID

from shared_models.district_time import DEFAULT_ZONE, district_day
from shared_models.domain.case_documents import CaseDocumentRecord
from shared_models.domain.case_forms import (
    AcceptanceForm,
    ApplicationForm,
    ArchivalForm,
    Body,
    CaseDocumentKind,
    CaseForm,
    CaseResult,
    ClosingReportForm,
    FollowUpForm,
    InvestigationForm,
    MediationSessionForm,
    OralAgreementForm,
    PartyParticulars,
    Performance,
    ReferralOutForm,
    RefusalForm,
    RefusalReason,
    Remedy,
    Retention,
    RightsNoticeForm,
    Satisfaction,
    SessionResult,
    Statement,
    TerminationForm,
    TerminationReason,
)
from shared_models.domain.case_numbers import format_case_number
from shared_models.domain.cases import (
    CaseCategory,
    CaseRecord,
    CaseSource,
    CaseStatus,
    PartyRecord,
)
from shared_models.domain.org import OrgUnitRecord


def _day(at: datetime) -> date:
    return district_day(at, DEFAULT_ZONE)


class CaseFiles:
    """The documents of the demo's cases, one case at a time."""

    def __init__(self, rng: random.Random) -> None:
        # Its own random numbers: the cases, parties and visits stay what
        # they were before the demo had documents.
        self.rng = rng
        self.documents: list[CaseDocumentRecord] = []
        self.accepted: dict[UUID, datetime] = {}

    def new_id(self) -> UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _add(self, case_id: UUID, form: CaseForm, at: datetime, by: UUID | None) -> None:
        self.documents.append(
            CaseDocumentRecord(
                id=self.new_id(),
                case_id=case_id,
                kind=CaseDocumentKind(form.kind),
                content=form,
                recorded_at=at,
                created_by=by,
            )
        )

    def early_end(self, age_days: int) -> CaseStatus | None:
        """Now and then a case goes no further than its application: still
        to be decided (a recent one), not accepted, or handed over to the
        court after it was accepted; ``None`` for the rest."""
        draw = self.rng.random()
        if draw < 0.04:
            return CaseStatus.APPLIED if age_days <= 10 else CaseStatus.REFUSED
        if draw < 0.06:
            return CaseStatus.REFERRED
        return None

    def apply(
        self, case_id: UUID, at: datetime, by: UUID, account: str, parties: list[PartyRecord]
    ) -> None:
        """人民调解申请书, by the first party against the others."""
        form = ApplicationForm(
            applied_on=_day(at),
            parties=[
                PartyParticulars(party_id=party.id, role=party.role, name=party.name)
                for party in parties
            ],
            account=account,
            request="请求人民调解委员会调解",
        )
        self._add(case_id, form, at, by)

    def refuse(self, case_id: UUID, at: datetime, by: UUID) -> None:
        form = RefusalForm(
            refused_on=_day(at),
            reason=RefusalReason.BEFORE_COURT,
            explanation="当事人已向人民法院起诉，告知其等待法院处理",
        )
        self._add(case_id, form, at, by)

    def refer(self, case_id: UUID, at: datetime, by: UUID) -> None:
        form = ReferralOutForm(
            referred_on=_day(at),
            receiving_kind=Body.COURT,
            receiving_body="复兴区人民法院",
            reason="涉及权属确认，移交人民法院诉前调解",
        )
        self._add(case_id, form, at, by)

    def accept(
        self,
        case_id: UUID,
        at: datetime,
        by: UUID,
        category: CaseCategory,
        source: CaseSource,
        summary: str,
        parties: list[PartyRecord],
    ) -> None:
        """受理登记 and each party's rights-and-duties notice, on the day."""
        form = AcceptanceForm(
            accepted_on=_day(at),
            dispute_type=category,
            source=source,
            parties_consent=True,
            summary=summary,
        )
        self._add(case_id, form, at, by)
        self.accepted[case_id] = at
        for party in parties:
            notice = RightsNoticeForm(
                party_id=party.id,
                party_name=party.name,
                notified_on=_day(at),
                identity_checked=party.id_number is not None,
            )
            self._add(case_id, notice, at + timedelta(minutes=10), by)

    def investigation(self, case_id: UUID, at: datetime, by: UUID, notes: str) -> None:
        heard = Statement(name="邻居", relation="知情人", statement=notes)
        self._add(case_id, InvestigationForm(investigated_at=at, statements=[heard]), at, by)

    def session(
        self, case_id: UUID, at: datetime, by: UUID, notes: str, result: SessionResult
    ) -> None:
        present = ["双方当事人", "人民调解员"]
        form = MediationSessionForm(held_at=at, present=present, account=notes, result=result)
        self._add(case_id, form, at, by)

    def oral_agreement(
        self, case_id: UUID, at: datetime, by: UUID, terms: str, deadline: date
    ) -> None:
        form = OralAgreementForm(
            agreed_on=_day(at),
            present=["双方当事人"],
            terms=terms,
            performance_deadline=deadline,
        )
        self._add(case_id, form, at, by)

    def termination(self, case_id: UUID, at: datetime, by: UUID) -> None:
        form = TerminationForm(
            ended_on=_day(at),
            reason=TerminationReason.NO_AGREEMENT,
            remedies_told=[Remedy.LITIGATION],
        )
        self._add(case_id, form, at, by)

    def follow_up(self, case_id: UUID, at: datetime, by: UUID, findings: str) -> None:
        form = FollowUpForm(
            visited_on=_day(at),
            visitor="人民调解员",
            visited=["申请人"],
            satisfaction=Satisfaction.SATISFIED,
            findings=findings,
        )
        self._add(case_id, form, at, by)

    def close(
        self, case_id: UUID, at: datetime, by: UUID, result: CaseResult, summary: str
    ) -> None:
        performed = Performance.PERFORMED if result is CaseResult.AGREED_ORAL else None
        form = ClosingReportForm(
            closed_on=_day(at),
            result=result,
            performance=performed or Performance.NOT_APPLICABLE,
            summary=summary,
        )
        self._add(case_id, form, at, by)

    def archive(self, case_id: UUID, at: datetime, by: UUID) -> None:
        form = ArchivalForm(
            archived_on=_day(at),
            filed_by="人民调解员",
            retention=self.rng.choice([Retention.LONG, Retention.SHORT]),
        )
        self._add(case_id, form, at, by)

    def number_cases(
        self, cases: list[CaseRecord], units: dict[UUID, OrgUnitRecord]
    ) -> dict[tuple[UUID, int], int]:
        """Give every accepted case its number, per unit and year in the
        order of acceptance; the last number of each (unit, year), which the
        server's counters continue from."""
        by_id = {case.id: case for case in cases}
        order = sorted(self.accepted.items(), key=lambda item: (item[1], str(item[0])))
        last: dict[tuple[UUID, int], int] = defaultdict(int)
        for case_id, at in order:
            case = by_id[case_id]
            unit = units[case.org_unit_id]
            key = (case.org_unit_id, _day(at).year)
            last[key] += 1
            case.case_number = format_case_number(key[1], unit.short_name, last[key])
        return dict(last)
