"""The supervisor workspace: the review queue and the office dashboard.

Supervisors and admins only. Everything here is computed by the server for
the caller's jurisdiction; a device never derives these figures from what it
happens to hold.
"""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared_models.domain.agreements import AgreementRecord
from shared_models.domain.attachments import AttachmentRecord
from shared_models.domain.cases import CaseRecord
from shared_models.domain.review import ReviewRecord, ReviewState, ReviewTarget
from shared_models.domain.types import RecordId, UtcDatetime
from shared_models.domain.visits import VisitKind, VisitRecord

_RESPONSE = ConfigDict(extra="forbid")


class ReviewQueueKind(StrEnum):
    """What a queued record is, as the queue filters it."""

    CASE = "case"
    VISIT = "visit"
    """Any visit but a check-in: mediation sessions, investigations, home visits, follow-ups."""
    CHECKIN = "checkin"
    AGREEMENT = "agreement"


class ReviewQueueItem(BaseModel):
    """A record that arrived (or changed) since it was last reviewed.

    ``title`` is the case title, or for a subject's visit the subject's name;
    ``summary`` the start of the notes, description or facts. Both are what
    the supervisor sees of the record anyway; ID numbers, phone numbers and
    addresses are never part of a queue item.
    """

    model_config = _RESPONSE

    table: ReviewTarget
    record_id: RecordId
    kind: ReviewQueueKind
    visit_kind: VisitKind | None = None
    title: str
    summary: str
    case_id: RecordId | None = None
    subject_id: RecordId | None = None
    author_id: RecordId | None = None
    """Who created the record (``created_by``)."""
    author_name: str = ""
    org_unit_id: RecordId | None = None
    """The unit whose jurisdiction the record is in."""
    version: int
    arrived_at: UtcDatetime | None = None
    """When the server stored the current version."""
    latest_review_state: ReviewState | None = None
    latest_review_comment: str = ""
    reviewed_version: int | None = None
    """The record version the latest review judged."""
    resubmitted: bool = False
    """Reviewed before and changed since (after "needs changes": the resubmission)."""


class ReviewQueuePage(BaseModel):
    """Newest first. ``next_before`` is the ``before`` of the next page, or
    ``None`` on the last page; versions never repeat, so pages never overlap."""

    model_config = _RESPONSE

    items: list[ReviewQueueItem]
    next_before: int | None = None


class OpenCaseAges(BaseModel):
    """Open cases by days since they were opened (district calendar days)."""

    model_config = _RESPONSE

    days_0_7: int = 0
    days_8_30: int = 0
    days_31_90: int = 0
    over_90: int = 0


class OverdueCheckin(BaseModel):
    """A subject under supervision whose next check-in is past due."""

    model_config = _RESPONSE

    subject_id: RecordId
    name: str
    """Supervisors may see subjects' names; nothing else personal is listed."""
    office_id: RecordId
    officer_id: RecordId | None = None
    officer_name: str = ""
    key_person: bool
    checkin_interval_days: int
    """The interval of the subject's supervision level (the district's settings)."""
    last_checkin_at: UtcDatetime | None = None
    """``None``: no check-in since supervision started."""
    due: date
    """The day the check-in was due: the last check-in's day plus the
    interval, or the day supervision started when there was none."""
    days_overdue: int


class LeaveOverdue(BaseModel):
    """A subject who left on approved leave and is not back by its last day
    (no return recorded): overdue on the desk as on the officer's phone."""

    model_config = _RESPONSE

    subject_id: RecordId
    name: str
    office_id: RecordId
    officer_id: RecordId | None = None
    officer_name: str = ""
    request_id: RecordId
    """The leave request the subject left on."""
    leave_end: date
    days_overdue: int


class LeaveTaken(BaseModel):
    """A leave (请假外出) a subject was away on during the dashboard's month:
    departed on or before its last day, back on or after its first, or not
    back yet. The monthly report lists them (the office's leave ledger)."""

    model_config = _RESPONSE

    subject_id: RecordId
    name: str
    office_id: RecordId
    officer_id: RecordId | None = None
    officer_name: str = ""
    request_id: RecordId
    start: date
    end: date
    days: int
    """How many days the leave was approved for (``LeaveRequest.days``)."""
    departed_on: date
    returned_on: date | None = None
    """``None``: no return recorded (yet)."""


class DeviceSync(BaseModel):
    """A signed-in device (one per device and user) and when it last talked to the server."""

    model_config = _RESPONSE

    device_id: str
    device_name: str
    user_id: RecordId
    display_name: str
    office_id: RecordId
    last_seen_at: UtcDatetime
    """The device's latest request (recorded to the minute)."""
    silent: bool
    """No request for more than ``Dashboard.silent_after_days`` days: a warning."""


