"""The device's sync log: what each round did, in counts only (it is shown
to the user and never holds record data), the latest ``SYNC_LOG_KEEP``."""

from datetime import datetime

from sqlalchemy import Engine, delete, func, select
from sqlmodel import col

from field_app.storage.db import transaction
from field_app.storage.tables import SyncLogEntry

SYNC_LOG_KEEP = 500


class SyncLog:
    """The ``sync_log`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, at: datetime, event: str, detail: str) -> None:
        """Log a round; the oldest entries beyond ``SYNC_LOG_KEEP`` go."""
        with transaction(self.engine) as session:
            session.add(SyncLogEntry(at=at, event=event, detail=detail))
            session.flush()
            top = session.scalar(select(func.max(col(SyncLogEntry.id))))
            if top is not None and top > SYNC_LOG_KEEP:
                session.execute(
                    delete(SyncLogEntry).where(col(SyncLogEntry.id) <= top - SYNC_LOG_KEEP)
                )
