"""Two server processes on one PostgreSQL database behave as one server.

The sync server is meant to be stateless (docs/architecture.md: any number of
uvicorn processes behind a load balancer), so a device may reach a different
process on every request. Here two real processes run side by side and each
device alternates between them: a token issued by one is honoured by the
other, a replay through the other process is still a duplicate, a cursor from
one resumes on the other, and a sign-out or revocation through one takes
effect on the other at the next request.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.db import make_engine
from tests.district_db import fresh_database_url
from tests.factories import PASSWORD, District, case_fields, load_district, mutation

# One worker runs the module, so its two server processes start once (xdist).
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("two-processes")]

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 60.0


@dataclass
class ServerProcess:
    process: "subprocess.Popen[bytes]"
    base_url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _launch(database_url: str, workdir: Path, name: str) -> ServerProcess:
    """One ``uvicorn --factory`` process, configured only by the environment."""
    env = {
        **os.environ,
        "LASTMILE_DB": database_url,
        "LASTMILE_BLOBS": str(workdir / "blobs"),
    }
    port = _free_port()
    log = workdir / f"server-{name}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "sync_server.main:app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return ServerProcess(process, f"http://127.0.0.1:{port}", log)


def _start_all(
    database_url: str, workdir: Path, names: list[str], out: list[ServerProcess]
) -> None:
    """Launch every process at once (start-up is mostly imports), then wait
    for each; one that lost its port to another program is launched again."""
    out.extend(_launch(database_url, workdir, name) for name in names)
    for index, name in enumerate(names):
        for _ in range(3):
            if _wait_ready(out[index]):
                break
            out[index].stop()
            log = out[index].log.read_text(errors="replace")
            if "address already in use" not in log.lower():
                raise AssertionError(f"server {name} did not become ready:\n{log}")
            out[index] = _launch(database_url, workdir, name)
        else:
            raise AssertionError(f"server {name} found no free port")


def _wait_ready(server: ServerProcess) -> bool:
    deadline = time.monotonic() + START_DEADLINE_S
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                return False
            try:
                if http.get("/readyz").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("two-processes")


@pytest.fixture(scope="module")
def pg_url(request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    yield from fresh_database_url(request, "postgres", workdir)


@pytest.fixture(scope="module")
def district(pg_url: str) -> District:
    engine = make_engine(pg_url)
    try:
        return load_district(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def servers(
    pg_url: str, district: District, workdir: Path
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The two processes, shared by the module's tests (starting them is most
    of their time); each test signs in devices of its own."""
    started: list[ServerProcess] = []
    try:
        _start_all(pg_url, workdir, ["a", "b"], started)
        with (
            httpx.Client(base_url=started[0].base_url, timeout=30) as a,
            httpx.Client(base_url=started[1].base_url, timeout=30) as b,
        ):
            yield a, b
    finally:
        for server in started:
            server.stop()
    for server in started:
        assert server.process.returncode is not None


@dataclass
class RoamingDevice:
    """A device whose requests land on whichever process the balancer picks."""

    token: str
    device_id: str
    cursor: str | None = None
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push(self, via: httpx.Client, mutations: list[dict[str, Any]]) -> list[Any]:
        response = via.post(
            "/api/v1/sync/push",
            json={
                "device_id": self.device_id,
                "protocol": PROTOCOL_VERSION,
                "app_version": "test",
                "mutations": mutations,
            },
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        results: list[Any] = response.json()["results"]
        return results

    def pull(self, *via: httpx.Client, limit: int = 3) -> int:
        """Pull until nothing is pending, each page from the next process in turn."""
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": limit}
            if self.cursor:
                params["cursor"] = self.cursor
            client = via[pages % len(via)]
            response = client.get("/api/v1/sync/pull", params=params, headers=self.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            pages += 1
            for change in page["changes"]:
                key = (change["table"], change["record"]["id"])
                if change["op"] == "upsert":
                    self.records[key] = change["record"]
                else:
                    self.records.pop(key, None)
            self.cursor = page["cursor"]
            if not page["more"]:
                return pages


def sign_in(via: httpx.Client, username: str) -> RoamingDevice:
    device_id = f"roaming-{uuid.uuid4().hex[:12]}"
    response = via.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": PASSWORD,
            "device_id": device_id,
            "device_name": "roaming phone",
        },
    )
    assert response.status_code == 200, response.text
    return RoamingDevice(token=response.json()["token"], device_id=device_id)


def test_devices_roam_between_processes_without_noticing(
    servers: tuple[httpx.Client, httpx.Client], district: District
) -> None:
    a, b = servers
    mediator = sign_in(a, "mediator.baijia")
    me = b.get("/api/v1/me", headers=mediator.headers)
    assert me.status_code == 200, me.text
    assert me.json()["user"]["username"] == "mediator.baijia"

    unit = district.baijia_committee.id
    first = mutation("cases", uuid.uuid4(), case_fields(unit))
    [applied] = mediator.push(a, [first])
    [replayed] = mediator.push(b, [first])
    assert applied["status"] == "applied"
    assert replayed["status"] == "duplicate"
    assert replayed["version"] == applied["version"]

    created = [mutation("cases", uuid.uuid4(), case_fields(unit, title=f"{n}")) for n in range(6)]
    for n, created_one in enumerate(created):
        [result] = mediator.push((a, b)[n % 2], [created_one])
        assert result["status"] == "applied"

    supervisor = sign_in(b, "supervisor.baijia")
    assert supervisor.pull(a, b) > 2
    expected = {first["record_id"]} | {m["record_id"] for m in created}
    assert {key for table, key in supervisor.records if table == "cases"} == expected

    [edited] = mediator.push(
        b,
        [
            mutation(
                "cases",
                uuid.UUID(first["record_id"]),
                {"title": "改"},
                base_version=applied["version"],
            )
        ],
    )
    assert edited["status"] == "applied"
    supervisor.pull(a)
    record = supervisor.records[("cases", first["record_id"])]
    assert (record["title"], record["version"]) == ("改", edited["version"])


def test_sign_out_and_revocation_through_one_process_hold_on_the_other(
    servers: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = servers
    signed_out = sign_in(a, "mediator.baijia")
    assert b.get("/api/v1/me", headers=signed_out.headers).status_code == 200
    assert b.post("/api/v1/auth/logout", headers=signed_out.headers).status_code == 204
    refused = a.get("/api/v1/me", headers=signed_out.headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "TOKEN_REVOKED"

    lost_phone = sign_in(b, "officer.baijia")
    other_phone = sign_in(b, "officer.baijia")
    assert lost_phone.pull(b) >= 1
    admin = sign_in(a, "admin")
    revoked = a.post(f"/api/v1/admin/devices/{lost_phone.device_id}/revoke", headers=admin.headers)
    assert revoked.status_code == 204, revoked.text
    for via in (b, a):
        refused = via.get("/api/v1/sync/pull", headers=lost_phone.headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "TOKEN_REVOKED"
    assert b.get("/api/v1/me", headers=other_phone.headers).status_code == 200
