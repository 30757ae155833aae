"""First start: server address, username, password, PIN; a later start
unlocks with the PIN alone, with the server down."""

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.driver import (
    Screenshots,
    by_id,
    click,
    open_app,
    tap,
    tap_for_text,
    type_into,
    use_english,
    value,
    wait_for_id_text,
)

PIN = "258147"

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str, shots: Screenshots | None = None) -> None:
    """From a fresh phone to the home screen, synced."""
    by_id(page, "login-username").wait_for()
    if shots is not None:
        shots.take("01-sign-in")
    type_into(page, "login-username", username)
    type_into(page, "login-password", DEMO_PASSWORD)
    # Signing in asks the server and derives keys: slow on a busy machine.
    tap(page, "login-submit", "pin-confirm", timeout_ms=30_000)
    if shots is not None:
        shots.take("02-choose-pin")
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", "nav-home", timeout_ms=30_000)
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=60_000)


def test_first_sign_in_then_pin_unlock_offline(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    open_app(page, field_app.url)
    use_english(page)
    assert value(page, "login-server") == server.url  # pre-filled for the demo
    sign_in(page, "mediator.baijia", shots)
    shots.take("03-home")

    server.stop()
    field_app.restart()
    open_app(page, field_app.url)
    by_id(page, "pin-input").wait_for()
    assert by_id(page, "pin-confirm").count() == 0
    type_into(page, "pin-input", "111111")
    tap_for_text(page, "pin-submit", "Wrong PIN")
    shots.take("04-unlock-wrong-pin")
    type_into(page, "pin-input", PIN)
    tap(page, "pin-submit", "nav-home", timeout_ms=30_000)
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "Offline")
    shots.take("05-home-offline")
