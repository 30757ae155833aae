"""The gauges a scrape reads from the database: how many devices are in
use and how long the queues are. Counted district-wide (no one's scope:
they name no record and no person, only how many), in one short read
transaction per scrape, so every server process reports the same figures.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlmodel import Session, col

from shared_models.domain.review import ConflictState
from sync_server.tables import BlobClaim, ConflictRow, DeviceToken

ACTIVE_WINDOWS: Final = {"1h": timedelta(hours=1), "24h": timedelta(days=1)}
"""A device is active in a window when its token was used within it (the
last-seen time is written at most every few minutes: ``accounts/tokens``)."""


@dataclass(frozen=True, slots=True)
class DistrictGauges:
    active_devices: dict[str, int]
    open_conflicts: int
    unfinished_uploads: int
    unfinished_upload_bytes: int
    stored_blob_bytes: int


def district_gauges(session: Session, now: datetime) -> DistrictGauges:
    active = {
        window: int(
            session.scalar(
                select(func.count(func.distinct(DeviceToken.device_id))).where(
                    col(DeviceToken.revoked_at).is_(None),
                    col(DeviceToken.last_seen_at) >= now - length,
                )
            )
            or 0
        )
        for window, length in ACTIVE_WINDOWS.items()
    }
    conflicts = session.scalar(
        select(func.count())
        .select_from(ConflictRow)
        .where(col(ConflictRow.state) == ConflictState.OPEN, col(ConflictRow.deleted).is_(False))
    )
    unfinished, unfinished_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(BlobClaim.size), 0)).where(
            col(BlobClaim.stored_at).is_(None)
        )
    ).one()
    # Bytes are stored once however many users claim them: one size per hash.
    per_blob = (
        select(col(BlobClaim.sha256), func.max(BlobClaim.size).label("size"))
        .where(col(BlobClaim.stored_at).is_not(None))
        .group_by(col(BlobClaim.sha256))
        .subquery()
    )
    stored = session.scalar(select(func.coalesce(func.sum(per_blob.c.size), 0)))
    return DistrictGauges(
        active_devices=active,
        open_conflicts=int(conflicts or 0),
        unfinished_uploads=int(unfinished),
        unfinished_upload_bytes=int(unfinished_bytes),
        stored_blob_bytes=int(stored or 0),
    )
