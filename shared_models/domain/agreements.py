"""Mediation agreements (调解协议书, People's Mediation Law arts. 28–29).

A draft may be incomplete (it is auto-saved while the mediator types); a
``signed`` agreement is sealed: complete, hashed, and never changed again.
Corrections are a new agreement whose ``supersedes_id`` points at the old one.
"""

from collections import Counter
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, model_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.cases import PartyKind, PartyRole
from shared_models.domain.people import IdNumber, Phone
from shared_models.domain.types import (
    LAX,
    STRICT_CONFIG,
    Day,
    LongText,
    RecordId,
    Sha256Hex,
    ShortText,
    UtcDatetime,
    choice,
    moment,
)


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    VOID = "void"


class SignerRole(StrEnum):
    PARTY = "party"
    MEDIATOR = "mediator"


class SignatureKind(StrEnum):
    SIGNATURE = "signature"
    FINGERPRINT = "fingerprint"


class PartySnapshot(BaseModel):
    """A party's details as written into the agreement (frozen at signing)."""

    model_config = STRICT_CONFIG

    party_id: RecordId | None = None
    role: Annotated[PartyRole, LAX]
    kind: Annotated[PartyKind, LAX] = PartyKind.PERSON
    name: ShortText = Field(min_length=1)
    id_number: IdNumber | None = None
    phone: Phone | None = None
    address: ShortText = ""


class Obligation(BaseModel):
    """One agreed obligation: who does what, by when, how."""

    model_config = STRICT_CONFIG

    obligor: ShortText = Field(min_length=1)
    action: LongText = Field(min_length=1)
    due: Day | None = None
    method: ShortText = ""


class SignatureRef(BaseModel):
    """Who signed (or gave a fingerprint), when, and the image's attachment."""

    model_config = STRICT_CONFIG

    signer_role: Annotated[SignerRole, LAX]
    signer_name: ShortText = Field(min_length=1)
    party_id: RecordId | None = None
    kind: Annotated[SignatureKind, LAX] = SignatureKind.SIGNATURE
    attachment_id: RecordId
    sha256: Sha256Hex
    signed_at: UtcDatetime


class AgreementFields(SQLModel):
    model_config = STRICT_CONFIG

    case_id: RecordId = Field(index=True)
    committee_name: ShortText = ""
    mediator_id: RecordId | None = None
    mediator_name: ShortText = ""
    parties: list[PartySnapshot] = Field(default_factory=list, sa_type=JSON)
    facts: LongText = ""
    obligations: list[Obligation] = Field(default_factory=list, sa_type=JSON)
    performance_method: ShortText = ""
    performance_deadline: Day | None = None
    status: AgreementStatus = choice(AgreementStatus.DRAFT)
    signatures: list[SignatureRef] = Field(default_factory=list, sa_type=JSON)
    signed_at: UtcDatetime | None = moment()
    content_hash: Sha256Hex | None = None
    supersedes_id: RecordId | None = None

    @model_validator(mode="after")
    def _signed_means_complete(self) -> "AgreementFields":
        if self.status is AgreementStatus.SIGNED:
            problems = signing_problems(self)
            if problems:
                raise ValueError("; ".join(problems))
            if self.signed_at is None or self.content_hash is None:
                raise ValueError("content_hash: a signed agreement carries signed_at and its hash")
        return self


class AgreementRecord(RecordMeta, AgreementFields):
    """An agreement as pulled by devices; ``countersignature`` is the
    district's signature over ``content_hash``, added by the server."""

    countersignature: str | None = None


def signing_problems(agreement: AgreementFields) -> list[str]:
    """Everything that still keeps a draft from being signed, each as
    ``"field: what to do"`` so the screen can point at the field."""
    problems: list[str] = []
    if len(agreement.parties) < 2:
        problems.append("parties: an agreement needs at least two parties")
    if not agreement.facts.strip():
        problems.append("facts: state the main facts of the dispute")
    if not agreement.obligations:
        problems.append("obligations: list at least one agreed obligation")
    if agreement.performance_deadline is None:
        problems.append("performance_deadline: set the deadline for performance")
    if not agreement.mediator_name.strip():
        problems.append("mediator_name: name the mediator")
    # Each party signature vouches for one party. Matching on party_id alone
    # let one signature without a party_id stand for every party without one.
    unused = Counter(
        _signer_key(s.party_id, s.signer_name)
        for s in agreement.signatures
        if s.signer_role is SignerRole.PARTY
    )
    for party in agreement.parties:
        key = _signer_key(party.party_id, party.name)
        if unused[key] > 0:
            unused[key] -= 1
        else:
            problems.append(f"signatures: {party.name} has not signed")
    if not any(s.signer_role is SignerRole.MEDIATOR for s in agreement.signatures):
        problems.append("signatures: the mediator has not signed")
    return problems


def _signer_key(party_id: UUID | None, name: str) -> str:
    """A party and its signature are matched by party_id, or by name when the
    party was written into the agreement without a party record."""
    return f"id:{party_id}" if party_id is not None else f"name:{name}"
