"""Listing and resolving conflicts: the values a later edit overwrote.

A conflict is resolved by a person, once. Keeping the current value only
closes it; keeping the overwritten value writes it back onto the record as a
new version (and brings back a record whose deletion hid it), so every
device pulls both the restored record and the closed conflict.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue, ValidationError
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.review import ConflictKeep, ConflictRecord, ConflictState
from shared_models.integrity import agreement_hash
from shared_models.problems import problem_message
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value
from sync_server.core.errors import ApiError
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope, RowScope
from sync_server.services.sync.records import (
    WRITABLE_FIELDS,
    row_to_wire,
    wire_columns,
)
from sync_server.services.sync.rescope import owner_scope
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import AppliedMutation, ConflictRow

MAX_LIST_LIMIT = 1000


@dataclass(frozen=True)
class ConflictQuery:
    """Which conflicts to list. Paging by ``offset``, or by keyset: ``after``
    is the ``version`` of the last conflict of the previous page (stable
    while conflicts are being resolved, unlike an offset)."""

    state: ConflictState | None = None
    table: TableName | None = None
    limit: int = 100
    offset: int = 0
    after: int | None = None


def list_conflicts(
    session: Session, scope: JurisdictionScope, query: ConflictQuery
) -> list[ConflictRecord]:
    """Conflicts in the caller's jurisdiction, in version order."""
    model: Any = ConflictRow
    statement = select(*wire_columns(TableName.CONFLICTS)).where(
        scope.row_filter(TableName.CONFLICTS, ConflictRow), model.deleted.is_(False)
    )
    if query.state is not None:
        statement = statement.where(model.state == query.state.value)
    if query.table is not None:
        statement = statement.where(model.table_name == query.table.value)
    if query.after is not None:
        statement = statement.where(model.version > query.after)
    statement = (
        statement.order_by(model.version)
        .offset(query.offset)
        .limit(min(query.limit, MAX_LIST_LIMIT))
    )
    names = [column.name for column in wire_columns(TableName.CONFLICTS)]
    return [
        ConflictRecord.model_validate(
            {name: to_json_value(value) for name, value in zip(names, values, strict=True)}
        )
        for values in session.execute(statement)
    ]


def resolve_conflict(
    session: Session,
    scope: JurisdictionScope,
    conflict_id: UUID,
    keep: ConflictKeep,
    now: datetime,
) -> ConflictRecord:
    """Resolve one conflict in the caller's transaction; the caller commits."""
    if not scope.supervises:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {scope.role} cannot resolve conflicts")
    # The counter lock serialises this with pushes and other resolutions, so
    # two people resolving the same conflict at once cannot both succeed.
    versions = VersionBlock(session)
    versions.reserve(2)
    conflict = scope.get(session, ConflictRow, conflict_id, what="conflict")
    if conflict.state == ConflictState.RESOLVED:
        raise ApiError(
            409,
            ErrorCode.CONFLICT_ALREADY_RESOLVED,
            "this conflict was already resolved; pull to see how",
            {"resolution": conflict.resolution, "resolved_by": str(conflict.resolved_by)},
        )
    if keep is ConflictKeep.OVERWRITTEN:
        _RecordRestorer(session, scope, versions, now).restore(conflict)
    conflict.state = ConflictState.RESOLVED
    conflict.resolution = keep
    conflict.resolved_by = scope.user_id
    conflict.resolved_at = now
    conflict.version = versions.next()
    conflict.updated_at = now
    session.flush()
    return ConflictRecord.model_validate(row_to_wire(TableName.CONFLICTS, conflict))


