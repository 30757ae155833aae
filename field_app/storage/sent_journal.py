"""The sent journal: what the server acknowledged, kept so the device can
send it again after the server is restored from a backup
(docs/protocol.md, "After a restore").

A restored server has lost every change applied after its backup, and its
answers carry a new sync epoch. Each outbox entry the server acknowledges
moves here (fields still sealed under ``outbox.<mutation id>``) and stays
``JOURNAL_DAYS``. When the server's epoch changes, ``resend`` puts the
journal back at the front of the outbox as ``sent`` entries: re-sent byte
for byte with their original mutation ids, so the server answers those it
still has from its record of applied mutations (``duplicate``) and applies
the ones it lost, in the order they were first made; never folded with new
edits (a folded edit could be answered "duplicate" and lost). Blobs go back
to the upload queue too: the server's HEAD tells which it still has.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from field_app.storage.db import transaction
from field_app.storage.tables import BlobUpload, OutboxEntry, SentEntry

JOURNAL_DAYS = 60
"""Longer than the time between two backups plus a restore (docs/backup.md)."""
_OUTBOX_COLUMNS = (
    "mutation_id",
    "table_name",
    "record_id",
    "op",
    "base_version",
    "fields",
    "client_time",
    "state",
    "attempts",
    "error_code",
    "error_message",
    "error_field",
)


class SentJournal:
    """The ``sent_journal`` table (see the module docstring)."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def keep(self, session: Session, entry: OutboxEntry) -> None:
        """In the transaction that removes an acknowledged outbox entry."""
        session.add(
            SentEntry(
                mutation_id=entry.mutation_id,
                table_name=entry.table_name,
                record_id=entry.record_id,
                op=entry.op,
                base_version=entry.base_version,
                fields=entry.fields,
                client_time=entry.client_time,
                acknowledged_at=self.now(),
            )
        )

    def prune(self, session: Session) -> None:
        """Forget what was acknowledged more than ``JOURNAL_DAYS`` ago."""
        cutoff = self.now() - timedelta(days=JOURNAL_DAYS)
        session.execute(delete(SentEntry).where(col(SentEntry.acknowledged_at) < cutoff))

    def resend(self) -> int:
        """Put the journal back in front of the outbox and every uploaded blob
        back in the upload queue, in one local transaction; how many changes
        go out again. Safe to repeat: the journal is emptied as it goes."""
        with transaction(self.engine) as session:
            journal = list(session.scalars(select(SentEntry).order_by(col(SentEntry.seq))))
            if not journal:
                return 0
            waiting = [
                {name: getattr(entry, name) for name in _OUTBOX_COLUMNS}
                for entry in session.scalars(select(OutboxEntry).order_by(col(OutboxEntry.seq)))
            ]
            session.execute(delete(OutboxEntry))
            for sent in journal:
                session.add(
                    OutboxEntry(
                        mutation_id=sent.mutation_id,
                        table_name=sent.table_name,
                        record_id=sent.record_id,
                        op=sent.op,
                        base_version=sent.base_version,
                        fields=sent.fields,
                        client_time=sent.client_time,
                        state="sent",
                    )
                )
                session.delete(sent)
            session.flush()
            for values in waiting:
                session.add(OutboxEntry(**values))
            session.execute(
                update(BlobUpload)
                .where(col(BlobUpload.state) == "uploaded")
                .values(state="pending")
            )
            return len(journal)
