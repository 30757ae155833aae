"""Every table of the district database (SQLModel metadata for Alembic)."""

from sync_server.tables.blobs import BlobClaim
from sync_server.tables.bookkeeping import (
    AppliedMutation,
    AuditEntry,
    DeviceToken,
    LoginFailure,
    ScopeExit,
    SyncState,
)
from sync_server.tables.correction import SubjectEventRow
from sync_server.tables.district import DistrictRow
from sync_server.tables.synced import (
    AgreementRow,
    AttachmentRow,
    CaseRow,
    ConflictRow,
    OrgUnitRow,
    PartyRow,
    ReviewRow,
    SubjectRow,
    SyncColumns,
    UserRow,
    VisitRow,
)

__all__ = [
    "AgreementRow",
    "AppliedMutation",
    "AttachmentRow",
    "AuditEntry",
    "BlobClaim",
    "CaseRow",
    "ConflictRow",
    "DeviceToken",
    "DistrictRow",
    "LoginFailure",
    "OrgUnitRow",
    "PartyRow",
    "ReviewRow",
    "ScopeExit",
    "SubjectEventRow",
    "SubjectRow",
    "SyncColumns",
    "SyncState",
    "UserRow",
    "VisitRow",
]
