"""Is the case file complete? What a required item lacks, as one rule.

Inspectors (and the star rating of a judicial office) score case files on
completeness: the application or registration, the rights-and-duties notice
acknowledged and signed by every party, the parties' identity proofs, the
mediation records, the agreement signed, follow-ups on time, the closing
report (WORKFLOWS.md §1). ``file_gaps`` lists what is missing from the
records of one case; the phone shows the list on the case page, the printed
file carries it in its notes, and the supervisor's dashboard counts the
closed cases whose files have none (``is_complete``). Both sides call it
with the same records, so they never disagree about a file.

What is required depends on how far the case went: a refused application
needs no mediation record, an agreed case needs its follow-up.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, tzinfo
from enum import StrEnum
from uuid import UUID

from shared_models.domain.agreements import AgreementFields
from shared_models.domain.case_documents import CaseDocumentFields
from shared_models.domain.case_forms import CaseDocumentKind, RightsNoticeForm
from shared_models.domain.case_lifecycle import (
    AFTER_AGREEMENT,
    CaseStep,
    MediationSettings,
    facts_of,
    follow_up_due,
)
from shared_models.domain.cases import CLOSED_CASE_STATUSES, CaseFields, CaseStatus, PartyFields


class GapKind(StrEnum):
    APPLICATION = "application"
    """No application, registration form or hand-over record."""
    APPLICATION_UNSIGNED = "application_unsigned"
    NOTICE = "notice"
    """A party without the rights-and-duties notice (``who``)."""
    NOTICE_UNSIGNED = "notice_unsigned"
    IDENTITY = "identity"
    """A party whose identity proof was neither checked nor recorded (``who``)."""
    SESSION = "session"
    """Mediated (agreed or failed) without a mediation record."""
    SESSION_UNSIGNED = "session_unsigned"
    ORAL_UNSIGNED = "oral_unsigned"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    """The next follow-up was due on ``due`` and is not recorded."""
    FOLLOW_UP = "follow_up"
    """An agreed case closed without a follow-up record."""
    JUDICIAL_RULING = "judicial_ruling"
    """Judicial confirmation applied for, the court's ruling not filed."""
    CLOSING_REPORT = "closing_report"
    """Closed without a closing report (a case closed before the forms existed)."""


@dataclass(frozen=True)
class FileGap:
    kind: GapKind
    who: str = ""
    due: date | None = None


_TEXTS = {
    GapKind.APPLICATION: "缺少申请书或受理登记表",
    GapKind.APPLICATION_UNSIGNED: "申请书未经申请人签名或按指印",
    GapKind.NOTICE: "{who}：缺少权利义务告知书",
    GapKind.NOTICE_UNSIGNED: "{who}：权利义务告知书未签名或按指印",
    GapKind.IDENTITY: "{who}：未核验或留存身份证明",
    GapKind.SESSION: "缺少调解记录",
    GapKind.SESSION_UNSIGNED: "调解记录未经当事人签名",
    GapKind.ORAL_UNSIGNED: "口头协议登记表未经当事人签名",
    GapKind.FOLLOW_UP_OVERDUE: "回访已逾期（应于{due}前回访）",
    GapKind.FOLLOW_UP: "达成协议的案件结案前未回访",
    GapKind.JUDICIAL_RULING: "已申请司法确认，未归入法院裁定书",
    GapKind.CLOSING_REPORT: "缺少结案报告表",
}


def gap_text(gap: FileGap) -> str:
    """The gap in the words of the printed file's notes (the app's screens
    word it through their translations)."""
    due = "" if gap.due is None else f"{gap.due.year}年{gap.due.month}月{gap.due.day}日"
    return _TEXTS[gap.kind].format(who=gap.who, due=due)


_NOT_ACCEPTED = frozenset({CaseStatus.APPLIED, CaseStatus.REFUSED})


