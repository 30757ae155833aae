"""A typical day in the field, over a weak mobile link (issue #20, item 7).

Each device does a day's work and syncs the way the app's engine does
(push, then upload blobs with the app's resumable ``upload_blobs``, then
pull): ten field visits (``DayPlan``), each pushed as a small batch (the
visit and the attachment records of its photos, gzip, the app's
``encode_push``) with two photos of 250 KB (a 1600 px JPEG at
quality 80 is a few hundred KB, ``field_app/services/photos.py``), and a
no-op sync after each visit (what the app does when a timer or a tap syncs
with nothing to send: one pull). Every device talks to the server through
its own connection of a ``WeakLink``; a sync the link cuts is tried again
from the start, as the app's next round would (pushes are idempotent,
uploads resume where the server's copy ends, pulls where the cursor is).

Reported: the seconds a device spends syncing in its day (all syncs added,
the time between them is the field work), the part of it uploading photos,
and what a no-op sync costs over the link: its seconds, HTTP requests and
round trips (requests plus connections opened, each one round trip).
"""

import hashlib
import os
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from bench.load_bench import ROUND_DEADLINE_S, LoadDevice
from bench.load_checks import Checks, check_server
from bench.load_fleet import build_fleet
from bench.visits import visit_fields
from bench.weak_link import LinkShape, WeakLink
from field_app.errors import Offline
from field_app.sync.blobs import CHUNK_BYTES, upload_blobs
from shared_models.protocol.push import Mutation, MutationStatus, PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION


@dataclass(frozen=True)
class DayPlan:
    """What a device does in its day (the test runs a shorter one)."""

    visits: int = 10
    photos_per_visit: int = 2
    photo_bytes: int = 250_000


ATTEMPTS = 12
"""A sync cut by the link this often in a row fails the run (every loop is bounded)."""
DAY_DEADLINE_S = 1800.0


class MemoryBlobs:
    """The device's blob store for the bench (``field_app.sync.blobs.BlobSource``)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.waiting: list[str] = []

    def add(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        self.data[sha256] = content
        self.waiting.append(sha256)
        return sha256

    def pending(self) -> Sequence[tuple[str, int, str]]:
        return [(sha, len(self.data[sha]), "image/jpeg") for sha in self.waiting]

    def read(self, sha256: str, offset: int, size: int) -> bytes:
        return self.data[sha256][offset : offset + size]

    def mark_uploaded(self, sha256: str) -> None:
        self.waiting.remove(sha256)

    def mark_refused(self, sha256: str, reason: str) -> None:
        raise RuntimeError(f"the server refused a photo: {reason}")


@dataclass
class Day:
    """One device's day."""

    sync_s: float = 0.0
    upload_s: float = 0.0
    retries: int = 0
    noop_s: list[float] = field(default_factory=list)
    noop_requests: list[int] = field(default_factory=list)


class DayDevice(LoadDevice):
    """A phone on its own weak link: ``LoadDevice``'s sign-in, case and pull,
    plus photos and retries; counts the HTTP requests it sends."""

    def __init__(self, link: WeakLink, seat: Any, checks: Checks, plan: DayPlan) -> None:
        super().__init__(link.url, seat, checks)
        self.link = link
        self.plan = plan
        self.http.timeout = httpx.Timeout(ROUND_DEADLINE_S)
        self.requests = 0
        self.http.event_hooks["request"] = [self._count]
        self.blobs = MemoryBlobs()
        self.day = Day()

    def _count(self, _request: httpx.Request) -> None:
        self.requests += 1

    def enrol(self) -> None:
        """Sign in, the first sync, open the case: not measured, but over the
        link all the same, so tried again when it is cut (the case's mutation
        is made once, so a second delivery is a duplicate)."""
        fields = {
            "title": "宅基地边界纠纷",
            "category": "neighbourhood",
            "source": "walk_in",
            "description": "负载测试案件",
            "org_unit_id": str(self.seat.committee_id),
            "opened_at": "2026-12-07T08:00:00+08:00",
        }
        case = self._mutation("cases", self.case_id, fields, None)
        for step in (self.sign_in, lambda: self._sync([]), lambda: self._push_all([case])):
            self._again(step)

    def work(self) -> Day:
        """The day: a visit with its photos, then a no-op sync, ``plan.visits`` times."""
        day = datetime(2026, 12, 7, tzinfo=UTC)
        for visit in range(self.plan.visits):
            mutations = self._visit(day + timedelta(minutes=40 * visit), visit)
            self.day.sync_s += self._sync(mutations)
            requests, connections = self.requests, self.link.stats.connections
            seconds = self._sync([])
            self.day.sync_s += seconds
            self.day.noop_s.append(seconds)
            opened = self.link.stats.connections - connections
            self.day.noop_requests.append(self.requests - requests + opened)
        return self.day

    def _visit(self, day: datetime, number: int) -> list[Mutation]:
        visit_id = uuid.uuid4()
        mutations = [
            self._mutation("visits", visit_id, visit_fields(self.rng, self.case_id, day), None)
        ]
        for photo in range(self.plan.photos_per_visit):
            content = os.urandom(self.plan.photo_bytes)  # a JPEG does not compress either
            photo_fields = {
                "owner_table": "visits",
                "owner_id": str(visit_id),
                "kind": "photo",
                "sha256": self.blobs.add(content),
                "size": len(content),
                "mime": "image/jpeg",
                "width": 1600,
                "height": 1200,
                "caption": f"现场照片 {number}-{photo}",
                "taken_at": day.isoformat(),
            }
            mutations.append(self._mutation("attachments", uuid.uuid4(), photo_fields, None))
        return mutations

    def _sync(self, mutations: list[Mutation]) -> float:
        """One sync as the app's engine runs it (push, photos, pull), tried
        again while the link cuts it; the seconds it took, retries included."""
        started = time.perf_counter()

        def once() -> None:
            if mutations:
                self._push_all(mutations)
            uploading = time.perf_counter()
            upload_blobs(self.client, self.blobs, CHUNK_BYTES, lambda _done, _total: None)
            self.day.upload_s += time.perf_counter() - uploading
            self.pull_all()

        self._again(once)
        return time.perf_counter() - started

    def _again(self, action: Callable[[], object]) -> None:
        """``action``, again after a cut link (the app's next round), bounded."""
        for attempt in range(ATTEMPTS):
            try:
                action()
                return
            except (Offline, httpx.TransportError):
                self.day.retries += 1
                time.sleep(min(2.0, 0.2 * 2**attempt))  # the app backs off too
        raise RuntimeError(f"a sync failed {ATTEMPTS} times in a row on the weak link")

    def _push_all(self, mutations: list[Mutation]) -> None:
        request = PushRequest(
            device_id=self.device_id,
            protocol=PROTOCOL_VERSION,
            app_version="load-day",
            mutations=mutations,
        )
        self.checks.pushing(self, mutations, 0)
        visits = []
        for sent, result in zip(mutations, self.client.push(request).results, strict=True):
            if result.status not in (MutationStatus.APPLIED, MutationStatus.DUPLICATE):
                self.checks.error(f"{sent.table} {result.status}: {result.error}")
            elif sent.table.value == "visits":
                visits.append(sent)
        self.checks.visits_applied(self, visits)


