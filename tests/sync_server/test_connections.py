"""Pooled connections keep what makes a request cheap.

psycopg prepares a statement on its fifth run on a connection, and forgets
every prepared statement when the connection rolls back. The server's read
sessions therefore end with a commit, and the pool hands out the connection
used last: a statement a device runs on every sync is planned once per
connection, not once per request.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from sync_server.core.db import make_engine, read_session, write_session
from sync_server.tables import UserRow
from tests.conftest import fresh_database_url


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """PostgreSQL only: SQLite has no prepared statements to keep."""
    for url in fresh_database_url(request, "postgres", tmp_path):
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_reads_keep_their_prepared_statements(pg_engine: Engine) -> None:
    engine = pg_engine
    query = select(UserRow.id).where(UserRow.username == "nobody")
    for _ in range(6):
        with read_session(engine) as session:
            session.execute(query).all()
    with read_session(engine) as session:
        prepared = session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
        assert any("users.username" in statement for statement in prepared)


def test_a_read_that_fails_changes_nothing(engine: Engine) -> None:
    """Ending with a commit must not make a read's mistakes stick: a session
    that raises is still rolled back."""
    with write_session(engine) as session:
        session.execute(text("CREATE TABLE scratch (n integer)"))

    def failing_read() -> None:
        with read_session(engine) as session:
            session.execute(text("INSERT INTO scratch VALUES (1)"))
            raise RuntimeError("the route failed")

    with pytest.raises(RuntimeError):
        failing_read()
    with read_session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM scratch")).scalar_one() == 0
