"""The case file (调解卷宗) on the device: gathered from the phone's own
records, checked and printed offline.

The records of one case (its parties, forms, visits, agreements and the
attachments of all of these, unsynced edits included) become the shared
``CaseFileSources``; ``shared_models.case_file_text`` lays the file out and
``shared_documents.case_file_pdf`` draws it, exactly as the server does for
the desk. Images come from this phone's encrypted attachment store; one the
phone does not hold (a photo another device took, not fetched yet) prints
as a note in its place. The completeness check is the shared rule
(``shared_models.case_file_check``), so the phone and the desk list the
same gaps.
"""

from datetime import date, tzinfo
from typing import Any
from uuid import UUID

from sqlmodel import col

from field_app.errors import SaveRejectedError
from field_app.services.case_steps import live_case
from field_app.services.records import live, read_rows
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.storage.tables import (
    LocalAgreement,
    LocalAttachment,
    LocalCaseDocument,
    LocalOrgUnit,
    LocalParty,
    LocalUser,
    LocalVisit,
)
from shared_documents.case_file_pdf import render_case_file_pdf
from shared_models.case_file import CaseFile, image_hashes
from shared_models.case_file_check import FileGap, file_gaps
from shared_models.case_file_text import IMAGE_TYPES, CaseFileSources, case_file
from shared_models.domain import (
    AgreementRecord,
    AttachmentRecord,
    CaseDocumentRecord,
    PartyRecord,
    VisitRecord,
)
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.protocol.tables import TableName


def _of_case(
    store: LocalStore, session: Any, table: TableName, model: Any, local: Any, case_id: UUID
) -> list[Any]:
    query = live(table).where(col(local.case_id) == case_id)
    return [(record.id, record) for record in read_rows(store, session, table, model, query)]


def case_file_sources(
    store: LocalStore, case_id: UUID, today: date, zone: tzinfo, settings: MediationSettings
) -> CaseFileSources:
    """The case's records as this phone holds them, the case as the user
    sees it (``case_steps.live_case``: a step not synced yet moves its
    status); ``SaveRejectedError`` if it holds no such case."""
    with store.transaction() as session:
        case = live_case(store, session, case_id, zone)
        if case is None:
            raise SaveRejectedError(None, "there is no such case on this device")
        parties = _of_case(store, session, TableName.PARTIES, PartyRecord, LocalParty, case_id)
        documents = _of_case(
            store, session, TableName.CASE_DOCUMENTS, CaseDocumentRecord, LocalCaseDocument, case_id
        )
        visits = _of_case(store, session, TableName.VISITS, VisitRecord, LocalVisit, case_id)
        agreements = _of_case(
            store, session, TableName.AGREEMENTS, AgreementRecord, LocalAgreement, case_id
        )
        owners = [case_id, *(i for group in (documents, visits, agreements) for i, _ in group)]
        attachments = [
            (record.id, record)
            for record in read_rows(
                store,
                session,
                TableName.ATTACHMENTS,
                AttachmentRecord,
                live(TableName.ATTACHMENTS).where(col(LocalAttachment.owner_id).in_(owners)),
            )
        ]
        committee = session.get(LocalOrgUnit, case.org_unit_id)
        mediator = None if case.mediator_id is None else session.get(LocalUser, case.mediator_id)
    return CaseFileSources(
        case=case,
        parties=parties,
        documents=documents,
        visits=visits,
        agreements=agreements,
        attachments=attachments,
        committee_name=committee.name if committee is not None else "",
        mediator_name=mediator.display_name if mediator is not None else "",
        today=today,
        zone=zone,
        settings=settings,
    )


def case_file_gaps(sources: CaseFileSources) -> list[FileGap]:
    """What the file lacks (the shared completeness check)."""
    s = sources
    return file_gaps(s.case, s.parties, s.documents, s.agreements, s.today, s.zone, s.settings)


def file_images(blobs: LocalBlobStore, built: CaseFile) -> dict[str, bytes]:
    """The file's images this phone holds, decrypted."""
    return {sha: blobs.read(sha) for sha in image_hashes(built) if blobs.has(sha)}


def images_not_here(blobs: LocalBlobStore, sources: CaseFileSources) -> list[tuple[str, str]]:
    """``(sha256, mime)`` of the file's images this phone does not hold (another
    device took or signed them): what ``photo_fetch`` may bring before printing."""
    return [
        (attachment.sha256, attachment.mime)
        for _, attachment in sources.attachments
        if attachment.mime in IMAGE_TYPES and not blobs.has(attachment.sha256)
    ]


def case_file_pdf(blobs: LocalBlobStore, case_id: UUID, sources: CaseFileSources) -> bytes:
    """The case file as one A4 PDF, made on the phone (blocking: seconds with many photos)."""
    built = case_file(case_id, sources)
    return render_case_file_pdf(built, file_images(blobs, built))
