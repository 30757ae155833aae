"""``POST /api/v1/sync/push``: a device's outbox, one result per mutation."""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from shared_models.domain.types import RecordId, Text, UtcDatetime, VersionNumber
from shared_models.protocol.errors import MutationError
from shared_models.protocol.tables import TableName

MAX_MUTATIONS_PER_PUSH = 1000
"""Default server limit on mutations in one push; the server states its own
in a 413. The app's largest batch (``push_batch_size_good_link``): a push
costs the server a fixed part (docs/performance.md, "Sync at 8 a.m.")."""

MAX_PUSH_BYTES = 4 * 1024 * 1024
"""Default server limit on the (uncompressed) push body."""


class Mutation(BaseModel):
    """One change from a device: ``fields`` holds only what it sets."""

    model_config = ConfigDict(strict=True, extra="forbid")

    mutation_id: RecordId
    table: TableName = Field(strict=False)
    record_id: RecordId
    op: Literal["upsert", "delete"] = "upsert"
    base_version: VersionNumber | None = None
    fields: dict[str, JsonValue] = Field(default_factory=dict)
    client_time: UtcDatetime | None = None


class PushRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    device_id: str = Field(min_length=8, max_length=128)
    protocol: int
    app_version: Text = Field(default="", max_length=64)
    mutations: list[Mutation]


class MutationStatus(StrEnum):
    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class MutationResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mutation_id: RecordId
    status: MutationStatus
    version: int | None = None
    conflict_id: RecordId | None = None
    error: MutationError | None = None


class PushResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[MutationResult]
    server_time: datetime
