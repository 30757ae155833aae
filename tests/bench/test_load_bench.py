"""The load bench, small: its correctness checks hold, and can fail.

Speed is the bench's business (``python -m bench.load_bench``); here a few
devices of three offices sync through two servers on one PostgreSQL for a
few rounds and every check must come out clean. The servers run in this
process (uvicorn on threads) so the test does not wait for two interpreters
to import the server; the bench itself starts ``lastmile server``.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from bench.harness import free_port
from bench.load_bench import LoadDevice, load_run
from bench.load_checks import Checks, LockSampler
from bench.load_fleet import Fleet, Seat
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine
from sync_server.main import create_app
from tests.conftest import fresh_database_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url(request, "postgres", tmp_path)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two server apps on one database, each on its own port and thread."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []
    settings = ServerSettings(db=pg_url, blobs=tmp_path / "blobs")
    apps = [create_app(settings) for _ in range(2)]
    try:
        for app in apps:
            config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            running.append((server, thread))
        deadline = time.monotonic() + 20
        while not all(server.started for server, _ in running):
            assert time.monotonic() < deadline, "the servers did not start"
            time.sleep(0.05)
        yield [f"http://127.0.0.1:{server.config.port}" for server, _ in running]
    finally:
        for server, thread in running:
            server.should_exit = True
            thread.join(timeout=10)
        for app in apps:
            app.state.engine.dispose()


def test_a_small_load_run_is_correct(
    pg_url: str, pg_engine: Engine, two_servers: list[str]
) -> None:
    sampler = LockSampler(pg_url)
    step, checks = load_run(pg_engine, two_servers, devices=6, offices=3, rounds=3, sampler=sampler)
    assert checks.clean, checks.rows()
    assert len(step.times) == 6 * 3
    assert step.mutations == 6 * 3 * 6
    assert sorted(checks.visits_by_office) == [0, 1, 2]
    assert sum(len(visits) for visits in checks.visits_by_office.values()) == 6 * 3 * 5
    assert sampler.samples > 0


def test_the_checks_see_a_leak_and_a_duplicate() -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    fleet = Fleet(
        seats=[Seat("a", 0, mine), Seat("b", 1, theirs)],
        units=[frozenset({mine}), frozenset({theirs})],
    )
    checks = Checks(fleet)
    device: Any = LoadDevice.__new__(LoadDevice)
    device.seat, device.seen = fleet.seats[0], {}
    own = {"id": str(uuid.uuid4()), "version": 3, "org_unit_id": str(mine)}
    checks.received(device, "cases", own)
    assert checks.clean
    checks.received(device, "cases", own)
    assert checks.duplicated == 1
    foreign = {"id": str(uuid.uuid4()), "version": 4, "org_unit_id": str(theirs)}
    checks.received(device, "cases", foreign)
    stray_visit = {"id": str(uuid.uuid4()), "version": 5, "case_id": str(uuid.uuid4())}
    checks.received(device, "visits", stray_visit)
    assert checks.leaks == 2
    assert not checks.clean
