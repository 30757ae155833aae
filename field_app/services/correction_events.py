"""Recording what happens to a subject under correction, on the phone and
offline: announcements, plans, talks, health reports, hours, leave,
residence, exit-entry filings, rewards and sanctions, each a
``subject_events`` record (``shared_models/domain/subject_events.py``),
with the subject's signature where the paper has one.

The phone applies the server's rules before it saves (the same shared
functions), so the officer hears "over the 60 days of this year" while
the subject is still there, not at the next sync: a closed subject takes
no events, a departure or return needs an approved leave, leave stays
within the district's limits (as last fetched) and overlaps no other.
Decisions are never recorded here: supervisors make them on the desk and
the phone receives them at its next sync.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pydantic import JsonValue

from field_app.errors import SaveRejectedError
from field_app.services.correction_files import attach_image
from field_app.services.correction_reading import event_facts, subject_event_records
from field_app.services.records import as_record, validate_fields
from field_app.services.subjects import subject_of
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.correction.approvals import ApprovalStatus
from shared_models.correction.history import leave_days_left, leave_request_refusal, request_states
from shared_models.correction.leave import LeaveRefusal
from shared_models.correction.residence import residence_notice_problem
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain import AttachmentRecord
from shared_models.domain.attachments import AttachmentKind, AttachmentOwner
from shared_models.domain.event_content import (
    ANSWERED_KIND,
    EntryAnnouncement,
    EventContent,
    EventKind,
    LeaveDeparture,
    LeaveRequest,
    LeaveReturn,
    ReleaseAnnouncement,
    ResidenceChange,
    RewardSanction,
)
from shared_models.domain.subject_events import SubjectEventFields, SubjectEventRecord
from shared_models.domain.subjects import SubjectStatus
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value


class CorrectionRefusedError(SaveRejectedError):
    """A rule of community correction refused the save; ``code`` is the
    server's code for the same refusal (``LEAVE_LIMIT_EXCEEDED`` …)."""

    def __init__(self, code: ErrorCode, field: str | None, message: str) -> None:
        super().__init__(field, message)
        self.code = code


@dataclass(frozen=True)
class SavedEvent:
    event: SubjectEventRecord
    signature: AttachmentRecord | None = None


def record_event(
    store: LocalStore,
    blobs: LocalBlobStore | None,
    subject_id: UUID,
    content: EventContent,
    occurred_on: date,
    settings: CorrectionSettings,
    *,
    request_id: UUID | None = None,
    signature: bytes | None = None,
) -> SavedEvent:
    """Save one event of the subject (and the subject's signature on it).
    A reward or sanction the subject signs is acknowledged that day, unless
    the form gave the day."""
    if signature is not None and blobs is None:
        raise ValueError("a signature needs a blob store")
    if (
        isinstance(content, RewardSanction)
        and signature is not None
        and content.acknowledged_on is None
    ):
        content = content.model_copy(update={"acknowledged_on": occurred_on})
    fields: dict[str, JsonValue] = {
        "subject_id": str(subject_id),
        "kind": content.kind.value,
        "occurred_on": occurred_on.isoformat(),
        "request_id": None if request_id is None else str(request_id),
        "content": to_json_value(content.model_dump(mode="json")),
    }
    validate_fields(SubjectEventFields, fields)
    _check(store, subject_id, content, occurred_on, request_id, settings)
    event_id = uuid.uuid4()
    saved = as_record(
        SubjectEventRecord, store.records.save(TableName.SUBJECT_EVENTS, event_id, fields)
    )
    signed = None
    if signature is not None and blobs is not None:
        owner = AttachmentOwner.SUBJECT_EVENTS
        signed = attach_image(store, blobs, owner, event_id, signature, AttachmentKind.SIGNATURE)
    return SavedEvent(saved, signed)


def _check(
    store: LocalStore,
    subject_id: UUID,
    content: EventContent,
    occurred_on: date,
    request_id: UUID | None,
    settings: CorrectionSettings,
) -> None:
    if content.kind is EventKind.DECISION:
        raise CorrectionRefusedError(
            ErrorCode.APPROVAL_REQUIRED, "kind", "decisions are made on the desk"
        )
    subject = subject_of(store, subject_id)
    if subject is None:
        raise SaveRejectedError("subject_id", "there is no such subject on this phone")
    closed = subject.status is not SubjectStatus.UNDER_SUPERVISION
    if closed and not isinstance(content, ReleaseAnnouncement):
        raise CorrectionRefusedError(
            ErrorCode.SUBJECT_CLOSED, "subject_id", "this subject is no longer under supervision"
        )
    events = event_facts(subject_event_records(store, subject_id))
    if request_id is not None:
        answered = next((e for e in events if e.id == request_id), None)
        if answered is None or answered.kind not in ANSWERED_KIND.get(content.kind, ()):
            raise SaveRejectedError("request_id", "names no request of this subject to answer")
        if isinstance(content, LeaveDeparture | LeaveReturn):
            state = request_states(events, settings).get(request_id)
            if state is None or state.status is not ApprovalStatus.APPROVED:
                raise CorrectionRefusedError(
                    ErrorCode.APPROVAL_REQUIRED, "request_id", "this leave is not approved (yet)"
                )
    if isinstance(content, LeaveRequest):
        refusal = leave_request_refusal(events, content, settings)
        if refusal is not None:
            field = f"content.{refusal.field}"
            raise CorrectionRefusedError(refusal.problem.code, field, refusal.message)
    if isinstance(content, ResidenceChange):
        too_soon = residence_notice_problem(occurred_on, content.move_on)
        if too_soon is not None:
            raise SaveRejectedError("content.move_on", too_soon)


