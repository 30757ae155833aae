"""Which of this user's records a supervisor sent back: the one rule both
the sync status ("k need attention") and Home's list use, so the count and
the list can never disagree.

Only the latest review of a record counts (an approval after the fix settles
it), and only records this user created: a supervisor's phone holds the
whole office's reviews, but the fixes are each author's work.
"""

from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from field_app.storage.tables import LOCAL_TABLES, LocalReview
from shared_models.domain.review import ReviewState


def reviews_asking_changes(session: Session, user_id: UUID | None) -> list[UUID]:
    """Ids of the latest reviews that ask ``user_id`` for changes, oldest
    first (``None``: a device that does not know its user counts them all)."""
    latest: dict[tuple[str, UUID], tuple[int, UUID, str]] = {}
    rows = session.execute(
        select(
            col(LocalReview.target_table),
            col(LocalReview.target_id),
            col(LocalReview.state),
            col(LocalReview.version),
            col(LocalReview.id),
        ).where(col(LocalReview.deleted).is_(False))
    ).all()
    for table, target_id, state, version, review_id in rows:
        key = (str(table), target_id)
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, review_id, str(state))
    found: list[tuple[int, UUID]] = []
    for (table, target_id), (version, review_id, state) in latest.items():
        if state != ReviewState.NEEDS_CHANGES or table not in LOCAL_TABLES:
            continue
        target = session.get(LOCAL_TABLES[table], target_id)
        if target is None or target.deleted:  # type: ignore[attr-defined]
            continue
        if user_id is None or target.created_by == user_id:  # type: ignore[attr-defined]
            found.append((version, review_id))
    return [review_id for _, review_id in sorted(found)]
