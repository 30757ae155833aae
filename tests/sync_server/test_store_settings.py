"""A wrong object-store setting is one line naming it, never a traceback:
at ``lastmile server``'s start (before it changes anything) and from the
admin commands that touch the store (``blobs move``, ``backup``,
``restore``). A malformed value (URL, bucket, region), a bucket that does
not exist, an endpoint nobody answers on, credentials the store refuses."""

import socket
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.blobs import open as blob_open
from sync_server.blobs.s3 import S3BlobStore
from sync_server.blobs.store import BlobStoreError
from sync_server.core.config import ServerSettings
from tests.blob_stores import S3_KEY_ID, S3_REGION, S3_SECRET, S3Server, new_bucket
from tests.blob_stores import s3_server as s3_server

runner = CliRunner()


def lastmile(*args: str) -> Any:
    return runner.invoke(app, list(args))


def one_line(result: Any) -> str:
    """The command's message: it exited by itself, with one line and no traceback."""
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert S3_SECRET not in result.output
    return lines[0]


def commands(tmp_path: Path, location: str = "s3://lastmile-none/") -> list[list[str]]:
    """Every command that opens the configured store (or a named one)."""
    db = f"sqlite:///{tmp_path / 'district.db'}"
    return [
        ["server", "--db", db],
        ["admin", "blobs", "move", "--from", str(tmp_path / "blobs"), "--to", location],
        ["admin", "backup", str(tmp_path / "backup"), "--db", db],
        ["admin", "restore", str(tmp_path / "backup"), "--db", db],
    ]


@pytest.fixture
def object_store_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("LASTMILE_BLOB_STORE", "s3")
    monkeypatch.setenv("LASTMILE_S3_REGION", S3_REGION)
    monkeypatch.setenv("LASTMILE_S3_ACCESS_KEY_ID", S3_KEY_ID)
    monkeypatch.setenv("LASTMILE_S3_SECRET_ACCESS_KEY", S3_SECRET)
    return monkeypatch


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("LASTMILE_S3_ENDPOINT", "ftp://oss.example", "LASTMILE_S3_ENDPOINT: give a URL such as"),
        ("LASTMILE_S3_BUCKET", "Bad_Bucket", "LASTMILE_S3_BUCKET: give a bucket name"),
        ("LASTMILE_S3_REGION", "CN North", "LASTMILE_S3_REGION: give a region such as"),
        ("LASTMILE_S3_PREFIX", "../x", "LASTMILE_S3_PREFIX: give folders ending with /"),
        ("LASTMILE_S3_BUCKET", None, "blob_store s3 needs s3_bucket (LASTMILE_S3_BUCKET)"),
    ],
)
def test_a_malformed_setting_is_named(
    object_store_env: pytest.MonkeyPatch,
    tmp_path: Path,
    variable: str,
    value: str | None,
    expected: str,
) -> None:
    object_store_env.setenv("LASTMILE_S3_BUCKET", "lastmile-blobs")
    if value is None:
        object_store_env.delenv(variable)
    else:
        object_store_env.setenv(variable, value)
    for command in commands(tmp_path):
        result = lastmile(*command)
        assert result.exit_code == 2, (command, result.output)
        assert expected in one_line(result), command
    assert not (tmp_path / "district.db").exists(), "nothing was changed"


def test_a_bucket_that_does_not_exist_is_named(
    s3_server: S3Server, object_store_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    object_store_env.setenv("LASTMILE_S3_ENDPOINT", s3_server.endpoint)
    object_store_env.setenv("LASTMILE_S3_BUCKET", "lastmile-none")
    for command in commands(tmp_path):
        result = lastmile(*command)
        assert result.exit_code == 1, (command, result.output)
        line = one_line(result)
        assert f"there is no bucket lastmile-none at {s3_server.endpoint}" in line, line
    assert "(LASTMILE_S3_BUCKET)" in one_line(lastmile(*commands(tmp_path)[0]))
    moved = one_line(lastmile(*commands(tmp_path)[1]))
    assert moved.startswith("nothing moved: ")
    assert "(the bucket of s3://lastmile-none/)" in moved
    assert not (tmp_path / "district.db").exists(), "the server refused before migrating"


def test_an_endpoint_nobody_answers_on_is_named(
    object_store_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    object_store_env.setenv("LASTMILE_S3_ENDPOINT", f"http://127.0.0.1:{port}")
    object_store_env.setenv("LASTMILE_S3_BUCKET", "lastmile-blobs")
    result = lastmile(*commands(tmp_path)[0])
    assert result.exit_code == 1, result.output
    assert one_line(result) == (
        f"the server does not start: the object store at http://127.0.0.1:{port} "
        "cannot be reached: check LASTMILE_S3_ENDPOINT"
    )


@pytest.mark.parametrize("code", ["403", "InvalidAccessKeyId", "SignatureDoesNotMatch"])
def test_credentials_the_store_refuses_are_named(
    s3_server: S3Server,
    object_store_env: pytest.MonkeyPatch,
    tmp_path: Path,
    code: str,
) -> None:
    """The test server takes any credentials: its answer to wrong ones is
    played by botocore's stubber, as a real store gives it."""
    settings = s3_server.settings(new_bucket())
    refusing = blob_open.s3_client(settings)
    stubber = Stubber(refusing)
    for _ in range(len(commands(tmp_path))):
        stubber.add_client_error("head_bucket", service_error_code=code, http_status_code=403)
    stubber.activate()
    object_store_env.setattr(blob_open, "s3_client", lambda _settings: refusing)
    object_store_env.setenv("LASTMILE_S3_ENDPOINT", s3_server.endpoint)
    object_store_env.setenv("LASTMILE_S3_BUCKET", str(settings.s3_bucket))
    for command in commands(tmp_path, f"s3://{settings.s3_bucket}/"):
        result = lastmile(*command)
        assert result.exit_code == 1, (command, result.output)
        line = one_line(result)
        assert f"the object store refuses the credentials for bucket {settings.s3_bucket}" in line
        assert (
            f"({code}): check LASTMILE_S3_ACCESS_KEY_ID and LASTMILE_S3_SECRET_ACCESS_KEY" in line
        )


def test_readiness_names_the_same_problem(s3_server: S3Server) -> None:
    settings = ServerSettings(
        blob_store="s3",
        s3_endpoint=s3_server.endpoint,
        s3_region=S3_REGION,
        s3_bucket="lastmile-none",
        s3_access_key_id=S3_KEY_ID,
        s3_secret_access_key=S3_SECRET,
    )
    store = blob_open.open_blob_store(settings)
    assert isinstance(store, S3BlobStore)
    with pytest.raises(
        BlobStoreError, match=r"create it, or name the right one \(LASTMILE_S3_BUCKET\)"
    ):
        store.ready()
