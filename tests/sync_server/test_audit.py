"""The audit chain itself, on both databases: how entries are appended and
that ``verify_audit`` notices every way the log can be tampered with."""

import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, update

from sync_server.core.audit import (
    AuditReport,
    append_audit,
    bind_audit_keyring,
    bound_keyring,
    check_audit,
    verify_audit,
)
from sync_server.core.audit_key import AuditKeyError, forget_loaded_keyrings, load_keyring
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.tables import AuditEntry, SyncState
from tests.sync_server.audit_waits import wait_until_chained

NOW = datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)


def append_in_own_transactions(engine: Engine, count: int) -> None:
    for n in range(count):
        with write_session(engine) as session:
            append_audit(session, "push", NOW, detail={"n": n})


def chained(engine: Engine) -> list[AuditEntry]:
    """The log as stored, in chain order."""
    with read_session(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))  # type: ignore[arg-type]


def problems(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return verify_audit(session)


def test_first_entry_creates_a_missing_counter_row(engine: Engine) -> None:
    with write_session(engine) as session:
        session.execute(delete(SyncState))
    append_in_own_transactions(engine, 2)
    wait_until_chained(engine)  # PostgreSQL: the chain step made the row
    first, second = chained(engine)
    assert (first.seq, second.seq) == (1, 2)
    with read_session(engine) as session:
        state = session.get(SyncState, 1)
        assert state is not None
        assert (state.audit_seq, state.audit_head) == (2, second.entry_hash)
    assert problems(engine) == []


def test_many_entries_in_one_transaction_chain_in_order(engine: Engine) -> None:
    with write_session(engine) as session:
        for n in range(5):
            append_audit(session, "login", NOW, device_id=f"d{n}")
    stored = chained(engine)
    expected = [(n + 1, f"d{n}") for n in range(5)]
    assert [(entry.seq, entry.device_id) for entry in stored] == expected
    assert [entry.prev_hash for entry in stored[1:]] == [entry.entry_hash for entry in stored[:-1]]
    assert stored[0].at.replace(tzinfo=UTC) == NOW.replace(microsecond=0)
    assert problems(engine) == []


def test_a_deleted_entry_is_detected(engine: Engine) -> None:
    append_in_own_transactions(engine, 3)
    with write_session(engine) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))  # type: ignore[arg-type]
    assert "entry 2 is missing (next entry is 3)" in problems(engine)


def test_reordered_entries_are_detected(engine: Engine) -> None:
    append_in_own_transactions(engine, 3)
    with write_session(engine) as session:
        for old, new in ((2, -2), (3, 2), (-2, 3)):
            session.execute(update(AuditEntry).where(AuditEntry.seq == old).values(seq=new))  # type: ignore[arg-type]
    found = problems(engine)
    assert "entry 2 does not follow the entry before it" in found
    assert "entry 2 was changed after it was written" in found


def test_concurrent_writers_never_share_a_seq_or_fork_the_chain(engine: Engine) -> None:
    workers = [
        threading.Thread(target=append_in_own_transactions, args=(engine, 20)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wait_until_chained(engine)
    assert [entry.seq for entry in chained(engine)] == list(range(1, 41))
    assert problems(engine) == []


def write_before_the_key(engine: Engine, count: int, elsewhere: Path) -> None:
    """Entries as a release without the audit key wrote them: no MAC on them
    nor on the head."""
    with read_session(engine) as session:
        keyring = bound_keyring(session)
    bind_audit_keyring(engine, load_keyring(elsewhere, generate=True))
    append_in_own_transactions(engine, count)
    with write_session(engine) as session:
        session.execute(update(AuditEntry).values(key_id=None, mac=None))
        session.execute(update(SyncState).values(audit_head_key_id=None, audit_head_mac=None))
    bind_audit_keyring(engine, keyring)


def report(engine: Engine) -> AuditReport:
    with read_session(engine) as session:
        return check_audit(session, bound_keyring(session))


def test_entries_written_before_the_key_still_verify_and_are_reported(
    engine: Engine, tmp_path: Path
) -> None:
    write_before_the_key(engine, 3, tmp_path / "old" / "keys.json")
    before = report(engine)
    assert before.problems == []
    assert before.legacy == 3
    assert before.anchor is None
    assert "covered by their hash chain only" in before.notes[0]
    append_in_own_transactions(engine, 2)
    after = report(engine)
    assert after.problems == []
    assert (after.legacy, sum(after.keyed_by.values())) == (3, 2)
    assert after.anchor is not None
    assert after.anchor.keyed_from == 4
    # The start point is recorded outside the database, in the key file.
    recorded = json.loads(key_file_of(engine).read_text())["anchor"]
    assert (recorded["keyed_from"], recorded["legacy_head"]) == (4, last_legacy_hash(engine))


def key_file_of(engine: Engine) -> Path:
    with read_session(engine) as session:
        return bound_keyring(session).path


def last_legacy_hash(engine: Engine) -> str:
    with read_session(engine) as session:
        return str(session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 3)))