class _RecordRestorer:
    """Writes a conflict's overwritten value back, under the rules of a push:
    sealed agreements stay sealed, the result must validate, references must
    exist and the record must stay in the caller's jurisdiction."""

    def __init__(
        self, session: Session, scope: JurisdictionScope, versions: VersionBlock, now: datetime
    ) -> None:
        self.session = session
        self.scope = scope
        self.versions = versions
        self.now = now
        self.workspace = Workspace(session)

    def restore(self, conflict: ConflictRow) -> None:
        table = TableName(conflict.table_name)
        row = self.workspace.get(table, conflict.record_id)
        if row is None:
            raise ApiError(
                409, ErrorCode.RECORD_DELETED, "the record is gone; keep the current value"
            )
        if self._is_sealed(table, row):
            raise ApiError(
                409,
                ErrorCode.RECORD_SEALED,
                "the agreement is signed and sealed; record a correction as a new agreement",
            )
        undelete = bool(row.deleted)
        if undelete and not self._hidden_by_delete(conflict, row):
            raise ApiError(
                409,
                ErrorCode.RECORD_DELETED,
                "the record was deleted after this conflict; keep the current value",
            )
        wire = row_to_wire(table, row)
        values = {name: wire[name] for name in WRITABLE_FIELDS[table]}
        field = conflict.field
        if field in values:
            values[field] = conflict.overwritten_value
        validated = self._validate(table, values)
        # Compared on the wire: SQLite hands times back without their zone.
        changed = field in values and wire[field] != to_json_value(getattr(validated, field))
        if not (changed or undelete):
            return
        self._check_stays(table, validated, row)
        version = self.versions.next()
        if changed:
            setattr(row, field, _column_value(validated, field))
            row.field_versions = {**row.field_versions, field: version}
        if undelete:
            row.deleted = False
            row.field_versions = {**row.field_versions, "deleted": version}
        row.version = version
        row.updated_at = self.now

    def _is_sealed(self, table: TableName, row: Any) -> bool:
        if table is TableName.AGREEMENTS:
            return bool(row.status == AgreementStatus.SIGNED)
        if table is TableName.ATTACHMENTS and row.owner_table == TableName.AGREEMENTS:
            owner = self.workspace.get(TableName.AGREEMENTS, row.owner_id)
            return owner is not None and owner.status == AgreementStatus.SIGNED
        return False

    def _hidden_by_delete(self, conflict: ConflictRow, row: Any) -> bool:
        """Whether the deletion of ``row`` is the mutation that overwrote the
        value: its result's version is the one at which ``deleted`` last changed."""
        if conflict.mutation_id is None:
            return False
        applied = self.session.get(AppliedMutation, conflict.mutation_id)
        if applied is None:
            return False
        return bool(applied.result.get("version") == row.field_versions.get("deleted"))

    def _validate(self, table: TableName, values: dict[str, JsonValue]) -> SQLModel:
        try:
            validated: SQLModel = TABLES[table].fields.model_validate(values)
        except ValidationError as error:
            message = problem_message(error.errors()[0])
            raise ApiError(
                409,
                ErrorCode.VALIDATION_FAILED,
                f"the overwritten value no longer fits the record: {message}",
            ) from None
        if table is TableName.AGREEMENTS:
            agreement: Any = validated
            if agreement.status is AgreementStatus.SIGNED and (
                agreement.content_hash != agreement_hash(agreement)
            ):
                raise ApiError(
                    409,
                    ErrorCode.VALIDATION_FAILED,
                    "content_hash would not match the agreement's content",
                )
        return validated

    def _check_stays(self, table: TableName, validated: SQLModel, row: Any) -> None:
        """The restored record must stay where it is: a value that would move
        it (to another unit, officer or owner) is a transfer's business."""
        try:
            new_scope = owner_scope(self.workspace, table, validated)
        except LookupError as missing:
            raise ApiError(
                409,
                ErrorCode.UNKNOWN_REFERENCE,
                f"{missing.args[0]} names a record that no longer exists; restore that first",
            ) from None
        if new_scope != RowScope.of(row):
            raise ApiError(
                409,
                ErrorCode.TRANSFER_REQUIRED,
                "the overwritten value would move the record; moving is a transfer",
            )


def _column_value(validated: SQLModel, name: str) -> Any:
    """The Python value for the column: nested structures as JSON, the rest as is."""
    value = getattr(validated, name)
    return to_json_value(value) if isinstance(value, list | dict) else value
