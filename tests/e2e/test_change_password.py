"""After an admin's reset: the one-time password signs in, the app asks for a
new password before anything else, and then goes on to the PIN and home."""

import subprocess

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import CLI, ROOT, FieldAppProcess, SyncServer
from tests.e2e.driver import (
    Screenshots,
    by_id,
    open_app,
    tap,
    tap_for_text,
    type_into,
    use_english,
    wait_for_id_text,
)

PIN = "258147"
USERNAME = "mediator.xiyuan"
"""A user no other browser test signs in as: its password changes here."""

pytestmark = pytest.mark.browser


def _reset(server: SyncServer) -> str:
    result = subprocess.run(
        [*CLI, "admin", "reset-password", USERNAME, "--reason", "e2e", "--db", server.db_url],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.stdout.split(f"one-time password for {USERNAME}: ")[1].split()[0]


def test_a_one_time_password_must_be_changed_first(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    one_time = _reset(server)
    open_app(page, field_app.url)
    use_english(page)
    by_id(page, "login-username").wait_for()
    type_into(page, "login-username", USERNAME)
    type_into(page, "login-password", one_time)
    tap(page, "login-submit", "password-new", timeout_ms=30_000)
    shots.take("01-change-password")
    type_into(page, "password-new", "short")
    type_into(page, "password-confirm", "short")
    tap_for_text(page, "password-submit", "at least 10 characters")
    type_into(page, "password-new", "xiyuan-river-lantern")
    type_into(page, "password-confirm", "xiyuan-river-lantern")
    tap(page, "password-submit", "pin-confirm", timeout_ms=30_000)
    type_into(page, "pin-input", PIN)
    type_into(page, "pin-confirm", PIN)
    tap(page, "pin-submit", "nav-home", timeout_ms=30_000)
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=60_000)
