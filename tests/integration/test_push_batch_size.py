"""The app sends bigger batches while the link is good (AppSettings.next_push_batch).

A push costs the server a fixed part on top of its mutations, and the phone
a round trip (docs/performance.md, "Sync at 8 a.m."): after a push answered
quickly the next one carries twice as many, up to
``push_batch_size_good_link``; after a slow one, ``push_batch_size`` again.
"""

import gzip
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from field_app.config import AppSettings
from field_app.storage.outbox import OutboxItem
from field_app.sync.mutations import encode_batch
from shared_models.protocol.tables import TableName
from tests.factories import case_fields
from tests.integration.sync_fixtures import (
    BASE_URL,
    Link,
    Phone,
    Server,
    migrated_local_template,
    running_server,
)

SLOW_S = 2.0
"""The test's "good link" limit: far above an in-process push, even on a busy machine."""


def test_the_rule_follows_the_last_answer() -> None:
    settings = AppSettings(push_batch_size=200, push_batch_size_good_link=1000)
    quick, slow = settings.good_link_push_seconds, settings.good_link_push_seconds + 0.01
    assert [settings.next_push_batch(0.3, last) for last in (200, 400, 800, 1000)] == [
        400,
        800,
        1000,
        1000,
    ]
    assert settings.next_push_batch(quick, 200) == 400
    assert settings.next_push_batch(slow, 1000) == 200
    assert settings.next_push_batch(0.3, 1) == 200  # never below the first batch


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    with running_server(db_url, tmp_path / "blobs") as running:
        yield running


def test_batches_grow_after_a_quick_answer_and_shrink_after_a_slow_one(
    server: Server, tmp_path: Path
) -> None:
    link = Link(server.http)
    settings = AppSettings(
        data_dir=tmp_path / "settings",
        push_batch_size=3,
        push_batch_size_good_link=7,
        good_link_push_seconds=SLOW_S,
    )
    pushes = 0

    def second_push_is_slow(request: httpx.Request) -> None:
        nonlocal pushes
        if request.url.path == "/api/v1/sync/push":
            pushes += 1
            if pushes == 2:
                time.sleep(SLOW_S + 0.5)

    link.before = second_push_is_slow
    with httpx.Client(transport=link, base_url=BASE_URL) as http:
        phone = Phone(
            http, tmp_path / "phone", migrated_local_template(tmp_path), settings=settings
        )
        try:
            phone.login("mediator.baijia")
            unit = server.district.baijia.id
            for n in range(30):
                phone.save(TableName.CASES, case_fields(unit, title=f"第{n}件"))
            result = phone.sync()
        finally:
            phone.close()
    assert result.ok
    assert result.acknowledged == 30
    sizes = [
        len(json.loads(gzip.decompress(request.content))["mutations"])
        for request in link.calls("POST", "/api/v1/sync/push")
    ]
    # 3 (quick) → 6 (slow) → 3 (quick) → 6 → 7 (the most) → the last 5: each once.
    assert sizes == [3, 6, 3, 6, 7, 5]


def test_each_growing_batch_is_encoded_once(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch is encoded, while one is in flight, at the size it gets
    after a quick answer: on a good link no batch is encoded twice."""
    encoded: list[int] = []

    def counting(batch: Sequence[OutboxItem], device_id: str, app_version: str) -> bytes:
        encoded.append(len(batch))
        return encode_batch(batch, device_id, app_version)

    monkeypatch.setattr("field_app.sync.engine.encode_batch", counting)
    link = Link(server.http)
    settings = AppSettings(
        data_dir=tmp_path / "settings",
        push_batch_size=3,
        push_batch_size_good_link=7,
        good_link_push_seconds=SLOW_S,
    )
    with httpx.Client(transport=link, base_url=BASE_URL) as http:
        phone = Phone(
            http, tmp_path / "phone", migrated_local_template(tmp_path), settings=settings
        )
        try:
            phone.login("mediator.baijia")
            unit = server.district.baijia.id
            for n in range(30):
                phone.save(TableName.CASES, case_fields(unit, title=f"第{n}件"))
            result = phone.sync()
        finally:
            phone.close()
    assert result.ok
    assert result.acknowledged == 30
    sizes = [
        len(json.loads(gzip.decompress(request.content))["mutations"])
        for request in link.calls("POST", "/api/v1/sync/push")
    ]
    assert sizes == [3, 6, 7, 7, 7]
    assert sorted(encoded) == sorted(sizes)
