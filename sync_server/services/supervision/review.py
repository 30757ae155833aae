"""A supervisor's review of a record, created through ``POST /api/v1/reviews``.

A review is an ordinary synced record: it takes the next server version and
the jurisdiction of the record it judges, so the devices that own the target
pull the verdict like any other change (a mediator sees "needs changes"
offline). Reviews pushed by devices go through ``services.push`` instead and
obey the same role table, so both ways in agree on who may review.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from shared_models.domain.review import ReviewFields, ReviewRecord
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.review import ReviewCreate
from shared_models.protocol.tables import TableName
from sync_server.core.errors import ApiError
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope, NotInScopeError
from sync_server.services.sync.records import row_to_wire
from sync_server.services.sync.rescope import owner_scope
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import ReviewRow


@dataclass(frozen=True)
class ReviewOutcome:
    review: ReviewRecord
    created: bool
    """False when the same review was posted before (a retried request)."""


def create_review(
    session: Session, scope: JurisdictionScope, request: ReviewCreate, now: datetime
) -> ReviewOutcome:
    """Write the review in the caller's transaction; the caller commits.

    An unknown, deleted or out-of-jurisdiction target is ``404 NOT_FOUND``,
    never a hint that the record exists elsewhere.
    """
    if not scope.may_write(TableName.REVIEWS):
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {scope.role} cannot review records")
    # Taking a version first locks the counter row, so two deliveries of the
    # same request serialise here and the second finds the first's row.
    versions = VersionBlock(session)
    version = versions.next()
    workspace = Workspace(session)
    target_table = TableName(request.target_table)
    try:
        placed = owner_scope(workspace, TableName.REVIEWS, request)
    except LookupError:
        raise NotInScopeError("record", "target_id") from None
    if not scope.covers(placed):
        raise NotInScopeError("record", "target_id")
    target = workspace.get(target_table, request.target_id)
    if request.id is not None:
        existing = session.get(ReviewRow, request.id)
        if existing is not None:
            return ReviewOutcome(_same_review(existing, request, scope), created=False)
    row = ReviewRow(
        id=request.id or uuid.uuid4(),
        version=version,
        updated_at=now,
        deleted=False,
        created_by=scope.user_id,
        target_table=request.target_table,
        target_id=request.target_id,
        target_version=target.version,
        state=request.state,
        comment=request.comment,
        scope_unit_id=placed.unit_id,
        scope_officer_id=placed.officer_id,
        scope_work=placed.work,
        field_versions=dict.fromkeys(ReviewFields.model_fields, version),
    )
    session.add(row)
    session.flush()
    return ReviewOutcome(_record(row), created=True)


def _same_review(
    existing: ReviewRow, request: ReviewCreate, scope: JurisdictionScope
) -> ReviewRecord:
    """The stored review when ``request`` repeats it; 409 when the id is taken."""
    same = (
        existing.created_by == scope.user_id
        and not existing.deleted
        and existing.target_table == request.target_table
        and existing.target_id == request.target_id
        and existing.state == request.state
        and existing.comment == request.comment
    )
    if not same:
        raise ApiError(
            409,
            ErrorCode.VALIDATION_FAILED,
            "id: another review already has this id; send a new id for a new review",
            {"field": "id"},
        )
    return _record(existing)


def _record(row: ReviewRow) -> ReviewRecord:
    return ReviewRecord.model_validate(row_to_wire(TableName.REVIEWS, row))
