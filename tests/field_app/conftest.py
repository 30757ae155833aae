"""A fresh local store per test, with a real (fast-to-derive) data key."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from field_app.security.aead import DataKeyCipher
from field_app.storage.db import DATABASE_FILE, make_local_engine, migrate
from field_app.storage.store import LocalStore


@pytest.fixture
def cipher() -> DataKeyCipher:
    return DataKeyCipher(os.urandom(32))


@pytest.fixture
def store(tmp_path: Path, cipher: DataKeyCipher) -> Iterator[LocalStore]:
    engine = make_local_engine(tmp_path / DATABASE_FILE)
    migrate(engine)
    yield LocalStore(engine, cipher)
    engine.dispose()
