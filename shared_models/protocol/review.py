"""Supervisor calls: create a review, resolve a conflict."""

from pydantic import BaseModel, ConfigDict, Field

from shared_models.domain.review import ConflictKeep, ReviewState, ReviewTarget
from shared_models.domain.types import LongText, RecordId


class ReviewCreate(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    id: RecordId | None = None
    target_table: ReviewTarget = Field(strict=False)
    target_id: RecordId
    state: ReviewState = Field(strict=False)
    comment: LongText = ""


class ConflictResolve(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    keep: ConflictKeep = Field(strict=False)
