"""Invariant 3 under pushes that run side by side (core/versions.py).

Many writers push at once, linger for a random while before they commit (so
later versions commit first), one holds its first transaction open for long,
one rolls some of its pushes back; readers page through the changes all the
while, some a few changes a page. Every reader's stream of changes must
hold every committed change exactly once, in version order, and nothing
that was rolled back. On PostgreSQL the test also shows that the pushes did
overlap and commit out of version order, and that pulls were held back by
a version in flight; on SQLite (one writer at a time) the same stream
property holds with the writers taking turns.

Also under concurrency: racing deliveries of one push apply once, and
concurrent edits of one field are each either applied or kept as conflicts.
"""

import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from shared_models.protocol.push import MutationStatus, PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core import versions as versions_module
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.main import create_app
from sync_server.repositories.scope import JurisdictionScope, scope_for
from sync_server.services.sync.pull import pull_page
from sync_server.services.sync.push import apply_push
from sync_server.tables import CaseRow, ConflictRow, UserRow
from tests.factories import District, case_fields, mutation
from tests.reliability.soak import soak
from tests.sync_server.test_out_of_order_commits import login, push, serving


@dataclass(frozen=True)
class Load:
    """How hard a run pushes."""

    writers: int
    pushes: int
    readers: int
    linger_s: float
    """Longest random wait between applying a push and committing it."""
    slow_s: float
    """How long the slow writer holds its first transaction open."""
    deadline_s: float


SHORT = Load(writers=6, pushes=6, readers=3, linger_s=0.02, slow_s=0.5, deadline_s=120)
SOAK = Load(writers=16, pushes=40, readers=6, linger_s=0.05, slow_s=2.0, deadline_s=900)

WRITERS = [
    ("mediator.baijia", "baijia_committee"),
    ("supervisor.baijia", "baijia"),
    ("mediator.xiyuan", "xiyuan_committee"),
    ("supervisor.xiyuan", "xiyuan"),
]


class _RollBackError(Exception):
    """Raised inside a push's transaction to roll it back."""


