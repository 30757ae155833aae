"""The outbox: the device's changes the server has not acknowledged, each
entry's fields encrypted (``outbox.<mutation id>``), and the sync engine's
side of it (what to send, what the server answered).

States of an outbox entry: ``pending`` (never sent; later edits of the same
record fold into it), ``sent`` (in a push whose answer has not arrived; it
is re-sent byte for byte, so the server's idempotency makes it apply once),
``rejected`` (the server said why; kept and shown until fixed or discarded).
"""

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from field_app.errors import SaveRejectedError
from field_app.security.cipher import FieldCipher
from field_app.storage.db import transaction
from field_app.storage.search_index import IN_CHUNK
from field_app.storage.sent_journal import SentJournal
from field_app.storage.tables import LOCAL_TABLES, OutboxEntry
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.push import MutationResult, MutationStatus
from shared_models.protocol.tables import TableName

ACKNOWLEDGED = frozenset(
    {
        MutationStatus.APPLIED,
        MutationStatus.MERGED,
        MutationStatus.CONFLICT,
        MutationStatus.DUPLICATE,
    }
)


@dataclass(frozen=True)
class OutboxItem:
    """An outbox entry with its fields decrypted, as the sync engine sends it."""

    seq: int
    mutation_id: UUID
    table: TableName
    record_id: UUID
    op: str
    base_version: int | None
    fields: dict[str, JsonValue]
    client_time: datetime
    state: str
    error_code: str | None = None
    error_message: str | None = None
    error_field: str | None = None


