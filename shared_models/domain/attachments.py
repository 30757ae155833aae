"""Metadata of photos, signature images, fingerprints and documents. The
bytes are a content-addressed blob named by ``sha256``."""

from enum import StrEnum

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.types import (
    STRICT_CONFIG,
    RecordId,
    Sha256Hex,
    ShortText,
    UtcDatetime,
    choice,
    moment,
)


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    SIGNATURE = "signature"
    FINGERPRINT = "fingerprint"
    DOCUMENT = "document"


class AttachmentOwner(StrEnum):
    CASES = "cases"
    SUBJECTS = "subjects"
    VISITS = "visits"
    AGREEMENTS = "agreements"
    SUBJECT_EVENTS = "subject_events"


ALLOWED_MIME_TYPES: frozenset[str] = frozenset(
    {"image/jpeg", "image/png", "image/webp", "application/pdf"}
)
MAX_BLOB_BYTES = 25 * 1024 * 1024


class AttachmentFields(SQLModel):
    model_config = STRICT_CONFIG

    owner_table: AttachmentOwner = choice()
    owner_id: RecordId = Field(index=True)
    kind: AttachmentKind = choice()
    sha256: Sha256Hex = Field(index=True)
    size: int = Field(ge=1, le=MAX_BLOB_BYTES)
    mime: ShortText
    width: int | None = Field(default=None, ge=1, le=20_000)
    height: int | None = Field(default=None, ge=1, le=20_000)
    caption: ShortText = ""
    taken_at: UtcDatetime | None = moment()

    @model_validator(mode="after")
    def _is_known_type(self) -> "AttachmentFields":
        if self.mime not in ALLOWED_MIME_TYPES:
            allowed = ", ".join(sorted(ALLOWED_MIME_TYPES))
            raise ValueError(f"mime: {self.mime!r} is not accepted; use one of {allowed}")
        return self


class AttachmentRecord(RecordMeta, AttachmentFields):
    """An attachment's metadata as pulled by devices."""
