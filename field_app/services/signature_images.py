"""A signature (a PNG drawn from the pad's strokes) or a fingerprint photo
stored as the attachment of the record it signs: an agreement, or a case
document (the application, a party's rights notice). One way for both, so
the case file prints every signature alike."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import JsonValue

from field_app.services.photos import prepare_photo
from field_app.services.records import validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.domain.agreements import SignatureKind, SignatureRef, SignerRole
from shared_models.domain.attachments import AttachmentFields, AttachmentKind, AttachmentOwner
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value


@dataclass(frozen=True)
class StoredSignature:
    attachment_id: UUID
    sha256: str


def store_signature_image(
    store: LocalStore,
    blobs: LocalBlobStore,
    owner: AttachmentOwner,
    owner_id: UUID,
    image: bytes,
    kind: SignatureKind,
    at: datetime,
) -> StoredSignature:
    """The image's bytes (a fingerprint re-encoded like every photo) and its
    attachment record; the bytes are on disk before the record commits."""
    if kind is SignatureKind.FINGERPRINT:
        photo = prepare_photo(image)
        data, mime, size = photo.jpeg, "image/jpeg", (photo.width, photo.height)
    else:
        data, mime, size = image, "image/png", None
    sha256 = hashlib.sha256(data).hexdigest()
    attachment: dict[str, JsonValue] = {
        "owner_table": owner.value,
        "owner_id": str(owner_id),
        "kind": AttachmentKind(kind.value).value,
        "sha256": sha256,
        "size": len(data),
        "mime": mime,
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "taken_at": to_json_value(at),
    }
    validate_fields(AttachmentFields, attachment)
    blobs.put(data, mime)
    attachment_id = uuid.uuid4()
    store.records.save(TableName.ATTACHMENTS, attachment_id, attachment)
    return StoredSignature(attachment_id, sha256)


def document_signature(
    store: LocalStore,
    blobs: LocalBlobStore,
    document_id: UUID,
    role: SignerRole,
    name: str,
    party_id: UUID | None,
    image: bytes,
    kind: SignatureKind,
) -> SignatureRef:
    """A signature on a case document: its image stored, the reference the
    document lists (``case_steps.edit_document(signatures=…)``)."""
    at = store.now()
    stored = store_signature_image(
        store, blobs, AttachmentOwner.CASE_DOCUMENTS, document_id, image, kind, at
    )
    return SignatureRef(
        signer_role=role,
        signer_name=name,
        party_id=party_id,
        kind=kind,
        attachment_id=stored.attachment_id,
        sha256=stored.sha256,
        signed_at=at,
    )
