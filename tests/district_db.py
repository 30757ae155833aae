"""The district database of the server's tests and of every test that runs
the server: a fresh, migrated database per test, on SQLite and on PostgreSQL.

Migrations run once per test session into a template; each test then gets a
copy (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL)
under a unique name, dropped afterwards. No test touches any other database.
With ``CI=true`` a missing PostgreSQL fails the run instead of skipping.

Not a ``conftest.py`` of its own: the app's tests run where neither the
server nor psycopg is installed, so the conftests of the test folders that
need a district (``sync_server``, ``integration``, ``attack``,
``reliability``) import these fixtures.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from sync_server.core.audit import bind_audit_keyring
from sync_server.core.audit_key import DEFAULT_FILE, load_keyring
from sync_server.core.db import make_engine
from sync_server.core.migrate import upgrade

PG_ADMIN_DSN = os.environ.get("LASTMILE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error)


def sqlalchemy_url(database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_DSN)
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    user = info.get("user", "postgres")
    return f"postgresql+psycopg://{user}@{host}:{port}/{database}"


def pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    problem = pg_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL on 127.0.0.1:5432: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"lastmile_test_tmpl_{uuid.uuid4().hex[:12]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        upgrade(sqlalchemy_url(name))
        yield name
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "district.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"lastmile_test_{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield sqlalchemy_url(name)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated district database; every test using it runs on both backends."""
    yield from fresh_database_url(request, request.param, tmp_path)


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    """The test's database; its audit entries are keyed with the audit key
    the ``settings`` of the same test use (tmp_path/audit-mac-keys.json)."""
    engine = make_engine(db_url)
    bind_audit_keyring(engine, load_keyring(tmp_path / DEFAULT_FILE, generate=True))
    yield engine
    engine.dispose()
