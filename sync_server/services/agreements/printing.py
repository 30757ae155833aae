"""Printing an agreement on the server: the same PDF the device draws, from
the stored record and its signature images, then signed with the district
key when the agreement is sealed (a draft is printed marked as a draft and
not signed: the district vouches only for what was sealed)."""

from dataclasses import dataclass
from uuid import UUID

from sqlmodel import Session

from shared_documents.agreement_pdf import render_agreement_pdf
from shared_models.agreement_text import agreement_document
from shared_models.domain.agreements import AgreementStatus, SignatureRef
from sync_server.blobs.store import BlobStore
from sync_server.core.district_key import DistrictKey
from sync_server.services.agreements.countersign import agreement_fields
from sync_server.services.agreements.pades import sign_pdf
from sync_server.services.blobs.claims import signature_image_readable
from sync_server.services.supervision.district_calendar import district_tz
from sync_server.tables import AgreementRow, CaseRow

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""A signature image is a small PNG; a larger blob is not printed."""


class MissingImagesError(Exception):
    """Signature images the server does not hold (yet); ``sha256`` lists them."""

    def __init__(self, sha256: list[str]) -> None:
        super().__init__(f"{len(sha256)} signature images are not on the server")
        self.sha256 = sha256


@dataclass(frozen=True)
class PrintedAgreement:
    pdf: bytes
    signed: bool
    file_name: str


def _images(blobs: BlobStore, session: Session, signatures: list[SignatureRef]) -> dict[str, bytes]:
    """The signature images, each read only through its own attachment record
    whose author sent it (``services/blobs/claims.py``)."""
    images: dict[str, bytes] = {}
    missing: list[str] = []
    readable = {
        ref.sha256
        for ref in signatures
        if signature_image_readable(session, ref.attachment_id, ref.sha256)
    }
    for sha256 in dict.fromkeys(ref.sha256 for ref in signatures):
        content = blobs.open(sha256) if sha256 in readable else None
        if content is None or content.size > MAX_IMAGE_BYTES:
            missing.append(sha256)
            if content is not None:
                content.stream.close()
            continue
        with content.stream as stream:
            images[sha256] = stream.read()
    if missing:
        raise MissingImagesError(missing)
    return images


def print_agreement(
    row: AgreementRow, key: DistrictKey, blobs: BlobStore, session: Session
) -> PrintedAgreement:
    """The agreement's PDF. Raises ``MissingImagesError`` while a signature
    image has not been uploaded: a printed agreement without its signatures
    would mislead. An image that does not hash to its sealed value is
    refused by the renderer (``SignatureImageError``)."""
    fields = agreement_fields(row)
    images = _images(blobs, session, fields.signatures)
    case = session.get(CaseRow, row.case_id)
    number = case.case_number if case is not None else None
    document = agreement_document(row.id, fields, district_tz(), number)
    pdf = render_agreement_pdf(document, images)
    sealed = fields.status is AgreementStatus.SIGNED and document.reference is not None
    if sealed:
        pdf = sign_pdf(pdf, key, reason=f"sealed mediation agreement {document.reference}")
    return PrintedAgreement(pdf=pdf, signed=sealed, file_name=_file_name(row.id, sealed))


def _file_name(agreement_id: UUID, sealed: bool) -> str:
    return f"agreement-{agreement_id}{'' if sealed else '-draft'}.pdf"
