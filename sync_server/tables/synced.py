"""The district database's synced tables: each domain record plus the
server's bookkeeping for scoping and field-level merge."""

from uuid import UUID

from sqlalchemy import JSON, Index, column
from sqlmodel import Field, SQLModel

from shared_models.domain import (
    AgreementFields,
    AttachmentFields,
    CaseFields,
    ConflictFields,
    OrgUnitDetails,
    OrgUnitFields,
    PartyFields,
    RecordMeta,
    ReviewFields,
    SubjectFields,
    UserProfileFields,
    VisitFields,
)
from shared_models.domain.types import RecordId


class SyncColumns(SQLModel):
    """Columns every synced row has and no device sees.

    ``scope_unit_id``/``scope_officer_id`` say whose jurisdiction the row is
    in and ``scope_work`` its line of work (``repositories/scope.Work``:
    mediation or correction; none for org units and users), all denormalised
    from its owner, so pull filters one table at a time;
    ``field_versions`` holds the version at which each field last changed,
    which is what field-level merge needs. ``scope_officer_id`` is set only
    on an officer's subjects and what hangs off them, so each table indexes
    it where set (``_where_set``).
    """

    scope_unit_id: UUID | None = Field(default=None, index=True)
    scope_officer_id: UUID | None = None
    scope_work: str | None = Field(default=None, max_length=16)
    field_versions: dict[str, int] = Field(default_factory=dict, sa_type=JSON)


def _where_set(table: str, *columns: str) -> tuple[Index, ...]:
    """An index of each of ``columns`` over only the rows where it is set.

    For columns most rows leave NULL: a NULL entry is upkeep on every insert
    that no query reads, since the server looks these columns up by value
    only (``col = x``). That implies ``IS NOT NULL``, so PostgreSQL and
    SQLite still use the partial index. A query for the rows *without* a
    value would need a full index again.
    """
    return tuple(
        Index(
            f"ix_{table}_{name}",
            name,
            postgresql_where=column(name).is_not(None),
            sqlite_where=column(name).is_not(None),
        )
        for name in columns
    )


class OrgUnitRow(RecordMeta, OrgUnitFields, OrgUnitDetails, SyncColumns, table=True):
    __tablename__ = "org_units"
    __table_args__ = _where_set("org_units", "scope_officer_id")


class UserRow(RecordMeta, UserProfileFields, SyncColumns, table=True):
    __tablename__ = "users"
    __table_args__ = _where_set("users", "scope_officer_id")

    password_hash: str = ""
    must_change_password: bool = False
    """Set by an admin's reset: the user's tokens can only change the password."""
    phone: str = Field(default="", max_length=32)
    """The staff member's work phone, for the administration only: contact
    data is not part of the public profile devices receive."""


class CaseRow(RecordMeta, CaseFields, SyncColumns, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_opened_at", "opened_at"),  # received in a period (statistics)
        *_where_set("cases", "scope_officer_id"),
    )


class PartyRow(RecordMeta, PartyFields, SyncColumns, table=True):
    __tablename__ = "parties"
    __table_args__ = _where_set("parties", "scope_officer_id")


class SubjectRow(RecordMeta, SubjectFields, SyncColumns, table=True):
    __tablename__ = "subjects"
    __table_args__ = _where_set("subjects", "scope_officer_id")


class VisitRow(RecordMeta, VisitFields, SyncColumns, table=True):
    __tablename__ = "visits"
    __table_args__ = (
        # Supervisor dashboard: each subject's latest check-in, from the index
        # alone (PostgreSQL; only visits of a subject: most are a case's), and
        # the mediation sessions of one month.
        Index(
            "ix_visits_kind_subject_started",
            "kind",
            "subject_id",
            "started_at",
            postgresql_include=["deleted", "scope_unit_id"],
            postgresql_where=column("subject_id").is_not(None),
            sqlite_where=column("subject_id").is_not(None),
        ),
        Index("ix_visits_kind_started", "kind", "started_at"),
        # Most visits are a case's sessions: no subject, agreement or officer.
        *_where_set("visits", "subject_id", "agreement_id", "scope_officer_id"),
    )

    # Indexed where set (above), not as the device indexes them (``VisitFields``).
    subject_id: RecordId | None = None
    agreement_id: RecordId | None = None


class AttachmentRow(RecordMeta, AttachmentFields, SyncColumns, table=True):
    __tablename__ = "attachments"
    __table_args__ = _where_set("attachments", "scope_officer_id")


class AgreementRow(RecordMeta, AgreementFields, SyncColumns, table=True):
    __tablename__ = "agreements"
    __table_args__ = (
        Index("ix_agreements_signed_at", "signed_at"),  # signed in a month
        *_where_set("agreements", "scope_officer_id"),
    )

    countersignature: str | None = None


class ReviewRow(RecordMeta, ReviewFields, SyncColumns, table=True):
    __tablename__ = "reviews"
    __table_args__ = _where_set("reviews", "scope_officer_id")


class ConflictRow(RecordMeta, ConflictFields, SyncColumns, table=True):
    __tablename__ = "conflicts"
    __table_args__ = _where_set("conflicts", "scope_officer_id")
