"""The district's signature on agreement PDFs (PAdES), and checking one.

A PDF the server hands out is signed with the district's PDF key
(``pyHanko``, PAdES baseline, ECDSA P-256 with SHA-256: see
``district_key.py``), so any PDF reader shows whether the file is exactly as
issued. Verification here insists on more than "a valid
signature": the signer must be the district's certificate, the signature
must cover the whole file (an update appended after signing could change
what is shown), and the bytes of the signature field must be exactly what
was signed, padding included, so that *any* changed byte is caught.

Device printouts are not signed (the device does not hold the district
key); verification says so rather than pretending they were checked.
"""

import asyncio
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, TypeVar
from uuid import UUID

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from shared_models.agreement_text import parse_agreement_reference
from shared_models.protocol.verify import CheckName, VerifyCheck
from sync_server.core.district_key import DistrictKey

log = logging.getLogger(__name__)

SIGNATURE_FIELD: Final = "DistrictSeal"
DIGEST: Final = "sha256"
SIGNATURE_ALGORITHM: Final = "sha256_ecdsa"
"""What the district's PDF signatures use, and so all verification accepts."""


@dataclass(frozen=True)
class PdfInspection:
    """What a PDF says it is (``reference``: agreement id and content hash,
    ``None`` when it names none) and whether the district's signature shows
    it unaltered."""

    reference: tuple[UUID, str] | None
    unaltered: VerifyCheck


_T = TypeVar("_T")


def _outside_event_loop(work: Callable[[], _T]) -> _T:
    """pyHanko's synchronous entry points call ``asyncio.run``, which refuses
    to start in a thread whose event loop is running (an async caller, or a
    process that also drives a browser). There the work runs on a short-lived
    thread of its own; everywhere else, right here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pades") as pool:
        return pool.submit(work).result()


def _asn1_certificate(key: DistrictKey) -> Any:
    return asn1_x509.Certificate.load(key.pdf_certificate.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, key: DistrictKey, reason: str) -> bytes:
    """``pdf`` with the district's PAdES signature over the whole file."""
    certificate = _asn1_certificate(key)
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(key.pdf_key_der()),
        # The signing certificate goes in once, and nothing else: see _slot_problem.
        cert_registry=SimpleCertificateStore.from_certs([]),  # type: ignore[no-untyped-call]
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = _outside_event_loop(lambda: signers.sign_pdf(writer, metadata, signer=signer))
    return bytes(out.getvalue())


def _reference(reader: Any) -> tuple[UUID, str] | None:
    try:
        info = reader.trailer["/Info"]
        keywords = str(info.get("/Keywords", ""))
        return parse_agreement_reference(keywords)
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


def _expected_container(signature: Any, certificate: Any) -> bytes:
    """The CMS container the district writes around a signature value: one
    signer (the district certificate, by issuer and serial), SHA-256 and
    ECDSA, no unsigned parts. Only the signed attributes and the
    signature value come from the file, and both are verified."""
    signer_info = signature.signer_info
    identifier = cms.IssuerAndSerialNumber(
        {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": DIGEST}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [certificate],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier({"issuer_and_serial_number": identifier}),
                    "digest_algorithm": {"algorithm": DIGEST},
                    "signed_attrs": signer_info["signed_attrs"],
                    "signature_algorithm": {"algorithm": SIGNATURE_ALGORITHM},
                    "signature": signer_info["signature"].native,
                }
            ],
        }
    )
    container = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(container.dump())


def _slot_problem(pdf: bytes, signature: Any, certificate: Any) -> str | None:
    """The signature container sits in a fixed-size slot, written as hex and
    padded with zeros, outside what the signature covers; parts of it (its
    version numbers, the certificate list, the padding, the letter case of
    the hex digits) are not covered by the signature value at all. A valid
    signature therefore does not show that *every* byte is as issued, so the
    slot must read exactly as the district writes it."""
    byte_range = [int(value) for value in signature.byte_range]
    slot = pdf[byte_range[0] + byte_range[1] : byte_range[2]]
    contents = bytes(signature.pkcs7_content)
    expected = _expected_container(signature, certificate)
    padded = expected + bytes(len(contents) - len(expected))
    if len(contents) < len(expected) or slot != b"<" + padded.hex().upper().encode("ascii") + b">":
        return "the PDF's signature field holds more than the district's signature"
    return None


def _unaltered(pdf: bytes, reader: Any, key: DistrictKey) -> VerifyCheck:
    def failed(detail: str) -> VerifyCheck:
        return VerifyCheck(name=CheckName.PDF_UNALTERED, ok=False, detail=detail)

    signatures = reader.embedded_signatures
    if not signatures:
        return failed(
            "the PDF carries no district signature (a printout made on a device): "
            "its content cannot be shown unaltered; download the signed copy from the server"
        )
    if len(signatures) != 1:
        return failed(f"the PDF carries {len(signatures)} signatures; an issued one carries one")
    signature = signatures[0]
    # Signed by a retired key: checked against that key (district_key.py, "rotating").
    key = key.by_certificate(signature.signer_cert.dump()) or key
    certificate = _asn1_certificate(key)
    context = ValidationContext(trust_roots=[certificate])
    status = _outside_event_loop(lambda: validate_pdf_signature(signature, context))
    if not status.intact:
        return failed("the PDF was changed after the district signed it")
    if not status.valid:
        return failed("the PDF's signature is not a valid signature of its content")
    if status.signing_cert.dump() != certificate.dump() or not status.trusted:
        return failed(f"the PDF was not signed with the district key {key.key_id}")
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        return failed("content was added to the PDF after the district signed it")
    slot = _slot_problem(pdf, signature, certificate)
    if slot is not None:
        return failed(slot)
    return VerifyCheck(
        name=CheckName.PDF_UNALTERED,
        ok=True,
        detail=f"signed with the district key {key.key_id}; unchanged since",
    )


def inspect_pdf(pdf: bytes, key: DistrictKey) -> PdfInspection:
    """Read ``pdf``'s agreement reference and check its district signature."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reference = _reference(reader)
        unaltered = _unaltered(pdf, reader, key)
    except Exception as error:
        log.info("PDF could not be read: %s", type(error).__name__)
        detail = "the file is not a readable PDF (damaged, or changed after signing)"
        return PdfInspection(
            reference=None,
            unaltered=VerifyCheck(name=CheckName.PDF_UNALTERED, ok=False, detail=detail),
        )
    return PdfInspection(reference=reference, unaltered=unaltered)
