"""A people's mediation case on a phone, from application to archive, in
Chinese: taken in, then — the district's server down — the application
signed on the screen, the acceptance registered (a provisional number),
each party's rights notice acknowledged and signed, an investigation with
an evidence photo, a mediation session and the written agreement drafted,
signed and sealed; back online the case gets its final number, then
judicial confirmation applied for (its 30-day window counted on the case
page and shown on the form) and ruled on
(a photo of the ruling), the follow-up marks the obligation performed,
and the closing report and the archive end it. The failed-mediation
variant ends offline with the remedies the parties were told of. Each
step is offered only when the lifecycle allows it."""

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.district import ServerClient
from tests.e2e.driver import (
    Screenshots,
    by_id,
    choose,
    choose_file,
    click,
    navigate,
    open_app,
    tap,
    tap_for_text,
    type_into,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_agreement import draw_signature
from tests.field_app.services_fixtures import camera_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

PIN = "258147"
SYNCED = "已同步"
NUMBER = re.compile(r"（\d{4}）.+人调字第\d+号")


def sign_in_zh(page: Page, username: str) -> None:
    """Sign in and choose a PIN on the Chinese screens, to Home, synced."""
    type_into(page, "login-username", username)
    type_into(page, "login-password", DEMO_PASSWORD)
    tap(page, "login-submit", "pin-confirm", timeout_ms=30_000)
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", "nav-home", timeout_ms=30_000)
    wait_for_id_text(page, "sync-status", SYNCED, timeout_ms=60_000)


def new_case(page: Page, title: str) -> None:
    navigate(page, "nav-cases", "case-new")
    navigate(page, "case-new", "case-title")
    type_into(page, "case-title", title)
    choose(page, "intake-category", "邻里纠纷")
    choose(page, "intake-source", "电话")
    tap(page, "intake-next", "party-0-name")
    type_into(page, "party-0-name", "王桂芳")
    type_into(page, "party-1-name", "李建军")
    tap(page, "intake-next", "case-save")
    tap(page, "case-save", "case-detail")
    wait_for_id_text(page, "case-detail", "王桂芳")


def next_step(page: Page, number: int) -> None:
    """*Next* on a step form (once), until step ``number`` shows."""
    click(page, "form-next")
    wait_for_id_text(page, "form-step", f"第 {number} 步")


def save_form(page: Page) -> None:
    tap(page, "form-save", "case-detail")


def sign_step(page: Page, wave: int) -> None:
    draw_signature(page, wave)


def go_offline(page: Page, server: SyncServer) -> None:
    server.stop()
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "离线", timeout_ms=60_000)


def come_back(page: Page, server: SyncServer) -> None:
    server.start()
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", SYNCED, timeout_ms=90_000)


def opening_steps(page: Page, shots: Screenshots, marker: str) -> None:
    """Application (signed), both notices (signed), offline on the phone."""
    navigate(page, "step-application", "form-step")
    type_into(page, "form-parties-0-age", "52")
    choose(page, "form-parties-0-gender", "女")
    shots.take("03-application-party", sizes=("phone",))
    next_step(page, 2)
    next_step(page, 3)
    type_into(page, "form-account", f"李建军砌墙越过宅基地界线 {marker}")
    type_into(page, "form-request", "请求拆除越界部分")
    next_step(page, 4)
    sign_step(page, 0)
    shots.take("04-application-sign", sizes=("phone",))
    save_form(page)
    navigate(page, "step-acceptance", "form-step")
    next_step(page, 2)
    choose(page, "form-source", "公安移交")
    type_into(page, "form-source_detail", "百家派出所")
    next_step(page, 3)
    choose(page, "form-parties_consent", "是")
    save_form(page)
    wait_for_id_text(page, "case-number", "待定")
    for index in range(2):
        navigate(page, f"step-rights_notice-{index}", "form-step")
        choose(page, "form-identity_checked", "是")
        if index == 0:
            shots.take("05-notice", sizes=("phone",))
        next_step(page, 2)
        sign_step(page, index + 1)
        save_form(page)


