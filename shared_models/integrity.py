"""Canonical JSON and content hashes for sealed documents.

A signed mediation agreement may be taken to court (People's Mediation Law
art. 33), so its hash must be reproducible by anyone, on any machine, from
the record alone: keys sorted, no insignificant white space, UTF-8, no NaN.
"""

import hashlib
import json
from typing import Final

from pydantic import JsonValue

from shared_models.domain.agreements import AgreementFields

SEALED_AGREEMENT_FIELDS: Final = (
    "case_id",
    "committee_name",
    "mediator_id",
    "mediator_name",
    "parties",
    "facts",
    "obligations",
    "performance_method",
    "performance_deadline",
    "signatures",
    "signed_at",
    "supersedes_id",
)
"""What an agreement's seal covers: its text, its parties, and (through each
signature's sha256) the signature images themselves."""


def canonical_json(value: JsonValue) -> bytes:
    """The one byte form of a JSON value that every side hashes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(value: JsonValue) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def agreement_seal_content(agreement: AgreementFields) -> dict[str, JsonValue]:
    """The part of an agreement its seal covers, in JSON form."""
    dumped = agreement.model_dump(mode="json", include=set(SEALED_AGREEMENT_FIELDS))
    return {name: dumped[name] for name in SEALED_AGREEMENT_FIELDS}


def agreement_hash(agreement: AgreementFields) -> str:
    """The content hash a signed agreement must carry."""
    return content_hash(agreement_seal_content(agreement))


def seal_is_intact(agreement: AgreementFields) -> bool:
    """Whether a signed agreement's recorded hash still matches its content."""
    return agreement.content_hash is not None and agreement.content_hash == agreement_hash(
        agreement
    )
