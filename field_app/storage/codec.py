"""Between wire records (JSON values) and rows of the local tables.

Personal fields are encrypted on the way in and decrypted on the way out;
fields this app version does not know go to ``extra`` (sealed as one
ciphertext, since a newer field may be personal) and come back out
unchanged, so a record from a newer server survives an edit here.
"""

import functools
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import JSON, Date, DateTime, Dialect, Uuid

from field_app.security.cipher import FieldCipher
from field_app.storage.personal import EXTRA_FIELD, JSON_PERSONAL, PERSONAL_FIELDS, context
from field_app.storage.tables import LOCAL_TABLES
from shared_models.wire import to_json_value

Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _uuid(value: Any) -> Any:
    return None if value is None else UUID(str(value))


_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


_STORED_UUID = re.compile(r"[0-9a-f]{32}")


def uuid_hex(value: Any) -> str:
    """``UUID(value).hex``, without building a ``UUID`` for the canonical
    text form every id on the wire has, or the 32 digits SQLite stores
    (anything else is parsed, and refused if it is no UUID)."""
    if isinstance(value, str):
        if _STORED_UUID.fullmatch(value):
            return value
        if _CANONICAL_UUID.fullmatch(value):
            return value.replace("-", "").lower()
    return UUID(str(value)).hex


def _uuid_hex_or_none(value: Any) -> str | None:
    return None if value is None else uuid_hex(value)


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


@cache
def stored_converters(table: str, dialect: Dialect) -> dict[str, Converter]:
    """Per column of ``table``: a wire value to the value the database keeps,
    that is the column's converter followed by SQLAlchemy's bind processor
    for ``dialect``, composed once. Writing a pulled page through the DBAPI
    with these stores exactly what ``insert``/``update`` of ``to_row``
    values would, without SQLAlchemy's per-row parameter handling."""
    stored: dict[str, Converter] = {}
    for column in LOCAL_TABLES[table].__table__.columns:  # type: ignore[attr-defined]
        convert = CONVERTERS[table][column.name]
        process = column.type._cached_bind_processor(dialect)
        stored[column.name] = _composed(convert, process)
        if convert is _uuid and process is not None and process(_SAMPLE_ID) == _SAMPLE_ID.hex:
            stored[column.name] = _uuid_hex_or_none  # the same text, one step
    return stored


_SAMPLE_ID = UUID("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")


def _composed(convert: Converter, process: Converter | None) -> Converter:
    if process is None:
        return convert
    if convert is _identity:
        return process
    return lambda value: process(convert(value))


@cache
def stored_processors(table: str, dialect: Dialect) -> dict[str, Converter]:
    """Per column: SQLAlchemy's bind processor alone (identity where it has
    none), for values that are already column values (ciphertext, ``extra``)."""
    return {
        column.name: column.type._cached_bind_processor(dialect) or _identity
        for column in LOCAL_TABLES[table].__table__.columns  # type: ignore[attr-defined]
    }


READ_CACHE = 16_384
"""Decrypted values the codec remembers (about 5 MB at most). The screens
read the same rows again and again (every list reloads after each sync
round): a remembered value costs a dictionary lookup where decrypting it
costs an AES-GCM call and its conversions. Keyed by ciphertext AND where it
lives, so a ciphertext moved elsewhere still fails to decrypt; the cache
goes with the store when the app locks."""


class RecordCodec:
    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher
        self._read = functools.lru_cache(maxsize=READ_CACHE)(cipher.decrypt_text)

    def seal(self, table: str, name: str, value: JsonValue, record_id: object) -> str:
        """The ciphertext of personal field ``name`` (text as itself, any
        other value as its JSON)."""
        plain = (
            value
            if isinstance(value, str) and name not in JSON_PERSONAL.get(table, ())
            else json.dumps(value, ensure_ascii=False)
        )
        return self.cipher.encrypt_text(plain, context(table, name, record_id))

    def unseal(
        self, table: str, name: str, sealed: str, record_id: object, remember: bool = True
    ) -> JsonValue:
        """The wire value of personal field ``name`` from its ciphertext
        (``remember=False``: once-only reads, such as indexing, that would
        only push the screens' values out of the cache)."""
        decrypt = self._read if remember else self.cipher.decrypt_text
        plain = decrypt(sealed, context(table, name, record_id))
        if name in JSON_PERSONAL.get(table, ()):
            value: JsonValue = json.loads(plain)
            return value
        return plain

    def _extra(self, table: str, extra: dict[str, JsonValue], record_id: object) -> Any:
        """``extra`` as stored: ``{}``, or one ciphertext of all of it."""
        if not extra:
            return {}
        plain = json.dumps(extra, ensure_ascii=False)
        return self.cipher.encrypt_text(plain, context(table, EXTRA_FIELD, record_id))

    def to_row(self, table: str, record: dict[str, JsonValue]) -> dict[str, Any]:
        """Column values for a wire record (personal fields encrypted)."""
        converters = CONVERTERS[table]
        personal = PERSONAL_FIELDS.get(table, frozenset())
        record_id = record["id"]
        row: dict[str, Any] = {}
        extra: dict[str, JsonValue] = {}
        for name, value in record.items():
            if name not in converters or name == EXTRA_FIELD:
                extra[name] = value
            elif name in personal and value is not None:
                row[name] = self.seal(table, name, value, record_id)
            else:
                row[name] = converters[name](value)
        row[EXTRA_FIELD] = self._extra(table, extra, record_id)
        return row

    def to_stored(
        self, table: str, record: dict[str, JsonValue], dialect: Dialect
    ) -> dict[str, Any]:
        """``to_row`` as the database stores it (see ``stored_converters``)."""
        converters = stored_converters(table, dialect)
        processors = stored_processors(table, dialect)
        personal = PERSONAL_FIELDS.get(table, frozenset())
        record_id = record["id"]
        row: dict[str, Any] = {}
        extra: dict[str, JsonValue] = {}
        for name, value in record.items():
            convert = converters.get(name)
            if convert is None or name == EXTRA_FIELD:
                extra[name] = value
            elif name in personal and value is not None:
                row[name] = processors[name](self.seal(table, name, value, record_id))
            else:
                row[name] = convert(value)
        row[EXTRA_FIELD] = processors[EXTRA_FIELD](self._extra(table, extra, record_id))
        return row

    def from_row(self, table: str, row: Any) -> dict[str, JsonValue]:
        """The wire record a row holds (personal fields decrypted)."""
        personal = PERSONAL_FIELDS.get(table, frozenset())
        record_id = str(row.id)  # once per row, not once per encrypted field
        record: dict[str, JsonValue] = {}
        for name in COLUMNS[table]:
            value = getattr(row, name)
            if name in personal and value is not None:
                record[name] = self.unseal(table, name, value, record_id)
            else:
                record[name] = to_json_value(value)
        extra = row.extra
        if isinstance(extra, str):
            plain = self.cipher.decrypt_text(extra, context(table, EXTRA_FIELD, record_id))
            extra = json.loads(plain)
        record.update(extra or {})
        return record