def test_a_case_from_application_to_archive_offline_in_the_middle(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex[:8]
    title = f"宅基地边界 {marker}"
    evidence = tmp_path / "evidence.jpg"
    evidence.write_bytes(camera_jpeg((1600, 1200)))

    open_app(page, field_app.url)
    sign_in_zh(page, "mediator.baijia")
    # Follow-ups due come from the scheduled ones: a case agreed by word whose
    # performance deadline passed more than the district's 30 days ago.
    wait_for_text(page, "件待回访")
    wait_for_text(page, "宅基地边界争议")
    shots.take("00-home-follow-ups-due", sizes=("phone",))
    new_case(page, title)
    wait_for_text(page, "登记受理后编号")
    shots.take("01-case-new")

    go_offline(page, server)
    by_id(page, "step-mediation_session").wait_for(state="detached")  # notices first
    shots.take("02-case-offline", sizes=("phone",))
    opening_steps(page, shots, marker)

    navigate(page, "step-investigation", "form-step")
    next_step(page, 2)
    type_into(page, "form-statements-0-name", "赵大爷")
    type_into(page, "form-statements-0-statement", "围墙是上个月砌的")
    next_step(page, 3)
    choose_file(page, "photo-add", evidence)
    by_id(page, "photo-list").wait_for()
    shots.take("06-investigation-evidence", sizes=("phone",))
    save_form(page)

    navigate(page, "step-mediation_session", "form-step")
    next_step(page, 2)
    type_into(page, "form-account", "双方到场，同意按原界线拆除")
    next_step(page, 3)
    choose(page, "form-result", "达成协议")
    save_form(page)

    wait_for_id_text(page, "case-steps-done", "未上传")
    shots.take("08-case-offline-steps")

    navigate(page, "agreement-new", "agreement-facts")
    type_into(page, "agreement-facts", f"李建军砌墙越界 {marker}")
    type_into(page, "obligation-0-obligor", "李建军")
    type_into(page, "obligation-0-action", "拆除越界围墙")
    type_into(page, "agreement-method", "自行拆除")
    type_into(page, "agreement-deadline", "2026-12-31")
    tap(page, "agreement-read-back", "agreement-text")
    for index in range(3):
        navigate(page, f"signature-sign-{index}", "signature-pad")
        draw_signature(page, index)
        tap(page, "signature-done", "agreement-text")
        wait_for_id_text(page, f"signature-sign-{index}", "重新签名")
    tap_for_text(page, "agreement-seal", "封存这份协议？")
    page.get_by_role("button", name="签署完成（封存）").last.click()
    wait_for_text(page, "已封存：本协议不能再修改。")
    navigate(page, "nav-back", "case-detail")

    come_back(page, server)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[flt-semantics-identifier="case-number"] *'))
            .some(n => /人调字第\\d+号/.test(n.textContent || ''))""",
        timeout=60_000,
    )
    shots.take("09-case-numbered")
    wait_for_id_text(page, "judicial-window", "还有 31 天")  # sealed today: 30 days after

    navigate(page, "step-judicial_application", "form-save")
    wait_for_text(page, "协议生效后 30 日内")
    type_into(page, "form-court", "复兴区人民法院")
    shots.take("07-judicial-window", sizes=("phone",))
    save_form(page)
    navigate(page, "step-judicial_ruling", "form-step")
    type_into(page, "form-court", "复兴区人民法院")
    choose(page, "form-outcome", "确认有效")
    next_step(page, 2)
    choose_file(page, "photo-add", evidence)
    by_id(page, "photo-list").wait_for()
    save_form(page)

    navigate(page, "step-follow_up", "form-step")
    next_step(page, 2)
    choose(page, "form-checks-0", "是")
    next_step(page, 3)
    choose(page, "form-satisfaction", "满意")
    shots.take("10-follow-up", sizes=("phone",))
    save_form(page)
    navigate(page, "step-closing_report", "form-step")
    next_step(page, 2)
    type_into(page, "form-summary", "协议已履行，双方满意")
    save_form(page)
    navigate(page, "step-archival", "form-save")
    save_form(page)
    wait_for_id_text(page, "case-detail", "已归档")
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", SYNCED, timeout_ms=60_000)
    shots.take("11-case-archived")

    office = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD).pull_all()
    [case] = [c for c in office["cases"].values() if c["title"] == title]
    assert case["status"] == "archived"
    assert NUMBER.fullmatch(case["case_number"] or ""), case["case_number"]
    kinds = sorted(
        d["kind"] for d in office["case_documents"].values() if d["case_id"] == case["id"]
    )
    assert kinds == sorted(
        [
            "application",
            "acceptance",
            "rights_notice",
            "rights_notice",
            "investigation",
            "mediation_session",
            "judicial_application",
            "judicial_ruling",
            "follow_up",
            "closing_report",
            "archival",
        ]
    )
    [agreement] = [a for a in office["agreements"].values() if a["case_id"] == case["id"]]
    assert agreement["status"] == "signed"


def test_a_failed_mediation_ends_with_the_remedies_told(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    marker = uuid.uuid4().hex[:8]
    title = f"工钱纠纷 {marker}"
    open_app(page, field_app.url)
    sign_in_zh(page, "mediator.baijia")
    new_case(page, title)
    go_offline(page, server)
    opening_steps(page, shots, marker)
    navigate(page, "step-mediation_session", "form-step")
    next_step(page, 2)
    type_into(page, "form-account", "双方分歧较大")
    next_step(page, 3)
    choose(page, "form-result", "未达成协议")
    save_form(page)
    by_id(page, "step-closing_report").wait_for(state="detached")

    navigate(page, "step-termination", "form-step")
    choose(page, "form-reason", "调解不成")
    next_step(page, 2)
    click(page, "form-save")
    wait_for_text(page, "请填写：已告知")
    page.get_by_role("checkbox", name="诉讼").click()
    shots.take("12-termination-remedies", sizes=("phone",))
    save_form(page)
    wait_for_id_text(page, "case-detail", "调解不成")
    by_id(page, "step-archival").wait_for(state="detached")
    come_back(page, server)
    navigate(page, "step-closing_report", "form-step")
    next_step(page, 2)
    type_into(page, "form-summary", "调解不成，已告知可向法院起诉")
    save_form(page)
    navigate(page, "step-archival", "form-save")
    save_form(page)
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", SYNCED, timeout_ms=60_000)
    shots.take("13-failed-archived")

    office = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD).pull_all()
    [case] = [c for c in office["cases"].values() if c["title"] == title]
    assert case["status"] == "archived"
    [ended] = [
        d
        for d in office["case_documents"].values()
        if d["case_id"] == case["id"] and d["kind"] == "termination"
    ]
    assert ended["content"]["remedies_told"] == ["litigation"]
