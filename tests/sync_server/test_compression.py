"""Compression and the limits on what a device may send.

Phones sync over weak links, so pull pages go out gzip-compressed when asked
and pushes may come in gzip-compressed. Every way a body can be too big or
broken (corrupt gzip, a gzip bomb, an oversize plain body, too many
mutations, a protocol the server does not speak) answers with the error
envelope and a code the app can act on, never a 500.
"""

import gzip
import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.config import ServerSettings
from tests.factories import District, case_fields, mutation

PUSH = "/api/v1/sync/push"


def envelope(response: Any, status: int, code: ErrorCode) -> ErrorEnvelope:
    """The response is ``status`` with the error envelope carrying ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = ErrorEnvelope.model_validate(response.json())
    assert body.error.code is code
    assert body.error.message
    return body


def push_body(
    device: Any, mutations: list[dict[str, Any]], protocol: int = PROTOCOL_VERSION
) -> bytes:
    return json.dumps(
        {
            "device_id": device.device_id,
            "protocol": protocol,
            "app_version": "test",
            "mutations": mutations,
        }
    ).encode()


def post_gzip(client: TestClient, device: Any, body: bytes) -> Any:
    return client.post(
        PUSH,
        content=body,
        headers={
            **device.headers,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )


def test_a_big_pull_page_is_gzipped_when_the_client_accepts_it(
    client: TestClient, device_for: Any, district: District
) -> None:
    author = device_for("mediator.baijia")
    results = author.push(
        [
            mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))
            for _ in range(40)
        ]
    )
    assert {result["status"] for result in results} == {"applied"}
    reader = device_for("supervisor.baijia")

    zipped = client.get("/api/v1/sync/pull", headers={**reader.headers, "Accept-Encoding": "gzip"})
    assert zipped.status_code == 200, zipped.text
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.num_bytes_downloaded < len(zipped.content)
    cases = [change for change in zipped.json()["changes"] if change["table"] == "cases"]
    assert len(cases) == 40

    plain = client.get(
        "/api/v1/sync/pull", headers={**reader.headers, "Accept-Encoding": "identity"}
    )
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert plain.json()["changes"] == zipped.json()["changes"]


def test_a_gzipped_push_is_accepted_and_applied(
    client: TestClient, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    body = push_body(
        device, [mutation("cases", case_id, case_fields(district.baijia_committee.id))]
    )
    response = post_gzip(client, device, gzip.compress(body))
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["status"] == "applied"
    device.pull()
    assert device.records[("cases", str(case_id))]["version"] == result["version"]


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(b"this is not gzip at all", id="not-gzip"),
        pytest.param(gzip.compress(b'{"device_id": "x"}' * 50)[:-30], id="truncated"),
    ],
)
def test_a_corrupt_gzip_body_is_a_400(client: TestClient, device_for: Any, corrupt: bytes) -> None:
    device = device_for("mediator.baijia")
    envelope(post_gzip(client, device, corrupt), 400, ErrorCode.MALFORMED_REQUEST)


def test_a_gzip_bomb_is_refused_without_inflating_it(
    client: TestClient, device_for: Any, settings: ServerSettings
) -> None:
    device = device_for("mediator.baijia")
    inflated = b'{"device_id": "' + b"x" * (settings.max_push_bytes + 10) + b'"}'
    bomb = gzip.compress(inflated)
    assert len(bomb) < settings.max_push_bytes // 100
    body = envelope(post_gzip(client, device, bomb), 413, ErrorCode.PAYLOAD_TOO_LARGE)
    assert body.error.details == {"max_bytes": settings.max_push_bytes}


def test_an_oversize_plain_body_is_a_413(
    client: TestClient, device_for: Any, settings: ServerSettings
) -> None:
    device = device_for("mediator.baijia")
    oversize = b"[" + b" " * settings.max_push_bytes + b"]"
    response = client.post(
        PUSH, content=oversize, headers={**device.headers, "Content-Type": "application/json"}
    )
    body = envelope(response, 413, ErrorCode.PAYLOAD_TOO_LARGE)
    assert body.error.details == {"max_bytes": settings.max_push_bytes}


def test_an_unknown_content_encoding_is_a_415(client: TestClient, device_for: Any) -> None:
    device = device_for("mediator.baijia")
    response = client.post(
        PUSH,
        content=b"{}",
        headers={**device.headers, "Content-Type": "application/json", "Content-Encoding": "br"},
    )
    envelope(response, 415, ErrorCode.UNSUPPORTED_MEDIA)


def test_a_batch_over_the_mutation_limit_states_the_limit(
    client: TestClient, device_for: Any, district: District, settings: ServerSettings
) -> None:
    device = device_for("mediator.baijia")
    unit = district.baijia_committee.id
    batch = [
        mutation("cases", uuid.uuid4(), case_fields(unit))
        for _ in range(settings.max_push_mutations + 1)
    ]
    assert len(push_body(device, batch)) < settings.max_push_bytes
    body = envelope(device.push_raw(batch), 413, ErrorCode.BATCH_TOO_LARGE)
    assert body.error.details is not None
    assert body.error.details["max_mutations"] == settings.max_push_mutations
    device.pull()
    assert device.ids("cases") == set()


def test_a_protocol_the_server_does_not_speak_is_a_426(
    client: TestClient, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    body = push_body(
        device,
        [mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))],
        protocol=99,
    )
    response = client.post(
        PUSH, content=body, headers={**device.headers, "Content-Type": "application/json"}
    )
    body_ = envelope(response, 426, ErrorCode.PROTOCOL_UNSUPPORTED)
    assert body_.error.details == {"supported": [PROTOCOL_VERSION]}
