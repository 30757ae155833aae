"""One record of the review queue, opened: the record, the case it belongs
to, its photos and documents, where it was recorded, who wrote it and what
earlier reviews said.

Every read goes through the scope layer (``JurisdictionScope``); a record outside
the caller's jurisdiction (or deleted) is 404, exactly like one that does
not exist, so the answer never tells that it exists elsewhere.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementRecord, AgreementStatus
from shared_models.domain.attachments import AttachmentRecord
from shared_models.domain.cases import CaseRecord
from shared_models.domain.review import ReviewRecord, ReviewTarget
from shared_models.domain.visits import VisitKind, VisitRecord
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.supervision import GpsFix, ReviewDetail, ReviewQueueKind
from shared_models.protocol.tables import TableName
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import (
    AgreementRow,
    AttachmentRow,
    CaseRow,
    OrgUnitRow,
    ReviewRow,
    SubjectRow,
    UserRow,
    VisitRow,
)

QUEUED_TABLES = (ReviewTarget.CASES, ReviewTarget.VISITS, ReviewTarget.AGREEMENTS)
"""What the queue lists (subjects are reviewable, but not queued)."""

_ROWS: dict[TableName, Any] = {
    TableName.CASES: CaseRow,
    TableName.VISITS: VisitRow,
    TableName.AGREEMENTS: AgreementRow,
}


def agreement_pdf_path(agreement_id: UUID) -> str:
    return f"/api/v1/agreements/{agreement_id}.pdf"


def review_detail(
    session: Session, scope: JurisdictionScope, target: ReviewTarget, record_id: UUID
) -> ReviewDetail:
    """The detail of one record; 404 when it is not a live record in scope."""
    if target not in QUEUED_TABLES:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"{target.value} are not in the review queue")
    table = TableName(target.value)
    row: Any = scope.get(session, _ROWS[table], record_id, live=True)
    case: CaseRecord | None = None
    visit: VisitRecord | None = None
    agreement: AgreementRecord | None = None
    subject_name = ""
    gps: GpsFix | None = None
    if table is TableName.CASES:
        case = _case(session, scope, row.id)
        kind = ReviewQueueKind.CASE
    elif table is TableName.VISITS:
        visit = VisitRecord.model_validate(row_to_wire(table, row))
        case = _case(session, scope, visit.case_id)
        subject_name = _subject_name(session, scope, visit.subject_id)
        kind = ReviewQueueKind.CHECKIN if visit.kind is VisitKind.CHECKIN else ReviewQueueKind.VISIT
        if visit.lat is not None and visit.lon is not None:
            gps = GpsFix(lat=visit.lat, lon=visit.lon, accuracy_m=visit.accuracy_m)
    else:
        agreement = AgreementRecord.model_validate(row_to_wire(table, row))
        case = _case(session, scope, agreement.case_id)
        kind = ReviewQueueKind.AGREEMENT
    author: Any = session.get(UserRow, row.created_by) if row.created_by else None
    unit: Any = session.get(OrgUnitRow, row.scope_unit_id) if row.scope_unit_id else None
    return ReviewDetail(
        table=target,
        record_id=row.id,
        kind=kind,
        version=row.version,
        arrived_at=row.updated_at,
        author_id=row.created_by,
        author_name=author.display_name if author is not None else "",
        org_unit_id=row.scope_unit_id,
        org_unit_name=unit.name if unit is not None else "",
        case=case,
        visit=visit,
        agreement=agreement,
        subject_name=subject_name,
        gps=gps,
        attachments=_attachments(session, scope, target, row.id),
        reviews=_reviews(session, scope, target, row.id),
        agreement_pdf=_agreement_pdf(session, scope, agreement, case),
    )


def _case(session: Session, scope: JurisdictionScope, case_id: UUID | None) -> CaseRecord | None:
    if case_id is None:
        return None
    row = scope.find(session, CaseRow, case_id, live=True)
    return None if row is None else CaseRecord.model_validate(row_to_wire(TableName.CASES, row))


def _subject_name(session: Session, scope: JurisdictionScope, subject_id: UUID | None) -> str:
    """Only the name: a subject's ID number and address are not the review's business."""
    if subject_id is None:
        return ""
    subject: Any = SubjectRow
    name = session.scalars(
        select(subject.name).where(
            subject.id == subject_id,
            col(subject.deleted).is_(False),
            scope.row_filter(TableName.SUBJECTS, subject),
        )
    ).first()
    return name or ""


def _attachments(
    session: Session, scope: JurisdictionScope, target: ReviewTarget, record_id: UUID
) -> list[AttachmentRecord]:
    model: Any = AttachmentRow
    rows = session.scalars(
        select(model)
        .where(
            model.owner_table == target.value,
            model.owner_id == record_id,
            col(model.deleted).is_(False),
            scope.row_filter(TableName.ATTACHMENTS, model),
        )
        .order_by(model.version)
    )
    return [
        AttachmentRecord.model_validate(row_to_wire(TableName.ATTACHMENTS, row)) for row in rows
    ]


def _reviews(
    session: Session, scope: JurisdictionScope, target: ReviewTarget, record_id: UUID
) -> list[ReviewRecord]:
    model: Any = ReviewRow
    rows = session.scalars(
        select(model)
        .where(
            model.target_table == target.value,
            model.target_id == record_id,
            col(model.deleted).is_(False),
            scope.row_filter(TableName.REVIEWS, model),
        )
        .order_by(model.version.desc())
    )
    return [ReviewRecord.model_validate(row_to_wire(TableName.REVIEWS, row)) for row in rows]


def _agreement_pdf(
    session: Session,
    scope: JurisdictionScope,
    agreement: AgreementRecord | None,
    case: CaseRecord | None,
) -> str | None:
    """The agreement's own print, or the case's latest signed agreement."""
    if agreement is not None:
        return agreement_pdf_path(agreement.id)
    if case is None:
        return None
    model: Any = AgreementRow
    latest = session.scalars(
        select(model.id)
        .where(
            model.case_id == case.id,
            model.status == AgreementStatus.SIGNED.value,
            col(model.deleted).is_(False),
            scope.row_filter(TableName.AGREEMENTS, model),
        )
        .order_by(model.version.desc())
    ).first()
    return None if latest is None else agreement_pdf_path(latest)
