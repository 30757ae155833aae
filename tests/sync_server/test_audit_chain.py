"""The audit chain step (``core/audit_chain.py``) on both databases: writes
leave their entries pending, a short step after each commit chains them.

Under concurrent writers and concurrent pushes through the real server,
every committed entry is chained exactly once, nothing rolled back is, and
the chain verifies. A write never waits for another's chain step
(PostgreSQL). A pending entry changed, forged or written again is never
chained and is reported; one left pending too long is reported and chained
by the next write; a chained entry's id cannot be changed unseen.
"""

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from sync_server.core.audit import append_audit, bound_keyring, check_audit, verify_audit
from sync_server.core.audit_chain import (
    CHAIN_LAG_LIMIT,
    INSERT_PENDING,
    LOG,
    PENDING,
    STATE,
    ChainStep,
    chain_now,
    keyed_pending,
    new_entry,
)
from sync_server.core.audit_key import load_keyring
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.main import create_app
from tests.factories import District
from tests.sync_server.audit_waits import pending_count, wait_until_chained
from tests.sync_server.test_out_of_order_commits import PUSHES_PER_DEVICE, run_device, serving

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
WRITERS = 8
WRITES = 15


class _RolledBackError(Exception):
    """Raised inside a write's transaction to roll it back."""


def problems(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return verify_audit(session)


def log_rows(engine: Engine) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        return [dict(row) for row in session.execute(select(LOG).order_by(LOG.c.seq)).mappings()]


def write(engine: Engine, writer: int, committed: list[tuple[int, int]]) -> None:
    """``WRITES`` audited writes, every third rolled back, with random pauses
    so that the writers' transactions and chain steps interleave."""
    rng = random.Random(writer)
    for n in range(WRITES):
        try:
            with write_session(engine) as session:
                append_audit(session, "push", NOW, device_id=f"w{writer}", detail={"n": n})
                time.sleep(rng.uniform(0, 0.01))
                if n % 3 == 2:
                    raise _RolledBackError
        except _RolledBackError:
            continue
        committed.append((writer, n))


def test_concurrent_writes_are_each_chained_once_into_one_chain(engine: Engine) -> None:
    committed: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=write, args=(engine, writer, committed))
        for writer in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until_chained(engine)
    rows = log_rows(engine)
    chained = [(int(row["device_id"][1:]), row["detail"]["n"]) for row in rows]
    assert len(chained) == len(set(chained)), "an entry was chained twice"
    assert sorted(chained) == sorted(committed), (
        "a committed entry is missing or a rolled back one is in"
    )
    assert [row["seq"] for row in rows] == list(range(1, len(committed) + 1))
    assert len({row["entry_id"] for row in rows}) == len(rows)
    assert problems(engine) == []


def test_concurrent_pushes_through_the_server_are_each_audited_once(
    settings: ServerSettings, engine: Engine, district: District
) -> None:
    devices = [
        ("mediator.baijia", "chain-baijia-1", district.baijia_committee.id),
        ("mediator.baijia", "chain-baijia-2", district.baijia_committee.id),
        ("supervisor.baijia", "chain-baijia-3", district.baijia.id),
        ("mediator.xiyuan", "chain-xiyuan-1", district.xiyuan_committee.id),
        ("supervisor.xiyuan", "chain-xiyuan-2", district.xiyuan.id),
    ]
    with (
        serving(create_app(settings, engine)) as base_url,
        ThreadPoolExecutor(max_workers=len(devices)) as pool,
    ):
        for future in [pool.submit(run_device, base_url, *device) for device in devices]:
            future.result()
    wait_until_chained(engine)
    pushes = [row for row in log_rows(engine) if row["action"] == "push"]
    per_device = {device_id: 0 for _, device_id, _ in devices}
    for row in pushes:
        per_device[row["device_id"]] += 1
    assert per_device == dict.fromkeys(per_device, PUSHES_PER_DEVICE)
    assert problems(engine) == []


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_write_never_waits_for_another_writes_chain_step(engine: Engine) -> None:
    """The queue of issue #15. While one transaction holds the head (as a
    chain step does through its commit), another write commits at once with
    its entry pending; the entry is chained as soon as the head is free.
    PostgreSQL only: SQLite has one writer at a time anyway."""
    write_one(engine, "first")
    with write_session(engine) as holder:
        holder.execute(select(STATE).where(STATE.c.id == 1).with_for_update())
        quick = threading.Thread(target=write_one, args=(engine, "quick"))
        quick.start()
        quick.join(timeout=10)
        assert not quick.is_alive(), "the write waited for the head"
        assert pending_count(engine) == 1
        assert [row["device_id"] for row in log_rows(engine)] == ["first"]
    wait_until_chained(engine)
    assert [row["device_id"] for row in log_rows(engine)] == ["first", "quick"]
    assert problems(engine) == []


