"""Which jurisdiction a record belongs to, and moving its dependents along.

Parties, visits, attachments, agreements, reviews and conflicts belong where
their owner (case, subject, …) belongs. Scope columns are denormalised onto
every row so a pull filters one table at a time; when an owner moves (a case
to another committee, a subject to another officer), its dependents move too
and the devices of the old jurisdiction are told to drop them.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, SQLModel, col

from shared_models.protocol.tables import TableName
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import RowScope, Work
from sync_server.services.sync.records import ROWS
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import AttachmentRow, ConflictRow, ReviewRow, ScopeExit

Scope = RowScope
"""(scope_unit_id, scope_officer_id, scope_work) of a row."""

_OWNED_BY: dict[TableName, list[tuple[TableName, str]]] = {
    TableName.CASES: [
        (TableName.PARTIES, "case_id"),
        (TableName.VISITS, "case_id"),
        (TableName.AGREEMENTS, "case_id"),
        (TableName.CASE_DOCUMENTS, "case_id"),
    ],
    TableName.SUBJECTS: [
        (TableName.VISITS, "subject_id"),
        (TableName.SUBJECT_EVENTS, "subject_id"),
    ],
}


def _live(workspace: Workspace, table: TableName, record_id: UUID | None, field: str) -> Any:
    if record_id is None:
        return None
    row = workspace.get(table, record_id)
    if row is None or row.deleted:
        raise LookupError(field)
    return row


def owner_scope(workspace: Workspace, table: TableName, record: Any) -> Scope:
    """The scope a validated record gets; ``LookupError(field)`` names a
    reference to a record that does not exist (or was deleted)."""
    if table is TableName.CASES:
        _live(workspace, TableName.ORG_UNITS, record.org_unit_id, "org_unit_id")
        _live(workspace, TableName.USERS, record.mediator_id, "mediator_id")
        return RowScope(record.org_unit_id, None, Work.MEDIATION)
    if table is TableName.SUBJECTS:
        _live(workspace, TableName.ORG_UNITS, record.org_unit_id, "org_unit_id")
        _live(workspace, TableName.USERS, record.officer_id, "officer_id")
        return RowScope(record.org_unit_id, record.officer_id, Work.CORRECTION)
    if table in (TableName.PARTIES, TableName.AGREEMENTS, TableName.CASE_DOCUMENTS):
        if table is TableName.AGREEMENTS:
            _live(workspace, TableName.AGREEMENTS, record.supersedes_id, "supersedes_id")
        return RowScope.of(_live(workspace, TableName.CASES, record.case_id, "case_id"))
    if table is TableName.VISITS:
        if record.case_id is not None:
            return RowScope.of(_live(workspace, TableName.CASES, record.case_id, "case_id"))
        return RowScope.of(_live(workspace, TableName.SUBJECTS, record.subject_id, "subject_id"))
    if table is TableName.ATTACHMENTS:
        owner_table = TableName(record.owner_table)
        return RowScope.of(_live(workspace, owner_table, record.owner_id, "owner_id"))
    if table is TableName.SUBJECT_EVENTS:
        _live(workspace, TableName.SUBJECT_EVENTS, record.request_id, "request_id")
        return RowScope.of(_live(workspace, TableName.SUBJECTS, record.subject_id, "subject_id"))
    if table is TableName.REVIEWS:
        target_table = TableName(record.target_table)
        return RowScope.of(_live(workspace, target_table, record.target_id, "target_id"))
    raise LookupError("table")


def _dependents(
    workspace: Workspace, table: TableName, record_id: UUID
) -> list[tuple[TableName, Any]]:
    session = workspace.session
    found: list[tuple[TableName, Any]] = []
    for child_table, column in _OWNED_BY.get(table, []):
        model: type[SQLModel] = ROWS[child_table]
        rows = session.scalars(select(model).where(getattr(model, column) == record_id))
        found.extend((child_table, row) for row in rows)
    attachments = session.scalars(
        select(AttachmentRow).where(
            col(AttachmentRow.owner_table) == str(table),
            col(AttachmentRow.owner_id) == record_id,
        )
    )
    found.extend((TableName.ATTACHMENTS, row) for row in attachments)
    reviews = session.scalars(
        select(ReviewRow).where(
            col(ReviewRow.target_table) == str(table),
            col(ReviewRow.target_id) == record_id,
        )
    )
    found.extend((TableName.REVIEWS, row) for row in reviews)
    conflicts = session.scalars(
        select(ConflictRow).where(
            col(ConflictRow.table_name) == str(table),
            col(ConflictRow.record_id) == record_id,
        )
    )
    found.extend((TableName.CONFLICTS, row) for row in conflicts)
    return found


def move_row(session: Session, version: int, table: TableName, row: Any, scope: Scope) -> None:
    """Give ``row`` the scope ``scope``, leaving a ``ScopeExit`` at
    ``version`` so the devices of its old jurisdiction drop it (the pull's
    removals). The caller bumps the row's own version."""
    session.add(
        ScopeExit(
            version=version,
            table_name=table,
            record_id=row.id,
            old_unit_id=row.scope_unit_id,
            old_officer_id=row.scope_officer_id,
        )
    )
    row.scope_unit_id, row.scope_officer_id, row.scope_work = scope


def rescope_dependents(
    workspace: Workspace,
    versions: VersionBlock,
    table: TableName,
    record_id: UUID,
    scope: Scope,
    now: datetime,
) -> int:
    """Give every record hanging off ``record_id`` the owner's new scope;
    returns how many moved."""
    moved = 0
    pending = [(table, record_id)]
    while pending:
        owner_table, owner_id = pending.pop()
        for child_table, row in _dependents(workspace, owner_table, owner_id):
            if RowScope.of(row) == scope:
                continue
            version = versions.next()
            move_row(workspace.session, version, child_table, row, scope)
            row.version = version
            row.updated_at = now
            moved += 1
            pending.append((child_table, row.id))
    return moved
