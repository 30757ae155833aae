"""Migration 0007 claims the blobs uploaded before it from the audit log's
``blob_stored`` entries (who completed each upload), so records whose author
sent the bytes stay readable; on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from sync_server.core.db import make_engine
from sync_server.core.migrate import alembic_config
from sync_server.tables import BlobClaim

SHA = "ab" * 32

_AUDIT_0005 = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Uuid()),
    sa.column("device_id", sa.String()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
)
"""The audit log as revision 0005 left it (written raw: the migration reads
rows, not the chain, and the chain's own code may change after 0005)."""


def test_uploads_before_the_upgrade_are_claimed_by_their_sender(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0005")
    engine = make_engine(empty_database)
    sender = uuid.uuid4()
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    try:
        entries = [
            ("blob_stored", sender, {"sha256": SHA, "size": 1234}),
            ("blob_stored", sender, {"sha256": SHA, "size": 1234}),  # twice: one claim
            ("blob_stored", None, {"sha256": "cd" * 32, "size": 5}),  # no sender: no claim
            ("blob_stored", sender, {"sha256": "ef" * 32}),  # no size: skipped
            ("seed_demo", None, {"records": 3}),
        ]
        with engine.begin() as connection:
            for seq, (action, actor, detail) in enumerate(entries, start=1):
                connection.execute(
                    sa.insert(_AUDIT_0005).values(
                        seq=seq,
                        at=at,
                        actor_id=actor,
                        device_id="p1",
                        action=action,
                        detail=detail,
                        prev_hash="0" * 64,
                        entry_hash="0" * 64,
                    )
                )
        command.upgrade(config, "head")
        with Session(engine) as session:
            [claim] = session.exec(select(BlobClaim)).all()
        assert (claim.sha256, claim.user_id, claim.device_id, claim.size) == (
            SHA,
            sender,
            "p1",
            1234,
        )
        assert claim.stored_at is not None
        assert claim.stored_at.replace(tzinfo=UTC) == at
        command.downgrade(config, "0005")
        with engine.connect() as connection:
            assert "blob_claims" not in sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()
