"""One case's records, read in the caller's jurisdiction, as the shared
``CaseFileSources`` the case file and its completeness check are made of.

The case is looked up through ``JurisdictionScope`` (404 outside the
office, or for a role that does not read mediation); what hangs off it is
read with the same scope filter, so a record placed elsewhere never enters
the file. A stored record that no longer validates as the contract says is
left out, never printed half-read.
"""

import logging
from collections.abc import Iterable
from datetime import date, tzinfo
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from shared_models.case_file_text import CaseFileSources
from shared_models.domain import (
    AgreementFields,
    AttachmentFields,
    CaseDocumentFields,
    CaseFields,
    PartyFields,
    VisitFields,
)
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.sync.records import WRITABLE_FIELDS, row_to_wire
from sync_server.tables import (
    AgreementRow,
    AttachmentRow,
    CaseDocumentRow,
    CaseRow,
    OrgUnitRow,
    PartyRow,
    UserRow,
    VisitRow,
)

log = logging.getLogger(__name__)
F = TypeVar("F", bound=BaseModel)


def as_fields(table: TableName, row: Any, model: type[F]) -> F:
    """A stored row as the contract's fields (``ValidationError`` if it no longer is)."""
    wire = row_to_wire(table, row)
    return model.model_validate({name: wire[name] for name in WRITABLE_FIELDS[table]})


def valid_fields(table: TableName, rows: Iterable[Any], model: type[F]) -> list[tuple[UUID, F]]:
    """``(id, fields)`` of each row that still validates (the others are logged)."""
    found: list[tuple[UUID, F]] = []
    for row in rows:
        try:
            found.append((row.id, as_fields(table, row, model)))
        except ValidationError:
            log.warning("case file: %s %s no longer validates; left out", table, row.id)
    return found


def _of_case(
    session: Session, scope: JurisdictionScope, table: TableName, model: Any, owner: Any, ids: Any
) -> list[Any]:
    """Live rows of ``model`` in scope whose ``owner`` column is one of ``ids``."""
    return list(
        session.exec(
            select(model)
            .where(
                col(owner).in_(ids),
                col(model.deleted).is_(False),
                scope.row_filter(table, model),
            )
            .order_by(col(model.version))
        )
    )


def case_file_sources(
    session: Session,
    scope: JurisdictionScope,
    case_id: UUID,
    settings: MediationSettings,
    today: date,
    zone: tzinfo,
) -> CaseFileSources:
    """The records of case ``case_id`` (``NotInScopeError`` outside the jurisdiction)."""
    row = scope.get(session, CaseRow, case_id, live=True, what="case", field="case_id")
    case = as_fields(TableName.CASES, row, CaseFields)
    parts: dict[TableName, tuple[Any, type[BaseModel]]] = {
        TableName.PARTIES: (PartyRow, PartyFields),
        TableName.CASE_DOCUMENTS: (CaseDocumentRow, CaseDocumentFields),
        TableName.VISITS: (VisitRow, VisitFields),
        TableName.AGREEMENTS: (AgreementRow, AgreementFields),
    }
    found: dict[TableName, list[Any]] = {}
    for table, (model, fields) in parts.items():
        rows = _of_case(session, scope, table, model, model.case_id, [case_id])
        found[table] = valid_fields(table, rows, fields)
    owners = [
        case_id,
        *(i for table in parts for i, _ in found[table] if table is not TableName.PARTIES),
    ]
    attachments = valid_fields(
        TableName.ATTACHMENTS,
        _of_case(
            session, scope, TableName.ATTACHMENTS, AttachmentRow, AttachmentRow.owner_id, owners
        ),
        AttachmentFields,
    )
    committee = session.get(OrgUnitRow, case.org_unit_id)
    mediator = None if case.mediator_id is None else session.get(UserRow, case.mediator_id)
    return CaseFileSources(
        case=case,
        parties=found[TableName.PARTIES],
        documents=found[TableName.CASE_DOCUMENTS],
        visits=found[TableName.VISITS],
        agreements=found[TableName.AGREEMENTS],
        attachments=attachments,
        committee_name=committee.name if committee is not None else "",
        mediator_name=mediator.display_name if mediator is not None else "",
        today=today,
        zone=zone,
        settings=settings,
    )
