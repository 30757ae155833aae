"""Pooled PostgreSQL connections never keep a statement's plan.

psycopg prepares a statement on its fifth run on a connection, and
PostgreSQL then keeps that statement's plan for the connection's life. A
push's key look-ups run with a generic plan; prepared while a new district's
tables were nearly empty, it was a sequential scan, still used once they had
grown (25-37 ms a look-up instead of 0.4 ms). The server's engine therefore
prepares nothing: every statement is planned for the table as it is.
"""

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Engine, text

from sync_server.core.db import make_engine, read_session, write_session
from sync_server.core.versions import VersionBlock
from sync_server.services.sync.workspace import id_in, ids_param
from sync_server.tables import VisitRow
from tests.district_db import fresh_database_url


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """PostgreSQL only: SQLite has no plans to keep."""
    for url in fresh_database_url(request, "postgres", tmp_path):
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.postgres
def test_a_key_look_up_is_never_prepared(pg_engine: Engine) -> None:
    ids = [uuid4() for _ in range(3)]
    with write_session(pg_engine) as session:
        VersionBlock(session, alongside_pushes=True).reserve(1)  # as a push begins
        plan = session.execute(text("SELECT current_setting('plan_cache_mode')")).scalar_one()
        assert plan == "force_generic_plan"
        for _ in range(10):
            session.execute(
                VisitRow.__table__.select().where(id_in(VisitRow.id, postgres=True)),  # type: ignore[attr-defined]
                ids_param(True, ids),
            ).all()
        prepared = session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar_one() == 0


@pytest.mark.postgres
def test_reads_prepare_nothing_either(pg_engine: Engine) -> None:
    for _ in range(10):
        with read_session(pg_engine) as session:
            session.execute(text("SELECT count(*) FROM visits WHERE kind = :k"), {"k": "x"})
    with read_session(pg_engine) as session:
        prepared = session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar_one() == 0
