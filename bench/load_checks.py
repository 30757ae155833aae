"""What the load bench checks and samples besides time.

``Checks``: every sync stays correct under load. 0 errors (every request
answered, every mutation applied), 0 lost (every acknowledged mutation is in
the database, and every device ends with every visit and case of its
office), 0 duplicated (each mutation applied once, no device receives the
same version of a record twice), 0 leaks (no device receives a case, visit
or user of another office).

``LockSampler``: ``pg_stat_activity`` every 50 ms while the rounds run: how
many backends are busy, how many of them wait for a lock, and on what.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

import psycopg
from pydantic import JsonValue
from sqlalchemy import Engine, text

from bench.load_fleet import Fleet
from shared_models.protocol.push import Mutation

if TYPE_CHECKING:
    from bench.load_bench import LoadDevice

Row = tuple[str, str, str, bool | None]
SAMPLE_EVERY_S = 0.05


class Checks:
    """Shared by every device thread; all state changes under one lock."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self._lock = threading.Lock()
        self.errors: list[str] = []
        self.lost = 0
        self.duplicated = 0
        self.leaks = 0
        self.acknowledged: set[UUID] = set()
        self.visits_by_office: dict[int, set[str]] = {}
        self.case_office: dict[str, int] = {}
        self.last_title: dict[str, str] = {}

    @property
    def clean(self) -> bool:
        return not (self.errors or self.lost or self.duplicated or self.leaks)

    def error(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)

    def pushing(self, device: "LoadDevice", mutations: list[Mutation], round_no: int) -> None:
        """Before a push leaves: which office its new records belong to."""
        office = device.seat.office
        with self._lock:
            for sent in mutations:
                if sent.table.value == "cases":
                    self.case_office[str(sent.record_id)] = office

    def case_edit_applied(self, device: "LoadDevice", sent: Mutation) -> None:
        with self._lock:
            self.acknowledged.add(sent.mutation_id)
            title = sent.fields.get("title")
            if isinstance(title, str):
                self.last_title[str(sent.record_id)] = title

    def visits_applied(self, device: "LoadDevice", sent: list[Mutation]) -> None:
        with self._lock:
            office = self.visits_by_office.setdefault(device.seat.office, set())
            for mutation in sent:
                self.acknowledged.add(mutation.mutation_id)
                office.add(str(mutation.record_id))

    def received(self, device: "LoadDevice", table: str, record: dict[str, JsonValue]) -> None:
        """One pulled change, on the device's own thread."""
        key = (table, str(record["id"]))
        version = record.get("version")
        if isinstance(version, int):
            if device.seen.get(key) == version:
                with self._lock:
                    self.duplicated += 1
            device.seen[key] = version
        office = self._office_of(table, record)
        if office is not None and office != device.seat.office:
            with self._lock:
                self.leaks += 1

    def _office_of(self, table: str, record: dict[str, JsonValue]) -> int | None:
        """The office a pulled case, visit or user belongs to (``None``: any)."""
        if table in ("cases", "users"):
            unit = record.get("org_unit_id")
            return self.fleet.office_of_unit(UUID(str(unit))) if unit else None
        if table == "visits":
            with self._lock:
                return self.case_office.get(str(record.get("case_id")), -1)
        return None

    def final(self, devices: list["LoadDevice"]) -> None:
        """After every device's last pull: each holds all of its office's records."""
        for device in devices:
            held = {record_id for (table, record_id) in device.seen if table == "visits"}
            office = device.seat.office
            self.lost += len(self.visits_by_office.get(office, set()) - held)
            cases = {case for case, at in self.case_office.items() if at == office}
            self.lost += len(cases - {rid for (t, rid) in device.seen if t == "cases"})

    def rows(self) -> list[Row]:
        shown = "; ".join(self.errors[:3])
        errors = f"{len(self.errors)}" + (f" ({shown})" if shown else "")
        return [
            ("errors", errors, "0", not self.errors),
            ("lost", str(self.lost), "0", not self.lost),
            ("duplicated", str(self.duplicated), "0", not self.duplicated),
            ("leaks (another office's records)", str(self.leaks), "0", not self.leaks),
        ]


def check_server(engine: Engine, checks: Checks) -> None:
    """Every acknowledged mutation is in the database exactly once; every
    case carries its last acknowledged edit."""
    cases = list(checks.case_office)
    pushed = set().union(*checks.visits_by_office.values())
    with engine.connect() as connection:
        stored = [
            str(row[0])
            for row in connection.execute(
                text("SELECT id FROM visits WHERE case_id = ANY(:cases)"),
                {"cases": [UUID(case) for case in cases]},
            )
        ]
        applied = connection.execute(
            text("SELECT count(*) FROM applied_mutations WHERE mutation_id = ANY(:ids)"),
            {"ids": list(checks.acknowledged)},
        ).scalar_one()
        titles: dict[UUID, str] = dict(
            connection.execute(
                text("SELECT id, title FROM cases WHERE id = ANY(:cases)"),
                {"cases": [UUID(case) for case in cases]},
            ).all()
        )
    checks.lost += len(pushed - set(stored)) + max(0, len(checks.acknowledged) - applied)
    checks.duplicated += len(stored) - len(set(stored)) + max(0, applied - len(checks.acknowledged))
    checks.lost += len(
        [case for case, title in checks.last_title.items() if titles.get(UUID(case)) != title]
    )


class LockSampler:
    """Samples the bench database's backends while ``sampling`` is open."""

    def __init__(self, sqlalchemy_url: str) -> None:
        self.dsn = sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.samples = 0
        self.busy = 0
        self.waiting = 0
        self.on: Counter[str] = Counter()

    @contextmanager
    def sampling(self) -> Iterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(stop,), name="lock-sampler")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)

    def _run(self, stop: threading.Event) -> None:
        query = (
            "SELECT wait_event_type, wait_event, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND state = 'active' "
            "AND pid <> pg_backend_pid()"
        )
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not stop.wait(SAMPLE_EVERY_S):
                rows = connection.execute(query).fetchall()
                self.samples += 1
                self.busy += len(rows)
                for kind, event, statement in rows:
                    if kind == "Lock":
                        self.waiting += 1
                        self.on[f"{event}: {_statement(statement)}"] += 1

    def rows(self) -> list[Row]:
        if not self.samples:
            return []
        busy, waiting = self.busy / self.samples, self.waiting / self.samples
        share = waiting / busy if busy else 0.0
        rows: list[Row] = [
            (
                f"busy backends / waiting on a lock ({self.samples} samples)",
                f"{busy:.1f} / {waiting:.1f} ({share:.0%} waiting)",
                "",
                None,
            )
        ]
        for what, count in self.on.most_common(3):
            rows.append((f"  waiting on {what}", f"{count / self.waiting:.0%} of waits", "", None))
        return rows


def _statement(query: str) -> str:
    """The first words of a statement, enough to tell which one waits."""
    words = " ".join(query.split())
    return words[:60] + ("…" if len(words) > 60 else "")
