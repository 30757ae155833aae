"""What a case, a subject, a visit, an agreement *is*: one schema family per
entity, shared by the server's and the device's tables."""

from shared_models.domain.agreements import AgreementFields, AgreementRecord
from shared_models.domain.attachments import AttachmentFields, AttachmentRecord
from shared_models.domain.base import RecordMeta
from shared_models.domain.case_documents import CaseDocumentFields, CaseDocumentRecord
from shared_models.domain.cases import CaseFields, CaseRecord, PartyFields, PartyRecord
from shared_models.domain.org import (
    OrgUnitDetails,
    OrgUnitFields,
    OrgUnitRecord,
    UserProfileFields,
    UserRecord,
)
from shared_models.domain.review import ConflictFields, ConflictRecord, ReviewFields, ReviewRecord
from shared_models.domain.subjects import SubjectFields, SubjectRecord
from shared_models.domain.visits import VisitFields, VisitRecord

__all__ = [
    "AgreementFields",
    "AgreementRecord",
    "AttachmentFields",
    "AttachmentRecord",
    "CaseDocumentFields",
    "CaseDocumentRecord",
    "CaseFields",
    "CaseRecord",
    "ConflictFields",
    "ConflictRecord",
    "OrgUnitDetails",
    "OrgUnitFields",
    "OrgUnitRecord",
    "PartyFields",
    "PartyRecord",
    "RecordMeta",
    "ReviewFields",
    "ReviewRecord",
    "SubjectFields",
    "SubjectRecord",
    "UserProfileFields",
    "UserRecord",
    "VisitFields",
    "VisitRecord",
]
