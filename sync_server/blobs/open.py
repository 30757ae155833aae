"""The blob store the settings name (``blob_store``): the folder, or a bucket
of S3-compatible object storage through boto3; and ``usable_store``, which
the commands open it with, so that a wrong setting is one line naming it,
never a traceback."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sync_server.blobs.files import FileBlobStore
from sync_server.blobs.s3 import S3BlobStore
from sync_server.blobs.store import BlobStore, BlobStoreError
from sync_server.core.config import ServerSettings

S3_LOCATION = "s3://"


def s3_client(settings: ServerSettings) -> Any:
    """A boto3 S3 client for the settings' endpoint, region and credentials.

    Path-style addressing by default (MinIO and most private clouds have no
    wildcard DNS for buckets); checksums only where the operation requires
    them, because boto3's newer default (a CRC on every upload) is refused
    by many S3-compatible stores. Credentials never reach a log: botocore
    logs no secrets at the levels the server uses, and the settings hide
    them from ``repr``.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": settings.s3_addressing_style},
        signature_version="s3v4",
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=config,
    )


def open_blob_store(settings: ServerSettings) -> BlobStore:
    """The store the server and the admin commands use."""
    if settings.blob_store == "s3":
        assert settings.s3_bucket is not None  # the settings refuse s3 without one
        return S3BlobStore(
            s3_client(settings),
            settings.s3_bucket,
            settings.s3_prefix,
            locks=settings.s3_upload_locks,
        )
    return FileBlobStore(settings.blobs)


class StoreUnusableError(Exception):
    """The store cannot be used; the message is one line naming the setting to fix."""


def usable_store(store: Callable[[], BlobStore]) -> BlobStore:
    """The store ``store`` opens, checked (``ready``): the bucket answers
    with these credentials, the folder can be written. ``StoreUnusableError``
    otherwise (``blobs/s3_problems.py`` words it)."""
    try:
        opened = store()
        opened.ready()
    except BlobStoreError as problem:
        raise StoreUnusableError(str(problem)) from None
    except OSError as error:  # a folder that cannot be made
        raise StoreUnusableError(
            f"the blob folder cannot be made: {error.strerror} ({error.filename}; LASTMILE_BLOBS)"
        ) from None
    return opened


def store_at(location: str, settings: ServerSettings) -> BlobStore:
    """A store named on a command line: ``s3://bucket/prefix/`` (endpoint,
    region and credentials from the settings) or a folder."""
    if location.startswith(S3_LOCATION):
        bucket, _, prefix = location.removeprefix(S3_LOCATION).partition("/")
        named = settings.model_copy(update={"blob_store": "s3"})
        named = type(settings).model_validate(
            {**named.model_dump(), "s3_bucket": bucket, "s3_prefix": prefix}
        )
        store = open_blob_store(named)
        assert isinstance(store, S3BlobStore)
        store.bucket_setting = f"the bucket of {location}"
        return store
    return FileBlobStore(Path(location))