class Outbox:
    """The ``outbox`` table: entries queued by saves, sent and answered by sync."""

    def __init__(
        self,
        engine: Engine,
        cipher: FieldCipher,
        now: Callable[[], datetime],
        journal: SentJournal | None = None,
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.now = now
        self.journal = journal or SentJournal(engine, now)

    # -- for the sync engine and the screens -------------------------------------

    def items(self, states: Sequence[str] = ("pending", "sent")) -> list[OutboxItem]:
        """The entries in ``states``, oldest first, their fields decrypted."""
        with transaction(self.engine) as session:
            entries = session.scalars(
                select(OutboxEntry)
                .where(col(OutboxEntry.state).in_(states))
                .order_by(col(OutboxEntry.seq))
            ).all()
            return [self._item(entry) for entry in entries]

    def mark_sent(self, items: Sequence[OutboxItem]) -> None:
        """Before a push leaves: from now on these entries are re-sent unchanged."""
        with transaction(self.engine) as session:
            session.execute(
                update(OutboxEntry)
                .where(col(OutboxEntry.seq).in_([i.seq for i in items]))
                .values(state="sent", attempts=OutboxEntry.attempts + 1)
            )

    def take_for_push(self) -> tuple[list[OutboxItem], int | None]:
        """Before a push leaves: the entries that may go out now are marked
        ``sent`` (from now on re-sent unchanged), and every ``sent`` entry in
        front of the first that must wait is returned, oldest first, with
        the ``seq`` of that first waiting entry (``None``: nothing waits).

        A change of a record made after its creation, before the device knew
        any version of it, waits until the creation is acknowledged, and so
        does everything queued after it (the server gets changes in the
        order they were made). Sent along with the unanswered creation (frozen
        once sent) it would name no base version, and the server would take
        its fields for edits made by someone who never saw the record: a
        conflict of the device with itself. Once the creation is
        acknowledged (``_acknowledge``, also a repeated creation answered
        ``duplicate``) it names the version the creation got."""
        items = self.items(("pending", "sent"))
        waiting = _first_waiting(items)
        self.mark_sent(
            [i for i in items if i.state == "pending" and (waiting is None or i.seq < waiting)]
        )
        # Read again after marking: an edit that folded into a pending entry
        # just before it was marked goes out with it.
        sent = self.items(("sent",))
        return [i for i in sent if waiting is None or i.seq < waiting], waiting

    def apply_results(self, results: Sequence[MutationResult]) -> None:
        """Record the server's answers: acknowledged entries leave the outbox
        for the sent journal, rejected ones stay with the reason."""
        with transaction(self.engine) as session:
            self.journal.prune(session)
            for result in results:
                entry = session.scalars(
                    select(OutboxEntry).where(col(OutboxEntry.mutation_id) == result.mutation_id)
                ).first()
                if entry is None:
                    continue
                if result.status in ACKNOWLEDGED:
                    self._acknowledge(session, entry, result)
                elif _server_never_had(entry, result):
                    self._forget_unsent_record(session, entry)
                else:
                    entry.state = "rejected"
                    entry.error_code = result.error.code if result.error else None
                    entry.error_message = (
                        self._encrypt_error(entry.mutation_id, result.error.message)
                        if result.error
                        else None
                    )
                    entry.error_field = result.error.field if result.error else None

    # -- inside the transaction of a save ----------------------------------------

    def enqueue(
        self,
        session: Session,
        table: str,
        record_id: UUID,
        op: str,
        base_version: int | None,
        fields: dict[str, JsonValue],
        fold: bool = True,
    ) -> None:
        """Queue a change; an upsert folds into the record's pending upsert."""
        if fold and op == "upsert":
            for entry in reversed(self.entries_for(session, table, record_id)):
                if entry.state == "pending" and entry.op == "upsert":
                    merged = {**self.decrypt_fields(entry), **fields}
                    entry.fields = self._encrypt_fields(entry.mutation_id, merged)
                    entry.client_time = self.now()
                    return
                break
        mutation_id = uuid.uuid4()
        session.add(
            OutboxEntry(
                mutation_id=mutation_id,
                table_name=table,
                record_id=record_id,
                op=op,
                base_version=base_version,
                fields=self._encrypt_fields(mutation_id, fields),
                client_time=self.now(),
            )
        )
        session.flush()

    def entries_for(self, session: Session, table: str, record_id: UUID) -> list[OutboxEntry]:
        """A record's entries, oldest first."""
        return list(
            session.scalars(
                select(OutboxEntry)
                .where(
                    col(OutboxEntry.table_name) == table, col(OutboxEntry.record_id) == record_id
                )
                .order_by(col(OutboxEntry.seq))
            )
        )

    def overlays(
        self, session: Session, ids: list[UUID]
    ) -> dict[tuple[str, UUID], list[OutboxEntry]]:
        """The entries of these records, by ``(table, id)``: the unsynced edits
        a pulled page keeps on top of the server's state."""
        found: dict[tuple[str, UUID], list[OutboxEntry]] = {}
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            for entry in session.scalars(
                select(OutboxEntry)
                .where(col(OutboxEntry.record_id).in_(chunk))
                .order_by(col(OutboxEntry.seq))
            ):
                found.setdefault((entry.table_name, entry.record_id), []).append(entry)
        return found

    def rejected(self, session: Session, mutation_id: UUID) -> OutboxEntry:
        """The rejected entry of ``mutation_id``; ``SaveRejectedError`` if none."""
        entry = session.scalars(
            select(OutboxEntry).where(
                col(OutboxEntry.mutation_id) == mutation_id, col(OutboxEntry.state) == "rejected"
            )
        ).first()
        if entry is None:
            raise SaveRejectedError(None, "there is no rejected change with that id")
        return entry

    def decrypt_fields(self, entry: OutboxEntry) -> dict[str, JsonValue]:
        fields: dict[str, JsonValue] = json.loads(
            self.cipher.decrypt_text(entry.fields, f"outbox.{entry.mutation_id}")
        )
        return fields

    # -- internals -----------------------------------------------------------

    def _forget_unsent_record(self, session: Session, entry: OutboxEntry) -> None:
        """A delete of a record the server never had (its creation was sent,
        then refused): the delete has nothing left to do, and neither has the
        refused creation of a record the user deleted."""
        for other in self.entries_for(session, entry.table_name, entry.record_id):
            if other.state == "rejected" or other.seq == entry.seq:
                session.delete(other)
        row = session.get(LOCAL_TABLES[entry.table_name], entry.record_id)
        if row is not None and row.deleted and row.version == 0:  # type: ignore[attr-defined]
            session.delete(row)

    def _acknowledge(self, session: Session, entry: OutboxEntry, result: MutationResult) -> None:
        self.journal.keep(session, entry)
        session.delete(entry)
        row = session.get(LOCAL_TABLES[entry.table_name], entry.record_id)
        # A create repeated after its answer was lost comes back "duplicate";
        # a record with a fresh id cannot have existed before, so its first
        # delivery was applied. Treated otherwise, the record would look
        # never-sent (version 0) and a delete would not reach the server.
        repeated_create = (
            result.status is MutationStatus.DUPLICATE
            and result.conflict_id is None
            and entry.base_version is None
            and row is not None
            and row.version == 0  # type: ignore[attr-defined]
        )
        applied = result.status is MutationStatus.APPLIED or repeated_create
        if not applied or result.version is None:
            return
        # The server now holds exactly what this device had: later edits of the
        # same record may claim that version as the one they were based on.
        for later in self.entries_for(session, entry.table_name, entry.record_id):
            if (
                later.seq != entry.seq
                and later.state == "pending"
                and later.base_version == entry.base_version
            ):
                later.base_version = result.version
        if row is not None and row.version < result.version:  # type: ignore[attr-defined]
            row.version = result.version

    def _encrypt_fields(self, mutation_id: UUID, fields: dict[str, JsonValue]) -> str:
        plain = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return self.cipher.encrypt_text(plain, f"outbox.{mutation_id}")

    def _encrypt_error(self, mutation_id: UUID, message: str) -> str:
        """A server's reason for a refusal may quote the refused value."""
        return self.cipher.encrypt_text(message, _error_context(mutation_id))

    def _item(self, entry: OutboxEntry) -> OutboxItem:
        assert entry.seq is not None
        return OutboxItem(
            seq=entry.seq,
            mutation_id=entry.mutation_id,
            table=TableName(entry.table_name),
            record_id=entry.record_id,
            op=entry.op,
            base_version=entry.base_version,
            fields=self.decrypt_fields(entry),
            client_time=entry.client_time,
            state=entry.state,
            error_code=entry.error_code,
            error_message=(
                None
                if entry.error_message is None
                else self.cipher.decrypt_text(
                    entry.error_message, _error_context(entry.mutation_id)
                )
            ),
            error_field=entry.error_field,
        )


def _first_waiting(items: Sequence[OutboxItem]) -> int | None:
    """The ``seq`` of the first pending entry with no base version of a
    record whose creation (an upsert with none either) is in front of it,
    unacknowledged. An entry with a base version goes along: the server
    counts the fields its earlier mutations in the push wrote as seen
    (docs/protocol.md, "Push"), and its base is the device's to keep."""
    creating: set[tuple[TableName, UUID]] = set()
    for item in items:
        key = (item.table, item.record_id)
        if item.state == "pending" and item.base_version is None and key in creating:
            return item.seq
        if item.op == "upsert" and item.base_version is None:
            creating.add(key)
    return None


def _server_never_had(entry: OutboxEntry, result: MutationResult) -> bool:
    """A delete answered "no such record": the server never had it (not even
    as a tombstone), which is all the delete asked for."""
    return (
        entry.op == "delete"
        and result.status is MutationStatus.REJECTED
        and result.error is not None
        and result.error.code == ErrorCode.NOT_FOUND
    )


def _error_context(mutation_id: UUID) -> str:
    """Where a refusal's message lives (revision 0004 seals old ones alike)."""
    return f"outbox.error.{mutation_id}"
