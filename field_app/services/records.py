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

from field_app.storage.store import LocalStore, SaveRejectedError
from field_app.storage.tables import LOCAL_TABLES, LocalOrgUnit
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
    return [as_record(model, store.codec.from_row(table, row)) for row in session.scalars(query)]


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
