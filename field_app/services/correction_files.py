"""Images a correction record keeps: the subject's signature on an
announcement, a request or an acknowledgement (a PNG from the signature
pad, owned by the event) and the court's documents photographed at
enrolment (re-encoded like every photo, owned by the subject). The bytes
are on disk before the attachment record that names them commits."""

import hashlib
import uuid
from collections.abc import Sequence
from uuid import UUID

from pydantic import JsonValue
from sqlmodel import col

from field_app.services.photos import prepare_photo
from field_app.services.records import as_record, live, read_rows, validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalAttachment
from shared_models.domain import AttachmentFields, AttachmentRecord
from shared_models.domain.attachments import AttachmentKind, AttachmentOwner
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value


def attach_image(
    store: LocalStore,
    blobs: LocalBlobStore,
    owner: AttachmentOwner,
    owner_id: UUID,
    image: bytes,
    kind: AttachmentKind,
    caption: str = "",
) -> AttachmentRecord:
    """A signature (PNG as drawn) or a document photo (re-encoded) of a record."""
    if kind is AttachmentKind.SIGNATURE:
        data, mime, size = image, "image/png", None
    else:
        photo = prepare_photo(image)
        data, mime, size = photo.jpeg, "image/jpeg", (photo.width, photo.height)
    fields: dict[str, JsonValue] = {
        "owner_table": owner.value,
        "owner_id": str(owner_id),
        "kind": kind.value,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "mime": mime,
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "caption": caption,
        "taken_at": to_json_value(store.now()),
    }
    validate_fields(AttachmentFields, fields)
    blobs.put(data, mime)
    saved = store.records.save(TableName.ATTACHMENTS, uuid.uuid4(), fields)
    return as_record(AttachmentRecord, saved)


def attachments_of(
    store: LocalStore, owner_ids: Sequence[UUID], kind: AttachmentKind | None = None
) -> list[AttachmentRecord]:
    """The live attachments of these records (a subject's documents, the
    signatures of its events), oldest first."""
    if not owner_ids:
        return []
    query = live(TableName.ATTACHMENTS).where(col(LocalAttachment.owner_id).in_(list(owner_ids)))
    if kind is not None:
        query = query.where(col(LocalAttachment.kind) == kind.value)
    with store.transaction() as session:
        found = read_rows(store, session, TableName.ATTACHMENTS, AttachmentRecord, query)
    return sorted(found, key=lambda a: (a.taken_at is None, a.taken_at))
