"""A mediator drafts a mediation agreement on a case, reads it back, the two
parties and the mediator sign with a finger (the mouse here) on the pad,
the agreement is sealed and synced, the district countersigns it, and a
supervisor downloads the server's signed PDF, whose first page is
rendered to PNG for a person to look at."""

import shutil
import subprocess
import uuid

import httpx
import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.district import API, ServerClient
from tests.e2e.driver import (
    Screenshots,
    by_id,
    click,
    navigate,
    navigate_by,
    open_app,
    tap,
    tap_for_text,
    type_into,
    use_english,
    value,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE_TITLE = "老旧小区加装电梯意见不一"  # a Baijia case in mediation (tests/e2e/district.py)


def draw_signature(page: Page, wave: int) -> None:
    """A signature-like stroke across the pad, as a finger (here the mouse) writes it."""
    pad = by_id(page, "signature-pad").first
    pad.wait_for()
    box = pad.bounding_box()
    assert box is not None
    left, top = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 16):
        dy = (-1) ** step * (18 + wave * 6)
        page.mouse.move(left + step * (box["width"] - 40) / 15, top + dy, steps=3)
    page.mouse.up()


def test_draft_sign_seal_and_print_an_agreement(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    marker = uuid.uuid4().hex[:8]
    facts = f"The owner owes the decorator 8000 yuan ({marker})."

    open_app(page, field_app.url)
    use_english(page)
    sign_in(page, "mediator.baijia")
    navigate(page, "nav-cases", "case-new")
    wait_for_text(page, CASE_TITLE)
    navigate_by(page.get_by_text(CASE_TITLE).first, by_id(page, "case-detail").first)

    navigate(page, "agreement-new", "agreement-facts")
    assert value(page, "agreement-party-0-name") == "孙立平"  # the parties come from the case
    tap(page, "agreement-read-back", "agreement-facts")
    wait_for_text(page, "State the main facts of the dispute")
    type_into(page, "agreement-facts", facts)
    type_into(page, "obligation-0-obligor", "孙立平")
    type_into(page, "obligation-0-action", "Pay 8000 yuan to 周桂兰")
    type_into(page, "agreement-method", "Bank transfer")
    type_into(page, "agreement-deadline", "2026-12-31")
    shots.take("01-draft")

    tap(page, "agreement-read-back", "agreement-text")
    wait_for_id_text(page, "agreement-text", "人民调解协议书")
    wait_for_id_text(page, "agreement-text", marker)
    shots.take("02-read-back")

    for index in range(3):
        navigate(page, f"signature-sign-{index}", "signature-pad")
        draw_signature(page, index)
        if index == 0:
            shots.take("03-signing", sizes=("phone",))
        tap(page, "signature-done", "agreement-text")
        wait_for_id_text(page, f"signature-sign-{index}", "Sign again")

    tap_for_text(page, "agreement-seal", "Seal the agreement?")  # its button comes last
    page.get_by_role("button", name="Seal the agreement").last.click()
    wait_for_text(page, "Sealed: this agreement cannot be changed.")
    by_id(page, "agreement-correct").wait_for()
    shots.take("04-sealed")

    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=60_000)
    wait_for_id_text(page, "agreement-countersign", "Countersigned by the district")
    shots.take("05-countersigned")

    # What reached the server: sealed, countersigned, the mediator's three images.
    office = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD).pull_all()
    [agreement] = [a for a in office["agreements"].values() if a["facts"] == facts]
    assert agreement["status"] == "signed"
    assert agreement["countersignature"]
    assert [s["signer_name"] for s in agreement["signatures"]] == [
        "孙立平",
        "周桂兰",
        agreement["mediator_name"],
    ]
    images = [
        a
        for a in office["attachments"].values()
        if a["owner_id"] == agreement["id"] and a["kind"] == "signature"
    ]
    assert {a["sha256"] for a in images} == {s["sha256"] for s in agreement["signatures"]}

    supervisor = ServerClient(server.url, "supervisor.baijia", DEMO_PASSWORD)
    response = httpx.get(
        f"{server.url}{API}/agreements/{agreement['id']}.pdf",
        headers=supervisor.headers,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
    pdf = shots.folder / "server-agreement.pdf"
    pdf.write_bytes(response.content)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm (Debian: poppler-utils) renders the PDF"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(shots.folder / "06-server-pdf-page-1"),
        ],
        check=True,
        timeout=60,
    )
    assert (shots.folder / "06-server-pdf-page-1.png").stat().st_size > 10_000
