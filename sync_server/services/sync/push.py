"""Applying a device's push: one transaction, one result per mutation.

Each mutation is checked completely in memory (role, jurisdiction, schema,
references, seal) before anything is written, so a rejected mutation leaves
no trace and never disturbs the rest of the batch. Pushes run side by side
(``core/versions.py``): the records a push names are locked as it loads
them, and idempotency is checked after that, so two deliveries of the same
mutation racing each other cannot both apply.
"""

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlmodel import Session, SQLModel

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.integrity import agreement_hash
from shared_models.merge import MergeOutcome, MergeStatus, merge_delete, merge_upsert
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.push import (
    Mutation,
    MutationResult,
    MutationStatus,
    PushRequest,
    PushResponse,
)
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value
from sync_server.core.district_key import DistrictKey
from sync_server.core.versions import VersionBlock
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.agreements.countersign import countersign_pushed
from sync_server.services.correction.push_rules import CorrectionRules
from sync_server.services.supervision.district_calendar import district_tz
from sync_server.services.supervision.follow_ups import follow_up_problem
from sync_server.services.sync.bulk_insert import insert_rows
from sync_server.services.sync.lifecycle import LIFECYCLE_TABLES, CaseLifecycle, lifecycle_cases
from sync_server.services.sync.mutation_fields import (
    MutationRejectedError,
    check_fields,
    column_values,
    validate,
)
from sync_server.services.sync.placement import check_placement
from sync_server.services.sync.records import writable_values as _writable_values
from sync_server.services.sync.rescope import Scope, owner_scope
from sync_server.services.sync.stored_results import APPLIED_TABLE, earlier_results, stored_result
from sync_server.services.sync.workspace import RecordKey, Workspace
from sync_server.tables import ConflictRow


@dataclass
class PushSummary:
    """What the audit log keeps of a push: counts, no content."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_table: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, mutations: list[Mutation], results: list[MutationResult]) -> "PushSummary":
        """Counted once the push is applied, in C (``Counter``), in the order
        each status and table first appears."""
        return cls(
            by_status=dict(Counter([result.status for result in results])),
            by_table=dict(Counter([mutation.table for mutation in mutations])),
        )


_STATUS = {
    MergeStatus.APPLIED: MutationStatus.APPLIED,
    MergeStatus.MERGED: MutationStatus.MERGED,
    MergeStatus.CONFLICT: MutationStatus.CONFLICT,
}


def apply_push(
    session: Session,
    scope: JurisdictionScope,
    device_id: str,
    request: PushRequest,
    now: datetime,
    signer: DistrictKey | None = None,
    mediation: MediationSettings | None = None,
) -> tuple[PushResponse, PushSummary]:
    """Apply every mutation of ``request`` in order; the caller commits.

    With ``signer``, every agreement the push sealed is countersigned in the
    same transaction (``countersign.py``), so the signature is never missing
    from a sealed agreement another device pulls. ``mediation``: the
    district's lifecycle settings (the defaults when not given)."""
    # The first draw also has the rest of the push planned generically.
    versions = VersionBlock(session, alongside_pushes=True)
    versions.reserve(len(request.mutations))
    workspace = Workspace(session)
    stepped = lifecycle_cases(request.mutations)
    workspace.prefetch(request.mutations, lock_cases=stepped)
    # Only now, with the named records locked: a delivery of the same
    # mutations racing this one has committed its results by the time the
    # lock is granted (a racing creation fails on the key and is retried).
    earlier = earlier_results([m.mutation_id for m in request.mutations], workspace)
    lifecycle = CaseLifecycle(
        workspace, versions, now, mediation or MediationSettings(), district_tz()
    )
    applier = _Applier(session, scope, workspace, versions, now, lifecycle)
    results: list[MutationResult] = []
    applied: list[dict[str, Any]] = []
    # Fields this push's earlier mutations wrote, and the version each got.
    # The device made its mutations in this order, so a later one was made
    # knowing those values, even when the device never heard the answer to
    # the earlier one (lost, now a duplicate) and still names an older base.
    # Only those fields: other fields another device changed meanwhile stay
    # concurrent, so their values are never overwritten unnoticed.
    own: dict[RecordKey, dict[str, int]] = {}
    named = Counter([(m.table, m.record_id.int) for m in request.mutations])
    # A case whose steps the push records changes after it is written: never final.
    named.update([(TableName.CASES, case_id.int) for case_id in stepped])
    # New rows go out to the database while the rest are still being checked.
    with workspace.streaming(request.mutations, named):
        for mutation in request.mutations:
            key = (mutation.table, mutation.record_id.int)
            repeated = named[key] > 1  # only a record named again needs its written fields
            mutation_key = mutation.mutation_id.int
            previous = earlier.get(mutation_key)
            if previous is not None:
                result = previous.model_copy(update={"status": MutationStatus.DUPLICATE})
            else:
                result = applier.apply(mutation, own.get(key, _NONE_WRITTEN))
                earlier[mutation_key] = result
                if result.status is not MutationStatus.REJECTED:
                    applied.append(
                        {
                            "mutation_id": mutation.mutation_id,
                            "user_id": scope.user_id,
                            "device_id": device_id,
                            "result": stored_result(result),
                            "applied_at": now,
                        }
                    )
            if (
                repeated
                and result.version is not None
                and result.status is not MutationStatus.REJECTED
            ):
                written = own.setdefault(key, {})
                for name in mutation.fields:
                    written[name] = result.version
            results.append(result)
    workspace.insert_new()
    if signer is not None:
        countersign_pushed(session, versions, signer, request.mutations, now)
    insert_rows(session, APPLIED_TABLE, applied)
    session.flush()
    summary = PushSummary.of(request.mutations, results)
    return PushResponse(results=results, server_time=now), summary


