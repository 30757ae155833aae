"""A pull's changes as JSON text, written by the database.

A page is thousands of records; building a ``Change`` per record only to
serialise it again cost most of a pull. On PostgreSQL the page statement
writes each change's JSON itself (``pg_change_json``); on SQLite the
database writes ids and times as wire text (``wire_select``) and Python
joins the rest (``change_text``). Both give the same JSON as ``row_to_wire``
(``tests/sync_server/test_pull_encoding.py`` compares them for every table).
"""

import json
from collections.abc import Callable, Sequence
from functools import cache, reduce
from operator import add
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    TypeDecorator,
    Uuid,
    case,
    cast,
    func,
    literal_column,
    type_coerce,
)
from sqlalchemy.types import TypeEngine

from shared_models.protocol.tables import TableName
from sync_server.services.sync.records import (
    ROWS,
    WIRE_FIELDS,
    Converter,
    wire_columns,
    wire_converters,
)


def change_text(table: TableName, values: Sequence[Any]) -> bytes:
    """One change as JSON from its wire columns (the path for SQLite)."""
    record: dict[str, Any] = dict(zip(WIRE_FIELDS[table], values, strict=True))
    for name, convert in wire_select(table)[1]:
        value = record[name]
        if value is not None:
            record[name] = convert(value)
    if record["deleted"]:
        change = {"table": table.value, "op": "delete", "record": _tombstone(record)}
    else:
        change = {"table": table.value, "op": "upsert", "record": record}
    return json.dumps(change, ensure_ascii=False, separators=(",", ":")).encode()


def _tombstone(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in TOMBSTONE_FIELDS}


@cache
def pg_change_json(table: TableName) -> Any:
    """One change of ``table`` as JSON text, written by PostgreSQL.

    The same JSON as ``row_to_wire`` (a test compares them for every
    table), concatenated as text: ``json_build_object`` looks up the output
    function of every argument on every call, about 6 µs a visit (30 ms of
    a page of 5,000); concatenation, each column's SQL chosen once from its
    type (``_pg_json_value``), writes the same page in about 18 ms. The
    price is paid once per process: the page statements take about 20 ms
    longer to build and compile.
    """
    model: Any = ROWS[table]
    head = f'{{"table":"{table.value}","op":'
    delete = [head + '"delete","record":', *_pg_record(model, TOMBSTONE_FIELDS), "}"]
    upsert = [head + '"upsert","record":', *_pg_record(model, WIRE_FIELDS[table]), "}"]
    return case((model.deleted, _pg_concat(delete)), else_=_pg_concat(upsert))


def _pg_record(model: Any, names: Sequence[str]) -> list[Any]:
    """A JSON object of the named columns, as pieces for ``_pg_concat``:
    constant text (``str``) and each column's value, ``null`` for NULL."""
    pieces: list[Any] = []
    for index, name in enumerate(names):
        pieces.append(("{" if index == 0 else ",") + json.dumps(name) + ":")
        value = _pg_json_value(model.__table__.c[name])
        pieces.append(func.coalesce(value, _sql_constant("null")))
    pieces.append("}")
    return pieces


def _pg_concat(pieces: Sequence[Any]) -> Any:
    """The pieces joined with ``||``, neighbouring constants as one.

    ``||`` on text needs no per-row type look-up (``concat`` does one per
    argument). ``+`` on text is ``||`` to SQLAlchemy, kept as one flat list:
    quicker to build and compile than nested ``op("||")`` pairs.
    """
    merged: list[Any] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    parts = [_sql_constant(piece) if isinstance(piece, str) else piece for piece in merged]
    return reduce(add, parts)


