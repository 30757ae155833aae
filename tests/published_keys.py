"""Checking a countersignature the way an outsider does (a court, a party, a
phone's user): with nothing but the record and the district's published
keys (``GET /api/v1/keys/district``), never the server's own verifier."""

import base64
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from shared_models.domain.agreements import AgreementFields
from shared_models.sealing import countersignature_message, parse_countersignature


def published_public_keys(published: dict[str, Any]) -> dict[str, str]:
    """Key id → public key (PEM) of every key the answer lists, current and retired."""
    keys = {published["key_id"]: published["public_key_pem"]}
    keys.update({old["key_id"]: old["public_key_pem"] for old in published["retired"]})
    return keys


def verifying_key_id(
    published: dict[str, Any],
    agreement_id: UUID,
    agreement: AgreementFields,
    countersignature: str,
) -> str:
    """The published key that verifies ``countersignature`` over the
    agreement (``KeyError``: none is published under its key id;
    ``InvalidSignature``: it does not verify)."""
    key_id, encoded = parse_countersignature(countersignature)
    public = load_pem_public_key(published_public_keys(published)[key_id].encode("ascii"))
    assert isinstance(public, Ed25519PublicKey)
    message = countersignature_message(agreement_id, agreement, key_id)
    public.verify(base64.b64decode(encoded, validate=True), message)
    return key_id
