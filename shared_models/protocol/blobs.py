"""Blob calls: which hashes the server still needs; uploads are tus-style
``HEAD``/``PATCH`` with ``Upload-Offset`` and ``Upload-Length`` headers."""

from pydantic import BaseModel, ConfigDict, Field

from shared_models.domain.types import Sha256Hex

UPLOAD_OFFSET = "Upload-Offset"
UPLOAD_LENGTH = "Upload-Length"
MAX_CHUNK_BYTES = 8 * 1024 * 1024
"""The most one PATCH may carry; devices on weak links send far smaller chunks."""
CHUNK_MEDIA_TYPES: frozenset[str] = frozenset(
    {"application/offset+octet-stream", "application/octet-stream"}
)


class MissingBlobsRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    sha256: list[Sha256Hex] = Field(max_length=1000)


class MissingBlobsResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    missing: list[Sha256Hex]
