"""The supervisor workspace benchmark: one command, one table.

    .venv/bin/python -m bench.dashboard_bench            # 100,000 records (about 2 minutes)
    .venv/bin/python -m bench.dashboard_bench --quick    # a smoke test in seconds

It creates a fresh PostgreSQL database (or uses ``--db-url``), migrates it and
loads the demo district (``sync_server.demo.generate_district``) with
``load_records``, plus what the demo lacks: a signed agreement for each case
that reached one, a review for a third of the records, and a signed-in
device per user. Then it asks for each office's dashboard as its
supervisor, the district roll-up as the district supervisor, and the first
pages of the review queue, through the real routes (in-process ASGI: the
token check, the SQL, the JSON), ``--repeat`` times each after a warm-up.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from bench.harness import PG_ADMIN_DSN, fresh_postgres
from shared_models.domain.cases import CaseStatus
from shared_models.protocol.tables import TableName
from sync_server.api.routes import supervision
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, write_session
from sync_server.core.migrate import upgrade
from sync_server.core.security import token_digest
from sync_server.core.versions import VersionBlock
from sync_server.demo import generate_district
from sync_server.main import create_app
from sync_server.services.supervision.district_calendar import district_today
from sync_server.services.sync.seeding import load_records
from sync_server.tables import DeviceToken, ReviewRow
from tests.sync_server.supervision_data import signed_agreement

TARGET_MS = 300.0


@dataclass
class Row:
    what: str
    runs: int
    median_ms: float
    p95_ms: float
    cpu_ms: float
    """Median CPU time of a call: this process plus the database's server processes."""
    target_ms: float | None = TARGET_MS

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "PASS" if self.p95_ms <= self.target_ms else "MISS"


@contextmanager
def database(db_url: str | None) -> Iterator[str]:
    if db_url:
        yield db_url
        return
    with fresh_postgres() as url:
        yield url


def load(engine: Engine, size: int) -> tuple[dict[str, str], dict[str, int]]:
    """The demo district plus agreements, reviews and devices; returns a
    bearer token per username and the number of rows loaded per table."""
    # As of today, so that this month's figures have something to count.
    demo = generate_district(size=size, today=district_today(datetime.now(UTC)))
    counts: dict[str, int] = {}
    with write_session(engine) as session:
        load_records(session, TableName.ORG_UNITS, demo.org_units)
        users = [user.record for user in demo.users]
        load_records(session, TableName.USERS, users)
        for table, records in (
            (TableName.CASES, demo.cases),
            (TableName.PARTIES, demo.parties),
            (TableName.SUBJECTS, demo.subjects),
            (TableName.VISITS, demo.visits),
            (TableName.CASE_DOCUMENTS, demo.case_documents),
        ):
            counts[table.value] = load_records(session, table, records)
        agreed = {CaseStatus.AGREED, CaseStatus.FOLLOW_UP}
        agreements = [
            signed_agreement(case.id, case.opened_at + timedelta(days=10))
            for case in demo.cases
            if case.status in agreed or (case.status is CaseStatus.CLOSED and case.follow_up_due)
        ]
        counts["agreements"] = load_records(session, TableName.AGREEMENTS, agreements)
        counts["reviews"] = _reviews(session, demo.visits[::3] + demo.cases[::3])
        tokens = _devices(session, users)
    return tokens, counts


def _reviews(session: Any, targets: list[Any]) -> int:
    """An approval of a third of the cases and visits, as of their loaded version."""
    table_of = {"CaseRecord": "cases", "VisitRecord": "visits"}
    ids = {target.id: table_of[type(target).__name__] for target in targets}
    rows = session.execute(
        text(
            "SELECT id, version, scope_unit_id, scope_officer_id, scope_work FROM visits "
            "UNION ALL SELECT id, version, scope_unit_id, scope_officer_id, scope_work FROM cases"
        )
    ).all()
    versions = VersionBlock(session)
    versions.reserve(len(ids))
    now = datetime.now(UTC)
    values = [
        {
            "id": uuid.uuid4(),
            "version": versions.next(),
            "updated_at": now,
            "deleted": False,
            "created_by": None,
            "target_table": ids[record_id],
            "target_id": record_id,
            "target_version": version,
            "state": "approved",
            "comment": "",
            "scope_unit_id": unit,
            "scope_officer_id": officer,
            "scope_work": work,
            "field_versions": {},
        }
        for record_id, version, unit, officer, work in rows
        if record_id in ids
    ]
    for start in range(0, len(values), 1000):
        session.execute(insert(ReviewRow), values[start : start + 1000])
    return len(values)


def _devices(session: Any, users: list[Any]) -> dict[str, str]:
    """One signed-in device per user; every seventh silent for a week."""
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    for number, user in enumerate(users):
        token = f"bench-token-{uuid.uuid4().hex}"
        tokens[user.username] = token
        seen = now - (timedelta(days=7) if number % 7 == 0 else timedelta(minutes=number))
        session.add(
            DeviceToken(
                token_hash=token_digest(token),
                user_id=user.id,
                device_id=f"bench-device-{number:04d}",
                device_name=f"设备 {number}",
                created_at=now - timedelta(days=60),
                last_seen_at=seen,
            )
        )
    return tokens


