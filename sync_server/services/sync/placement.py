"""Where a pushed record may go: the checks of a push beyond its own fields.

A push may create a record only in the caller's jurisdiction and line of
work, and may change a record only where it stays: moving a case or a
subject to another unit or officer (or anything to another owner's
jurisdiction) is a transfer (``services/accounts/transfers.py``), a district
decision, never a field edit. People a record names must work where it
is: a case's mediator reads the case, a subject's officer works in the
subject's unit. An agreement corrects only an agreement of its own case.
Each refusal names the field that caused it.
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from shared_models.domain.org import Role
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope, RowScope
from sync_server.services.sync.workspace import Workspace

Refusal = tuple[ErrorCode, str, str]
"""(code, message, field) of a refused mutation."""

PLACING_FIELDS: dict[TableName, tuple[str, ...]] = {
    TableName.CASES: ("org_unit_id",),
    TableName.SUBJECTS: ("org_unit_id", "officer_id"),
    TableName.PARTIES: ("case_id",),
    TableName.AGREEMENTS: ("case_id",),
    TableName.VISITS: ("case_id", "subject_id"),
    TableName.ATTACHMENTS: ("owner_table", "owner_id"),
    TableName.REVIEWS: ("target_table", "target_id"),
    TableName.SUBJECT_EVENTS: ("subject_id",),
}
"""The fields that decide where a record of each table belongs."""

_PEOPLE: dict[TableName, tuple[str, ...]] = {
    TableName.CASES: ("mediator_id",),
    TableName.AGREEMENTS: ("mediator_id",),
    TableName.SUBJECTS: ("officer_id",),
}
"""Fields that name the user responsible for a record."""


def check_placement(
    workspace: Workspace,
    scope: JurisdictionScope,
    table: TableName,
    record: Any,
    new_scope: RowScope,
    row: Any,
    fields: Mapping[str, Any],
) -> Refusal | None:
    """Why ``record`` (validated, to be stored with ``new_scope``; ``row`` the
    stored one or ``None``) may not be written by ``scope``, or ``None``."""
    if row is not None and RowScope.of(row) != new_scope:
        moved = _changed(table, record, row) or PLACING_FIELDS[table][0]
        return (
            ErrorCode.TRANSFER_REQUIRED,
            "moving a record to another unit, officer or owner is a transfer "
            "(a district supervisor's decision), not an edit",
            moved,
        )
    if not scope.covers(new_scope):
        return (
            ErrorCode.OUT_OF_SCOPE,
            "the record would be outside your jurisdiction or line of work",
            _placing_field(table, record, fields),
        )
    for name in _PEOPLE.get(table, ()):
        user_id = getattr(record, name)
        if user_id is None or (row is not None and getattr(row, name) == user_id):
            continue  # unchanged: a record keeps the people it had
        if not works_there(workspace, name, user_id, new_scope):
            return (
                ErrorCode.OUT_OF_SCOPE,
                f"{name} names someone who does not work on this record's unit and line of work",
                name,
            )
    if table is TableName.AGREEMENTS and record.supersedes_id is not None:
        corrected = workspace.get(TableName.AGREEMENTS, record.supersedes_id)
        if corrected is None or not scope.may_read(corrected):
            return (
                ErrorCode.OUT_OF_SCOPE,
                "supersedes_id names an agreement outside your jurisdiction",
                "supersedes_id",
            )
        if corrected.case_id != record.case_id:
            return (
                ErrorCode.VALIDATION_FAILED,
                "the corrected agreement is of another case",
                "supersedes_id",
            )
    if table is TableName.VISITS and record.agreement_id is not None:
        agreement = workspace.get(TableName.AGREEMENTS, record.agreement_id)
        if agreement is not None and not scope.may_read(agreement):
            return (
                ErrorCode.OUT_OF_SCOPE,
                "agreement_id names an agreement outside your jurisdiction",
                "agreement_id",
            )
    return None


def _changed(table: TableName, record: Any, row: Any) -> str | None:
    """The first placing field whose value differs from the stored row."""
    for name in PLACING_FIELDS.get(table, ()):
        if str(getattr(record, name)) != str(getattr(row, name)):
            return name
    return None


def _placing_field(table: TableName, record: Any, fields: Mapping[str, Any]) -> str:
    """The field that put the record where it would be: the owner it names."""
    if table is TableName.VISITS:
        return "case_id" if record.case_id is not None else "subject_id"
    if table is TableName.SUBJECTS and "org_unit_id" not in fields and "officer_id" in fields:
        return "officer_id"
    if table in (TableName.ATTACHMENTS, TableName.REVIEWS):
        return PLACING_FIELDS[table][1]
    return PLACING_FIELDS[table][0]


def works_there(workspace: Workspace, name: str, user_id: UUID, where: RowScope) -> bool:
    """Whether the user the field ``name`` (``mediator_id``, ``officer_id``)
    names, by their own unit and role (not by assignment), works on records
    placed at ``where``. Transfers ask it too."""
    user = workspace.get(TableName.USERS, user_id)
    if user is None or user.deleted or not user.active:
        return False
    role = Role(user.role)
    if name == "officer_id" and role is not Role.OFFICER:
        return False
    if name == "mediator_id" and role is Role.OFFICER:
        return False
    theirs = JurisdictionScope.of_user(user.id, role, user.org_unit_id, workspace.org_edges())
    # Placed by unit only: an officer's assigned subjects do not count, or
    # naming an officer would itself put the subject in their reach.
    return theirs.covers(RowScope(where.unit_id, None, where.work))
