"""encrypt every personal value at rest; a blind-only search index

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 04:30:00

Devices in the field hold party names inside agreements' JSON (signatures,
obligations), conflicts' overwritten values, case titles and descriptions,
visit notes and outcomes with their GPS, captions, review comments, the
subject's birth date, term and kind of sentence, and fields a newer server
sent (``extra``) in clear, and a search index of plain words. This
revision encrypts each of them in place with the device's data key (which
the app hands to the migration: ``config.attributes["cipher"]``), turns
the columns that held dates, a flag and coordinates into TEXT (they hold
ciphertext now), and replaces the search index with one of blind tokens
only (dropped here; the app rebuilds it after an upgrade). The app then
vacuums the database and truncates its WAL, so no page of the old plain
values is left in a free list or the log (``storage/db.py``).

The field lists are written out here, as they are at this revision: a later
change of ``personal.py`` must bring its own migration.
"""

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = "text"
_JSON_TEXT = "json in a JSON column"
_BOOL = "a boolean, sealed as JSON"
_FLOAT = "a number, sealed as JSON"
_DATE = "a date, sealed as its text"

NEWLY_SEALED: dict[str, dict[str, str]] = {
    "subjects": {
        "gender": _TEXT,
        "birth_date": _DATE,
        "correction_type": _TEXT,
        "term_start": _DATE,
        "term_end": _DATE,
        "key_person": _BOOL,
    },
    "cases": {"title": _TEXT, "description": _TEXT},
    "visits": {
        "notes": _TEXT,
        "outcome": _TEXT,
        "lat": _FLOAT,
        "lon": _FLOAT,
        "obligation_checks": _JSON_TEXT,
    },
    "attachments": {"caption": _TEXT},
    "agreements": {
        "facts": _TEXT,
        "obligations": _JSON_TEXT,
        "performance_method": _TEXT,
        "signatures": _JSON_TEXT,
    },
    "reviews": {"comment": _TEXT},
    "conflicts": {"overwritten_value": _JSON_TEXT, "current_value": _JSON_TEXT},
}
"""Per table, the fields that were plain before this revision, and how their
value was stored. (Parties' and subjects' names, ID numbers, phones and
addresses and agreements' ``parties`` were already ciphertext.)"""

RETYPED: dict[str, tuple[str, ...]] = {
    "subjects": ("gender", "birth_date", "correction_type", "term_start", "term_end", "key_person"),
    "visits": ("lat", "lon"),
}
"""Columns whose declared type could not hold ciphertext (or not by name)."""

_TABLES = (
    "org_units",
    "users",
    "cases",
    "parties",
    "subjects",
    "visits",
    "attachments",
    "agreements",
    "reviews",
    "conflicts",
)


class _Sealer:
    """Encrypts as ``RecordCodec.seal`` does, with the key the app passed."""

    def __init__(self, cipher: Any) -> None:
        self.cipher = cipher

    def text(self, plain: str, where: str) -> str:
        if self.cipher is None:
            raise RuntimeError(
                "local revision 0004 encrypts stored values and needs the data key: "
                "open the data through the app (open_local_data), not bare migrate()"
            )
        sealed: str = self.cipher.encrypt_text(plain, where)
        return sealed


def _record_id(stored: str) -> str:
    return str(UUID(hex=stored))


def _plain(kind: str, value: Any) -> str | None:
    """The plaintext the app's codec seals for a stored plain value."""
    if kind in (_TEXT, _DATE):
        return str(value)
    if kind == _JSON_TEXT:
        return json.dumps(json.loads(value), ensure_ascii=False)
    if kind == _BOOL:
        return json.dumps(bool(value))
    return json.dumps(float(value))


def _seal_values(connection: Any, sealer: _Sealer) -> None:
    for table, fields in NEWLY_SEALED.items():
        for field, kind in fields.items():
            rows = connection.exec_driver_sql(
                f'SELECT id, "{field}" FROM "{table}" WHERE "{field}" IS NOT NULL'  # noqa: S608
            ).fetchall()
            updates = []
            for stored_id, value in rows:
                plain = _plain(kind, value)
                sealed = sealer.text(plain, f"{table}.{field}.{_record_id(stored_id)}")
                updates.append((json.dumps(sealed) if kind == _JSON_TEXT else sealed, stored_id))
            if updates:
                connection.exec_driver_sql(
                    f'UPDATE "{table}" SET "{field}" = ? WHERE id = ?',  # noqa: S608
                    updates,
                )


def _seal_extra(connection: Any, sealer: _Sealer) -> None:
    for table in _TABLES:
        rows = connection.exec_driver_sql(
            f"SELECT id, extra FROM \"{table}\" WHERE extra NOT IN ('{{}}', 'null')"  # noqa: S608
        ).fetchall()
        updates = []
        for stored_id, extra in rows:
            loaded = json.loads(extra)
            if not loaded:
                continue
            plain = json.dumps(loaded, ensure_ascii=False)
            sealed = sealer.text(plain, f"{table}.extra.{_record_id(stored_id)}")
            updates.append((json.dumps(sealed), stored_id))
        if updates:
            connection.exec_driver_sql(
                f'UPDATE "{table}" SET extra = ? WHERE id = ?',  # noqa: S608
                updates,
            )


def _seal_outbox_errors(connection: Any, sealer: _Sealer) -> None:
    """A server's reason for refusing a change may quote the value refused."""
    rows = connection.exec_driver_sql(
        "SELECT seq, mutation_id, error_message FROM outbox WHERE error_message IS NOT NULL"
    ).fetchall()
    updates = [
        (sealer.text(message, f"outbox.error.{_record_id(mutation_id)}"), seq)
        for seq, mutation_id, message in rows
    ]
    if updates:
        connection.exec_driver_sql("UPDATE outbox SET error_message = ? WHERE seq = ?", updates)


def upgrade() -> None:
    """One transaction (SQLite's DDL is transactional): an interrupted upgrade
    leaves revision 0003 with its plain values, to be encrypted next start."""
    connection = op.get_bind()
    sealer = _Sealer(context.config.attributes.get("cipher"))
    # Sealed before the columns change type: the driver still reads each
    # value as it was written (a REAL, a 0/1 flag), and ciphertext, being
    # text, survives the copy into the TEXT columns unchanged.
    _seal_values(connection, sealer)
    _seal_extra(connection, sealer)
    _seal_outbox_errors(connection, sealer)
    for table, columns in RETYPED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Text())
    op.execute("DROP TABLE search_index")
    # Positions are kept (the default detail): a record's tokens are a sorted
    # set of hashes, so a position says nothing about the text, and bm25
    # ranks a common word's matches three times faster with them than
    # without (detail=none) on a 30,000-record phone.
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "table_name UNINDEXED, record_id UNINDEXED, tokens, tokenize='unicode61')"
    )


def downgrade() -> None:
    raise NotImplementedError("values encrypted by 0004 are not decrypted back into clear")
