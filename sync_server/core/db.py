"""Engines and transactions for PostgreSQL and the embedded SQLite default.

SQLite serialises writers; to keep a writer from failing half-way with
"database is locked" when it upgrades a read lock, write transactions begin
IMMEDIATE. Readers use WAL and never block writers.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
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
    # lives. A push looks rows up with a generic plan (set by its first
    # version draw, ``core/versions.py``); prepared while a table was nearly
    # empty, that plan was a sequential scan, kept after the table had grown:
    # 25-37 ms a look-up where
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


Result = TypeVar("Result")

_RACES = frozenset({"23505", "40P01", "40001"})
"""PostgreSQL's unique violation, deadlock and serialization failure: what
two pushes of the same records running side by side can end in
(``core/versions.py``); run again, the later one sees the other's commit."""
RACE_ATTEMPTS = 4


def retrying_races(work: Callable[[], Result]) -> Result:
    """``work()`` (a whole write transaction), run again when it lost a race
    with a concurrent transaction, up to ``RACE_ATTEMPTS`` times in all."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return work()
        except DBAPIError as error:
            if attempt == RACE_ATTEMPTS or getattr(error.orig, "sqlstate", None) not in _RACES:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises
