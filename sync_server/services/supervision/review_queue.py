"""The review queue: what came in since a supervisor last judged it.

A record is queued while its current version is newer than the version its
latest review judged: never reviewed, or changed since (so a mediator's
resubmission after "needs changes" comes back). Cases, visits (check-ins
included) and submitted agreements are queued; an agreement draft is work in
progress and waits until it is signed.

One SQL query per table, each scoped with ``JurisdictionScope.row_filter``
and bounded by the page size; the pages merge newest first. Paging is by
keyset on ``version``, which is unique across tables, so a page boundary
never splits or repeats a record while new records keep arriving.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.review import ReviewTarget
from shared_models.domain.visits import VisitKind
from shared_models.protocol.supervision import ReviewQueueItem, ReviewQueueKind, ReviewQueuePage
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.supervision.district_calendar import day_start
from sync_server.tables import (
    AgreementRow,
    CaseRow,
    ReviewRow,
    SubjectRow,
    UserRow,
    VisitRow,
)

MAX_PAGE = 200
SUMMARY_CHARS = 120
"""The summary is the start of the free text: enough to recognise the record."""

_TABLE_KINDS: dict[TableName, frozenset[ReviewQueueKind]] = {
    TableName.CASES: frozenset({ReviewQueueKind.CASE}),
    TableName.VISITS: frozenset({ReviewQueueKind.VISIT, ReviewQueueKind.CHECKIN}),
    TableName.AGREEMENTS: frozenset({ReviewQueueKind.AGREEMENT}),
}


@dataclass(frozen=True)
class QueueFilter:
    """What to list. ``office_id`` includes the units below it; ``since`` and
    ``until`` are district calendar days of arrival, both included;
    ``before`` is the ``next_before`` of the previous page."""

    office_id: UUID | None = None
    kind: ReviewQueueKind | None = None
    author_id: UUID | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None
    limit: int = 50


def review_queue(
    session: Session, scope: JurisdictionScope, wanted: QueueFilter
) -> ReviewQueuePage:
    """One page of the queue, newest first."""
    limit = max(1, min(wanted.limit, MAX_PAGE))
    units = (
        None
        if wanted.office_id is None
        else scope.units_within(session, wanted.office_id, field="office_id")
    )
    items: list[ReviewQueueItem] = []
    for table, kinds in _TABLE_KINDS.items():
        if wanted.kind is not None and wanted.kind not in kinds:
            continue
        statement = _BUILDERS[table](scope, wanted)
        statement = statement.where(*_common(scope, table, wanted, units)).limit(limit + 1)
        items.extend(_item(table, row) for row in session.execute(statement).mappings())
    items.sort(key=lambda item: item.version, reverse=True)
    page = items[:limit]
    more = len(items) > limit
    return ReviewQueuePage(items=page, next_before=page[-1].version if more and page else None)


def _model(table: TableName) -> Any:
    return {
        TableName.CASES: CaseRow,
        TableName.VISITS: VisitRow,
        TableName.AGREEMENTS: AgreementRow,
    }[table]


def _common(
    scope: JurisdictionScope, table: TableName, wanted: QueueFilter, units: frozenset[UUID] | None
) -> list[ColumnElement[bool]]:
    model = _model(table)
    conditions: list[ColumnElement[bool]] = [
        scope.row_filter(table, model, below=units),
        col(model.deleted).is_(False),
    ]
    if wanted.author_id is not None:
        conditions.append(col(model.created_by) == wanted.author_id)
    if wanted.since is not None:
        conditions.append(col(model.updated_at) >= day_start(wanted.since))
    if wanted.until is not None:
        conditions.append(col(model.updated_at) < day_start(wanted.until + timedelta(days=1)))
    if wanted.before is not None:
        conditions.append(col(model.version) < wanted.before)
    return conditions


def _latest_review_version(scope: JurisdictionScope, table: TableName, model: Any) -> Any:
    """SQL: the version of the newest review of the record in ``model`` (correlated).

    Correlated rather than one grouped subquery over every review: the queue
    walks records newest first and stops after a page, so only the records
    on that page are looked up (by ``ix_reviews_target_id``), however many
    reviews the district holds.
    """
    review: Any = aliased(ReviewRow)
    return (
        select(func.max(review.version))
        .where(
            review.target_id == model.id,
            col(review.target_table) == ReviewTarget(table.value).value,
            col(review.deleted).is_(False),
            scope.row_filter(TableName.REVIEWS, review),
        )
        .correlate(model)
        .scalar_subquery()
    )


def _queued(
    scope: JurisdictionScope, table: TableName, columns: list[Any], model: Any
) -> Select[Any]:
    """``columns`` of the records of ``table`` that are newer than their latest review."""
    review: Any = aliased(ReviewRow)
    author: Any = aliased(UserRow)
    judged = func.coalesce(review.target_version, review.version)
    return (
        select(
            *columns,
            model.id.label("record_id"),
            model.version.label("version"),
            model.updated_at.label("arrived_at"),
            model.created_by.label("author_id"),
            model.scope_unit_id.label("org_unit_id"),
            author.display_name.label("author_name"),
            review.state.label("review_state"),
            review.comment.label("review_comment"),
            judged.label("reviewed_version"),
        )
        .select_from(model)
        .outerjoin(review, review.version == _latest_review_version(scope, table, model))
        .outerjoin(author, author.id == model.created_by)
        .where(or_(review.id.is_(None), model.version > judged))
        .order_by(model.version.desc())
    )


def _cases(scope: JurisdictionScope, wanted: QueueFilter) -> Select[Any]:
    case: Any = CaseRow
    return _queued(
        scope,
        TableName.CASES,
        [
            case.title.label("title"),
            case.description.label("text"),
            case.id.label("case_id"),
            literal(None).label("subject_id"),
            literal(None).label("visit_kind"),
        ],
        case,
    )


def _visits(scope: JurisdictionScope, wanted: QueueFilter) -> Select[Any]:
    visit: Any = VisitRow
    case: Any = aliased(CaseRow)
    subject: Any = aliased(SubjectRow)
    statement = (
        _queued(
            scope,
            TableName.VISITS,
            [
                func.coalesce(case.title, subject.name, "").label("title"),
                visit.notes.label("text"),
                visit.case_id.label("case_id"),
                visit.subject_id.label("subject_id"),
                visit.kind.label("visit_kind"),
            ],
            visit,
        )
        .outerjoin(case, case.id == visit.case_id)
        .outerjoin(subject, subject.id == visit.subject_id)
    )
    if wanted.kind is ReviewQueueKind.CHECKIN:
        statement = statement.where(visit.kind == VisitKind.CHECKIN.value)
    elif wanted.kind is ReviewQueueKind.VISIT:
        statement = statement.where(visit.kind != VisitKind.CHECKIN.value)
    return statement


def _agreements(scope: JurisdictionScope, wanted: QueueFilter) -> Select[Any]:
    agreement: Any = AgreementRow
    case: Any = aliased(CaseRow)
    return (
        _queued(
            scope,
            TableName.AGREEMENTS,
            [
                func.coalesce(case.title, "").label("title"),
                agreement.facts.label("text"),
                agreement.case_id.label("case_id"),
                literal(None).label("subject_id"),
                literal(None).label("visit_kind"),
            ],
            agreement,
        )
        .outerjoin(case, case.id == agreement.case_id)
        .where(and_(agreement.status != AgreementStatus.DRAFT.value))
    )


_BUILDERS = {
    TableName.CASES: _cases,
    TableName.VISITS: _visits,
    TableName.AGREEMENTS: _agreements,
}


def _item(table: TableName, row: Any) -> ReviewQueueItem:
    visit_kind = row["visit_kind"]
    if table is TableName.CASES:
        kind = ReviewQueueKind.CASE
    elif table is TableName.AGREEMENTS:
        kind = ReviewQueueKind.AGREEMENT
    elif visit_kind == VisitKind.CHECKIN.value:
        kind = ReviewQueueKind.CHECKIN
    else:
        kind = ReviewQueueKind.VISIT
    state = row["review_state"]
    text = " ".join((row["text"] or "").split())
    return ReviewQueueItem(
        table=ReviewTarget(table.value),
        record_id=row["record_id"],
        kind=kind,
        visit_kind=VisitKind(visit_kind) if visit_kind else None,
        title=row["title"] or "",
        summary=text[:SUMMARY_CHARS],
        case_id=row["case_id"],
        subject_id=row["subject_id"],
        author_id=row["author_id"],
        author_name=row["author_name"] or "",
        org_unit_id=row["org_unit_id"],
        version=row["version"],
        arrived_at=row["arrived_at"],
        latest_review_state=state,
        latest_review_comment=row["review_comment"] or "",
        reviewed_version=row["reviewed_version"],
        resubmitted=state is not None,
    )
