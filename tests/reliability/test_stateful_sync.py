"""Three phones — two Baijia users and the district supervisor — create,
edit and delete cases and parties, lose and regain the network and sync in
any order against one server (a hypothesis state machine).

After a final sync round of every phone (two passes, so each sees what the
others pushed in the first):

- every phone holds exactly the server's live rows of its jurisdiction
  (ids and values; a change the server rejected is the only allowed
  difference, and it stays in that phone's outbox with a reason);
- every acknowledged write is on the server, or kept in a conflict record,
  or was knowingly replaced (its writer or a later writer had it on screen);
- no deleted record comes back.
"""

import itertools
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)
from pydantic import JsonValue

from shared_models.protocol.tables import TableName
from tests.factories import case_fields, party_fields
from tests.field_app.sync_fixtures import (
    BASE_URL,
    DistrictFile,
    Link,
    Phone,
    Server,
    running_server,
    signed_in_district,
)
from tests.reliability.soak import soak

USERS = ["mediator.baijia", "supervisor.baijia", "supervisor.fuxing"]
CASES, PARTIES, CONFLICTS = TableName.CASES, TableName.PARTIES, TableName.CONFLICTS
TEXT = {CASES: ("title", "description"), PARTIES: ("name", "address")}
ALLOWED_REJECTIONS = {"RECORD_DELETED", "UNKNOWN_REFERENCE"}
"""What the server may refuse here: edits of (or parties for) records another
phone deleted meanwhile. Anything else is a bug."""
Key = tuple[TableName, UUID]


@dataclass(frozen=True)
class Write:
    phone: int
    table: TableName
    record_id: UUID
    field: str
    value: str


