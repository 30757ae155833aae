"""The sync server benchmark: one command, one table.

    .venv/bin/python -m bench.sync_bench            # the full run (about a minute)
    .venv/bin/python -m bench.sync_bench --quick    # a smoke test in seconds

It creates a fresh PostgreSQL database (or uses ``--db-url``), migrates it,
loads a small district, starts the real server with uvicorn and talks to it
over loopback TCP through a proxy that counts the bytes on the wire. One
device pushes visits as the app pushes them (the app's batch size, encoded
and gzip-compressed by the app's own code, ``push_cost.py``) and a fresh
device pulls them all, in ``--rounds`` fresh databases (three by default;
the best round is the result, the median and slowest are printed beside
it). In the last round the push is swept over batch sizes to split its cost
into a fixed part per push and a part per mutation; both devices then
measure a sync with nothing to do; finally a large number of rows is loaded
straight into the database to show that a no-op pull does not grow with its
size.
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text

from bench.harness import CountingProxy, ServerProcess, fresh_postgres, running_server
from bench.push_cost import APP, PushCost, app_push_body, push_like_the_app, sweep
from bench.visits import insert_visits_directly, push_body, visit_mutations
from field_app.sync.client import SyncClient
from sync_server.core.db import make_engine
from sync_server.core.migrate import upgrade
from tests.factories import PASSWORD, District, case_fields, load_district, mutation


@dataclass
class Row:
    metric: str
    measured: str
    target: str
    ok: bool | None = None
    cpu: str = ""


class BenchDevice:
    """A signed-in device speaking the protocol the way the app does."""

    def __init__(self, base_url: str, username: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, timeout=300.0, headers={"Accept-Encoding": "gzip"}
        )
        self.device_id = f"bench-{uuid.uuid4().hex[:12]}"
        response = self.http.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": PASSWORD,
                "device_id": self.device_id,
                "device_name": "bench",
            },
        )
        response.raise_for_status()
        token: str = response.json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.client = SyncClient(self.http, lambda: token)
        """The app's protocol client, for pushing as the app does."""
        self.cursor: str | None = None

    def push(self, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One push as the app encodes and sends it (``push_cost.app_push_body``)."""
        response = self.client.push_encoded(app_push_body(self.device_id, mutations))
        return [result.model_dump(mode="json") for result in response.results]

    def pull_page(self, limit: int) -> tuple[dict[str, Any], int]:
        """One page and the size of its JSON once decompressed."""
        params: dict[str, Any] = {"limit": limit}
        if self.cursor:
            params["cursor"] = self.cursor
        response = self.http.get("/api/v1/sync/pull", params=params)
        if response.status_code != 200:
            raise RuntimeError(f"pull failed: {response.status_code} {response.text[:500]}")
        page: dict[str, Any] = response.json()
        self.cursor = page["cursor"]
        return page, len(response.content)

    def close(self) -> None:
        self.http.close()


@contextmanager
def database(db_url: str | None) -> Iterator[str]:
    if db_url:
        yield db_url
        return
    with fresh_postgres() as url:
        yield url


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_ms(action: Callable[[], object], repeat: int) -> float:
    return statistics.median(timed(action) for _ in range(repeat)) * 1000


def fastest_ms(action: Callable[[], object], repeat: int) -> float:
    """The best of ``repeat`` runs: what the work costs without interference,
    the fair figure for comparing two database sizes on a shared machine."""
    return min(timed(action) for _ in range(repeat)) * 1000


def verdict(value: float, limit: float) -> bool:
    return value <= limit


def run(args: argparse.Namespace) -> list[Row]:
    """Push and pull in ``--rounds`` fresh databases, each with its own
    server; the last round then sweeps the push's batch size, measures the
    syncs with nothing to do and the no-op pull over a large table."""
    transfers: list[Transfer] = []
    idle: list[Row] = []
    cost: list[Row] = []
    for number in range(args.rounds):
        with database(args.db_url) as db_url:
            upgrade(db_url)
            engine = make_engine(db_url)
            district = load_district(engine)
            with (
                running_server(db_url, args.workers) as server,
                CountingProxy(server.port) as proxy,
            ):
                base = f"http://127.0.0.1:{proxy.port}"
                transfer = _push_and_pull(args, district, server, proxy, base)
                transfers.append(transfer)
                if number == args.rounds - 1:
                    cost = _cost_rows(args, _sweep(args, server, transfer))
                    idle = _idle_rows(args, engine, district, server, proxy, base, transfer)
                transfer.close()
            engine.dispose()
    return _transfer_rows(args, transfers) + cost + idle


@dataclass
class Transfer:
    """One round's push of ``--records`` visits and their pull into a fresh device."""

    author: BenchDevice
    reader: BenchDevice
    case_id: UUID
    raw_fields: float
    push_s: float
    push_cpu: float
    push_up: int
    raw_up: int
    pull_s: float
    pull_cpu: float
    pull_down: int
    raw_down: int

    def close(self) -> None:
        self.author.close()
        self.reader.close()


def _push_and_pull(
    args: argparse.Namespace,
    district: District,
    server: ServerProcess,
    proxy: CountingProxy,
    base: str,
) -> Transfer:
    counter = proxy.counter
    records = args.records
    # This process holds the harness's objects (SQLAlchemy, the server's
    # modules, the district it loaded): a full collection while a pulled page
    # is parsed would walk them all (a 3 MB page parsed in 20-30 ms took up
    # to 110 ms). A device holds none of them; they are frozen out of the
    # collector's view, as the server does with its own at start-up.
    gc.collect()
    gc.freeze()
    author = BenchDevice(base, "mediator.baijia")
    case_id = uuid.uuid4()
    [created] = author.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    assert created["status"] == "applied", created

    mutations = visit_mutations(records, case_id)
    sample = mutations[:200]
    raw_fields = sum(len(_json_bytes(m["fields"])) for m in sample) / len(sample)
    raw_up = sum(
        len(push_body(author.device_id, mutations[start : start + APP.push_batch_size]))
        for start in range(0, records, APP.push_batch_size)
    )

    up0, _ = counter.snapshot()
    statuses: dict[str, int] = {}

    def push_all() -> None:
        for status in push_like_the_app(author.client, author.device_id, mutations, args.batch):
            statuses[status] = statuses.get(status, 0) + 1

    cpu0 = server.cpu_seconds()
    push_s = timed(push_all)
    push_cpu = server.cpu_seconds() - cpu0
    up1, _ = counter.snapshot()
    if statuses != {"applied": records}:
        raise RuntimeError(f"push results were {statuses}, expected {records} applied")

    reader = BenchDevice(base, "supervisor.baijia")
    seen: set[str] = set()
    raw_down = 0

    def pull_all() -> None:
        nonlocal raw_down
        while True:
            page, size = reader.pull_page(args.pull_limit)
            raw_down += size
            seen.update(c["record"]["id"] for c in page["changes"] if c["table"] == "visits")
            if not page["more"]:
                return

    _, down1 = counter.snapshot()
    cpu0 = server.cpu_seconds()
    pull_s = timed(pull_all)
    pull_cpu = server.cpu_seconds() - cpu0
    _, down2 = counter.snapshot()
    expected = {m["record_id"] for m in mutations}
    if seen != expected:
        raise RuntimeError(f"the fresh device pulled {len(seen)} of {len(expected)} visits")
    return Transfer(
        author=author,
        reader=reader,
        case_id=case_id,
        raw_fields=raw_fields,
        push_s=push_s,
        push_cpu=push_cpu,
        push_up=up1 - up0,
        raw_up=raw_up,
        pull_s=pull_s,
        pull_cpu=pull_cpu,
        pull_down=down2 - down1,
        raw_down=raw_down,
    )


def _transfer_rows(args: argparse.Namespace, transfers: list[Transfer]) -> list[Row]:
    """Push and pull as their best round, the fair figure on a machine whose
    speed drifts from minute to minute (the same push took 0.47-0.82 s of
    server CPU here within an hour); the median and slowest round are shown
    beside it. Bytes do not drift: the last round's are shown."""
    records = args.records
    scale = records / 10_000
    last = transfers[-1]
    return [
        Row(
            "records pushed / pulled",
            f"{records:,} visits, ~{last.raw_fields:.0f} B of JSON fields each",
            "",
            None,
        ),
        _best_round("push", records, [(t.push_s, t.push_cpu) for t in transfers], 0.8 * scale),
        _best_round("pull", records, [(t.pull_s, t.pull_cpu) for t in transfers], 0.25 * scale),
        Row(
            "push: bytes up / raw JSON",
            f"{last.push_up:,} / {last.raw_up:,} = {last.push_up / last.raw_up:.2f}×",
            "≤ 0.60×",
            verdict(last.push_up / last.raw_up, 0.6),
        ),
        Row(
            "pull: bytes down / raw JSON",
            f"{last.pull_down:,} / {last.raw_down:,} = {last.pull_down / last.raw_down:.2f}×",
            "≤ 0.60×",
            verdict(last.pull_down / last.raw_down, 0.6),
        ),
    ]


def _best_round(name: str, records: int, rounds: list[tuple[float, float]], target: float) -> Row:
    """``rounds``: seconds and server CPU seconds of each round."""
    seconds, cpu = min(rounds)
    measured = f"{seconds:.3f} s ({records / seconds:,.0f} rec/s)"
    if len(rounds) > 1:
        walls = [wall for wall, _ in rounds]
        measured += f"; median {statistics.median(walls):.3f}, slowest {max(walls):.3f}"
    return Row(
        f"{name}: seconds" + (f" (best of {len(rounds)})" if len(rounds) > 1 else ""),
        measured,
        f"≤ {target:.2f} s",
        verdict(seconds, target),
        f"{cpu:.2f} s",
    )


def _sweep(args: argparse.Namespace, server: ServerProcess, transfer: Transfer) -> PushCost:
    """Pushes of ``--sweep-sizes`` mutations, ``--sweep-pushes`` of each."""
    seeds = iter(range(10_000, 10_000 + len(args.sweep_sizes) * args.sweep_pushes))
    author = transfer.author
    cost = sweep(
        author.client,
        author.device_id,
        lambda count: visit_mutations(count, transfer.case_id, seed=next(seeds)),
        server.cpu_seconds,
        args.sweep_sizes,
        args.sweep_pushes,
    )
    # The reader catches up, so its no-op syncs that follow have nothing to do.
    while transfer.reader.pull_page(args.pull_limit)[0]["more"]:
        pass
    return cost


def _cost_rows(args: argparse.Namespace, cost: PushCost) -> list[Row]:
    """The sweep per size, the fitted fixed and per-mutation cost, and what
    the fit predicts for the app's 10,000 at its batch size and at the
    server's largest."""
    rows = [
        Row(
            f"push of {p.size} (sweep, per push)",
            f"{p.wall_ms:.1f} ms",
            "",
            None,
            _ms(p.cpu_ms / 1000),
        )
        for p in cost.points
    ]
    small, largest = APP.push_batch_size, APP.push_batch_size_good_link
    rows += [
        Row(
            "push: fixed cost per push (fit)",
            f"{cost.fixed_wall_ms:.1f} ms",
            "",
            None,
            _ms(cost.fixed_cpu_ms / 1000),
        ),
        Row(
            "push: cost per mutation (fit)",
            f"{cost.per_mutation_wall_us:.0f} µs",
            "",
            None,
            f"{cost.per_mutation_cpu_us:.0f} µs",
        ),
        Row(
            f"push 10,000 in {small}s / {largest}s: server CPU (fit)",
            f"{cost.cpu_for(10_000, small):.2f} s / {cost.cpu_for(10_000, largest):.2f} s",
            "",
            None,
        ),
    ]
    return rows


def _idle_rows(
    args: argparse.Namespace,
    engine: Any,
    district: District,
    server: ServerProcess,
    proxy: CountingProxy,
    base: str,
    transfer: Transfer,
) -> list[Row]:
    """A sync with nothing to do, and a no-op pull as the table grows."""
    counter = proxy.counter
    reader = transfer.reader

    def noop_sync() -> None:
        reader.push([])
        page, _ = reader.pull_page(args.pull_limit)
        assert not page["changes"], f"{len(page['changes'])} changes"
        assert not page["more"]

    noop_sync()  # warm
    up3, down3 = counter.snapshot()
    cpu0 = server.cpu_seconds()
    noop_ms = median_ms(noop_sync, args.repeat)
    noop_cpu = (server.cpu_seconds() - cpu0) / args.repeat
    up4, down4 = counter.snapshot()
    noop_bytes = ((up4 - up3) + (down4 - down3)) / args.repeat

    def noop_pull() -> None:
        page, _ = reader.pull_page(args.pull_limit)
        assert not page["changes"], f"{len(page['changes'])} changes"

    # What the app's no-op sync is: an empty outbox sends no push, no blob
    # waits, so the round is this one pull.
    up5, down5 = counter.snapshot()
    cpu0 = server.cpu_seconds()
    app_noop_ms = median_ms(noop_pull, args.repeat)
    app_noop_cpu = (server.cpu_seconds() - cpu0) / args.repeat
    up6, down6 = counter.snapshot()
    app_noop_bytes = ((up6 - up5) + (down6 - down5)) / args.repeat

    small_rows = _visit_count(engine)
    cpu0 = server.cpu_seconds()
    pull_small_ms = fastest_ms(noop_pull, args.repeat)
    pull_small_cpu = (server.cpu_seconds() - cpu0) / args.repeat
    big = _load_big_rows(args, engine, district, base)
    catch_up_ms = timed(lambda: reader.pull_page(args.pull_limit)) * 1000
    big_rows = _visit_count(engine)
    cpu0 = server.cpu_seconds()
    pull_big_ms = fastest_ms(noop_pull, args.repeat)
    pull_big_cpu = (server.cpu_seconds() - cpu0) / args.repeat
    peak_mb = server.peak_rss_mb()
    return [
        Row(
            f"no-op sync (median of {args.repeat}): ms",
            f"{noop_ms:.1f} ms",
            "≤ 20 ms",
            verdict(noop_ms, 20),
            _ms(noop_cpu),
        ),
        Row("no-op sync: bytes", f"{noop_bytes:,.0f} B", "≤ 2,048 B", verdict(noop_bytes, 2048)),
        Row(
            f"  as the app makes it (one pull; median of {args.repeat})",
            f"{app_noop_ms:.1f} ms, {app_noop_bytes:,.0f} B",
            "",
            None,
            _ms(app_noop_cpu),
        ),
        Row(
            f"no-op pull (best of {args.repeat}), {small_rows:,} visits",
            f"{pull_small_ms:.1f} ms",
            "",
            None,
            _ms(pull_small_cpu),
        ),
        Row(
            f"no-op pull (best of {args.repeat}), {big_rows:,} visits",
            f"{pull_big_ms:.1f} ms ({pull_big_ms / pull_small_ms:.2f}×)",
            "≤ 1.50×",
            verdict(pull_big_ms / pull_small_ms, 1.5),
            _ms(pull_big_cpu),
        ),
        Row("  (big rows loaded / catch-up pull)", f"{big:.1f} s / {catch_up_ms:.0f} ms", "", None),
        Row("server peak RSS (VmHWM)", f"{peak_mb:.0f} MB", "≤ 250 MB", verdict(peak_mb, 250)),
    ]


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _visit_count(engine: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM visits")).scalar_one())


def _load_big_rows(args: argparse.Namespace, engine: Any, district: District, base: str) -> float:
    """Fill the visits table up to ``--big-rows`` in another office's case."""
    other = BenchDevice(base, "mediator.xiyuan")
    case_id = uuid.uuid4()
    [created] = other.push([mutation("cases", case_id, case_fields(district.xiyuan_committee.id))])
    assert created["status"] == "applied", created
    other.close()
    missing = args.big_rows - _visit_count(engine)
    creator: UUID = district.user("mediator.xiyuan").id
    return timed(
        lambda: insert_visits_directly(
            engine, missing, case_id, district.xiyuan_committee.id, creator
        )
    )


def print_table(rows: list[Row], args: argparse.Namespace, elapsed: float) -> None:
    """A Markdown table, so it pastes straight into docs/performance.md."""
    cells = [
        (
            r.metric,
            r.measured,
            r.cpu,
            r.target,
            "" if r.ok is None else ("PASS" if r.ok else "MISS"),
        )
        for r in rows
    ]
    header = ("metric", "measured (wall clock)", "server CPU", "target", "result")
    widths = [max(len(c[i]) for c in [*cells, header]) for i in range(len(header))]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print()
    print(
        f"LastMile sync bench: {os.cpu_count()} cores, {platform.machine()},"
        f" Python {platform.python_version()}, {args.workers} uvicorn worker(s),"
        f" push batches of {args.batch or _app_batches()}, pull limit {args.pull_limit},"
        f" load average {load}"
    )
    print()
    for line in [header, tuple("-" * w for w in widths), *cells]:
        print("| " + " | ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=True)) + " |")
    print(f"\n(whole run {elapsed:.0f} s)")


def _app_batches() -> str:
    """The app's batch rule in words (``AppSettings.next_push_batch``)."""
    return (
        f"{APP.push_batch_size}, doubling up to {APP.push_batch_size_good_link} while pushes"
        f" are answered within {APP.good_link_push_seconds:g} s"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_bench", description=__doc__)
    parser.add_argument(
        "--db-url",
        help="an existing, empty database (SQLAlchemy URL); default: a fresh PostgreSQL "
        "database on 127.0.0.1:5432 (user postgres), created and dropped by the run",
    )
    parser.add_argument("--records", type=int, default=10_000, help="visits to push and pull")
    parser.add_argument(
        "--big-rows", type=int, default=1_000_000, help="visits in the database for the scale test"
    )
    parser.add_argument(
        "--batch",
        type=int,
        help=f"mutations per push, every push (default: as the app, {_app_batches()})",
    )
    parser.add_argument(
        "--sweep-sizes",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 50, 200, 500],
        help="batch sizes of the push-cost sweep (comma-separated)",
    )
    parser.add_argument("--sweep-pushes", type=int, default=20, help="pushes of each sweep size")
    parser.add_argument("--pull-limit", type=int, default=5000, help="changes per pull page")
    parser.add_argument("--repeat", type=int, default=30, help="runs of each no-op measurement")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="fresh databases the push and pull are measured in (the best round is the result)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="500 records, 5,000 big rows: a smoke test"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.big_rows, args.repeat, args.rounds = 500, 5000, 5, 1
        args.sweep_pushes = 3
    if args.db_url and args.rounds != 1:
        parser.error("--db-url names one database: use it with --rounds 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    rows = run(args)
    print_table(rows, args, time.perf_counter() - started)
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
