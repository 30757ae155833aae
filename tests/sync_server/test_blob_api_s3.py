"""The blob API's own tests again, with the server on object storage (a
bucket of a real S3-protocol server): uploads resume, wrong offsets and
hashes are refused, downloads follow the jurisdiction, as on the folder."""

from pathlib import Path

import pytest

from sync_server.core.config import ServerSettings
from tests.blob_stores import S3Server, new_bucket
from tests.blob_stores import s3_server as s3_server
from tests.sync_server import test_blobs as on_the_folder

test_missing_lists_each_blob_not_stored_once = (
    on_the_folder.test_missing_lists_each_blob_not_stored_once
)
test_upload_resumes_where_a_dropped_chunk_stopped = (
    on_the_folder.test_upload_resumes_where_a_dropped_chunk_stopped
)
test_wrong_offset_is_409_with_the_right_one = (
    on_the_folder.test_wrong_offset_is_409_with_the_right_one
)
test_content_not_matching_its_hash_is_422_and_discarded = (
    on_the_folder.test_content_not_matching_its_hash_is_422_and_discarded
)
test_download_only_through_an_attachment_in_jurisdiction = (
    on_the_folder.test_download_only_through_an_attachment_in_jurisdiction
)
test_completion_is_audited_once_without_personal_data = (
    on_the_folder.test_completion_is_audited_once_without_personal_data
)


@pytest.fixture
def settings(db_url: str, tmp_path: Path, s3_server: S3Server) -> ServerSettings:
    """The server's settings with ``blob_store = s3`` (the folder holds only keys)."""
    return s3_server.settings(new_bucket(), db=db_url, blobs=tmp_path / "blobs")
