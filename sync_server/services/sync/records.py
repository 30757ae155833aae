"""Between rows of the district database and records on the wire."""

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any, Final
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import JSON, Column, TypeDecorator
from sqlmodel import SQLModel

from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import datetime_json, to_json_value
from sync_server.tables import (
    AgreementRow,
    AttachmentRow,
    CaseRow,
    ConflictRow,
    OrgUnitRow,
    PartyRow,
    ReviewRow,
    SubjectEventRow,
    SubjectRow,
    UserRow,
    VisitRow,
)
from sync_server.tables.mediation import CaseDocumentRow

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
    TableName.CASE_DOCUMENTS: CaseDocumentRow,
    TableName.SUBJECT_EVENTS: SubjectEventRow,
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


def _uuid_json(value: UUID) -> str:
    return str(value)


def _date_json(value: date) -> str:
    return value.isoformat()


Converter = Callable[[Any], JsonValue]

_PLAIN_TYPES = (str, int, float, bool)
_CONVERTERS: dict[type[Any], Converter] = {
    UUID: _uuid_json,
    datetime: datetime_json,
    date: _date_json,
}


@cache
def wire_converters(table: TableName) -> tuple[tuple[str, Converter], ...]:
    """The wire columns of ``table`` whose database values need converting,
    each with its converter; every other column is already JSON as read.

    Pull turns hundreds of thousands of column values into JSON, so the
    type of each column is looked at once here, not once per value.
    """
    converters: list[tuple[str, Converter]] = []
    for column in wire_columns(table):
        column_type = column.type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        if isinstance(column_type, JSON):
            continue  # the driver parsed it from JSON: JSON values already
        try:
            python_type = column_type.python_type
        except NotImplementedError:
            python_type = object
        if python_type in _PLAIN_TYPES:
            continue
        converters.append((column.name, _CONVERTERS.get(python_type, to_json_value)))
    return tuple(converters)


def wire_record(table: TableName, values: tuple[Any, ...] | list[Any]) -> dict[str, JsonValue]:
    """A record on the wire from column values in ``WIRE_FIELDS`` order."""
    return {
        name: to_json_value(value) for name, value in zip(WIRE_FIELDS[table], values, strict=True)
    }


def row_to_wire(table: TableName, row: SQLModel) -> dict[str, JsonValue]:
    return wire_record(table, [getattr(row, name) for name in WIRE_FIELDS[table]])


def writable_values(table: TableName, row: SQLModel) -> dict[str, JsonValue]:
    """What a device may write of a stored row, as the wire carries it: the
    current values a push's fields are merged with."""
    wire = row_to_wire(table, row)
    return {name: wire[name] for name in WRITABLE_FIELDS[table]}
