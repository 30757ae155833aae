"""The district database's synced tables: each domain record plus the
server's bookkeeping for scoping and field-level merge."""

from uuid import UUID

from sqlalchemy import JSON, Index
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


class SyncColumns(SQLModel):
    """Columns every synced row has and no device sees.

    ``scope_unit_id``/``scope_officer_id`` say whose jurisdiction the row is
    in (denormalised from its owner, so pull filters one table at a time);
    ``field_versions`` holds the version at which each field last changed,
    which is what field-level merge needs.
    """

    scope_unit_id: UUID | None = Field(default=None, index=True)
    scope_officer_id: UUID | None = Field(default=None, index=True)
    field_versions: dict[str, int] = Field(default_factory=dict, sa_type=JSON)


class OrgUnitRow(RecordMeta, OrgUnitFields, SyncColumns, table=True):
    __tablename__ = "org_units"


class UserRow(RecordMeta, UserProfileFields, SyncColumns, table=True):
    __tablename__ = "users"

    password_hash: str = ""


class CaseRow(RecordMeta, CaseFields, SyncColumns, table=True):
    __tablename__ = "cases"


class PartyRow(RecordMeta, PartyFields, SyncColumns, table=True):
    __tablename__ = "parties"


class SubjectRow(RecordMeta, SubjectFields, SyncColumns, table=True):
    __tablename__ = "subjects"


class VisitRow(RecordMeta, VisitFields, SyncColumns, table=True):
    __tablename__ = "visits"
    __table_args__ = (
        # Supervisor dashboard: each subject's latest check-in, from the index
        # alone (PostgreSQL), and the mediation sessions of one month.
        Index(
            "ix_visits_kind_subject_started",
            "kind",
            "subject_id",
            "started_at",
            postgresql_include=["deleted", "scope_unit_id"],
        ),
        Index("ix_visits_kind_started", "kind", "started_at"),
    )


class AttachmentRow(RecordMeta, AttachmentFields, SyncColumns, table=True):
    __tablename__ = "attachments"


class AgreementRow(RecordMeta, AgreementFields, SyncColumns, table=True):
    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_signed_at", "signed_at"),)  # signed in a month

    countersignature: str | None = None


class ReviewRow(RecordMeta, ReviewFields, SyncColumns, table=True):
    __tablename__ = "reviews"


class ConflictRow(RecordMeta, ConflictFields, SyncColumns, table=True):
    __tablename__ = "conflicts"
