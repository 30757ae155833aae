"""A real server on a real connection: a failure nobody foresaw is answered
with the error envelope, keeps the connection open and leaves no personal
data in the log; lying bodies get a 4xx, never a 5xx or a hung server.

Runs on SQLite and PostgreSQL (``db_url``), behind uvicorn on loopback.
"""

import http.client
import logging
import socket
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text

from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session
from sync_server.main import create_app
from tests.attack.tally import Attack
from tests.factories import PASSWORD, case_fields, load_district, mutation, party_fields
from tests.sync_server.test_out_of_order_commits import serving

NAME = "王秀英"
PHONE = "13812345678"
TIMEOUT_S = 15


def _app(engine: Engine, db_url: str, tmp_path: Path) -> FastAPI:
    app = create_app(ServerSettings(db=db_url, blobs=tmp_path / "blobs"), engine)

    @app.get("/attack/unforeseen")
    def unforeseen() -> None:
        """A statement that fails in the database, carrying a party's name
        and phone as parameters: the kind of failure the log must not quote."""
        with read_session(engine) as session:
            session.execute(
                text("SELECT * FROM no_such_table WHERE name = :name AND phone = :phone"),
                {"name": NAME, "phone": PHONE},
            )

    return app


def _exchange(connection: socket.socket, request: bytes) -> http.client.HTTPResponse:
    connection.sendall(request)
    response = http.client.HTTPResponse(connection)
    try:
        response.begin()
        response.read()
    finally:
        response.close()
    return response


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode()


def _connect(base: str) -> socket.socket:
    port = int(base.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)


def test_an_unforeseen_failure_keeps_the_connection_and_the_log_clean(
    attack: Attack,
    engine: Engine,
    db_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    district = load_district(engine)
    caplog.set_level(logging.INFO)
    with serving(_app(engine, db_url, tmp_path)) as base:
        with _connect(base) as connection:
            failed = _exchange(connection, _get("/attack/unforeseen"))
            attack.check(failed.status == 500, f"the unforeseen failure answered {failed.status}")
            try:
                after = _exchange(connection, _get("/healthz"))
                attack.check(after.status == 200, f"the next request answered {after.status}")
            except (ConnectionError, http.client.HTTPException) as closed:
                attack.check(False, f"the connection was closed after a 500: {closed!r}")
        # A party's name and phone in a push the database refuses to store
        # in one field; the other mutation still applies.
        with httpx.Client(base_url=base, timeout=TIMEOUT_S) as client:
            login = client.post(
                "/api/v1/auth/login",
                json={
                    "username": "mediator.baijia",
                    "password": PASSWORD,
                    "device_id": "attack-device-0003",
                },
            )
            token = login.json()["token"]
            case_id = uuid.uuid4()
            push = client.post(
                "/api/v1/sync/push",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "device_id": "attack-device-0003",
                    "protocol": PROTOCOL_VERSION,
                    "mutations": [
                        mutation("cases", case_id, case_fields(district.baijia.id)),
                        mutation(
                            "parties",
                            uuid.uuid4(),
                            party_fields(case_id, name=NAME + "\x00", phone=PHONE),
                        ),
                    ],
                },
            )
            statuses = [r["status"] for r in push.json().get("results", [])]
            attack.check(
                push.status_code == 200 and statuses == ["applied", "rejected"],
                f"a push with one NUL answered {push.status_code} {statuses}",
            )
    logged = caplog.text
    for secret in (NAME, PHONE):
        attack.check(secret not in logged, f"the log holds {secret!r}")


def _raw(base: str, head: str, body: bytes, close_write: bool = False) -> Any:
    """Send ``head`` and ``body`` as they are; the status answered, or the
    exception that ended the exchange."""
    with _connect(base) as connection:
        connection.sendall(head.encode() + body)
        if close_write:
            connection.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(connection)
        try:
            response.begin()
            return response.status
        except (ConnectionError, http.client.HTTPException, TimeoutError) as ended:
            return ended
        finally:
            response.close()


def _post_head(length: int, extra: str = "") -> str:
    return (
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: test\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n{extra}\r\n"
    )


def test_lying_bodies_get_a_4xx_and_the_server_keeps_serving(
    attack: Attack, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    load_district(engine)
    body = b'{"device_id": "x", "protocol": 1, "mutations": []}'
    with serving(_app(engine, db_url, tmp_path)) as base:
        tries = {
            # Says four gigabytes, sends a few bytes: refused at once, not waited for.
            "length far over the limit": _raw(base, _post_head(4 * 2**30), body),
            "gzip length far over the limit": _raw(
                base, _post_head(4 * 2**30, "Content-Encoding: gzip\r\n"), body
            ),
            # Says more than it sends, then stops sending.
            "length longer than the body": _raw(base, _post_head(len(body) + 100), body, True),
            # Says less than it sends: the rest is read as the next request.
            "length shorter than the body": _raw(base, _post_head(5), body),
            "length not a number": _raw(base, _post_head(0).replace("0\r\n", "ten\r\n"), body),
            "negative length": _raw(base, _post_head(-1), body),
        }
        for what, outcome in tries.items():
            ok = isinstance(outcome, int) and 400 <= outcome < 500
            # A body that never arrives may also end the exchange without an answer.
            ok = ok or (what == "length longer than the body" and not isinstance(outcome, int))
            attack.check(ok, f"{what}: {outcome!r}")
        with httpx.Client(base_url=base, timeout=TIMEOUT_S) as client:
            attack.check(client.get("/readyz").status_code == 200, "the server stopped serving")
