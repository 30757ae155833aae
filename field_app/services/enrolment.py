"""入矫 on the officer's phone: the subject's record from the court's
decision, the supervising officer, the correction team (a warning, not a
refusal, when a woman subject has no woman on it) and the documents
photographed. Offline: the record waits in the outbox like any save.

The supervision level is set here, at enrolment; afterwards it changes
only through a level-change request the office approves
(``correction_events.py``), and the check-in interval follows the level
(the district's settings).
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from pydantic import JsonValue

from field_app.errors import SaveRejectedError
from field_app.services.correction_files import attach_image
from field_app.services.records import as_record, validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.correction.settings import CorrectionSettings
from shared_models.correction.team import TeamWarning, team_warnings
from shared_models.domain import AttachmentRecord, SubjectFields, SubjectRecord
from shared_models.domain.attachments import AttachmentKind, AttachmentOwner
from shared_models.domain.subjects import SubjectStatus, SupervisionLevel
from shared_models.protocol.tables import TableName

ENROLMENT_FIELDS: frozenset[str] = frozenset(
    {
        "name",
        "id_number",
        "gender",
        "birth_date",
        "address",
        "phone",
        "correction_type",
        "term_start",
        "term_end",
        "key_person",
        "offence",
        "sentence",
        "court",
        "judgment_number",
        "decided_on",
        "supervision_level",
        "team",
    }
)
"""What the enrolment form fills; where the subject belongs (office,
officer), its status and its check-in interval are set by the service."""

AFTER_ENROLMENT: frozenset[str] = ENROLMENT_FIELDS - {"supervision_level"}
"""What an officer may correct after enrolment (the level is requested)."""


@dataclass(frozen=True)
class Enrolled:
    subject: SubjectRecord
    warnings: list[TeamWarning]
    documents: list[AttachmentRecord] = field(default_factory=list)


def _refuse_unknown(fields: Mapping[str, JsonValue], allowed: frozenset[str]) -> None:
    for name in fields:
        if name not in allowed:
            raise SaveRejectedError(name, "this is not part of the enrolment form")


def enrol_subject(
    store: LocalStore,
    blobs: LocalBlobStore | None,
    fields: Mapping[str, JsonValue],
    *,
    org_unit_id: UUID,
    officer_id: UUID,
    settings: CorrectionSettings,
    documents: Sequence[bytes] = (),
) -> Enrolled:
    """Create the subject's record under ``officer_id`` at the office
    ``org_unit_id``, with the documents photographed."""
    if documents and blobs is None:
        raise ValueError("documents need a blob store")
    _refuse_unknown(fields, ENROLMENT_FIELDS)
    level = SupervisionLevel(str(fields.get("supervision_level") or SupervisionLevel.NORMAL))
    record: dict[str, JsonValue] = {
        **fields,
        "org_unit_id": str(org_unit_id),
        "officer_id": str(officer_id),
        "status": SubjectStatus.UNDER_SUPERVISION.value,
        "supervision_level": level.value,
        "checkin_interval_days": settings.intervals(level).checkin_days,
    }
    validate_fields(SubjectFields, record)
    subject_id = uuid.uuid4()
    saved = as_record(SubjectRecord, store.records.save(TableName.SUBJECTS, subject_id, record))
    attached = [
        attach_image(
            store, blobs, AttachmentOwner.SUBJECTS, subject_id, raw, AttachmentKind.DOCUMENT
        )
        for raw in documents
        if blobs is not None
    ]
    return Enrolled(saved, team_warnings(saved), attached)


def update_enrolment(
    store: LocalStore, subject_id: UUID, changes: Mapping[str, JsonValue]
) -> Enrolled:
    """Correct the enrolment's particulars or the team (not the level)."""
    _refuse_unknown(changes, AFTER_ENROLMENT)
    saved = as_record(
        SubjectRecord, store.records.save(TableName.SUBJECTS, subject_id, dict(changes))
    )
    return Enrolled(saved, team_warnings(saved))


def add_documents(
    store: LocalStore, blobs: LocalBlobStore, subject_id: UUID, documents: Sequence[bytes]
) -> list[AttachmentRecord]:
    """More pages of the court's documents, photographed."""
    return [
        attach_image(
            store, blobs, AttachmentOwner.SUBJECTS, subject_id, raw, AttachmentKind.DOCUMENT
        )
        for raw in documents
    ]
