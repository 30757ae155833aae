"""The child process of test_kill9: saves records into a local store in a
loop, as fast as it can, until it is killed.

Before each save it prints ``try <table> <id> <title>`` and after the save
returned ``ok`` (each line flushed at once): a save is acknowledged exactly
when its ``ok`` line was printed, as the user sees "saved" only then.

Usage: python -m tests.reliability.kill9_writer <folder> <data-key-hex> <unit-id> <seed>
"""

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


def main(folder: str, key_hex: str, unit: str, seed: str) -> None:
    engine = make_local_engine(Path(folder) / DATABASE_FILE)
    store = LocalStore(engine, DataKeyCipher(bytes.fromhex(key_hex)))
    rng = random.Random(seed)
    unit_id = uuid.UUID(unit)
    with store.transaction() as session:
        cases = list(session.scalars(select(LocalCase.id)))
    say("ready")
    for n in range(1_000_000):
        title = f"{seed}-{n}"
        roll = rng.random()
        if not cases or roll < 0.4:
            record_id = uuid.uuid4()
            say(f"try cases {record_id} {title}")
            store.save(TableName.CASES, record_id, case_fields(unit_id, title=title))
            cases.append(record_id)
        elif roll < 0.75:
            record_id = uuid.uuid4()
            say(f"try parties {record_id} {title}")
            store.save(TableName.PARTIES, record_id, party_fields(rng.choice(cases), name=title))
        else:
            record_id = rng.choice(cases)
            say(f"try cases {record_id} {title}")
            store.save(TableName.CASES, record_id, {"title": title})
        say("ok")


if __name__ == "__main__":
    main(*sys.argv[1:5])
