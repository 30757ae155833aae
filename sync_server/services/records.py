"""Between rows of the district database and records on the wire."""

from datetime import date, datetime
from enum import Enum
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, JsonValue
from sqlalchemy import Column
from sqlmodel import SQLModel

from shared_models.protocol.tables import TABLES, TableName
from sync_server.tables import (
    AgreementRow,
    AttachmentRow,
    CaseRow,
    ConflictRow,
    OrgUnitRow,
    PartyRow,
    ReviewRow,
    SubjectRow,
    UserRow,
    VisitRow,
)

ROWS: Final[dict[TableName, type[SQLModel]]] = {
    TableName.ORG_UNITS: OrgUnitRow,
    TableName.USERS: UserRow,
    TableName.CASES: CaseRow,
    TableName.PARTIES: PartyRow,
    TableName.SUBJECTS: SubjectRow,
    TableName.VISITS: VisitRow,
    TableName.ATTACHMENTS: AttachmentRow,
    TableName.AGREEMENTS: AgreementRow,
    TableName.REVIEWS: ReviewRow,
    TableName.CONFLICTS: ConflictRow,
}

WIRE_FIELDS: Final[dict[TableName, tuple[str, ...]]] = {
    name: tuple(spec.record.model_fields) for name, spec in TABLES.items()
}
"""The columns a device sees, per table (never scope columns or password hashes)."""

WRITABLE_FIELDS: Final[dict[TableName, frozenset[str]]] = {
    name: frozenset(spec.fields.model_fields) for name, spec in TABLES.items()
}


def wire_columns(table: TableName) -> list[Column[Any]]:
    """The table's columns in ``WIRE_FIELDS`` order, for a Core select."""
    sa_table = ROWS[table].__table__  # type: ignore[attr-defined]
    return [sa_table.c[name] for name in WIRE_FIELDS[table]]


def to_json_value(value: Any) -> JsonValue:
    """One column value as JSON (the same forms pydantic produces)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z") if value.tzinfo else value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return to_json_value(value.model_dump())
    if isinstance(value, Enum):
        return to_json_value(value.value)
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    raise TypeError(f"cannot put a {type(value).__name__} on the wire")


def wire_record(table: TableName, values: tuple[Any, ...] | list[Any]) -> dict[str, JsonValue]:
    """A record on the wire from column values in ``WIRE_FIELDS`` order."""
    return {
        name: to_json_value(value) for name, value in zip(WIRE_FIELDS[table], values, strict=True)
    }


def row_to_wire(table: TableName, row: SQLModel) -> dict[str, JsonValue]:
    return wire_record(table, [getattr(row, name) for name in WIRE_FIELDS[table]])
