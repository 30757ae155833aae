"""Engines and transactions for PostgreSQL and the embedded SQLite default.

SQLite serialises writers; to keep a writer from failing half-way with
"database is locked" when it upgrades a read lock, write transactions begin
IMMEDIATE. Readers use WAL and never block writers.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

WRITE_OPTION = "lastmile_write"


def ping(session: Session) -> None:
    """Ask the database the cheapest question there is: raises when it
    cannot answer (the readiness probe)."""
    session.execute(text("SELECT 1"))


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings LastMile relies on.

    Its errors never quote a statement's parameters (``hide_parameters``):
    they are what devices sent, names and phone numbers among them, and an
    error's message ends up in logs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            hide_parameters=True,
        )
        _configure_sqlite(engine)
        return engine
    # psycopg prepares a statement on its fifth run on a connection, and
    # PostgreSQL then keeps the statement's plan for as long as the connection
    # lives. A push looks rows up with a generic plan (``plan_key_lookups_
    # generically``); prepared while a table was nearly empty, that plan was a
    # sequential scan, kept after the table had grown: 25-37 ms a look-up where
    # the index takes 0.4 ms, measured after a new district's first few hundred
    # one-record pushes. Unprepared, every statement is planned for the table as
    # it is now, which costs well under a millisecond; so nothing is prepared.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"prepare_threshold": None},
        hide_parameters=True,
    )


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
    """A read-only unit of work."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
