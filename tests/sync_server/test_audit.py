"""The audit chain itself, on both databases: how entries are appended and
that ``verify_audit`` notices every way the log can be tampered with."""

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select, update

from sync_server.core.audit import AppendedEntry, append_audit, verify_audit
from sync_server.core.db import read_session, write_session
from sync_server.tables import AuditEntry, SyncState

NOW = datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)


def append_in_own_transactions(engine: Engine, count: int) -> list[AppendedEntry]:
    appended = []
    for n in range(count):
        with write_session(engine) as session:
            appended.append(append_audit(session, "push", NOW, detail={"n": n}))
    return appended


def problems(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return verify_audit(session)


def test_first_entry_creates_a_missing_counter_row(engine: Engine) -> None:
    with write_session(engine) as session:
        session.execute(delete(SyncState))
    first, second = append_in_own_transactions(engine, 2)
    assert (first.seq, second.seq) == (1, 2)
    with read_session(engine) as session:
        state = session.get(SyncState, 1)
        assert state is not None
        assert (state.audit_seq, state.audit_head) == (2, second.entry_hash)
    assert problems(engine) == []


def test_many_entries_in_one_transaction_chain_in_order(engine: Engine) -> None:
    with write_session(engine) as session:
        appended = [append_audit(session, "login", NOW, device_id=f"d{n}") for n in range(5)]
    assert [entry.seq for entry in appended] == [1, 2, 3, 4, 5]
    with read_session(engine) as session:
        stored = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))  # type: ignore[arg-type]
    assert [entry.entry_hash for entry in stored] == [entry.entry_hash for entry in appended]
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
    results: list[list[AppendedEntry]] = [[], []]
    workers = [
        threading.Thread(target=lambda out=out: out.extend(append_in_own_transactions(engine, 20)))
        for out in results
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(entry.seq for out in results for entry in out) == list(range(1, 41))
    assert problems(engine) == []
