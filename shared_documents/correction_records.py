"""The printed records of community correction filled from the synced
records: an announcement's record and the release certificate, from the
subject, the announcement event and the names of who supervised.

The officer's phone prints them from its own copy, offline; the desk has
the server print them from the district's (``GET
/api/v1/correction/events/{id}/record.pdf`` and ``…/certificate.pdf``).
Both fill the documents here, so the two prints say the same thing.
"""

from dataclasses import dataclass
from datetime import datetime

from shared_documents.announcement_pdf import AnnouncementKind, AnnouncementRecord, items_read
from shared_documents.record_layout import SignedImage
from shared_documents.release_certificate_pdf import TITLE as CERTIFICATE_TITLE
from shared_documents.release_certificate_pdf import ReleaseCertificate
from shared_models.domain.event_content import EntryAnnouncement, ReleaseAnnouncement
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.domain.subjects import SubjectFields


class NotPrintedError(ValueError):
    """The event has no document of this kind (``field``: what to change)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Supervisors:
    """Who the documents name: the office, its officer, the district body."""

    office: str
    officer: str
    district: str


def announcement_of(event: SubjectEventRecord) -> EntryAnnouncement | ReleaseAnnouncement:
    """The event's announcement, or ``NotPrintedError``."""
    if not isinstance(event.content, EntryAnnouncement | ReleaseAnnouncement):
        raise NotPrintedError("kind", "only an entry or release announcement has a printed record")
    return event.content


def release_of(event: SubjectEventRecord) -> ReleaseAnnouncement:
    """The event's release announcement, or ``NotPrintedError``."""
    if not isinstance(event.content, ReleaseAnnouncement):
        raise NotPrintedError("kind", "the certificate is printed from the release announcement")
    return event.content


def announcement_record(
    event: SubjectEventRecord,
    subject: SubjectFields,
    names: Supervisors,
    signature: SignedImage | None,
    signed_at: datetime | None,
) -> AnnouncementRecord:
    """The record of the entry or release announcement ``event``, signed as drawn."""
    content = announcement_of(event)
    release = isinstance(content, ReleaseAnnouncement)
    return AnnouncementRecord(
        kind=AnnouncementKind.RELEASE if release else AnnouncementKind.ENTRY,
        record_id=event.id,
        subject_name=subject.name,
        gender=subject.gender,
        id_number=subject.id_number,
        correction_type=subject.correction_type,
        term_start=subject.term_start,
        term_end=subject.term_end,
        decided_by=subject.court,
        held_on=event.occurred_on,
        place=content.place,
        announcer=names.officer,
        office=names.office,
        present=list(content.present),
        items_read=items_read(content.items_read, subject.correction_type),
        signature=signature,
        signed_at=signed_at,
        number=content.certificate_number if isinstance(content, ReleaseAnnouncement) else "",
    )


def release_certificate(
    event: SubjectEventRecord, subject: SubjectFields, names: Supervisors
) -> ReleaseCertificate:
    """The release certificate (解除社区矫正证明书) of the release announcement ``event``."""
    content = release_of(event)
    return ReleaseCertificate(
        record_id=event.id,
        number=content.certificate_number,
        subject_name=subject.name,
        gender=subject.gender,
        birth_date=subject.birth_date,
        id_number=subject.id_number,
        residence=subject.address,
        offence=subject.offence,
        decided_by=subject.court,
        decided_on=subject.decided_on,
        decision_number=subject.judgment_number,
        sentence=subject.sentence,
        correction_type=subject.correction_type,
        supervised_at=names.office,
        term_start=subject.term_start,
        term_end=subject.term_end,
        issuer=names.district,
        issued_on=event.occurred_on,
    )


def announcement_file_name(event: SubjectEventRecord, subject_name: str) -> str:
    """What the saved PDF of the announcement is called (入矫宣告记录-姓名.pdf)."""
    release = isinstance(announcement_of(event), ReleaseAnnouncement)
    title = "解矫宣告记录" if release else "入矫宣告记录"
    return f"{title}-{subject_name}.pdf"


def certificate_file_name(subject_name: str) -> str:
    """What the saved PDF of the certificate is called."""
    return f"{CERTIFICATE_TITLE}-{subject_name}.pdf"
