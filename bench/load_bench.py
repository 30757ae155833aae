"""Sync at 8 a.m.: many devices of several offices syncing at the same moment.

    .venv/bin/python -m bench.load_bench                 # 40 devices, 5 offices, 25 rounds
    .venv/bin/python -m bench.load_bench --capacity      # then: how many devices hold p99 <= 1 s
    .venv/bin/python -m bench.load_bench --capacity --capacity-workers 1,2   # one vs two processes
    .venv/bin/python -m bench.load_bench --day           # a day's sync over a weak mobile link

A fresh PostgreSQL database gets a district of ``--offices`` offices, one
mediator per device, spread evenly; ``lastmile server --workers 2`` (the real
command, started from an empty folder) serves it on loopback. Every device
signs in and opens its own case; then, in each round, all devices start
together and each does what the app does after a field visit: push 5 new
visits and 1 edit of its case in one gzip-compressed batch (the app's own
``encode_push``), then pull until nothing is left (the app's page size). The
table gives the sync round's p50/p95/p99, mutations per second, how busy the
machine's CPUs were, the load average, the lock waits sampled from
``pg_stat_activity``, and the correctness checks (``load_checks.py``).

``--day`` runs a field worker's day instead, every device on a weak mobile
link of its own (``load_day.py``, ``weak_link.py``: 300 ms, 50 KB/s, cuts).
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import Engine

from bench.cpu_use import CpuUse, busy_rows, cpu_use
from bench.harness import fresh_postgres, running_cli_server
from bench.load_checks import Checks, LockSampler, check_server
from bench.load_fleet import PASSWORD, Fleet, Seat, build_fleet, found_district
from bench.visits import visit_fields
from field_app.config import AppSettings
from field_app.sync.client import SyncClient
from shared_models.protocol.push import Mutation, MutationStatus, PushRequest
from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.db import make_engine
from sync_server.core.migrate import upgrade

VISITS_PER_ROUND = 5
P99_TARGET_S = 1.0
ROUND_DEADLINE_S = 120.0
"""A round whose devices have not all finished by then fails the run (bounded)."""
APP = AppSettings()


class LoadDevice:
    """One phone: signed in once, then syncing as the app's engine does."""

    def __init__(self, base_url: str, seat: Seat, checks: Checks) -> None:
        self.seat = seat
        self.checks = checks
        self.http = httpx.Client(
            base_url=base_url, timeout=ROUND_DEADLINE_S, headers={"Accept-Encoding": "gzip"}
        )
        self.device_id = f"load-{uuid.uuid4().hex[:12]}"
        self.token: str | None = None
        self.client = SyncClient(self.http, lambda: self.token)
        self.cursor: str | None = None
        self.case_id = uuid.uuid4()
        self.case_version = 0
        self.rng = random.Random(self.device_id)
        self.seen: dict[tuple[str, str], int] = {}
        """The last version of every record this device received."""

    def sign_in(self) -> None:
        answer = self.client.login(self.seat.username, PASSWORD, self.device_id, "load bench")
        self.token = answer.token

    def open_case(self) -> None:
        fields = {
            "title": "宅基地边界纠纷",
            "category": "neighbourhood",
            "source": "walk_in",
            "description": "负载测试案件",
            "org_unit_id": str(self.seat.committee_id),
            "opened_at": "2026-12-07T08:00:00+08:00",
        }
        self._push([self._mutation("cases", self.case_id, fields, None)], round_no=-1)

    def sync_round(self, round_no: int) -> float:
        """Push 5 visits and a case edit, then pull everything; the seconds it took."""
        day = datetime(2026, 12, 7, tzinfo=UTC) + timedelta(days=round_no)
        mutations = [
            self._mutation("visits", uuid.uuid4(), visit_fields(self.rng, self.case_id, day), None)
            for _ in range(VISITS_PER_ROUND)
        ]
        edit = {"title": f"宅基地边界纠纷（第{round_no}轮）"}
        mutations.append(self._mutation("cases", self.case_id, edit, self.case_version))
        started = time.perf_counter()
        self._push(mutations, round_no)
        self.pull_all()
        return time.perf_counter() - started

    def pull_all(self) -> None:
        while True:
            page = self.client.pull(self.cursor, APP.pull_page_size)
            for change in page.changes:
                self.checks.received(self, change.table.value, change.record)
            self.cursor = page.cursor
            if not page.more:
                return

    def _mutation(
        self, table: str, record_id: UUID, fields: dict[str, Any], base: int | None
    ) -> Mutation:
        return Mutation.model_validate(
            {
                "mutation_id": str(uuid.uuid4()),
                "table": table,
                "record_id": str(record_id),
                "op": "upsert",
                "base_version": base,
                "fields": fields,
                "client_time": datetime.now(UTC).isoformat(),
            }
        )

    def _push(self, mutations: list[Mutation], round_no: int) -> None:
        request = PushRequest(
            device_id=self.device_id,
            protocol=PROTOCOL_VERSION,
            app_version="load-bench",
            mutations=mutations,
        )
        self.checks.pushing(self, mutations, round_no)
        response = self.client.push(request)  # the app's encode_push: gzip level 6
        visits = []
        for sent, result in zip(mutations, response.results, strict=True):
            if result.status is not MutationStatus.APPLIED:
                self.checks.error(f"{sent.table} {result.status}: {result.error}")
            elif sent.table.value == "visits":
                visits.append(sent)
            elif result.version is not None:
                self.case_version = result.version
                self.checks.case_edit_applied(self, sent)
        self.checks.visits_applied(self, visits)

    def close(self) -> None:
        self.http.close()


