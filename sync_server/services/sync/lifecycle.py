"""The mediation lifecycle in a push: every pushed step checked against the
case as the server holds it, and the case moved by the steps it accepts.

The rule is the contract's (``shared_models/domain/case_lifecycle.py``);
this module feeds it the case's facts from the database and writes what
follows from an accepted step onto the case: its status, its follow-up
date, its closing time and, with the acceptance, its number
(``case_numbers.py``), as a new version of the case that every device
pulls. A refused step rejects its own mutation only (``MutationRejectedError``).

The case a step belongs to is locked by the push before it is read
(``Workspace.prefetch`` locks the cases that pushed documents, parties and
agreements name), so two pushes recording steps of one case run one after
the other and each sees the other's steps.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import col

from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.case_documents import CaseDocumentFields
from shared_models.domain.case_forms import AcceptanceForm
from shared_models.domain.case_lifecycle import (
    PARTIES_EDITABLE,
    CaseFacts,
    CaseStep,
    MediationSettings,
    ProblemKind,
    StepProblem,
    facts_of,
    follow_up_due,
    form_problem,
    status_after,
    step_of,
    step_problem,
)
from shared_models.domain.case_numbers import format_case_number, unit_short_name
from shared_models.domain.cases import CLOSED_CASE_STATUSES, INITIAL_CASE_STATUSES, CaseStatus
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.push import Mutation
from shared_models.protocol.tables import TableName
from sync_server.core.versions import VersionBlock
from sync_server.services.agreements.countersign import agreement_fields
from sync_server.services.sync.case_numbers import draw_case_number
from sync_server.services.sync.mutation_fields import MutationRejectedError
from sync_server.services.sync.records import WRITABLE_FIELDS, row_to_wire
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import AgreementRow, CaseDocumentRow, PartyRow

LIFECYCLE_TABLES = frozenset(
    {TableName.CASES, TableName.PARTIES, TableName.CASE_DOCUMENTS, TableName.AGREEMENTS}
)
"""Tables whose writes the lifecycle checks."""

_CODES = {
    ProblemKind.NOT_ALLOWED: ErrorCode.LIFECYCLE_STEP_NOT_ALLOWED,
    ProblemKind.MISSING: ErrorCode.LIFECYCLE_STEP_MISSING,
    ProblemKind.INVALID: ErrorCode.VALIDATION_FAILED,
}


_OWNED_BY_CASE = frozenset({TableName.PARTIES, TableName.CASE_DOCUMENTS, TableName.AGREEMENTS})


def lifecycle_cases(mutations: Iterable[Mutation]) -> list[UUID]:
    """The cases whose lifecycle a push may change: those its documents,
    parties and agreements name (a push locks them before it reads them)."""
    found: set[UUID] = set()
    for mutation in mutations:
        if mutation.table in _OWNED_BY_CASE:
            value = mutation.fields.get("case_id")
            try:
                found.add(UUID(str(value)))
            except ValueError:
                continue  # refused when the mutation is validated
    return sorted(found)


def _refuse(problem: StepProblem) -> MutationRejectedError:
    return MutationRejectedError(_CODES[problem.kind], problem.message, problem.field)


@dataclass(frozen=True)
class CaseMove:
    """What an allowed write does to its case once applied: ``step`` is the
    step it records (``None``: an edit of a recorded document, which may
    still change the follow-up date)."""

    case_id: UUID
    step: CaseStep | None
    record: Any


class CaseLifecycle:
    """The lifecycle checks and consequences of one push."""

    def __init__(
        self,
        workspace: Workspace,
        versions: VersionBlock,
        now: datetime,
        settings: MediationSettings,
        zone: tzinfo,
    ) -> None:
        self.workspace = workspace
        self.versions = versions
        self.now = now
        self.settings = settings
        self.zone = zone

    # -- checks, before anything is written ---------------------------------

    def check_upsert(
        self, table: TableName, record: Any, row: Any, fields: dict[str, Any]
    ) -> CaseMove | None:
        """Refuse the write of ``record`` (validated; ``row`` the stored one
        or ``None``) that the lifecycle does not allow; what it does to its
        case once written (``after_write``)."""
        if table is TableName.CASES:
            self._check_case(record, row, fields)
            return None
        case = self._case(record.case_id)
        if case.status == CaseStatus.ARCHIVED:
            raise MutationRejectedError(
                ErrorCode.CASE_ARCHIVED, "the case is archived: its file is closed", "case_id"
            )
        if table is TableName.PARTIES:
            self._check_parties(case)
        elif table is TableName.CASE_DOCUMENTS:
            self._check_document(case, record, row)
            return CaseMove(case.id, step_of(record.kind) if row is None else None, record)
        elif table is TableName.AGREEMENTS and _seals(record, row):
            problem = step_problem(
                CaseStep.WRITTEN_AGREEMENT, self._facts(case), self.settings, record
            )
            if problem is not None:
                raise _refuse(problem)
            return CaseMove(case.id, CaseStep.WRITTEN_AGREEMENT, record)
        return None

    def check_delete(self, table: TableName, row: Any) -> None:
        """Refuse a delete the lifecycle does not allow: recorded steps and
        numbered cases are kept; parties once fixed stay."""
        if table is TableName.CASE_DOCUMENTS:
            raise MutationRejectedError(
                ErrorCode.LIFECYCLE_STEP_NOT_ALLOWED,
                "a recorded step is kept: correct the document instead of deleting it",
                "record_id",
            )
        if table is TableName.CASES and row.case_number is not None:
            raise MutationRejectedError(
                ErrorCode.LIFECYCLE_STEP_NOT_ALLOWED,
                "a numbered case is kept (its number may not leave a gap): end it instead",
                "record_id",
            )
        if table is TableName.PARTIES:
            self._check_parties(self._case(row.case_id))

    def _check_case(self, case: Any, row: Any, fields: dict[str, Any]) -> None:
        if row is None:
            if case.status not in INITIAL_CASE_STATUSES:
                raise MutationRejectedError(
                    ErrorCode.LIFECYCLE_STEP_NOT_ALLOWED,
                    "a case starts applied or accepted; its later statuses follow its steps",
                    "status",
                )
            return
        if row.status == CaseStatus.ARCHIVED:
            raise MutationRejectedError(
                ErrorCode.CASE_ARCHIVED, "the case is archived: its file is closed", "record_id"
            )
        if "status" in fields and case.status != row.status:
            raise MutationRejectedError(
                ErrorCode.LIFECYCLE_STEP_NOT_ALLOWED,
                "a case's status follows its recorded steps: record the step instead",
                "status",
            )

    def _check_parties(self, case: Any) -> None:
        if case.status not in PARTIES_EDITABLE:
            raise MutationRejectedError(
                ErrorCode.CASE_PARTIES_FIXED,
                f"the parties of a case that is {case.status} are fixed",
                "case_id",
            )

    def _check_document(self, case: Any, document: CaseDocumentFields, row: Any) -> None:
        facts = self._facts(case)
        if row is None:
            problem = step_problem(step_of(document.kind), facts, self.settings, document.content)
        elif document.kind != row.kind:
            problem = StepProblem(
                ProblemKind.NOT_ALLOWED, "kind", "a document's kind never changes"
            )
        else:
            problem = form_problem(document.content, facts)
        if problem is not None:
            raise _refuse(problem)

    # -- consequences, once the write is applied ------------------------------

    def after_write(self, move: CaseMove) -> None:
        """Move the case on once the write ``move`` came from is applied."""
        case = self._case(move.case_id)
        record = move.record
        status = CaseStatus(case.status)
        if move.step is not None:
            status = status_after(status, move.step)
        facts = replace(self._facts(case), status=status)
        changes: dict[str, Any] = {
            "status": status,
            "follow_up_due": follow_up_due(facts, self.settings),
        }
        if status in CLOSED_CASE_STATUSES and case.closed_at is None:
            recorded = getattr(record, "recorded_at", self.now)
            changes["closed_at"] = max(recorded, _aware(case.opened_at))
        form = getattr(record, "content", None)
        if case.case_number is None and isinstance(form, AcceptanceForm):
            changes["case_number"] = self._number(case, form.accepted_on.year)
        changed = [name for name, value in changes.items() if getattr(case, name) != value]
        if not changed:
            return
        version = self.versions.next()
        for name in changed:
            setattr(case, name, changes[name])
        case.version = version
        case.updated_at = self.now
        case.field_versions = {**case.field_versions, **dict.fromkeys(changed, version)}

    def _number(self, case: Any, year: int) -> str:
        unit = self.workspace.get(TableName.ORG_UNITS, case.org_unit_id)
        number = draw_case_number(self.workspace.session, case.org_unit_id, year)
        return format_case_number(year, unit_short_name(unit.short_name, unit.name), number)

    # -- reading the case ------------------------------------------------------

    def _case(self, case_id: UUID) -> Any:
        """The case (``owner_scope`` has checked it exists and is live),
        locked if the push has not locked it yet (a sealed agreement's
        mutation need not name its case)."""
        self.workspace.load(TableName.CASES, [case_id], lock=True)
        return self.workspace.get(TableName.CASES, case_id)

    def _facts(self, case: Any) -> CaseFacts:
        """The case's facts from its live parties, documents and agreements,
        including those this push wrote so far."""
        self.workspace.insert_new()
        session = self.workspace.session
        parties = session.execute(
            select(col(PartyRow.id), col(PartyRow.name)).where(
                col(PartyRow.case_id) == case.id, col(PartyRow.deleted).is_(False)
            )
        ).all()
        documents = session.scalars(
            select(CaseDocumentRow).where(
                col(CaseDocumentRow.case_id) == case.id, col(CaseDocumentRow.deleted).is_(False)
            )
        ).all()
        agreements = session.scalars(
            select(AgreementRow).where(
                col(AgreementRow.case_id) == case.id,
                col(AgreementRow.deleted).is_(False),
                col(AgreementRow.status) == AgreementStatus.SIGNED.value,
            )
        ).all()
        return facts_of(
            CaseStatus(case.status),
            [(party_id, name) for party_id, name in parties],
            [(row.id, document_fields(row)) for row in documents],
            [(row.id, agreement_fields(row)) for row in agreements],
            self.zone,
        )


def document_fields(row: Any) -> CaseDocumentFields:
    """A stored document as the shared model (its form parsed by kind)."""
    wire = row_to_wire(TableName.CASE_DOCUMENTS, row)
    return CaseDocumentFields.model_validate(
        {name: wire[name] for name in WRITABLE_FIELDS[TableName.CASE_DOCUMENTS]}
    )


def _seals(agreement: Any, row: Any) -> bool:
    """Whether this write is the one that seals the agreement."""
    return agreement.status is AgreementStatus.SIGNED and (
        row is None or row.status != AgreementStatus.SIGNED
    )


def _aware(at: datetime) -> datetime:
    """SQLite returns stored times naive (they are UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
