"""Rewrites of the audit log by someone who can write the database and has
read LastMile's code, but not the audit key kept outside the database.

Each forgery changes the log and then re-chains it with the server's own hash
function, so every ``prev_hash``/``entry_hash`` and the head in ``sync_state``
are consistent again. Columns the forger cannot compute (the keyed MACs and
their key ids) are either kept as they were (copied along with their rows)
or stripped (set to NULL, as if the rows were written before the key
existed); both are tried. Each is tried on a log keyed from its first entry
and on one whose first entries were written before the audit key existed
(as a district upgraded from an unkeyed release has). ``verify_audit`` must
report every one.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from sync_server.core.audit import (
    GENESIS,
    append_audit,
    bind_audit_keyring,
    bound_keyring,
    verify_audit,
)
from sync_server.core.audit_chain import entry_hash
from sync_server.core.audit_key import load_keyring
from sync_server.core.db import read_session, write_session
from sync_server.tables import AuditEntry, SyncState
from tests.attack.tally import Attack

LOG = AuditEntry.__table__  # type: ignore[attr-defined]
STATE = SyncState.__table__  # type: ignore[attr-defined]
PUBLIC_COLUMNS = {"seq", "at", "actor_id", "device_id", "action", "detail", "entry_id"} | {
    "prev_hash",
    "entry_hash",
}
"""What the server's hash covers, and the hashes: all a forger can compute."""
STATE_CHAIN_COLUMNS = {"audit_seq", "audit_head"}
ENTRIES = 6

Rows = list[dict[str, Any]]


def edit(rows: Rows) -> Rows:
    rows[2] = {**rows[2], "action": "logout", "detail": {"edited": True}}
    return rows


def delete_one(rows: Rows) -> Rows:
    return rows[:2] + rows[3:]


def insert_one(rows: Rows) -> Rows:
    # A fresh entry id: the log's unique index refuses a repeated one.
    forged = {**rows[2], "action": "login", "detail": {"inserted": True}, "entry_id": uuid.uuid4()}
    return [*rows[:3], forged, *rows[3:]]


def reorder(rows: Rows) -> Rows:
    rows[1], rows[3] = rows[3], rows[1]
    return rows


def truncate(rows: Rows) -> Rows:
    return rows[:-2]


def swap_payloads(rows: Rows) -> Rows:
    first, second = rows[1], rows[2]
    rows[1] = {**first, "action": second["action"], "detail": second["detail"]}
    rows[2] = {**second, "action": first["action"], "detail": first["detail"]}
    return rows


def change_head(rows: Rows) -> Rows:
    rows[-1] = {**rows[-1], "detail": {"n": 999}}
    return rows


def replace_all(rows: Rows) -> Rows:
    return [{**row, "action": "login", "detail": {"forged": n}} for n, row in enumerate(rows)]


FORGERIES: dict[str, Callable[[Rows], Rows]] = {
    "edit an entry and re-chain": edit,
    "delete an entry and re-chain": delete_one,
    "insert an entry and re-chain": insert_one,
    "reorder entries and re-chain": reorder,
    "truncate and move the head": truncate,
    "swap two payloads and re-chain": swap_payloads,
    "change the newest entry and the head": change_head,
    "replace the whole log": replace_all,
}


def append(engine: Engine, count: int) -> None:
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for n in range(count):
        with write_session(engine) as session:
            append_audit(session, "push", at, device_id=f"phone-{n}", detail={"n": n})


def write_log(engine: Engine, legacy: int, elsewhere: Path) -> None:
    """``ENTRIES`` entries, the first ``legacy`` of them as an unkeyed release
    left them (no MAC on them nor on the head)."""
    if legacy:
        with read_session(engine) as session:
            keyring = bound_keyring(session)
        bind_audit_keyring(engine, load_keyring(elsewhere, generate=True))
        append(engine, legacy)
        with write_session(engine) as session:
            session.execute(update(LOG).values(key_id=None, mac=None))
            session.execute(update(STATE).values(audit_head_key_id=None, audit_head_mac=None))
        bind_audit_keyring(engine, keyring)
    append(engine, ENTRIES - legacy)


def rechain(rows: Rows, strip: bool) -> Rows:
    """What a forger who has read ``sync_server/core/audit.py`` does."""
    prev = GENESIS
    chained = []
    for seq, row in enumerate(rows, start=1):
        entry = {
            key: None if strip and key not in PUBLIC_COLUMNS else value
            for key, value in row.items()
        }
        entry["seq"] = seq
        entry["prev_hash"] = prev
        entry["entry_hash"] = entry_hash(entry)
        prev = entry["entry_hash"]
        chained.append(entry)
    return chained


def forge(engine: Engine, change: Callable[[Rows], Rows], strip: bool) -> None:
    with write_session(engine) as session:
        rows = [dict(row) for row in session.execute(select(LOG).order_by(LOG.c.seq)).mappings()]
        state = dict(session.execute(select(STATE).where(STATE.c.id == 1)).mappings().one())
        forged = rechain(change(rows), strip)
        session.execute(delete(LOG))
        session.execute(insert(LOG), forged)
        head: dict[str, Any] = {"audit_seq": len(forged), "audit_head": forged[-1]["entry_hash"]}
        if strip:
            head |= {
                key: None
                for key in state
                if key.startswith("audit_") and key not in STATE_CHAIN_COLUMNS
            }
        session.execute(update(STATE).where(STATE.c.id == 1).values(head))


@pytest.mark.parametrize("legacy", [0, 3], ids=["all-keyed", "3-before-the-key"])
@pytest.mark.parametrize("strip", [False, True], ids=["macs-kept", "macs-stripped"])
@pytest.mark.parametrize("name", list(FORGERIES))
def test_a_rechained_forgery_is_detected(
    engine: Engine, attack: Attack, tmp_path: Path, name: str, strip: bool, legacy: int
) -> None:
    write_log(engine, legacy, tmp_path / "before-the-upgrade" / "keys.json")
    with read_session(engine) as session:
        assert verify_audit(session) == [], "the honest log must verify"
    forge(engine, FORGERIES[name], strip)
    with read_session(engine) as session:
        found = verify_audit(session)
    macs = "stripped" if strip else "kept"
    attack.check(bool(found), f"{name} ({macs} MACs, {legacy} entries before the key): missed")
