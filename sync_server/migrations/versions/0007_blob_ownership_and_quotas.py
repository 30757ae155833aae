"""who sent which blob: claims that decide reads and quotas

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:30:00

``blob_claims`` records each user's upload of each blob (docs/security.md
"Blobs"): a blob is readable only through attachment records whose author
sent its bytes, and the claims count against the upload quotas.

Blobs uploaded before this revision are claimed from the audit log, which
names the user and device that completed each upload (``blob_stored``). The
log named only the first uploader of each blob: a user whose device was told
"stored already" has no claim, and their records open the blob again once
that device (or any of theirs) sends it. Hashes merely named in records were
never uploaded and get no claim: that is the hole this closes.
"""

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    claims = op.create_table(
        "blob_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", "user_id", name="uq_blob_claims_sha256_user"),
    )
    op.create_index("ix_blob_claims_user_id", "blob_claims", ["user_id"])
    op.create_index("ix_blob_claims_device_id", "blob_claims", ["device_id"])
    op.bulk_insert(claims, _claims_from_audit())


def _claims_from_audit() -> list[dict[str, Any]]:
    audit = sa.table(
        "audit_log",
        sa.column("seq", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.Uuid()),
        sa.column("device_id", sa.String()),
        sa.column("action", sa.String()),
        sa.column("detail", sa.JSON()),
    )
    rows = op.get_bind().execute(
        sa.select(audit.c.at, audit.c.actor_id, audit.c.device_id, audit.c.detail)
        .where(audit.c.action == "blob_stored", audit.c.actor_id.is_not(None))
        .order_by(audit.c.seq)
    )
    found: dict[tuple[str, Any], dict[str, Any]] = {}
    for at, actor_id, device_id, detail in rows:
        sha256, size = (detail or {}).get("sha256"), (detail or {}).get("size")
        if not isinstance(sha256, str) or not isinstance(size, int):
            continue
        when = at if at.tzinfo else at.replace(tzinfo=UTC)
        found.setdefault(
            (sha256, actor_id),
            {
                "sha256": sha256,
                "user_id": actor_id,
                "device_id": device_id or "",
                "size": size,
                "started_at": when,
                "stored_at": when,
            },
        )
    return list(found.values())


def downgrade() -> None:
    op.drop_index("ix_blob_claims_device_id", table_name="blob_claims")
    op.drop_index("ix_blob_claims_user_id", table_name="blob_claims")
    op.drop_table("blob_claims")