def file_gaps(
    case: CaseFields,
    parties: Iterable[tuple[UUID, PartyFields]],
    documents: Iterable[tuple[UUID, CaseDocumentFields]],
    agreements: Iterable[tuple[UUID, AgreementFields]],
    today: date,
    zone: tzinfo,
    settings: MediationSettings,
) -> list[FileGap]:
    """What the file of ``case`` lacks, from its live records; ``today`` is
    the district's day (for overdue follow-ups), ``zone`` its clock."""
    party_list = list(parties)
    document_list = list(documents)
    facts = facts_of(
        case.status,
        ((pid, party.name) for pid, party in party_list),
        document_list,
        agreements,
        zone,
    )
    by_kind: dict[CaseDocumentKind, list[CaseDocumentFields]] = {}
    for _, document in document_list:
        by_kind.setdefault(document.kind, []).append(document)
    gaps: list[FileGap] = []
    received = (CaseDocumentKind.APPLICATION, CaseDocumentKind.ACCEPTANCE)
    if not any(kind in by_kind for kind in (*received, CaseDocumentKind.REFERRAL_IN)):
        gaps.append(FileGap(GapKind.APPLICATION))
    applications = by_kind.get(CaseDocumentKind.APPLICATION, [])
    if any(not document.signatures for document in applications):
        gaps.append(FileGap(GapKind.APPLICATION_UNSIGNED))
    if case.status not in _NOT_ACCEPTED:
        gaps += _notice_gaps(party_list, by_kind.get(CaseDocumentKind.RIGHTS_NOTICE, []))
    mediated = any(
        facts.steps[step]
        for step in (CaseStep.WRITTEN_AGREEMENT, CaseStep.ORAL_AGREEMENT, CaseStep.TERMINATION)
    )
    sessions = by_kind.get(CaseDocumentKind.MEDIATION_SESSION, [])
    if mediated and not sessions:
        gaps.append(FileGap(GapKind.SESSION))
    if any(not document.signatures for document in sessions):
        gaps.append(FileGap(GapKind.SESSION_UNSIGNED))
    if any(not d.signatures for d in by_kind.get(CaseDocumentKind.ORAL_AGREEMENT, [])):
        gaps.append(FileGap(GapKind.ORAL_UNSIGNED))
    due = follow_up_due(facts, settings)
    if case.status in AFTER_AGREEMENT and due is not None and due < today:
        gaps.append(FileGap(GapKind.FOLLOW_UP_OVERDUE, due=due))
    if case.status in CLOSED_CASE_STATUSES:
        agreed = facts.written_agreements or facts.oral_agreements
        if agreed and not facts.follow_ups:
            gaps.append(FileGap(GapKind.FOLLOW_UP))
        if facts.judicial_applications and not facts.steps[CaseStep.JUDICIAL_RULING]:
            gaps.append(FileGap(GapKind.JUDICIAL_RULING))
        if not facts.steps[CaseStep.CLOSING_REPORT]:
            gaps.append(FileGap(GapKind.CLOSING_REPORT))
    return gaps


def _notice_gaps(
    parties: list[tuple[UUID, PartyFields]], notices: list[CaseDocumentFields]
) -> list[FileGap]:
    """Each party needs the notice, signed, and an identity proof (checked
    when notified, or the ID number on record)."""
    by_party: dict[UUID, list[CaseDocumentFields]] = {}
    for notice in notices:
        form = notice.content
        if isinstance(form, RightsNoticeForm):
            by_party.setdefault(form.party_id, []).append(notice)
    gaps: list[FileGap] = []
    for party_id, party in parties:
        own = by_party.get(party_id, [])
        if not own:
            gaps.append(FileGap(GapKind.NOTICE, who=party.name))
        elif not any(notice.signatures for notice in own):
            gaps.append(FileGap(GapKind.NOTICE_UNSIGNED, who=party.name))
        checked = any(
            isinstance(n.content, RightsNoticeForm) and n.content.identity_checked for n in own
        )
        if not checked and party.id_number is None:
            gaps.append(FileGap(GapKind.IDENTITY, who=party.name))
    return gaps


def is_complete(case: CaseFields, gaps: list[FileGap]) -> bool:
    """A complete file: the case is closed and its file lacks nothing."""
    return case.status in CLOSED_CASE_STATUSES and not gaps