class DashboardFigures(BaseModel):
    """The numbers of one office, or their sum over a district.

    Definitions (district calendar, UTC+8; ``month`` and ``today`` of the
    ``Dashboard``):

    - open cases: not deleted, status intake, investigating, mediating,
      agreed or follow_up; aged by ``today`` minus the day ``opened_at`` fell on.
    - ``closed_this_month``: status closed with ``closed_at`` in the month.
    - ``agreements_signed_this_month``: signed agreements with ``signed_at``
      in the month, corrections (``supersedes_id`` set) not counted again.
    - mediation outcomes: a case *concluded* in the month when its latest
      mediation session (a visit of kind mediation_session, not deleted)
      started in the month and its status is past mediation. It counts as
      ``mediations_agreed`` when its status is agreed or follow_up, or closed
      with a follow-up date or a signed agreement (only an agreement is
      followed up); as ``mediations_failed`` when its status is failed, or
      closed with neither. ``success_rate`` = agreed / (agreed + failed),
      ``None`` when no mediation concluded.
    - ``follow_ups_due``: open cases whose ``follow_up_due`` is on or before today.
    - ``subjects_under_supervision``: subjects with status under_supervision.
    - ``checkins_overdue``: of those, the subjects whose latest check-in
      (visit of kind checkin, not deleted) fell on a day that, plus the
      check-in interval of their supervision level (the district's
      correction settings), is before today; without any check-in, whose
      supervision started before today (``enrolled_on``, else
      ``term_start``): the phone's due rule (``correction/due.py``).
    - ``leaves_overdue``: of those, the subjects with a departure on leave
      (``subject_events`` of kind ``leave_departure``, not deleted) and no
      return from it, whose leave ended before today.
    - ``leaves_taken_this_month``: leaves subjects were away on during the
      month (``LeaveTaken``): a departure (not deleted) on or before the
      month's last day, and its return on or after the first, or none.
    - devices: each (device, user) with a live sign-in, by the user's office.
    - ``case_files_closed``: cases closed or archived with ``closed_at`` in
      the month; ``case_files_complete``: of those, the ones whose case file
      lacks nothing (``shared_models.case_file_check``): what inspectors
      score an office on ("complete files / closed cases").
    - ``judicial_applications_late``: cases whose parties applied for
      judicial confirmation (司法确认) in the month after the window had
      closed: later than the district's days after the written agreement
      took effect (``shared_models.domain.judicial_window``).
    """

    model_config = _RESPONSE

    open_cases: OpenCaseAges = Field(default_factory=OpenCaseAges)
    open_cases_total: int = 0
    closed_this_month: int = 0
    agreements_signed_this_month: int = 0
    mediations_agreed: int = 0
    mediations_failed: int = 0
    success_rate: float | None = None
    follow_ups_due: int = 0
    subjects_under_supervision: int = 0
    checkins_overdue: int = 0
    leaves_overdue: int = 0
    leaves_taken_this_month: int = 0
    devices: int = 0
    devices_silent: int = 0
    case_files_closed: int = 0
    case_files_complete: int = 0
    judicial_applications_late: int = 0


class OfficeDashboard(DashboardFigures):
    """One office's figures with the lists behind four of them.

    In a district roll-up, records and devices of the district level itself
    (no office above them) form a row of their own, the district unit, shown
    only when it has any.
    """

    office_id: RecordId
    office_name: str
    overdue_checkins: list[OverdueCheckin] = Field(default_factory=list)
    """Most overdue first."""
    overdue_leaves: list[LeaveOverdue] = Field(default_factory=list)
    """Not back from leave, most overdue first."""
    leaves_taken: list[LeaveTaken] = Field(default_factory=list)
    """Leave taken in the month, by departure day."""
    device_list: list[DeviceSync] = Field(default_factory=list)
    """Longest silent first."""


class Dashboard(BaseModel):
    """The dashboard of one office, or a district roll-up (one row per office in scope)."""

    model_config = _RESPONSE

    unit_id: RecordId
    unit_name: str
    month: str
    """``YYYY-MM``: the month of the monthly figures."""
    today: date
    """The day the current-state figures (open cases, overdue, devices) are as of."""
    silent_after_days: int
    offices: list[OfficeDashboard]
    total: DashboardFigures


class GpsFix(BaseModel):
    """Where the device was when the visit was recorded; ``accuracy_m`` is the
    radius the phone was sure of (``None``: it did not say)."""

    model_config = _RESPONSE

    lat: float
    lon: float
    accuracy_m: float | None = None


class ReviewDetail(BaseModel):
    """One queued record with what a supervisor needs to judge it.

    ``case`` is the record itself for a case, otherwise the case the visit or
    agreement belongs to; a check-in or home visit of a subject names the
    subject (``subject_name``) and nothing else personal about them.
    ``attachments`` are the record's own photos and documents (their bytes
    at ``/api/v1/blobs/{sha256}``); ``reviews`` are its earlier verdicts,
    newest first; ``agreement_pdf`` is the path of the printed agreement
    (the agreement itself, or the case's latest signed one).
    """

    model_config = _RESPONSE

    table: ReviewTarget
    record_id: RecordId
    kind: ReviewQueueKind
    version: int
    arrived_at: UtcDatetime | None = None
    author_id: RecordId | None = None
    author_name: str = ""
    org_unit_id: RecordId | None = None
    org_unit_name: str = ""
    case: CaseRecord | None = None
    visit: VisitRecord | None = None
    agreement: AgreementRecord | None = None
    subject_name: str = ""
    gps: GpsFix | None = None
    attachments: list[AttachmentRecord] = Field(default_factory=list)
    reviews: list[ReviewRecord] = Field(default_factory=list)
    agreement_pdf: str | None = None
