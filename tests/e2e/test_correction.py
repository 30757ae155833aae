"""Community correction from enrolment to release, in Chinese, as people do
it: an officer enrols a subject on the phone while the server is down and
records the entry announcement with the subject's signature on the screen,
files a 10-day leave request (signed); the office head approves it on the
desk with a comment, then the district (who prints the entry announcement's
record from the desk on the way); the phone shows the decision after
its sync; the departure and the return are recorded, then a warning; at term
end the release announcement, and the release certificate printed on the
phone (its PDF rendered to an image for a person to look at)."""

import random
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Download, Page

from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer, free_port
from tests.e2e.district import ServerClient
from tests.e2e.driver import (
    PHONE,
    Screenshots,
    bring_into_view,
    by_id,
    choose,
    click,
    navigate,
    open_app,
    settle,
    tap,
    type_into,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_agreement import draw_signature
from tests.e2e.test_sign_in import PIN
from tests.factories import district_today, id_number

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

DESK = {"width": 1440, "height": 900}
UP_TO_DATE = "已同步"
SUBJECT = "钱秀兰"


def sign_in_zh(page: Page, username: str, first_tab: str) -> None:
    """From a fresh device to its first tab, synced (the screens in Chinese)."""
    type_into(page, "login-username", username)
    type_into(page, "login-password", DEMO_PASSWORD)
    tap(page, "login-submit", "pin-confirm", timeout_ms=60_000)
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", first_tab, timeout_ms=60_000)
    wait_for_id_text(page, "sync-status", UP_TO_DATE, timeout_ms=90_000)


@contextmanager
def desk(browser: Browser, server: SyncServer, folder: Path, username: str) -> Iterator[Page]:
    """A supervisor's desk: an app of its own, a wide browser window."""
    app = FieldAppProcess(free_port(), folder / username, server.url, folder / f"{username}.log")
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    context.set_default_timeout(30_000)
    try:
        app.start()
        page = context.new_page()
        open_app(page, app.url)
        sign_in_zh(page, username, "nav-approvals")
        yield page
    finally:
        context.close()
        app.stop()


def desk_shot(page: Page, shots: Screenshots, name: str) -> None:
    settle(page)
    page.screenshot(path=shots.folder / f"{name}-desk.png")


def approve_on_desk(page: Page, shots: Screenshots, name: str, comment: str) -> None:
    navigate(page, "nav-approvals", "approval-list")
    wait_for_id_text(page, "approval-list", SUBJECT, timeout_ms=60_000)
    navigate(page, "approval-item", "approval-detail")
    wait_for_id_text(page, "approval-detail", "请假外出")
    type_into(page, "approval-comment", comment)
    desk_shot(page, shots, name)
    click(page, "approval-approve")
    wait_for_text(page, "暂无待审批事项", timeout_ms=60_000)


def render_pdf(download: Download, folder: Path, name: str) -> None:
    """Save a downloaded PDF and render its first page for a person to look at."""
    pdf = folder / f"{name}.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm (Debian: poppler-utils) renders the PDF"
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf), str(folder / name)],
        check=True,
        timeout=60,
    )
    assert (folder / f"{name}.png").stat().st_size > 10_000


def fill(page: Page, values: dict[str, str]) -> None:
    for identifier, text in values.items():
        type_into(page, identifier, text)


def record(page: Page, button: str) -> None:
    """Open the form of one kind of record from the subject's page."""
    navigate(page, button, "event-form")


def sign_and_save(page: Page) -> None:
    tap(page, "event-next", "signature-pad")
    draw_signature(page, 1)
    tap(page, "event-save", "subject-detail", timeout_ms=60_000)


