"""The server's logs hold no password, token or personal data.

A day's operations — sign-ins that fail and succeed, pushes of people's
names, ID numbers and phones (applied and rejected), pulls, a photo upload,
a ledger import — run with canary values, every log line of every logger is
captured at the most verbose level the server's logging allows
(``core/logs.logging_config`` at DEBUG, through the JSON formatter), and
each line is searched for every canary. The lines must also be what they
claim to be: JSON, with the request id, and the user id after a sign-in.
"""

import io
import json
import logging
import logging.config
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared_models.protocol.administration import SheetKind
from sync_server.core.config import ServerSettings
from sync_server.core.logs import logging_config
from tests.factories import PASSWORD, District, case_fields, id_number, mutation, party_fields
from tests.sheet_files import xlsx
from tests.sync_server.conftest import Device
from tests.sync_server.test_blobs import upload as upload_blob
from tests.sync_server.test_imports import admin as admin
from tests.sync_server.test_imports import upload as upload_sheet

CANARY_PASSWORD = "canary-Pa55word-8d1f"
CANARY_USERNAME = "canary.username.5e2a"
CANARY_NAME = "金丝雀甲乙"
CANARY_PHONE = "13987654321"
CANARY_ID = id_number(date(1981, 2, 3), serial="997")
CANARY_ADDRESS = "金丝雀路99号"
CANARY_NOTE = "canary-description-e41b"
CANARY_SUBJECT = "金丝雀丙丁"
CANARY_SUBJECT_ID = id_number(date(1979, 8, 9), serial="996")
CANARY_PHOTO = b"canary-photo-bytes-0c7d" * 100


@pytest.fixture
def server_log(settings: ServerSettings) -> Iterator[io.StringIO]:
    """Every line the server's logging would write, at DEBUG, while the test runs."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    verbose = settings.model_copy(update={"log_format": "json", "log_level": "DEBUG"})
    config = logging_config(verbose)
    touched = {name: logging.getLogger(name) for name in config["loggers"]}
    saved = {name: (lg.level, lg.handlers[:], lg.propagate) for name, lg in touched.items()}
    buffer = io.StringIO()
    logging.config.dictConfig(config)
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, (level, handlers, propagate) in saved.items():
            touched[name].setLevel(level)
            touched[name].handlers[:] = handlers
            touched[name].propagate = propagate


def _sign_in(client: TestClient, username: str, password: str) -> Any:
    return client.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": f"canary-{uuid.uuid4().hex[:8]}",
            "device_name": CANARY_NAME,
        },
    )


def test_a_days_operations_log_no_secret_and_no_personal_data(
    client: TestClient, district: District, admin: Device, server_log: io.StringIO
) -> None:
    tokens = [admin.token]
    assert _sign_in(client, "mediator.baijia", CANARY_PASSWORD).status_code == 401
    assert _sign_in(client, CANARY_USERNAME, CANARY_PASSWORD).status_code == 401
    mediator = Device(client, "mediator.baijia", "canary-phone")
    tokens.append(mediator.token)
    case_id, party_id, bad_party = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    case = case_fields(district.baijia_committee.id, description=CANARY_NOTE)
    party = party_fields(
        case_id, name=CANARY_NAME, phone=CANARY_PHONE, id_number=CANARY_ID, address=CANARY_ADDRESS
    )
    hostile = party_fields(case_id, name=CANARY_NAME, id_number=CANARY_ID[:-1] + "Q")
    results = mediator.push(
        [
            mutation("cases", case_id, case),
            mutation("parties", party_id, party),
            mutation("parties", bad_party, hostile),  # a bad ID number: rejected, alone
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"], results
    # The same party pushed again on an old version: merged or conflicted, never lost.
    stale = mutation("parties", party_id, {**party, "phone": "13900000000"}, base_version=0)
    mediator.push([stale])
    mediator.pull()
    upload_blob(client, mediator, CANARY_PHOTO)
    subjects = [
        [CANARY_SUBJECT, CANARY_SUBJECT_ID, "女", "", CANARY_ADDRESS, CANARY_PHONE, "假释",
         "20260101", "2026.12.31", "", "14", "BJ", "", "在矫"],
        [CANARY_SUBJECT, "not-an-id-" + CANARY_SUBJECT_ID, "", "", "", "", "缓刑", "", "",
         "", "", "BJ", "", ""],
    ]  # fmt: skip
    upload_sheet(client, admin, SheetKind.SUBJECTS, xlsx(subjects, kind=SheetKind.SUBJECTS))
    Device(client, "officer.baijia", "canary-officer").pull()
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged-canary-token"})

    canaries = [
        CANARY_PASSWORD,
        PASSWORD,
        CANARY_USERNAME,
        CANARY_NAME,
        CANARY_PHONE,
        CANARY_ID,
        CANARY_ADDRESS,
        CANARY_NOTE,
        CANARY_SUBJECT,
        CANARY_SUBJECT_ID,
        "canary-photo-bytes",
        "forged-canary-token",
        *tokens,
    ]
    log_lines = server_log.getvalue().splitlines()
    assert log_lines, "the operations logged nothing: the capture is broken"
    for line in log_lines:
        found = [canary for canary in canaries if canary in line]
        assert not found, f"{found} in a log line: {line}"
    parsed = [json.loads(line) for line in log_lines]
    access = [entry for entry in parsed if entry["logger"] == "sync_server.access"]
    assert all(entry.get("request_id") for entry in access)
    pushes = [entry for entry in access if entry["route"] == "/api/v1/sync/push"]
    assert pushes
    assert all(entry.get("user_id") == str(district.user("mediator.baijia").id) for entry in pushes)
    sign_ins = [entry for entry in access if entry["route"] == "/api/v1/auth/login"]
    assert {entry.get("user_id") for entry in sign_ins if entry["status"] == 401} == {None}
    assert str(district.user("mediator.baijia").id) in {entry.get("user_id") for entry in sign_ins}
    assert {entry["route"] for entry in access} >= {
        "/api/v1/auth/login",
        "/api/v1/sync/pull",
        "/api/v1/blobs/{sha256}",
        "/api/v1/admin/sheets/{kind}/import",
    }
