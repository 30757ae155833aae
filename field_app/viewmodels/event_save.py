"""What the event form asks of the services: the leave limits before the
subject signs, and the one save that fits the kind (an announcement also
sets the enrolment or release day; a departure or return answers its
leave)."""

from datetime import date
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.correction_events import (
    file_leave_request,
    leave_check,
    leave_left,
    record_departure,
    record_entry_announcement,
    record_event,
    record_release,
    record_return,
)
from field_app.services.correction_settings import district_settings
from shared_models.correction.leave import LeaveRefusal, LeaveSpan, deciding_levels
from shared_models.domain.event_content import (
    EntryAnnouncement,
    EventContent,
    LeaveDeparture,
    LeaveRequest,
    LeaveReturn,
    ReleaseAnnouncement,
)


def leave_problem(
    core: FieldAppCore, subject_id: UUID, request: LeaveRequest
) -> LeaveRefusal | None:
    """Why this leave may not be filed (the district's limits, another leave
    it overlaps), before the subject is asked to sign it."""
    return leave_check(core.store, subject_id, request, district_settings(core.store))


def leave_outlook(core: FieldAppCore, subject_id: UUID, start: str, end: str) -> Msg | None:
    """The leave's length and who decides it, and the limits with what is
    left of this year: said while the dates are typed."""
    settings = district_settings(core.store)
    try:
        span = LeaveSpan(date.fromisoformat(start.strip()), date.fromisoformat(end.strip()))
    except ValueError:
        span = None
    year = (span.start if span else core.now().date()).year
    limits = msg(
        "corr.event.leave_limits",
        trip=settings.leave_trip_max_days,
        year=settings.leave_year_max_days,
        left=leave_left(core.store, subject_id, settings, year),
    )
    if span is None or span.end < span.start:
        return limits
    levels = deciding_levels(span.days, settings)
    decides = msg(f"corr.approval_level.{levels[-1].value}")
    return msg(
        "corr.event.leave_outlook",
        check=msg("corr.event.leave_check", days=span.days, level=decides),
        limits=limits,
    )


def save_event(
    core: FieldAppCore,
    subject_id: UUID,
    content: EventContent,
    occurred_on: date,
    request_id: UUID | None,
    signature: bytes | None,
) -> UUID:
    """Save the event the way its kind is saved; its id."""
    store, blobs, settings = core.store, core.blobs, district_settings(core.store)
    if isinstance(content, LeaveDeparture | LeaveReturn) and request_id is not None:
        answer = record_departure if isinstance(content, LeaveDeparture) else record_return
        return answer(store, request_id, occurred_on, settings, content.notes).event.id
    if signature is not None:
        if isinstance(content, EntryAnnouncement):
            saved = record_entry_announcement(
                store, blobs, subject_id, content, occurred_on, signature, settings
            )
            return saved.event.id
        if isinstance(content, ReleaseAnnouncement):
            saved = record_release(
                store, blobs, subject_id, content, occurred_on, signature, settings
            )
            return saved.event.id
        if isinstance(content, LeaveRequest):
            saved = file_leave_request(
                store, blobs, subject_id, content, occurred_on, signature, settings
            )
            return saved.event.id
    saved = record_event(
        store,
        blobs,
        subject_id,
        content,
        occurred_on,
        settings,
        request_id=request_id,
        signature=signature,
    )
    return saved.event.id
