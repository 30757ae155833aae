"""The district's signing keys: one secret, two uses.

- Countersignatures on sealed agreements: Ed25519 (the district key proper;
  its id names it everywhere).
- PDF signatures (PAdES): ECDSA P-256 with an X.509 certificate, because
  that is what PDF readers check (poppler and Acrobat validate ECDSA; they
  do not validate Ed25519 in PDF signatures).

The key file (``LASTMILE_SIGNING_KEY``, PEM) holds the Ed25519 private key.
The PDF key is derived from it (HKDF-SHA256, domain-separated), and its
self-signed certificate is derived too, byte for byte the same every time
(fixed names and validity, serial from the key id, deterministic ECDSA,
RFC 6979), so one secret is all there is to keep and back up. A district
whose PDF certificate is issued by a CA puts that EC private key and its
certificate into the same PEM file instead.

The key lives at ``LASTMILE_SIGNING_KEY``, or in the key folder
``LASTMILE_KEY_DIR`` as ``district-signing-key.pem``. Rotating it
(``lastmile admin keys rotate``, ``cli_keys.py``) moves the old key into
``retired-signing-keys/<key id>.pem`` beside it and writes a new one: every
countersignature names its key id and every signed PDF carries its
certificate, so what a retired key signed keeps verifying
(``DistrictKey.known``; ``GET /api/v1/keys/district`` publishes the
retired keys beside the current one), while only the current key signs.
Running servers take a rotation up without a restart: each use of the key
looks at the key file and the retired folder (two ``stat`` calls) and reads
them again when either changed (``load_district_key``). A key file that
cannot be read any more leaves the key last read in use, with an error in
the log: a server never stops signing because of a half-done copy.

With no key configured (the demo, tests) a key is generated once into the
data folder beside the blob store; a configured key file that is missing is
an error, never silently replaced. A real district's key is written by
``lastmile admin init`` or ``lastmile admin keys create``
(``write_new_key_file``), and its server refuses to start without it
(``services/administration/district.serving_settings``).
"""

import hashlib
import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from sync_server.core.config import ServerSettings

log = logging.getLogger(__name__)

GENERATED_KEY_FILE: Final = "district-signing-key.pem"
RETIRED_DIR: Final = "retired-signing-keys"
_PDF_KEY_INFO: Final = b"lastmile district pdf signing key v1"
_P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_CERT_NOT_BEFORE: Final = datetime(2020, 1, 1, tzinfo=UTC)
_CERT_NOT_AFTER: Final = datetime(2100, 1, 1, tzinfo=UTC)
_PEM_BLOCK: Final = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


class SigningKeyError(Exception):
    """The configured signing key cannot be used; the message says why."""


