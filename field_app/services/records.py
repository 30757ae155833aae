"""Typed records for the screens, read through the local store.

The store speaks wire records (JSON values, personal fields already
decrypted); services hand the screens the shared ``*Record`` models instead,
so business logic never passes ``dict[str, Any]`` around. Fields a newer
server sent that this app version does not know stay in the store (and in
the next push) but are not part of the typed view.
"""

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from pydantic import JsonValue, ValidationError
from sqlalchemy import select
from sqlmodel import Session, SQLModel, col

from field_app.errors import SaveRejectedError
from field_app.storage.store import LocalStore
from field_app.storage.tables import (
    LOCAL_TABLES,
    LocalCaseDocument,
    LocalOrgUnit,
    LocalParty,
    LocalVisit,
)
from shared_models.domain import org
from shared_models.problems import first_problem
from shared_models.protocol.tables import TABLES, TableName

R = TypeVar("R", bound=SQLModel)


def as_record(model: type[R], record: Mapping[str, JsonValue]) -> R:
    """The typed record (``CaseRecord``, ``VisitRecord``…) of a wire record."""
    known = model.model_fields
    return model.model_validate({name: value for name, value in record.items() if name in known})


def typed(table: TableName, record: Mapping[str, JsonValue]) -> SQLModel:
    return as_record(TABLES[table].record, record)


def read_rows(
    store: LocalStore, session: Session, table: TableName, model: type[R], query: Any
) -> list[R]:
    """Rows of ``query`` (a select of ``table``'s local model) as typed records."""
    return [as_record(model, record) for record in store.records.rows(session, table, query)]


def stored_fields(
    store: LocalStore, table: str, record_id: UUID, include_deleted: bool = False
) -> dict[str, JsonValue]:
    """A record's fields as the device holds them (the user's unsynced edits
    included); empty when it holds none. ``include_deleted``: a deleted
    record's last fields too (a conflict may name one)."""
    if table not in LOCAL_TABLES:
        return {}
    if not include_deleted:
        return store.records.get(table, record_id) or {}
    with store.transaction() as session:
        row = session.get(LOCAL_TABLES[table], record_id)
        return {} if row is None else store.codec.from_row(table, row)


def record_owner(store: LocalStore, table: str, record_id: UUID) -> tuple[TableName, UUID] | None:
    """Where a record is shown: a case, subject or agreement itself; a party,
    a case document or a visit its case (or a visit its subject); ``None``
    for anything else."""
    if table in (TableName.CASES, TableName.SUBJECTS, TableName.AGREEMENTS):
        return TableName(table), record_id
    with store.transaction() as session:
        if table == TableName.PARTIES:
            party = session.get(LocalParty, record_id)
            return (TableName.CASES, party.case_id) if party else None
        if table == TableName.CASE_DOCUMENTS:
            document = session.get(LocalCaseDocument, record_id)
            return (TableName.CASES, document.case_id) if document else None
        if table == TableName.VISITS:
            visit = session.get(LocalVisit, record_id)
            if visit is not None and visit.case_id is not None:
                return TableName.CASES, visit.case_id
            if visit is not None and visit.subject_id is not None:
                return TableName.SUBJECTS, visit.subject_id
    return None


def live(table: TableName) -> Any:
    """A select of the table's records that are not deleted."""
    model: Any = LOCAL_TABLES[table]
    return select(model).where(col(model.deleted).is_(False))


def validate_fields(model: type[SQLModel], fields: Mapping[str, Any], prefix: str = "") -> None:
    """Check ``fields`` as the store will, before anything is written, so a
    form with several records fails as a whole and names the field."""
    try:
        model.model_validate(dict(fields))
    except ValidationError as error:
        where, message = first_problem(error)
        raise SaveRejectedError(f"{prefix}{where}" if where else prefix or None, message) from None


def units_below(session: Session, unit_id: UUID) -> frozenset[UUID]:
    """``unit_id`` and every org unit under it, from the synced org units
    (the district's one tree rule, ``shared_models.domain.org.units_below``)."""
    edges = session.execute(
        select(col(LocalOrgUnit.id), col(LocalOrgUnit.parent_id)).where(
            col(LocalOrgUnit.deleted).is_(False)
        )
    )
    return org.units_below(((unit, parent) for unit, parent in edges), unit_id)
