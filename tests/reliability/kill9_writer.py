"""The child side of test_kill9: processes that save records into a local
store in a loop, as fast as they can, until they are killed.

Starting Python and importing the app takes seconds, so this module runs
once per test as a small server: for every ``go <seed>`` line on stdin it
forks a fresh writer (a separate process with its own database connection,
opened after the fork) and, once that writer is dead, reports
``reaped <status>``. Many kills then fit in a CI run.

A writer prints ``ready <pid>``, then before each save
``try <table> <id> <value>`` and after the save returned ``ok`` — each line
one write to the pipe, flushed at once. A save is acknowledged exactly when
its ``ok`` was printed, as the user sees "saved" only then.

Usage: python -m tests.reliability.kill9_writer <folder> <data-key-hex> <unit-id>
"""

import os
import random
import sys
import uuid
from pathlib import Path

from sqlalchemy import select

from field_app.security.aead import DataKeyCipher
from field_app.storage.db import DATABASE_FILE, make_local_engine
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalCase
from shared_models.protocol.tables import TableName
from tests.factories import case_fields, party_fields


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_forever(folder: str, key_hex: str, unit: str, seed: str) -> None:
    engine = make_local_engine(Path(folder) / DATABASE_FILE)
    store = LocalStore(engine, DataKeyCipher(bytes.fromhex(key_hex)))
    rng = random.Random(seed)
    unit_id = uuid.UUID(unit)
    with store.transaction() as session:
        cases = list(session.scalars(select(LocalCase.id)))
    say(f"ready {os.getpid()}")
    for n in range(10_000_000):
        value = f"{seed}-{n}"
        roll = rng.random()
        if not cases or roll < 0.4:
            record_id = uuid.uuid4()
            say(f"try cases {record_id} {value}")
            store.records.save(TableName.CASES, record_id, case_fields(unit_id, title=value))
            cases.append(record_id)
        elif roll < 0.75:
            record_id = uuid.uuid4()
            say(f"try parties {record_id} {value}")
            store.records.save(
                TableName.PARTIES, record_id, party_fields(rng.choice(cases), name=value)
            )
        else:
            record_id = rng.choice(cases)
            say(f"try cases {record_id} {value}")
            store.records.save(TableName.CASES, record_id, {"title": value})
        say("ok")


def serve(folder: str, key_hex: str, unit: str) -> None:
    for command in sys.stdin:
        seed = command.split()[1]
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                write_forever(folder, key_hex, unit, seed)
            finally:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        say(f"reaped {status}")


if __name__ == "__main__":
    serve(*sys.argv[1:4])