@dataclass
class Ledger:
    """What the writers committed and rolled back, and how they overlapped."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    versions: dict[str, list[int]] = field(default_factory=dict)
    """Record id → every version committed for it, in order."""
    rolled_back: set[str] = field(default_factory=set)
    commits: list[tuple[float, int]] = field(default_factory=list)
    """(when it committed, its lowest version) of every committed push."""
    in_flight: int = 0
    most_in_flight: int = 0

    @contextmanager
    def flying(self) -> Iterator[None]:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1


def _scope(engine: Engine, username: str, district: District) -> JurisdictionScope:
    with read_session(engine) as session:
        user = session.get(UserRow, district.user(username).id)
        assert user is not None
        return scope_for(session, user)


def _request(device_id: str, mutations: list[dict[str, Any]]) -> PushRequest:
    return PushRequest.model_validate(
        {"device_id": device_id, "protocol": PROTOCOL_VERSION, "mutations": mutations}
    )


def _writer(engine: Engine, district: District, number: int, load: Load, ledger: Ledger) -> None:
    """Create cases and edit its own; linger before committing; writer 0 is
    slow on its first push, writer 1 rolls every third push back."""
    username, unit_name = WRITERS[number % len(WRITERS)]
    unit = getattr(district, unit_name).id
    scope = _scope(engine, username, district)
    device = f"writer-{number:02d}"
    rng = random.Random(number)
    mine: dict[str, int] = {}
    for n in range(load.pushes):
        batch = [
            mutation("cases", uuid.uuid4(), case_fields(unit, title=f"{device} {n}"))
            for _ in range(1 + rng.randrange(3))
        ]
        if mine and rng.random() < 0.5:
            edited = rng.choice(sorted(mine))
            batch.append(
                mutation(
                    "cases",
                    uuid.UUID(edited),
                    {"description": f"{device} edit {n}"},
                    base_version=mine[edited],
                )
            )
        rollback = number == 1 and n % 3 == 2
        linger = load.slow_s if number == 0 and n == 0 else rng.uniform(0, load.linger_s)
        try:
            with ledger.flying(), write_session(engine) as session:
                response, _ = apply_push(
                    session, scope, device, _request(device, batch), datetime.now(UTC)
                )
                time.sleep(linger)
                if rollback:
                    raise _RollBackError
        except _RollBackError:
            with ledger.lock:
                ledger.rolled_back.update(
                    m["record_id"] for m in batch if m["record_id"] not in mine
                )
            continue
        committed_at = time.monotonic()
        done = [(m["record_id"], r.version) for m, r in zip(batch, response.results, strict=True)]
        assert all(r.status is MutationStatus.APPLIED for r in response.results), response
        with ledger.lock:
            for record_id, version in done:
                assert version is not None
                ledger.versions.setdefault(record_id, []).append(version)
                mine[record_id] = version
            ledger.commits.append((committed_at, min(v for _, v in done if v is not None)))


class Reader:
    """A district-wide device paging with its cursor, keeping the stream."""

    def __init__(self, engine: Engine, scope: JurisdictionScope, limit: int) -> None:
        self.engine = engine
        self.scope = scope
        self.limit = limit
        self.cursor: str | None = None
        self.stream: list[tuple[int, str]] = []

    def page(self) -> bool:
        with read_session(self.engine) as session:
            page = pull_page(session, self.scope, self.cursor, self.limit).decoded()
        for change in page.changes:
            self.stream.append((int(change.record["version"]), str(change.record["id"])))
        self.cursor = page.cursor
        return page.more

    def catch_up(self, deadline: float) -> None:
        while self.page():
            assert time.monotonic() < deadline, "a pull did not reach the end in time"


def _run(engine: Engine, district: District, load: Load, monkeypatch: pytest.MonkeyPatch) -> None:
    held_back = [0]
    visible_high = versions_module.visible_high

    def counting(session: Session, mark: versions_module.SyncMark, after: int) -> int:
        high = visible_high(session, mark, after)
        if high < mark.handed_out:
            held_back[0] += 1
        return high

    monkeypatch.setattr("sync_server.services.sync.pull.visible_high", counting)
    reader_scope = _scope(engine, "supervisor.fuxing", district)
    limits = [2, 7, 500, 3, 50, 1000]
    readers = [Reader(engine, reader_scope, limits[i % len(limits)]) for i in range(load.readers)]
    deadline = time.monotonic() + load.deadline_s
    for reader in readers:  # the district as it was: not part of the stream under test
        reader.catch_up(deadline)
        reader.stream.clear()
    ledger = Ledger()
    stop = threading.Event()

    def read(reader: Reader) -> int:
        pages = 0
        while not stop.is_set():
            assert time.monotonic() < deadline, "the readers did not stop in time"
            reader.page()
            pages += 1
        return pages

    with ThreadPoolExecutor(max_workers=load.writers + load.readers) as pool:
        reading = [pool.submit(read, reader) for reader in readers]
        writing = [
            pool.submit(_writer, engine, district, n, load, ledger) for n in range(load.writers)
        ]
        try:
            for future in writing:
                future.result(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            stop.set()
        pages = [future.result(timeout=60) for future in reading]
    for reader in readers:
        reader.catch_up(deadline)

    assert min(pages) > 3, "the readers did not page while the writers pushed"
    final = {record_id: versions[-1] for record_id, versions in ledger.versions.items()}
    committed = {v for versions in ledger.versions.values() for v in versions}
    assert len(final) >= load.writers * load.pushes // 2
    assert ledger.rolled_back
    for reader in readers:
        seen = [version for version, _ in reader.stream]
        assert seen == sorted(set(seen)), "a change came twice or out of order"
        assert not ledger.rolled_back & {record_id for _, record_id in reader.stream}
        assert set(seen) <= committed, "a change nobody committed (or one rolled back)"
        latest: dict[str, int] = {}
        for version, record_id in reader.stream:
            latest[record_id] = version
        missed = {key: v for key, v in final.items() if latest.get(key) != v}
        assert not missed, f"a reader (limit {reader.limit}) missed {len(missed)} changes"
        # A record changed once was sent exactly once.
        once = {key for key, versions in ledger.versions.items() if len(versions) == 1}
        counts = dict.fromkeys(once, 0)
        for _, record_id in reader.stream:
            if record_id in counts:
                counts[record_id] += 1
        assert set(counts.values()) == {1}
    if engine.dialect.name == "postgresql":
        # The point of the design: pushes overlapped, committed out of order,
        # and pulls were held back below a version still in flight.
        assert ledger.most_in_flight > 1, "the pushes never ran side by side"
        order = [low for _, low in sorted(ledger.commits)]
        assert order != sorted(order), "no push committed before an earlier version"
        assert held_back[0] > 0, "no pull was ever bounded by a version in flight"


def test_parallel_pushes_never_make_a_pull_skip_or_repeat_a_change(
    engine: Engine, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(engine, district, SHORT, monkeypatch)


@soak
def test_parallel_pushes_soak(
    engine: Engine, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(engine, district, SOAK, monkeypatch)


def test_a_rolled_back_writer_holds_pulls_back_only_until_it_ends(
    engine: Engine, district: District
) -> None:
    """A writer draws a version and rolls back while a later writer commits:
    the pull stays below the first until it has ended, then reads the second."""
    writer = _scope(engine, "mediator.baijia", district)
    reader = Reader(engine, _scope(engine, "supervisor.fuxing", district), 100)
    reader.catch_up(time.monotonic() + 30)
    reader.stream.clear()
    start = reader.cursor
    unit = district.baijia_committee.id
    late = _request("device-late", [mutation("cases", uuid.uuid4(), case_fields(unit))])
    committed: list[int | None] = []

    def draw_then_roll_back() -> None:
        with write_session(engine) as doomed:
            early = _request("device-early", [mutation("cases", uuid.uuid4(), case_fields(unit))])
            apply_push(doomed, writer, "device-early", early, datetime.now(UTC))
            if engine.dialect.name == "postgresql":
                with write_session(engine) as session:
                    answer, _ = apply_push(session, writer, "device-late", late, datetime.now(UTC))
                committed.append(answer.results[0].version)
                assert not reader.page()
                assert reader.cursor == start, "the pull went past a version in flight"
            raise _RollBackError

    with pytest.raises(_RollBackError):
        draw_then_roll_back()
    if engine.dialect.name != "postgresql":
        with write_session(engine) as session:
            response, _ = apply_push(session, writer, "device-late", late, datetime.now(UTC))
        committed.append(response.results[0].version)
    reader.catch_up(time.monotonic() + 30)
    assert [version for version, _ in reader.stream] == committed


def _batch(device: str, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"device_id": device, "protocol": PROTOCOL_VERSION, "mutations": mutations}


def test_racing_deliveries_of_one_push_apply_once(
    settings: ServerSettings, engine: Engine, district: District
) -> None:
    """A device that retries a push while the first delivery is still being
    applied: one delivery applies, the others report duplicates with the
    same versions, and the records exist once."""
    unit = district.baijia_committee.id
    device = "device-racer"
    existing = uuid.uuid4()
    with serving(create_app(settings, engine)) as base_url:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            login(http, "mediator.baijia", device)
            [created] = push(http, device, [mutation("cases", existing, case_fields(unit))])
            token = http.headers["Authorization"]
        new_ids = [uuid.uuid4() for _ in range(3)]
        batch = [mutation("cases", new_id, case_fields(unit)) for new_id in new_ids]
        batch.append(
            mutation("cases", existing, {"description": "retried"}, base_version=created["version"])
        )

        def deliver(_: int) -> list[Any]:
            with httpx.Client(base_url=base_url, timeout=60) as client:
                client.headers["Authorization"] = token
                return push(client, device, batch)

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(deliver, range(4)))
    statuses = sorted(tuple(result["status"] for result in answer) for answer in answers)
    assert statuses[-1] == ("duplicate",) * 4
    assert statuses.count(("applied",) * 4) == 1
    assert statuses.count(("duplicate",) * 4) == 3
    assert len({tuple(result["version"] for result in answer) for answer in answers}) == 1
    with read_session(engine) as session:
        count = session.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.id.in_(new_ids))  # type: ignore[attr-defined]
        )
    assert count == len(new_ids)


def test_concurrent_edits_of_one_field_keep_every_overwritten_value(
    settings: ServerSettings, engine: Engine, district: District
) -> None:
    """Devices that all knew version v of a case change the same field at
    once: one change applies, each other one applies too and keeps the value
    it overwrote as a conflict (invariant 5), none is lost to a race."""
    unit = district.baijia_committee.id
    case_id = uuid.uuid4()
    devices = [f"device-editor-{n}" for n in range(4)]
    with serving(create_app(settings, engine)) as base_url:
        clients = []
        for device in devices:
            client = httpx.Client(base_url=base_url, timeout=60)
            login(client, "mediator.baijia", device)
            clients.append(client)
        try:
            [created] = push(
                clients[0], devices[0], [mutation("cases", case_id, case_fields(unit))]
            )

            def edit(index: int) -> dict[str, Any]:
                change = mutation(
                    "cases",
                    case_id,
                    {"description": f"edit {index}"},
                    base_version=created["version"],
                )
                [result] = push(clients[index], devices[index], [change])
                return result

            with ThreadPoolExecutor(max_workers=len(devices)) as pool:
                results = list(pool.map(edit, range(len(devices))))
        finally:
            for client in clients:
                client.close()
    statuses = sorted(result["status"] for result in results)
    assert statuses == ["applied"] + ["conflict"] * (len(devices) - 1)
    assert len({result["version"] for result in results}) == len(devices)
    with read_session(engine) as session:
        conflicts = session.scalar(
            select(func.count()).select_from(ConflictRow).where(ConflictRow.record_id == case_id)  # type: ignore[arg-type]
        )
    assert conflicts == len(devices) - 1
