"""The real sync server in-process and phones that reach it through the real
client and engine: what the field app's sync tests and the reliability
tests are built from.

A phone's local database starts as a copy of one migrated template (running
the local migrations for every one of hundreds of phones would dominate the
run time); the server is ``create_app`` on a fresh district database.
"""

import hashlib
import os
import random
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi.testclient import TestClient
from pydantic import JsonValue
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from field_app.config import AppSettings
from field_app.security.aead import DataKeyCipher
from field_app.storage.db import DATABASE_FILE, make_local_engine, migrate
from field_app.storage.store import LocalStore
from field_app.storage.tables import LOCAL_TABLES
from field_app.sync.blobs import BlobSource, NoBlobs
from field_app.sync.client import SyncClient
from field_app.sync.engine import SyncEngine, SyncResult
from shared_models.protocol.tables import TableName
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine
from sync_server.main import create_app
from sync_server.repositories.scope import scope_for
from sync_server.services.sync.records import ROWS, row_to_wire
from sync_server.tables import UserRow
from tests.factories import PASSWORD, District, load_district

BASE_URL = "http://testserver"


def migrated_local_template(folder: Path) -> Path:
    """A migrated, checkpointed local database to copy for each phone."""
    path = folder / DATABASE_FILE
    engine = make_local_engine(path)
    migrate(engine)
    engine.dispose()
    return path


@dataclass
class Server:
    http: TestClient
    engine: Engine
    district: District
    settings: ServerSettings

    def rows(self, table: TableName) -> dict[UUID, dict[str, JsonValue]]:
        """Every row of ``table`` (tombstones included) as the wire shows it."""
        model: Any = ROWS[table]
        with Session(self.engine) as session:
            return {row.id: row_to_wire(table, row) for row in session.scalars(select(model))}

    def live(self, table: TableName) -> dict[UUID, dict[str, JsonValue]]:
        return {k: v for k, v in self.rows(table).items() if not v["deleted"]}

    def count(self, table: TableName, record_id: UUID) -> int:
        return self.counts(table, [record_id]).get(record_id, 0)

    def counts(self, table: TableName, ids: list[UUID]) -> dict[UUID, int]:
        """How many rows the server holds under each id (one query)."""
        model: Any = ROWS[table]
        query = select(model.id, func.count()).where(model.id.in_(ids)).group_by(model.id)
        with Session(self.engine) as session:
            return {record_id: int(n) for record_id, n in session.execute(query)}

    def visible(self, username: str, table: TableName) -> dict[UUID, dict[str, JsonValue]]:
        """The live rows of ``table`` in ``username``'s jurisdiction, as the
        server's own scoping decides it."""
        model: Any = ROWS[table]
        with Session(self.engine) as session:
            user = session.scalars(select(UserRow).where(UserRow.username == username)).one()
            scope = scope_for(session, user)
            query = select(model).where(scope.row_filter(table, model), model.deleted.is_(False))
            return {row.id: row_to_wire(table, row) for row in session.scalars(query)}

    def login(self, username: str, device_id: str) -> dict[str, Any]:
        response = self.http.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": PASSWORD,
                "device_id": device_id,
                "device_name": "test phone",
            },
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@contextmanager
def running_server(
    db_url: str, blob_dir: Path, district: District | None = None, **overrides: Any
) -> Iterator[Server]:
    """``create_app`` on the (fresh, migrated) database at ``db_url``; the
    test district is loaded unless the database already holds ``district``."""
    engine = make_engine(db_url)
    district = district or load_district(engine)
    settings = ServerSettings(db=db_url, blobs=blob_dir, **overrides)
    try:
        with TestClient(create_app(settings, engine), base_url=BASE_URL) as http:
            yield Server(http, engine, district, settings)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: dict[str, Any]
    device_id: str


@dataclass(frozen=True)
class DistrictFile:
    """A district database with phones already signed in, to copy per run:
    each copy is a fresh server on which those sign-ins are valid."""

    path: Path
    district: District
    logins: dict[str, SignedIn]

    def copy(self, folder: Path) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "district.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


