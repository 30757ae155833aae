"""Printing an agreement on the server: the same PDF the device draws, from
the stored record and its signature images, then signed with the district
key when the agreement is sealed (a draft is printed marked as a draft and
not signed: the district vouches only for what was sealed)."""

from dataclasses import dataclass
from uuid import UUID

from sqlmodel import Session

from shared_documents.agreement_pdf import SignatureImageError, render_agreement_pdf
from shared_models.agreement_text import agreement_document
from shared_models.domain.agreements import AgreementStatus, SignatureRef
from sync_server.blobs.store import BlobStore
from sync_server.core.district_key import DistrictKey
from sync_server.services.agreements.countersign import agreement_fields
from sync_server.services.agreements.pades import sign_pdf
from sync_server.services.blobs.signature_prints import (
    read_signature,
    signatures_not_recorded,
    signatures_not_uploaded,
)
from sync_server.services.supervision.district_calendar import district_tz
from sync_server.tables import AgreementRow, CaseRow


@dataclass(frozen=True)
class PrintedAgreement:
    pdf: bytes
    signed: bool
    file_name: str


def _images(blobs: BlobStore, session: Session, signatures: list[SignatureRef]) -> dict[str, bytes]:
    """The signature images, each read only through its own attachment record
    whose author sent it (``services/blobs/signature_prints.py``)."""
    images: dict[str, bytes] = {}
    for ref in signatures:
        if ref.sha256 not in images:
            data = read_signature(session, blobs, ref.attachment_id, ref.sha256)
            if data is not None:
                images[ref.sha256] = data
    missing = [sha for sha in dict.fromkeys(ref.sha256 for ref in signatures) if sha not in images]
    if missing:
        raise signatures_not_uploaded(missing)
    return images


def print_agreement(
    row: AgreementRow, key: DistrictKey, blobs: BlobStore, session: Session
) -> PrintedAgreement:
    """The agreement's PDF; a 409 while a signature image has not been
    uploaded, or is not the one sealed (``signature_prints``)."""
    fields = agreement_fields(row)
    images = _images(blobs, session, fields.signatures)
    case = session.get(CaseRow, row.case_id)
    number = case.case_number if case is not None else None
    document = agreement_document(row.id, fields, district_tz(), number)
    try:
        pdf = render_agreement_pdf(document, images)
    except SignatureImageError as wrong:
        raise signatures_not_recorded(wrong.sha256) from None
    sealed = fields.status is AgreementStatus.SIGNED and document.reference is not None
    if sealed:
        pdf = sign_pdf(pdf, key, reason=f"sealed mediation agreement {document.reference}")
    return PrintedAgreement(pdf=pdf, signed=sealed, file_name=_file_name(row.id, sealed))


def _file_name(agreement_id: UUID, sealed: bool) -> str:
    return f"agreement-{agreement_id}{'' if sealed else '-draft'}.pdf"
