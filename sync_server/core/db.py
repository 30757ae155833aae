"""Engines and transactions for PostgreSQL and the embedded SQLite default.

SQLite serialises writers; to keep a writer from failing half-way with
"database is locked" when it upgrades a read lock, write transactions begin
IMMEDIATE. Readers use WAL and never block writers.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

WRITE_OPTION = "lastmile_write"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings LastMile relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
        )
        _configure_sqlite(engine)
        return engine
    # Last in, first out: a request gets the connection used last, whose
    # prepared statements (psycopg prepares a statement on its fifth run on
    # a connection) are the ones this traffic runs; first in, first out
    # spread them over every pooled connection and few were ever prepared.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_use_lifo=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back on error."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with Session(bind=connection, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work. It ends with a commit, which for a read
    is the same as a rollback but keeps the connection's prepared
    statements: psycopg forgets them all on every rollback."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.commit()
