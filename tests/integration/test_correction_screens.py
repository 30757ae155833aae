"""The correction screens' view-models, phone and desk, against the real
server: enrolment offline (the ID check filling birth date and sex, the
woman-on-team warning), the entry announcement signed on the screen and
printed, a 10-day leave (who decides said before filing, the limits checked
before the subject signs), the office head's and the district's approvals
on the desk with a comment, the decision on the phone after its sync,
departure and return, a warning and its count on the desk, the release and
its certificate."""

import uuid
from datetime import datetime, timedelta

from field_app.core import FieldAppCore
from field_app.viewmodels.approvals import ApprovalsViewModel, DeskTimelineViewModel
from field_app.viewmodels.enrolment import EnrolmentViewModel
from field_app.viewmodels.event_form import EventFormViewModel, Stage
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.subject_page import SubjectDetailViewModel
from field_app.viewmodels.subjects import SubjectListViewModel
from shared_models.correction.approvals import ApprovalStatus
from shared_models.domain.event_content import EventKind
from tests.factories import id_number
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def sign(form: EventFormViewModel) -> None:
    """A signature drawn on the pad: a zigzag, plenty of ink."""
    form.begin(10, 80)
    for step in range(1, 30):
        form.extend(10 + step * 10, 80 + (30 if step % 2 else -30))


def enrol(core: FieldAppCore) -> EnrolmentViewModel:
    form = EnrolmentViewModel(core)
    form.set("name", "赵某")
    form.set("id_number", id_number(serial="778"))
    form.set("offence", "盗窃罪")
    form.set("sentence", "有期徒刑一年，缓刑二年")
    form.set("court", "复兴区人民法院")
    today = core.now().date()
    form.set("term_start", (today - timedelta(days=2)).isoformat())
    form.set("term_end", (today + timedelta(days=700)).isoformat())
    return form


def record(
    core: FieldAppCore,
    subject_id: object,
    kind: EventKind,
    request: object = None,
    **values: object,
) -> EventFormViewModel:
    form = EventFormViewModel(core, subject_id, kind, request)  # type: ignore[arg-type]
    for name, value in values.items():
        form.set(name, value)  # type: ignore[arg-type]
    if form.signs:
        assert form.next(), say(form.error)
        assert form.stage is Stage.SIGN
        sign(form)
    assert form.save(), say(form.error)
    return form


def test_from_enrolment_to_release_on_the_phone_and_the_desk(phones: Phones) -> None:
    officer = phones.signed_in("officer.baijia")
    phones.link.up = False

    form = enrol(officer)
    assert form.id_checked
    assert form.values["birth_date"]  # from the ID number
    form.choose_gender("female")
    form.set_member_name("王某")
    form.choose_member_role("community")
    form.choose_member_gender("male")
    assert form.add_member()
    assert [say(w) for w in form.warnings] == [
        "The subject is a woman and the team has no woman: add one (the law asks for it)."
    ]
    form.set_member_name("李某")
    form.choose_member_gender("female")
    assert form.add_member()
    assert form.warnings == []
    assert form.save(), say(form.error)
    subject_id = form.saved_id
    assert subject_id is not None
    assert [row.id for row in SubjectListViewModel(officer).rows] == [subject_id]

    entry = record(officer, subject_id, EventKind.ENTRY_ANNOUNCEMENT, place="百家司法所宣告室")
    page = SubjectDetailViewModel(officer, subject_id)
    assert say(page.enrolment).startswith("Enrolled on")
    announcement = next(line for line in page.lines if line.id == entry.saved_id)
    assert announcement.printable
    assert announcement.signed
    printed = page.announcement(announcement.id)
    assert printed is not None
    assert printed.pdf.startswith(b"%PDF-")

    today = officer.now().date()
    start, end = today + timedelta(days=3), today + timedelta(days=12)
    leave = EventFormViewModel(officer, subject_id, EventKind.LEAVE_REQUEST)
    leave.set("start", start.isoformat())
    leave.set("end", (start + timedelta(days=40)).isoformat())
    leave.set("destination", "石家庄")
    leave.set("guarantor", "赵某某")
    assert not leave.next()  # over the 30 days of a trip: said before the subject signs
    assert leave.error_field == "end"
    leave.set("end", end.isoformat())
    assert "10 days · decided by the district" in say(leave.leave_outlook)
    assert leave.next(), say(leave.error)
    assert not leave.save()  # no signature yet
    sign(leave)
    assert leave.save(), say(leave.error)

    phones.link.up = True
    officer.sync_once()
    desk = ApprovalsViewModel(phones.signed_in("supervisor.baijia"))
    desk.load()
    [waiting] = desk.rows
    assert waiting.request_id == leave.saved_id
    assert say(waiting.kind) == "Leave request"
    assert not desk.refuse(waiting.request_id)  # a refusal says why
    desk.set_comment("同意，按时返回")
    assert desk.approve(waiting.request_id), say(desk.error)
    assert desk.rows == []
    district = ApprovalsViewModel(phones.signed_in("supervisor.fuxing"))
    district.load()
    [waiting] = district.rows
    assert [say(o) for o in waiting.opinions] == [
        f"Approved by the office head (supervisor.baijia) on {today.isoformat()}: 同意，按时返回"
    ]
    assert district.approve(waiting.request_id), say(district.error)

    officer.sync_once()
    page = SubjectDetailViewModel(officer, subject_id)
    line = next(line for line in page.lines if line.id == leave.saved_id)
    assert say(line.status) == "Approved"
    assert line.may_depart
    record(officer, subject_id, EventKind.LEAVE_DEPARTURE, leave.saved_id)
    later = datetime.combine(end + timedelta(days=2), datetime.min.time(), officer.zone)
    away = SubjectDetailViewModel(officer, subject_id, now=later)
    line = next(line for line in away.lines if line.id == leave.saved_id)
    assert say(line.status) == "Not back from leave"
    assert line.may_return
    assert any(d.overdue and d.kind.value == "leave_return" for d in away.due_items)
    back = record(officer, subject_id, EventKind.LEAVE_RETURN, leave.saved_id)
    assert back.saved_id is not None

    record(officer, subject_id, EventKind.REWARD_SANCTION, measure="warning", facts="未按时报到")
    officer.sync_once()
    desk.load()
    [sanction] = desk.rows
    assert desk.approve(sanction.request_id)
    district.load()
    assert district.approve(district.rows[0].request_id)
    timeline = DeskTimelineViewModel(desk.core, subject_id)
    timeline.load()
    assert timeline.timeline is not None
    assert timeline.timeline.warnings == 1
    assert any(line.event_kind is EventKind.LEAVE_REQUEST for line in timeline.lines)
    officer.sync_once()
    assert SubjectDetailViewModel(officer, subject_id).warnings == 1

    release = record(
        officer,
        subject_id,
        EventKind.RELEASE_ANNOUNCEMENT,
        place="百家司法所",
        certificate_number="（2026）复矫解字第1号",
    )
    page = SubjectDetailViewModel(officer, subject_id)
    assert not page.open
    assert release.saved_id is not None
    certificate = page.certificate(release.saved_id)
    assert certificate is not None
    assert certificate.file_name == "解除社区矫正证明书-赵某.pdf"
    officer.sync_once()
    desk_view = DeskTimelineViewModel(desk.core, subject_id)
    desk_view.load()
    assert desk_view.timeline is not None
    assert desk_view.timeline.subject.status.value == "released"
    assert ApprovalStatus.APPROVED in {s.status for s in desk_view.timeline.requests}
    # The desk prints what the phone prints, from the server.
    printed = desk_view.certificate(release.saved_id)
    assert printed is not None, say(desk_view.error)
    assert printed[0] == "解除社区矫正证明书-赵某.pdf"
    assert printed[1].startswith(b"%PDF-")
    record_pdf = desk_view.announcement(release.saved_id)
    assert record_pdf is not None, say(desk_view.error)
    assert record_pdf[0] == "解矫宣告记录-赵某.pdf"
    assert desk_view.announcement(uuid.uuid4()) is None
    # Released, the subject is still listed (last, without a check-in) until retention.
    [listed] = [row for row in SubjectListViewModel(officer).rows if row.id == subject_id]
    assert not listed.open
    assert say(listed.due) == "Released"


