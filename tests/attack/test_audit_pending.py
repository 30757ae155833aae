"""Attacks on the audit entries waiting to be chained (``audit_pending``,
``core/audit_chain.py``) by someone who can write the database and has read
the code, but not the audit key.

Each forgery is written while an entry waits (as a write that found the
chain's head taken leaves it), then the next write's chain step runs. The
promise: nothing forged is ever chained (it would carry a chained entry's MAC
it never earned), the honest entries around it are, and ``verify_audit``
names every forgery.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from sync_server.core.audit import append_audit, bound_keyring, verify_audit
from sync_server.core.audit_chain import (
    INSERT_PENDING,
    LOG,
    PENDING,
    chain_now,
    keyed_pending,
    new_entry,
)
from sync_server.core.audit_key import load_keyring
from sync_server.core.db import read_session, write_session
from tests.attack.tally import Attack

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
Forgery = Callable[[Engine, dict[str, Any], Path], None]


def leave_pending(engine: Engine, device_id: str) -> dict[str, Any]:
    with read_session(engine) as session:
        keyring = bound_keyring(session)
    entry = keyed_pending(keyring, new_entry("push", AT, None, device_id, {"n": 1}))
    with write_session(engine) as session:
        session.execute(INSERT_PENDING, entry)
    return entry


def write(engine: Engine, statement: Any, *params: dict[str, Any]) -> None:
    with write_session(engine) as session:
        session.execute(statement, *params)


def change_the_detail(engine: Engine, entry: dict[str, Any], _: Path) -> None:
    write(engine, update(PENDING).values(detail={"n": 999}))


def change_the_actor(engine: Engine, entry: dict[str, Any], _: Path) -> None:
    write(engine, update(PENDING).values(actor_id=uuid.uuid4()))


def take_another_entrys_mac(engine: Engine, entry: dict[str, Any], _: Path) -> None:
    other = leave_pending(engine, "another phone")
    forged = {**other, "entry_id": uuid.uuid4(), "action": "login"}
    write(engine, insert(PENDING), forged)


def forge_with_a_key_of_ones_own(engine: Engine, entry: dict[str, Any], folder: Path) -> None:
    stranger = load_keyring(folder / "stranger.json", generate=True)
    write(engine, insert(PENDING), keyed_pending(stranger, new_entry("login", AT, None, "x", {})))


def strip_the_mac(engine: Engine, entry: dict[str, Any], _: Path) -> None:
    write(engine, update(PENDING).values(mac="0" * 64))


def replay_after_chaining(engine: Engine, entry: dict[str, Any], _: Path) -> None:
    chain_now(engine)  # the original is chained; its copy was kept
    write(engine, insert(PENDING), entry)


FORGERIES: dict[str, tuple[Forgery, bool]] = {
    # name: (forgery, whether the entry it started from is still genuine)
    "change a pending entry's detail": (change_the_detail, False),
    "change a pending entry's actor": (change_the_actor, False),
    "insert an entry with another pending entry's MAC": (take_another_entrys_mac, True),
    "insert an entry keyed with a key of one's own": (forge_with_a_key_of_ones_own, True),
    "replace a pending entry's MAC": (strip_the_mac, False),
    "write a chained entry's pending copy again": (replay_after_chaining, True),
}


def test_nothing_forged_while_waiting_is_chained_and_every_forgery_is_named(
    engine: Engine, attack: Attack, tmp_path: Path
) -> None:
    for number, (name, (forge, original_genuine)) in enumerate(FORGERIES.items()):
        entry = leave_pending(engine, f"phone {number}")
        forge(engine, entry, tmp_path / str(number))
        with write_session(engine) as session:
            append_audit(session, "push", AT, device_id=f"next {number}")
        chain_now(engine)
        with read_session(engine) as session:
            chained = [
                dict(row) for row in session.execute(select(LOG).order_by(LOG.c.seq)).mappings()
            ]
            found = verify_audit(session)
            left = session.execute(select(PENDING.c.id)).all()
        honest = {f"next {number}"} | ({f"phone {number}"} if original_genuine else set())
        devices = {row["device_id"] for row in chained}
        attack.check(found != [], f"{name}: verify-audit saw nothing")
        attack.check(honest <= devices, f"{name}: an honest entry was not chained")
        attack.check(bool(left), f"{name}: the forgery was chained")
        # Clear what is left for the next forgery: a fresh start each time.
        with write_session(engine) as session:
            session.execute(PENDING.delete())
