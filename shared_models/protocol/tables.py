"""The tables on the wire, their schemas, and who may write them."""

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import SQLModel

from shared_models.domain import (
    AgreementFields,
    AgreementRecord,
    AttachmentFields,
    AttachmentRecord,
    CaseFields,
    CaseRecord,
    ConflictFields,
    ConflictRecord,
    OrgUnitFields,
    OrgUnitRecord,
    PartyFields,
    PartyRecord,
    ReviewFields,
    ReviewRecord,
    SubjectFields,
    SubjectRecord,
    UserProfileFields,
    UserRecord,
    VisitFields,
    VisitRecord,
)
from shared_models.domain.subject_events import SubjectEventFields, SubjectEventRecord


class TableName(StrEnum):
    ORG_UNITS = "org_units"
    USERS = "users"
    CASES = "cases"
    PARTIES = "parties"
    SUBJECTS = "subjects"
    VISITS = "visits"
    ATTACHMENTS = "attachments"
    AGREEMENTS = "agreements"
    REVIEWS = "reviews"
    CONFLICTS = "conflicts"
    SUBJECT_EVENTS = "subject_events"


@dataclass(frozen=True)
class TableSpec:
    """``fields`` validates what a device may write; ``record`` is what it pulls."""

    name: TableName
    fields: type[SQLModel]
    record: type[SQLModel]
    device_writable: bool


TABLES: dict[TableName, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(TableName.ORG_UNITS, OrgUnitFields, OrgUnitRecord, device_writable=False),
        TableSpec(TableName.USERS, UserProfileFields, UserRecord, device_writable=False),
        TableSpec(TableName.CASES, CaseFields, CaseRecord, device_writable=True),
        TableSpec(TableName.PARTIES, PartyFields, PartyRecord, device_writable=True),
        TableSpec(TableName.SUBJECTS, SubjectFields, SubjectRecord, device_writable=True),
        TableSpec(TableName.VISITS, VisitFields, VisitRecord, device_writable=True),
        TableSpec(TableName.ATTACHMENTS, AttachmentFields, AttachmentRecord, device_writable=True),
        TableSpec(TableName.AGREEMENTS, AgreementFields, AgreementRecord, device_writable=True),
        TableSpec(TableName.REVIEWS, ReviewFields, ReviewRecord, device_writable=True),
        TableSpec(TableName.CONFLICTS, ConflictFields, ConflictRecord, device_writable=False),
        TableSpec(
            TableName.SUBJECT_EVENTS, SubjectEventFields, SubjectEventRecord, device_writable=True
        ),
    )
}
