"""The device's SQLite database: durable writes, in-place upgrades.

WAL with ``synchronous=FULL``: once a save returns, the record and its outbox
entry are on disk and survive a killed app or a dead battery (invariant 1).
"""

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from field_app.security.cipher import FieldCipher

DATABASE_FILE = "field.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_local_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every local transaction may write: take the write lock up front so
        # two threads (UI and sync) never fail half-way upgrading a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One local transaction (BEGIN IMMEDIATE): all of it lands, or none."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def migrate(engine: Engine, revision: str = "head", cipher: FieldCipher | None = None) -> None:
    """Bring the local schema to ``revision`` (default: newest). A revision
    that encrypts stored values takes the data key's ``cipher`` (the app
    always passes it; without it such a revision refuses a database that
    holds values to encrypt)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        config.attributes["cipher"] = cipher
        command.upgrade(config, revision)
        connection.commit()


def purge_free_space(engine: Engine) -> None:
    """Leave no old page behind: rewrite the database without free pages
    (VACUUM) and truncate the WAL to nothing. Run after an upgrade that
    encrypted values in place, so the plain values they replaced survive
    neither in the file's free list nor in the log. (``secure_delete``
    already zeroes what later deletes free; this is for pages freed
    before it, and for the copies a WAL keeps of rewritten pages.)"""
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class HeaderCounter:
    """The wrong-PIN count's second copy (``keystore.CounterMirror``): the
    local database file's header field ``user_version``, which SQLite keeps
    for the application and this app uses for nothing else (the schema's
    revision is Alembic's table). Written while the app is locked, when no
    engine has the file open. Readable and writable without the data key,
    as a count of wrong PINs must be; a restored ``keystore.json`` does not
    bring this back with it, and restoring an old database would bring back
    old records, not just an old count."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> int:
        if not self.path.exists():
            return 0
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    def write(self, count: int) -> None:
        if not self.path.exists():
            return  # no database yet (a PIN just chosen), or wiped
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            # A pragma takes no parameters; ``count`` is an int by type and by int().
            db.execute(f"PRAGMA user_version = {int(count)}")
