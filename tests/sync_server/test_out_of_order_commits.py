"""Invariant 3: a pull never skips a change, even when server transactions
commit out of order.

The hazard: with a plain sequence, a slow transaction takes version 10, a
fast one takes 11 and commits, a pull returns 11 and moves its cursor past
10; when 10 commits, no later pull asks for it again. LastMile bounds every
pull page below the lowest version still in flight (core/versions.py,
services/sync/pull.py; tests/sync_server/test_parallel_pushes.py pushes
harder). These tests hold that design to the invariant with a real
HTTP server under concurrent, deliberately slow pushes, and with a
deterministic interleaving of two transactions.
"""

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.protocol.push import PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.api.routes import sync as sync_routes
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.core.district_key import DistrictKey
from sync_server.main import create_app
from sync_server.repositories.scope import JurisdictionScope, scope_for
from sync_server.services.sync.pull import Cursor, pull_page
from sync_server.services.sync.push import apply_push
from sync_server.tables import UserRow
from tests.factories import PASSWORD, District, case_fields, mutation

SLOW_COMMIT_S = 0.08
PUSHES_PER_DEVICE = 6
DEADLINE_S = 90.0


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` behind a real uvicorn on a loopback port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    try:
        while not server.started:
            assert thread.is_alive(), "the server thread died while starting"
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        assert not thread.is_alive(), "the server did not shut down"


def login(http: httpx.Client, username: str, device_id: str) -> None:
    response = http.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": PASSWORD,
            "device_id": device_id,
            "device_name": "load phone",
        },
    )
    assert response.status_code == 200, response.text
    http.headers["Authorization"] = f"Bearer {response.json()['token']}"


def push(http: httpx.Client, device_id: str, mutations: list[dict[str, Any]]) -> list[Any]:
    response = http.post(
        "/api/v1/sync/push",
        json={
            "device_id": device_id,
            "protocol": PROTOCOL_VERSION,
            "app_version": "test",
            "mutations": mutations,
        },
    )
    assert response.status_code == 200, response.text
    results: list[Any] = response.json()["results"]
    return results


def run_device(base_url: str, username: str, device_id: str, unit_id: uuid.UUID) -> dict[str, int]:
    """Create cases and edit some of them; return each record's last applied version."""
    latest: dict[str, int] = {}
    with httpx.Client(base_url=base_url, timeout=60) as http:
        login(http, username, device_id)
        for n in range(PUSHES_PER_DEVICE):
            batch = [
                mutation("cases", uuid.uuid4(), case_fields(unit_id, title=f"{device_id} {n}"))
                for _ in range(1 + n % 3)
            ]
            if latest and n % 2:
                edited = sorted(latest)[n % len(latest)]
                batch.append(
                    mutation(
                        "cases",
                        uuid.UUID(edited),
                        {"description": f"edit {n}"},
                        base_version=latest[edited],
                    )
                )
            for sent, result in zip(batch, push(http, device_id, batch), strict=True):
                assert result["status"] == "applied", result
                latest[sent["record_id"]] = result["version"]
    return latest


class Puller:
    """A district-wide device pulling with its cursor, recording the stream."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.cursor: str | None = None
        self.stream: list[tuple[int, str, str]] = []
        self.cases: dict[str, int] = {}

    def page(self, limit: int) -> bool:
        """Fetch one page after the cursor; whether more is pending."""
        params: dict[str, Any] = {"limit": limit}
        if self.cursor:
            params["cursor"] = self.cursor
        response = self.http.get("/api/v1/sync/pull", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        for change in page["changes"]:
            record = change["record"]
            self.stream.append((record["version"], change["table"], record["id"]))
            if change["table"] == "cases":
                self.cases[record["id"]] = record["version"]
        self.cursor = page["cursor"]
        return bool(page["more"])


def slow_for(devices: set[str], lingered: set[str]) -> Callable[..., Any]:
    """``apply_push`` that, for ``devices``, holds its transaction open after
    applying, the way a slow disk or a long batch would, before the commit;
    ``lingered`` collects the devices it actually held back."""

    def apply_then_linger(
        session: Session,
        scope: JurisdictionScope,
        device_id: str,
        request: PushRequest,
        now: datetime,
        signer: DistrictKey | None = None,
        mediation: MediationSettings | None = None,
    ) -> Any:
        outcome = apply_push(session, scope, device_id, request, now, signer, mediation)
        if device_id in devices:
            lingered.add(device_id)
            time.sleep(SLOW_COMMIT_S)
        return outcome

    return apply_then_linger


def test_concurrent_slow_commits_never_make_a_pull_skip_a_change(
    settings: ServerSettings,
    engine: Engine,
    district: District,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    devices = [
        ("mediator.baijia", "pusher-baijia-1", district.baijia_committee.id),
        ("mediator.baijia", "pusher-baijia-2", district.baijia_committee.id),
        ("supervisor.baijia", "pusher-baijia-3", district.baijia.id),
        ("mediator.xiyuan", "pusher-xiyuan-1", district.xiyuan_committee.id),
        ("mediator.xiyuan", "pusher-xiyuan-2", district.xiyuan_committee.id),
        ("supervisor.xiyuan", "pusher-xiyuan-3", district.xiyuan.id),
    ]
    slow = {"pusher-baijia-1", "pusher-baijia-3", "pusher-xiyuan-2"}
    lingered: set[str] = set()
    monkeypatch.setattr(sync_routes, "apply_push", slow_for(slow, lingered))
    with (
        serving(create_app(settings, engine)) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as http,
        ThreadPoolExecutor(max_workers=len(devices)) as pool,
    ):
        login(http, "supervisor.fuxing", "puller-fuxing-1")
        puller = Puller(http)
        futures: list[Future[dict[str, int]]] = [
            pool.submit(run_device, base_url, *device) for device in devices
        ]
        deadline = time.monotonic() + DEADLINE_S
        pages_during_pushes = 0
        while not all(future.done() for future in futures):
            assert time.monotonic() < deadline, "pushes did not finish in time"
            # Mostly pages that reach the head, where an in-flight version
            # would be stepped over; now and then a short one, to page too.
            puller.page(limit=3 if pages_during_pushes % 5 == 0 else 200)
            pages_during_pushes += 1
        applied: dict[str, int] = {}
        for future in futures:
            applied.update(future.result())
        while puller.page(limit=3):
            assert time.monotonic() < deadline, "the final pull did not end"

    assert lingered == slow
    assert pages_during_pushes > 5
    versions = [version for version, _, _ in puller.stream]
    assert versions == sorted(set(versions)), "a version came twice or out of order"
    stale = {key: version for key, version in applied.items() if puller.cases.get(key) != version}
    assert not stale, f"the puller missed {len(stale)} of {len(applied)} committed changes"
    assert puller.cases.keys() == applied.keys()
    assert len(applied) >= len(devices) * PUSHES_PER_DEVICE


def _request(device_id: str, mutations: list[dict[str, Any]]) -> PushRequest:
    return PushRequest.model_validate(
        {"device_id": device_id, "protocol": PROTOCOL_VERSION, "mutations": mutations}
    )


def _scope(engine: Engine, user_id: uuid.UUID) -> JurisdictionScope:
    with read_session(engine) as session:
        user = session.get(UserRow, user_id)
        assert user is not None
        return scope_for(session, user)


def _push_in_own_transaction(engine: Engine, scope: JurisdictionScope, request: PushRequest) -> int:
    with write_session(engine) as session:
        response, _ = apply_push(session, scope, request.device_id, request, datetime.now(UTC))
    version = response.results[0].version
    assert version is not None
    return version


def test_a_version_in_flight_holds_the_cursor_back_until_it_commits(
    engine: Engine, district: District
) -> None:
    """The hazard itself: the later writer commits first (PostgreSQL, where
    pushes run side by side) or waits its turn (SQLite, one writer at a
    time); either way the pull stays below the version still in flight, and
    reads both, in order, once it has committed."""
    writer = _scope(engine, district.user("mediator.baijia").id)
    reader = _scope(engine, district.user("supervisor.fuxing").id)
    unit = district.baijia_committee.id
    with read_session(engine) as session:
        start = pull_page(session, reader, None, 1000).decoded().cursor

    with ThreadPoolExecutor(max_workers=1) as pool:
        with write_session(engine) as slow:
            early = _request("device-early", [mutation("cases", uuid.uuid4(), case_fields(unit))])
            response, _ = apply_push(slow, writer, "device-early", early, datetime.now(UTC))
            early_version = response.results[0].version
            assert early_version is not None

            late = _request("device-late1", [mutation("cases", uuid.uuid4(), case_fields(unit))])
            late_future = pool.submit(_push_in_own_transaction, engine, writer, late)
            if engine.dialect.name == "postgresql":
                late_future.result(timeout=30)  # committed while the early one is in flight

            with read_session(engine) as session:
                during = pull_page(session, reader, start, 1000).decoded()
            assert during.changes == []
            assert Cursor.decode(during.cursor).version < early_version
            if engine.dialect.name != "postgresql":
                assert not late_future.done()

        late_version = late_future.result(timeout=30)

    assert late_version > early_version
    with read_session(engine) as session:
        after = pull_page(session, reader, during.cursor, 1000).decoded()
    pulled = [change.record["version"] for change in after.changes]
    assert pulled == [early_version, late_version]
