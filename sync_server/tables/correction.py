"""The district database's table of community-correction events (入矫宣告,
请假, 警告, 解矫宣告…), scoped like the subject each belongs to."""

from sqlalchemy import Index

from shared_models.domain import RecordMeta
from shared_models.domain.subject_events import SubjectEventFields
from shared_models.domain.types import RecordId
from sync_server.tables.synced import SyncColumns, _where_set


class SubjectEventRow(RecordMeta, SubjectEventFields, SyncColumns, table=True):
    __tablename__ = "subject_events"
    __table_args__ = (
        # The desk's lists: requests of a kind, warnings, by day.
        Index("ix_subject_events_kind_occurred_on", "kind", "occurred_on"),
        # Most events answer no request.
        *_where_set("subject_events", "request_id", "scope_officer_id"),
    )

    # Indexed where set (above), not as the device indexes it (``SubjectEventFields``).
    request_id: RecordId | None = None
