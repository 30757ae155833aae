"""The demo district's community-correction record beyond check-ins: each
subject's enrolment particulars and correction team (its supervision level
is drawn with the subject, ``correction.py``), and its events at every
stage — the entry announcement, the plan, monthly talks, health reports
on medical parole, study and community service, leave decided and taken,
warnings, the release announcement — plus leave requests still waiting on
the desk (``officer.baijia``'s first subjects: one for the office head,
one the office approved for the district).

Drawn from a stream of its own, after the subjects and check-ins, so the
rest of the demo district is the same as without it.
"""

import random
from datetime import date, timedelta
from uuid import UUID

from shared_models.correction.due import add_months
from shared_models.domain.event_content import (
    AnnouncementItem,
    ApprovalLevel,
    CommunityService,
    Conversation,
    CorrectionPlan,
    Decision,
    DecisionOutcome,
    Education,
    EntryAnnouncement,
    EventContent,
    HealthReport,
    HealthReportType,
    LeaveDeparture,
    LeaveReason,
    LeaveRequest,
    LeaveReturn,
    Measure,
    ReleaseAnnouncement,
    RewardSanction,
)
from shared_models.domain.people import Gender
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.domain.subjects import (
    CorrectionType,
    SubjectRecord,
    SubjectStatus,
    TeamMember,
    TeamRole,
)
from sync_server.demo.drawer import Drawer
from sync_server.demo.structure import Structure, stable_id

OFFENCES = ("盗窃罪", "危险驾驶罪", "故意伤害罪", "诈骗罪", "交通肇事罪", "寻衅滋事罪", "赌博罪")
COURT = "邯郸市复兴区人民法院"
HISTORY_MONTHS = 4
"""Talks, study and service are drawn for the last four months of supervision."""
TALKS = ("近期思想动态", "家庭和工作情况", "遵守监管规定情况", "就业与生活困难")
STUDY = ("法治教育：社区矫正法", "心理健康讲座", "警示教育片观看", "职业技能培训")
SERVICE = ("社区环境清扫", "敬老院志愿服务", "交通劝导", "图书馆整理")
ENTRY_ITEMS = [
    AnnouncementItem.JUDGMENT,
    AnnouncementItem.TERM,
    AnnouncementItem.RULES,
    AnnouncementItem.RIGHTS,
    AnnouncementItem.TEAM,
]


