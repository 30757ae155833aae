"""Object keys attacked: with the server on S3-compatible object storage (a
bucket of a real S3-protocol server), hostile blob names, owners, offsets
and lengths try to make the store read or write a key outside its layout
(path traversal, key injection, another prefix, another user's upload).
Every answer must be a 4xx naming the problem, and afterwards the bucket
holds no key the layout does not allow (``sync_server/blobs/s3.py``)."""

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync_server.blobs.open import open_blob_store
from sync_server.blobs.s3 import S3BlobStore
from sync_server.core.config import ServerSettings
from tests.attack.tally import Attack
from tests.blob_stores import S3Server, new_bucket
from tests.blob_stores import s3_server as s3_server
from tests.sync_server.conftest import Device

PREFIX = "district-7/"
LAYOUT = re.compile(
    re.escape(PREFIX) + r"(blobs/[0-9a-f]{64}"
    r"|uploads/[0-9a-f]{32}/[0-9a-f]{64}/(part-[0-9]{10}|lock)"
    r"|collecting/[0-9a-f]{64})"
)
DATA = b"a photo of the site" * 100
GOOD = hashlib.sha256(DATA).hexdigest()
HOSTILE_NAMES = [
    "..%2F..%2Fblobs%2F" + GOOD[:48],
    "%2e%2e%2f" * 3 + GOOD[:55],
    GOOD.upper(),
    GOOD[:63],
    GOOD + "0",
    GOOD + "%2F..%2F..%2Fx",
    GOOD + "%00",
    GOOD[:62] + "%2F",
    "uploads%2F" + "0" * 32 + "%2F" + GOOD[:40],
    GOOD[:60] + "%3Fx-id%3DDeleteObject",
    "ｆ" * 64,
    GOOD[:63] + "ｇ",
]
HOSTILE_HEADERS = [
    ("-1", "1900"),
    ("0", "-5"),
    ("0x10", "1900"),
    ("1e3", "1900"),
    ("0", "99999999999999999999999"),
    ("0", "1900/../../x"),
    ("", str(len(DATA))),
]


@pytest.fixture
def settings(db_url: str, tmp_path: Path, s3_server: S3Server) -> ServerSettings:
    return s3_server.settings(new_bucket(), db=db_url, blobs=tmp_path / "blobs", s3_prefix=PREFIX)


def keys(settings: ServerSettings) -> list[str]:
    store = open_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    answer = store.client.list_objects_v2(Bucket=store.bucket)
    return [item["Key"] for item in answer.get("Contents", [])]


def test_no_client_input_becomes_an_object_key(
    attack: Attack, client: TestClient, settings: ServerSettings
) -> None:
    device = Device(client, "mediator.baijia", "attack-keys-1")
    auth = device.headers
    for name in HOSTILE_NAMES:
        url = f"/api/v1/blobs/{name}"
        answers = {
            "GET": client.get(url, headers=auth),
            "HEAD": client.head(url, headers=auth),
            "PATCH": client.patch(
                url,
                content=DATA,
                headers={
                    **auth,
                    "Upload-Offset": "0",
                    "Upload-Length": str(len(DATA)),
                    "Content-Type": "application/offset+octet-stream",
                },
            ),
        }
        for method, answer in answers.items():
            attack.check(
                400 <= answer.status_code < 500 and answer.status_code != 409,
                f"{method} {name}: {answer.status_code}",
            )
    for offset, length in HOSTILE_HEADERS:
        answer = client.patch(
            f"/api/v1/blobs/{GOOD}",
            content=DATA,
            headers={
                **auth,
                "Upload-Offset": offset,
                "Upload-Length": length,
                "Content-Type": "application/offset+octet-stream",
            },
        )
        attack.check(
            400 <= answer.status_code < 500,
            f"PATCH with offset {offset!r} length {length!r}: {answer.status_code}",
        )
    bodies = client.post(
        "/api/v1/blobs/missing", json={"sha256": ["../" * 10, GOOD.upper()]}, headers=auth
    )
    attack.check(bodies.status_code == 422, f"/missing with hostile names: {bodies.status_code}")

    honest = client.patch(
        f"/api/v1/blobs/{GOOD}",
        content=DATA[:1000],
        headers={
            **auth,
            "Upload-Offset": "0",
            "Upload-Length": str(len(DATA)),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert honest.status_code == 204
    found = keys(settings)
    attack.check(bool(found), "the honest upload left no part")
    for key in found:
        attack.check(LAYOUT.fullmatch(key) is not None, f"the bucket holds the key {key!r}")


def test_the_store_refuses_hostile_names_before_any_request(
    attack: Attack, settings: ServerSettings
) -> None:
    """Below the API: every key the store makes goes through the name checks."""
    store = open_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    owner = "0" * 32
    names = [
        "../" * 3,
        GOOD[:63] + "/",
        GOOD.upper(),
        "",
        GOOD + "\n",
        GOOD[:32] + "/../" + GOOD[:28],
    ]
    for name in names:
        for call in (
            lambda n=name: store.stored_size(n),
            lambda n=name: store.open(n),
            lambda n=name: store.held(owner, n),
            lambda n=name: store.begin(owner, n, 0, 10),
            lambda n=name: store.blob_key(n),
        ):
            try:
                call()
            except ValueError:
                attack.tried()
            else:
                attack.violation(f"the store accepted the name {name!r}")
    for hostile_owner in ("../" * 5, "A" * 32, owner + "/x", ""):
        try:
            store.begin(hostile_owner, GOOD, 0, 10)
        except ValueError:
            attack.tried()
        else:
            attack.violation(f"the store accepted the owner {hostile_owner!r}")
    attack.check(keys(settings) == [], "a refused name reached the bucket")
