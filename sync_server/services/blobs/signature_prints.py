"""A signature image read for a printed document, and the server's answer
when it cannot be printed: the mediation agreement and the records of
community correction print their signatures the same way (docs/protocol.md,
the print routes).

A print waits for its signatures, since a document printed without the
signature it records would mislead: an image the server does not hold yet,
or holds only from someone other than the record's author
(``claims.signature_image_readable``), or too large to be a signature, is
``409 UNKNOWN_REFERENCE`` naming the missing hashes; one that does not hash
to the value the record holds is ``409 HASH_MISMATCH``.
"""

from collections.abc import Iterable
from uuid import UUID

from sqlmodel import Session

from shared_models.protocol.errors import ErrorCode
from sync_server.blobs.store import BlobStore
from sync_server.core.errors import ApiError
from sync_server.services.blobs.claims import signature_image_readable

MAX_SIGNATURE_BYTES = 5 * 1024 * 1024
"""A signature image is a small PNG; a larger blob is not printed."""


def read_signature(
    session: Session, blobs: BlobStore, attachment_id: UUID, sha256: str
) -> bytes | None:
    """The image ``sha256`` read through its attachment record, or ``None``
    when it may not be printed (yet)."""
    if not signature_image_readable(session, attachment_id, sha256):
        return None
    content = blobs.open(sha256)
    if content is None:
        return None
    with content.stream as stream:
        return stream.read() if content.size <= MAX_SIGNATURE_BYTES else None


def signatures_not_uploaded(sha256: Iterable[str]) -> ApiError:
    """The answer to a print whose signature images (``sha256``) are missing."""
    return ApiError(
        409,
        ErrorCode.UNKNOWN_REFERENCE,
        "a signature image of this document has not reached the server yet: "
        "print it once the device has uploaded it",
        {"missing_sha256": list(sha256)},
    )


def signatures_not_recorded(sha256: Iterable[str]) -> ApiError:
    """The answer to a print whose stored images are not the ones recorded."""
    return ApiError(
        409,
        ErrorCode.HASH_MISMATCH,
        "a stored signature image is not the one this document records: verify it",
        {"sha256": list(sha256)},
    )
