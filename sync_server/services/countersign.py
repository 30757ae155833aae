"""The district's signing key and its countersignature on sealed agreements.

When a sealed (signed) agreement reaches the server, the server signs its
content hash with the district's Ed25519 key (the message is defined in
``shared_models.sealing.countersignature_message``) and writes the signature
as a new version of the record, so it syncs back to every device. The public
key and a certificate for it are published (``GET /api/v1/keys/district``):
anyone can check an agreement without trusting this server's database.

The key is a PEM file named by ``LASTMILE_SIGNING_KEY``. It may also hold the
key's X.509 certificate (issued by a CA the district uses); without one, a
self-signed certificate is derived from the key, the same every time (fixed
validity, serial from the key id; Ed25519 signatures are deterministic), so
nothing else needs storing. With no key configured (the demo, tests) a key is
generated once into the data folder beside the blob store; a configured key
file that is missing is an error, never silently replaced.
"""

import base64
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID
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
from sync_server.core.config import ServerSettings
from sync_server.services.records import WRITABLE_FIELDS, row_to_wire
from sync_server.services.versions import VersionBlock
from sync_server.tables import AgreementRow

log = logging.getLogger(__name__)

GENERATED_KEY_FILE: Final = "district-signing-key.pem"
_CERT_NOT_BEFORE: Final = datetime(2020, 1, 1, tzinfo=UTC)
_CERT_NOT_AFTER: Final = datetime(2100, 1, 1, tzinfo=UTC)


class SigningKeyError(Exception):
    """The configured signing key cannot be used; the message says why."""


@dataclass(frozen=True)
class DistrictKey:
    """The district's Ed25519 key pair and the certificate that names it."""

    private_key: Ed25519PrivateKey
    certificate: x509.Certificate

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw 32-byte public key."""
        return public_key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def private_key_der(self) -> bytes:
        """PKCS#8 DER, the form PDF signing libraries take."""
        return self.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def public_key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def derived_certificate(private_key: Ed25519PrivateKey) -> x509.Certificate:
    """A self-signed certificate for the key, identical whenever it is derived."""
    key_id = public_key_id(private_key.public_key())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "LastMile"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"LastMile district signing key {key_id}"),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(int(key_id, 16) or 1)
        .not_valid_before(_CERT_NOT_BEFORE)
        .not_valid_after(_CERT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(private_key, None)
    )


def _parse_key_file(path: Path) -> DistrictKey:
    try:
        data = path.read_bytes()
        private_key = serialization.load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(f"cannot read the signing key {path}: {error}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds no Ed25519 private key")
    certificate = derived_certificate(private_key)
    if b"-----BEGIN CERTIFICATE-----" in data:
        certificate = x509.load_pem_x509_certificates(data)[0]
        own = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        theirs = certificate.public_key()
        if not isinstance(theirs, Ed25519PublicKey) or own != theirs.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ):
            raise SigningKeyError(f"the certificate in {path} is not for its key")
    return DistrictKey(private_key=private_key, certificate=certificate)


def _generate_key_file(path: Path) -> None:
    """Write a new key to ``path`` unless one is there: written aside and
    linked into place, so two servers starting at once keep the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, pem)
        os.fsync(handle)
        os.close(handle)
        try:
            os.link(temporary, path)
            log.warning("generated a district signing key at %s; back it up", path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


@cache
def load_district_key(path: Path, *, generate: bool = False) -> DistrictKey:
    """The key in ``path`` (generated first when ``generate`` and missing)."""
    if generate and not path.exists():
        _generate_key_file(path)
    return _parse_key_file(path)


def key_path(settings: ServerSettings) -> Path:
    """Where the district key of these settings is (or will be generated)."""
    if settings.signing_key is not None:
        return settings.signing_key.resolve()
    return (settings.blobs.parent / GENERATED_KEY_FILE).resolve()


def district_key(settings: ServerSettings) -> DistrictKey:
    """The district key for these settings (see the module's description)."""
    return load_district_key(key_path(settings), generate=settings.signing_key is None)


def existing_district_key(settings: ServerSettings) -> DistrictKey:
    """The district key, never generated: checking agreements with a fresh
    key would only report every countersignature as someone else's."""
    path = key_path(settings)
    if not path.exists():
        raise SigningKeyError(f"no district signing key at {path} (set LASTMILE_SIGNING_KEY)")
    return load_district_key(path)


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
    if key_id != key.key_id:
        return f"countersigned with key {key_id}, not the district's key {key.key_id}"
    try:
        message = countersignature_message(agreement_id, agreement, key_id)
        key.public_key.verify(signature, message)
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
