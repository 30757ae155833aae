"""Sealing a signed agreement, and what the district's countersignature signs.

Both are rules every side must apply identically: the device seals the
agreement the moment the last person signs (offline), the server checks the
seal and countersigns it, and anyone holding the district's public key can
check the countersignature years later from the record alone.
"""

from datetime import datetime
from uuid import UUID

from shared_models.domain.agreements import AgreementFields, AgreementStatus, signing_problems
from shared_models.integrity import agreement_hash, agreement_seal_content, canonical_json

COUNTERSIGNATURE_ALGORITHM = "Ed25519"


class NotReadyToSealError(ValueError):
    """A draft that cannot be sealed yet; ``problems`` as from ``signing_problems``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def seal_agreement(draft: AgreementFields, signed_at: datetime) -> AgreementFields:
    """The draft as a signed, sealed agreement: status ``signed``,
    ``signed_at`` set and ``content_hash`` over the sealed content.

    Refuses (``NotReadyToSealError``) a draft that ``signing_problems`` still
    finds incomplete, one that is not a draft, and a naive ``signed_at``: the
    hash covers the time, so it must mean one instant everywhere.
    """
    if draft.status is not AgreementStatus.DRAFT:
        raise NotReadyToSealError([f"status: a {draft.status} agreement cannot be signed again"])
    if signed_at.tzinfo is None:
        raise NotReadyToSealError(["signed_at: give the signing time with its time zone"])
    problems = signing_problems(draft)
    if problems:
        raise NotReadyToSealError(problems)
    # Through the wire form, so the sealed record is exactly what a device
    # pushes and the server validates (times normalised to UTC, and so on).
    unsealed = AgreementFields.model_validate(
        {**draft.model_dump(mode="json"), "signed_at": signed_at.isoformat()}
    )
    return AgreementFields.model_validate(
        {
            **unsealed.model_dump(mode="json"),
            "status": AgreementStatus.SIGNED.value,
            "content_hash": agreement_hash(unsealed),
        }
    )


def countersignature_message(agreement_id: UUID, agreement: AgreementFields, key_id: str) -> bytes:
    """The exact bytes the district signs for a sealed agreement.

    The canonical JSON (``integrity.canonical_json``: keys sorted, no white
    space, UTF-8) of::

        {"agreement_id": "<uuid, lower case with hyphens>",
         "content_hash": "<the agreement's recorded content_hash>",
         "key_id": "<id of the signing key>",
         "signed_at": "<signed_at as in the seal, e.g. 2026-11-28T10:00:00Z>"}

    The recorded ``content_hash`` is signed (not a freshly computed one), so
    a record whose content was changed afterwards still shows a valid
    countersignature over its *original* hash and fails the hash check,
    which names the real problem. ``key_id`` is inside the message so a
    signature cannot be passed off as another key's.
    """
    if agreement.content_hash is None or agreement.signed_at is None:
        raise ValueError("only a sealed agreement (with content_hash and signed_at) is signed")
    signed_at = agreement_seal_content(agreement)["signed_at"]
    return canonical_json(
        {
            "agreement_id": str(agreement_id),
            "content_hash": agreement.content_hash,
            "key_id": key_id,
            "signed_at": signed_at,
        }
    )


def format_countersignature(key_id: str, signature_b64: str) -> str:
    """The ``countersignature`` field: ``<key_id>:<base64 signature>``, so a
    verifier knows which district key to check it with."""
    return f"{key_id}:{signature_b64}"


def parse_countersignature(value: str) -> tuple[str, str]:
    """``(key_id, base64 signature)`` of a ``countersignature`` field;
    ``ValueError`` when it has not that form."""
    key_id, separator, signature = value.partition(":")
    if not separator or not key_id or not signature:
        raise ValueError("a countersignature reads <key_id>:<base64 signature>")
    return key_id, signature
