"""One district on SQLite and on PostgreSQL side by side, so that an attack
sends every request to both and compares the answers: the same bad value
must get the same answer on either database (a difference is a violation).

Both databases hold the same district, with the same ids, so answers (which
name ids in their messages) can be compared as they are.
"""

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared_models.protocol.tables import TableName
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, write_session
from sync_server.main import create_app
from sync_server.services.sync.seeding import load_records
from tests.district_db import fresh_database_url
from tests.factories import PASSWORD, District, _password_hashes, build_district

BACKENDS = ("sqlite", "postgres")


@dataclass
class Answer:
    """What one backend answered, reduced to what must not differ."""

    status: int
    body: Any
    """The JSON body, or the first bytes of any other body."""

    @property
    def envelope_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            code = self.body["error"].get("code")
            return code if isinstance(code, str) else None
        return None


def _answer(response: httpx.Response) -> Answer:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.content[:200]
    return Answer(response.status_code, body)


@dataclass
class Server:
    backend: str
    client: TestClient
    token: str


class Twin:
    """The same district served from SQLite and from PostgreSQL, signed in
    as one user on one device on both."""

    def __init__(self, district: District, servers: list[Server], device_id: str) -> None:
        self.district = district
        self.servers = servers
        self.device_id = device_id

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        signed_in: bool = True,
        **kwargs: Any,
    ) -> dict[str, Answer]:
        """The same request to both servers; their answers by backend."""
        answers: dict[str, Answer] = {}
        for server in self.servers:
            sent = dict(headers or {})
            if signed_in:
                sent["Authorization"] = f"Bearer {server.token}"
            response = server.client.request(method, url, headers=sent, **kwargs)
            answers[server.backend] = _answer(response)
        return answers

    def push(self, mutations: list[dict[str, Any]]) -> dict[str, Answer]:
        """Sent as ASCII JSON (``\\u`` escapes), so a lone surrogate can travel."""
        body = {
            "device_id": self.device_id,
            "protocol": PROTOCOL_VERSION,
            "app_version": "attack",
            "mutations": mutations,
        }
        return self.request(
            "POST",
            "/api/v1/sync/push",
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )


def _load(engine: Any, district: District) -> None:
    units = [
        district.district,
        district.baijia,
        district.xiyuan,
        district.baijia_committee,
        district.xiyuan_committee,
    ]
    users = list(district.users.values())
    with write_session(engine) as session:
        load_records(session, TableName.ORG_UNITS, units)
        load_records(session, TableName.USERS, users, password_hashes=_password_hashes(users))


@contextmanager
def twin_servers(request: pytest.FixtureRequest, tmp_path: Path, username: str) -> Iterator[Twin]:
    """Both servers with one district, ``username`` signed in on both."""
    district = build_district()
    device_id = "attack-device-0001"
    with ExitStack() as stack:
        servers: list[Server] = []
        for backend in BACKENDS:
            folder = tmp_path / backend
            folder.mkdir()
            url = stack.enter_context(contextmanager(fresh_database_url)(request, backend, folder))
            engine = make_engine(url)
            stack.callback(engine.dispose)
            _load(engine, district)
            settings = ServerSettings(db=url, blobs=folder / "blobs")
            client = stack.enter_context(
                TestClient(create_app(settings, engine), raise_server_exceptions=False)
            )
            login = client.post(
                "/api/v1/auth/login",
                json={
                    "username": username,
                    "password": PASSWORD,
                    "device_id": device_id,
                    "device_name": "attack",
                },
            )
            assert login.status_code == 200, login.text
            servers.append(Server(backend, client, login.json()["token"]))
        yield Twin(district, servers, device_id)
