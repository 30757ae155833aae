"""Fixtures of the reliability tests (the district database comes from tests/district_db.py)."""

from pathlib import Path

import pytest

from tests.district_db import db_url as db_url
from tests.district_db import engine as engine
from tests.district_db import pg_template as pg_template
from tests.district_db import sqlite_template as sqlite_template
from tests.integration.sync_fixtures import migrated_local_template


@pytest.fixture(scope="session")
def local_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated local database; each phone starts from a copy."""
    return migrated_local_template(tmp_path_factory.mktemp("local-template"))
