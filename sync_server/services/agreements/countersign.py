"""The district's countersignature on sealed agreements.

When a sealed (signed) agreement reaches the server, the server signs its
content hash with the district's Ed25519 key (``district_key.py``; the
message is ``shared_models.sealing.countersignature_message``) and writes
the signature as a new version of the record, so it syncs back to every
device. The public key is published (``GET /api/v1/keys/district``): anyone
can check an agreement without trusting this server's database.
"""

import base64
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementFields, AgreementStatus
from shared_models.integrity import seal_is_intact
from shared_models.protocol.push import Mutation
from shared_models.protocol.tables import TableName
from shared_models.sealing import (
    countersignature_message,
    format_countersignature,
    parse_countersignature,
)
from sync_server.core.district_key import DistrictKey
from sync_server.core.versions import VersionBlock
from sync_server.services.sync.records import WRITABLE_FIELDS, row_to_wire
from sync_server.tables import AgreementRow

log = logging.getLogger(__name__)


def agreement_fields(row: Any) -> AgreementFields:
    """The row's device-written fields as the shared model, exactly as on the
    wire (``ValidationError`` when the stored record is no longer valid)."""
    wire = row_to_wire(TableName.AGREEMENTS, row)
    return AgreementFields.model_validate(
        {name: wire[name] for name in WRITABLE_FIELDS[TableName.AGREEMENTS]}
    )


def countersign(row: AgreementRow, key: DistrictKey) -> str:
    """The countersignature for a sealed agreement row (``key_id:base64``)."""
    message = countersignature_message(row.id, agreement_fields(row), key.key_id)
    return format_countersignature(key.key_id, base64.b64encode(key.sign(message)).decode())


def countersignature_problem(
    agreement_id: UUID, agreement: AgreementFields, countersignature: str | None, key: DistrictKey
) -> str | None:
    """Why ``countersignature`` is not the district's valid signature of
    this agreement's recorded hash, or ``None`` when it is."""
    if countersignature is None:
        return "not countersigned yet (the server signs a sealed agreement when it syncs)"
    try:
        key_id, encoded = parse_countersignature(countersignature)
        signature = base64.b64decode(encoded, validate=True)
    except ValueError:
        return "the countersignature is malformed"
    signer = key.by_id(key_id)  # the current key or a retired one (district_key.py)
    if signer is None:
        return f"countersigned with key {key_id}, not one of the district's keys ({key.key_id})"
    try:
        message = countersignature_message(agreement_id, agreement, key_id)
        signer.public_key.verify(signature, message)
    except (InvalidSignature, ValueError):
        return "the countersignature does not verify against the recorded hash"
    return None


def countersign_pushed(
    session: Session,
    versions: VersionBlock,
    key: DistrictKey,
    mutations: Iterable[Mutation],
    now: datetime,
) -> list[UUID]:
    """Countersign every agreement of ``mutations`` that is now sealed and
    not yet countersigned; each gets a new version, so it syncs back.

    Call inside the push transaction after its rows are written. Costs one
    query, and only when the push touched agreements. Returns the ids signed.
    """
    ids = sorted(
        {m.record_id for m in mutations if m.table is TableName.AGREEMENTS and m.op == "upsert"}
    )
    if not ids:
        return []
    rows = session.scalars(
        select(AgreementRow).where(
            col(AgreementRow.id).in_(ids),
            col(AgreementRow.status) == AgreementStatus.SIGNED.value,
            col(AgreementRow.countersignature).is_(None),
            col(AgreementRow.deleted).is_(False),
        )
    ).all()
    signed: list[UUID] = []
    for row in rows:
        if not seal_is_intact(agreement_fields(row)):
            # Push refuses such a record; one found here was written around it.
            log.error("agreement %s is sealed but its hash does not match; not signed", row.id)
            continue
        version = versions.next()
        row.countersignature = countersign(row, key)
        row.version = version
        row.updated_at = now
        row.field_versions = {**row.field_versions, "countersignature": version}
        signed.append(row.id)
    session.flush()
    return signed
