"""What the desk reads of community correction: the requests waiting for
the caller's decision and a subject's timeline. Every row is read through
the caller's ``JurisdictionScope`` (mediators read none of it)."""

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.correction.due import due_items
from shared_models.correction.history import (
    VisitFacts,
    history_of,
    request_states,
    warning_count,
)
from shared_models.correction.settings import CorrectionSettings
from shared_models.district_time import district_day
from shared_models.domain.event_content import LeaveRequest, parse_content
from shared_models.domain.subjects import SubjectRecord, SubjectStatus
from shared_models.domain.visits import VisitRecord
from shared_models.protocol.correction import RequestState, Timeline, WaitingList, WaitingRequest
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.correction.decisions import (
    REQUEST_KINDS,
    decider_level,
    decisions_of,
    event_record,
    state_of,
)
from sync_server.services.correction.push_rules import event_facts
from sync_server.services.sync.records import row_to_wire
from sync_server.tables import SubjectEventRow, SubjectRow, VisitRow


def waiting_requests(
    session: Session,
    scope: JurisdictionScope,
    settings: CorrectionSettings,
    office_id: UUID | None = None,
) -> WaitingList:
    """The requests waiting for the caller's level, oldest first; ``office_id``
    narrows them to one office of the jurisdiction. Anyone who decides
    nothing (officers, admins, committee supervisors) gets 403."""
    level = decider_level(session, scope)
    if level is None:
        raise ApiError(
            403, ErrorCode.FORBIDDEN, "only supervisors of an office or the district decide"
        )
    below = None if office_id is None else scope.units_within(session, office_id, field="office_id")
    requests = list(
        session.scalars(
            select(SubjectEventRow)
            .join(SubjectRow, col(SubjectRow.id) == col(SubjectEventRow.subject_id))
            .where(
                scope.row_filter(TableName.SUBJECT_EVENTS, SubjectEventRow, below=below),
                col(SubjectEventRow.kind).in_([kind.value for kind in REQUEST_KINDS]),
                col(SubjectEventRow.deleted).is_(False),
                col(SubjectRow.deleted).is_(False),
                col(SubjectRow.status) == SubjectStatus.UNDER_SUPERVISION.value,
            )
            .order_by(col(SubjectEventRow.occurred_on), col(SubjectEventRow.version))
        )
    )
    decisions = decisions_of(session, [row.id for row in requests])
    waiting = []
    for row in requests:
        earlier = decisions.get(row.id, [])
        if state_of(row, earlier, settings).waiting_for is level:
            waiting.append((row, earlier))
    subjects = _subjects(session, {row.subject_id for row, _ in waiting})
    answer = []
    for row, earlier in waiting:
        subject = subjects[row.subject_id]
        content = parse_content(row.content)
        answer.append(
            WaitingRequest(
                request=event_record(row),
                subject_id=subject.id,
                subject_name=subject.name,
                org_unit_id=subject.org_unit_id,
                officer_id=subject.officer_id,
                waiting_for=level,
                decisions=[event_record(decision) for decision in earlier],
                leave_days=content.days if isinstance(content, LeaveRequest) else None,
            )
        )
    return WaitingList(requests=answer)


def _subjects(session: Session, ids: set[UUID]) -> dict[UUID, SubjectRow]:
    if not ids:
        return {}
    rows = session.scalars(select(SubjectRow).where(col(SubjectRow.id).in_(sorted(ids))))
    return {row.id: row for row in rows}


def timeline(
    session: Session,
    scope: JurisdictionScope,
    subject_id: UUID,
    settings: CorrectionSettings,
    today: date,
    zone: Any,
) -> Timeline:
    """Everything recorded about the subject, oldest first, with what is due
    (``zone``: the district's time zone, for the days of visits)."""
    subject_row = scope.get(session, SubjectRow, subject_id, live=True, what="subject")
    subject = SubjectRecord.model_validate(row_to_wire(TableName.SUBJECTS, subject_row))
    event_rows = list(
        session.scalars(
            select(SubjectEventRow)
            .where(
                col(SubjectEventRow.subject_id) == subject_id,
                col(SubjectEventRow.deleted).is_(False),
                scope.row_filter(TableName.SUBJECT_EVENTS, SubjectEventRow),
            )
            .order_by(col(SubjectEventRow.occurred_on), col(SubjectEventRow.version))
        )
    )
    visit_rows = list(
        session.scalars(
            select(VisitRow)
            .where(
                col(VisitRow.subject_id) == subject_id,
                col(VisitRow.deleted).is_(False),
                scope.row_filter(TableName.VISITS, VisitRow),
            )
            .order_by(col(VisitRow.started_at))
        )
    )
    visits = [VisitRecord.model_validate(row_to_wire(TableName.VISITS, r)) for r in visit_rows]
    facts = [event_facts(row) for row in event_rows]
    states = request_states(facts, settings)
    history = history_of(
        subject,
        facts,
        [VisitFacts(v.kind, v.method, district_day(v.started_at, zone)) for v in visits],
    )
    return Timeline(
        subject=subject,
        events=[event_record(row) for row in event_rows],
        visits=visits,
        requests=[
            RequestState(request_id=rid, status=state.status, waiting_for=state.waiting_for)
            for rid, state in states.items()
        ],
        due=due_items(history, settings, today),
        warnings=warning_count(facts, settings),
    )
