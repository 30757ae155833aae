"""The keystore on its own: an older keystore is wrapped again with this
version's cost, and the wrong-PIN count's second copy in the database header."""

import json
import sqlite3
from pathlib import Path

import pytest

from field_app.security.keystore import (
    KEYSTORE_FILE,
    KdfParams,
    Keystore,
    PinRejectedError,
    SecretKind,
    WrongPinError,
    check_pin_strength,
)
from field_app.storage.db import HeaderCounter

OLD = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
NOW = KdfParams(time_cost=2, memory_cost_kib=16, parallelism=1)
PIN = "258147"


def _nothing() -> None:
    raise AssertionError("nothing may be wiped here")


def _database(folder: Path) -> Path:
    path = folder / "field.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    return path


def test_a_first_release_keystore_is_wrapped_again_with_this_versions_cost(
    tmp_path: Path,
) -> None:
    old = Keystore(tmp_path, kdf=OLD)
    key = old.create(PIN)
    state = json.loads((tmp_path / KEYSTORE_FILE).read_text())
    state["version"] = 1  # as the first release wrote it: no kind, a count of its own
    del state["secret"]
    state["failed_attempts"] = 2
    (tmp_path / KEYSTORE_FILE).write_text(json.dumps(state))

    now = Keystore(tmp_path, kdf=NOW, mirror=HeaderCounter(_database(tmp_path)))
    assert now.kind() is SecretKind.PIN
    assert now.unlock(PIN, _nothing) == key
    assert now.report is not None
    assert (now.report.wrong_pins, now.report.rolled_back) == (2, False)
    upgraded = json.loads((tmp_path / KEYSTORE_FILE).read_text())
    assert upgraded["version"] == 2
    assert upgraded["kdf"]["params"]["time_cost"] == NOW.time_cost
    assert upgraded["failed_attempts"] == 0
    assert now.unlock(PIN, _nothing) == key  # and still opens with the same PIN


def test_the_count_is_the_larger_of_the_file_and_the_database_header(tmp_path: Path) -> None:
    header = HeaderCounter(_database(tmp_path))
    keystore = Keystore(tmp_path, max_attempts=10, warn_after=5, kdf=OLD, mirror=header)
    keystore.create(PIN)
    for _ in range(3):
        with pytest.raises(WrongPinError):
            keystore.unlock("999999", _nothing)
    assert header.read() == 3
    state = json.loads((tmp_path / KEYSTORE_FILE).read_text())
    state["failed_attempts"] = 0
    (tmp_path / KEYSTORE_FILE).write_text(json.dumps(state))
    assert keystore.failed_attempts() == 3
    with pytest.raises(WrongPinError) as fourth:
        keystore.unlock("999998", _nothing)
    assert fourth.value.attempts_left == 6
    keystore.unlock(PIN, _nothing)
    assert keystore.report is not None
    assert keystore.report.wrong_pins == 4
    assert header.read() == 0
    assert HeaderCounter(tmp_path / "absent.db").read() == 0


def test_a_passcode_needs_letters_and_length() -> None:
    check_pin_strength("river stone 42")
    for weak in ("riverst", "aaaaaaaa", "１２３４５６"):
        with pytest.raises(PinRejectedError):
            check_pin_strength(weak)