@dataclass
class Step:
    """One measured run of ``devices`` devices over ``rounds`` rounds."""

    devices: int
    rounds: int
    times: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    mutations: int = 0
    cpu: CpuUse = field(default_factory=CpuUse)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def percentile(self, share: float) -> float:
        if not self.times:
            return float("nan")
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_rounds(
    devices: list[LoadDevice], rounds: int, checks: Checks, sampler: LockSampler | None = None
) -> Step:
    """``rounds`` bursts: all devices start together, the next burst starts
    when all have finished (the way devices sync after a meeting)."""
    step = Step(devices=len(devices), rounds=rounds)
    with ThreadPoolExecutor(max_workers=len(devices), thread_name_prefix="device") as pool:
        sampling: AbstractContextManager[object] = sampler.sampling() if sampler else nullcontext()
        with cpu_use() as step.cpu, sampling:
            started = time.perf_counter()
            for round_no in range(rounds):
                futures = [pool.submit(device.sync_round, round_no) for device in devices]
                done, late = wait(futures, timeout=ROUND_DEADLINE_S)
                if late:
                    raise RuntimeError(f"round {round_no}: {len(late)} devices still syncing")
                for future in done:
                    if future.exception() is not None:
                        checks.error(f"round {round_no}: {future.exception()!r}")
                    else:
                        step.times.append(future.result())
            step.wall_s = time.perf_counter() - started
    step.load = os.getloadavg()
    step.mutations = len(devices) * rounds * (VISITS_PER_ROUND + 1)
    return step


def enrol(fleet: Fleet, base_urls: list[str], devices: int, checks: Checks) -> list[LoadDevice]:
    """Sign in ``devices`` devices (spread over the servers), each opens its case
    and pulls once; none of this is measured."""
    enrolled = []
    for index, seat in enumerate(fleet.seats[:devices]):
        device = LoadDevice(base_urls[index % len(base_urls)], seat, checks)
        device.sign_in()
        device.open_case()
        enrolled.append(device)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda device: device.pull_all(), enrolled))
    return enrolled


def load_run(
    engine: Engine,
    base_urls: list[str],
    *,
    devices: int,
    offices: int,
    rounds: int,
    sampler: LockSampler | None = None,
) -> tuple[Step, Checks]:
    """The whole measured run against servers already running on ``engine``'s
    database; the correctness checks include a final pull by every device."""
    fleet = build_fleet(engine, devices, offices)
    checks = Checks(fleet)
    enrolled = enrol(fleet, base_urls, devices, checks)
    try:
        step = run_rounds(enrolled, rounds, checks, sampler)
        for device in enrolled:
            device.pull_all()
        checks.final(enrolled)
        check_server(engine, checks)
    finally:
        for device in enrolled:
            device.close()
    return step, checks


def capacity(
    engine: Engine, base_urls: list[str], args: argparse.Namespace
) -> list[tuple[Step, Checks]]:
    """Step the number of devices up until p99 passes the target (or the
    largest step is reached); each step is a new fleet in the same database."""
    steps = []
    for count in args.capacity_steps:
        step, checks = load_run(
            engine, base_urls, devices=count, offices=args.offices, rounds=args.capacity_rounds
        )
        steps.append((step, checks))
        print(f"  {count} devices: p99 {step.percentile(0.99):.2f} s", flush=True)
        if step.percentile(0.99) > P99_TARGET_S:
            break
    return steps


@contextmanager
def servers(db_url: str | None, workers: int) -> Iterator[tuple[str, Engine, list[str]]]:
    """A fresh migrated PostgreSQL database and ``lastmile server`` on it."""
    with fresh_postgres() if db_url is None else _given(db_url) as url:
        upgrade(url)
        engine = make_engine(url)
        found_district(engine)
        try:
            with running_cli_server(url, workers) as server:
                yield url, engine, [f"http://127.0.0.1:{server.port}"]
        finally:
            engine.dispose()


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


