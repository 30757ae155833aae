"""The rules a push of community-correction records obeys, beyond each
record's own fields (``push.py`` asks them after placement): who decides
is the desk's (a device never pushes a decision, nor edits a decided
request), a closed subject takes no new events, departures and returns
belong to an approved leave, leave stays within the district's limits and
overlaps no other, a change of level or residence is requested, not
written. Each refusal names the field to fix."""

from typing import Any
from uuid import UUID

from shared_models.correction.approvals import ApprovalStatus
from shared_models.correction.history import (
    EventFacts,
    decisions_by_request,
    leave_request_refusal,
    request_states,
)
from shared_models.correction.residence import residence_notice_problem
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import (
    ANSWERED_KIND,
    EventKind,
    LeaveRequest,
    LevelChange,
    ResidenceChange,
    RewardSanction,
    parse_content,
)
from shared_models.domain.org import OrgUnitKind
from shared_models.domain.subject_events import SubjectEventFields
from shared_models.domain.subjects import SubjectFields, SubjectStatus
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.correction.settings import district_settings
from sync_server.services.sync.placement import Refusal
from sync_server.services.sync.workspace import Workspace


def event_facts(row: Any) -> EventFacts:
    """The rules' view of a stored event row (or one created in this push)."""
    return EventFacts(
        id=row.id,
        kind=EventKind(row.kind),
        occurred_on=row.occurred_on,
        request_id=row.request_id,
        content=parse_content(row.content),
    )


def _acknowledged_only(row: Any, record: SubjectEventFields) -> bool:
    """Whether the change of a decided event is only the subject's
    acknowledgement of a reward or sanction (which comes after the decision)."""
    before = parse_content(row.content)
    after = record.content
    if not isinstance(before, RewardSanction) or not isinstance(after, RewardSanction):
        return False
    unchanged = (row.occurred_on, row.request_id) == (record.occurred_on, record.request_id)
    return (
        unchanged and before.model_copy(update={"acknowledged_on": after.acknowledged_on}) == after
    )


