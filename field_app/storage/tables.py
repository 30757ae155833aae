"""The device's tables. Synced records mirror the wire records (one schema
family in ``shared_models``); personal fields hold ciphertext (see
``personal.py``), so the few of them that are not text on the wire (dates,
a flag, coordinates) are TEXT columns here. ``extra`` keeps fields a newer
server sent that this app version does not know, so they are not lost when
the record is edited; when there are any, it holds their ciphertext."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, DateTime, Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared_models.domain import (
    AgreementFields,
    AttachmentFields,
    CaseFields,
    ConflictFields,
    OrgUnitFields,
    PartyFields,
    RecordMeta,
    ReviewFields,
    SubjectFields,
    UserProfileFields,
    VisitFields,
)
from shared_models.domain.subject_events import SubjectEventFields

LOCAL_REGISTRY = registry()
"""The device's tables live in their own metadata: the same process (tests,
the demo) may also hold the server's tables of the same names."""
LOCAL_METADATA = LOCAL_REGISTRY.metadata


class LocalTable(SQLModel, registry=LOCAL_REGISTRY):
    """Base of every device table."""


class LocalColumns(LocalTable):
    extra: dict[str, Any] | str = Field(default_factory=dict, sa_type=JSON)


class LocalOrgUnit(RecordMeta, OrgUnitFields, LocalColumns, table=True):
    __tablename__ = "org_units"


class LocalUser(RecordMeta, UserProfileFields, LocalColumns, table=True):
    __tablename__ = "users"


class LocalCase(RecordMeta, CaseFields, LocalColumns, table=True):
    __tablename__ = "cases"


class LocalParty(RecordMeta, PartyFields, LocalColumns, table=True):
    __tablename__ = "parties"


class LocalSubject(RecordMeta, SubjectFields, LocalColumns, table=True):
    __tablename__ = "subjects"

    # Ciphertext (personal.py): TEXT columns, whatever the wire type.
    gender: str = Field(sa_type=Text)  # type: ignore[assignment]
    birth_date: str | None = Field(default=None, sa_type=Text)  # type: ignore[assignment]
    correction_type: str = Field(sa_type=Text)  # type: ignore[assignment]
    term_start: str = Field(sa_type=Text)  # type: ignore[assignment]
    term_end: str = Field(sa_type=Text)  # type: ignore[assignment]
    key_person: str = Field(sa_type=Text)  # type: ignore[assignment]
    decided_on: str | None = Field(default=None, sa_type=Text)  # type: ignore[assignment]
    team: str = Field(default="", sa_type=Text)  # type: ignore[assignment]


class LocalVisit(RecordMeta, VisitFields, LocalColumns, table=True):
    __tablename__ = "visits"

    # Ciphertext (personal.py): where a person was is personal.
    lat: str | None = Field(default=None, sa_type=Text)  # type: ignore[assignment]
    lon: str | None = Field(default=None, sa_type=Text)  # type: ignore[assignment]


class LocalAttachment(RecordMeta, AttachmentFields, LocalColumns, table=True):
    __tablename__ = "attachments"


class LocalAgreement(RecordMeta, AgreementFields, LocalColumns, table=True):
    __tablename__ = "agreements"

    countersignature: str | None = None


class LocalReview(RecordMeta, ReviewFields, LocalColumns, table=True):
    __tablename__ = "reviews"


class LocalConflict(RecordMeta, ConflictFields, LocalColumns, table=True):
    __tablename__ = "conflicts"


class OutboxEntry(LocalTable, table=True):
    """A saved change waiting for the server. Written in the same local
    transaction as the record it changes; removed only when the server has
    answered it. ``fields`` is encrypted JSON (it may hold personal data), and
    so is ``error_message`` (a refusal may quote the refused value)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_record", "table_name", "record_id"),)

    seq: int | None = Field(default=None, primary_key=True)
    mutation_id: UUID = Field(unique=True)
    table_name: str = Field(max_length=40)
    record_id: UUID
    op: str = Field(max_length=10)
    base_version: int | None = None
    fields: str = Field(sa_type=Text)
    client_time: datetime = Field(sa_type=DateTime(timezone=True))
    state: str = Field(default="pending", max_length=10, index=True)
    attempts: int = 0
    error_code: str | None = None
    error_message: str | None = None
    error_field: str | None = None


class BlobUpload(LocalTable, table=True):
    """A blob (encrypted on disk) that the server does not have yet."""

    __tablename__ = "blob_uploads"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    mime: str = Field(max_length=100)
    state: str = Field(default="pending", max_length=10)
    attempts: int = 0
    last_error: str | None = None


class Draft(LocalTable, table=True):
    """An unfinished form, auto-saved while the user types (encrypted)."""

    __tablename__ = "drafts"

    key: str = Field(primary_key=True, max_length=200)
    payload: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class DeviceState(LocalTable, table=True):
    """One row: who this device is and where its sync stands."""

    __tablename__ = "device_state"

    id: int = Field(default=1, primary_key=True)
    device_id: str = Field(max_length=128)
    server_url: str = ""
    user: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    token: str | None = Field(default=None, sa_type=Text)
    cursor: str | None = None
    last_sync_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    needs_login: bool = False
    correction_settings: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    """The district's correction settings as last fetched (``None``: the defaults)."""
    correction_settings_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class SyncLogEntry(LocalTable, table=True):
    """What the sync engine did, for the user's "sync details" screen."""

    __tablename__ = "sync_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    event: str = Field(max_length=40)
    detail: str = ""


class LocalSubjectEvent(RecordMeta, SubjectEventFields, LocalColumns, table=True):
    __tablename__ = "subject_events"

    # Ciphertext (personal.py): what happened to a person is personal.
    content: str = Field(sa_type=Text)  # type: ignore[assignment]


LOCAL_TABLES: dict[str, type[SQLModel]] = {
    "org_units": LocalOrgUnit,
    "users": LocalUser,
    "cases": LocalCase,
    "parties": LocalParty,
    "subjects": LocalSubject,
    "visits": LocalVisit,
    "attachments": LocalAttachment,
    "agreements": LocalAgreement,
    "reviews": LocalReview,
    "conflicts": LocalConflict,
    "subject_events": LocalSubjectEvent,
}
