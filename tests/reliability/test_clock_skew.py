"""A phone whose clock is a day wrong (or is corrected half-way) syncs
exactly like one with the right time: the outbox goes out in the order the
user saved, and the server's merge decides by versions it hands out itself.
``client_time`` travels along for information only.

The same two-phone story runs twice on identical copies of one district —
once with the wrong clock, once with the right one — and must end the same.
"""

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from shared_models.protocol.tables import TableName
from tests.factories import case_fields, party_fields
from tests.field_app.sync_fixtures import (
    BASE_URL,
    DistrictFile,
    Link,
    Phone,
    running_server,
    signed_in_district,
)

DAY = timedelta(days=1)
CASE, OTHER, PARTY = (UUID(int=n, version=4) for n in (1, 2, 3))
USERS = ["mediator.baijia", "supervisor.baijia"]
SERVER_TIMES = ("updated_at",)
"""Stamped by the server when it commits: differ between any two runs."""


class SkewedClock:
    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Story:
    outbox_order: list[tuple[str, UUID, str]]
    statuses: list[str]
    server: dict[str, Any]
    conflicts: list[tuple[Any, ...]]
    client_times: list[datetime]


@pytest.fixture
def district(sqlite_template: Path, tmp_path: Path) -> DistrictFile:
    return signed_in_district(sqlite_template, tmp_path / "template", USERS)


def story(
    district: DistrictFile, local_template: Path, folder: Path, clock: SkewedClock, fix_clock: bool
) -> Story:
    """The mediator (clock under test) and a supervisor (right clock) edit the
    same case; the mediator also saves two more records after going offline."""
    with running_server(
        district.copy(folder), folder / "blobs", district=district.district
    ) as server:
        mine_link, theirs_link = Link(server.http), Link(server.http)
        with (
            httpx.Client(transport=mine_link, base_url=BASE_URL) as mine_http,
            httpx.Client(transport=theirs_link, base_url=BASE_URL) as theirs_http,
        ):
            mine = Phone(mine_http, folder / "mine", local_template, clock=clock)
            theirs = Phone(theirs_http, folder / "theirs", local_template)
            mine.restore(district.logins[USERS[0]])
            theirs.restore(district.logins[USERS[1]])
            unit = district.district.baijia.id
            mine.save(TableName.CASES, case_fields(unit, title="起始"), CASE)
            assert mine.sync().ok
            assert theirs.sync().ok
            theirs.save(TableName.CASES, {"title": "所长改的"}, CASE)
            assert theirs.sync().ok

            mine.save(TableName.CASES, {"title": "调解员改的", "description": "补充"}, CASE)
            if fix_clock:
                clock.offset = timedelta(0)  # the user notices and corrects the time
            mine.save(TableName.CASES, case_fields(unit, title="第二件"), OTHER)
            mine.save(TableName.PARTIES, party_fields(OTHER), PARTY)
            mine.save(TableName.CASES, {"title": "第二件（改）"}, OTHER)
            order = [(i.table.value, i.record_id, i.op) for i in mine.store.outbox.items()]
            pushes_before = len(mine_link.calls("POST", "/api/v1/sync/push"))
            assert mine.sync().ok
            assert theirs.sync().ok
            bodies = [_body(r) for r in mine_link.calls("POST", "/api/v1/sync/push")]
            statuses = _statuses(mine_link, pushes_before)
            state = {
                f"{table}:{record_id}": _without_server_times(server.rows(table)[record_id])
                for table, record_id in (("cases", CASE), ("cases", OTHER), ("parties", PARTY))
            }
            conflicts = sorted(
                (c["field"], c["overwritten_value"], c["current_value"], c["state"])
                for c in server.rows(TableName.CONFLICTS).values()
            )
            assert mine.live(TableName.CASES) == theirs.live(TableName.CASES)
            mine.close()
            theirs.close()
    times = [datetime.fromisoformat(m["client_time"]) for body in bodies for m in body["mutations"]]
    return Story(order, statuses, state, conflicts, times)


def _body(request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(gzip.decompress(request.content))
    return body


def _statuses(link: Link, skip: int) -> list[str]:
    """The server's answer to each change in the pushes after the first ``skip``."""
    pushes = [r for q, r in link.answered if q.url.path.endswith("/sync/push")]
    return [result["status"] for r in pushes[skip:] for result in r.json()["results"]]


def _without_server_times(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in SERVER_TIMES}


@pytest.mark.parametrize(
    ("offset", "fix_clock"),
    [(DAY, False), (-DAY, False), (DAY, True), (-DAY, True)],
    ids=["day-ahead", "day-behind", "ahead-then-corrected", "behind-then-corrected"],
)
def test_a_wrong_clock_changes_neither_order_nor_outcome(
    district: DistrictFile,
    local_template: Path,
    tmp_path: Path,
    offset: timedelta,
    fix_clock: bool,
) -> None:
    wrong = story(district, local_template, tmp_path / "wrong", SkewedClock(offset), fix_clock)
    right = story(district, local_template, tmp_path / "right", SkewedClock(timedelta(0)), False)
    assert (
        wrong.outbox_order
        == right.outbox_order
        == [
            ("cases", CASE, "upsert"),
            ("cases", OTHER, "upsert"),
            ("parties", PARTY, "upsert"),
        ]
    )
    assert wrong.statuses == right.statuses
    assert wrong.server == right.server
    assert wrong.conflicts == right.conflicts
    assert [c[:3] for c in right.conflicts] == [("title", "所长改的", "调解员改的")]
    # The skew really travelled: the first change went out stamped a day off.
    skew = wrong.client_times[0] - right.client_times[0]
    assert abs(skew - offset) < timedelta(hours=1)
