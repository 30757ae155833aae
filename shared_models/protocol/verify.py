"""Verifying a sealed agreement: what was checked and exactly what failed.

``GET /api/v1/agreements/{id}/verify`` and ``POST /api/v1/verify`` (a PDF)
answer a ``VerifyReport``; ``lastmile verify`` prints one. Each check has a
stable name, so a screen or a script can tell *which* part does not match
(the text, the countersignature, a signature image, the PDF) rather than
just "invalid". Checks that cannot run (no record found, no PDF given) are
left out, never reported as passed.
"""

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class CheckName(StrEnum):
    RECORD_SEALED = "record_sealed"
    """The agreement exists in the caller's jurisdiction and is signed (sealed)."""
    CONTENT_HASH = "content_hash"
    """Its text, parties and signature references hash to its recorded content_hash."""
    COUNTERSIGNATURE = "countersignature"
    """The district's countersignature over that hash is valid for the district key."""
    SIGNATURE_IMAGES = "signature_images"
    """Every signature image is on the server and hashes to the value that was sealed."""
    SUPERSESSION_CHAIN = "supersession_chain"
    """Every agreement it corrects exists, is sealed and intact; the chain has no cycle."""
    PDF_UNALTERED = "pdf_unaltered"
    """The PDF carries the district's PAdES signature, covering the whole file, intact."""
    PDF_MATCHES_RECORD = "pdf_matches_record"
    """The agreement id and content hash the PDF carries are the record's."""


class VerifyCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CheckName
    ok: bool
    detail: str


class VerifyReport(BaseModel):
    """``ok`` only when every check ran and passed."""

    model_config = ConfigDict(extra="forbid")

    ok: bool
    agreement_id: UUID | None = None
    content_hash: str | None = None
    """The hash the record (or, without a record, the PDF) states."""
    key_id: str | None = None
    """The district key the countersignature was made with (a retired one for
    an agreement countersigned before a rotation); each check's detail names
    the key it checked with (a PDF printed after a rotation carries the new one)."""
    checks: list[VerifyCheck]
    supersedes: list[UUID] = []
    """The agreements this one corrects, nearest first."""
    superseded_by: list[UUID] = []
    """Later agreements that correct this one: it is authentic but no longer current."""

    @classmethod
    def of(cls, checks: list[VerifyCheck], **values: object) -> "VerifyReport":
        ok = bool(checks) and all(check.ok for check in checks)
        return cls.model_validate({"ok": ok, "checks": checks, **values})

    def failed(self) -> list[CheckName]:
        return [check.name for check in self.checks if not check.ok]


class RetiredDistrictKey(BaseModel):
    """A key the district signed with before a rotation: it signs nothing
    new, and checks what it signed (countersignatures name its ``key_id``,
    PDFs carry its certificate)."""

    model_config = ConfigDict(extra="forbid")

    key_id: str
    public_key_pem: str
    certificate_pem: str


class DistrictKeyInfo(BaseModel):
    """``GET /api/v1/keys/district``: the key countersignatures and PDF
    signatures are checked with. Public by design: anyone holding an
    agreement (a court, a party) may check it."""

    model_config = ConfigDict(extra="forbid")

    key_id: str
    algorithm: str
    public_key_pem: str
    certificate_pem: str
    """The X.509 certificate the district signs PDFs with (its key derives
    from the district key; PDF readers check ECDSA, not Ed25519)."""
    countersigned_message: str
    """How the countersigned message is built (see shared_models.sealing)."""
    retired: list[RetiredDistrictKey] = []
    """The district's earlier keys, newest first: a countersignature or PDF
    made before a rotation is checked with the one its key id or
    certificate names."""
