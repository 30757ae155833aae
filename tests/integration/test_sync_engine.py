"""The sync engine against the real server in-process, on SQLite and
PostgreSQL: what a mediator's phone does with its outbox, the office's
records, a revoked sign-in, a resync, reviews and conflicts."""

import gzip
import json
import os
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session

from field_app.config import AppSettings
from field_app.sync.backoff import Backoff
from field_app.sync.status import SyncPhase, SyncState, SyncStatus
from shared_models.protocol.tables import TableName
from sync_server.core.versions import sync_mark
from sync_server.tables import SyncState as ServerSyncState
from sync_server.tables import UserRow
from tests.factories import case_fields, party_fields, subject_fields, visit_fields
from tests.integration.sync_fixtures import (
    BASE_URL,
    Link,
    MemoryBlobs,
    Phone,
    Server,
    migrated_local_template,
    running_server,
)

CASES = TableName.CASES
T0 = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def local_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_local_template(tmp_path_factory.mktemp("local-template"))


@pytest.fixture
def server(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[Server]:
    """The server; ``indirect`` parametrization passes ServerSettings overrides."""
    with running_server(db_url, tmp_path / "blobs", **getattr(request, "param", {})) as running:
        yield running


@pytest.fixture
def phone_for(
    server: Server, tmp_path: Path, local_template: Path
) -> Iterator[Callable[..., tuple[Phone, Link]]]:
    """``phone_for("mediator.baijia")``: a signed-in phone and its network link."""
    made: list[tuple[Phone, httpx.Client]] = []

    def make(username: str, **options: Any) -> tuple[Phone, Link]:
        link = Link(server.http)
        http = httpx.Client(transport=link, base_url=BASE_URL)
        phone = Phone(http, tmp_path / f"phone-{len(made)}", local_template, **options)
        phone.login(username)
        made.append((phone, http))
        return phone, link

    yield make
    for phone, http in made:
        phone.close()
        http.close()


def office_case(server: Server, **overrides: Any) -> dict[str, Any]:
    return case_fields(server.district.baijia.id, **overrides)


def bearer(server: Server, username: str) -> dict[str, str]:
    token = server.login(username, f"helper-{uuid.uuid4().hex[:8]}")["token"]
    return {"Authorization": f"Bearer {token}"}


def test_first_sync_pulls_the_office_and_nothing_else(server: Server, phone_for: Any) -> None:
    colleague, _ = phone_for("mediator.baijia")
    ours = [colleague.save(CASES, office_case(server, title=f"案件{n}")) for n in range(3)]
    assert colleague.sync().ok
    other, _ = phone_for("mediator.xiyuan")
    theirs = other.save(CASES, case_fields(server.district.xiyuan.id))
    assert other.sync().ok

    clock = Clock()
    fresh, _ = phone_for("mediator.baijia", clock=clock)
    assert fresh.engine.status.state is SyncState.NEVER_SYNCED
    result = fresh.sync()
    assert result.ok
    assert result.pulled > 0
    assert set(fresh.live(CASES)) == set(ours)
    assert theirs not in fresh.live(CASES)
    for case_id, record in server.live(CASES).items():
        if case_id in ours:
            assert fresh.live(CASES)[case_id] == record
    assert {u["username"] for u in fresh.live(TableName.USERS).values()} >= {"mediator.baijia"}
    assert fresh.engine.status == SyncStatus(SyncState.UP_TO_DATE, at=T0, data_version=1)
    assert fresh.store.device.read().cursor


def test_offline_save_is_pushed_later_and_reaches_a_second_device(
    server: Server, phone_for: Any
) -> None:
    phone, link = phone_for("mediator.baijia")
    link.up = False
    case_id = phone.save(CASES, office_case(server))
    party_id = phone.save(TableName.PARTIES, party_fields(case_id, name="欧阳娜娜"))
    result = phone.sync()
    assert result.outcome is SyncState.OFFLINE
    assert phone.engine.status.state is SyncState.OFFLINE
    assert phone.engine.status.waiting == 1  # one case (with its party) is one thing made
    assert server.count(CASES, case_id) == 0

    link.up = True
    assert phone.sync().ok
    assert phone.store.outbox.items() == []
    assert phone.engine.status.waiting == 0
    second, _ = phone_for("mediator.baijia")
    assert second.sync().ok
    assert second.live(TableName.PARTIES)[party_id]["name"] == "欧阳娜娜"
    assert second.live(CASES)[case_id] == phone.live(CASES)[case_id] == server.live(CASES)[case_id]


def test_rejected_change_keeps_its_reason_and_the_rest_go_through(
    server: Server, phone_for: Any
) -> None:
    phone, _ = phone_for("mediator.baijia")
    good = [phone.save(CASES, office_case(server, title=f"好{n}")) for n in range(2)]
    # Valid on the device, but another office's case: only the server can say no.
    bad = phone.save(CASES, case_fields(server.district.xiyuan.id, title="越界"))
    good.append(phone.save(CASES, office_case(server, title="好2")))

    result = phone.sync()
    assert result.ok
    assert (result.acknowledged, result.rejected) == (3, 1)
    assert all(server.count(CASES, case_id) == 1 for case_id in good)
    assert server.count(CASES, bad) == 0
    [rejected] = phone.store.outbox.items(states=("rejected",))
    assert (rejected.record_id, rejected.error_code) == (bad, "OUT_OF_SCOPE")
    assert rejected.error_message
    assert phone.live(CASES)[bad]["title"] == "越界"
    assert phone.engine.status.needs_attention == 1

    phone.store.records.retry(rejected.mutation_id, {"org_unit_id": str(server.district.baijia.id)})
    assert phone.sync().ok
    assert server.live(CASES)[bad]["title"] == "越界"
    assert phone.engine.status.needs_attention == 0


@pytest.mark.parametrize("server", [{"max_push_mutations": 3}], indirect=True)
def test_a_batch_over_the_limit_is_split_and_nothing_is_dropped(
    server: Server, phone_for: Any
) -> None:
    phone, link = phone_for("mediator.baijia")
    saved = [phone.save(CASES, office_case(server, title=f"第{n}件")) for n in range(11)]
    result = phone.sync()
    assert result.ok
    assert result.acknowledged == 11
    assert phone.store.outbox.items(states=("pending", "sent", "rejected")) == []
    assert {case_id: server.count(CASES, case_id) for case_id in saved} == dict.fromkeys(saved, 1)
    sizes = [len(_push_body(r)["mutations"]) for r in link.calls("POST", "/api/v1/sync/push")]
    # 11 → 5 → 2 | 3 | 6 → 3 | 3: halves until it fits, later batches at the stated limit.
    assert max(sizes) == 11
    assert sorted(s for s in sizes if s <= 3) == [2, 3, 3, 3]
    sent_ids = [
        m["mutation_id"]
        for r in link.calls("POST", "/api/v1/sync/push")
        for m in _push_body(r)["mutations"]
        if len(_push_body(r)["mutations"]) <= 3
    ]
    assert len(sent_ids) == len(set(sent_ids)) == 11


@pytest.mark.parametrize("server", [{"max_push_mutations": 3}], indirect=True)
def test_batches_encoded_ahead_go_out_in_order_even_when_the_limit_shrinks(
    server: Server, phone_for: Any, tmp_path: Path
) -> None:
    """The next batch is encoded while one is in flight; when the server asks
    for smaller batches, the one encoded ahead at the old size is not sent."""
    settings = AppSettings(data_dir=tmp_path / "phone-settings", push_batch_size=4)
    phone, link = phone_for("mediator.baijia", settings=settings)
    saved = [phone.save(CASES, office_case(server, title=f"第{n}件")) for n in range(13)]
    result = phone.sync()
    assert result.ok
    assert result.acknowledged == 13
    answered = [
        [uuid.UUID(m["record_id"]) for m in _push_body(request)["mutations"]]
        for request, response in link.answered
        if request.url.path == "/api/v1/sync/push" and response.status_code == 200
    ]
    # 4 → 2 | 2 after the 413, then batches of 3 (not the 4 encoded ahead).
    assert [len(batch) for batch in answered] == [2, 2, 3, 3, 3]
    assert [record for batch in answered for record in batch] == saved


@pytest.mark.parametrize("server", [{"max_push_bytes": 4096}], indirect=True)
def test_one_change_too_large_to_send_is_rejected_and_does_not_block(
    server: Server, phone_for: Any
) -> None:
    phone, _ = phone_for("mediator.baijia")
    small = [phone.save(CASES, office_case(server, title=f"小{n}")) for n in range(3)]
    huge = phone.save(CASES, office_case(server, description="很长的描述" * 400))
    result = phone.sync()
    assert result.ok
    assert (result.acknowledged, result.rejected) == (3, 1)
    assert all(server.count(CASES, case_id) == 1 for case_id in small)
    [rejected] = phone.store.outbox.items(states=("rejected",))
    assert (rejected.record_id, rejected.error_code) == (huge, "PAYLOAD_TOO_LARGE")


def _push_body(request: httpx.Request) -> dict[str, Any]:
    assert request.headers["content-encoding"] == "gzip"
    body: dict[str, Any] = json.loads(gzip.decompress(request.content))
    return body


def test_a_create_whose_answer_was_lost_can_still_be_deleted(
    server: Server, phone_for: Any
) -> None:
    phone, link = phone_for("mediator.baijia")
    case_id = phone.save(CASES, office_case(server))
    party_id = phone.save(TableName.PARTIES, party_fields(case_id))

    def lose_push_answer(request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/sync/push"):
            raise httpx.ReadError("connection reset", request=request)

    link.after = lose_push_answer
    assert phone.sync().outcome is SyncState.OFFLINE
    assert server.count(TableName.PARTIES, party_id) == 1  # committed, answer lost

    def refuse_pull(request: httpx.Request) -> None:
        if request.url.path.endswith("/sync/pull"):
            raise httpx.ConnectError("network gone", request=request)

    link.after, link.before = None, refuse_pull
    assert phone.sync().outcome is SyncState.OFFLINE  # "duplicate" answers, no pull
    assert phone.store.outbox.items() == []
    phone.store.records.delete(TableName.PARTIES, party_id)
    link.before = None
    assert phone.sync().ok
    assert server.rows(TableName.PARTIES)[party_id]["deleted"] is True
    assert party_id not in phone.live(TableName.PARTIES)


def test_revoked_sign_in_asks_for_login_and_keeps_everything(
    server: Server, phone_for: Any
) -> None:
    phone, link = phone_for("mediator.baijia")
    case_id = phone.save(CASES, office_case(server))
    revoke = server.http.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {phone.token}"}
    )
    assert revoke.status_code == 204
    result = phone.sync()
    assert result.outcome is SyncState.NEEDS_LOGIN
    assert phone.store.device.read().needs_login
    assert phone.engine.status.state is SyncState.NEEDS_LOGIN
    [kept] = phone.store.outbox.items()
    assert kept.record_id == case_id
    assert phone.live(CASES)[case_id]["title"]
    before = len(link.delivered)
    assert phone.sync().outcome is SyncState.NEEDS_LOGIN
    assert len(link.delivered) == before, "a revoked device must not keep calling the server"

    phone.login("mediator.baijia")
    assert phone.sync().ok
    assert server.count(CASES, case_id) == 1


def test_resync_after_a_410_keeps_unsynced_work(server: Server, phone_for: Any) -> None:
    phone, link = phone_for("mediator.baijia")
    colleague, _ = phone_for("mediator.baijia")
    kept = phone.save(CASES, office_case(server, title="保留"))
    doomed = phone.save(CASES, office_case(server, title="将被删除"))
    assert phone.sync().ok
    assert colleague.sync().ok
    colleague.store.records.delete(CASES, doomed)
    assert colleague.sync().ok
    unsent = phone.save(CASES, case_fields(server.district.xiyuan.id, title="被拒"))
    assert phone.sync().ok  # pushes (rejected) and pulls the delete
    assert doomed not in phone.live(CASES)
    colleague.save(CASES, {"title": "同事改了"}, kept)
    assert colleague.sync().ok
    with Session(server.engine) as session:  # as if tombstones were purged long ago
        handed_out = sync_mark(session).handed_out  # the counter row is not it on PostgreSQL
        session.execute(update(ServerSyncState).values(purged_through=handed_out))
        session.commit()

    def edit_during_pull(request: httpx.Request) -> None:
        if request.url.path.endswith("/sync/pull"):
            link.before = None
            phone.save(CASES, {"description": "拉取时的本地修改"}, kept)

    link.before = edit_during_pull
    result = phone.sync()
    assert result.ok
    assert result.resynced
    local = phone.live(CASES)
    assert local[kept]["title"] == "同事改了"
    assert local[kept]["description"] == "拉取时的本地修改"
    assert local[unsent]["title"] == "被拒"
    assert [i.record_id for i in phone.store.outbox.items(states=("rejected",))] == [unsent]
    assert phone.sync().ok
    assert server.live(CASES)[kept]["description"] == "拉取时的本地修改"


def test_reviews_and_conflicts_reach_the_owning_device(server: Server, phone_for: Any) -> None:
    mine, _ = phone_for("mediator.baijia")
    supervisor, _ = phone_for("supervisor.baijia")
    case_id = mine.save(CASES, office_case(server))
    assert mine.sync().ok
    assert supervisor.sync().ok
    mine.save(CASES, {"title": "调解员的标题"}, case_id)
    supervisor.save(CASES, {"title": "所长的标题"}, case_id)
    assert mine.sync().ok
    assert supervisor.sync().ok  # later arrival: wins, and the overwritten value is kept
    review = server.http.post(
        "/api/v1/reviews",
        json={
            "target_table": "cases",
            "target_id": str(case_id),
            "state": "needs_changes",
            "comment": "请补充当事人信息",
        },
        headers=bearer(server, "supervisor.baijia"),
    )
    assert review.status_code == 201, review.text

    assert mine.sync().ok
    attention = mine.engine.status.attention
    assert (attention.conflicts, attention.reviews, attention.rejected) == (1, 1, 0)
    [conflict] = mine.live(TableName.CONFLICTS).values()
    assert conflict["overwritten_value"] == "调解员的标题"
    assert mine.live(CASES)[case_id]["title"] == "所长的标题"
    [verdict] = mine.live(TableName.REVIEWS).values()
    assert verdict["comment"] == "请补充当事人信息"
    # The supervisor's own device is not asked to act on the verdict it gave.
    assert supervisor.sync().ok
    assert supervisor.engine.status.attention.reviews == 0


def test_status_goes_from_syncing_to_up_to_date_or_offline(server: Server, phone_for: Any) -> None:
    clock = Clock()
    phone, link = phone_for("mediator.baijia", clock=clock)
    seen: list[SyncStatus] = []
    phone.engine.add_listener(seen.append)
    for n in range(3):
        phone.save(CASES, office_case(server, title=f"状态{n}"))
    assert phone.sync().ok
    states = [(s.state, s.phase, s.done, s.total) for s in seen]
    assert states[:2] == [
        (SyncState.SYNCING, None, 0, 0),
        (SyncState.SYNCING, SyncPhase.PUSH, 0, 3),
    ]
    assert (SyncState.SYNCING, SyncPhase.PUSH, 3, 3) in states
    assert any(s[:2] == (SyncState.SYNCING, SyncPhase.PULL) for s in states)
    assert seen[-1] == SyncStatus(SyncState.UP_TO_DATE, at=T0, data_version=1)
    assert seen[0].waiting == 3
    assert seen[-1].waiting == 0

    seen.clear()
    link.up = False
    clock.now = T0 + timedelta(hours=2)
    phone.save(CASES, office_case(server, title="离线"))
    assert phone.sync().outcome is SyncState.OFFLINE
    last = seen[-1]
    assert (last.state, last.at, last.waiting) == (SyncState.OFFLINE, T0, 1)
    assert "later" in last.reason


def test_the_status_says_whether_a_round_changed_anything(server: Server, phone_for: Any) -> None:
    """Screens read their data again when ``data_version`` moves: after a
    round that pulled, pushed or was refused something, never after one
    that found the phone up to date (docs/architecture.md, "The change signal")."""
    phone, link = phone_for("mediator.baijia")
    first = phone.sync()  # the office's records arrive
    assert first.changed
    version = phone.engine.status.data_version
    quiet = phone.sync()
    assert (quiet.ok, quiet.changed) == (True, False)
    assert phone.engine.status.data_version == version

    phone.save(CASES, office_case(server, title="推送"))
    assert phone.sync().acknowledged == 1
    assert phone.engine.status.data_version == version + 1

    colleague, _ = phone_for("mediator.baijia")
    colleague.save(CASES, office_case(server, title="同事的"))
    assert colleague.sync().ok
    assert phone.sync().pulled == 1
    assert phone.engine.status.data_version == version + 2

    link.up = False  # offline: nothing changed, nothing to read again
    assert phone.sync().outcome is SyncState.OFFLINE
    assert phone.engine.status.data_version == version + 2


def test_a_local_edit_during_a_pull_is_not_overwritten(server: Server, phone_for: Any) -> None:
    phone, link = phone_for("mediator.baijia", settings=AppSettings(pull_page_size=2))
    colleague, _ = phone_for("mediator.baijia")
    case_id = colleague.save(CASES, office_case(server, title="原标题"))
    assert colleague.sync().ok
    assert phone.sync().ok
    for n in range(3):
        colleague.save(CASES, office_case(server, title=f"新{n}"))
    colleague.save(CASES, {"title": "同事的标题", "description": "同事补充"}, case_id)
    assert colleague.sync().ok  # the edited case is now the newest change: on the last page
    pulls = 0

    def user_types(request: httpx.Request) -> None:
        nonlocal pulls
        if request.url.path.endswith("/sync/pull"):
            pulls += 1
            if pulls == 2:
                phone.save(CASES, {"title": "我的标题"}, case_id)

    link.before = user_types
    assert phone.sync().ok
    assert pulls >= 2
    local = phone.live(CASES)[case_id]
    assert local["title"] == "我的标题"
    assert local["description"] == "同事补充"
    [waiting] = phone.store.outbox.items()
    assert waiting.fields == {"title": "我的标题"}
    link.before = None
    assert phone.sync().ok
    assert server.live(CASES)[case_id]["title"] == "我的标题"
    assert phone.live(CASES)[case_id] == server.live(CASES)[case_id]


def test_blob_upload_resumes_where_the_dropped_connection_left_it(
    server: Server, phone_for: Any
) -> None:
    blobs = MemoryBlobs()
    photo = blobs.add(os.urandom(2500))
    known = blobs.add(os.urandom(300), "image/png")
    headers = bearer(server, "mediator.baijia")
    stored = server.http.patch(
        f"/api/v1/blobs/{known}",
        content=blobs.content[known][0],
        headers={
            **headers,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
            "Upload-Length": "300",
        },
    )
    assert stored.status_code == 201, stored.text
    phone, link = phone_for("mediator.baijia", blobs=blobs, chunk_bytes=1000)
    patches: list[int] = []

    def lose_second_answer(request: httpx.Request, response: httpx.Response) -> None:
        if request.method == "PATCH":
            patches.append(int(request.headers["Upload-Offset"]))
            if len(patches) == 2:
                raise httpx.ReadError("connection reset", request=request)

    link.after = lose_second_answer
    assert phone.sync().outcome is SyncState.OFFLINE
    assert photo not in blobs.uploaded
    assert phone.sync().ok
    assert patches == [0, 1000, 2000], "resumed from what the server held, not from 0"
    assert blobs.uploaded == {photo, known}
    assert [r for r in blobs.reads if r[0] == known] == []
    head = server.http.head(f"/api/v1/blobs/{photo}", headers=headers)
    assert (head.status_code, head.headers["Upload-Offset"]) == (200, "2500")


class MaxRandom(random.Random):
    """Always draws the top of the range: shows the ceiling of each delay."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_grows_is_jittered_and_capped() -> None:
    ceilings = Backoff(MaxRandom())
    assert [ceilings.next_delay() for _ in range(10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    jittered = Backoff(random.Random(7))
    delays = [jittered.next_delay() for _ in range(200)]
    assert all(0 <= d <= min(300, 2 * 2**n) for n, d in enumerate(delays))
    assert len({round(d, 6) for d in delays}) == len(delays)
    assert max(delays[8:]) <= 300
    assert sum(delays[100:]) / 100 > 100
    jittered.reset()
    assert jittered.next_delay() <= 2


def test_editing_again_after_a_lost_answer_is_no_conflict_with_oneself(
    server: Server, phone_for: Any
) -> None:
    """The phone's first edit reached the server but its answer was lost; the
    user edits the same field again. The second edit was made *after* the
    first on this phone, so it must simply win: no conflict for a
    supervisor to settle, and the server ends with the latest value."""
    phone, link = phone_for("mediator.baijia")
    case_id = phone.save(CASES, office_case(server))
    assert phone.sync().ok

    phone.save(CASES, {"description": "第一次修改"}, case_id)

    def lose_push_answer(request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/sync/push"):
            raise httpx.ReadError("connection reset", request=request)

    link.after = lose_push_answer
    assert phone.sync().outcome is SyncState.OFFLINE
    assert server.live(CASES)[case_id]["description"] == "第一次修改"  # committed
    link.after = None

    phone.save(CASES, {"description": "第二次修改"}, case_id)
    assert phone.sync().ok

    assert server.live(CASES)[case_id]["description"] == "第二次修改"
    assert server.rows(TableName.CONFLICTS) == {}
    assert phone.live(CASES)[case_id]["description"] == "第二次修改"


def test_a_phone_whose_user_became_a_mediator_drops_the_subjects(
    server: Server, phone_for: Any
) -> None:
    """Reads follow role: the server asks the phone of a user whose role
    changed to resync, and the mediator's phone then holds no subject, no
    check-in, and still works (its screens simply have none)."""
    officer, _ = phone_for("officer.baijia")
    officer_id = server.district.user("officer.baijia").id
    subject = officer.save(
        TableName.SUBJECTS, subject_fields(server.district.baijia.id, officer_id)
    )
    officer.save(TableName.VISITS, visit_fields(subject_id=uuid.UUID(str(subject))))
    assert officer.sync().ok
    phone, _ = phone_for("supervisor.baijia")
    mine = phone.save(CASES, office_case(server, title="主任的案件"))
    assert phone.sync().ok
    assert subject in phone.live(TableName.SUBJECTS)
    with Session(server.engine) as session:
        session.execute(
            update(UserRow).where(UserRow.username == "supervisor.baijia").values(role="mediator")  # type: ignore[arg-type]
        )
        session.commit()
    result = phone.sync()
    assert result.ok
    assert result.resynced
    assert phone.live(TableName.SUBJECTS) == {}
    assert not any(v.get("subject_id") for v in phone.live(TableName.VISITS).values())
    assert mine in phone.live(CASES)
