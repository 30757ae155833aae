"""A mediator takes in a new case in three steps (leaving half-way loses
nothing), records a mediation session, and both reach the server."""

import uuid

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.district import ServerClient
from tests.e2e.driver import (
    Screenshots,
    by_id,
    choose,
    click,
    navigate,
    navigate_by,
    open_app,
    tap,
    type_into,
    use_english,
    value,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def test_case_intake_and_visit_sync(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    marker = uuid.uuid4().hex[:8]
    title = f"Broken coal shed {marker}"
    notes = f"Both neighbours met in the courtyard {marker}"

    open_app(page, field_app.url)
    use_english(page)
    sign_in(page, "mediator.baijia")
    navigate(page, "nav-cases", "case-new")
    wait_for_text(page, "Accepted")  # the list is shown (other tests move the mediating ones on)
    shots.take("01-cases")

    navigate(page, "case-new", "case-title")
    type_into(page, "case-title", title)
    # Leaving the form half-way keeps what was typed: home offers to continue it.
    navigate(page, "nav-home", "sync-status")
    wait_for_text(page, "New case (not saved yet)")
    navigate_by(page.get_by_text("New case (not saved yet)").first, by_id(page, "case-title").first)
    assert value(page, "case-title") == title

    choose(page, "intake-category", "Neighbours")
    choose(page, "intake-source", "Phone")
    shots.take("02-intake-step-1")
    tap(page, "intake-next", "party-0-name")
    type_into(page, "party-0-name", "Wang Guifang")
    type_into(page, "party-1-name", "Li Jianjun")
    shots.take("03-intake-step-2")
    tap(page, "intake-next", "case-save")
    shots.take("04-intake-step-3")
    tap(page, "case-save", "case-detail")
    wait_for_id_text(page, "case-detail", "Wang Guifang")
    shots.take("05-case")

    navigate(page, "visit-new", "visit-save")
    type_into(page, "visit-notes", notes)
    shots.take("06-visit")
    tap(page, "visit-save", "case-detail")
    wait_for_id_text(page, "case-detail", notes)
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=60_000)
    page.wait_for_function(
        """() => !Array.from(
                document.querySelectorAll('[flt-semantics-identifier="case-detail"] *'))
            .some(n => (n.textContent || '').includes('Not sent yet'))"""
    )
    shots.take("07-case-synced")

    office = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD).pull_all()
    cases = [c for c in office["cases"].values() if c["title"] == title]
    assert len(cases) == 1
    case = cases[0]
    assert (case["category"], case["source"], case["status"]) == (
        "neighbourhood",
        "phone",
        "accepted",
    )
    names = {p["name"]: p["role"] for p in office["parties"].values() if p["case_id"] == case["id"]}
    assert names == {"Wang Guifang": "applicant", "Li Jianjun": "respondent"}
    visits = [v for v in office["visits"].values() if v["case_id"] == case["id"]]
    assert [(v["kind"], v["notes"]) for v in visits] == [("mediation_session", notes)]
