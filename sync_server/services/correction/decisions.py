"""Decisions on requests, made on the desk (``POST
/api/v1/correction/requests/{id}/decision``), and the requests waiting
for them.

The decision is a ``subject_events`` record of kind ``decision`` with the
request's jurisdiction and the next server version, so the officer's
phone pulls it like any record. Who may decide: a supervisor (never an
admin, never a mediator or officer) sitting at the level the request
waits for, within whose jurisdiction the subject is: the subject's office
(office level) or the district (district level). An approval that
completes a change of level sets the subject's level and check-in
interval; one that completes a change of residence records the new
address and transfers the record to the new office
(``services/accounts/transfers.py``).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.correction.approvals import (
    ApprovalState,
    ApprovalStatus,
    approval_state,
    required_levels,
)
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import (
    ApprovalLevel,
    Decision,
    EventKind,
    LevelChange,
    ResidenceChange,
    parse_content,
)
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.domain.subject_events import SubjectEventFields, SubjectEventRecord
from shared_models.domain.subjects import SubjectStatus
from shared_models.protocol.correction import DecisionCreate, DecisionDone
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from shared_models.protocol.transfers import TransferCreate, TransferTable
from sync_server.core.audit import append_audit
from sync_server.core.errors import ApiError
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.transfers import transfer
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import OrgUnitRow, SubjectEventRow, SubjectRow

REQUEST_KINDS: tuple[EventKind, ...] = (
    EventKind.LEAVE_REQUEST,
    EventKind.LEVEL_CHANGE,
    EventKind.RESIDENCE_CHANGE,
    EventKind.REWARD_SANCTION,
)
"""Kinds whose events may need a decision (``approvals.required_levels``)."""


def event_record(row: Any) -> SubjectEventRecord:
    return SubjectEventRecord.model_validate(row_to_wire(TableName.SUBJECT_EVENTS, row))


def decider_level(session: Session, scope: JurisdictionScope) -> ApprovalLevel | None:
    """The level at which the caller decides: supervisors at an office or
    the district; ``None`` for everyone else."""
    if scope.role is not Role.SUPERVISOR:
        return None
    unit = session.get(OrgUnitRow, scope.unit_id)
    if unit is None:
        return None
    return {
        OrgUnitKind.OFFICE: ApprovalLevel.OFFICE,
        OrgUnitKind.DISTRICT: ApprovalLevel.DISTRICT,
    }.get(OrgUnitKind(unit.kind))


def decisions_of(session: Session, request_ids: list[UUID]) -> dict[UUID, list[SubjectEventRow]]:
    """The live decisions on each request, oldest first."""
    found: dict[UUID, list[SubjectEventRow]] = {}
    for start in range(0, len(request_ids), 500):
        rows = session.scalars(
            select(SubjectEventRow)
            .where(
                col(SubjectEventRow.request_id).in_(request_ids[start : start + 500]),
                col(SubjectEventRow.kind) == EventKind.DECISION.value,
                col(SubjectEventRow.deleted).is_(False),
            )
            .order_by(col(SubjectEventRow.version))
        )
        for row in rows:
            if row.request_id is not None:
                found.setdefault(row.request_id, []).append(row)
    return found


def state_of(
    request: SubjectEventRow, decisions: list[SubjectEventRow], settings: CorrectionSettings
) -> ApprovalState:
    contents = [parse_content(row.content) for row in decisions]
    return approval_state(
        required_levels(parse_content(request.content), settings),
        [content for content in contents if isinstance(content, Decision)],
    )


@dataclass(frozen=True)
class DecisionContext:
    """What a decision is made in: the time, the district's day and settings."""

    now: datetime
    today: date
    settings: CorrectionSettings
    device_id: str | None = None


