"""The printed records of community correction, made on the phone offline:
the entry or release announcement record (with the subject's signature as
drawn) and the release certificate, from the records the phone holds
(``shared_documents.correction_records`` fills them as the district's
desk does, so both print the same pages).
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from uuid import UUID

from field_app.errors import SaveRejectedError
from field_app.services.correction_files import attachments_of
from field_app.services.directory import org_units, people
from field_app.services.records import as_record
from field_app.services.subjects import subject_of
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_documents.announcement_pdf import render_announcement_pdf
from shared_documents.correction_records import (
    NotPrintedError,
    Supervisors,
    announcement_file_name,
    announcement_of,
    announcement_record,
    certificate_file_name,
    release_certificate,
)
from shared_documents.record_layout import SignedImage
from shared_documents.release_certificate_pdf import render_release_certificate_pdf
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain import SubjectRecord
from shared_models.domain.attachments import AttachmentKind
from shared_models.domain.org import OrgUnitKind
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.protocol.tables import TableName


@dataclass(frozen=True)
class Printed:
    """A document to hand to the printer: its file name and bytes."""

    file_name: str
    pdf: bytes


def _announcement(store: LocalStore, event_id: UUID) -> tuple[SubjectEventRecord, SubjectRecord]:
    record = store.records.get(TableName.SUBJECT_EVENTS, event_id)
    if record is None:
        raise SaveRejectedError(None, "there is no such record on this phone")
    event = as_record(SubjectEventRecord, record)
    try:
        announcement_of(event)
    except NotPrintedError as refused:
        raise SaveRejectedError(refused.field, str(refused)) from None
    subject = subject_of(store, event.subject_id)
    if subject is None:
        raise SaveRejectedError("subject_id", "there is no such subject on this phone")
    return event, subject


def _names(store: LocalStore, subject: SubjectRecord) -> Supervisors:
    """The office, the supervising officer and the district's name."""
    units = org_units(store)
    office = next((u.name for u in units if u.id == subject.org_unit_id), "")
    district = next((u.name for u in units if u.kind is OrgUnitKind.DISTRICT), office)
    officer = next((p.display_name for p in people(store) if p.id == subject.officer_id), "")
    return Supervisors(office=office, officer=officer, district=district)


def _signature(
    store: LocalStore, blobs: LocalBlobStore, event_id: UUID
) -> tuple[SignedImage | None, datetime | None]:
    """The latest signature given on the event (and when), if its image is here."""
    found = attachments_of(store, [event_id], AttachmentKind.SIGNATURE)
    for attachment in reversed(found):
        if blobs.has(attachment.sha256):
            image = SignedImage(attachment.sha256, blobs.read(attachment.sha256))
            return image, attachment.taken_at
    return None, None


def announcement_pdf(
    store: LocalStore, blobs: LocalBlobStore, event_id: UUID, zone: tzinfo = DEFAULT_ZONE
) -> Printed:
    """The record of an entry or release announcement, signed as drawn."""
    event, subject = _announcement(store, event_id)
    signature, signed_at = _signature(store, blobs, event_id)
    record = announcement_record(event, subject, _names(store, subject), signature, signed_at)
    pdf = render_announcement_pdf(record, zone)
    return Printed(announcement_file_name(event, subject.name), pdf)


def release_certificate_pdf(store: LocalStore, event_id: UUID) -> Printed:
    """The release certificate (解除社区矫正证明书) of the release announcement ``event_id``."""
    event, subject = _announcement(store, event_id)
    try:
        certificate = release_certificate(event, subject, _names(store, subject))
    except NotPrintedError as refused:
        raise SaveRejectedError(refused.field, str(refused)) from None
    pdf = render_release_certificate_pdf(certificate)
    return Printed(certificate_file_name(subject.name), pdf)
