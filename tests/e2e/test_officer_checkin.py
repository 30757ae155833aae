"""An officer records a check-in with a photo while the server is down;
the status shows it waiting; the server comes back, a sync sends it, and
the check-in and the photo's bytes are on the server."""

import hashlib
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import DEMO_PASSWORD, GEOLOCATION, FieldAppProcess, SyncServer
from tests.e2e.district import ServerClient
from tests.e2e.driver import (
    Screenshots,
    by_id,
    choose_file,
    click,
    navigate,
    open_app,
    type_into,
    use_english,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_sign_in import sign_in
from tests.field_app.services_fixtures import camera_jpeg

pytestmark = pytest.mark.browser


def test_offline_checkin_with_photo_reaches_the_server(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots, tmp_path: Path
) -> None:
    photo = tmp_path / "checkin.jpg"
    photo.write_bytes(camera_jpeg((1600, 1200)))
    marker = f"E2E check-in {uuid.uuid4().hex[:8]}"

    open_app(page, field_app.url)
    use_english(page)
    sign_in(page, "officer.baijia")
    wait_for_text(page, "Check-ins due")
    shots.take("01-home")
    navigate(page, "nav-subjects", "checkin-start")
    shots.take("02-subjects")

    server.stop()
    # From the list to a saved check-in: three taps (check in, photo, save) and the notes.
    navigate(page, "checkin-start", "checkin-method")
    choose_file(page, "photo-add", photo)
    by_id(page, "photo-list").wait_for()
    type_into(page, "checkin-notes", marker)
    wait_for_id_text(page, "gps-status", "± 12 m")  # the browser's position, granted
    shots.take("03-checkin-form")
    click(page, "checkin-save")
    by_id(page, "subject-detail").wait_for()
    wait_for_id_text(page, "subject-detail", marker)

    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "Offline")
    wait_for_id_text(page, "sync-status", "1 waiting")  # one check-in, its photo included
    shots.take("04-subject-offline")

    server.start()
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=60_000)
    shots.take("05-subject-synced")

    office = ServerClient(server.url, "officer.baijia", DEMO_PASSWORD).pull_all()
    visits = [v for v in office["visits"].values() if v["notes"] == marker]
    assert len(visits) == 1
    visit = visits[0]
    assert visit["kind"] == "checkin"
    assert visit["method"] == "office"
    assert visit["lat"] == pytest.approx(GEOLOCATION["latitude"])
    assert visit["lon"] == pytest.approx(GEOLOCATION["longitude"])
    assert visit["accuracy_m"] == pytest.approx(GEOLOCATION["accuracy"])
    photos = [a for a in office["attachments"].values() if a["owner_id"] == visit["id"]]
    assert len(photos) == 1
    blob = ServerClient(server.url, "officer.baijia", DEMO_PASSWORD).blob(photos[0]["sha256"])
    assert hashlib.sha256(blob).hexdigest() == photos[0]["sha256"]
    assert len(blob) == photos[0]["size"]
    assert b"Exif" not in blob[:256]  # re-encoded on the phone: no camera metadata left
