"""What the user is told about sync: one small value the UI observes.

``state`` answers "is my work reaching the office?" (offline, syncing n/m,
up to date at T, sign in again, update the app); ``waiting`` and
``needs_attention`` answer "is anything of mine stuck?". Items that need
attention are the device's own: changes (and photos) the server rejected,
open conflicts on its records, and records a supervisor sent back with
"needs changes".
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel import col

from field_app.storage.reviews import reviews_asking_changes
from field_app.storage.store import LocalStore
from field_app.storage.tables import (
    BlobUpload,
    DeviceState,
    LocalConflict,
    OutboxEntry,
)
from field_app.storage.waiting import waiting_items
from shared_models.domain.review import ConflictState


class SyncState(StrEnum):
    NEVER_SYNCED = "never_synced"
    SYNCING = "syncing"
    UP_TO_DATE = "up_to_date"
    OFFLINE = "offline"
    FAILED = "failed"
    """The server failed or refused the sync itself; retried with back-off."""
    NEEDS_LOGIN = "needs_login"
    UPDATE_REQUIRED = "update_required"


class SyncPhase(StrEnum):
    PUSH = "push"
    UPLOAD = "upload"
    PULL = "pull"


@dataclass(frozen=True)
class Attention:
    waiting: int = 0
    """Things the user made (a record with its attachments and photos) that
    the server has not acknowledged yet (``storage/waiting.py``)."""
    rejected: int = 0
    """Changes and photos the server refused."""
    conflicts: int = 0
    reviews: int = 0

    @property
    def needs_attention(self) -> int:
        return self.rejected + self.conflicts + self.reviews


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    at: datetime | None = None
    """When the device was last completely in step with the server."""
    phase: SyncPhase | None = None
    done: int = 0
    total: int = 0
    attention: Attention = Attention()
    reason: str = ""
    """Why sync is not happening (a short, data-free explanation)."""
    data_version: int = 0
    """Moves with every sync round that changed something (``SyncResult.changed``):
    a screen reads its data again when this moved, never for a round that
    changed nothing (rebuilding a screen drops a tap made on the old one)."""

    @property
    def waiting(self) -> int:
        return self.attention.waiting

    @property
    def needs_attention(self) -> int:
        return self.attention.needs_attention


def count_attention(store: LocalStore) -> Attention:
    """Counted in one read of the local database (cheap: indexed and small)."""
    with store.transaction() as session:
        device = session.get(DeviceState, 1)
        user_id = _user_id(device.user if device else None)
        by_state: dict[str, int] = {
            str(state): int(count)
            for state, count in session.execute(
                select(col(OutboxEntry.state), func.count()).group_by(col(OutboxEntry.state))
            ).all()
        }
        conflicts = session.scalar(
            select(func.count())
            .select_from(LocalConflict)
            .where(
                col(LocalConflict.state) == ConflictState.OPEN,
                col(LocalConflict.deleted).is_(False),
            )
        )
        reviews = len(reviews_asking_changes(session, user_id))
        waiting = waiting_items(session)
        refused_blobs = session.scalar(
            select(func.count()).select_from(BlobUpload).where(col(BlobUpload.state) == "refused")
        )
    return Attention(
        waiting=waiting,
        rejected=by_state.get("rejected", 0) + int(refused_blobs or 0),
        conflicts=int(conflicts or 0),
        reviews=reviews,
    )


def _user_id(user: dict[str, Any] | None) -> UUID | None:
    try:
        return UUID(str(user["id"])) if user else None
    except (KeyError, ValueError):
        return None
