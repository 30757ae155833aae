"""Printing the records of community correction on the server, for the
desk: an entry or release announcement's record and the release
certificate, the same pages the officer's phone prints offline
(``shared_documents.correction_records`` fills both).

The event and its subject are read through the caller's
``JurisdictionScope`` like the timeline: the subject's office (its
officers and head) and the district, never mediators; anything else is
404 as if it did not exist. The subject's signature is the latest
signature attachment of the event in the caller's scope, read only when
its author sent those bytes; one not on the server yet refuses the print
with the agreement's 409 (``services/blobs/signature_prints.py``): a
record printed without the signature it has would mislead. An announcement nobody signed on the
screen prints with the box empty, to sign on paper.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from uuid import UUID

from sqlmodel import Session, col, select

from shared_documents.agreement_pdf import SignatureImageError
from shared_documents.announcement_pdf import render_announcement_pdf
from shared_documents.correction_records import (
    NotPrintedError,
    Supervisors,
    announcement_file_name,
    announcement_record,
    certificate_file_name,
    release_certificate,
)
from shared_documents.record_layout import SignedImage
from shared_documents.release_certificate_pdf import render_release_certificate_pdf
from shared_models.domain import AttachmentRecord, SubjectRecord
from shared_models.domain.attachments import AttachmentKind, AttachmentOwner
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.blobs.store import BlobStore
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.blobs.signature_prints import (
    read_signature,
    signatures_not_recorded,
    signatures_not_uploaded,
)
from sync_server.services.correction.decisions import event_record
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import (
    AttachmentRow,
    DistrictRow,
    OrgUnitRow,
    SubjectEventRow,
    SubjectRow,
    UserRow,
)


@dataclass(frozen=True)
class PrintedRecord:
    """A PDF for the desk: the name to save it under (in Chinese, as the
    phone names it) and the bytes."""

    file_name: str
    pdf: bytes
    subject_id: UUID


def _event(
    session: Session, scope: JurisdictionScope, event_id: UUID
) -> tuple[SubjectEventRecord, SubjectRecord]:
    row = scope.get(session, SubjectEventRow, event_id, live=True, what="record", field="event_id")
    subject_row = scope.get(session, SubjectRow, row.subject_id, live=True, what="subject")
    subject = SubjectRecord.model_validate(row_to_wire(TableName.SUBJECTS, subject_row))
    return event_record(row), subject


def _names(session: Session, subject: SubjectRecord) -> Supervisors:
    """The office, the supervising officer and the district as the documents name them."""
    office = session.get(OrgUnitRow, subject.org_unit_id)
    officer = session.get(UserRow, subject.officer_id) if subject.officer_id else None
    district = session.get(DistrictRow, 1)
    root = session.get(OrgUnitRow, district.root_unit_id) if district is not None else None
    office_name = office.name if office is not None else ""
    return Supervisors(
        office=office_name,
        officer=officer.display_name if officer is not None else "",
        district=root.name if root is not None else office_name,
    )


def _signature(
    session: Session, scope: JurisdictionScope, blobs: BlobStore, event_id: UUID
) -> tuple[SignedImage | None, datetime | None]:
    """The latest signature on the event the caller may read, and when it was given."""
    row = session.exec(
        select(AttachmentRow)
        .where(
            col(AttachmentRow.owner_table) == AttachmentOwner.SUBJECT_EVENTS.value,
            col(AttachmentRow.owner_id) == event_id,
            col(AttachmentRow.kind) == AttachmentKind.SIGNATURE.value,
            col(AttachmentRow.deleted).is_(False),
            scope.row_filter(TableName.ATTACHMENTS, AttachmentRow),
        )
        .order_by(col(AttachmentRow.version).desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    attachment = AttachmentRecord.model_validate(row_to_wire(TableName.ATTACHMENTS, row))
    data = read_signature(session, blobs, attachment.id, attachment.sha256)
    if data is None:
        raise signatures_not_uploaded([attachment.sha256])
    return SignedImage(attachment.sha256, data), attachment.taken_at


def _not_printed(refused: NotPrintedError) -> ApiError:
    return ApiError(422, ErrorCode.VALIDATION_FAILED, f"event_id: {refused}", {"field": "event_id"})


def print_announcement(
    session: Session, scope: JurisdictionScope, blobs: BlobStore, event_id: UUID, zone: tzinfo
) -> PrintedRecord:
    """The record of the entry or release announcement ``event_id``, with the
    subject's signature (times on the district's clock ``zone``)."""
    event, subject = _event(session, scope, event_id)
    try:
        name = announcement_file_name(event, subject.name)
    except NotPrintedError as refused:
        raise _not_printed(refused) from None
    signature, signed_at = _signature(session, scope, blobs, event_id)
    record = announcement_record(event, subject, _names(session, subject), signature, signed_at)
    try:
        pdf = render_announcement_pdf(record, zone)
    except SignatureImageError as wrong:
        raise signatures_not_recorded(wrong.sha256) from None
    return PrintedRecord(name, pdf, subject.id)


def print_release_certificate(
    session: Session, scope: JurisdictionScope, event_id: UUID
) -> PrintedRecord:
    """The release certificate (解除社区矫正证明书) of the release announcement ``event_id``."""
    event, subject = _event(session, scope, event_id)
    try:
        certificate = release_certificate(event, subject, _names(session, subject))
    except NotPrintedError as refused:
        raise _not_printed(refused) from None
    pdf = render_release_certificate_pdf(certificate)
    return PrintedRecord(certificate_file_name(subject.name), pdf, subject.id)
