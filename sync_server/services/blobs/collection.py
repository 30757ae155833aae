"""Collection of blob bytes nobody needs (``lastmile admin collect-blobs``).

Three sweeps, each safe to run at any time and from any number of servers:

1. Uploads idle longer than ``blob_upload_expiry_hours`` are removed with
   their bytes (one being written right now is left alone), and so are the
   unfinished claims that reserved quota for them.
2. A claim no attachment record of its user names any more is released once
   ``blob_grace_days`` have passed since the upload and since the record's
   deletion (a deleted record can come back through conflict resolution).
3. Blob files no claim holds, written before the grace period, are deleted.
   The store asks again, under its collection lock, whether a claim turned
   up, so an upload of the same bytes finishing at that instant keeps them.

Every run appends one audit entry (``blobs_collected``) with its counts and
the hashes it deleted: ids only, no personal data.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, exists, or_
from sqlmodel import col, select

from sync_server.blobs.store import BlobStore
from sync_server.core.audit import append_audit
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.services.blobs.claims import upload_owner
from sync_server.tables import AttachmentRow, BlobClaim


@dataclass
class BlobCollection:
    """What one run removed."""

    expired_uploads: int = 0
    expired_bytes: int = 0
    released_claims: int = 0
    deleted: list[str] = field(default_factory=list)
    deleted_bytes: int = 0

    def detail(self) -> dict[str, object]:
        return {
            "expired_uploads": self.expired_uploads,
            "expired_bytes": self.expired_bytes,
            "released_claims": self.released_claims,
            "deleted_bytes": self.deleted_bytes,
            "deleted": sorted(self.deleted),
        }


def collect_blobs(
    engine: Engine, store: BlobStore, settings: ServerSettings, now: datetime
) -> BlobCollection:
    """Run the three sweeps as of ``now`` and audit what they removed."""
    done = BlobCollection()
    idle_before = now - timedelta(hours=settings.blob_upload_expiry_hours)
    grace_before = now - timedelta(days=settings.blob_grace_days)
    _expire_uploads(engine, store, idle_before, done)
    _release_claims(engine, grace_before, done)
    _delete_unclaimed(engine, store, grace_before, done)
    with write_session(engine) as session:
        append_audit(session, "blobs_collected", now, detail=done.detail())
    return done


def _expire_uploads(
    engine: Engine, store: BlobStore, idle_before: datetime, done: BlobCollection
) -> None:
    for partial in list(store.partials()):
        if partial.modified < idle_before:
            freed = store.expire_partial(partial.owner, partial.sha256, idle_before)
            if freed is not None:
                done.expired_uploads += 1
                done.expired_bytes += freed
    with write_session(engine) as session:
        stale = session.exec(
            select(BlobClaim).where(
                col(BlobClaim.stored_at).is_(None), col(BlobClaim.started_at) < idle_before
            )
        ).all()
        for claim in stale:
            # An upload still being sent keeps its reservation.
            if not store.held(upload_owner(claim.user_id), claim.sha256):
                session.delete(claim)


def _release_claims(engine: Engine, grace_before: datetime, done: BlobCollection) -> None:
    needed = exists().where(
        col(AttachmentRow.sha256) == col(BlobClaim.sha256),
        col(AttachmentRow.created_by) == col(BlobClaim.user_id),
        or_(col(AttachmentRow.deleted).is_(False), col(AttachmentRow.updated_at) >= grace_before),
    )
    with write_session(engine) as session:
        released = session.execute(
            delete(BlobClaim).where(
                col(BlobClaim.stored_at).is_not(None),
                col(BlobClaim.stored_at) < grace_before,
                ~needed,
            )
        )
        done.released_claims += released.rowcount  # type: ignore[attr-defined]


def _delete_unclaimed(
    engine: Engine, store: BlobStore, grace_before: datetime, done: BlobCollection
) -> None:
    with read_session(engine) as session:
        claimed = set(session.exec(select(col(BlobClaim.sha256)).distinct()).all())
    for blob in list(store.blobs()):
        if blob.sha256 in claimed or blob.modified >= grace_before:
            continue

        def unclaimed(sha256: str = blob.sha256) -> bool:
            with read_session(engine) as session:
                return (
                    session.exec(
                        select(col(BlobClaim.id)).where(col(BlobClaim.sha256) == sha256).limit(1)
                    ).first()
                    is None
                )

        freed = store.delete_blob(blob.sha256, grace_before, unclaimed)
        if freed:
            done.deleted.append(blob.sha256)
            done.deleted_bytes += freed