_NONE_WRITTEN: Mapping[str, int] = MappingProxyType({})


class _Applier:
    def __init__(
        self,
        session: Session,
        scope: JurisdictionScope,
        workspace: Workspace,
        versions: VersionBlock,
        now: datetime,
        lifecycle: CaseLifecycle,
    ) -> None:
        self.session = session
        self.scope = scope
        self.workspace = workspace
        self.versions = versions
        self.now = now
        self.lifecycle = lifecycle
        self._writable: set[TableName] = set()
        """Tables this push has been allowed to write (checked once each)."""
        self.correction = CorrectionRules(workspace, scope)

    def apply(self, mutation: Mutation, own: Mapping[str, int]) -> MutationResult:
        """``own``: fields this device wrote earlier in the push, with the
        version each got; where a field still has that version, the device
        knew its value (see ``apply_push``)."""
        try:
            if mutation.op == "delete":
                return self._delete(mutation, own)
            return self._upsert(mutation, own)
        except MutationRejectedError as rejection:
            return MutationResult(
                mutation_id=mutation.mutation_id,
                status=MutationStatus.REJECTED,
                error=rejection.error,
            )

    def _check_table(self, table: TableName) -> None:
        """Refuse a table this caller may not write; once allowed, the
        callers skip the check for the rest of the push (``_writable``)."""
        if not TABLES[table].device_writable:
            raise MutationRejectedError(
                ErrorCode.READ_ONLY_TABLE, f"{table} is written by the server only", "table"
            )
        if not self.scope.may_write(table):
            raise MutationRejectedError(
                ErrorCode.FORBIDDEN, f"a {self.scope.role} cannot change {table}", "table"
            )
        self._writable.add(table)

    def _check_existing(self, table: TableName, row: Any) -> None:
        """Refuse changing a stored record outside the caller's jurisdiction,
        or a sealed one."""
        if not self.scope.may_read(row):
            raise MutationRejectedError(
                ErrorCode.OUT_OF_SCOPE, "this record is outside your jurisdiction", "record_id"
            )
        if self._is_sealed(table, row):
            raise MutationRejectedError(
                ErrorCode.RECORD_SEALED,
                "a signed agreement is sealed; record a correction as a new agreement",
                "record_id",
            )

    def _is_sealed(self, table: TableName, row: Any) -> bool:
        if table is TableName.AGREEMENTS:
            return bool(row.status == AgreementStatus.SIGNED)
        if table is TableName.ATTACHMENTS and row.owner_table == TableName.AGREEMENTS:
            owner = self.workspace.get(TableName.AGREEMENTS, row.owner_id)
            return owner is not None and owner.status == AgreementStatus.SIGNED
        return False

    def _upsert(self, mutation: Mutation, own: Mapping[str, int]) -> MutationResult:
        table = mutation.table
        if table not in self._writable:
            self._check_table(table)
        check_fields(table, mutation.fields)
        row = self.workspace.get(table, mutation.record_id)
        if row is not None:
            self._check_existing(table, row)
        if row is not None and row.deleted:
            raise MutationRejectedError(
                ErrorCode.RECORD_DELETED,
                "this record was deleted and cannot be changed",
                "record_id",
            )
        current = None if row is None else _writable_values(table, row)
        validated = validate(
            table, mutation.fields if current is None else current | mutation.fields
        )
        new_scope = self._resolve_references(table, validated)
        placement = check_placement(
            self.workspace, self.scope, table, validated, new_scope, row, mutation.fields
        )
        if placement is not None:
            raise MutationRejectedError(*placement)
        if table is TableName.VISITS and validated.agreement_id is not None:  # a follow-up
            problem = follow_up_problem(self.workspace, validated)
            if problem is not None:
                raise MutationRejectedError(ErrorCode.VALIDATION_FAILED, problem[1], problem[0])
        if table is TableName.AGREEMENTS:
            self._check_seal(validated)
        refusal = self.correction.refusal(table, mutation.record_id, validated, row)
        if refusal is not None:
            raise MutationRejectedError(*refusal)
        move = None
        if table in LIFECYCLE_TABLES:
            move = self.lifecycle.check_upsert(table, validated, row, mutation.fields)
        version = self.versions.next()
        if row is None:
            # A new record: merge_upsert(None, ...) applies every field, no conflict.
            self._create(table, mutation.record_id, validated, version, new_scope)
            if move is not None:
                self.lifecycle.after_write(move)
            return MutationResult(
                mutation_id=mutation.mutation_id, status=MutationStatus.APPLIED, version=version
            )
        incoming = {name: to_json_value(getattr(validated, name)) for name in mutation.fields}
        known = _known_to_device(row.field_versions, own)
        outcome = merge_upsert(current, known, mutation.base_version, incoming)
        if outcome.changed:
            self._update(table, row, validated, outcome, version)
            if move is not None:
                self.lifecycle.after_write(move)
        else:
            version = row.version
        conflict_id = self._record_conflicts(mutation, row, outcome)
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=_STATUS[outcome.status],
            version=version,
            conflict_id=conflict_id,
        )

    def _delete(self, mutation: Mutation, own: Mapping[str, int]) -> MutationResult:
        if mutation.table not in self._writable:
            self._check_table(mutation.table)
        row = self.workspace.get(mutation.table, mutation.record_id)
        if row is None:
            raise MutationRejectedError(
                ErrorCode.NOT_FOUND, "there is no such record to delete", "record_id"
            )
        self._check_existing(mutation.table, row)
        if row.deleted:
            return MutationResult(
                mutation_id=mutation.mutation_id, status=MutationStatus.APPLIED, version=row.version
            )
        if mutation.table in LIFECYCLE_TABLES:
            self.lifecycle.check_delete(mutation.table, row)
        refusal = self.correction.delete_refusal(mutation.table, row)
        if refusal is not None:
            raise MutationRejectedError(*refusal)
        known = _known_to_device(row.field_versions, own)
        outcome = merge_delete(_writable_values(mutation.table, row), known, mutation.base_version)
        version = self.versions.next()
        row.deleted = True
        row.version = version
        row.updated_at = self.now
        row.field_versions = {**row.field_versions, "deleted": version}
        conflict_id = self._record_conflicts(mutation, row, outcome)
        return MutationResult(
            mutation_id=mutation.mutation_id,
            status=_STATUS[outcome.status],
            version=version,
            conflict_id=conflict_id,
        )

    def _resolve_references(self, table: TableName, validated: SQLModel) -> Scope:
        """Check every referenced record exists (and is visible); return the
        jurisdiction the record belongs to."""
        try:
            return owner_scope(self.workspace, table, validated)
        except LookupError as missing:
            field_name = str(missing.args[0])
            raise MutationRejectedError(
                ErrorCode.UNKNOWN_REFERENCE,
                f"{field_name} names a record the server does not have (sync it first?)",
                field_name,
            ) from None

    def _check_seal(self, agreement: Any) -> None:
        if agreement.status is not AgreementStatus.SIGNED:
            return
        if agreement.content_hash != agreement_hash(agreement):
            raise MutationRejectedError(
                ErrorCode.VALIDATION_FAILED,
                "content_hash does not match the agreement's content",
                "content_hash",
            )

    def _create(
        self, table: TableName, record_id: UUID, validated: SQLModel, version: int, scope: Scope
    ) -> None:
        values = column_values(table, validated)
        field_versions = dict.fromkeys(values, version)
        values.update(
            id=record_id,
            version=version,
            updated_at=self.now,
            deleted=False,
            created_by=self.scope.user_id,
            scope_unit_id=scope.unit_id,
            scope_officer_id=scope.officer_id,
            scope_work=scope.work,
            field_versions=field_versions,
        )
        self.workspace.create(table, values)

    def _update(
        self,
        table: TableName,
        row: Any,
        validated: SQLModel,
        outcome: MergeOutcome,
        version: int,
    ) -> None:
        """Write the merged fields. Where the record belongs never changes
        here: ``check_placement`` refused any change of it (a transfer)."""
        values = column_values(table, validated)
        for name in outcome.changed:
            setattr(row, name, values[name])
        row.version = version
        row.updated_at = self.now
        row.field_versions = {**row.field_versions, **dict.fromkeys(outcome.changed, version)}

    def _record_conflicts(self, mutation: Mutation, row: Any, outcome: MergeOutcome) -> UUID | None:
        first: UUID | None = None
        for name, lost in outcome.overwritten.items():
            conflict_id = uuid.uuid4()
            first = first or conflict_id
            current: JsonValue = True if mutation.op == "delete" else outcome.values.get(name)
            self.session.add(
                ConflictRow(
                    id=conflict_id,
                    version=self.versions.next(),
                    updated_at=self.now,
                    created_by=self.scope.user_id,
                    table_name=mutation.table,
                    record_id=row.id,
                    field=name,
                    overwritten_value=lost.value,
                    current_value=current,
                    base_version=mutation.base_version,
                    overwritten_version=lost.version,
                    mutation_id=mutation.mutation_id,
                    scope_unit_id=row.scope_unit_id,
                    scope_officer_id=row.scope_officer_id,
                    scope_work=row.scope_work,
                    field_versions={},
                )
            )
        return first


def _known_to_device(field_versions: dict[str, int], own: Mapping[str, int]) -> dict[str, int]:
    """``field_versions`` with the fields the device itself last wrote (in
    this push) counted as seen: version 0, never concurrent."""
    if not own:
        return field_versions
    return {
        name: 0 if own.get(name) == version else version for name, version in field_versions.items()
    }
