"""The wire protocol, version 1: the normative definition of docs/protocol.md."""

from shared_models.protocol.admin import DeviceInfo
from shared_models.protocol.auth import LoginRequest, LoginResponse, Me, UserProfile
from shared_models.protocol.blobs import MissingBlobsRequest, MissingBlobsResponse
from shared_models.protocol.errors import ErrorBody, ErrorCode, ErrorEnvelope, MutationError
from shared_models.protocol.pull import Change, PullPage
from shared_models.protocol.push import (
    Mutation,
    MutationResult,
    MutationStatus,
    PushRequest,
    PushResponse,
)
from shared_models.protocol.review import ConflictResolve, ReviewCreate
from shared_models.protocol.supervision import (
    Dashboard,
    DashboardFigures,
    DeviceSync,
    OfficeDashboard,
    OpenCaseAges,
    OverdueCheckin,
    ReviewQueueItem,
    ReviewQueueKind,
    ReviewQueuePage,
)
from shared_models.protocol.tables import TABLES, TableName, TableSpec
from shared_models.protocol.version import PROTOCOL_VERSION, SUPPORTED_PROTOCOLS

__all__ = [
    "PROTOCOL_VERSION",
    "SUPPORTED_PROTOCOLS",
    "TABLES",
    "Change",
    "ConflictResolve",
    "Dashboard",
    "DashboardFigures",
    "DeviceInfo",
    "DeviceSync",
    "ErrorBody",
    "ErrorCode",
    "ErrorEnvelope",
    "LoginRequest",
    "LoginResponse",
    "Me",
    "MissingBlobsRequest",
    "MissingBlobsResponse",
    "Mutation",
    "MutationError",
    "MutationResult",
    "MutationStatus",
    "OfficeDashboard",
    "OpenCaseAges",
    "OverdueCheckin",
    "PullPage",
    "PushRequest",
    "PushResponse",
    "ReviewCreate",
    "ReviewQueueItem",
    "ReviewQueueKind",
    "ReviewQueuePage",
    "TableName",
    "TableSpec",
    "UserProfile",
]