class CorrectionRules:
    """The checks of one push; the district's settings are read once, when
    a rule first needs them."""

    def __init__(self, workspace: Workspace, scope: JurisdictionScope) -> None:
        self.workspace = workspace
        self.scope = scope
        self._settings: CorrectionSettings | None = None

    @property
    def settings(self) -> CorrectionSettings:
        if self._settings is None:
            self._settings = district_settings(self.workspace.session)
        return self._settings

    def events_of(self, subject_id: UUID) -> list[EventFacts]:
        """The subject's live events as this push sees them."""
        rows = self.workspace.rows_of(TableName.SUBJECT_EVENTS, "subject_id", subject_id)
        return [event_facts(row) for row in rows if not row.deleted]

    def refusal(
        self, table: TableName, record_id: UUID, record: Any, row: Any | None
    ) -> Refusal | None:
        """Why a pushed record of ``table`` breaks a rule of correction (the
        push asks of every upsert; other tables pass untouched)."""
        if table is TableName.SUBJECT_EVENTS:
            return self.event_refusal(record_id, record, row)
        if table is TableName.SUBJECTS:
            return self.subject_refusal(record, row)
        return None

    def subject_refusal(self, record: SubjectFields, row: Any | None) -> Refusal | None:
        """A level is set at enrolment and changed by an approved request."""
        if row is None or self.scope.supervises:
            return None
        if record.supervision_level != row.supervision_level:
            return (
                ErrorCode.APPROVAL_REQUIRED,
                "the supervision level changes through a level change request the office "
                "approves, not by an edit",
                "supervision_level",
            )
        return None

    def delete_refusal(self, table: TableName, row: Any) -> Refusal | None:
        """A decision is never deleted, nor a request that has one."""
        if table is not TableName.SUBJECT_EVENTS:
            return None
        if row.kind == EventKind.DECISION:
            return (ErrorCode.APPROVAL_REQUIRED, "a decision is never deleted", "record_id")
        if decisions_by_request(self.events_of(row.subject_id)).get(row.id):
            return (
                ErrorCode.ALREADY_DECIDED,
                "this request has a decision and is kept as it was decided",
                "record_id",
            )
        return None

    def event_refusal(
        self, record_id: UUID, record: SubjectEventFields, row: Any | None
    ) -> Refusal | None:
        """Why the event ``record`` (to be stored as ``record_id``; ``row``
        the stored one) may not be written, or ``None``."""
        if record.kind is EventKind.DECISION or (
            row is not None and row.kind == EventKind.DECISION
        ):
            return (
                ErrorCode.APPROVAL_REQUIRED,
                "decisions are made on the desk by the approver, not pushed",
                "kind",
            )
        if row is not None and row.kind != record.kind:
            return (
                ErrorCode.VALIDATION_FAILED,
                "an event's kind never changes; record a new event",
                "kind",
            )
        subject = self.workspace.get(TableName.SUBJECTS, record.subject_id)
        closed = subject.status != SubjectStatus.UNDER_SUPERVISION
        if closed and record.kind is not EventKind.RELEASE_ANNOUNCEMENT:
            return (
                ErrorCode.SUBJECT_CLOSED,
                "this subject is no longer under supervision",
                "subject_id",
            )
        events = self.events_of(record.subject_id)
        decided = row is not None and decisions_by_request(events).get(record_id)
        if decided and not _acknowledged_only(row, record):
            return (
                ErrorCode.ALREADY_DECIDED,
                "this request has a decision; file a new request instead",
                "record_id",
            )
        if record.request_id is not None:
            refusal = self._answer_refusal(record, record.request_id, events)
            if refusal is not None:
                return refusal
        return self._content_refusal(record_id, record, subject, events, row)

    def _answer_refusal(
        self, record: SubjectEventFields, request_id: UUID, events: list[EventFacts]
    ) -> Refusal | None:
        # Live and of this jurisdiction: owner_scope checked it.
        answered = self.workspace.get(TableName.SUBJECT_EVENTS, request_id)
        if answered.subject_id != record.subject_id:
            return (
                ErrorCode.VALIDATION_FAILED,
                "request_id names an event of another subject",
                "request_id",
            )
        if EventKind(answered.kind) not in ANSWERED_KIND[record.kind]:
            wanted = " or ".join(sorted(ANSWERED_KIND[record.kind]))
            return (
                ErrorCode.VALIDATION_FAILED,
                f"request_id: a {record.kind} answers a {wanted}",
                "request_id",
            )
        if record.kind in (EventKind.LEAVE_DEPARTURE, EventKind.LEAVE_RETURN):
            state = request_states(events, self.settings).get(answered.id)
            if state is None or state.status is not ApprovalStatus.APPROVED:
                return (
                    ErrorCode.APPROVAL_REQUIRED,
                    "this leave is not approved (yet); the subject may not leave on it",
                    "request_id",
                )
        return None

    def _content_refusal(
        self,
        record_id: UUID,
        record: SubjectEventFields,
        subject: Any,
        events: list[EventFacts],
        row: Any | None,
    ) -> Refusal | None:
        content = record.content
        if isinstance(content, LeaveRequest):
            refusal = leave_request_refusal(events, content, self.settings, leaving_out=record_id)
            if refusal is not None:
                return (refusal.problem.code, refusal.message, f"content.{refusal.field}")
        if (
            isinstance(content, LevelChange)
            and row is None
            and content.from_level != subject.supervision_level
        ):
            return (
                ErrorCode.VALIDATION_FAILED,
                f"the subject's level is {subject.supervision_level}",
                "content.from_level",
            )
        if isinstance(content, ResidenceChange):
            return self._residence_refusal(record, content, subject)
        return None

    def _residence_refusal(
        self, record: SubjectEventFields, content: ResidenceChange, subject: Any
    ) -> Refusal | None:
        too_soon = residence_notice_problem(record.occurred_on, content.move_on)
        if too_soon is not None:
            return (ErrorCode.VALIDATION_FAILED, too_soon, "content.move_on")
        unit = self.workspace.get(TableName.ORG_UNITS, content.new_unit_id)
        if unit is None or unit.deleted or unit.kind != OrgUnitKind.OFFICE or unit.closed:
            return (
                ErrorCode.VALIDATION_FAILED,
                "new_unit_id names no open judicial office",
                "content.new_unit_id",
            )
        if unit.id == subject.org_unit_id:
            return (
                ErrorCode.VALIDATION_FAILED,
                "the subject is supervised by this office already",
                "content.new_unit_id",
            )
        return None
