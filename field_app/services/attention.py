"""What the user should know about: work not yet on the server, changes and
photos the server refused (and why), and things a person must look at —
conflicts where someone's value was overwritten and reviews asking for changes.

This is the "k items need attention" of the sync status, in detail.
"""

from dataclasses import dataclass
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import select
from sqlmodel import col

from field_app.services.records import live, read_rows, stored_fields, validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.outbox import OutboxItem
from field_app.storage.reviews import reviews_asking_changes
from field_app.storage.store import LocalStore
from field_app.storage.tables import BlobUpload, LocalConflict, LocalReview
from field_app.storage.waiting import waiting_items
from shared_models.domain import ConflictRecord, ReviewRecord
from shared_models.domain.review import ConflictState
from shared_models.protocol.tables import TABLES, TableName


@dataclass(frozen=True)
class PendingBlob:
    sha256: str
    size: int
    mime: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class PendingUploads:
    """Saved here, not yet acknowledged by the server."""

    changes: list[OutboxItem]
    blobs: list[PendingBlob]
    items: int
    """What the person made, counted as they count it (``storage/waiting.py``)."""

    @property
    def count(self) -> int:
        return self.items


@dataclass(frozen=True)
class RejectedChange:
    """A change the server refused: its reason, and what was sent, to fix it."""

    mutation_id: UUID
    table: TableName
    record_id: UUID
    op: str
    code: str | None
    message: str | None
    field: str | None
    fields: dict[str, JsonValue]


@dataclass(frozen=True)
class Attention:
    pending: PendingUploads
    rejected: list[RejectedChange]
    conflicts: list[ConflictRecord]
    needs_changes: list[ReviewRecord]
    refused_blobs: list[PendingBlob]

    @property
    def count(self) -> int:
        """Items that need a person (pending uploads only need a network)."""
        return (
            len(self.rejected)
            + len(self.conflicts)
            + len(self.needs_changes)
            + len(self.refused_blobs)
        )


def _blobs(store: LocalStore, state: str) -> list[PendingBlob]:
    with store.transaction() as session:
        rows = session.scalars(
            select(BlobUpload)
            .where(col(BlobUpload.state) == state)
            .order_by(col(BlobUpload.sha256))
        ).all()
        return [PendingBlob(r.sha256, r.size, r.mime, r.attempts, r.last_error) for r in rows]


def pending_uploads(store: LocalStore) -> PendingUploads:
    changes = store.outbox.items(states=["pending", "sent"])
    with store.transaction() as session:
        items = waiting_items(session)
    return PendingUploads(changes, _blobs(store, "pending"), items)


def refused_blobs(store: LocalStore) -> list[PendingBlob]:
    """Photos and documents the server refused (over quota, damaged): they
    wait for the user to send them again, with the server's reason."""
    return _blobs(store, "refused")


def rejected_changes(store: LocalStore) -> list[RejectedChange]:
    return [
        RejectedChange(
            mutation_id=item.mutation_id,
            table=item.table,
            record_id=item.record_id,
            op=item.op,
            code=item.error_code,
            message=item.error_message,
            field=item.error_field,
            fields=item.fields,
        )
        for item in store.outbox.items(states=["rejected"])
    ]


def open_conflicts(store: LocalStore) -> list[ConflictRecord]:
    with store.transaction() as session:
        return read_rows(
            store,
            session,
            TableName.CONFLICTS,
            ConflictRecord,
            live(TableName.CONFLICTS)
            .where(col(LocalConflict.state) == ConflictState.OPEN.value)
            .order_by(col(LocalConflict.version)),
        )


def reviews_needing_changes(store: LocalStore) -> list[ReviewRecord]:
    """This user's records whose latest review asks for changes
    (``storage/reviews.py`` has the rule; the sync status counts the same)."""
    user = store.device.read().user or {}
    user_id = UUID(str(user["id"])) if "id" in user else None
    with store.transaction() as session:
        ids = reviews_asking_changes(session, user_id)
        if not ids:
            return []
        reviews = read_rows(
            store,
            session,
            TableName.REVIEWS,
            ReviewRecord,
            live(TableName.REVIEWS).where(col(LocalReview.id).in_(ids)),
        )
    order = {review_id: n for n, review_id in enumerate(ids)}
    return sorted(reviews, key=lambda review: order[review.id])


def unsent_ids(store: LocalStore) -> set[UUID]:
    """Records with a change the server has not acknowledged (or refused)."""
    return {item.record_id for item in store.outbox.items(states=["pending", "sent", "rejected"])}


def retry_change(
    store: LocalStore, mutation_id: UUID, corrections: dict[str, JsonValue] | None = None
) -> None:
    """Send a refused change again, corrected if ``corrections`` (a new mutation)."""
    store.records.retry(mutation_id, corrections)


def resend_corrected(
    store: LocalStore, change: RejectedChange, corrections: dict[str, JsonValue]
) -> None:
    """Send a refused change again with ``corrections``, after checking the
    whole record as the store will (the unsynced record, the refused change
    and the corrections together), so a correction that is still wrong is
    refused here, naming the field, and nothing is queued."""
    if change.op == "upsert":
        current = stored_fields(store, change.table, change.record_id)
        spec = TABLES[change.table]
        writable = spec.fields.model_fields
        merged = {
            name: value
            for name, value in {**current, **change.fields, **corrections}.items()
            if name in writable
        }
        validate_fields(spec.fields, merged)
    store.records.retry(change.mutation_id, corrections or None)


def discard_change(store: LocalStore, mutation_id: UUID) -> None:
    """Give up a refused change; a record the server never had goes with it."""
    store.records.discard(mutation_id)


def retry_upload(blobs: LocalBlobStore, sha256: str) -> None:
    """Queue a photo or document the server refused for upload again."""
    blobs.retry(sha256)


def attention(store: LocalStore) -> Attention:
    return Attention(
        pending=pending_uploads(store),
        rejected=rejected_changes(store),
        conflicts=open_conflicts(store),
        needs_changes=reviews_needing_changes(store),
        refused_blobs=refused_blobs(store),
    )
