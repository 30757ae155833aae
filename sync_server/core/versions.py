"""The server-wide version sequence.

Versions are handed out from one counter row that stays locked until the
transaction commits. So a later version can never become visible before an
earlier one: a pull that reads "everything up to the counter's committed
value" can never skip a change that commits late (the sequence-gap hazard of
plain database sequences). Writers serialise only on this short tail.
"""

import uuid

from sqlalchemy import Table, bindparam, update
from sqlmodel import Session

from sync_server.tables import SyncState


def ensure_sync_state(session: Session) -> SyncState:
    """The counter row, created on first use."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, last_version=0, purged_through=0, epoch=uuid.uuid4())
        session.add(state)
        session.flush()
    return state


_STATE: Table = SyncState.__table__  # type: ignore[attr-defined]
_TAKE = (
    update(_STATE)
    .where(_STATE.c.id == 1)
    .values(last_version=_STATE.c.last_version + bindparam("count"))
    .returning(_STATE.c.last_version)
)
"""A Core statement, built once: the ORM's bulk-update machinery around it
cost more than the round trip, on every push."""


class VersionBlock:
    """Versions taken for one transaction; more are taken if it needs them."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._next = 0
        self._end = 0

    def next(self) -> int:
        if self._next >= self._end:
            self._take(64)
        self._next += 1
        return self._next

    def _take(self, count: int) -> None:
        last = self._session.execute(_TAKE, {"count": count}).scalar_one()
        self._end = int(last)
        self._next = self._end - count

    def reserve(self, count: int) -> None:
        """Lock the counter now for about ``count`` versions (one round trip)."""
        if self._end - self._next < count:
            self._take(max(count, 1))
