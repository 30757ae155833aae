"""Who sent the bytes of which blob: the server's record of uploads, which
decides who may read a blob and how much each device and user holds."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class BlobClaim(SQLModel, table=True):
    """One user's upload of one blob, from its first chunk on.

    ``stored_at`` is set once the user's bytes were received whole and hashed
    to ``sha256``; until then the row reserves ``size`` bytes of the quota. A
    blob is readable only through attachment records whose author holds a
    stored claim (``services/blobs/claims.py``): naming a hash in a record is
    not enough, sending its bytes is. Bytes are stored once however many
    users claim them.
    """

    __tablename__ = "blob_claims"
    __table_args__ = (
        UniqueConstraint("sha256", "user_id", name="uq_blob_claims_sha256_user"),
        Index("ix_blob_claims_user_id", "user_id"),
        Index("ix_blob_claims_device_id", "device_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64)
    user_id: UUID
    device_id: str = Field(max_length=128)
    """The device that sent the first chunk (per-device quota)."""
    size: int
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    stored_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
