"""The case file in the browser. The phone prints it (images another device
took fetched first, then again with the server down). The desk after a
case went from application to closing (pushed as the
mediator's phone sends it, ``tests/e2e/mediation_file.py``): the supervisor
(in Chinese, 1440×900) sees the case file complete beside the case in the
review queue and downloads its PDF — every page rendered to PNG
(``pdftoppm``) for a person to look at: cover, contents, application,
notices, records, agreement, follow-up — then the month's statistics on the
dashboard, with the case counted, and the XLSX, opened with openpyxl, whose
figures are the server's (the database's) for the same office and month."""

import io
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from shared_models.district_time import DEFAULT_ZONE, district_day
from shared_models.protocol.statistics import MediationStatistics, row_values
from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.district import API, ServerClient
from tests.e2e.driver import (
    Screenshots,
    bring_into_view,
    by_id,
    click,
    navigate,
    navigate_by,
    open_app,
    tap,
    type_into,
    wait_for_id_text,
)
from tests.e2e.mediation_file import closed_case
from tests.e2e.test_sign_in import PIN
from tests.e2e.test_supervisor import DESK, desk_shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils"),
]

DOCUMENTS = (
    "人民调解申请书",
    "人民调解权利义务告知书",
    "调查记录",
    "调解记录",
    "人民调解协议书",
    "回访记录",
)


def sign_in_in_chinese(page: Page, url: str, username: str) -> None:
    page.set_viewport_size(DESK)
    open_app(page, url)
    by_id(page, "login-username").wait_for()
    type_into(page, "login-username", username)
    type_into(page, "login-password", DEMO_PASSWORD)
    tap(page, "login-submit", "pin-confirm", timeout_ms=30_000)
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", "nav-review", timeout_ms=30_000)
    wait_for_id_text(page, "sync-status", "已同步", timeout_ms=90_000)


def pages_of(pdf: Path, folder: Path) -> list[str]:
    """Every page rendered to PNG beside the screenshots; the pages' text."""
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(folder / "case-file")], check=True
    )
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True)
    return [page.replace(" ", "") for page in text.stdout.decode().split("\f")[:-1]]


@pytest.mark.timeout(900)
def test_the_desk_shows_the_case_file_and_the_month_statistics(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    case = closed_case(server.url, uuid.uuid4().hex[:6], DEMO_PASSWORD)
    month = district_day(datetime.now(UTC), DEFAULT_ZONE).strftime("%Y-%m")

    sign_in_in_chinese(page, field_app.url, "supervisor.baijia")
    wait_for_id_text(page, "review-queue", case.title, timeout_ms=60_000)
    by_id(page, "review-item").filter(has_text=case.title).first.click()
    by_id(page, "case-file-complete").wait_for(timeout=60_000)
    desk_shot(page, shots, "01-review-case-file-complete")

    with page.expect_download(timeout=120_000) as download:
        click(page, "review-case-file-pdf")
    pdf = shots.folder / "case-file.pdf"
    shutil.copy(download.value.path(), pdf)
    text = pages_of(pdf, shots.folder)
    assert "人民调解卷宗" in text[0]
    assert "人调字第" in text[0]
    assert "卷内目录" in text[1]
    whole = "".join(text)
    for title in DOCUMENTS:
        assert title in text[1], title
        assert title in whole, title
    assert "未打印" not in whole  # every signature and the photo reached the server
    assert "本卷材料齐全" in whole
    assert len(list(shots.folder.glob("case-file-*.png"))) == len(text)

    navigate(page, "nav-dashboard", "dashboard")
    wait_for_id_text(page, "statistics-table", "小计", timeout_ms=60_000)
    by_id(page, "figure-case-files").wait_for()
    desk_shot(page, shots, "02-dashboard-case-files")
    bring_into_view(page, by_id(page, "statistics-downloads").first)
    desk_shot(page, shots, "03-dashboard-statistics")

    with page.expect_download(timeout=120_000) as download:
        click(page, "statistics-xlsx-month")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None
    desk = ServerClient(server.url, "supervisor.baijia", DEMO_PASSWORD)
    answer = httpx.get(
        f"{server.url}{API}/statistics/mediation",
        params={"period": month},
        headers=desk.headers,
        timeout=60,
    )
    stats = MediationStatistics.model_validate(answer.json())
    office = stats.rows[-1]
    bring_into_view(page, page.get_by_text(f"{office.unit_name}小计").first)
    desk_shot(page, shots, "04-dashboard-statistics-subtotal")
    assert office.agreed_written >= 1
    assert office.performed >= 1
    assert office.received >= 1
    written = {r[0]: list(r[1:]) for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]}
    assert written[f"{office.unit_name}小计"] == row_values(office)
    for row in stats.rows:
        assert written[row.unit_name + ("小计" if row.level == "office" else "")] == row_values(row)


@pytest.mark.timeout(900)
def test_the_phone_prints_the_case_file_and_again_offline(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    case = closed_case(server.url, uuid.uuid4().hex[:6], DEMO_PASSWORD)
    open_app(page, field_app.url)
    by_id(page, "login-username").wait_for()
    type_into(page, "login-username", "mediator.baijia")
    type_into(page, "login-password", DEMO_PASSWORD)
    tap(page, "login-submit", "pin-confirm", timeout_ms=30_000)
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", "nav-home", timeout_ms=30_000)
    wait_for_id_text(page, "sync-status", "已同步", timeout_ms=90_000)
    navigate(page, "nav-cases", "case-new")
    by_id(page, "cases-status-filter").get_by_text("全部", exact=True).first.click()  # closed too
    navigate_by(page.get_by_text(case.title).first, by_id(page, "case-detail").first)
    bring_into_view(page, by_id(page, "case-file-print").first)
    wait_for_id_text(page, "case-detail", "卷宗材料齐全", timeout_ms=30_000)
    shots.take("01-phone-case-file")

    # Online: the signatures and the photo another device took are fetched first.
    with page.expect_download(timeout=180_000) as download:
        click(page, "case-file-print")
    online = shots.folder / "phone-case-file.pdf"
    shutil.copy(download.value.path(), online)
    text = pages_of(online, shots.folder)
    whole = "".join(text)
    assert "人民调解卷宗" in text[0]
    for title in DOCUMENTS:
        assert title in whole, title
    assert "未打印" not in whole

    server.stop()
    try:
        with page.expect_download(timeout=180_000) as download:
            click(page, "case-file-print")
        offline = Path(download.value.path()).read_bytes()
        assert offline.startswith(b"%PDF-")
        shots.take("02-phone-printed-offline")
    finally:
        server.start()
