"""The field app benchmark: one command, one table.

    .venv/bin/python -m bench.app_bench            # the full run (a few minutes)
    .venv/bin/python -m bench.app_bench --quick    # a smoke test

1. First sync: a fresh phone pulls and applies a whole office (20,000
   records of the demo generator) from the real server, started with
   uvicorn on loopback; the phone is a separate process running the real
   sync engine and encrypted local store, so its peak memory is its own.
2. Search: full-text queries (Chinese words, encrypted names through blind
   tokens) over a local store of 50,000 records.
3. Saving a visit with a photo: a 4000×3000 camera JPEG is re-encoded, its
   blob encrypted and written, the visit and attachment saved — on the
   50,000-record store, as on a phone in daily use.

The figures are appended to docs/performance.md (``--no-write`` to skip).
"""

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import REPO, fresh_postgres, running_server
from shared_models.domain.org import OrgUnitKind
from shared_models.protocol.pull import Change
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value
from sync_server.core.db import make_engine, write_session
from sync_server.core.migrate import upgrade
from sync_server.demo.district import DemoDistrict, generate_district
from sync_server.services.seeding import load_records, shared_password_hashes

PASSWORD = "bench-pass-2026"
OFFICE_KEY = "baijia"
PERFORMANCE_DOC = REPO / "docs" / "performance.md"
SECTION = "## Field app"


@dataclass
class Row:
    metric: str
    measured: str
    target: str
    ok: bool | None = None


# -- data ----------------------------------------------------------------------------


def one_office(size: int, seed: int = 1) -> tuple[DemoDistrict, str]:
    """The demo district with ``size`` records, all of them moved into one
    office (its units and officers), so one supervisor's phone pulls them all."""
    district = generate_district(size=size, seed=seed)
    units = {unit.id: unit for unit in district.org_units}
    office = next(u for u in district.org_units if u.code == f"DEMO-FX-{OFFICE_KEY.upper()}")
    committees = [u.id for u in district.org_units if u.parent_id == office.id]
    places = [office.id, *committees]
    officers = [
        u.record.id
        for u in district.users
        if u.record.username.startswith(f"officer.{OFFICE_KEY}")
    ]
    mediators = [
        u.record.id
        for u in district.users
        if u.record.username.startswith(f"mediator.{OFFICE_KEY}")
    ]
    moved: dict[uuid.UUID, uuid.UUID] = {}
    for index, unit_id in enumerate(sorted(units, key=str)):
        moved[unit_id] = places[index % len(places)]
    for case in district.cases:
        case.org_unit_id = moved[case.org_unit_id]
        case.mediator_id = mediators[hash(case.id) % len(mediators)]
    for number, subject in enumerate(district.subjects):
        subject.org_unit_id = office.id
        subject.officer_id = officers[number % len(officers)]
    return district, f"supervisor.{OFFICE_KEY}"


def load_server(db_url: str, district: DemoDistrict) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    users = [user.record for user in district.users]
    with write_session(engine) as session:
        load_records(session, TableName.ORG_UNITS, district.org_units)
        load_records(
            session,
            TableName.USERS,
            users,
            password_hashes=shared_password_hashes(users, PASSWORD),
        )
        for table, records in (
            (TableName.CASES, district.cases),
            (TableName.PARTIES, district.parties),
            (TableName.SUBJECTS, district.subjects),
            (TableName.VISITS, district.visits),
        ):
            load_records(session, table, records)
    engine.dispose()


def pulled_pages(district: DemoDistrict, page_size: int = 1000) -> Iterator[list[Change]]:
    """The district as pull pages (owners first, as the server sends them)."""
    version = 0
    page: list[Change] = []
    for table, records in (
        (TableName.ORG_UNITS, district.org_units),
        (TableName.CASES, district.cases),
        (TableName.PARTIES, district.parties),
        (TableName.SUBJECTS, district.subjects),
        (TableName.VISITS, district.visits),
    ):
        for record in records:
            version += 1
            wire = to_json_value(record)
            assert isinstance(wire, dict)
            wire.update(version=version, updated_at="2026-11-01T00:00:00Z")
            page.append(Change(table=table, op="upsert", record=wire))
            if len(page) == page_size:
                yield page
                page = []
    if page:
        yield page


# -- 1. first sync (the phone is its own process) --------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def device_first_sync(base_url: str, username: str) -> dict[str, Any]:
    """Run in the child: sign in, then one sync round into a fresh store."""
    import httpx

    from field_app.config import AppSettings
    from field_app.security.aead import DataKeyCipher
    from field_app.services.session import open_local_data
    from field_app.storage.tables import LOCAL_TABLES
    from field_app.sync.client import SyncClient
    from field_app.sync.engine import SyncEngine

    with tempfile.TemporaryDirectory(prefix="lastmile-phone-") as scratch:
        folder = Path(scratch)
        data = open_local_data(folder, DataKeyCipher(os.urandom(32)))
        token: list[str] = []
        with httpx.Client(base_url=base_url, timeout=300.0) as http:
            client = SyncClient(http, lambda: token[0] if token else None)
            device_id = data.store.device_state().device_id
            answer = client.login(username, PASSWORD, device_id, "bench phone")
            token.append(answer.token)
            data.store.update_device_state(user=answer.user.model_dump(mode="json"))
            settings = AppSettings(data_dir=folder)
            engine = SyncEngine(
                data.store,
                client,
                data.blobs,
                lambda: datetime.now(UTC),
                random.Random(0),
                settings=settings,
                app_version="bench",
            )
            before_mb = peak_rss_mb()
            started = time.perf_counter()
            result = engine.sync_once()
            seconds = time.perf_counter() - started
        if not result.ok:
            raise RuntimeError(f"the first sync failed: {result.outcome} {result.error}")
        with data.store.transaction() as session:
            from sqlalchemy import func, select

            stored = sum(
                int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in LOCAL_TABLES.values()
            )
        data.store.engine.dispose()
        return {
            "seconds": seconds,
            "pulled": result.pulled,
            "stored": stored,
            "page_size": settings.pull_page_size,
            "rss_before_mb": before_mb,
            "peak_rss_mb": peak_rss_mb(),
        }


def first_sync_rows(records: int, postgres: bool) -> list[Row]:
    district, username = one_office(records)
    synced = district.record_count()
    with contextlib.ExitStack() as stack:
        if postgres:
            db_url = stack.enter_context(fresh_postgres())
        else:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="lastmile-srv-"))
            db_url = f"sqlite:///{scratch}/server.db"
        load_server(db_url, district)
        server = stack.enter_context(running_server(db_url, workers=1))
        command = [
            sys.executable,
            "-m",
            "bench.app_bench",
            "--device-first-sync",
            f"http://127.0.0.1:{server.port}",
            username,
        ]
        output = subprocess.run(
            command, cwd=REPO, check=True, capture_output=True, text=True, timeout=1800
        ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    seconds, peak = figures["seconds"], figures["peak_rss_mb"]
    backend = "PostgreSQL" if postgres else "SQLite"
    return [
        Row(
            f"first sync of an office: {synced:,} records (server: {backend})",
            f"{seconds:.2f} s ({figures['pulled']:,} changes, pages of {figures['page_size']})",
            "≤ 3 s",
            seconds <= 3.0,
        ),
        Row(
            "  peak memory of the phone process",
            f"{peak:.0f} MB (before the sync: {figures['rss_before_mb']:.0f} MB)",
            "≤ 200 MB",
            peak <= 200,
        ),
    ]
