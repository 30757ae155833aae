"""Each mediation form (``case_forms``) worded for the printed case file:
its title, the part of the file it goes in, its day and its lines.

The wording is the paper forms' (人民调解申请书, 受理登记表, …); values are
printed as the form holds them, dates as ``2026年11月3日``, times on the
district's clock.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import Any, Final

from shared_models.agreement_text import ROLE_LABELS, chinese_date
from shared_models.case_file import FileEntry, FileItem
from shared_models.district_time import district_day, wall_clock
from shared_models.domain.case_forms import (
    AcceptanceForm,
    ApplicationForm,
    ArchivalForm,
    Body,
    CaseDocumentKind,
    CaseResult,
    ClosingReportForm,
    FollowUpForm,
    InvestigationForm,
    JudicialApplicationForm,
    JudicialRulingForm,
    MediationSessionForm,
    OralAgreementForm,
    PartyParticulars,
    Performance,
    ReferralInForm,
    ReferralOutForm,
    RefusalForm,
    RefusalReason,
    Remedy,
    RightsNoticeForm,
    RulingOutcome,
    Satisfaction,
    SessionResult,
    TerminationForm,
    TerminationReason,
)
from shared_models.domain.people import Gender
from shared_models.protocol.statistics import CATEGORY_LABELS, SOURCE_LABELS

TITLES: Final = {
    CaseDocumentKind.APPLICATION: "人民调解申请书",
    CaseDocumentKind.ACCEPTANCE: "人民调解受理登记表",
    CaseDocumentKind.REFUSAL: "不予受理告知书",
    CaseDocumentKind.REFERRAL_IN: "纠纷移交接收登记",
    CaseDocumentKind.RIGHTS_NOTICE: "人民调解权利义务告知书",
    CaseDocumentKind.INVESTIGATION: "调查记录",
    CaseDocumentKind.MEDIATION_SESSION: "调解记录",
    CaseDocumentKind.ORAL_AGREEMENT: "口头调解协议登记表",
    CaseDocumentKind.TERMINATION: "终止调解告知书",
    CaseDocumentKind.JUDICIAL_APPLICATION: "司法确认申请",
    CaseDocumentKind.JUDICIAL_RULING: "司法确认裁定",
    CaseDocumentKind.FOLLOW_UP: "回访记录",
    CaseDocumentKind.CLOSING_REPORT: "结案报告表",
    CaseDocumentKind.ARCHIVAL: "立卷归档登记",
    CaseDocumentKind.REFERRAL_OUT: "纠纷移交登记",
}

ITEMS: Final = {
    CaseDocumentKind.APPLICATION: FileItem.APPLICATION,
    CaseDocumentKind.ACCEPTANCE: FileItem.APPLICATION,
    CaseDocumentKind.REFUSAL: FileItem.APPLICATION,
    CaseDocumentKind.REFERRAL_IN: FileItem.APPLICATION,
    CaseDocumentKind.RIGHTS_NOTICE: FileItem.NOTICE,
    CaseDocumentKind.INVESTIGATION: FileItem.INVESTIGATION,
    CaseDocumentKind.MEDIATION_SESSION: FileItem.SESSION,
    CaseDocumentKind.ORAL_AGREEMENT: FileItem.RESULT,
    CaseDocumentKind.TERMINATION: FileItem.RESULT,
    CaseDocumentKind.JUDICIAL_APPLICATION: FileItem.JUDICIAL,
    CaseDocumentKind.JUDICIAL_RULING: FileItem.JUDICIAL,
    CaseDocumentKind.FOLLOW_UP: FileItem.FOLLOW_UP,
    CaseDocumentKind.CLOSING_REPORT: FileItem.NOTES,
    CaseDocumentKind.ARCHIVAL: FileItem.NOTES,
    CaseDocumentKind.REFERRAL_OUT: FileItem.NOTES,
}
"""The part of the file each form is filed in (WORKFLOWS.md §1, "Case file")."""

GENDERS: Final = {Gender.FEMALE: "女", Gender.MALE: "男", Gender.UNSPECIFIED: ""}
REFUSALS: Final = {
    RefusalReason.BEFORE_COURT: "已经诉讼或仲裁",
    RefusalReason.OUTSIDE_REMIT: "不属于人民调解范围",
    RefusalReason.PARTY_DECLINES: "当事人不同意调解",
    RefusalReason.OTHER: "其他",
}
SESSION_RESULTS: Final = {
    SessionResult.AGREED: "达成协议",
    SessionResult.CONTINUE: "继续调解",
    SessionResult.FAILED: "调解不成",
}
TERMINATIONS: Final = {
    TerminationReason.NO_AGREEMENT: "调解不成",
    TerminationReason.PARTY_WITHDREW: "当事人退出调解",
    TerminationReason.WENT_TO_COURT: "当事人起诉或申请仲裁",
    TerminationReason.OTHER: "其他",
}
REMEDIES: Final = {
    Remedy.LITIGATION: "向人民法院提起诉讼",
    Remedy.ARBITRATION: "申请仲裁",
    Remedy.ADMINISTRATIVE: "申请行政处理",
    Remedy.OTHER: "其他途径",
}
RULINGS: Final = {RulingOutcome.CONFIRMED: "确认调解协议有效", RulingOutcome.REJECTED: "驳回申请"}
SATISFACTION: Final = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.PARTLY: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}
RESULTS: Final = {
    CaseResult.AGREED_WRITTEN: "达成书面协议",
    CaseResult.AGREED_ORAL: "达成口头协议",
    CaseResult.FAILED: "调解不成",
    CaseResult.REFUSED: "不予受理",
    CaseResult.REFERRED: "移交",
}
PERFORMANCE: Final = {
    Performance.PERFORMED: "已履行",
    Performance.PARTLY: "部分履行",
    Performance.NOT_PERFORMED: "未履行",
    Performance.NOT_APPLICABLE: "不适用",
}
BODIES: Final = {
    Body.POLICE: "公安机关",
    Body.COURT: "人民法院",
    Body.PETITION_OFFICE: "信访部门",
    Body.GOVERNMENT: "政府部门",
    Body.COMMITTEE: "其他调解委员会",
    Body.OTHER: "其他单位",
}
RETENTION: Final = {"permanent": "永久", "long": "长期", "short": "短期"}


def _day(day: date | None) -> str:
    return "" if day is None else chinese_date(day)


def _names(names: Iterable[str]) -> str:
    return "、".join(names)


def _party(party: PartyParticulars) -> FileEntry:
    details = [
        party.name,
        GENDERS[party.gender] if party.gender else "",
        party.ethnicity,
        f"{party.age}岁" if party.age is not None else "",
        party.occupation,
        f"电话{party.phone}" if party.phone else "",
        f"住{party.address}" if party.address else "",
    ]
    return FileEntry(label=ROLE_LABELS[party.role], value="，".join(d for d in details if d))


class _Wording:
    """The lines of each form; ``zone`` prints times on the district's clock."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def time(self, at: datetime) -> str:
        local = wall_clock(at, self.zone)
        return f"{chinese_date(local.date())} {local:%H:%M}"

    def application(self, form: ApplicationForm) -> list[tuple[str, str]]:
        parties = [(e.label, e.value) for e in map(_party, form.parties)]
        return [
            ("申请日期", _day(form.applied_on)),
            *parties,
            ("纠纷简要情况", form.account),
            ("申请事项", form.request),
        ]

    def acceptance(self, form: AcceptanceForm) -> list[tuple[str, str]]:
        return [
            ("受理日期", _day(form.accepted_on)),
            ("纠纷类型", CATEGORY_LABELS.get(form.dispute_type, form.dispute_type.value)),
            ("纠纷来源", SOURCE_LABELS.get(form.source, form.source.value)),
            ("来源说明", form.source_detail),
            ("当事人同意调解", "是" if form.parties_consent else "否"),
            ("纠纷简要情况", form.summary),
            ("登记人", form.registrar),
        ]

    def refusal(self, form: RefusalForm) -> list[tuple[str, str]]:
        return [
            ("日期", _day(form.refused_on)),
            ("不予受理理由", REFUSALS[form.reason]),
            ("说明", form.explanation),
        ]

    def rights_notice(self, form: RightsNoticeForm) -> list[tuple[str, str]]:
        return [
            ("告知对象", form.party_name),
            ("告知日期", _day(form.notified_on)),
            (
                "告知内容",
                "当事人在人民调解活动中享有选择或者接受调解员、接受调解或者拒绝调解、"
                "要求公开或者不公开调解、自主表达意愿和自愿达成协议等权利；"
                "负有如实陈述纠纷事实、遵守调解现场秩序、尊重对方当事人、"
                "自觉履行调解协议等义务（《中华人民共和国人民调解法》第二十三条、第二十四条）。",
            ),
            ("已核验身份证明", "是" if form.identity_checked else "否"),
        ]

    def investigation(self, form: InvestigationForm) -> list[tuple[str, str]]:
        heard = [
            (f"被调查人：{s.name}" + (f"（{s.relation}）" if s.relation else ""), s.statement)
            for s in form.statements
        ]
        return [
            ("调查时间", self.time(form.investigated_at)),
            ("调查地点", form.place),
            ("调查人", _names(form.investigators)),
            *heard,
            ("调查结论", form.findings),
        ]

    def mediation_session(self, form: MediationSessionForm) -> list[tuple[str, str]]:
        return [
            ("调解时间", self.time(form.held_at)),
            ("调解地点", form.place),
            ("调解员", _names(form.mediators)),
            ("在场人员", _names(form.present)),
            ("调解经过", form.account),
            ("调解结果", SESSION_RESULTS[form.result]),
            ("说明", form.result_note),
        ]

    def oral_agreement(self, form: OralAgreementForm) -> list[tuple[str, str]]:
        obligations = [
            (f"义务{n}", f"{o.obligor}：{o.action}" + (f"（{_day(o.due)}前）" if o.due else ""))
            for n, o in enumerate(form.obligations, start=1)
        ]
        return [
            ("达成日期", _day(form.agreed_on)),
            ("在场人员", _names(form.present)),
            ("协议内容", form.terms),
            *obligations,
            ("履行期限", _day(form.performance_deadline)),
        ]

    def termination(self, form: TerminationForm) -> list[tuple[str, str]]:
        return [
            ("终止日期", _day(form.ended_on)),
            ("终止原因", TERMINATIONS[form.reason]),
            ("说明", form.explanation),
            ("已告知的救济途径", _names(REMEDIES[r] for r in form.remedies_told)),
        ]

    def judicial_application(self, form: JudicialApplicationForm) -> list[tuple[str, str]]:
        return [
            ("申请日期", _day(form.applied_on)),
            ("受理法院", form.court),
            ("申请人", _names(form.applicants)),
        ]

    def judicial_ruling(self, form: JudicialRulingForm) -> list[tuple[str, str]]:
        return [
            ("裁定日期", _day(form.ruled_on)),
            ("法院", form.court),
            ("裁定书文号", form.ruling_number),
            ("裁定结果", RULINGS[form.outcome]),
        ]

    def follow_up(self, form: FollowUpForm) -> list[tuple[str, str]]:
        checks = [
            (
                f"第{c.obligation_index + 1}项义务",
                ("已履行" if c.honoured else "未履行") + (f"（{c.note}）" if c.note else ""),
            )
            for c in form.obligation_checks
        ]
        return [
            ("回访日期", _day(form.visited_on)),
            ("回访人", form.visitor),
            ("回访对象", _names(form.visited)),
            *checks,
            ("满意程度", SATISFACTION[form.satisfaction]),
            ("有无反复迹象", "有" if form.flare_up else "无"),
            ("回访情况", form.findings),
            ("下次回访", _day(form.next_follow_up)),
        ]

    def closing_report(self, form: ClosingReportForm) -> list[tuple[str, str]]:
        return [
            ("结案日期", _day(form.closed_on)),
            ("调解结果", RESULTS[form.result]),
            ("履行情况", PERFORMANCE[form.performance]),
            ("简要情况", form.summary),
        ]

    def archival(self, form: ArchivalForm) -> list[tuple[str, str]]:
        return [
            ("立卷日期", _day(form.archived_on)),
            ("立卷人", form.filed_by),
            ("保管期限", RETENTION[form.retention.value]),
            ("卷号", form.volume),
            ("存放位置", form.location),
        ]

    def referral_out(self, form: ReferralOutForm) -> list[tuple[str, str]]:
        return [
            ("移交日期", _day(form.referred_on)),
            ("接收单位", f"{BODIES[form.receiving_kind]}：{form.receiving_body}"),
            ("移交理由", form.reason),
        ]

    def referral_in(self, form: ReferralInForm) -> list[tuple[str, str]]:
        return [
            ("接收日期", _day(form.received_on)),
            ("移交单位", f"{BODIES[form.from_kind]}：{form.from_body}"),
            ("对方文号", form.reference),
            ("移交理由", form.reason),
        ]


_DAY_FIELDS: Final = (
    "applied_on",
    "accepted_on",
    "refused_on",
    "notified_on",
    "agreed_on",
    "ended_on",
    "ruled_on",
    "visited_on",
    "closed_on",
    "archived_on",
    "referred_on",
    "received_on",
)
_TIME_FIELDS: Final = ("investigated_at", "held_at")


def form_day(form: Any, zone: tzinfo) -> date | None:
    """The day a form is dated (a time on the district's calendar)."""
    for name in _DAY_FIELDS:
        day = getattr(form, name, None)
        if day is not None:
            return day  # type: ignore[no-any-return]
    for name in _TIME_FIELDS:
        at = getattr(form, name, None)
        if at is not None:
            return district_day(at, zone)
    return None


def form_entries(form: Any, zone: tzinfo) -> tuple[FileEntry, ...]:
    """The printed lines of ``form`` (any ``case_forms`` model), empty lines left out."""
    wording: Callable[[Any], list[tuple[str, str]]] = getattr(_Wording(zone), form.kind)
    return tuple(FileEntry(label=label, value=value) for label, value in wording(form) if value)
