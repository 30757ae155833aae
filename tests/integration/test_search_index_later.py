"""A large pull page is stored without its search entries, which are added
after the pull: search stays correct meanwhile, and a crash in between
leaves a store that completes its index when next opened."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from field_app.security.aead import DataKeyCipher
from field_app.services import search
from field_app.storage import pulled, search_index
from field_app.storage.db import DATABASE_FILE, make_local_engine, migrate
from field_app.storage.pulled import INDEX_LATER_FROM
from field_app.storage.store import LocalStore
from field_app.sync.status import SyncState, SyncStatus
from shared_models.protocol.pull import Change
from shared_models.protocol.tables import TableName
from tests.factories import case_fields, party_fields
from tests.integration.sync_fixtures import (
    BASE_URL,
    Link,
    Phone,
    Server,
    migrated_local_template,
    running_server,
)

UNIT = uuid.uuid4()


def _pulled(table: TableName, fields: dict[str, Any]) -> Change:
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "version": 3,
        "updated_at": "2026-11-28T00:00:00Z",
        "deleted": False,
        "created_by": None,
        **fields,
    }
    if table is TableName.CASES:
        record.update(status="accepted", mediator_id=None, closed_at=None, follow_up_due=None)
    return Change(table=table, record=record)


def _large_page() -> tuple[list[Change], Change, Change]:
    """A first-sync-sized page: filler cases, one case with its own title and
    one party of it with its own (encrypted) name."""
    coal = _pulled(TableName.CASES, case_fields(UNIT, title="煤棚倒塌纠纷"))
    party = _pulled(TableName.PARTIES, party_fields(uuid.UUID(coal.record["id"]), name="欧阳震华"))  # type: ignore[arg-type]
    filler = [
        _pulled(TableName.CASES, case_fields(UNIT, title=f"邻里噪音{n}", description="楼上装修"))
        for n in range(INDEX_LATER_FROM)
    ]
    return [*filler, coal, party], coal, party


def _indexed(store: LocalStore) -> int:
    with store.transaction() as session:
        return int(session.scalar(text("SELECT count(*) FROM search_index")) or 0)


def _found(store: LocalStore, query: str) -> set[str]:
    return {str(hit.record_id) for hit in search.search(store, query)}


def test_a_large_page_is_found_by_search_before_its_index_is_built(store: LocalStore) -> None:
    changes, coal, party = _large_page()
    store.pulled.apply_page(changes, cursor="c1")
    assert store.search_index.pending
    assert _indexed(store) == 0  # the page itself wrote no search entries
    assert _found(store, "倒塌") == {coal.record["id"]}
    assert _found(store, "欧阳震华") == {party.record["id"]}
    assert not store.search_index.pending
    assert _indexed(store) == len(changes)
    assert store.search_index.index_pending() == 0


def test_index_pending_adds_what_is_live_and_nothing_twice(store: LocalStore) -> None:
    changes, coal, _ = _large_page()
    store.pulled.apply_page(changes, cursor="c1")
    store.records.delete(TableName.CASES, uuid.UUID(str(coal.record["id"])))
    assert store.search_index.index_pending() == len(changes) - 1
    assert not store.search_index.pending
    assert _found(store, "倒塌") == set()
    assert _found(store, "楼上装修") != set()
    assert _indexed(store) == len(changes) - 1


def test_a_small_page_is_indexed_as_it_is_stored(store: LocalStore) -> None:
    store.search_index.index_pending()
    change = _pulled(TableName.CASES, case_fields(UNIT, title="煤棚倒塌纠纷"))
    store.pulled.apply_page([change], cursor="c1")
    assert not store.search_index.pending
    assert _indexed(store) == 1


def test_a_crash_before_indexing_leaves_a_store_that_completes_its_index(
    tmp_path: Path, cipher: DataKeyCipher
) -> None:
    engine = make_local_engine(tmp_path / DATABASE_FILE)
    migrate(engine)
    changes, _, party = _large_page()
    LocalStore(engine, cipher).pulled.apply_page(changes, cursor="c1")
    engine.dispose()  # the app dies here, before index_pending

    engine = make_local_engine(tmp_path / DATABASE_FILE)
    reopened = LocalStore(engine, cipher)
    assert reopened.search_index.pending
    assert reopened.search_index.index_pending() == len(changes)
    assert _found(reopened, "欧阳震华") == {party.record["id"]}
    engine.dispose()


def test_the_index_is_written_in_chunks(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> None:
    changes, _, _ = _large_page()
    store.pulled.apply_page(changes, cursor="c1")
    monkeypatch.setattr(search_index, "INDEX_CHUNK", 50)
    commits: list[int] = []
    original = search_index.transaction

    def counting(engine: Any) -> Any:
        commits.append(1)
        return original(engine)

    monkeypatch.setattr(search_index, "transaction", counting)
    assert store.search_index.index_pending() == len(changes)
    assert len(commits) == 1 + -(-len(changes) // 50)  # finding what is missing, then chunks


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    with running_server(db_url, tmp_path / "blobs") as running:
        yield running


def test_a_first_sync_is_up_to_date_before_its_index_is_built_then_builds_it(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pulled, "INDEX_LATER_FROM", 1)
    (tmp_path / "template").mkdir()
    template = migrated_local_template(tmp_path / "template")
    with httpx.Client(transport=Link(server.http), base_url=BASE_URL) as http:
        colleague = Phone(http, tmp_path / "colleague", template)
        colleague.login("mediator.baijia")
        unit = server.district.baijia.id
        case_id = colleague.save(TableName.CASES, case_fields(unit, title="煤棚倒塌纠纷"))
        assert colleague.sync().ok

        fresh = Phone(http, tmp_path / "fresh", template)
        fresh.login("mediator.baijia")
        pending_when_up_to_date: list[bool] = []

        def listen(status: SyncStatus) -> None:
            if status.state is SyncState.UP_TO_DATE:
                pending_when_up_to_date.append(fresh.store.search_index.pending)

        fresh.engine.add_listener(listen)
        assert fresh.sync().ok
        assert pending_when_up_to_date == [True]
        assert not fresh.store.search_index.pending
        assert [hit.record_id for hit in search.search(fresh.store, "倒塌")] == [case_id]
        colleague.close()
        fresh.close()