def leave_check(
    store: LocalStore, subject_id: UUID, request: LeaveRequest, settings: CorrectionSettings
) -> LeaveRefusal | None:
    """Why ``request`` may not be filed for the subject (the district's
    limits, another leave it overlaps): asked before the subject signs."""
    events = event_facts(subject_event_records(store, subject_id))
    return leave_request_refusal(events, request, settings)


def leave_left(store: LocalStore, subject_id: UUID, settings: CorrectionSettings, year: int) -> int:
    """Days of leave the subject may still ask for in ``year``."""
    return leave_days_left(event_facts(subject_event_records(store, subject_id)), settings, year)


def record_entry_announcement(
    store: LocalStore,
    blobs: LocalBlobStore,
    subject_id: UUID,
    content: EntryAnnouncement,
    occurred_on: date,
    signature: bytes,
    settings: CorrectionSettings,
) -> SavedEvent:
    """入矫宣告, signed by the subject; supervision counts from this day."""
    saved = record_event(
        store, blobs, subject_id, content, occurred_on, settings, signature=signature
    )
    store.records.save(TableName.SUBJECTS, subject_id, {"enrolled_on": occurred_on.isoformat()})
    return saved


def record_release(
    store: LocalStore,
    blobs: LocalBlobStore,
    subject_id: UUID,
    content: ReleaseAnnouncement,
    occurred_on: date,
    signature: bytes,
    settings: CorrectionSettings,
) -> SavedEvent:
    """解矫宣告, signed by the subject: the record closes (status released);
    it leaves the office's devices after the district's retention period."""
    saved = record_event(
        store, blobs, subject_id, content, occurred_on, settings, signature=signature
    )
    closing = {"status": SubjectStatus.RELEASED.value, "released_on": occurred_on.isoformat()}
    store.records.save(TableName.SUBJECTS, subject_id, dict(closing))
    return saved


def file_leave_request(
    store: LocalStore,
    blobs: LocalBlobStore,
    subject_id: UUID,
    request: LeaveRequest,
    filed_on: date,
    signature: bytes,
    settings: CorrectionSettings,
) -> SavedEvent:
    """请假: checked against the limits and the subject's other leave, signed
    by the subject; it waits for the office head (and the district when
    longer than the office decides alone)."""
    return record_event(store, blobs, subject_id, request, filed_on, settings, signature=signature)


def record_departure(
    store: LocalStore,
    request_id: UUID,
    on: date,
    settings: CorrectionSettings,
    notes: str = "",
) -> SavedEvent:
    """The subject left on the approved leave ``request_id``."""
    subject_id = _subject_of_event(store, request_id)
    content = LeaveDeparture(notes=notes)
    return record_event(store, None, subject_id, content, on, settings, request_id=request_id)


def record_return(
    store: LocalStore,
    request_id: UUID,
    on: date,
    settings: CorrectionSettings,
    notes: str = "",
) -> SavedEvent:
    """销假: the subject reported back from the leave ``request_id``."""
    subject_id = _subject_of_event(store, request_id)
    content = LeaveReturn(notes=notes)
    return record_event(store, None, subject_id, content, on, settings, request_id=request_id)


def acknowledge(
    store: LocalStore,
    blobs: LocalBlobStore,
    event_id: UUID,
    on: date,
    signature: bytes,
) -> SavedEvent:
    """The subject acknowledges a reward or sanction (signed), also after
    it was decided: the one change a decided record takes."""
    record = store.records.get(TableName.SUBJECT_EVENTS, event_id)
    if record is None:
        raise SaveRejectedError("record_id", "there is no such record on this phone")
    event = as_record(SubjectEventRecord, record)
    if not isinstance(event.content, RewardSanction):
        raise SaveRejectedError("kind", "only a reward or sanction is acknowledged")
    content = event.content.model_copy(update={"acknowledged_on": on})
    saved = store.records.save(
        TableName.SUBJECT_EVENTS,
        event_id,
        {"content": to_json_value(content.model_dump(mode="json"))},
    )
    owner = AttachmentOwner.SUBJECT_EVENTS
    signed = attach_image(store, blobs, owner, event_id, signature, AttachmentKind.SIGNATURE)
    return SavedEvent(as_record(SubjectEventRecord, saved), signed)


def _subject_of_event(store: LocalStore, event_id: UUID) -> UUID:
    record = store.records.get(TableName.SUBJECT_EVENTS, event_id)
    if record is None:
        raise SaveRejectedError("request_id", "there is no such request on this phone")
    return UUID(str(record["subject_id"]))