@dataclass(frozen=True)
class DistrictKey:
    """The district's Ed25519 key, and the EC key and certificate it signs PDFs with."""

    private_key: Ed25519PrivateKey
    pdf_key: ec.EllipticCurvePrivateKey
    pdf_certificate: x509.Certificate
    retired: tuple["DistrictKey", ...] = ()
    """Earlier keys of the district: they verify what they signed, never sign."""

    @property
    def known(self) -> tuple["DistrictKey", ...]:
        """This key and the retired ones, newest first."""
        return (self, *self.retired)

    def by_id(self, key_id: str) -> "DistrictKey | None":
        """The district key (current or retired) with this id."""
        return next((key for key in self.known if key.key_id == key_id), None)

    def by_certificate(self, der: bytes) -> "DistrictKey | None":
        """The district key whose PDF certificate this is (DER)."""
        encoding = serialization.Encoding.DER
        return next(
            (key for key in self.known if key.pdf_certificate.public_bytes(encoding) == der),
            None,
        )

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
        return self.pdf_certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def pdf_key_der(self) -> bytes:
        """PKCS#8 DER, the form PDF signing libraries take."""
        return self.pdf_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def public_key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def derived_pdf_key(private_key: Ed25519PrivateKey) -> ec.EllipticCurvePrivateKey:
    """The P-256 key for PDF signatures, derived from the Ed25519 key."""
    seed = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    # 48 bytes reduced modulo the group order: a bias of about 2^-128.
    material = HKDF(algorithm=hashes.SHA256(), length=48, salt=None, info=_PDF_KEY_INFO).derive(
        seed
    )
    scalar = int.from_bytes(material, "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def derived_certificate(key_id: str, pdf_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A self-signed certificate for the PDF key, identical whenever derived."""
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
        .public_key(pdf_key.public_key())
        .serial_number(int(key_id, 16) or 1)
        .not_valid_before(_CERT_NOT_BEFORE)
        .not_valid_after(_CERT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(pdf_key, hashes.SHA256(), ecdsa_deterministic=True)
    )


def _same_public_key(certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    theirs = certificate.public_key().public_bytes(serialization.Encoding.DER, spki)
    return theirs == key.public_key().public_bytes(serialization.Encoding.DER, spki)


def parse_key_file(path: Path) -> DistrictKey:
    """The keys in a PEM file: one Ed25519 private key, and optionally an EC
    private key with its certificate (first one whose key matches)."""
    try:
        data = path.read_bytes()
        blocks = [match.group(0) for match in _PEM_BLOCK.finditer(data)]
        keys = [
            serialization.load_pem_private_key(block, password=None)
            for block in blocks
            if b"PRIVATE KEY-----" in block.splitlines()[0]
        ]
        certificates = [
            x509.load_pem_x509_certificate(block)
            for block in blocks
            if block.startswith(b"-----BEGIN CERTIFICATE-----")
        ]
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(f"cannot read the signing key {path}: {error}") from None
    edwards = [key for key in keys if isinstance(key, Ed25519PrivateKey)]
    curves = [key for key in keys if isinstance(key, ec.EllipticCurvePrivateKey)]
    if len(edwards) != 1:
        raise SigningKeyError(f"{path} must hold exactly one Ed25519 private key")
    private_key = edwards[0]
    if len(curves) > 1 or (certificates and not curves):
        raise SigningKeyError(f"{path}: a PDF certificate comes with exactly one EC private key")
    if not curves:
        pdf_key = derived_pdf_key(private_key)
        certificate = derived_certificate(public_key_id(private_key.public_key()), pdf_key)
        return DistrictKey(private_key, pdf_key, certificate)
    matching = [c for c in certificates if _same_public_key(c, curves[0])]
    if not matching:
        raise SigningKeyError(f"no certificate in {path} is for its EC private key")
    return DistrictKey(private_key, curves[0], matching[0])


def write_new_key_file(path: Path) -> bool:
    """Write a new key to ``path`` unless one is there (then: ``False``):
    written aside and linked into place, so two servers starting at once
    keep the same key."""
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
        except FileExistsError:
            return False
        log.warning("generated a district signing key at %s; back it up", path)
        return True
    finally:
        os.unlink(temporary)


_Stamp = tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]
_loaded: dict[Path, tuple[_Stamp, DistrictKey]] = {}
_loading = threading.Lock()


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def _stamp(path: Path) -> _Stamp:
    """What a rotation changes: the key file (replaced: a new inode) and the
    retired folder (a key linked into it: a new modification time)."""
    return _identity(path), _identity(path.parent / RETIRED_DIR)


def load_district_key(path: Path, *, generate: bool = False) -> DistrictKey:
    """The key in ``path`` (generated first when ``generate`` and missing),
    with the retired keys beside it; read again only when a rotation changed
    them (see the module's description)."""
    if generate and not path.exists():
        write_new_key_file(path)
    stamp = _stamp(path)
    with _loading:
        known = _loaded.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        retired = tuple(parse_key_file(old) for old in retired_key_files(path))
        key = replace(parse_key_file(path), retired=retired)
    except (SigningKeyError, OSError) as error:
        if known is None:
            raise SigningKeyError(str(error)) from None
        log.error(
            "cannot read the district key now (%s); still using key %s", error, known[1].key_id
        )
        with _loading:  # said once per change of the files, not on every use
            _loaded[path] = (stamp, known[1])
        return known[1]
    with _loading:
        _loaded[path] = (stamp, key)
    if known is not None and known[1].key_id != key.key_id:
        log.warning("district signing key %s replaces %s (rotated)", key.key_id, known[1].key_id)
    return key


def forget_loaded_keys() -> None:
    """Drop this process's loaded keys (tests that replace a key file within
    one file-system tick, which its stamp could not tell)."""
    with _loading:
        _loaded.clear()


def retired_key_files(path: Path) -> list[Path]:
    """The retired keys of the key at ``path``, newest first."""
    folder = path.parent / RETIRED_DIR
    found = folder.glob("*.pem") if folder.is_dir() else iter(())
    return sorted(found, key=lambda old: old.stat().st_mtime, reverse=True)


def key_path(settings: ServerSettings) -> Path:
    """Where the district key of these settings is (or will be generated)."""
    if settings.signing_key is not None:
        return settings.signing_key.resolve()
    if settings.key_dir is not None:
        return (settings.key_dir / GENERATED_KEY_FILE).resolve()
    return (settings.blobs.parent / GENERATED_KEY_FILE).resolve()


def district_key(settings: ServerSettings) -> DistrictKey:
    """The district key for these settings (see the module's description)."""
    configured = settings.signing_key is not None or settings.key_dir is not None
    return load_district_key(key_path(settings), generate=not configured)


def existing_district_key(settings: ServerSettings) -> DistrictKey:
    """The district key, never generated: checking agreements with a fresh
    key would only report every countersignature as someone else's."""
    path = key_path(settings)
    if not path.exists():
        raise SigningKeyError(f"no district signing key at {path} (set LASTMILE_SIGNING_KEY)")
    return load_district_key(path)
