"""A record the server refuses does not hold up the rest (invariant 8): the
good records beside it arrive, the refused one is shown to the user with
the server's reason, the user corrects it, and it arrives too.

The refused record is a party whose name holds a NUL character, written
into the phone's outbox the way an app version from before the contract
refused control characters wrote it (today's app refuses it at saving, so
no screen can type it). On PostgreSQL such a name used to fail the whole
push with a 500, on every retry: the phone never synced again.
"""

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from field_app.security.aead import DataKeyCipher
from field_app.security.keystore import Keystore
from field_app.services.session import open_local_data
from shared_models.domain.cases import PartyFields
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value
from tests.e2e.conftest import DEMO_PASSWORD, FieldAppProcess, SyncServer
from tests.e2e.district import ServerClient
from tests.e2e.driver import (
    Screenshots,
    by_id,
    click,
    focus_field,
    navigate,
    open_app,
    tap,
    use_english,
    wait_for_id_text,
    wait_for_text,
)
from tests.e2e.test_sign_in import PIN, sign_in

pytestmark = pytest.mark.browser

DEADLINE_S = 600


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """The whole test fails after ``DEADLINE_S`` rather than hanging a run
    (each wait below has its own, shorter deadline too)."""

    def expired(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"the test ran past its {DEADLINE_S} s deadline")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(DEADLINE_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _write_outbox_of_an_older_app(data_dir: Path, org_unit_id: str, marker: str) -> str:
    """With the app stopped: a good case and party, saved as the app saves,
    and a party named with a NUL, written past the contract's check as an
    older app did. Returns the bad party's corrected name."""
    key = Keystore(data_dir).unlock(PIN, lambda: None)
    store = open_local_data(data_dir, DataKeyCipher(key)).store
    case_id = uuid.uuid4()
    store.records.save(
        TableName.CASES,
        case_id,
        {
            "title": f"Fence dispute {marker}",
            "category": "neighbourhood",
            "source": "walk_in",
            "org_unit_id": org_unit_id,
            "opened_at": "2026-11-20T09:00:00+08:00",
        },
    )
    good = {"case_id": str(case_id), "role": "applicant", "name": f"Good Party {marker}"}
    store.records.save(TableName.PARTIES, uuid.uuid4(), good)
    # Every field, as a save writes it (the row's personal columns are
    # encrypted per field; one left out would be read back as plain text).
    valid = PartyFields.model_validate({**good, "role": "respondent"})
    bad = {name: to_json_value(getattr(valid, name)) for name in PartyFields.model_fields}
    bad["name"] = f"Bad\x00Party {marker}"
    bad_id = uuid.uuid4()
    with store.transaction() as session:
        meta = {"id": str(bad_id), "version": 0, "updated_at": None, "deleted": False}
        store.records.write_row(
            session, "parties", {**meta, "created_by": None, **bad}, exists=False
        )
        store.outbox.enqueue(session, "parties", bad_id, "upsert", None, bad)
    store.engine.dispose()
    return f"Corrected Party {marker}"


def test_a_refused_record_is_corrected_while_the_rest_sync(
    field_app: FieldAppProcess, server: SyncServer, page: Page, shots: Screenshots
) -> None:
    marker = uuid.uuid4().hex[:8]
    office = ServerClient(server.url, "mediator.baijia", DEMO_PASSWORD)
    open_app(page, field_app.url)
    use_english(page)
    sign_in(page, "mediator.baijia")

    field_app.stop()
    corrected = _write_outbox_of_an_older_app(
        field_app.data_dir, str(office.user["org_unit_id"]), marker
    )
    field_app.start()
    open_app(page, field_app.url)
    by_id(page, "pin-input").wait_for()
    focus_field(page, "pin-input")
    page.keyboard.type(PIN)
    tap(page, "pin-submit", "nav-home", timeout_ms=30_000)

    # The good records arrive; the refused one waits on the phone, with its reason.
    click(page, "sync-now")
    # Home names the record and the server's reason (the NUL shows as "?").
    wait_for_text(page, f"The server refused a change (party “Bad?Party {marker}”)", 60_000)
    wait_for_text(page, "holds the control character U+0000")
    shots.take("01-home-refused-change")
    pulled = office.pull_all()
    names = {party["name"] for party in pulled["parties"].values()}
    assert f"Good Party {marker}" in names
    assert not any("Party " + marker in name and "Bad" in name for name in names)
    assert any(case["title"] == f"Fence dispute {marker}" for case in pulled["cases"].values())

    navigate(page, "attention-correct", "correction-name")
    wait_for_text(page, "control character U+0000")
    shots.take("02-correction-form")
    field = focus_field(page, "correction-name")
    page.keyboard.press("Control+A")
    page.keyboard.type(corrected)
    expect(field).to_have_value(corrected)
    shots.take("03-corrected")
    tap(page, "correction-send", "sync-now")
    click(page, "sync-now")
    wait_for_id_text(page, "sync-status", "Up to date", timeout_ms=60_000)
    shots.take("04-synced")

    names = {party["name"] for party in office.pull_all()["parties"].values()}
    assert corrected in names
