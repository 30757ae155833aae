"""Fixtures of the reliability tests (the server side comes from tests/conftest.py)."""

from pathlib import Path

import pytest

from tests.field_app.sync_fixtures import migrated_local_template


@pytest.fixture(scope="session")
def local_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated local database; each phone starts from a copy."""
    return migrated_local_template(tmp_path_factory.mktemp("local-template"))
