"""Between wire records (JSON values) and rows of the local tables.

Personal fields are encrypted on the way in and decrypted on the way out;
fields this app version does not know go to ``extra`` and come back out
unchanged, so a record from a newer server survives an edit here.
"""

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import JSON, Date, DateTime, Uuid

from field_app.security.cipher import FieldCipher
from field_app.storage.personal import PERSONAL_FIELDS, context
from field_app.storage.tables import LOCAL_TABLES
from shared_models.wire import to_json_value

Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _uuid(value: Any) -> Any:
    return None if value is None else UUID(str(value))


def _datetime(value: Any) -> Any:
    return None if value is None else datetime.fromisoformat(str(value))


def _date(value: Any) -> Any:
    return None if value is None else date.fromisoformat(str(value))


def _converters(table: str) -> dict[str, Converter]:
    converters: dict[str, Converter] = {}
    for column in LOCAL_TABLES[table].__table__.columns:  # type: ignore[attr-defined]
        kind = column.type
        if isinstance(kind, Uuid):
            converters[column.name] = _uuid
        elif isinstance(kind, DateTime):
            converters[column.name] = _datetime
        elif isinstance(kind, Date):
            converters[column.name] = _date
        elif isinstance(kind, JSON):
            converters[column.name] = _identity
        else:
            converters[column.name] = _identity
    return converters


CONVERTERS: dict[str, dict[str, Converter]] = {table: _converters(table) for table in LOCAL_TABLES}
COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(c for c in CONVERTERS[table] if c != "extra") for table in LOCAL_TABLES
}


class RecordCodec:
    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    def to_row(self, table: str, record: dict[str, JsonValue]) -> dict[str, Any]:
        """Column values for a wire record (personal fields encrypted)."""
        converters = CONVERTERS[table]
        personal = PERSONAL_FIELDS.get(table, frozenset())
        record_id = record["id"]
        row: dict[str, Any] = {}
        extra: dict[str, JsonValue] = {}
        for name, value in record.items():
            if name not in converters or name == "extra":
                extra[name] = value
            elif name in personal and value is not None:
                plain = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                row[name] = self.cipher.encrypt_text(plain, context(table, name, record_id))
            else:
                row[name] = converters[name](value)
        row["extra"] = extra
        return row

    def from_row(self, table: str, row: Any) -> dict[str, JsonValue]:
        """The wire record a row holds (personal fields decrypted)."""
        personal = PERSONAL_FIELDS.get(table, frozenset())
        record_id = row.id
        record: dict[str, JsonValue] = {}
        for name in COLUMNS[table]:
            value = getattr(row, name)
            if name in personal and value is not None:
                plain = self.cipher.decrypt_text(value, context(table, name, record_id))
                record[name] = (
                    plain if name not in _JSON_PERSONAL.get(table, ()) else json.loads(plain)
                )
            else:
                record[name] = to_json_value(value)
        record.update(row.extra or {})
        return record


_JSON_PERSONAL: dict[str, tuple[str, ...]] = {"agreements": ("parties",)}
"""Personal fields that hold JSON structures rather than text."""
