"""A running sync server (in-process) on a fresh district database."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from tests.district_db import db_url as db_url
from tests.district_db import engine as engine
from tests.district_db import pg_admin, sqlalchemy_url
from tests.district_db import pg_template as pg_template
from tests.district_db import sqlite_template as sqlite_template
from tests.factories import DEVICE, PASSWORD, District, load_district


class Device:
    """One signed-in device talking to the server, the way the app does."""

    def __init__(self, client: TestClient, username: str, device_id: str = DEVICE) -> None:
        self.client = client
        self.device_id = device_id
        response = client.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": PASSWORD,
                "device_id": device_id,
                "device_name": "test phone",
            },
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]
        self.user = response.json()["user"]
        self.cursor: str | None = None
        self.records: dict[tuple[str, str], dict[str, Any]] = {}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push_raw(self, mutations: list[dict[str, Any]]) -> Any:
        return self.client.post(
            "/api/v1/sync/push",
            json={
                "device_id": self.device_id,
                "protocol": PROTOCOL_VERSION,
                "app_version": "test",
                "mutations": mutations,
            },
            headers=self.headers,
        )

    def push(self, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.push_raw(mutations)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def pull(self, limit: int = 500) -> None:
        """Pull until nothing more is pending, applying changes like the app does."""
        while True:
            params: dict[str, Any] = {"limit": limit}
            if self.cursor:
                params["cursor"] = self.cursor
            response = self.client.get("/api/v1/sync/pull", params=params, headers=self.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            for change in page["changes"]:
                key = (change["table"], change["record"]["id"])
                if change["op"] == "upsert":
                    self.records[key] = change["record"]
                else:
                    self.records.pop(key, None)
            self.cursor = page["cursor"]
            if not page["more"]:
                return

    def ids(self, table: str) -> set[str]:
        return {record_id for (name, record_id) in self.records if name == table}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> ServerSettings:
    return ServerSettings(db=db_url, blobs=tmp_path / "blobs")


@pytest.fixture
def district(engine: Engine) -> District:
    return load_district(engine)


@pytest.fixture
def client(settings: ServerSettings, engine: Engine, district: District) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine)) as test_client:
        yield test_client


@pytest.fixture
def device_for(client: TestClient) -> Any:
    """``device_for("mediator.baijia")`` signs a new device in as that user."""
    counter = iter(range(1, 1000))

    def make(username: str, device_id: str | None = None) -> Device:
        return Device(client, username, device_id or f"device-{next(counter):04d}")

    return make


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any schema: the shared fixtures hand out migrated ones."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_template")  # skips, or fails in CI, without PostgreSQL
    name = f"lastmile_test_{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield sqlalchemy_url(name)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
