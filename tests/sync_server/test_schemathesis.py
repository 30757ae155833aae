"""The published contract holds against generated input, valid and hostile.

Schemathesis reads the app's own ``/openapi.json`` and sends every operation
generated requests, both schema-valid and deliberately invalid ones, with a
real supervisor token so the routes behind sign-in are reached. Each answer
must not be a 500, must use a status the document lists, must match the
documented body, and every non-2xx body must be the error envelope, because
the app decides what to tell the user from ``error.code`` alone.

Runs on SQLite and on PostgreSQL (where a NUL in a text or a number past
32 bits used to fail in the database). Sized for CI: a few dozen examples
per operation on SQLite, fewer on PostgreSQL, whose fresh database per
operation costs more.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from shared_models.protocol.errors import ErrorEnvelope
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, write_session
from sync_server.core.security import new_token, token_digest
from sync_server.main import create_app
from sync_server.tables import DeviceToken
from tests.district_db import fresh_database_url
from tests.factories import PASSWORD, District, load_district

USERNAME = "supervisor.fuxing"
DEVICE_ID = "schemathesis-device"
MAX_EXAMPLES = {"sqlite": 20, "postgres": 10}
FEWER_EXAMPLES = {"POST /api/v1/auth/login": 6}
"""A sign-in as an unknown user hashes a dummy password on purpose (same time
as a real one), about a second each: a few examples say what matters there."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def district_app(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> Iterator[tuple[FastAPI, District]]:
    """The server on a fresh district database. Generated sign-ins
    fail by the dozen from one client address; the client throttle is raised
    so it does not lock the test's own requests out."""
    database = contextmanager(fresh_database_url)(request, backend, tmp_path)
    with database as url:
        engine = make_engine(url)
        try:
            district = load_district(engine)
            settings = ServerSettings(
                db=url, blobs=tmp_path / "blobs", login_free_failures_per_address=100_000
            )
            yield create_app(settings, engine), district
        finally:
            engine.dispose()


@pytest.fixture
def token(district_app: tuple[FastAPI, District]) -> str:
    app, _ = district_app
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/auth/login",
            json={
                "username": USERNAME,
                "password": PASSWORD,
                "device_id": DEVICE_ID,
                "device_name": "schemathesis",
            },
        )
    assert response.status_code == 200, response.text
    value: str = response.json()["token"]
    return value


def throwaway_token(app: FastAPI, district: District) -> str:
    """A token of its own for a request that revokes the one it carries
    (sign-out), so the shared token stays valid for the other operations."""
    token = new_token()
    now = datetime.now(UTC)
    with write_session(app.state.engine) as session:
        session.add(
            DeviceToken(
                token_hash=token_digest(token),
                user_id=district.user(USERNAME).id,
                device_id=f"throwaway-{uuid.uuid4().hex[:12]}",
                device_name="schemathesis",
                created_at=now,
                last_seen_at=now,
            )
        )
    return token


def load_schema() -> Any:
    """The document as the app publishes it. It is read at import, before any
    database exists, from an app that never opens its engine; the requests
    then go to an app on the test's own database."""
    document = create_app(ServerSettings(db="sqlite://")).openapi()
    return schemathesis.openapi.from_dict(document)


def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every non-2xx answer is ``{"error": {"code", "message", "details"}}``."""
    if 200 <= response.status_code < 300 or case.method.upper() == "HEAD":
        return None  # a HEAD answer has no body by definition
    try:
        ErrorEnvelope.model_validate_json(response.content)
    except ValidationError as problem:
        raise AssertionError(
            f"{response.status_code} is not the error envelope: {response.content[:300]!r}"
        ) from problem
    return True


# Blob chunks are plain bytes under tus's media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, error_envelope]
SCHEMA = load_schema()
LOADED = list(SCHEMA.get_all_operations())
OPERATIONS = [result.ok() for result in LOADED if isinstance(result, Ok)]


def test_every_operation_of_the_document_can_be_generated() -> None:
    problems = [str(result.err()) for result in LOADED if not isinstance(result, Ok)]
    assert not problems
    assert len(OPERATIONS) >= 5


def _runs() -> list[Any]:
    """Every operation with valid data; with invalid data too where it takes
    any input to spoil."""
    runs: list[Any] = []
    for operation in OPERATIONS:
        modes = [schemathesis.GenerationMode.POSITIVE]
        if any(True for _ in operation.iter_parameters()) or any(True for _ in operation.body):
            modes.append(schemathesis.GenerationMode.NEGATIVE)
        runs.extend(
            pytest.param(operation, mode, id=f"{operation.label}-{mode.value}") for mode in modes
        )
    return runs


# Each operation is driven through schemathesis's Hypothesis strategy under
# plain pytest parametrisation rather than ``schema.parametrize()``: that
# plugin gives every operation the same test id on pytest 9, and its lazy
# fixture loader does not run there at all.
@pytest.mark.parametrize(("operation", "mode"), _runs())
def test_generated_requests_get_documented_answers(
    operation: Any,
    mode: Any,
    token: str,
    district_app: tuple[FastAPI, District],
    backend: str,
) -> None:
    """One database per operation and mode, shared by its examples: what one
    example leaves behind (a record, a failed sign-in) is what the next meets."""
    app, district = district_app

    @settings(
        max_examples=min(FEWER_EXAMPLES.get(operation.label, 100), MAX_EXAMPLES[backend]),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers_as_documented(case: Any) -> None:
        bearer = throwaway_token(app, district) if case.path.endswith("/auth/logout") else token
        case.call_and_validate(
            headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS, app=app
        )

    answers_as_documented()
