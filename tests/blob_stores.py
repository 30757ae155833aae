"""Both blob stores for the same tests: the folder, and a bucket on a real
S3-protocol server (moto's, started on 127.0.0.1 by the test run).

With ``CI=true`` an S3 server that does not start fails the tests that need
it; elsewhere they are skipped with the reason.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sync_server.blobs.files import FileBlobStore
from sync_server.blobs.open import open_blob_store, s3_client
from sync_server.blobs.s3 import S3BlobStore
from sync_server.blobs.store import BlobStore
from sync_server.core.config import ServerSettings

S3_REGION = "cn-north-1"
S3_KEY_ID = "lastmile-test-key"
S3_SECRET = "lastmile-test-secret-canary"
"""Moto accepts any credentials; this one is searched for in what the code prints."""


@dataclass
class S3Server:
    endpoint: str
    _admin: Any = None

    def settings(self, bucket: str, **values: Any) -> ServerSettings:
        """Server settings for a new bucket of this server."""
        settings = ServerSettings(
            blob_store="s3",
            s3_endpoint=self.endpoint,
            s3_region=S3_REGION,
            s3_bucket=bucket,
            s3_access_key_id=S3_KEY_ID,
            s3_secret_access_key=S3_SECRET,
            **values,
        )
        if self._admin is None:  # one client for the run: making one takes a while
            self._admin = s3_client(settings)
        self._admin.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION}
        )
        return settings


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3-protocol server on loopback for the whole run."""
    try:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
    except Exception as error:  # any failure to start is reported the same way
        message = f"the S3-protocol test server (moto) did not start: {error!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


def new_bucket() -> str:
    return f"lastmile-test-{uuid.uuid4().hex[:20]}"


@dataclass
class StoreUnderTest:
    """A store, how to open another one on the same backing (another server
    process), and how to make the store's publication step fail (a crash)."""

    kind: str
    store: BlobStore
    another: Callable[[], BlobStore]
    power_cut: Callable[[pytest.MonkeyPatch], None]
    spec: str
    """For a subprocess: ``files:<folder>`` or ``s3:<endpoint> <bucket>``."""


def _cut_file_power(patched: pytest.MonkeyPatch) -> None:
    def power_cut(_src: object, _dst: object) -> None:
        raise OSError("simulated crash")

    patched.setattr(os, "replace", power_cut)


def _cut_s3_power(store: S3BlobStore) -> Callable[[pytest.MonkeyPatch], None]:
    def cut(patched: pytest.MonkeyPatch) -> None:
        def power_cut(_sha256: str, _content: object) -> None:
            raise OSError("simulated crash")

        patched.setattr(store, "publish", power_cut)

    return cut


def files_under_test(root: Path) -> StoreUnderTest:
    store = FileBlobStore(root)
    return StoreUnderTest(
        "files", store, lambda: FileBlobStore(root), _cut_file_power, f"files:{root}"
    )


def s3_under_test(server: S3Server, bucket: str | None = None) -> StoreUnderTest:
    settings = server.settings(bucket or new_bucket())
    store = open_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    return StoreUnderTest(
        "s3",
        store,
        lambda: open_blob_store(settings),
        _cut_s3_power(store),
        f"s3:{server.endpoint} {settings.s3_bucket}",
    )


def store_from_spec(spec: str) -> BlobStore:
    """The store a ``StoreUnderTest.spec`` names (in another process)."""
    kind, _, where = spec.partition(":")
    if kind == "files":
        return FileBlobStore(Path(where))
    endpoint, bucket = where.split(" ")
    return open_blob_store(
        ServerSettings(
            blob_store="s3",
            s3_endpoint=endpoint,
            s3_region=S3_REGION,
            s3_bucket=bucket,
            s3_access_key_id=S3_KEY_ID,
            s3_secret_access_key=S3_SECRET,
        )
    )


@pytest.fixture(params=["files", "s3"])
def store_under_test(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    """Each blob-store test runs on the folder and on the S3 server."""
    if request.param == "files":
        return files_under_test(tmp_path / "blobs")
    return s3_under_test(request.getfixturevalue("s3_server"))
