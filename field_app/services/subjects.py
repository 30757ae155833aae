"""Persons under community correction on the officer's device: who must
check in next, and recording a check-in.

A subject's next check-in is due by the contract's rule
(``shared_models.correction.due.checkin_due``): the interval of the
subject's supervision level in the district's settings after the last
check-in, or the day supervision started when there was none; dates are
the district's calendar days, so "due today" means what it says on the
phone. Overdue subjects come first, then by due date, key persons first.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel import col

from field_app.services.records import live, read_rows
from field_app.services.visits import GpsFix, SavedVisit, record_visit
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalAttachment, LocalSubject, LocalVisit
from shared_models.correction.due import History, checkin_due
from shared_models.correction.settings import CorrectionSettings
from shared_models.district_time import district_day
from shared_models.domain import AttachmentRecord, SubjectRecord, VisitRecord
from shared_models.domain.subjects import SubjectStatus
from shared_models.domain.visits import CheckinMethod, VisitKind
from shared_models.protocol.tables import TableName


@dataclass(frozen=True)
class SubjectDue:
    """A subject with where their check-ins stand."""

    subject: SubjectRecord
    last_checkin_at: datetime | None
    due_on: date
    overdue: bool

    @property
    def key_person(self) -> bool:
        return self.subject.key_person


def list_subjects(
    store: LocalStore,
    now: datetime,
    settings: CorrectionSettings,
    officer_id: UUID | None = None,
    include_ended: bool = False,
) -> list[SubjectDue]:
    """Subjects sorted by when their next check-in is due (overdue first).

    ``now`` is on the district's clock (``FieldAppCore.now``): its zone is
    the calendar that "today" and "due" are counted in. ``settings`` are
    the district's (``correction_settings.district_settings``): they give
    each level's interval."""
    if now.tzinfo is None:
        raise ValueError("now must carry the district's time zone")
    zone = now.tzinfo
    today = now.date()
    query = live(TableName.SUBJECTS)
    if not include_ended:
        query = query.where(col(LocalSubject.status) == SubjectStatus.UNDER_SUPERVISION.value)
    if officer_id is not None:
        query = query.where(col(LocalSubject.officer_id) == officer_id)
    with store.transaction() as session:
        subjects = read_rows(store, session, TableName.SUBJECTS, SubjectRecord, query)
        last: dict[UUID, datetime] = {}
        for subject_id, latest in session.execute(
            select(col(LocalVisit.subject_id), func.max(col(LocalVisit.started_at)))
            .where(
                col(LocalVisit.kind) == VisitKind.CHECKIN.value,
                col(LocalVisit.deleted).is_(False),
                col(LocalVisit.subject_id).is_not(None),
            )
            .group_by(col(LocalVisit.subject_id))
        ):
            if subject_id is not None and latest is not None:
                last[subject_id] = latest
    rows = []
    for subject in subjects:
        last_at = last.get(subject.id)
        if last_at is not None and last_at.tzinfo is None:
            last_at = last_at.replace(tzinfo=UTC)
        history = History(
            level=subject.supervision_level,
            correction_type=subject.correction_type,
            status=subject.status,
            term_start=subject.term_start,
            term_end=subject.term_end,
            enrolled_on=subject.enrolled_on,
            last_checkin=district_day(last_at, zone) if last_at is not None else None,
        )
        due = checkin_due(history, settings)
        rows.append(SubjectDue(subject, last_at, due, overdue=due < today))
    rows.sort(key=lambda row: (not row.overdue, row.due_on, not row.key_person, row.subject.name))
    return rows


def subject_of(store: LocalStore, subject_id: UUID) -> SubjectRecord | None:
    """A live subject, or ``None`` when the device holds no such subject."""
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.SUBJECTS,
            SubjectRecord,
            live(TableName.SUBJECTS).where(col(LocalSubject.id) == subject_id),
        )
    return found[0] if found else None


@dataclass(frozen=True)
class SubjectVisit:
    """A visit of a subject (a check-in or another), with its photos."""

    visit: VisitRecord
    photos: list[str]
    """SHA-256 of its images, read through the blob store."""


def subject_visits(store: LocalStore, subject_id: UUID) -> list[SubjectVisit]:
    """A subject's visits, newest first, read in one transaction."""
    with store.transaction() as session:
        visits = read_rows(
            store,
            session,
            TableName.VISITS,
            VisitRecord,
            live(TableName.VISITS)
            .where(col(LocalVisit.subject_id) == subject_id)
            .order_by(col(LocalVisit.started_at).desc()),
        )
        photos: dict[UUID, list[str]] = {}
        if visits:
            for attachment in read_rows(
                store,
                session,
                TableName.ATTACHMENTS,
                AttachmentRecord,
                live(TableName.ATTACHMENTS).where(
                    col(LocalAttachment.owner_id).in_([v.id for v in visits])
                ),
            ):
                if attachment.mime.startswith("image/"):
                    photos.setdefault(attachment.owner_id, []).append(attachment.sha256)
    return [SubjectVisit(visit, photos.get(visit.id, [])) for visit in visits]


def record_checkin(
    store: LocalStore,
    blobs: LocalBlobStore | None,
    subject_id: UUID,
    method: CheckinMethod,
    fix: GpsFix | None = None,
    notes: str = "",
    photo: bytes | None = None,
    at: datetime | None = None,
    outcome: str = "",
) -> SavedVisit:
    """报到: one call for the check-in, its location and its photo."""
    return record_visit(
        store,
        blobs,
        kind=VisitKind.CHECKIN,
        subject_id=subject_id,
        method=method,
        started_at=at,
        fix=fix,
        notes=notes,
        outcome=outcome,
        photos=[photo] if photo is not None else [],
    )