def test_a_rotated_key_keys_new_entries_and_older_ones_still_verify(engine: Engine) -> None:
    append_in_own_transactions(engine, 2)
    with read_session(engine) as session:
        keyring = bound_keyring(session)
    old_id = keyring.current_id
    new_id = keyring.rotate()
    append_in_own_transactions(engine, 3)
    found = report(engine)
    assert found.problems == []
    assert dict(found.keyed_by) == {old_id: 2, new_id: 3}
    assert found.head_key_id == new_id
    # Another process reads the key file afresh: the same verdict.
    forget_loaded_keyrings()
    fresh = load_keyring(keyring.path)
    with read_session(engine) as session:
        assert check_audit(session, fresh).problems == []


def test_a_key_missing_from_the_key_file_is_named(engine: Engine, tmp_path: Path) -> None:
    append_in_own_transactions(engine, 2)
    with read_session(engine) as session:
        old_id = bound_keyring(session).current_id
        path = bound_keyring(session).path
    document = json.loads(path.read_text())
    other = tmp_path / "other.json"
    stranger = load_keyring(other, generate=True)
    document["keys"] = json.loads(other.read_text())["keys"]
    path.write_text(json.dumps(document))
    forget_loaded_keyrings()
    with read_session(engine) as session:
        problems = check_audit(session, load_keyring(path)).problems
    assert stranger.current_id != old_id
    assert f"entries 1–2: keyed with key {old_id}, which the key file does not hold" in problems
    assert f"the head is keyed with key {old_id}, which the key file does not hold" in problems


def test_the_key_file_of_another_database_is_refused(engine: Engine) -> None:
    append_in_own_transactions(engine, 1)
    with write_session(engine) as session:
        session.execute(update(SyncState).values(epoch=uuid.uuid4()))
    assert any("the key file anchors another database" in p for p in problems(engine))


def test_an_engine_without_a_key_writes_nothing(tmp_path: Path, db_url: str) -> None:
    bare = make_engine(db_url)
    try:
        with pytest.raises(AuditKeyError), write_session(bare) as session:
            append_audit(session, "push", NOW)
    finally:
        bare.dispose()


def test_a_key_file_that_cannot_take_the_anchor_does_not_stop_writes(
    engine: Engine, tmp_path: Path
) -> None:
    keyring = load_keyring(tmp_path / "keys.json", generate=True)
    bind_audit_keyring(engine, keyring)
    # Its lock cannot be opened (a folder in its place: even root fails).
    (tmp_path / "keys.json.lock").unlink()
    (tmp_path / "keys.json.lock").mkdir()
    append_in_own_transactions(engine, 2)
    assert keyring.anchor is None
    assert problems(engine) == [
        "entries are keyed from entry 1 on but the key file does not record where keying "
        "began (is it an older copy?)"
    ]


def test_a_mac_column_holding_any_text_is_reported_not_raised(engine: Engine) -> None:
    append_in_own_transactions(engine, 2)
    with write_session(engine) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(mac="é" * 64))  # type: ignore[arg-type]
        session.execute(update(SyncState).values(audit_head_key_id="钥匙", audit_head_mac="ü"))
    found = problems(engine)
    assert "entry 1: MAC fails: rewritten, or re-chained after a rewrite before it" in found
    assert any("the head is keyed with key" in problem for problem in found)
