"""The background sync loop: retries with growing, jittered back-off while
the server cannot be reached, syncs at once on request, then settles into
the regular interval. Time never really passes: the loop's wait is an event
the test controls, and it records how long the loop asked to wait."""

import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from field_app.sync.status import SyncState
from shared_models.protocol.tables import TableName
from tests.factories import case_fields
from tests.integration.sync_fixtures import (
    BASE_URL,
    DistrictFile,
    Link,
    Phone,
    Server,
    running_server,
    signed_in_district,
)

USER = "mediator.baijia"


class MaxRandom(random.Random):
    """Always draws the top of the range: each delay is its ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b


class RecordingWake(threading.Event):
    """The loop's wait: records the timeout asked for and returns only when
    set (by the test or ``request_sync``), so no test waits for real time."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.timeouts.append(timeout)
        return super().wait(None)


def poll(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    while not condition():
        assert datetime.now(UTC) < deadline, "timed out"
        threading.Event().wait(0.01)


@pytest.fixture
def district(sqlite_template: Path, tmp_path: Path) -> DistrictFile:
    return signed_in_district(sqlite_template, tmp_path / "template", [USER])


@pytest.fixture
def server(district: DistrictFile, tmp_path: Path) -> Iterator[Server]:
    url = district.copy(tmp_path / "server")
    with running_server(url, tmp_path / "blobs", district=district.district) as running:
        yield running


def test_background_loop_backs_off_offline_and_syncs_on_request(
    server: Server, district: DistrictFile, tmp_path: Path, local_template: Path
) -> None:
    wake = RecordingWake()
    link = Link(server.http)
    http = httpx.Client(transport=link, base_url=BASE_URL)
    phone = Phone(http, tmp_path / "phone", local_template, rng=MaxRandom(), wake=wake)
    phone.restore(district.logins[USER])
    link.up = False
    phone.engine.start()
    try:
        for waits, expected in enumerate((2.0, 4.0, 8.0), start=1):
            poll(lambda waits=waits: len(wake.timeouts) == waits)
            assert wake.timeouts[-1] == expected
            assert phone.engine.status.state is SyncState.OFFLINE
            wake.set()  # the back-off delay has passed
        poll(lambda: len(wake.timeouts) == 4)
        link.up = True
        case_id = phone.save(TableName.CASES, case_fields(server.district.baijia.id))
        phone.engine.request_sync()
        poll(lambda: len(wake.timeouts) == 5)
        assert wake.timeouts[-1] == phone.engine.settings.sync_interval_seconds
        assert phone.engine.status.state is SyncState.UP_TO_DATE
        assert server.count(TableName.CASES, case_id) == 1
        assert phone.engine.backoff.failures == 0

        revoked = server.http.post(
            "/api/v1/auth/logout", headers={"Authorization": f"Bearer {phone.token}"}
        )
        assert revoked.status_code == 204
        phone.engine.request_sync()
        poll(lambda: len(wake.timeouts) == 6)
        assert wake.timeouts[-1] is None, "a revoked phone waits for the user, not a timer"
        assert phone.engine.status.state is SyncState.NEEDS_LOGIN
    finally:
        phone.engine.stop()
        phone.close()
        http.close()
    assert not phone.engine.running