def report(step: Step, checks: Checks, sampler: LockSampler, args: argparse.Namespace) -> bool:
    """Print the table; ``True`` when every target is met."""
    p99 = step.percentile(0.99)
    rows: list[tuple[str, str, str, bool | None]] = [
        ("devices / offices / rounds", f"{step.devices}/{args.offices}/{step.rounds}", "", None),
        (
            "sync round p50 / p95 / p99",
            " / ".join(f"{step.percentile(q):.2f} s" for q in (0.5, 0.95, 0.99)),
            f"p99 ≤ {P99_TARGET_S:.1f} s",
            p99 <= P99_TARGET_S,
        ),
        ("sync round mean", f"{statistics.fmean(step.times or [0]):.2f} s", "", None),
        ("mutations/s", f"{step.mutations / step.wall_s:,.0f} ({step.wall_s:.1f} s)", "", None),
        *((name, value, "", None) for name, value in busy_rows(step.cpu)),
        ("load average 1/5/15 min", " / ".join(f"{x:.1f}" for x in step.load), "", None),
        *checks.rows(),
        *sampler.rows(),
    ]
    _print_rows(rows)
    return all(ok is not False for _, _, _, ok in rows)


def _print_rows(rows: list[tuple[str, str, str, bool | None]]) -> None:
    cells = [(a, b, c, "" if ok is None else ("PASS" if ok else "MISS")) for a, b, c, ok in rows]
    header = ("metric", "measured", "target", "result")
    widths = [max(len(c[i]) for c in [*cells, header]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *cells]:
        print("| " + " | ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=True)) + " |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench", description=__doc__)
    parser.add_argument("--devices", type=int, default=40)
    parser.add_argument("--offices", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="lastmile server --workers")
    parser.add_argument("--db-url", help="an existing, empty, migrated PostgreSQL database")
    parser.add_argument(
        "--capacity", action="store_true", help="then step the devices to find p99 ≤ 1 s"
    )
    parser.add_argument(
        "--capacity-steps",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[10, 20, 30, 40, 60, 80],
        help="device counts tried in turn (comma-separated)",
    )
    parser.add_argument("--capacity-rounds", type=int, default=10)
    parser.add_argument(
        "--capacity-workers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[],
        help="step the devices again with these server processes (e.g. 1,2)",
    )
    parser.add_argument("--day", action="store_true", help="a day's sync over a weak link")
    parser.add_argument("--day-devices", type=int, default=8)
    parser.add_argument("--round-trip-ms", type=float, default=300.0)
    parser.add_argument("--link-kb-per-s", type=float, default=50.0)
    parser.add_argument("--drop-every-s", type=float, default=60.0, help="0: never cut")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"LastMile load bench: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, lastmile server --workers {args.workers}, "
        f"PostgreSQL; load average at start {load}",
        flush=True,
    )
    if args.day:
        return _day(args)
    with servers(args.db_url, args.workers) as (url, engine, base_urls):
        sampler = LockSampler(url)
        step, checks = load_run(
            engine,
            base_urls,
            devices=args.devices,
            offices=args.offices,
            rounds=args.rounds,
            sampler=sampler,
        )
        ok = report(step, checks, sampler, args)
        if args.capacity:
            _capacity(engine, base_urls, args, args.workers)
    for workers in args.capacity_workers:
        with servers(args.db_url, workers) as (_, engine, base_urls):
            _capacity(engine, base_urls, args, workers)
    print(f"\n(whole run {time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


def _capacity(engine: Engine, base_urls: list[str], args: argparse.Namespace, workers: int) -> None:
    print(f"\ncapacity, {workers} server processes (p99 of a sync round):", flush=True)
    held = [s.devices for s, c in capacity(engine, base_urls, args) if _holds(s, c)]
    print(f"devices holding p99 ≤ {P99_TARGET_S:.0f} s with {workers}: {max(held, default=0)}")


def _day(args: argparse.Namespace) -> int:
    """``--day``: every device's day over a weak link of its own."""
    # Imported here: load_day builds on this module's LoadDevice.
    from bench.load_day import day_run
    from bench.weak_link import LinkShape

    shape = LinkShape(
        round_trip_s=args.round_trip_ms / 1000,
        bytes_per_s=int(args.link_kb_per_s * 1000),
        drop_every_s=args.drop_every_s,
    )
    with servers(args.db_url, args.workers) as (_, engine, base_urls):
        day, checks = day_run(
            engine, base_urls, devices=args.day_devices, offices=args.offices, shape=shape
        )
    rows = [*day.rows(), *checks.rows()]
    _print_rows(rows)
    return 0 if checks.clean else 1


def _holds(step: Step, checks: Checks) -> bool:
    return step.percentile(0.99) <= P99_TARGET_S and checks.clean


if __name__ == "__main__":
    sys.exit(main())
