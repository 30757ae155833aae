"""Sealed agreements: the district's public key, verification, printing.

The public key is published without sign-in: anyone holding an agreement (a
court, a party) may check its countersignature. Verification and printing
are scoped like every other read: an agreement outside the caller's
jurisdiction is 404, exactly like one that does not exist.
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import Response

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.verify import DistrictKeyInfo, RetiredDistrictKey, VerifyReport
from shared_models.sealing import COUNTERSIGNATURE_ALGORITHM
from sync_server.api.deps import CallerDep, EngineDep, SessionDep, SettingsDep
from sync_server.api.routes.blobs import BlobStoreDep
from sync_server.core.audit import append_audit
from sync_server.core.db import write_session
from sync_server.core.district_key import DistrictKey, district_key
from sync_server.core.errors import ApiError
from sync_server.services.agreements.printing import print_agreement
from sync_server.services.agreements.verification import AgreementVerifier

router = APIRouter(prefix="/api/v1", tags=["agreements"])

_NOT_FOUND = "there is no such agreement in your jurisdiction"
_MESSAGE_DOC = (
    "shared_models.sealing.countersignature_message: canonical JSON "
    "(keys sorted, no white space, UTF-8) of "
    '{"agreement_id", "content_hash", "key_id", "signed_at"}; '
    "countersignature = <key_id>:<base64 Ed25519 signature>"
)


def get_district_key(settings: SettingsDep) -> DistrictKey:
    return district_key(settings)


DistrictKeyDep = Annotated[DistrictKey, Depends(get_district_key)]


def _verifier(
    caller: CallerDep, session: SessionDep, key: DistrictKeyDep, blobs: BlobStoreDep
) -> AgreementVerifier:
    return AgreementVerifier(session=session, scope=caller.scope, key=key, blobs=blobs)


VerifierDep = Annotated[AgreementVerifier, Depends(_verifier)]

_SCOPED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    404: {"model": ErrorEnvelope, "description": _NOT_FOUND},
    422: {"model": ErrorEnvelope},
}


@router.get("/keys/district")
def district_public_key(key: DistrictKeyDep) -> DistrictKeyInfo:
    """The district's public key and certificate: what countersignatures and
    signed agreement PDFs are checked with; and its retired keys, for what
    they signed before a rotation."""
    return DistrictKeyInfo(
        key_id=key.key_id,
        algorithm=COUNTERSIGNATURE_ALGORITHM,
        public_key_pem=key.public_key_pem(),
        certificate_pem=key.certificate_pem(),
        countersigned_message=_MESSAGE_DOC,
        retired=[
            RetiredDistrictKey(
                key_id=old.key_id,
                public_key_pem=old.public_key_pem(),
                certificate_pem=old.certificate_pem(),
            )
            for old in key.retired
        ],
    )


@router.get("/agreements/{agreement_id}/verify", responses=_SCOPED)
def verify_agreement(agreement_id: UUID, verifier: VerifierDep) -> VerifyReport:
    """Check a stored agreement: its seal, countersignature, signature images
    and the chain of agreements it corrects; each check says what failed."""
    verifier.reachable(agreement_id)
    return verifier.verify_id(agreement_id)


@router.post(
    "/verify",
    responses={401: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}},
)
def verify_pdf(
    verifier: VerifierDep,
    file: Annotated[UploadFile, File(description="the agreement PDF to check")],
) -> VerifyReport:
    """Check a PDF of an agreement: that the district signed it and it is
    unchanged since, that it names the agreement at its recorded hash, and
    every check of the stored agreement. A damaged or unsigned PDF is an
    answer (failing checks), not an error."""
    return verifier.verify_pdf(file.file.read())


@router.get(
    "/agreements/{agreement_id}.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "signed when sealed"},
        **_SCOPED,
        403: {"model": ErrorEnvelope, "description": "only supervisors and admins"},
        409: {
            "model": ErrorEnvelope,
            "description": "a signature image is not on the server yet, or is not the sealed one",
        },
    },
)
def agreement_pdf(
    agreement_id: UUID,
    caller: CallerDep,
    engine: EngineDep,
    verifier: VerifierDep,
) -> Response:
    """The printed agreement (customary layout, signature images, content
    hash and QR code), signed with the district key when sealed."""
    if not caller.scope.supervises:
        raise ApiError(
            403, ErrorCode.FORBIDDEN, f"a {caller.scope.role} cannot download agreements"
        )
    row = verifier.reachable(agreement_id, live=True)
    printed = print_agreement(row, verifier.key, verifier.blobs, verifier.session)
    now = datetime.now(UTC)
    with write_session(engine) as session:
        append_audit(
            session,
            "print_agreement",
            now,
            actor_id=caller.user.id,
            device_id=caller.device_id,
            detail={"agreement_id": str(agreement_id), "signed": printed.signed},
        )
    return Response(
        printed.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{printed.file_name}"'},
    )
