"""Where a push's server CPU goes, measured quietly enough for a busy machine.

    .venv/bin/python -m bench.push_profile                 # app's batch, PostgreSQL
    .venv/bin/python -m bench.push_profile --top 40 --sort tottime

The whole server stack runs in this process (middleware, body limits and
decompression, request validation, authentication, the route, the services,
the audit entry and its chain step, the answer's JSON), driven through its
ASGI interface with FastAPI's thread pool run inline, so the profiler and
the CPU clock see every step in one thread. PostgreSQL is a fresh database
(its own CPU is not counted: ``time.process_time`` is this process's).

It pushes batches of 1 mutation (the fixed part of a push) and of the app's
batch size (``field_app/config.py``: 200 new visits, gzip, as
``push_cost.app_push_body`` encodes them), in turns, and prints the CPU per
push of each (median), the fixed part and the part per mutation they imply,
and the cProfile of the batches of the app's size. CPU time, unlike the wall
clock, barely moves with the machine's load.
"""

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import httpx
from sqlalchemy import Engine, event

from bench.harness import fresh_postgres
from bench.push_cost import APP_BATCH, app_push_body
from bench.visits import visit_mutations
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine
from sync_server.core.migrate import upgrade
from sync_server.core.runtime import tune_garbage_collection
from sync_server.main import create_app
from tests.factories import PASSWORD, case_fields, load_district, mutation

Result = TypeVar("Result")


async def _inline(func: Callable[..., Result], *args: Any, **_: Any) -> Result:
    """``anyio.to_thread.run_sync`` without the thread: the profiler sees the endpoint."""
    return func(*args)


class InProcessDevice:
    """A signed-in device speaking to the app through its ASGI interface."""

    def __init__(self, app: Any) -> None:
        transport = httpx.ASGITransport(app=app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://bench")
        self.device_id = "profile-device"
        self.seed = 0

    async def login(self, username: str) -> None:
        response = await self.http.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": PASSWORD,
                "device_id": self.device_id,
                "device_name": "profile",
            },
        )
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def body(self, count: int, case_id: Any) -> bytes:
        """The next ``count`` new visits, encoded as the app encodes a batch."""
        self.seed += 1
        return app_push_body(self.device_id, visit_mutations(count, case_id, seed=self.seed))

    async def push(self, body: bytes) -> None:
        response = await self.http.post(
            "/api/v1/sync/push",
            content=body,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"push failed: {response.status_code} {response.text[:300]}")


def count_statements(engine: Engine) -> list[int]:
    """Statements the engine sends, BEGIN and COMMIT included: each a round trip."""
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    for name in ("before_cursor_execute", "begin", "commit"):
        event.listen(engine, name, count)
    return counter


def cpu_of(run: Callable[[], Awaitable[None]], loop: asyncio.AbstractEventLoop) -> float:
    started = time.process_time()
    loop.run_until_complete(run())
    return time.process_time() - started


def measure(args: argparse.Namespace) -> None:
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    with fresh_postgres() as url, tempfile.TemporaryDirectory() as folder:
        upgrade(url)
        engine = make_engine(url)
        district = load_district(engine)
        app = create_app(ServerSettings(db=url, blobs=Path(folder) / "blobs"), engine)
        tune_garbage_collection()
        statements = count_statements(engine)
        loop = asyncio.new_event_loop()
        device = InProcessDevice(app)
        loop.run_until_complete(device.login("mediator.baijia"))
        case_id = uuid.uuid4()
        case = mutation("cases", case_id, case_fields(district.baijia_committee.id))
        loop.run_until_complete(device.push(app_push_body(device.device_id, [case])))
        for _ in range(args.warm_up):  # plans, caches, the scope cache, the pool
            loop.run_until_complete(device.push(device.body(args.batch, case_id)))
        single: list[float] = []
        batch: list[float] = []
        for _ in range(args.pushes):  # the CPU clock alone, in turns
            one, many = device.body(1, case_id), device.body(args.batch, case_id)
            single.append(cpu_of(lambda one=one: device.push(one), loop))  # type: ignore[misc]
            batch.append(cpu_of(lambda many=many: device.push(many), loop))  # type: ignore[misc]
        trips = {}
        for size in (1, args.batch):
            before = statements[0]
            loop.run_until_complete(device.push(device.body(size, case_id)))
            trips[size] = statements[0] - before
        profiles = {}
        for size in (1, args.batch):  # then under the profiler, which costs CPU of its own
            profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for PostgreSQL
            for _ in range(args.pushes):
                body = device.body(size, case_id)
                profiler.enable()
                loop.run_until_complete(device.push(body))
                profiler.disable()
            profiles[size] = profiler
        loop.run_until_complete(device.http.aclose())
        loop.close()
        engine.dispose()
    fixed, per_batch = statistics.median(single), statistics.median(batch)
    per_mutation = (per_batch - fixed) / (args.batch - 1)
    print(f"server CPU per push (median of {args.pushes}, in-process, PostgreSQL):")
    print(f"  push of 1 mutation:    {fixed * 1000:7.2f} ms")
    print(f"  push of {args.batch} mutations: {per_batch * 1000:7.2f} ms")
    print(f"  fixed part ≈ {fixed * 1000:.2f} ms, per mutation ≈ {per_mutation * 1e6:.1f} µs")
    for size, count in trips.items():
        print(f"  statements, BEGIN and COMMIT of a push of {size}: {count} (COPY not counted)")
    for size, profiler in profiles.items():
        print(f"\ncProfile of {args.pushes} pushes of {size} (CPU, sorted by {args.sort}):")
        pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        if args.save:
            profiler.dump_stats(args.save / f"push-{size}.prof")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=APP_BATCH, help="mutations a push (app: 200)")
    parser.add_argument("--pushes", type=int, default=30, help="pushes of each size measured")
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--top", type=int, default=30, help="profile lines printed")
    parser.add_argument("--save", type=Path, help="a folder to write the profiles to (pstats)")
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    measure(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
