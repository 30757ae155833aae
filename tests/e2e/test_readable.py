"""Readable for older eyes and screen readers: at the largest text size on
a 360 px phone, the main screens still fit (nothing drawn past the right
edge) and every button has a name a screen reader can say, in English and
in Chinese. The screenshots are for a person to look at."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import FieldAppProcess
from tests.e2e.driver import (
    NARROW,
    Screenshots,
    bring_into_view,
    by_id,
    choose,
    click,
    evaluate,
    navigate,
    navigate_by,
    open_app,
    settle,
    tap,
    use_english,
    value,
    wait_for_text,
)
from tests.e2e.test_sign_in import sign_in

TEST_SECONDS = 900
"""A hung web client fails this test instead of holding the run (pytest-timeout;
longer than the browser tests' default: these walk many screens twice)."""
pytestmark = [pytest.mark.browser, pytest.mark.timeout(TEST_SECONDS)]


def beyond_the_edge(page: Page) -> list[str]:
    """Controls whose box reaches past the window's right edge (clipped text
    or buttons a thumb cannot reach), as ``label @ right edge``."""
    found: list[str] = evaluate(
        page,
        """width => Array.from(document.querySelectorAll('flt-semantics'))
            .map(n => [n, n.getBoundingClientRect()])
            .filter(([n, r]) => r.width > 0 && r.right > width + 1)
            .map(([n, r]) => `${(n.getAttribute('aria-label') || n.textContent || '')
                .trim().slice(0, 40)} @ ${Math.round(r.right)}`)""",
        NARROW["width"],
    )
    return found


def unnamed_buttons(page: Page) -> list[str]:
    """Buttons a screen reader could only call "button" (no label of their
    own, no text or labelled node inside), with where they are."""
    found: list[str] = evaluate(
        page,
        """() => Array.from(document.querySelectorAll('flt-semantics[role=button]'))
            .filter(n => ![n, ...n.querySelectorAll('*')].some(m =>
                (m.getAttribute('aria-label') || '').trim()
                || Array.from(m.childNodes).some(t => t.nodeType === 3 && t.textContent.trim())))
            .map(n => {
                const r = n.getBoundingClientRect();
                return `${n.getAttribute('flt-semantics-identifier') || n.id} at `
                    + `${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}x`
                    + `${Math.round(r.height)}`;
            })""",
    )
    return found


def still(page: Page, attempts: int = 20) -> None:
    """Until two screenshots a few frames apart are the same (a page
    transition or a ripple has finished), at most ``attempts`` tries."""
    before = page.screenshot()
    for _ in range(attempts):
        settle(page)
        settle(page)
        now = page.screenshot()
        if now == before:
            return
        before = now


def check(page: Page, shots: Screenshots, name: str) -> None:
    """Screenshot, then: fits in 360 px, every button named."""
    still(page)
    shots.take(name, ("narrow",))
    beyond = beyond_the_edge(page)
    assert beyond == [], f"{name}: drawn past the right edge: {beyond}"
    unnamed = unnamed_buttons(page)
    assert unnamed == [], f"{name}: buttons without a name: {unnamed}"


def field_height(page: Page, identifier: str) -> float:
    box = by_id(page, identifier).first.bounding_box()
    assert box is not None
    return box["height"]


def test_the_largest_text_fits_a_narrow_phone_in_both_languages(
    field_app: FieldAppProcess, page: Page, shots: Screenshots
) -> None:
    page.set_viewport_size(NARROW)
    open_app(page, field_app.url)
    use_english(page)
    sign_in(page, "officer.baijia")
    navigate(page, "nav-settings", "text-size")
    standard = field_height(page, "settings-server")
    choose(page, "text-size", "Largest")
    wait_for_text(page, "Text size")
    by_id(page, "settings-server").first.wait_for()
    assert field_height(page, "settings-server") > standard * 1.1

    for language, words in (("en", ("Text size", "Check in")), ("zh", ("字体大小", "报到"))):
        if language == "zh":
            choose(page, "language-select", "简体中文")
        wait_for_text(page, words[0])
        check(page, shots, f"{language}-01-settings")
        navigate(page, "nav-home", "sync-now")
        check(page, shots, f"{language}-02-home")
        navigate(page, "nav-subjects", "checkin-start")
        wait_for_text(page, words[1])
        check(page, shots, f"{language}-03-subjects")
        navigate(page, "checkin-start", "checkin-method")
        check(page, shots, f"{language}-04-checkin")
        click(page, "nav-back")
        by_id(page, "checkin-start").first.wait_for()
        navigate(page, "nav-settings", "text-size")

    tap(page, "lock-now", "pin-input")
    check(page, shots, "zh-05-unlock")


def pick_a_date(page: Page, shots: Screenshots) -> None:
    """The calendar beside the deadline opens a date picker; its OK writes
    the day (today, the picker's first choice) into the field as YYYY-MM-DD."""
    calendar = page.get_by_role("button", name="Pick a date on a calendar").last
    navigate_by(calendar, page.get_by_role("button", name="OK").first)
    still(page)
    shots.take("en-14b-date-picker", ("narrow",))
    page.get_by_role("button", name="OK").first.click()
    today = datetime.now(UTC).date()
    wanted = {(today + timedelta(days=d)).isoformat() for d in (-1, 0, 1)}
    deadline_at = time.monotonic() + 30
    while value(page, "agreement-deadline") not in wanted:
        assert time.monotonic() < deadline_at, "the picked day never reached the field"
        settle(page)


CASE_TITLE = "拖欠装修工钱"  # a demo case of the Baijia office (tests/e2e/district.py)


def test_a_mediators_screens_at_the_largest_text(
    field_app: FieldAppProcess, page: Page, shots: Screenshots
) -> None:
    page.set_viewport_size(NARROW)
    open_app(page, field_app.url)
    use_english(page)
    sign_in(page, "mediator.baijia")
    navigate(page, "nav-settings", "text-size")
    choose(page, "text-size", "Largest")

    for language, words in (("en", "Cases"), ("zh", "案件")):
        if language == "zh":
            choose(page, "language-select", "简体中文")
        navigate(page, "nav-cases", "case-new")
        wait_for_text(page, words)
        wait_for_text(page, CASE_TITLE)
        check(page, shots, f"{language}-11-cases")
        navigate_by(page.get_by_text(CASE_TITLE).first, by_id(page, "case-detail").first)
        check(page, shots, f"{language}-12-case")
        navigate(page, "visit-new", "visit-notes")
        check(page, shots, f"{language}-13-visit")
        navigate(page, "nav-back", "agreement-new")
        navigate(page, "agreement-new", "agreement-facts")
        bring_into_view(page, by_id(page, "agreement-deadline").first)
        check(page, shots, f"{language}-14-agreement-form")
        if language == "en":
            pick_a_date(page, shots)
        navigate(page, "nav-back", "agreement-new")
        navigate(page, "nav-back", "case-new")
        navigate(page, "case-new", "case-title")
        check(page, shots, f"{language}-15-intake")
        navigate(page, "nav-back", "case-new")
        navigate(page, "nav-settings", "text-size")