@dataclass
class DayReport:
    devices: int
    shape: LinkShape
    plan: DayPlan
    days: list[Day]
    link_connections: int
    link_drops: int
    up_bytes: int
    down_bytes: int
    wall_s: float

    def rows(self) -> list[tuple[str, str, str, bool | None]]:
        sync = sorted(day.sync_s for day in self.days)
        upload = statistics.median(day.upload_s for day in self.days)
        noop_s = [s for day in self.days for s in day.noop_s]
        noop_trips = [n for day in self.days for n in day.noop_requests]
        shape, plan = self.shape, self.plan
        photos = plan.visits * plan.photos_per_visit
        return [
            (
                "weak link",
                f"{shape.round_trip_s * 1000:.0f} ms round trip, {shape.bytes_per_s / 1000:.0f} "
                f"KB/s, a cut every {shape.drop_every_s:.0f} s on average",
                "",
                None,
            ),
            (
                f"a day's sync: {plan.visits} visits, {photos} photos of "
                f"{plan.photo_bytes // 1000} KB",
                f"median {statistics.median(sync):.0f} s, slowest {sync[-1]:.0f} s "
                f"({self.devices} devices at once)",
                "",
                None,
            ),
            ("  of which uploading photos (median)", f"{upload:.0f} s", "", None),
            (
                "no-op sync over the link",
                f"median {statistics.median(noop_s):.2f} s, "
                f"round trips median {statistics.median(noop_trips):.0f} "
                f"(max {max(noop_trips)})",
                "",
                None,
            ),
            (
                "link: connections / cuts / syncs tried again",
                f"{self.link_connections} / {self.link_drops} / "
                f"{sum(day.retries for day in self.days)}",
                "",
                None,
            ),
            (
                "bytes per device up / down",
                f"{self.up_bytes / self.devices / 1e6:.2f} MB / "
                f"{self.down_bytes / self.devices / 1e6:.2f} MB",
                "",
                None,
            ),
        ]


def day_run(
    engine: Engine,
    server_urls: list[str],
    *,
    devices: int,
    offices: int,
    shape: LinkShape,
    plan: DayPlan | None = None,
) -> tuple[DayReport, Checks]:
    """Every device's day at once, each on a weak link of its own to one of
    the servers; bounded by ``DAY_DEADLINE_S``."""
    plan = plan or DayPlan()
    fleet = build_fleet(engine, devices, offices)
    checks = Checks(fleet)
    enrolled: list[DayDevice] = []
    links: list[WeakLink] = []
    try:
        for index, seat in enumerate(fleet.seats[:devices]):
            target = server_urls[index % len(server_urls)]
            link = WeakLink(int(target.rsplit(":", 1)[1]), replace(shape, seed=shape.seed + index))
            links.append(link.__enter__())
            enrolled.append(DayDevice(link, seat, checks, plan))
        with ThreadPoolExecutor(max_workers=devices, thread_name_prefix="day") as pool:
            list(pool.map(DayDevice.enrol, enrolled))
            started = time.perf_counter()
            futures = [pool.submit(device.work) for device in enrolled]
            done, late = wait(futures, timeout=DAY_DEADLINE_S)
            if late:
                raise RuntimeError(f"{len(late)} devices had not finished their day")
            days = [future.result() for future in done]
            wall = time.perf_counter() - started
            list(pool.map(lambda device: device._again(device.pull_all), enrolled))
        checks.final([*enrolled])
        check_server(engine, checks)
        for device in enrolled:
            if device.blobs.waiting:
                checks.error(f"{len(device.blobs.waiting)} photos never reached the server")
    finally:
        for device in enrolled:
            device.close()
        for link in links:
            link.__exit__(None, None, None)
    report = DayReport(
        devices=devices,
        shape=shape,
        plan=plan,
        days=days,
        link_connections=sum(link.stats.connections for link in links),
        link_drops=sum(link.stats.drops for link in links),
        up_bytes=sum(link.stats.up for link in links),
        down_bytes=sum(link.stats.down for link in links),
        wall_s=wall,
    )
    return report, checks
