"""The database half of a backup: one consistent copy and what it holds.

- PostgreSQL: ``pg_dump --format=custom`` run on a snapshot this process
  exported (``pg_export_snapshot`` in a REPEATABLE READ transaction kept
  open while the dump runs), and the record counts, schema revision, sync
  state and district read in that same transaction, so the manifest
  describes exactly the dump. The password travels in ``PGPASSWORD``, never
  on a command line.
- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the
  database page by page while the server keeps writing, and the counts are
  read from the copy.

Restore writes into an EMPTY database only (no table at all), with
``pg_restore --single-transaction --exit-on-error`` or the backup API the
other way round.
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import SQLModel

import sync_server.tables  # noqa: F401  (every table in SQLModel.metadata)
from sync_server.core.db import make_engine
from sync_server.tables import DistrictRow, SyncState

DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class DatabaseFacts:
    """What the manifest says of the database copy."""

    kind: str
    file: str
    schema_revision: str | None
    records: dict[str, int]
    epoch: str
    sync_epoch: str
    high_water: int
    district_root_unit_id: str | None
    audit_entries: int


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def _libpq_env(url: URL) -> dict[str, str]:
    """The connection of ``url`` as libpq environment variables."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (the PostgreSQL client tools)")
    return found


def _run(command: list[str], url: URL) -> None:
    done = subprocess.run(command, env=_libpq_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise BackupError(f"{Path(command[0]).name} failed: {' / '.join(tail)}")


def _facts(connection: Connection, kind: str, file: str) -> DatabaseFacts:
    """Counts and bookkeeping, read through ``connection`` (one snapshot)."""
    records = {
        name: int(connection.execute(select(func.count()).select_from(model)).scalar_one())
        for name, model in sorted(SQLModel.metadata.tables.items())
    }
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    state = connection.execute(select(SyncState.__table__)).mappings().one()  # type: ignore[attr-defined]
    district = connection.execute(
        select(DistrictRow.__table__.c.root_unit_id)  # type: ignore[attr-defined]
    ).scalar()
    high = int(state["last_version"])
    if kind == "postgresql":
        high = int(connection.execute(text("SELECT last_value FROM sync_versions")).scalar_one())
    return DatabaseFacts(
        kind=kind,
        file=file,
        schema_revision=None if revision is None else str(revision),
        records=records,
        epoch=str(state["epoch"]),
        sync_epoch=str(state["sync_epoch"] or state["epoch"]),
        high_water=high,
        district_root_unit_id=None if district is None else str(district),
        audit_entries=records.get("audit_log", 0),
    )


def dump(engine: Engine, url: str, folder: Path) -> DatabaseFacts:
    """Write the database's consistent copy into ``folder``."""
    if backend(url) == "sqlite":
        target = folder / SQLITE_FILE
        source = sqlite3.connect(make_url(url).database or "")
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        copied = make_engine(f"sqlite:///{target}")
        try:
            with copied.connect() as connection:
                return _facts(connection, "sqlite", SQLITE_FILE)
        finally:
            copied.dispose()
    parsed = make_url(url)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _facts(connection, "postgresql", DUMP_FILE)
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={folder / DUMP_FILE}",
                ],
                parsed,
            )
    return facts


def is_empty(url: str) -> bool:
    """No table at all: the only database a restore writes into."""
    if backend(url) == "sqlite":
        path = Path(make_url(url).database or "")
        if not path.exists() or path.stat().st_size == 0:
            return True
    with _connection(url) as connection:
        return not inspect(connection).get_table_names()


@contextmanager
def _connection(url: str) -> Iterator[Connection]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def load(url: str, folder: Path, kind: str) -> None:
    """Bring the copy in ``folder`` into the empty database at ``url``."""
    if kind != backend(url):
        raise BackupError(f"this backup is of a {kind} database; restore it into one")
    if kind == "sqlite":
        path = Path(make_url(url).database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(folder / SQLITE_FILE)
        try:
            target = sqlite3.connect(path)
            with target:
                source.backup(target)
            target.close()
        finally:
            source.close()
        return
    _run(
        [
            _tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={make_url(url).database}",
            str(folder / DUMP_FILE),
        ],
        make_url(url),
    )


def counts(url: str) -> dict[str, int]:
    """Rows of every table of the database at ``url``."""
    with _connection(url) as connection:
        return {
            name: int(
                connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            )
            for name in sorted(SQLModel.metadata.tables)
        }