def write_one(engine: Engine, device_id: str) -> None:
    with write_session(engine) as session:
        append_audit(session, "push", NOW, device_id=device_id)


def leave_pending(engine: Engine, at: datetime = NOW, **changes: Any) -> dict[str, Any]:
    """A keyed pending entry written without a chain step after it."""
    with read_session(engine) as session:
        keyring = bound_keyring(session)
    entry = keyed_pending(keyring, new_entry("push", at, None, "phone", {"n": 1})) | changes
    with write_session(engine) as session:
        session.execute(INSERT_PENDING, entry)
    return entry


def pending_rows(engine: Engine) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        return [dict(row) for row in session.execute(select(PENDING)).mappings()]


def test_a_pending_entry_changed_while_it_waits_is_never_chained(engine: Engine) -> None:
    leave_pending(engine)
    with write_session(engine) as session:
        session.execute(update(PENDING).values(detail={"n": 2}))
    write_one(engine, "next")
    wait_until_only_refused_left(engine, 1)
    assert [row["device_id"] for row in log_rows(engine)] == ["next"]
    [found] = [p for p in problems(engine) if p.startswith("pending entry")]
    assert found.endswith("MAC fails: changed, or written without the audit key")


def test_a_pending_entry_forged_without_the_key_is_never_chained(
    engine: Engine, tmp_path: Path
) -> None:
    stranger = load_keyring(tmp_path / "stranger.json", generate=True)
    forged = keyed_pending(stranger, new_entry("login", NOW, None, "forger", {}))
    with write_session(engine) as session:
        session.execute(INSERT_PENDING, forged)
    write_one(engine, "next")
    wait_until_only_refused_left(engine, 1)
    assert [row["device_id"] for row in log_rows(engine)] == ["next"]
    assert any("which the key file does not hold" in p for p in problems(engine))


def test_a_pending_entry_copied_and_written_again_is_refused(engine: Engine) -> None:
    original = leave_pending(engine)
    chain_now(engine)
    with write_session(engine) as session:
        session.execute(insert(PENDING), original)  # the copy a forger kept
    write_one(engine, "next")
    wait_until_only_refused_left(engine, 1)
    assert [row["device_id"] for row in log_rows(engine)] == ["phone", "next"]
    assert any(p.endswith("repeats entry 1 (a copy written again)") for p in problems(engine))


def test_an_entry_left_pending_too_long_is_reported_then_chained_by_the_next_write(
    engine: Engine,
) -> None:
    """As a server that stopped between a write's commit and its chain step leaves it."""
    leave_pending(engine, at=datetime.now(UTC) - CHAIN_LAG_LIMIT - timedelta(seconds=5))
    assert any("wait to be chained, the oldest since" in p for p in problems(engine))
    write_one(engine, "next")
    wait_until_chained(engine)
    assert [row["device_id"] for row in log_rows(engine)] == ["phone", "next"]
    assert problems(engine) == []


def test_an_entry_written_just_now_is_noted_not_a_problem(engine: Engine) -> None:
    leave_pending(engine, at=datetime.now(UTC))
    with read_session(engine) as session:
        report = check_audit(session, bound_keyring(session))
    assert report.problems == []
    assert (report.pending, report.notes) == (1, ["1 entry written just now waits to be chained"])


def test_a_chained_entry_id_changed_is_detected(engine: Engine) -> None:
    write_one(engine, "one")
    write_one(engine, "two")
    wait_until_chained(engine)
    with write_session(engine) as session:
        session.execute(update(LOG).where(LOG.c.seq == 1).values(entry_id=uuid.uuid4()))
    assert "entry 1 was changed after it was written" in problems(engine)


def wait_until_only_refused_left(engine: Engine, refused: int) -> None:
    deadline = time.monotonic() + 10
    while pending_count(engine) != refused:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert len(pending_rows(engine)) == refused


def test_disposing_of_the_engine_waits_for_its_chain_step_and_leaves_no_connection_open(
    db_url: str,
) -> None:
    """A step still waiting when a server stops (or a test drops its
    database) would open a connection on the engine's new pool that nobody
    closes."""
    engine = make_engine(db_url)
    step = ChainStep.of(engine)
    step.request()
    running = step._thread
    assert running is not None
    assert running.is_alive()

    engine.dispose()

    assert not running.is_alive()
    assert engine.pool.checkedin() == 0  # type: ignore[attr-defined]