class CorrectionRecords(Drawer):
    """Enriches the demo's subjects and draws their events."""

    def __init__(self, rng: random.Random, structure: Structure, today: date) -> None:
        super().__init__(rng, structure, today)
        self.events: list[SubjectEventRecord] = []
        self.office_head = {
            office.unit.id: stable_id("user", f"supervisor.{office.spec.key}")
            for office in structure.offices
        }
        self.district_head = stable_id("user", "supervisor.fuxing")
        self.officer_names = {user.record.id: user.record.display_name for user in structure.users}
        self.waiting_leaves = 0

    def enrich(self, subject: SubjectRecord) -> SubjectRecord:
        """The subject with its enrolment particulars, and its events drawn."""
        released = subject.status is SubjectStatus.RELEASED
        number = f"（{subject.term_start.year - 1}）冀0404刑初{self.between(10, 400)}号"
        enriched = subject.model_copy(
            update={
                "offence": self.pick(OFFENCES),
                "sentence": self.pick(
                    ("有期徒刑一年，缓刑一年", "有期徒刑二年，缓刑三年", "管制一年")
                ),
                "court": COURT,
                "judgment_number": number,
                "decided_on": subject.term_start - timedelta(days=self.between(5, 20)),
                "enrolled_on": subject.term_start,
                "released_on": subject.term_end if released else None,
                "team": self._team(subject),
            }
        )
        self._events(enriched)
        return enriched

    def _team(self, subject: SubjectRecord) -> list[TeamMember]:
        officer = subject.officer_id
        team = [
            TeamMember(
                name=self.officer_names.get(officer, "矫正工作人员") if officer else "矫正工作人员",
                role=TeamRole.OFFICER,
                user_id=officer,
            ),
            TeamMember(name=self.person(35, 60).name, role=TeamRole.COMMUNITY),
        ]
        family = self.person(25, 70)
        team.append(TeamMember(name=family.name, role=TeamRole.FAMILY, gender=family.gender))
        # Most women have a woman on their team; some do not yet (the warning shows).
        if subject.gender is Gender.FEMALE and self.random() < 0.8:
            volunteer = self.person(25, 55, Gender.FEMALE)
            team.append(
                TeamMember(name=volunteer.name, role=TeamRole.VOLUNTEER, gender=Gender.FEMALE)
            )
        return team

    def _add(
        self,
        subject: SubjectRecord,
        day: date,
        content: EventContent,
        request_id: UUID | None = None,
        by: UUID | None = None,
    ) -> SubjectEventRecord:
        event = SubjectEventRecord(
            id=self.new_id(),
            subject_id=subject.id,
            kind=content.kind,
            occurred_on=day,
            request_id=request_id,
            content=content,
            created_by=by or subject.officer_id,
        )
        self.events.append(event)
        return event

    def _decide(
        self, subject: SubjectRecord, request: SubjectEventRecord, levels: int, day: date
    ) -> None:
        heads = [self.office_head[subject.org_unit_id], self.district_head][:levels]
        for level, head in zip(ApprovalLevel, heads, strict=False):
            decision = Decision(
                outcome=DecisionOutcome.APPROVED, level=level, comment="同意", decided_by=head
            )
            self._add(subject, day, decision, request.id, by=head)

    def _events(self, subject: SubjectRecord) -> None:
        start = subject.term_start
        until = min(self.today, subject.term_end)
        if until < start:
            return
        present = ["司法所工作人员", "村（居）委会代表", "家属"]
        entry = EntryAnnouncement(place="司法所", present=present, items_read=ENTRY_ITEMS)
        self._add(subject, start, entry)
        plan = CorrectionPlan(
            text="加强法治教育，落实日常报到和走访，帮助解决就业困难。",
            measures=["每月个别谈话", "每月参加集中教育", "参加社区公益活动"],
            education_hours_per_month=8,
            service_hours_per_month=8,
        )
        self._add(subject, min(start + timedelta(days=3), until), plan)
        month = max(start, add_months(until, -HISTORY_MONTHS)).replace(day=1)
        while month <= until:
            self._month(subject, month, until)
            month = add_months(month, 1)
        if subject.status is SubjectStatus.UNDER_SUPERVISION and self.random() < 0.1:
            self._warning(subject, until)
        if subject.status is SubjectStatus.RELEASED:
            release = ReleaseAnnouncement(
                place="司法所",
                present=present,
                items_read=[AnnouncementItem.ASSESSMENT, AnnouncementItem.CERTIFICATE],
                certificate_number=f"（{subject.term_end.year}）复矫解字第{self.between(1, 300)}号",
                assessment="矫正期间遵守规定，表现良好。",
            )
            self._add(subject, subject.term_end, release)
        elif self.random() < 0.08:
            self._past_leave(subject, until)

    def _month(self, subject: SubjectRecord, month: date, until: date) -> None:
        last = min(until, add_months(month, 1) - timedelta(days=1))
        if last < subject.term_start:
            return
        first = max(month, subject.term_start)
        span = (last - first).days

        def day() -> date:
            return first + timedelta(days=self.between(0, span))

        if self.random() < 0.9:
            talk = Conversation(topic=self.pick(TALKS), summary="本人如实汇报近况，情绪稳定。")
            self._add(subject, day(), talk)
        if self.random() < 0.8:
            study = Education(hours=self.pick((2.0, 4.0, 8.0)), topic=self.pick(STUDY))
            self._add(subject, day(), study)
        if self.random() < 0.7:
            service = CommunityService(hours=self.pick((2.0, 4.0)), activity=self.pick(SERVICE))
            self._add(subject, day(), service)
        if subject.correction_type is CorrectionType.TEMPORARY_OUTSIDE:
            kind = HealthReportType.CHECKUP if month.month % 3 == 0 else HealthReportType.MONTHLY
            report = HealthReport(report_type=kind, hospital="复兴区医院", findings="病情稳定")
            self._add(subject, day(), report)

    def _warning(self, subject: SubjectRecord, until: date) -> None:
        day = until - timedelta(days=self.between(5, 40))
        if day < subject.term_start:
            return
        warning = RewardSanction(
            measure=Measure.WARNING,
            facts="未经批准擅自离开所居住市县，经教育后及时返回。",
            acknowledged_on=day + timedelta(days=2),
        )
        request = self._add(subject, day, warning)
        self._decide(subject, request, 2, day + timedelta(days=1))

    def _past_leave(self, subject: SubjectRecord, until: date) -> None:
        end = until - timedelta(days=self.between(10, 60))
        start = end - timedelta(days=self.between(2, 6))
        filed = start - timedelta(days=3)
        if filed < subject.term_start:
            return
        leave = LeaveRequest(
            start=start,
            end=end,
            destination="石家庄市",
            reason=LeaveReason.FAMILY,
            reason_text="参加亲属婚礼",
            guarantor=self.person(30, 65).name,
        )
        request = self._add(subject, filed, leave)
        self._decide(subject, request, 1, filed + timedelta(days=1))
        self._add(subject, start, LeaveDeparture(), request.id)
        self._add(subject, end, LeaveReturn(notes="按时返回并销假"), request.id)

    def waiting_leave(self, subject: SubjectRecord) -> None:
        """A leave waiting on the desk: the first for the office head, the
        second (longer) approved by the office and waiting for the district."""
        start = self.today + timedelta(days=7 + 20 * self.waiting_leaves)
        days = 5 if self.waiting_leaves == 0 else 10
        leave = LeaveRequest(
            start=start,
            end=start + timedelta(days=days - 1),
            destination="北京市",
            reason=LeaveReason.MEDICAL,
            reason_text="赴北京复诊",
            guarantor=self.person(30, 65).name,
        )
        request = self._add(subject, self.today - timedelta(days=1), leave)
        if self.waiting_leaves == 1:
            self._decide(subject, request, 1, self.today)
        self.waiting_leaves += 1
