"""A supervisor at a desk (1440×900, the wide layout): the review queue, a
record sent back with a comment (and the verdict pulled by the author's
device), a conflict made by two devices and restored, and the dashboard
with a CSV download — each checked over the API, screenshots of each."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.district import ServerClient
from tests.e2e.driver import (
    Screenshots,
    by_id,
    click,
    navigate,
    open_app,
    settle,
    tap,
    type_into,
    use_english,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_sign_in import PIN
from tests.factories import case_fields, mutation

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}


def desk_shot(page: Page, shots: Screenshots, name: str) -> Path:
    """The desk layout only: the phone sizes are not where supervisors work."""
    settle(page)
    path = shots.folder / f"{name}-desk.png"
    page.screenshot(path=path)
    return path


def sign_in_at_desk(page: Page, url: str, username: str) -> None:
    page.set_viewport_size(DESK)
    open_app(page, url)
    use_english(page)
    by_id(page, "login-username").wait_for()
    type_into(page, "login-username", username)
    type_into(page, "login-password", DEMO_PASSWORD)
    # Signing in asks the server and derives keys: slow on a busy machine.
    tap(page, "login-submit", "pin-confirm", timeout_ms=30_000)
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", "nav-review", timeout_ms=30_000)
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=90_000)


def _pushed_case(device: ServerClient, title: str, **fields: Any) -> uuid.UUID:
    case_id = uuid.uuid4()
    unit = uuid.UUID(device.user["org_unit_id"])
    device.push([mutation("cases", case_id, case_fields(unit, title=title, **fields))])
    return case_id


def _version(device: ServerClient, case_id: uuid.UUID) -> int:
    version: int = device.pull_all()["cases"][str(case_id)]["version"]
    return version


def test_queue_send_back_and_conflict_restore(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    tag = uuid.uuid4().hex[:6]
    mediator = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD)
    title = f"楼道堆物 {tag}"
    case_id = _pushed_case(mediator, title, description="三楼楼道堆放杂物")

    # Two devices of the same mediator change one field from the same version.
    other = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD)
    disputed = _pushed_case(mediator, f"院墙边界 {tag}", description="原始描述")
    base = _version(mediator, disputed)
    mediator.push(
        [mutation("cases", disputed, {"description": f"东墙外一米 {tag}"}, base_version=base)]
    )
    other.push(
        [mutation("cases", disputed, {"description": f"东墙外两米 {tag}"}, base_version=base)],
        expect=("conflict",),
    )

    sign_in_at_desk(page, field_app.url, "supervisor.baijia")
    wait_for_id_text(page, "review-queue", title)
    desk_shot(page, shots, "01-review-queue")

    # The newest arrival is on top: the disputed case, then ours.
    by_id(page, "review-item").filter(has_text=title).first.click()
    wait_for_id_text(page, "review-detail", "三楼楼道堆放杂物")
    type_into(page, "review-comment", f"请补充双方联系方式 {tag}")
    desk_shot(page, shots, "02-review-detail")
    click(page, "review-send-back")
    wait_for_text(page, f"Sent back: {title}")
    desk_shot(page, shots, "03-sent-back")

    # The author's device pulls the verdict.
    reviews = mediator.pull_all()["reviews"]
    [verdict] = [r for r in reviews.values() if r["target_id"] == str(case_id)]
    assert verdict["state"] == "needs_changes"
    assert verdict["comment"] == f"请补充双方联系方式 {tag}"

    navigate(page, "nav-conflicts", "conflict-list")
    wait_for_id_text(page, "conflict-list", f"东墙外一米 {tag}")
    wait_for_id_text(page, "conflict-list", f"东墙外两米 {tag}")
    desk_shot(page, shots, "04-conflicts")
    # Newest first: this test's conflict is the first one listed.
    click(page, "conflict-restore")
    wait_for_text(page, "The overwritten value is restored")
    desk_shot(page, shots, "05-conflict-restored")
    restored = mediator.pull_all()["cases"][str(disputed)]
    assert restored["description"] == f"东墙外一米 {tag}"


def test_district_dashboard_with_charts_and_a_csv_download(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    sign_in_at_desk(page, field_app.url, "supervisor.fuxing")
    # A district user: the Devices tab, shown as soon as the first sync
    # brought the org units (no navigation needed).
    by_id(page, "nav-devices").wait_for()
    navigate(page, "nav-dashboard", "dashboard")
    wait_for_id_text(page, "dashboard", "Open cases by age")
    wait_for_id_text(page, "dashboard", "Open cases by office")
    wait_for_id_text(page, "dashboard-overdue", "Check-ins overdue")
    desk_shot(page, shots, "01-dashboard")

    with page.expect_download() as download:
        click(page, "export-csv-cases")
    saved = download.value
    assert saved.suggested_filename.startswith("cases-")
    content = Path(saved.path()).read_bytes()
    assert content.startswith("\ufeff".encode())
    assert b"title" in content.splitlines()[0]

    navigate(page, "nav-devices", "device-list")
    wait_for_id_text(page, "device-list", "supervisor.fuxing")
    desk_shot(page, shots, "02-devices")
