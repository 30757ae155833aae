"""The mediation statistics benchmark: one command, one table.

    .venv/bin/python -m bench.statistics_bench            # 100,000 cases (a few minutes)
    .venv/bin/python -m bench.statistics_bench --quick    # a smoke test in seconds

A fresh PostgreSQL database (or ``--db-url``), migrated, with the demo
district's org tree and users (11 offices, 105 committees) and ``--cases``
mediation cases spread over the committees and ten years, each with the
records of its outcome (``tests/sync_server/statistics_data.py``: a signed
agreement, an oral agreement's registration or a termination, closing
reports, court rulings). Then the statistics through the real routes
(in-process ASGI), ``--repeat`` times each after a warm-up: a month and a
year, for one office and for the district, and the district's XLSX.
Target: ≤ 300 ms (p95) for the table; the downloads have no target.
"""

import argparse
import sys
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.dashboard_bench import CpuClock, Row, _devices, _get, database, measure, print_table
from shared_models.domain.org import OrgUnitKind
from shared_models.protocol.tables import TableName
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, write_session
from sync_server.core.migrate import upgrade
from sync_server.demo import generate_district
from sync_server.main import create_app
from sync_server.services.sync.seeding import load_records
from tests.sync_server.statistics_data import generate, load


def run(args: argparse.Namespace) -> tuple[list[Row], dict[str, int], float]:
    with database(args.db_url) as db_url:
        upgrade(db_url)
        engine = make_engine(db_url)
        started = time.perf_counter()
        demo = generate_district(size=0)
        committees = [u.id for u in demo.org_units if u.kind is OrgUnitKind.COMMITTEE]
        users = [user.record for user in demo.users]
        with write_session(engine) as session:
            load_records(session, TableName.ORG_UNITS, demo.org_units)
            load_records(session, TableName.USERS, users)
            tokens = _devices(session, users)
        generated = generate(committees, args.cases)
        load(engine, generated)
        counts = {
            "cases": len(generated.cases),
            "agreements": len(generated.agreements),
            "case_documents": len(generated.documents),
        }
        load_s = time.perf_counter() - started
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ANALYZE"))
                connection.commit()
        year = datetime.now(UTC).year - 1
        district, office = tokens["supervisor.fuxing"], tokens["supervisor.baijia"]
        path = "/api/v1/statistics/mediation"
        clock = CpuClock(db_url)
        with TestClient(create_app(ServerSettings(db=db_url), engine)) as client:
            rows = [
                measure(what, _get(client, token, path, period=period), args.repeat, clock)
                for what, token, period in (
                    ("statistics, one office, a month", office, f"{year}-11"),
                    ("statistics, district, a month", district, f"{year}-11"),
                    ("statistics, district, a year", district, str(year)),
                )
            ]
            workbook = measure(
                "statistics XLSX, district, a year (no target)",
                _get(client, district, f"{path}.xlsx", period=str(year)),
                max(3, args.repeat // 4),
                clock,
                warmup=1,
            )
            workbook.target_ms = None
            rows.append(workbook)
        engine.dispose()
    return rows, counts, load_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", help="use this database instead of a fresh PostgreSQL one")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2,000 cases, 5 runs")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.repeat = 2_000, 5
    rows, counts, load_s = run(args)
    print_table(rows, counts, load_s)
    if any(row.verdict == "MISS" for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
