"""What every synced record carries besides its table's own fields."""

from sqlmodel import Field, SQLModel

from shared_models.domain.types import (
    MAX_SQL_INTEGER,
    STRICT_CONFIG,
    RecordId,
    UtcDatetime,
    moment,
)


class RecordMeta(SQLModel):
    """Sync bookkeeping, written by the server only.

    ``version`` comes from one server-wide, strictly increasing sequence and is
    assigned when the server commits the change; ``deleted`` marks a tombstone.
    """

    model_config = STRICT_CONFIG

    id: RecordId = Field(primary_key=True)
    version: int = Field(default=0, index=True, ge=0, le=MAX_SQL_INTEGER)
    updated_at: UtcDatetime | None = moment()
    deleted: bool = False
    created_by: RecordId | None = None


SERVER_OWNED_FIELDS: frozenset[str] = frozenset(RecordMeta.model_fields)
"""Fields a device may never set through a mutation."""
