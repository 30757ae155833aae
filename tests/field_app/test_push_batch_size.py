"""The app sends bigger batches while the link is good (AppSettings.next_push_batch).

A push costs the server a fixed part on top of its mutations, and the phone
a round trip (docs/performance.md, "The push the app makes"): after a push
answered quickly the next one carries ``push_batch_size_good_link``; after a
slow one, ``push_batch_size`` again.
"""

import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from field_app.config import AppSettings
from shared_models.protocol.tables import TableName
from tests.factories import case_fields
from tests.field_app.sync_fixtures import (
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
    settings = AppSettings(push_batch_size=200, push_batch_size_good_link=500)
    assert settings.next_push_batch(0.3) == 500
    assert settings.next_push_batch(settings.good_link_push_seconds) == 500
    assert settings.next_push_batch(settings.good_link_push_seconds + 0.01) == 200


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
            for n in range(20):
                phone.save(TableName.CASES, case_fields(unit, title=f"第{n}件"))
            result = phone.sync()
        finally:
            phone.close()
    assert result.ok
    assert result.acknowledged == 20
    sizes = [
        len(json.loads(gzip.decompress(request.content))["mutations"])
        for request in link.calls("POST", "/api/v1/sync/push")
    ]
    # quick 3 → 7 (slow) → 3 (quick) → 7: all 20, each once.
    assert sizes == [3, 7, 3, 7]
