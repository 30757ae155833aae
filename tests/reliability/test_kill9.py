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
from uuid import UUID

from pydantic import JsonValue
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
    """What the writers acknowledged: the last value of each record, and the
    save that was under way when one died (which may or may not have landed)."""

    acknowledged: dict[tuple[str, UUID], str] = field(default_factory=dict)
    in_flight: tuple[str, UUID, str] | None = None
    saves: int = 0
    landed_unacknowledged: int = 0


class Writers:
    """The writer server (see kill9_writer) and the lines its writers print,
    read with a deadline so that nothing can hang the test."""

    def __init__(self, folder: Path, key: bytes, unit: UUID) -> None:
        module = "tests.reliability.kill9_writer"
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, str(folder), key.hex(), str(unit)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        assert self.process.stdout is not None
        self.fd = self.process.stdout.fileno()
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.buffer = b""

    def start(self, seed: int) -> int:
        """A new writer; returns its pid once it is ready to write."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"go {seed}\n".encode())
        word, pid = self.line().split(" ")
        assert word == "ready"
        return int(pid)

    def line(self) -> str:
        deadline = time.monotonic() + LINE_TIMEOUT_S
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the writer stopped answering"
            if self.selector.select(remaining):
                chunk = os.read(self.fd, 65536)
                assert chunk, f"the writer server died: {self._stderr()}"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def close(self) -> None:
        self.selector.close()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=LINE_TIMEOUT_S)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def _stderr(self) -> str:
        self.process.kill()
        self.process.wait()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode()[-2000:]


def note(line: str, ledger: Ledger) -> None:
    """Record one line of a writer in the ledger."""
    if line == "ok":
        assert ledger.in_flight is not None
        table, record_id, value = ledger.in_flight
        ledger.acknowledged[(table, record_id)] = value
        ledger.in_flight = None
        ledger.saves += 1
    else:
        word, table, record_id, value = line.split(" ")
        assert word == "try"
        ledger.in_flight = (table, UUID(record_id), value)


def write_until_killed(writers: Writers, rng: random.Random, ledger: Ledger) -> None:
    """SIGKILL a writer after a random number of its lines (right after an
    acknowledgement or in the middle of a save); lines it printed before it
    died count too."""
    pid = writers.start(rng.getrandbits(32))
    for _ in range(rng.randint(1, 80)):
        note(writers.line(), ledger)
    os.kill(pid, signal.SIGKILL)
    while not (line := writers.line()).startswith("reaped "):
        note(line, ledger)
    status = int(line.split(" ")[1])
    assert os.WIFSIGNALED(status)
    assert os.WTERMSIG(status) == signal.SIGKILL


def check_after_crash(folder: Path, key: bytes, ledger: Ledger) -> None:
    engine = make_local_engine(folder / DATABASE_FILE)
    try:
        store = LocalStore(engine, DataKeyCipher(key))
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        records = read_records(store)
        for (table, record_id), value in ledger.acknowledged.items():
            stored = records.get((table, record_id))
            assert stored is not None, f"acknowledged {table} {record_id} is lost"
            allowed = {value}
            if ledger.in_flight and ledger.in_flight[:2] == (table, record_id):
                allowed.add(ledger.in_flight[2])
            assert stored[NAME_FIELD[table]] in allowed, (table, record_id, stored, allowed)
        check_outbox_matches_records(store, records)
        settle_in_flight(ledger, records)
    finally:
        engine.dispose()


def settle_in_flight(ledger: Ledger, records: dict[tuple[str, UUID], dict[str, JsonValue]]) -> None:
    """The save under way at the kill either landed or not; if it did, it is
    on disk now and later checks must find it as surely as an acknowledged one."""
    if ledger.in_flight is not None:
        table, record_id, value = ledger.in_flight
        stored = records.get((table, record_id))
        if stored is not None and stored[NAME_FIELD[table]] == value:
            ledger.acknowledged[(table, record_id)] = value
            ledger.landed_unacknowledged += 1
        ledger.in_flight = None


def read_records(store: LocalStore) -> dict[tuple[str, UUID], dict[str, JsonValue]]:
    """Every record the writers created, decrypted, in one read."""
    records: dict[tuple[str, UUID], dict[str, JsonValue]] = {}
    with store.transaction() as session:
        for table in NAME_FIELD:
            for record in store.records.rows(session, table, select(LOCAL_TABLES[table])):
                records[(table, UUID(str(record["id"])))] = record
    return records


def check_outbox_matches_records(
    store: LocalStore, records: dict[tuple[str, UUID], dict[str, JsonValue]]
) -> None:
    """Every record has its outbox entry, every entry its record, and what
    the entries would send is what the records hold."""
    sent: dict[tuple[str, UUID], dict[str, JsonValue]] = {}
    for item in store.outbox.items(states=("pending", "sent", "rejected")):
        sent.setdefault((item.table, item.record_id), {}).update(item.fields)
    assert set(records) == set(sent), "records without outbox entries, or entries without records"
    for key, fields in sent.items():
        for name, value in fields.items():
            assert records[key][name] == value, (key, name)


def kill_many_times(runs: int, tmp_path: Path, local_template: Path) -> Ledger:
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copyfile(local_template, folder / DATABASE_FILE)
    key = os.urandom(32)
    unit = uuid.uuid4()
    rng = random.Random(20261128)
    ledger = Ledger()
    writers = Writers(folder, key, unit)
    try:
        for _ in range(runs):
            write_until_killed(writers, rng, ledger)
            check_after_crash(folder, key, ledger)
    finally:
        writers.close()
    assert ledger.saves > runs, "the writer must have saved something between kills"
    assert any(table == "parties" for table, _ in ledger.acknowledged)
    return ledger


def test_killed_writer_loses_no_acknowledged_save(tmp_path: Path, local_template: Path) -> None:
    kill_many_times(RUNS, tmp_path, local_template)


@soak
def test_killed_writer_soak(tmp_path: Path, local_template: Path) -> None:
    kill_many_times(SOAK_RUNS, tmp_path, local_template)
