"""What an operator reads when the object store cannot be used: one line
that says what the store answered and which ``LASTMILE_S3_*`` setting to
fix (``S3BlobStore.ready``, called by ``lastmile server`` at start, by
``/readyz`` and by the admin commands before they touch the store), never a
traceback, never the credentials.
"""

from typing import Any, Final

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
)


def error_code(error: ClientError) -> str:
    """The code the store answered (``NoSuchBucket``; ``404`` to a HEAD)."""
    return str(error.response.get("Error", {}).get("Code", ""))


_NO_BUCKET: Final = frozenset({"404", "NoSuchBucket", "NotFound"})
_REFUSED: Final = frozenset(
    {"401", "403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"}
)
_WRONG_REGION: Final = frozenset(
    {
        "301",
        "PermanentRedirect",
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
    }
)
CREDENTIAL_SETTINGS: Final = "LASTMILE_S3_ACCESS_KEY_ID and LASTMILE_S3_SECRET_ACCESS_KEY"


def s3_problem(
    error: ClientError | BotoCoreError, client: Any, bucket: str, bucket_setting: str
) -> str:
    """One line for an operator: what the object store said and which
    setting to fix. Never the credentials, never botocore's whole message
    (it can quote a request)."""
    endpoint = getattr(client.meta, "endpoint_url", "") or "the provider's default endpoint"
    where = f"bucket {bucket} at {endpoint}"
    if isinstance(error, NoCredentialsError):
        return f"no credentials for the object store: set {CREDENTIAL_SETTINGS}"
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return f"the object store at {endpoint} cannot be reached: check LASTMILE_S3_ENDPOINT"
    if isinstance(error, BotoCoreError):
        return (
            f"the object store of {where} cannot be used ({type(error).__name__}): "
            "check LASTMILE_S3_ENDPOINT"
        )
    code = error_code(error)
    if code in _NO_BUCKET:
        return f"there is no {where}: create it, or name the right one ({bucket_setting})"
    if code in _REFUSED:
        return (
            f"the object store refuses the credentials for {where} ({code}): "
            f"check {CREDENTIAL_SETTINGS}"
        )
    if code in _WRONG_REGION:
        return f"{where} is in another region ({code}): check LASTMILE_S3_REGION"
    return f"{where} answers {code or 'an error'}: check the LASTMILE_S3_* settings"