class SyncWorld(RuleBasedStateMachine):
    district_file: ClassVar[DistrictFile]
    local_template: ClassVar[Path]
    workdir: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(dir=self.workdir))
        self.values = itertools.count()
        self._server = running_server(
            self.district_file.copy(self.folder),
            self.folder / "blobs",
            district=self.district_file.district,
        )
        self.server: Server = self._server.__enter__()
        self.links: list[Link] = []
        self.https: list[httpx.Client] = []
        self.phones: list[Phone] = []
        for n, username in enumerate(USERS):
            link = Link(self.server.http)
            http = httpx.Client(transport=link, base_url=BASE_URL)
            phone = Phone(http, self.folder / f"phone-{n}", self.local_template)
            phone.restore(self.district_file.logins[username])
            self.links.append(link)
            self.https.append(http)
            self.phones.append(phone)
        self.writes: list[Write] = []
        self.replaced: defaultdict[tuple[TableName, UUID, str], set[JsonValue]] = defaultdict(set)
        self.deleted: set[Key] = set()
        self.seen_when_deleted: defaultdict[Key, set[tuple[str, JsonValue]]] = defaultdict(set)

    # -- what the users do ------------------------------------------------------

    @initialize()
    def a_case_each_on_every_phone(self) -> None:
        """Start from shared records, so that edits and races have material."""
        for phone in range(len(USERS)):
            typed = {name: self._value(phone) for name in TEXT[CASES]}
            self._create(phone, CASES, case_fields(self.server.district.baijia.id, **typed), typed)
        self.everyone_syncs()
        self.everyone_syncs()

    def _value(self, phone: int) -> str:
        return f"p{phone}-{next(self.values)}"

    def _unit(self, phone: int, data: st.DataObject) -> UUID:
        district = self.server.district
        if USERS[phone] == "supervisor.fuxing":
            return data.draw(st.sampled_from([district.baijia.id, district.xiyuan.id]))
        return district.baijia.id

    @rule(phone=st.integers(0, 2), data=st.data())
    def create_case(self, phone: int, data: st.DataObject) -> None:
        typed = {name: self._value(phone) for name in TEXT[CASES]}
        self._create(phone, CASES, case_fields(self._unit(phone, data), **typed), typed)

    @rule(phone=st.integers(0, 2), data=st.data())
    def create_party(self, phone: int, data: st.DataObject) -> None:
        cases = sorted(self.phones[phone].live(CASES))
        if cases:
            typed = {name: self._value(phone) for name in TEXT[PARTIES]}
            case_id = data.draw(st.sampled_from(cases))
            self._create(phone, PARTIES, party_fields(case_id, **typed), typed)

    def _create(
        self, phone: int, table: TableName, fields: dict[str, Any], typed: dict[str, str]
    ) -> None:
        record_id = UUID(int=next(self.values) + 1, version=4)  # replayable, unlike uuid4
        self.phones[phone].save(table, fields, record_id)
        for name, value in typed.items():
            self.writes.append(Write(phone, table, record_id, name, value))

    @rule(phone=st.integers(0, 2), data=st.data())
    def edit(self, phone: int, data: st.DataObject) -> None:
        table = data.draw(st.sampled_from([CASES, PARTIES]))
        records = self.phones[phone].live(table)
        if not records:
            return
        record_id = data.draw(st.sampled_from(sorted(records)))
        self._edit(phone, table, record_id, data.draw(st.sampled_from(TEXT[table])))

    @rule(data=st.data())
    def edit_race(self, data: st.DataObject) -> None:
        """Two phones change the same field of a record both hold, before
        either has seen the other's change: the server must keep both values."""
        first, second = data.draw(st.permutations(range(3)))[:2]
        table = data.draw(st.sampled_from([CASES, PARTIES]))
        shared = self._shared(first, second, table)
        if not shared:  # let the two phones exchange what they have (if online)
            for phone in (first, second, first):
                self.phones[phone].sync()
            shared = self._shared(first, second, table)
        if not shared:
            return
        record_id = data.draw(st.sampled_from(shared))
        name = data.draw(st.sampled_from(TEXT[table]))
        for phone in (first, second):
            self._edit(phone, table, record_id, name)

    def _shared(self, first: int, second: int, table: TableName) -> list[UUID]:
        return sorted(set(self.phones[first].live(table)) & set(self.phones[second].live(table)))

    def _edit(self, phone: int, table: TableName, record_id: UUID, name: str) -> None:
        value = self._value(phone)
        # What was on this phone's screen is replaced knowingly.
        self.replaced[(table, record_id, name)].add(self.phones[phone].live(table)[record_id][name])
        self.phones[phone].save(table, {name: value}, record_id)
        self.writes.append(Write(phone, table, record_id, name, value))

    @rule(phone=st.integers(0, 2), data=st.data())
    def delete(self, phone: int, data: st.DataObject) -> None:
        table = data.draw(st.sampled_from([CASES, PARTIES]))
        records = self.phones[phone].live(table)
        if not records:
            return
        record_id = data.draw(st.sampled_from(sorted(records)))
        self.seen_when_deleted[(table, record_id)].update(
            (name, records[record_id][name]) for name in TEXT[table]
        )
        self.phones[phone].store.records.delete(table, record_id)
        self.deleted.add((table, record_id))

    @rule(phone=st.integers(0, 2))
    def toggle_network(self, phone: int) -> None:
        self.links[phone].up = not self.links[phone].up

    @rule(phone=st.integers(0, 2))
    def sync(self, phone: int) -> None:
        self.phones[phone].sync()

    @rule()
    def everyone_syncs(self) -> None:
        """Spreads records to every phone, so that later edits can collide."""
        for phone in self.phones:
            phone.sync()

    # -- after the final round ----------------------------------------------------

    def teardown(self) -> None:
        try:
            self.final_round_and_check()
        finally:
            for phone, http in zip(self.phones, self.https, strict=True):
                phone.close()
                http.close()
            self._server.__exit__(None, None, None)
            shutil.rmtree(self.folder, ignore_errors=True)

    def final_round_and_check(self) -> None:
        for link in self.links:
            link.up = True
        for _ in range(2):
            for phone in self.phones:
                assert phone.sync().ok
        unacknowledged = [self._rejected(phone) for phone in self.phones]
        for n, phone in enumerate(self.phones):
            assert phone.store.outbox.items() == [], "nothing may be left unsent"
            for table in (CASES, PARTIES, CONFLICTS):
                # A record with a rejected change shows the phone's own values
                # until the user fixes or discards it: the one allowed difference.
                mine = _without(phone.live(table), table, unacknowledged[n])
                theirs = _without(self.server.visible(USERS[n], table), table, unacknowledged[n])
                assert mine == theirs, (USERS[n], table)
        self._check_writes(unacknowledged)
        self._check_deletes()

    def _rejected(self, phone: Phone) -> dict[Key, dict[str, JsonValue]]:
        rejected: dict[Key, dict[str, JsonValue]] = {}
        for item in phone.store.outbox.items(states=("rejected",)):
            key = (item.table, item.record_id)
            # An edit of a record whose creation was refused is incomplete on its own.
            follows_refused_create = key in rejected and item.error_code == "VALIDATION_FAILED"
            assert item.error_code in ALLOWED_REJECTIONS or follows_refused_create, (
                item.error_code,
                item.error_message,
            )
            rejected.setdefault(key, {}).update(item.fields)
        return rejected

    def _check_writes(self, unacknowledged: list[dict[Key, dict[str, JsonValue]]]) -> None:
        rows = {table: self.server.rows(table) for table in (CASES, PARTIES)}
        kept: defaultdict[tuple[UUID, str], set[JsonValue]] = defaultdict(set)
        for conflict in self.server.rows(CONFLICTS).values():
            key = (UUID(str(conflict["record_id"])), str(conflict["field"]))
            kept[key].update((conflict["overwritten_value"], conflict["current_value"]))
        for write in self.writes:
            key = (write.table, write.record_id)
            if unacknowledged[write.phone].get(key, {}).get(write.field) == write.value:
                continue
            row = rows[write.table].get(write.record_id)
            if row is None:
                # Never reached the server: deleted on the phone before it was
                # sent, or its creation was refused and the phone still holds it
                # for the user, with a later value that knowingly replaced this one.
                refused_then_edited = (
                    key in unacknowledged[write.phone]
                    and write.value in self.replaced[(*key, write.field)]
                )
                assert key in self.deleted or refused_then_edited, write
                continue
            accounted = (
                (not row["deleted"] and row[write.field] == write.value)
                or write.value in kept[(write.record_id, write.field)]
                or write.value in self.replaced[(*key, write.field)]
                or (row["deleted"] and (write.field, write.value) in self.seen_when_deleted[key])
            )
            assert accounted, f"acknowledged write lost: {write}, server has {row}"

    def _check_deletes(self) -> None:
        for table, record_id in self.deleted:
            row = self.server.rows(table).get(record_id)
            assert row is None or row["deleted"], f"deleted {table} {record_id} came back"
            for phone in self.phones:
                assert record_id not in phone.live(table)


def _without(
    records: dict[UUID, dict[str, JsonValue]], table: TableName, skip: dict[Key, Any]
) -> dict[UUID, dict[str, JsonValue]]:
    return {k: v for k, v in records.items() if (table, k) not in skip}


def run_world(
    district: DistrictFile, local_template: Path, workdir: Path, examples: int, steps: int
) -> None:
    SyncWorld.district_file = district
    SyncWorld.local_template = local_template
    SyncWorld.workdir = workdir
    run_state_machine_as_test(
        SyncWorld,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


@pytest.fixture
def district(sqlite_template: Path, tmp_path: Path) -> DistrictFile:
    return signed_in_district(sqlite_template, tmp_path, USERS)


def test_phones_converge_and_nothing_acknowledged_is_lost(
    district: DistrictFile, local_template: Path, tmp_path: Path
) -> None:
    run_world(district, local_template, tmp_path, examples=8, steps=25)


@soak
def test_phones_converge_soak(district: DistrictFile, local_template: Path, tmp_path: Path) -> None:
    run_world(district, local_template, tmp_path, examples=100, steps=50)
