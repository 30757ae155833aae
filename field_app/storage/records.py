"""The synced records as the user changes them: every save is one transaction
holding the record, its outbox entry and its search entry (invariant 1), and
a signed agreement never changes on the device (invariant 6).
"""

from typing import Any
from uuid import UUID

from pydantic import JsonValue, ValidationError
from sqlalchemy import Engine, insert, update
from sqlmodel import Session

from field_app.errors import AgreementSealedError, SaveRejectedError
from field_app.storage.codec import RecordCodec
from field_app.storage.db import transaction
from field_app.storage.outbox import Outbox
from field_app.storage.search_index import SearchIndex
from field_app.storage.tables import LOCAL_TABLES, LocalAgreement
from shared_models.domain.agreements import AgreementStatus
from shared_models.domain.base import SERVER_OWNED_FIELDS
from shared_models.problems import first_problem
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value


class Records:
    """Reads and the user's writes of the record tables."""

    def __init__(
        self, engine: Engine, codec: RecordCodec, outbox: Outbox, search_index: SearchIndex
    ) -> None:
        self.engine = engine
        self.codec = codec
        self.outbox = outbox
        self.search_index = search_index

    # -- reading -------------------------------------------------------------

    def get(self, table: str, record_id: UUID) -> dict[str, JsonValue] | None:
        """A live record as the user sees it (their unsynced edits included)."""
        with transaction(self.engine) as session:
            row = session.get(LOCAL_TABLES[table], record_id)
            if row is None or row.deleted:  # type: ignore[attr-defined]
                return None
            return self.codec.from_row(table, row)

    def rows(self, session: Session, table: str, query: Any) -> list[dict[str, JsonValue]]:
        """The rows of ``query`` (a select of ``table``'s local model), decrypted."""
        return [self.codec.from_row(table, row) for row in session.scalars(query)]

    # -- the user's saves ----------------------------------------------------

    def save(
        self, table: TableName, record_id: UUID, fields: dict[str, JsonValue]
    ) -> dict[str, JsonValue]:
        """Create or change a record: validated in full, then the row, its
        outbox entry and its search entry commit together."""
        spec = TABLES[table]
        if not spec.device_writable:
            raise SaveRejectedError("table", f"{table} cannot be changed on a device")
        writable = set(spec.fields.model_fields)
        for name in fields:
            if name in SERVER_OWNED_FIELDS or name in spec.server_fields or name not in writable:
                raise SaveRejectedError(name, f"{table} has no field {name} that can be set")
        model = LOCAL_TABLES[table]
        with transaction(self.engine) as session:
            row = session.get(model, record_id)
            if row is not None and row.deleted:  # type: ignore[attr-defined]
                raise SaveRejectedError(None, "this record was deleted")
            current = None if row is None else self.codec.from_row(table, row)
            merged = {name: current[name] for name in writable if current and name in current}
            merged.update(fields)
            _refuse_if_sealed(session, table, record_id, merged)
            try:
                validated = spec.fields.model_validate(merged)
            except ValidationError as error:
                raise SaveRejectedError(*first_problem(error)) from None
            normal = {name: to_json_value(getattr(validated, name)) for name in writable}
            if current is None:
                changed = normal
                record: dict[str, JsonValue] = {
                    "id": str(record_id),
                    "version": 0,
                    "updated_at": None,
                    "deleted": False,
                    "created_by": None,
                    **normal,
                }
            else:
                changed = {n: normal[n] for n in writable if normal[n] != current.get(n)}
                if not changed:
                    return current
                record = {**current, **changed}
            self.write_row(session, table, record, exists=row is not None)
            base = None if row is None or not row.version else row.version  # type: ignore[attr-defined]
            # What the server sets (a case's number, follow-up date) is never sent.
            sent = {n: v for n, v in changed.items() if n not in spec.server_fields}
            self.outbox.enqueue(session, table, record_id, "upsert", base, sent)
            return record

    def delete(self, table: TableName, record_id: UUID) -> None:
        """Delete a record. One the server never had just disappears: never
        sent, or its creation refused (a refused change leaves no trace
        there, and a "sent" one might have arrived, so it does not count)."""
        model = LOCAL_TABLES[table]
        with transaction(self.engine) as session:
            row = session.get(model, record_id)
            if row is None or row.deleted:  # type: ignore[attr-defined]
                raise SaveRejectedError(None, "there is no such record")
            current = self.codec.from_row(table, row)
            _refuse_if_sealed(session, table, record_id, current)
            entries = self.outbox.entries_for(session, table, record_id)
            server_never_had = row.version == 0 and all(  # type: ignore[attr-defined]
                e.state in ("pending", "rejected") for e in entries
            )
            if server_never_had:
                session.delete(row)
                for entry in entries:
                    session.delete(entry)
            else:
                row.deleted = True
                base = row.version or None  # type: ignore[attr-defined]
                self.outbox.enqueue(session, table, record_id, "delete", base, {})
            self.search_index.unindex(session, table, record_id)

    def refuse_if_sealed(self, table: TableName, record_id: UUID) -> None:
        """``AgreementSealedError`` when ``record_id`` of ``table`` is a sealed
        agreement or an attachment of one. Every write below checks this
        itself; a service asks first when it has work to do before the write
        (a blob to store)."""
        with transaction(self.engine) as session:
            row = session.get(LOCAL_TABLES[table], record_id)
            record = {} if row is None else self.codec.from_row(table, row)
            _refuse_if_sealed(session, table, record_id, record)

    # -- the user's answer to a refused change -------------------------------

    def retry(self, mutation_id: UUID, corrections: dict[str, JsonValue] | None = None) -> None:
        """Send a rejected change again, optionally corrected (a new mutation)."""
        with transaction(self.engine) as session:
            entry = self.outbox.rejected(session, mutation_id)
            table, record_id = TableName(entry.table_name), entry.record_id
            fields = self.outbox.decrypt_fields(entry)
            session.delete(entry)
        if corrections:
            fields = {**fields, **corrections}
        with transaction(self.engine) as session:
            row = session.get(LOCAL_TABLES[table], record_id)
            if row is not None and fields:
                current = self.codec.from_row(table, row)
                self.write_row(session, table, {**current, **fields}, exists=True)
            base = None if row is None or not row.version else row.version  # type: ignore[attr-defined]
            self.outbox.enqueue(session, table, record_id, entry.op, base, fields, fold=False)

    def discard(self, mutation_id: UUID) -> None:
        """Give up a rejected change; a record the server never had goes too."""
        with transaction(self.engine) as session:
            entry = self.outbox.rejected(session, mutation_id)
            row = session.get(LOCAL_TABLES[entry.table_name], entry.record_id)
            if row is not None and row.version == 0:  # type: ignore[attr-defined]
                session.delete(row)
                self.search_index.unindex(session, entry.table_name, entry.record_id)
            session.delete(entry)

    # -- internals -----------------------------------------------------------

    def write_row(
        self, session: Session, table: str, record: dict[str, JsonValue], exists: bool
    ) -> None:
        """Write a record's row (encrypted) and its search entry, no outbox entry."""
        model = LOCAL_TABLES[table]
        values = self.codec.to_row(table, record)
        if exists:
            session.execute(
                update(model).where(model.id == values["id"]).values(**values)  # type: ignore[attr-defined]
            )
        else:
            session.execute(insert(model).values(**values))
        self.search_index.index(session, table, record)


def _refuse_if_sealed(
    session: Session, table: TableName, record_id: UUID, record: dict[str, JsonValue]
) -> None:
    """Invariant 6 on the device: a signed agreement, and every attachment
    it owns (its signature images), never change, and it gains none."""
    if table is TableName.AGREEMENTS:
        agreement_id = record_id
    elif table is TableName.ATTACHMENTS and record.get("owner_table") == "agreements":
        agreement_id = UUID(str(record["owner_id"]))
    else:
        return
    agreement = session.get(LocalAgreement, agreement_id)
    if agreement is not None and agreement.status == AgreementStatus.SIGNED:
        raise AgreementSealedError
