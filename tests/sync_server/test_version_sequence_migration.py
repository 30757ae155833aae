"""Migration 0010: on PostgreSQL versions continue from the counter row in
the sequence ``sync_versions`` (and go back to it on downgrade); on SQLite the
counter row stays the source. Either way the next version is the one after
the last handed out before the upgrade."""

import sqlalchemy as sa
from alembic import command

from sync_server.core.db import make_engine, write_session
from sync_server.core.migrate import alembic_config
from sync_server.core.versions import VersionBlock

LAST_BEFORE = 41


def _next_version(url: str) -> int:
    engine = make_engine(url)
    try:
        with write_session(engine) as session:
            versions = VersionBlock(session)
            versions.reserve(1)  # one version, not a block of them
            return versions.next()
    finally:
        engine.dispose()


def test_versions_continue_where_the_counter_stood(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0009")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE sync_state SET last_version = :last WHERE id = 1"),
            {"last": LAST_BEFORE},
        )
    engine.dispose()

    command.upgrade(config, "0010")
    assert _next_version(empty_database) == LAST_BEFORE + 1

    command.downgrade(config, "0009")
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        last = connection.execute(sa.text("SELECT last_version FROM sync_state")).scalar_one()
    engine.dispose()
    assert last == LAST_BEFORE + 1  # the counter row holds the last version handed out
