"""``GET /api/v1/sync/pull``: the caller's jurisdiction, change by change.

The cursor is an opaque string: clients store it and send it back, never
parse it. The server encodes in it whatever it needs to resume exactly.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from shared_models.protocol.tables import TableName

DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000

ChangeOp = Literal["upsert", "delete", "remove"]
"""``upsert``: store the record. ``delete``: it was deleted (a tombstone).
``remove``: it still exists but left the caller's jurisdiction; drop the local copy."""


class Change(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: TableName
    op: ChangeOp = "upsert"
    record: dict[str, JsonValue]


class PullPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: list[Change]
    cursor: str
    more: bool
