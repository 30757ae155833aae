"""A signature's image on the device, the one way every signed record
keeps it: an agreement (``agreements.add_signature``) and a case document
(``case_steps.add_document_signature``).

A signature is a PNG from the pad; a fingerprint is a photo, re-encoded
like every photo. Its bytes go to the blob store first, then an attachment
record owned by the signed record names them, and the ``SignatureRef`` the
caller adds to the record's ``signatures`` points at both, so the server
meets the image before the signature that names it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from pydantic import JsonValue

from field_app.errors import SaveRejectedError
from field_app.services.photos import prepare_photo
from field_app.services.records import validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.domain.agreements import SignatureKind, SignatureRef, SignerRole
from shared_models.domain.attachments import AttachmentFields, AttachmentKind, AttachmentOwner
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value


@dataclass(frozen=True)
class SignedBy:
    """Who signs: a party (``party_id`` of the case's party) or the mediator."""

    role: SignerRole
    name: str
    party_id: UUID | None = None


def store_signature(
    store: LocalStore,
    blobs: LocalBlobStore,
    owner: AttachmentOwner,
    owner_id: UUID,
    signer: SignedBy,
    image: bytes,
    kind: SignatureKind = SignatureKind.SIGNATURE,
    at: datetime | None = None,
) -> SignatureRef:
    """Keep ``signer``'s image as an attachment of ``owner_id`` (a table of
    ``owner``) and return the signature naming it; the caller writes it into
    the record's ``signatures``. Only a party gives a fingerprint."""
    if kind is SignatureKind.FINGERPRINT and signer.role is not SignerRole.PARTY:
        raise SaveRejectedError("signatures", "the mediator signs; fingerprints are for parties")
    if kind is SignatureKind.FINGERPRINT:
        photo = prepare_photo(image)
        data, mime, size = photo.jpeg, "image/jpeg", (photo.width, photo.height)
    else:
        data, mime, size = image, "image/png", None
    sha256 = hashlib.sha256(data).hexdigest()
    moment = at or store.now()
    attachment: dict[str, JsonValue] = {
        "owner_table": owner.value,
        "owner_id": str(owner_id),
        "kind": AttachmentKind(kind.value).value,
        "sha256": sha256,
        "size": len(data),
        "mime": mime,
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "taken_at": to_json_value(moment),
    }
    validate_fields(AttachmentFields, attachment)
    blobs.put(data, mime)  # the bytes are on disk before the record naming them
    attachment_id = uuid4()
    store.records.save(TableName.ATTACHMENTS, attachment_id, attachment)
    return SignatureRef(
        signer_role=signer.role,
        signer_name=signer.name,
        party_id=signer.party_id,
        kind=kind,
        attachment_id=attachment_id,
        sha256=sha256,
        signed_at=moment,
    )
