"""Importing ledgers of 20,000 rows on PostgreSQL (target: under a minute each).

In a throw-away database (``harness.fresh_postgres``; ``--db-url`` for
another): ``lastmile admin init``'s service, an import of offices and
committees and of officers and mediators, then, timed, an XLSX workbook of
``--rows`` community-correction subjects and one of ``--rows`` case rows
(two parties per case), each imported through the same service the route
and the command line use (reading the workbook, checking every row,
writing), then each imported again (every row found, nothing written).

    .venv/bin/python -m bench.import_bench            # 20,000 rows
    .venv/bin/python -m bench.import_bench --rows 2000
"""

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.harness import fresh_postgres
from shared_models.domain.people import resident_id_check_char
from shared_models.protocol.administration import SheetKind
from sync_server.core.audit import bind_audit_keyring
from sync_server.core.audit_key import load_keyring
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, write_session
from sync_server.core.migrate import upgrade
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.district import init_district
from sync_server.services.administration.imports import ImportLimits, run_import
from tests.sheet_files import xlsx

TARGET_S = 60.0
OFFICES = 10
COMMITTEES_PER_OFFICE = 10


def _id_number(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n % 20000)  # unique below 20,000,000
    first17 = f"130404{born:%Y%m%d}{n // 20000 % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _subjects(rows: int) -> list[list[object]]:
    return [
        [
            f"对象{n}",
            _id_number(n),
            "",
            "",
            f"某街{n}号",
            f"139{n:08d}",
            "缓刑",
            "2026-03-01",
            "2027/3/1",
            "否",
            "7",
            f"O{n % OFFICES}",
            f"officer.{n % OFFICES}",
            "",
        ]
        for n in range(rows)
    ]


def _cases(rows: int) -> list[list[object]]:
    lines: list[list[object]] = []
    for n in range(rows):
        case, party = divmod(n, 2)
        unit = f"O{case % OFFICES}-C{case // OFFICES % COMMITTEES_PER_OFFICE}"
        head = [f"TZ-{case}", unit, f"纠纷{case}", "邻里纠纷", "来访", "2026年11月2日", "调解中"]
        head += ["", "邻里之间的纠纷"] if party == 0 else ["", ""]
        role = "申请人" if party == 0 else "被申请人"
        lines.append([*head, role, f"当事人{n}", "", f"137{n:08d}", "", ""])
    return lines


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with fresh_postgres() as fresh:
        yield fresh


def run(rows: int, db_url: str | None) -> bool:
    with _database(db_url) as url, tempfile.TemporaryDirectory() as folder:
        upgrade(url)
        settings = ServerSettings(db=url, blobs=Path(folder) / "blobs")
        engine = make_engine(url)
        bind_audit_keyring(engine, load_keyring(Path(folder) / "audit.json", generate=True))
        now = datetime.now(UTC)
        operator = Actor(operator="bench")
        limits = ImportLimits.of(settings)

        def load(kind: SheetKind, data: bytes) -> tuple[float, float, int, int, int]:
            started, cpu = time.perf_counter(), time.process_time()
            with write_session(engine) as session:
                report = run_import(
                    session, None, kind, data, only_valid=False, dry_run=False, now=now,
                    actor=operator, limits=limits, time_zone=settings.district_time_zone,
                )  # fmt: skip
            took, used = time.perf_counter() - started, time.process_time() - cpu
            assert not report.problems, report.problems[:5]
            return took, used, report.rows, report.created, report.unchanged

        with write_session(engine) as session:
            init_district(
                session, settings, name="基准区司法局", short_name="基准", code="BX",
                time_zone=settings.district_time_zone, admin_username="admin",
                admin_name="管理员", now=now, operator=operator,
            )  # fmt: skip
        units = [
            [f"O{o}", f"第{o}司法所", f"第{o}", "司法所", "BX", "", "", ""] for o in range(OFFICES)
        ]
        units += [
            [f"O{o}-C{c}", f"第{o}所第{c}调委会", f"{o}-{c}", "调委会", f"O{o}", "", "", ""]
            for o in range(OFFICES)
            for c in range(COMMITTEES_PER_OFFICE)
        ]
        load(SheetKind.ORG_UNITS, xlsx(units, kind=SheetKind.ORG_UNITS))
        staff = [[f"officer.{o}", f"矫正{o}", "矫正工作人员", f"O{o}", ""] for o in range(OFFICES)]
        load(SheetKind.STAFF, xlsx(staff, kind=SheetKind.STAFF))
        results: list[tuple[str, float, float, int, int, int]] = []
        for kind, lines in ((SheetKind.SUBJECTS, _subjects(rows)), (SheetKind.CASES, _cases(rows))):
            data = xlsx(lines, kind=kind)
            results.append((f"{kind.value} ({len(data) // 1024} KB xlsx)", *load(kind, data)))
            results.append((f"{kind.value} again", *load(kind, data)))
        engine.dispose()
    # CPU: this process's own (reading, checking, sending rows); on a shared
    # machine the wall clock also counts everything else that runs.
    print(
        f"{'import':<32} {'rows':>7} {'created':>8} {'found':>7} {'wall s':>7} {'CPU s':>6}  target"
    )
    passed = True
    for what, took, used, read, created, unchanged in results:
        ok = took < TARGET_S
        passed = passed and ok
        verdict = "PASS" if ok else "MISS"
        print(
            f"{what:<32} {read:>7} {created:>8} {unchanged:>7} {took:>7.1f} {used:>6.1f}  "
            f"< {TARGET_S:.0f} s {verdict}"
        )
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--db-url", default=None, help="default: a throw-away PostgreSQL database")
    arguments = parser.parse_args()
    raise SystemExit(0 if run(arguments.rows, arguments.db_url) else 1)


if __name__ == "__main__":
    main()
