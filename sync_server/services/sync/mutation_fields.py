"""What a pushed mutation may set, and its values checked against the
table's schema: the checks every mutation of a push passes before anything
is written (``push.py`` applies them in order)."""

from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator
from sqlalchemy import JSON
from sqlmodel import SQLModel

from shared_models.domain.base import SERVER_OWNED_FIELDS
from shared_models.problems import first_problem
from shared_models.protocol.errors import ErrorCode, MutationError
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value
from sync_server.core.errors import printable
from sync_server.services.sync.records import ROWS, WRITABLE_FIELDS


class MutationRejectedError(Exception):
    """A mutation that cannot be applied, with the code and field to show."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        # A hostile field name is quoted back; it must stay encodable.
        self.error = MutationError(
            code=code, message=printable(message), field=None if field is None else printable(field)
        )


def check_fields(table: TableName, fields: dict[str, Any]) -> None:
    """Refuse a mutation that sets a field a device may not set."""
    if not fields.keys() <= DEVICE_FIELDS[table]:  # a set test, in C
        _refuse_fields(table, fields)


def _refuse_fields(table: TableName, fields: dict[str, Any]) -> None:
    """Reject the first of ``fields`` a device may not set, in the order sent."""
    writable = WRITABLE_FIELDS[table]
    for name in fields:
        if name in _SET_BY_SERVER or name in TABLES[table].server_fields:
            raise MutationRejectedError(
                ErrorCode.VALIDATION_FAILED, f"{name} is set by the server", name
            )
        if name not in writable:
            raise MutationRejectedError(
                ErrorCode.VALIDATION_FAILED, f"{table} has no field {name}", name
            )


def validate(table: TableName, values: dict[str, Any]) -> Any:
    try:
        # The schema's validator, filling a new instance directly: what
        # ``SQLModel.model_validate`` does, without copying the instance's
        # state around it, and without the validator calling SQLModel's
        # ``__init__``, which would run the validation a second time. The
        # instance is a bare object: the validator sets every attribute a
        # model has (SQLModel's ``__new__`` would set them first, in Python).
        schema = TABLES[table].fields
        validated = object.__new__(schema)
        _VALIDATORS[table].validate_python(values, self_instance=validated)
        return validated
    except ValidationError as error:
        field_name, message = first_problem(error)
        raise MutationRejectedError(ErrorCode.VALIDATION_FAILED, message, field_name) from None


def column_values(table: TableName, validated: SQLModel) -> dict[str, Any]:
    """Python values for the row: what JSON columns hold as JSON, the rest as
    validated. (The instance's ``__dict__`` is its field values; copying it
    is a tenth of the cost of reading each field, and this runs per mutation.)"""
    values = dict(validated.__dict__)
    for name in _JSON_FIELDS[table]:
        value = values[name]
        if value:  # None and an empty list are JSON already (most visits mark no obligations)
            values[name] = to_json_value(value)
    return values


_VALIDATORS: dict[TableName, SchemaValidator] = {
    name: spec.fields.__pydantic_validator__  # type: ignore[misc]
    for name, spec in TABLES.items()
}

_SET_BY_SERVER = SERVER_OWNED_FIELDS | {"countersignature"}
"""Fields only the server writes, though some tables' schemas carry them."""

DEVICE_FIELDS: dict[TableName, frozenset[str]] = {
    name: writable - _SET_BY_SERVER - TABLES[name].server_fields
    for name, writable in WRITABLE_FIELDS.items()
}
"""Per table, the fields a device may set (``_refuse_fields`` names any other)."""

_JSON_FIELDS: dict[TableName, tuple[str, ...]] = {
    name: tuple(
        field
        for field in spec.fields.model_fields
        if isinstance(ROWS[name].__table__.c[field].type, JSON)  # type: ignore[attr-defined]
    )
    for name, spec in TABLES.items()
}
"""Per table, the writable fields kept in JSON columns (lists, models)."""
