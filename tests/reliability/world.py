"""One phone's working day, randomised: cases, parties and visits created,
edited and deleted offline, with a model of what the user expects to find
on the server afterwards."""

import random
import uuid
from dataclasses import dataclass, field
from uuid import UUID

from shared_models.protocol.tables import TableName
from tests.factories import case_fields, party_fields, visit_fields
from tests.field_app.sync_fixtures import Phone, Server

WORK_TABLES = (TableName.CASES, TableName.PARTIES, TableName.VISITS)
TEXT_FIELDS = {
    TableName.CASES: ("title", "description"),
    TableName.PARTIES: ("name", "address"),
    TableName.VISITS: ("notes",),
}
_SYLLABLES = "张王李赵刘陈杨黄周吴煤棚院墙漏水噪音宅基地欠款调解回访"


def words(rng: random.Random, low: int = 2, high: int = 12) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(low, high)))


@dataclass
class Figures:
    """What the issue note reports, summed over runs."""

    runs: int = 0
    phones: int = 0
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    saves: int = 0
    deletes: int = 0
    sync_attempts: int = 0
    failed_attempts: int = 0
    records: int = 0
    acknowledged: int = 0
    lost: int = 0
    duplicates: int = 0
    resurrected: int = 0
    stuck: int = 0
    rejected: int = 0
    device_differs: int = 0
    conflict_records: int = 0

    def add_faults(self, injected: dict[str, int]) -> None:
        for kind, count in injected.items():
            self.faults[kind] = self.faults.get(kind, 0) + count


@dataclass
class Workday:
    """The user's actions and what they expect: ``expected[(table, id)]`` is
    the text the user last typed per field, or ``None`` once deleted."""

    phone: Phone
    rng: random.Random
    unit_id: UUID
    figures: Figures
    expected: dict[tuple[TableName, UUID], dict[str, str] | None] = field(default_factory=dict)
    problems: set[tuple[str, TableName, UUID]] = field(default_factory=set)

    def new_id(self) -> UUID:
        """Ids from the run's generator, so a seed replays the same day."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def live(self, table: TableName) -> list[UUID]:
        return sorted(
            rid for (t, rid), fields in self.expected.items() if t is table and fields is not None
        )

    def act(self) -> None:
        """One thing a mediator does on the phone."""
        cases = self.live(TableName.CASES)
        roll = self.rng.random()
        if not cases or roll < 0.3:
            self._create(TableName.CASES, case_fields(self.unit_id), self.new_id())
        elif roll < 0.45:
            self._create(TableName.PARTIES, party_fields(self.rng.choice(cases)), self.new_id())
        elif roll < 0.6:
            visit = visit_fields(case_id=self.rng.choice(cases))
            self._create(TableName.VISITS, visit, self.new_id())
        elif roll < 0.9:
            self._edit()
        else:
            self._delete()

    def _create(self, table: TableName, fields: dict[str, object], record_id: UUID) -> None:
        typed = {name: words(self.rng) for name in TEXT_FIELDS[table]}
        self.phone.store.records.save(table, record_id, {**fields, **typed})
        self.expected[(table, record_id)] = typed
        self.figures.saves += 1

    def _edit(self) -> None:
        table = self.rng.choice(WORK_TABLES)
        candidates = self.live(table)
        if not candidates:
            return
        record_id = self.rng.choice(candidates)
        name = self.rng.choice(TEXT_FIELDS[table])
        value = words(self.rng)
        self.phone.store.records.save(table, record_id, {name: value})
        typed = self.expected[(table, record_id)]
        assert typed is not None
        typed[name] = value
        self.figures.saves += 1

    def _delete(self) -> None:
        # Parties and visits: deleting a case with people in it is not a thing
        # the app offers, and the reliability question is the same.
        table = self.rng.choice((TableName.PARTIES, TableName.VISITS))
        candidates = self.live(table)
        if not candidates:
            return
        record_id = self.rng.choice(candidates)
        self.phone.store.records.delete(table, record_id)
        self.expected[(table, record_id)] = None
        self.figures.deletes += 1

    def check(self, server: Server) -> None:
        """Note every record the server lost, doubled or brought back, or
        holds differently from the device (each problem once per record)."""
        for table in WORK_TABLES:
            on_server = server.rows(table)
            on_device = self.phone.live(table)
            mine = [rid for (t, rid) in self.expected if t is table]
            counts = server.counts(table, mine)
            for record_id in set(on_server) - set(mine):
                self.problems.add(("duplicates", table, record_id))
            for record_id in mine:
                typed = self.expected[(table, record_id)]
                row = on_server.get(record_id)
                key = (table, record_id)
                if typed is None:
                    if (row is not None and not row["deleted"]) or record_id in on_device:
                        self.problems.add(("resurrected", *key))
                    continue
                if counts.get(record_id, 0) > 1:
                    self.problems.add(("duplicates", *key))
                if (
                    row is None
                    or row["deleted"]
                    or any(row[name] != value for name, value in typed.items())
                ):
                    self.problems.add(("lost", *key))
                elif on_device.get(record_id) != row:
                    self.problems.add(("device_differs", *key))

    def settle(self) -> None:
        """Add this phone's problems and leftovers to the figures (at its end)."""
        figures = self.figures
        figures.records += len(self.expected)
        for kind in ("lost", "duplicates", "resurrected", "device_differs"):
            setattr(
                figures, kind, getattr(figures, kind) + sum(p[0] == kind for p in self.problems)
            )
        figures.stuck += len(self.phone.store.outbox.items(("pending", "sent")))
        figures.rejected += len(self.phone.store.outbox.items(("rejected",)))