def decide(
    session: Session,
    scope: JurisdictionScope,
    request_id: UUID,
    body: DecisionCreate,
    context: DecisionContext,
) -> DecisionDone:
    """Record the caller's decision on the request; the caller commits."""
    request = scope.get(session, SubjectEventRow, request_id, live=True, what="request")
    versions = VersionBlock(session)  # locks the counter: concurrent decisions queue here
    versions.reserve(4)
    session.refresh(request)
    content = parse_content(request.content)
    if not required_levels(content, context.settings):
        raise ApiError(422, ErrorCode.VALIDATION_FAILED, f"a {request.kind} needs no decision")
    subject = session.get(SubjectRow, request.subject_id)
    if subject is None or subject.deleted or subject.status != SubjectStatus.UNDER_SUPERVISION:
        raise ApiError(409, ErrorCode.SUBJECT_CLOSED, "this subject is no longer under supervision")
    earlier = decisions_of(session, [request.id]).get(request.id, [])
    state = state_of(request, earlier, context.settings)
    if state.waiting_for is None:
        raise ApiError(409, ErrorCode.ALREADY_DECIDED, f"this request is {state.status} already")
    level = decider_level(session, scope)
    if level is not state.waiting_for:
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            f"this request waits for the {state.waiting_for} level's decision "
            "(a supervisor of the subject's office, or of the district)",
        )
    decision = Decision(
        outcome=body.outcome, level=level, comment=body.comment, decided_by=scope.user_id
    )
    row = _store_decision(session, versions, request, decision, scope, context)
    after = state_of(request, [*earlier, row], context.settings)
    if after.status is ApprovalStatus.APPROVED:
        _carry_out(session, scope, request, subject, versions, context)
    append_audit(
        session,
        "correction_decision",
        context.now,
        actor_id=scope.user_id,
        device_id=context.device_id,
        detail={
            "request_id": str(request.id),
            "kind": request.kind,
            "subject_id": str(request.subject_id),
            "level": level.value,
            "outcome": body.outcome.value,
        },
    )
    session.flush()
    return DecisionDone(
        decision=event_record(row), status=after.status, waiting_for=after.waiting_for
    )


def _store_decision(
    session: Session,
    versions: VersionBlock,
    request: SubjectEventRow,
    decision: Decision,
    scope: JurisdictionScope,
    context: DecisionContext,
) -> SubjectEventRow:
    version = versions.next()
    fields = SubjectEventFields(
        subject_id=request.subject_id,
        kind=EventKind.DECISION,
        occurred_on=context.today,
        request_id=request.id,
        content=decision,
    )
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "version": version,
        "updated_at": context.now,
        "deleted": False,
        "created_by": scope.user_id,
        "subject_id": fields.subject_id,
        "kind": fields.kind,
        "occurred_on": fields.occurred_on,
        "request_id": fields.request_id,
        "content": decision.model_dump(mode="json"),
        "scope_unit_id": request.scope_unit_id,
        "scope_officer_id": request.scope_officer_id,
        "scope_work": request.scope_work,
        "field_versions": dict.fromkeys(SubjectEventFields.model_fields, version),
    }
    row = SubjectEventRow(**values)
    session.add(row)
    session.flush()
    return row


def _carry_out(
    session: Session,
    scope: JurisdictionScope,
    request: SubjectEventRow,
    subject: SubjectRow,
    versions: VersionBlock,
    context: DecisionContext,
) -> None:
    """What an approved request changes besides itself."""
    content = parse_content(request.content)
    if isinstance(content, LevelChange):
        version = versions.next()
        interval = context.settings.intervals(content.to_level).checkin_days
        subject.supervision_level = content.to_level
        subject.checkin_interval_days = interval
        subject.version = version
        subject.updated_at = context.now
        changed = ("supervision_level", "checkin_interval_days")
        subject.field_versions = {**subject.field_versions, **dict.fromkeys(changed, version)}
    elif isinstance(content, ResidenceChange):
        version = versions.next()
        subject.address = content.new_address
        subject.version = version
        subject.updated_at = context.now
        subject.field_versions = {**subject.field_versions, "address": version}
        transfer(
            session,
            scope,
            TransferCreate(
                table=TransferTable.SUBJECTS,
                record_id=subject.id,
                org_unit_id=content.new_unit_id,
                reason="变更居住地 approved",
            ),
            context.now,
            context.device_id,
        )
