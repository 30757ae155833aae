"""Blobs: resumable content-addressed uploads and jurisdiction-scoped
downloads through the HTTP API (both databases); the stores themselves are
tested in ``test_blob_stores.py``."""

import hashlib
import os
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from shared_models.domain.attachments import MAX_BLOB_BYTES
from sync_server.api.routes.blobs import MAX_CHUNK_BYTES
from sync_server.blobs.files import FileBlobStore
from sync_server.core.audit import verify_audit
from sync_server.core.config import ServerSettings
from sync_server.tables import AuditEntry
from tests.factories import District, case_fields, mutation

CHUNK_TYPE = "application/offset+octet-stream"


def content(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def url(sha256: str) -> str:
    return f"/api/v1/blobs/{sha256}"


def send_chunk(
    client: TestClient, device: Any, sha256: str, offset: int, length: int, body: bytes
) -> Any:
    return client.patch(
        url(sha256),
        content=body,
        headers={
            **device.headers,
            "Upload-Offset": str(offset),
            "Upload-Length": str(length),
            "Content-Type": CHUNK_TYPE,
        },
    )


def upload(client: TestClient, device: Any, data: bytes) -> str:
    sha256 = sha(data)
    response = send_chunk(client, device, sha256, 0, len(data), data)
    assert response.status_code == 201, response.text
    return sha256


def held(client: TestClient, device: Any, sha256: str) -> tuple[int, int]:
    """(status, Upload-Offset) of a HEAD."""
    response = client.head(url(sha256), headers=device.headers)
    return response.status_code, int(response.headers["Upload-Offset"])


def missing(client: TestClient, device: Any, hashes: list[str]) -> list[str]:
    response = client.post("/api/v1/blobs/missing", json={"sha256": hashes}, headers=device.headers)
    assert response.status_code == 200, response.text
    found: list[str] = response.json()["missing"]
    return found


def attach(
    device: Any, district: District, sha256: str, size: int, mime: str = "image/jpeg"
) -> tuple[uuid.UUID, int]:
    """Push a Baijia case and an attachment naming ``sha256``: (attachment id, version)."""
    case_id, attachment_id = uuid.uuid4(), uuid.uuid4()
    fields = {
        "owner_table": "cases",
        "owner_id": str(case_id),
        "kind": "photo",
        "sha256": sha256,
        "size": size,
        "mime": mime,
    }
    results = device.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("attachments", attachment_id, fields),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return attachment_id, results[1]["version"]


def send_cut_off_chunk(
    client: TestClient, device: Any, sha256: str, offset: int, length: int, chunk: bytes, cut: int
) -> int:
    """A PATCH whose connection drops after ``cut`` bytes of ``chunk``, driven
    at the ASGI level (a test client always delivers whole bodies)."""
    headers = {
        **device.headers,
        "Upload-Offset": str(offset),
        "Upload-Length": str(length),
        "Content-Type": CHUNK_TYPE,
        "Content-Length": str(len(chunk)),
    }
    path = url(sha256)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    incoming = [
        {"type": "http.request", "body": chunk[:cut], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await client.app(scope, receive, send)  # type: ignore[arg-type]

    # On its own thread: a worker that also drives a browser has an event
    # loop running on this one, and anyio.run refuses to nest in it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, run).result()
    status: int = sent[0]["status"]
    return status


# --- the HTTP API, on both databases -------------------------------------


def test_missing_lists_each_blob_not_stored_once(client: TestClient, device_for: Any) -> None:
    device = device_for("mediator.baijia")
    stored = upload(client, device, content(1000))
    absent = sha(b"never uploaded")
    assert missing(client, device, [stored, absent, absent]) == [absent]
    assert missing(client, device, []) == []

    refused = client.post("/api/v1/blobs/missing", json={"sha256": ["ABC"]}, headers=device.headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "VALIDATION_FAILED"


def test_upload_resumes_where_a_dropped_chunk_stopped(
    client: TestClient, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    data = content(300_000)
    sha256, n = sha(data), len(data)
    first, second, third = data[:100_000], data[100_000:200_000], data[200_000:]

    response = send_chunk(client, device, sha256, 0, n, first)
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "100000"

    assert send_cut_off_chunk(client, device, sha256, 100_000, n, second, cut=40_000) == 400
    # What arrived before the drop is kept: the upload continues, not restarts.
    assert held(client, device, sha256) == (404, 140_000)
    assert missing(client, device, [sha256]) == [sha256]

    response = send_chunk(client, device, sha256, 140_000, n, second[40_000:])
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "200000"
    response = send_chunk(client, device, sha256, 200_000, n, third)
    assert response.status_code == 201
    assert response.headers["Upload-Offset"] == str(n)

    assert held(client, device, sha256) == (200, n)
    assert missing(client, device, [sha256]) == []
    attach(device, district, sha256, n)
    download = client.get(url(sha256), headers=device.headers)
    assert download.status_code == 200
    assert download.content == data


def test_wrong_offset_is_409_with_the_right_one(client: TestClient, device_for: Any) -> None:
    device = device_for("officer.baijia")
    data = content(5000)
    sha256 = sha(data)
    assert send_chunk(client, device, sha256, 0, 5000, data[:2000]).status_code == 204

    for wrong in (0, 1000, 3000):
        response = send_chunk(client, device, sha256, wrong, 5000, data[wrong : wrong + 500])
        assert response.status_code == 409
        assert response.headers["Upload-Offset"] == "2000"
        error = response.json()["error"]
        assert error["code"] == "UPLOAD_OFFSET_MISMATCH"
        assert error["details"]["offset"] == 2000
    assert held(client, device, sha256) == (404, 2000)
    assert send_chunk(client, device, sha256, 2000, 5000, data[2000:]).status_code == 201


def test_content_not_matching_its_hash_is_422_and_discarded(
    client: TestClient, device_for: Any
) -> None:
    device = device_for("mediator.baijia")
    data = content(4000)
    sha256 = sha(data)
    corrupted = data[:3000] + bytes(1000)
    assert send_chunk(client, device, sha256, 0, 4000, corrupted[:2000]).status_code == 204

    response = send_chunk(client, device, sha256, 2000, 4000, corrupted[2000:])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "HASH_MISMATCH"
    assert held(client, device, sha256) == (404, 0)
    assert missing(client, device, [sha256]) == [sha256]
    assert upload(client, device, data) == sha256


def test_oversized_blobs_and_chunks_are_413(client: TestClient, device_for: Any) -> None:
    device = device_for("mediator.baijia")
    sha256 = sha(b"big")

    too_long = send_chunk(client, device, sha256, 0, MAX_BLOB_BYTES + 1, b"x")
    assert too_long.status_code == 413
    assert too_long.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

    big_chunk = send_chunk(client, device, sha256, 0, MAX_BLOB_BYTES, bytes(MAX_CHUNK_BYTES + 1))
    assert big_chunk.status_code == 413
    assert big_chunk.json()["error"]["details"]["max_chunk_bytes"] == MAX_CHUNK_BYTES

    past_the_end = send_chunk(client, device, sha256, 0, 10, bytes(11))
    assert past_the_end.status_code == 413
    assert past_the_end.json()["error"]["details"]["max_bytes"] == 10
    assert held(client, device, sha256) == (404, 0)


def test_malformed_requests_get_the_envelope(client: TestClient, device_for: Any) -> None:
    device = device_for("mediator.baijia")
    sha256 = sha(b"x")
    for bad in ("abc", sha256.upper(), sha256 + "0"):
        for response in (
            client.get(url(bad), headers=device.headers),
            send_chunk(client, device, bad, 0, 1, b"x"),
        ):
            assert response.status_code == 422
            assert response.json()["error"]["code"] == "VALIDATION_FAILED"

    no_offset = client.patch(
        url(sha256),
        content=b"x",
        headers={**device.headers, "Upload-Length": "1", "Content-Type": CHUNK_TYPE},
    )
    assert no_offset.status_code == 422
    assert no_offset.json()["error"]["details"]["problems"][0]["field"] == "Upload-Offset"

    as_json = client.patch(
        url(sha256),
        json={"data": "x"},
        headers={**device.headers, "Upload-Offset": "0", "Upload-Length": "1"},
    )
    assert as_json.status_code == 415
    assert as_json.json()["error"]["code"] == "UNSUPPORTED_MEDIA"

    beyond = send_chunk(client, device, sha256, 2, 1, b"")
    assert beyond.status_code == 422

    unsigned = client.head(url(sha256))
    assert unsigned.status_code == 401
    assert client.get(url(sha256)).json()["error"]["code"] == "TOKEN_MISSING"


def test_download_only_through_an_attachment_in_jurisdiction(
    client: TestClient, device_for: Any, district: District
) -> None:
    baijia = device_for("mediator.baijia")
    data = content(20_000)
    sha256 = upload(client, baijia, data)
    attach(baijia, district, sha256, len(data))

    mine = client.get(url(sha256), headers={**baijia.headers, "Accept-Encoding": "gzip"})
    assert mine.status_code == 200
    assert mine.content == data
    assert mine.headers["content-type"] == "image/jpeg"
    assert mine.headers["content-length"] == str(len(data))
    assert "content-encoding" not in mine.headers
    assert mine.headers["cache-control"] == "no-store"

    district_wide = device_for("supervisor.fuxing")
    assert client.get(url(sha256), headers=district_wide.headers).content == data

    xiyuan = device_for("mediator.xiyuan")
    theirs = client.get(url(sha256), headers=xiyuan.headers)
    unknown = client.get(url(sha(b"no such blob")), headers=xiyuan.headers)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert theirs.json()["error"]["code"] == "NOT_FOUND"


def test_blob_without_a_live_attachment_is_not_served(
    client: TestClient, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    data = content(3000)
    sha256 = upload(client, device, data)
    assert client.get(url(sha256), headers=device.headers).status_code == 404

    attachment_id, version = attach(device, district, sha256, len(data))
    assert client.get(url(sha256), headers=device.headers).status_code == 200
    [deleted] = device.push(
        [mutation("attachments", attachment_id, op="delete", base_version=version)]
    )
    assert deleted["status"] == "applied"
    gone = client.get(url(sha256), headers=device.headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "NOT_FOUND"


def test_crash_before_the_rename_leaves_no_visible_blob(
    client: TestClient, device_for: Any, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = device_for("mediator.baijia")
    data = content(50_000)
    sha256, n = sha(data), len(data)
    attach(device, district, sha256, n)
    crashing = TestClient(client.app, raise_server_exceptions=False)

    def power_cut(_src: object, _dst: object) -> None:
        raise OSError("simulated crash before the rename")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", power_cut)
        response = send_chunk(crashing, device, sha256, 0, n, data)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"

    assert held(client, device, sha256) == (404, n)
    assert client.get(url(sha256), headers=device.headers).status_code == 404
    assert missing(client, device, [sha256]) == [sha256]

    # The client asks where to resume; every byte is there, so the retry is empty.
    retry = send_chunk(client, device, sha256, n, n, b"")
    assert retry.status_code == 201
    assert client.get(url(sha256), headers=device.headers).content == data


def test_completion_is_audited_once_without_personal_data(
    client: TestClient, device_for: Any, engine: Engine
) -> None:
    device = device_for("officer.baijia")
    data = content(2048)
    sha256 = upload(client, device, data)
    again = send_chunk(client, device, sha256, 0, len(data), data)
    assert again.status_code == 201
    assert again.headers["Upload-Offset"] == str(len(data))

    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "blob_stored")).all()
        assert [entry.detail for entry in entries] == [{"sha256": sha256, "size": len(data)}]
        assert entries[0].device_id == device.device_id
        assert verify_audit(session) == []


def test_an_upload_in_progress_elsewhere_gets_409(
    client: TestClient, device_for: Any, settings: ServerSettings
) -> None:
    """Another server process on the same folder is another store on it."""
    device = device_for("mediator.baijia")
    data = content(6000)
    sha256 = sha(data)
    other_process = FileBlobStore(settings.blobs)
    elsewhere = other_process.begin(uuid.UUID(device.user["id"]).hex, sha256, 0, 6000)
    elsewhere.write(data[:1000])

    busy = send_chunk(client, device, sha256, 1000, 6000, data[1000:])
    assert busy.status_code == 409
    assert busy.json()["error"]["details"]["busy"] is True
    assert busy.headers["Upload-Offset"] == "1000"

    assert elsewhere.finish().offset == 1000
    assert send_chunk(client, device, sha256, 1000, 6000, data[1000:]).status_code == 201