def test_plan_hours_talks_filings_and_a_level_change(phones: Phones) -> None:
    officer = phones.signed_in("officer.baijia")
    form = enrol(officer)
    assert form.save(), say(form.error)
    subject_id = form.saved_id
    assert subject_id is not None

    plan = record(
        officer,
        subject_id,
        EventKind.CORRECTION_PLAN,
        text="每月参加法治教育，参加社区公益活动",
        measures="法治教育\n公益活动",
        education_hours_per_month="4",
        service_hours_per_month="8",
    )
    record(officer, subject_id, EventKind.EDUCATION, topic="法治教育", hours="2.5")
    record(officer, subject_id, EventKind.COMMUNITY_SERVICE, activity="社区清扫", hours="3")
    record(officer, subject_id, EventKind.PLAN_REVIEW, plan.saved_id, assessment="执行良好")
    record(officer, subject_id, EventKind.CONVERSATION, summary="思想稳定")
    record(
        officer, subject_id, EventKind.EXIT_ENTRY_FILING, filed_with="复兴区公安分局出入境管理大队"
    )
    bad = EventFormViewModel(officer, subject_id, EventKind.EDUCATION)
    bad.set("topic", "法治教育")
    bad.set("hours", "三小时")
    assert not bad.save()
    assert bad.error_field == "hours"

    page = SubjectDetailViewModel(officer, subject_id)
    hours = {say(line.what): (line.done, line.planned) for line in page.hours}
    assert hours == {"Education": (2.5, 4.0), "Community service": (3.0, 8.0)}
    plan_line = next(line for line in page.lines if line.id == plan.saved_id)
    assert [say(part) for part in plan_line.summary] == ["法治教育", "公益活动"]
    assert not any(d.kind.value == "conversation" and d.overdue for d in page.due_items)

    unfinished = EventFormViewModel(officer, subject_id, EventKind.CONVERSATION)
    unfinished.set("summary", "谈到一半")
    # The refused education form above is unfinished too: nothing typed is lost.
    drafts = {say(draft.text) for draft in HomeViewModel(officer).drafts}
    assert drafts == {"Monthly talk: 赵某", "Education: 赵某"}
    again = EventFormViewModel(officer, subject_id, EventKind.CONVERSATION)
    assert again.resumed
    assert again.text("summary") == "谈到一半"

    residence = EventFormViewModel(officer, subject_id, EventKind.RESIDENCE_CHANGE)
    offices = residence.offices()
    assert offices
    assert all(name for _, name in offices)

    change = record(
        officer, subject_id, EventKind.LEVEL_CHANGE, to_level="strict", reason="多次迟到"
    )
    officer.sync_once()
    desk = ApprovalsViewModel(phones.signed_in("supervisor.baijia"))
    desk.load()
    [waiting] = [row for row in desk.rows if row.request_id == change.saved_id]
    assert say(waiting.kind) == "Level change"
    desk.set_comment("同意调整为严管")
    assert desk.approve(waiting.request_id)
    officer.sync_once()
    page = SubjectDetailViewModel(officer, subject_id)
    assert say(page.level) == "Level: Strict (严管)"