def signed_in_district(migrated: Path, folder: Path, usernames: list[str]) -> DistrictFile:
    """The test district on a copy of the migrated SQLite template ``migrated``,
    with one phone signed in for each of ``usernames``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "district.db"
    shutil.copyfile(migrated, path)
    logins: dict[str, SignedIn] = {}
    with running_server(f"sqlite:///{path}", folder / "blobs") as server:
        for n, username in enumerate(usernames):
            device_id = f"phone-{n:04d}-{username}"
            answer = server.login(username, device_id)
            logins[username] = SignedIn(answer["token"], answer["user"], device_id)
        district = server.district
    return DistrictFile(path, district, logins)


class Link(httpx.BaseTransport):
    """A phone's network to the in-process server: it can be down, it logs
    what reached the server, and tests hook in before or after a request
    (to act "while" the engine waits for an answer, or to lose the answer)."""

    def __init__(self, server_http: TestClient) -> None:
        # The TestClient's own transport: it runs the app in the TestClient's portal.
        self.inner: httpx.BaseTransport = server_http._transport
        self.up = True
        self.delivered: list[httpx.Request] = []
        self.answered: list[tuple[httpx.Request, httpx.Response]] = []
        self.before: Callable[[httpx.Request], None] | None = None
        self.after: Callable[[httpx.Request, httpx.Response], None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.before is not None:
            self.before(request)
        if not self.up:
            raise httpx.ConnectError("the network is down", request=request)
        self.delivered.append(request)
        response = self.inner.handle_request(request)
        self.answered.append((request, response))
        if self.after is not None:
            self.after(request, response)
        return response

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.delivered if r.method == method and r.url.path == path]


class MemoryBlobs:
    """A ``BlobSource`` in memory, logging what the engine read."""

    def __init__(self) -> None:
        self.content: dict[str, tuple[bytes, str]] = {}
        self.uploaded: set[str] = set()
        self.refused: dict[str, str] = {}
        self.reads: list[tuple[str, int, int]] = []

    def add(self, data: bytes, mime: str = "image/jpeg") -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        self.content[sha256] = (data, mime)
        return sha256

    def pending(self) -> list[tuple[str, int, str]]:
        return [
            (sha, len(data), mime)
            for sha, (data, mime) in self.content.items()
            if sha not in self.uploaded and sha not in self.refused
        ]

    def read(self, sha256: str, offset: int, size: int) -> bytes:
        self.reads.append((sha256, offset, size))
        return self.content[sha256][0][offset : offset + size]

    def mark_uploaded(self, sha256: str) -> None:
        self.uploaded.add(sha256)

    def mark_refused(self, sha256: str, reason: str) -> None:
        self.refused[sha256] = reason


class Phone:
    """One device: its own encrypted local store, client and sync engine."""

    def __init__(
        self,
        http: httpx.Client,
        folder: Path,
        template: Path,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        settings: AppSettings | None = None,
        blobs: BlobSource | None = None,
        chunk_bytes: int | None = None,
        wake: threading.Event | None = None,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / DATABASE_FILE
        shutil.copyfile(template, self.path)
        self.db = make_local_engine(self.path)
        self.store = LocalStore(self.db, DataKeyCipher(os.urandom(32)), now=clock)
        self.token: str | None = None
        self.client = SyncClient(http, lambda: self.token)
        extra: dict[str, Any] = {"wake": wake}
        if chunk_bytes is not None:
            extra["chunk_bytes"] = chunk_bytes
        self.engine = SyncEngine(
            self.store,
            self.client,
            blobs or NoBlobs(),
            clock,
            rng or random.Random(0),
            settings=settings or AppSettings(data_dir=folder),
            app_version="test",
            **extra,
        )

    @property
    def device_id(self) -> str:
        return self.store.device.read().device_id

    def login(self, username: str) -> None:
        """Sign in through the client, the way the app's first start does."""
        answer = self.client.login(username, PASSWORD, self.device_id, "test phone")
        self.adopt(answer.token, answer.user.model_dump(mode="json"))

    def restore(self, login: SignedIn) -> None:
        """Become the phone of ``login`` (its identity and token)."""
        self.adopt(login.token, login.user, login.device_id)

    def adopt(self, token: str, user: dict[str, Any], device_id: str | None = None) -> None:
        """Take over a sign-in made elsewhere (a restored phone keeps its identity)."""
        self.token = token
        values: dict[str, Any] = {"user": user, "needs_login": False}
        if device_id is not None:
            values["device_id"] = device_id
        self.store.device.update(**values)

    def sync(self) -> SyncResult:
        return self.engine.sync_once()

    def save(self, table: TableName, fields: dict[str, Any], record_id: UUID | None = None) -> UUID:
        record_id = record_id or uuid.uuid4()
        self.store.records.save(table, record_id, fields)
        return record_id

    def live(self, table: TableName) -> dict[UUID, dict[str, JsonValue]]:
        """The records the user sees (unsynced edits included, deleted ones not)."""
        model: Any = LOCAL_TABLES[table]
        with self.store.transaction() as session:
            rows = self.store.records.rows(
                session, table, select(model).where(model.deleted.is_(False))
            )
        return {UUID(str(row["id"])): row for row in rows}

    def close(self) -> None:
        self.db.dispose()
