"""Recording a visit (mediation session, investigation, home visit, check-in,
follow-up) with its location and photos, in as few steps as the form has.

Photos are re-encoded before anything is written (the slow part, and the
part that can refuse a file), the visit is validated by its save, then each
photo's blob and attachment record follow. A location from the phone's GPS
wins; without one, the first photo's EXIF position is used, because the
photo was taken at the visit.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from field_app.errors import SaveRejectedError
from field_app.services.photos import AttachedPhoto, PreparedPhoto, prepare_photo, save_photo
from field_app.services.records import as_record, validate_fields
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.domain import VisitFields, VisitRecord
from shared_models.domain.agreements import AgreementFields
from shared_models.domain.attachments import AttachmentOwner
from shared_models.domain.visits import (
    CheckinMethod,
    ObligationCheck,
    VisitKind,
    obligation_check_problems,
)
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value


@dataclass(frozen=True)
class GpsFix:
    """Where the phone was: degrees, and the fix's accuracy in metres."""

    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class SavedVisit:
    visit: VisitRecord
    photos: list[AttachedPhoto] = field(default_factory=list)


def record_visit(
    store: LocalStore,
    blobs: LocalBlobStore | None,
    *,
    kind: VisitKind,
    case_id: UUID | None = None,
    subject_id: UUID | None = None,
    method: CheckinMethod | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    fix: GpsFix | None = None,
    notes: str = "",
    outcome: str = "",
    photos: Sequence[bytes] = (),
    caption: str = "",
    agreement_id: UUID | None = None,
    obligation_checks: Sequence[ObligationCheck] = (),
) -> SavedVisit:
    """Save a visit of a case or a subject, with optional photos; a
    follow-up may mark the obligations of the agreement it checks on."""
    if photos and blobs is None:
        raise ValueError("photos need a blob store")
    prepared: list[PreparedPhoto] = [prepare_photo(raw) for raw in photos]
    if fix is None:
        located = next((photo.gps for photo in prepared if photo.gps), None)
        fix = GpsFix(*located) if located else None
    fields: dict[str, Any] = {
        "case_id": str(case_id) if case_id else None,
        "subject_id": str(subject_id) if subject_id else None,
        "kind": kind.value,
        "method": method.value if method else None,
        "started_at": to_json_value(started_at or store.now()),
        "ended_at": to_json_value(ended_at),
        "lat": fix.lat if fix else None,
        "lon": fix.lon if fix else None,
        "accuracy_m": fix.accuracy_m if fix else None,
        "notes": notes,
        "outcome": outcome,
        "agreement_id": str(agreement_id) if agreement_id else None,
        "obligation_checks": [check.model_dump(mode="json") for check in obligation_checks],
    }
    validate_fields(VisitFields, fields)
    if agreement_id is not None:
        _check_follow_up(store, VisitFields.model_validate(fields), agreement_id)
    visit_id = uuid.uuid4()
    record = store.records.save(TableName.VISITS, visit_id, fields)
    attached = [
        save_photo(store, blobs, AttachmentOwner.VISITS, visit_id, photo, caption)
        for photo in prepared
        if blobs is not None
    ]
    return SavedVisit(as_record(VisitRecord, record), attached)


def _check_follow_up(store: LocalStore, visit: VisitFields, agreement_id: UUID) -> None:
    """The server's rule for a follow-up's marks, applied before saving."""
    agreement = store.records.get(TableName.AGREEMENTS, agreement_id)
    if agreement is None:
        raise SaveRejectedError("agreement_id", "there is no such agreement on this phone")
    problems = obligation_check_problems(visit, as_record(AgreementFields, agreement))
    if problems:
        field, _, message = problems[0].partition(": ")
        raise SaveRejectedError(field, message)