class CpuClock:
    """CPU seconds used so far by this process and the PostgreSQL backends
    serving its database. The machine is shared: wall-clock times include
    waiting for a CPU, CPU times are the work itself."""

    def __init__(self, db_url: str) -> None:
        self.database = make_url(db_url).database if db_url.startswith("postgresql") else None

    def __call__(self) -> float:
        used = time.process_time()
        if self.database is None:
            return used
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            pids = [
                row[0]
                for row in admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
                )
            ]
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return used + ticks / os.sysconf("SC_CLK_TCK")


def measure(
    what: str, call: Callable[[], Any], repeat: int, clock: "CpuClock", warmup: int = 2
) -> Row:
    for _ in range(warmup):
        call()
    times, cpu = [], []
    for _ in range(repeat):
        cpu_before = clock()
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((clock() - cpu_before) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return Row(what, repeat, statistics.median(times), p95, statistics.median(cpu))


def _get(client: TestClient, token: str, path: str, **params: Any) -> Callable[[], Any]:
    headers = {"Authorization": f"Bearer {token}"}

    def call() -> Any:
        response = client.get(path, params=params, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response

    return call


def run(args: argparse.Namespace) -> tuple[list[Row], dict[str, int], float]:
    with database(args.db_url) as db_url:
        upgrade(db_url)
        engine = make_engine(db_url)
        started = time.perf_counter()
        tokens, counts = load(engine, args.records)
        load_s = time.perf_counter() - started
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ANALYZE"))
                connection.commit()
        app = create_app(ServerSettings(db=db_url), engine)
        if not any(getattr(r, "path", "") == "/api/v1/dashboard" for r in app.routes):
            app.include_router(supervision.router)
        with TestClient(app) as client:
            rows = _measure_all(client, tokens, args.repeat, CpuClock(db_url))
        engine.dispose()
    return rows, counts, load_s


def _measure_all(
    client: TestClient, tokens: dict[str, str], repeat: int, clock: CpuClock
) -> list[Row]:
    offices = sorted(
        name for name in tokens if name.startswith("supervisor.") and name != "supervisor.fuxing"
    )
    each = [
        measure(name, _get(client, tokens[name], "/api/v1/dashboard"), repeat, clock)
        for name in offices
    ]
    worst = max(each, key=lambda row: row.p95_ms)
    rows = [
        Row(
            f"dashboard, one office (all {len(offices)}; p95 of the slowest)",
            repeat * len(offices),
            statistics.median(row.median_ms for row in each),
            worst.p95_ms,
            statistics.median(row.cpu_ms for row in each),
        )
    ]
    district = tokens["supervisor.fuxing"]
    first = _get(client, district, "/api/v1/review-queue", limit=200)().json()
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("dashboard, district roll-up", _get(client, district, "/api/v1/dashboard")),
        ("review queue, district, first page (50)", _get(client, district, "/api/v1/review-queue")),
        (
            "review queue, one office, check-ins (50)",
            _get(client, tokens[offices[0]], "/api/v1/review-queue", kind="checkin"),
        ),
        (
            "review queue, district, second page (200)",
            _get(client, district, "/api/v1/review-queue", limit=200, before=first["next_before"]),
        ),
    ]
    rows += [measure(what, call, repeat, clock) for what, call in cases]
    report = measure(
        "monthly report PDF, district (no target)",
        _get(client, district, "/api/v1/reports/monthly.pdf"),
        max(3, repeat // 4),
        clock,
        warmup=1,
    )
    report.target_ms = None
    rows.append(report)
    return rows


def print_table(rows: list[Row], counts: dict[str, int], load_s: float) -> None:
    total = sum(value for key, value in counts.items() if key != "reviews")
    loaded = ", ".join(f"{key} {value:,}" for key, value in counts.items())
    print(f"\nLoaded {total:,} records ({loaded}) in {load_s:.0f} s")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(f"| {'what':<50} | runs | median ms | p95 ms | CPU ms | target ms | result |")
    print(f"|{'-' * 52}|------|-----------|--------|--------|-----------|--------|")
    for row in rows:
        target = "" if row.target_ms is None else f"≤ {row.target_ms:.0f}"
        print(
            f"| {row.what:<50} | {row.runs:>4} | {row.median_ms:>9.1f} | {row.p95_ms:>6.1f} "
            f"| {row.cpu_ms:>6.1f} | {target:>9} | {row.verdict:>6} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", help="use this database instead of a fresh PostgreSQL one")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2,000 records, 5 runs")
    args = parser.parse_args()
    if args.quick:
        args.records, args.repeat = 2_000, 5
    rows, counts, load_s = run(args)
    print_table(rows, counts, load_s)
    if any(row.verdict == "MISS" for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