@cache
def _pg_json_value(column: Any) -> Any:
    """``column`` as JSON text (NULL where it is NULL), by its type; built
    once per column (a tombstone and its record share them)."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    for kind, write in _PG_JSON_WRITERS:
        if isinstance(column_type, kind):
            return write(column)
    raise TypeError(f"no JSON form for {column} ({column_type!r})")


def _pg_quoted(text: Any) -> Any:
    """Text that needs no escaping (ids, times) as a JSON string."""
    return _sql_constant('"') + text + _sql_constant('"')


def _pg_time_json(column: Any) -> Any:
    if not column.type.timezone:
        raise TypeError(f"{column} has no time zone: its UTC time is unknown")
    return _pg_quoted(_pg_utc_text(column))


def _pg_as_text(column: Any) -> Any:
    return cast(column, Text)


def _pg_to_json(column: Any) -> Any:
    return cast(func.to_json(column), Text)


_PG_JSON_WRITERS: tuple[tuple[type[TypeEngine[Any]], Callable[[Any], Any]], ...] = (
    (Uuid, lambda column: _pg_quoted(cast(column, Text))),
    (DateTime, _pg_time_json),
    # Their text is JSON as it is (``true``, ``42``, the stored document).
    (Boolean, _pg_as_text),
    (Integer, _pg_as_text),
    (JSON, _pg_as_text),
    # PostgreSQL's JSON forms: escaped strings, no bare ``NaN``, ISO dates
    # whatever the DateStyle (``date::text`` follows it).
    (String, _pg_to_json),
    (Float, _pg_to_json),
    (Date, _pg_to_json),
)
"""How each column type is written as JSON text, first match wins."""


@cache
def _sql_constant(value: str) -> Any:
    """A constant string written into the statement, not a bound parameter:
    the page statement is compiled once and only its parameters change;
    the names and punctuation of the JSON are part of the statement. Only
    our own names and formats come here. One object per constant: the
    statement uses ``null`` and ``"`` hundreds of times."""
    if "%" in value or "'" in value:
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'", Text)


@cache
def wire_select(table: TableName) -> tuple[list[Any], tuple[tuple[str, Converter], ...]]:
    """SQLite's columns for ``table`` and the converters still needed.

    SQLite writes ids and times as wire text itself: parsing each value
    into a ``UUID`` or a zone-aware ``datetime`` only to print it again was
    most of the cost of a page.
    """
    columns: list[Any] = wire_columns(table)
    converters = wire_converters(table)
    as_text = set()
    selected = []
    for column in columns:
        if isinstance(column.type, Uuid):
            selected.append(_sqlite_uuid_text(column).label(column.name))
        elif isinstance(column.type, DateTime) and column.type.timezone:
            selected.append(_sqlite_utc_text(column).label(column.name))
        else:
            selected.append(column)
            continue
        as_text.add(column.name)
    return selected, tuple(item for item in converters if item[0] not in as_text)


def _pg_utc_text(column: Any) -> Any:
    """``datetime_json`` in SQL: ISO 8601 in UTC with ``Z``, the fraction
    left out when it is zero (as ``datetime.isoformat`` does)."""
    utc = func.timezone(_sql_constant("UTC"), column)
    text = func.to_char(utc, _sql_constant('YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    return func.replace(text, _sql_constant(".000000Z"), _sql_constant("Z"))


def _sqlite_uuid_text(column: Any) -> Any:
    """SQLAlchemy keeps a UUID in SQLite as 32 hex digits: put the dashes in."""
    raw = type_coerce(column, Text)
    parts = [func.substr(raw, start, length) for start, length in _UUID_GROUPS]
    dashed: Any = parts[0]
    for part in parts[1:]:
        dashed = dashed.op("||")("-").op("||")(part)
    return func.lower(dashed)


_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _sqlite_utc_text(column: Any) -> Any:
    """SQLAlchemy keeps a time in SQLite as naive UTC text
    ``YYYY-MM-DD HH:MM:SS.ffffff``; on the wire it is ``datetime_json``."""
    raw = func.replace(type_coerce(column, Text), " ", "T").op("||")("Z")
    return func.replace(raw, ".000000Z", "Z")


TOMBSTONE_FIELDS = ("id", "version", "updated_at", "deleted")