def test_enrolment_to_release_with_the_desk_in_chinese(
    field_app: FieldAppProcess,
    server: SyncServer,
    page: Page,
    browser: Browser,
    shots: Screenshots,
    tmp_path: Path,
) -> None:
    today = district_today()
    leave_start, leave_end = today + timedelta(days=2), today + timedelta(days=11)
    # A woman's number (an even 17th digit), new on every run.
    serial = f"{random.randrange(10, 100)}{random.choice('02468')}"
    identity = id_number(birth=date(1985, 3, 8), serial=serial)

    open_app(page, field_app.url)
    sign_in_zh(page, "officer.baijia", "nav-home")
    navigate(page, "nav-subjects", "enrol-new")

    # 入矫登记, offline: the court's decision, the team, the woman-on-team warning.
    server.stop()
    navigate(page, "enrol-new", "enrol-form")
    fill(
        page,
        {
            "enrol-name": SUBJECT,
            "enrol-id-number": identity,
        },
    )
    wait_for_text(page, "身份证号码校验通过")
    fill(
        page,
        {
            "enrol-offence": "盗窃罪",
            "enrol-sentence": "有期徒刑一年，缓刑二年",
            "enrol-court": "复兴区人民法院",
            "enrol-term-start": (today - timedelta(days=1)).isoformat(),
            "enrol-term-end": (today + timedelta(days=20)).isoformat(),
            "enrol-member-name": "孙建军",
        },
    )
    choose(page, "enrol-member-role", "村（居）委会")
    choose(page, "enrol-member-gender", "男")
    click(page, "enrol-member-add")
    wait_for_text(page, "矫正小组中没有女性成员")
    shots.take("01-enrolment-team-warning", ("phone",))
    type_into(page, "enrol-member-name", "周桂芬")
    choose(page, "enrol-member-gender", "女")
    click(page, "enrol-member-add")
    wait_for_id_text(page, "enrol-form", "周桂芬")
    tap(page, "enrol-save", "subject-detail", timeout_ms=60_000)
    wait_for_id_text(page, "subject-detail", "尚未入矫宣告")
    shots.take("02-subject-enrolled", ("phone",))

    # 入矫宣告, signed on the screen.
    record(page, "record-entry-announcement")
    type_into(page, "event-place", "百家司法所宣告室")
    type_into(page, "event-present", "社区矫正工作人员 刘志强")
    shots.take("03-entry-announcement-form", ("phone",))
    tap(page, "event-next", "signature-pad")
    draw_signature(page, 2)
    shots.take("04-entry-announcement-signature", ("phone",))
    tap(page, "event-save", "subject-detail", timeout_ms=60_000)
    wait_for_id_text(page, "subject-detail", "入矫宣告")

    # 请假外出, ten days: the district decides; the subject signs.
    record(page, "record-leave-request")
    fill(
        page,
        {
            "event-start": leave_start.isoformat(),
            "event-end": leave_end.isoformat(),
            "event-destination": "石家庄市",
            "event-reason-text": "陪同母亲住院治疗",
            "event-guarantor": "钱某某",
        },
    )
    wait_for_id_text(page, "leave-outlook", "共10天")
    wait_for_id_text(page, "leave-outlook", "区社区矫正机构")
    shots.take("05-leave-request", ("phone",))
    sign_and_save(page)
    wait_for_id_text(page, "subject-detail", "待司法所负责人审批")
    shots.take("06-subject-offline", ("phone",))

    server.start()
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", UP_TO_DATE, timeout_ms=90_000)

    # The office head, then the district, approve on the desk.
    with desk(browser, server, tmp_path, "supervisor.baijia") as office:
        approve_on_desk(office, shots, "07-office-head-approves", "同意，请按时返回销假")
    with desk(browser, server, tmp_path, "supervisor.fuxing") as district:
        navigate(district, "nav-approvals", "approval-list")
        wait_for_id_text(district, "approval-list", SUBJECT, timeout_ms=60_000)
        navigate(district, "approval-item", "approval-detail")
        navigate(district, "approval-timeline", "desk-subject")
        wait_for_id_text(district, "desk-subject", "入矫宣告", timeout_ms=60_000)
        wait_for_id_text(district, "desk-subject", "待区社区矫正机构审批")
        desk_shot(district, shots, "08-district-subject-timeline")
        # The desk prints the entry announcement's record from the server.
        printed = by_id(district, "desk-print-announcement").first
        bring_into_view(district, printed)
        with district.expect_download(timeout=60_000) as desk_download:
            printed.click()
        render_pdf(desk_download.value, shots.folder, "08-entry-announcement-from-desk")
        navigate(district, "nav-back", "approval-list")
        approve_on_desk(district, shots, "08-district-approves", "同意")

    # The phone hears the decision at its next sync.
    click(page, "sync-now")
    wait_for_id_text(page, "subject-detail", "已批准", timeout_ms=90_000)
    wait_for_id_text(page, "subject-detail", "同意，请按时返回销假")
    shots.take("09-leave-approved", ("phone",))
    bring_into_view(page, by_id(page, "timeline-item").first)
    shots.take("09-timeline", ("phone",))
    record(page, "record-leave-departure")
    tap(page, "event-save", "subject-detail", timeout_ms=60_000)
    wait_for_id_text(page, "subject-detail", "请假外出中")
    record(page, "record-leave-return")
    tap(page, "event-save", "subject-detail", timeout_ms=60_000)
    wait_for_id_text(page, "subject-detail", "返回销假")

    # A warning (警告), the subject told and signing.
    record(page, "record-reward-sanction")
    choose(page, "event-measure", "警告")
    type_into(page, "event-facts", "未按规定时间报到，经教育后认识到错误")
    sign_and_save(page)
    wait_for_id_text(page, "subject-detail", "警告")
    bring_into_view(page, by_id(page, "timeline-item").first)
    shots.take("10-warning", ("phone",))

    # At term end: the release announcement, and the certificate printed here.
    record(page, "record-release-announcement")
    fill(
        page,
        {
            "event-place": "百家司法所宣告室",
            "event-certificate-number": "（2026）复司矫解字第1号",
        },
    )
    sign_and_save(page)
    wait_for_id_text(page, "subject-detail", "已于")
    shots.take("11-released", ("phone",))
    with page.expect_download(timeout=60_000) as download:
        click(page, "print-certificate")
    render_pdf(download.value, shots.folder, "12-certificate")

    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", UP_TO_DATE, timeout_ms=90_000)
    office_copy = ServerClient(server.url, "officer.baijia", DEMO_PASSWORD).pull_all()
    [subject] = [s for s in office_copy["subjects"].values() if s["name"] == SUBJECT]
    assert subject["status"] == "released"
    kinds = sorted(
        e["kind"]
        for e in office_copy["subject_events"].values()
        if e["subject_id"] == subject["id"]
    )
    assert kinds == sorted(
        [
            "entry_announcement",
            "leave_request",
            "decision",
            "decision",
            "leave_departure",
            "leave_return",
            "reward_sanction",
            "release_announcement",
        ]
    )
    assert page.viewport_size == PHONE
