"""kill -9 of a process writing records in a loop, many times over, into one
local database (invariant 1: a save the user saw succeed survives anything).

After every kill the database is reopened and checked: every acknowledged
save is there with its value (or with the value of the save that was under
way when the process died), ``PRAGMA integrity_check`` says ok, every record
has its outbox entry and every outbox entry its record, and the outbox
holds exactly what the records hold.
"""

import os
import random
import selectors
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select

from field_app.security.aead import DataKeyCipher
from field_app.storage.db import DATABASE_FILE, make_local_engine
from field_app.storage.store import LocalStore
from field_app.storage.tables import LOCAL_TABLES
from tests.reliability.soak import soak

ROOT = Path(__file__).resolve().parents[2]
RUNS = 20
SOAK_RUNS = 300
NAME_FIELD = {"cases": "title", "parties": "name"}
LINE_TIMEOUT_S = 60.0


@dataclass
class Ledger:
    """What the writer acknowledged: the last value of each record, and the
    save that was under way when it died (which may or may not have landed)."""

    acknowledged: dict[tuple[str, UUID], str] = field(default_factory=dict)
    in_flight: tuple[str, UUID, str] | None = None
    saves: int = 0


class Lines:
    """Lines of a child's stdout, with a deadline (no read may hang the test)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.process = process
        self.fd = process.stdout.fileno()
        self.buffer = b""
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)

    def next(self) -> str:
        deadline = time.monotonic() + LINE_TIMEOUT_S
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the writer stopped answering"
            if self.selector.select(remaining):
                chunk = os.read(self.fd, 65536)
                assert chunk, f"the writer died: {self._stderr()}"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def _stderr(self) -> str:
        self.process.wait()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode()[-2000:]


def write_until_killed(
    folder: Path, key: bytes, unit: UUID, rng: random.Random, ledger: Ledger
) -> None:
    """Run the writer and SIGKILL it after a random number of lines: right
    after an acknowledgement or in the middle of a save."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.kill9_writer",
            str(folder),
            key.hex(),
            str(unit),
            str(rng.getrandbits(32)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    lines = Lines(process)
    try:
        assert lines.next() == "ready"
        for _ in range(rng.randint(1, 80)):
            line = lines.next()
            if line == "ok":
                assert ledger.in_flight is not None
                table, record_id, value = ledger.in_flight
                ledger.acknowledged[(table, record_id)] = value
                ledger.in_flight = None
                ledger.saves += 1
            else:
                _, table, record_id, value = line.split(" ")
                ledger.in_flight = (table, UUID(record_id), value)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        lines.selector.close()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert process.returncode == -signal.SIGKILL


def check_after_crash(folder: Path, key: bytes, ledger: Ledger) -> None:
    engine = make_local_engine(folder / DATABASE_FILE)
    try:
        store = LocalStore(engine, DataKeyCipher(key))
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        for (table, record_id), value in ledger.acknowledged.items():
            stored = store.get(table, record_id)
            assert stored is not None, f"acknowledged {table} {record_id} is lost"
            allowed = {value}
            if ledger.in_flight and ledger.in_flight[:2] == (table, record_id):
                allowed.add(ledger.in_flight[2])
            assert stored[NAME_FIELD[table]] in allowed, (table, record_id, stored, allowed)
        check_outbox_matches_records(store)
    finally:
        engine.dispose()


def check_outbox_matches_records(store: LocalStore) -> None:
    """Every record has its outbox entry, every entry its record, and what
    the entries would send is what the records hold."""
    sent: dict[tuple[str, UUID], dict[str, object]] = {}
    for item in store.outbox(states=("pending", "sent", "rejected")):
        sent.setdefault((item.table, item.record_id), {}).update(item.fields)
    records: set[tuple[str, UUID]] = set()
    with store.transaction() as session:
        for table in NAME_FIELD:
            model: Any = LOCAL_TABLES[table]
            records.update((table, row_id) for row_id in session.scalars(select(model.id)))
    assert records == set(sent), "records without outbox entries, or entries without records"
    for table, record_id in records:
        stored = store.get(table, record_id)
        assert stored is not None
        for name, value in sent[(table, record_id)].items():
            assert stored[name] == value, (table, record_id, name)


def kill_many_times(runs: int, tmp_path: Path, local_template: Path) -> Ledger:
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copyfile(local_template, folder / DATABASE_FILE)
    key = os.urandom(32)
    unit = uuid.uuid4()
    rng = random.Random(20261128)
    ledger = Ledger()
    for _ in range(runs):
        write_until_killed(folder, key, unit, rng, ledger)
        check_after_crash(folder, key, ledger)
    assert ledger.saves > runs, "the writer must have saved something between kills"
    assert any(table == "parties" for table, _ in ledger.acknowledged)
    return ledger


def test_killed_writer_loses_no_acknowledged_save(tmp_path: Path, local_template: Path) -> None:
    kill_many_times(RUNS, tmp_path, local_template)


@soak
def test_killed_writer_soak(tmp_path: Path, local_template: Path) -> None:
    kill_many_times(SOAK_RUNS, tmp_path, local_template)
