"""The local store: one transaction per save, outbox semantics, pull overlay."""

import uuid
from pathlib import Path

import pytest

from field_app.errors import SaveRejectedError
from field_app.storage.store import LocalStore
from shared_models.protocol.pull import Change
from shared_models.protocol.push import MutationResult, MutationStatus
from shared_models.protocol.tables import TableName
from tests.factories import case_fields, party_fields

UNIT = uuid.uuid4()


def test_save_writes_the_record_and_its_outbox_entry(store: LocalStore) -> None:
    case_id = uuid.uuid4()
    saved = store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    assert saved["title"] == "煤棚损坏纠纷"
    assert store.records.get("cases", case_id) == saved
    [item] = store.outbox.items()
    assert (item.table, item.record_id, item.op, item.base_version) == (
        "cases",
        case_id,
        "upsert",
        None,
    )
    assert item.fields["title"] == "煤棚损坏纠纷"


def test_invalid_save_writes_nothing_and_names_the_field(store: LocalStore) -> None:
    with pytest.raises(SaveRejectedError) as error:
        store.records.save(TableName.CASES, uuid.uuid4(), case_fields(UNIT, category="gossip"))
    assert error.value.field == "category"
    assert store.outbox.items() == []


@pytest.mark.parametrize(
    ("table", "overrides", "field"),
    [
        (TableName.CASES, {"title": "煤棚\x00纠纷"}, "title"),
        (TableName.CASES, {"description": "第一行\n第二行\x1b[2J"}, "description"),
        (TableName.CASES, {"opened_at": "9999-12-31T23:59:59-12:00"}, "opened_at"),
        (TableName.CASES, {"opened_at": "0001-01-01T00:00:00+14:00"}, "opened_at"),
        (TableName.CASES, {"follow_up_due": "9999-12-31"}, "follow_up_due"),
    ],
)
def test_a_value_the_server_would_refuse_is_refused_before_the_outbox(
    store: LocalStore, table: TableName, overrides: dict[str, str], field: str
) -> None:
    """The contract's rule, on the device: a NUL or a time at the calendar's
    edge never reaches the outbox, where the server would refuse it."""
    with pytest.raises(SaveRejectedError) as error:
        store.records.save(table, uuid.uuid4(), case_fields(UNIT, **overrides))
    assert error.value.field == field
    assert store.outbox.items() == []


def test_line_breaks_stay_allowed_in_long_text(store: LocalStore) -> None:
    saved = store.records.save(
        TableName.CASES, uuid.uuid4(), case_fields(UNIT, description="一\n二\t三")
    )
    assert saved["description"] == "一\n二\t三"


def test_edits_before_sending_fold_into_one_mutation(store: LocalStore) -> None:
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    store.records.save(TableName.CASES, case_id, {"title": "改了标题"})
    [item] = store.outbox.items()
    assert item.fields["title"] == "改了标题"
    assert item.fields["category"] == "neighbourhood"


def test_sent_mutation_is_never_changed_afterwards(store: LocalStore) -> None:
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    [sent] = store.outbox.items()
    store.outbox.mark_sent([sent])
    store.records.save(TableName.CASES, case_id, {"title": "发送后再改"})
    first, second = store.outbox.items()
    assert first.mutation_id == sent.mutation_id
    assert first.fields == sent.fields
    assert second.fields == {"title": "发送后再改"}


def test_acknowledged_entries_leave_and_rebase_later_edits(store: LocalStore) -> None:
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    [sent] = store.outbox.items()
    store.outbox.mark_sent([sent])
    store.records.save(TableName.CASES, case_id, {"title": "第二次"})
    store.outbox.apply_results(
        [MutationResult(mutation_id=sent.mutation_id, status=MutationStatus.APPLIED, version=7)]
    )
    [later] = store.outbox.items()
    assert later.base_version == 7


def test_rejected_entry_stays_with_reason_and_does_not_block(store: LocalStore) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    store.records.save(TableName.CASES, first, case_fields(UNIT))
    store.records.save(TableName.CASES, second, case_fields(UNIT))
    a, b = store.outbox.items()
    store.outbox.mark_sent([a, b])
    store.outbox.apply_results(
        [
            MutationResult.model_validate(
                {
                    "mutation_id": str(a.mutation_id),
                    "status": "rejected",
                    "error": {"code": "OUT_OF_SCOPE", "message": "no", "field": None},
                }
            ),
            MutationResult(mutation_id=b.mutation_id, status=MutationStatus.APPLIED, version=3),
        ]
    )
    assert store.outbox.items() == []
    [rejected] = store.outbox.items(states=["rejected"])
    assert rejected.error_code == "OUT_OF_SCOPE"
    store.records.retry(rejected.mutation_id)
    [again] = store.outbox.items()
    assert again.record_id == first
    assert again.mutation_id != rejected.mutation_id


def refuse(store: LocalStore, item_id: uuid.UUID, code: str = "RECORD_DELETED") -> None:
    store.outbox.apply_results(
        [
            MutationResult.model_validate(
                {
                    "mutation_id": str(item_id),
                    "status": "rejected",
                    "error": {"code": code, "message": "no", "field": None},
                }
            )
        ]
    )


def test_deleting_a_record_whose_creation_was_refused_sends_nothing(store: LocalStore) -> None:
    """The server never had it, so there is nothing to delete there: a
    delete sent anyway would only come back refused ("no such record")."""
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    [create] = store.outbox.items()
    store.outbox.mark_sent([create])
    refuse(store, create.mutation_id)

    store.records.delete(TableName.CASES, case_id)

    assert store.records.get("cases", case_id) is None
    assert store.outbox.items(states=["pending", "sent", "rejected"]) == []


def test_deleting_a_record_whose_creation_may_have_arrived_sends_the_delete(
    store: LocalStore,
) -> None:
    """Sent without an answer yet (it may have been applied, the answer
    lost), then a later edit refused: the delete must still go out."""
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    [create] = store.outbox.items()
    store.outbox.mark_sent([create])
    store.records.save(TableName.CASES, case_id, {"title": "再改"})
    [_, edit] = store.outbox.items()
    store.outbox.mark_sent([edit])
    refuse(store, edit.mutation_id, "VALIDATION_FAILED")

    store.records.delete(TableName.CASES, case_id)

    assert [item.op for item in store.outbox.items()] == ["upsert", "delete"]


def test_a_delete_of_a_record_the_server_never_had_is_done(store: LocalStore) -> None:
    """Sent (no answer: it might have arrived), deleted by the user, then the
    creation is refused and the delete answered "no such record": both are
    settled, nothing is left for the user to look at."""
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    [create] = store.outbox.items()
    store.outbox.mark_sent([create])
    store.records.delete(TableName.CASES, case_id)
    [_, delete] = store.outbox.items()
    store.outbox.mark_sent([delete])

    refuse(store, create.mutation_id, "UNKNOWN_REFERENCE")
    refuse(store, delete.mutation_id, "NOT_FOUND")

    assert store.outbox.items(states=["pending", "sent", "rejected"]) == []
    assert store.records.get("cases", case_id) is None


def test_pull_never_overwrites_unsynced_edits(store: LocalStore) -> None:
    case_id = uuid.uuid4()
    server_record = {
        "id": str(case_id),
        "version": 5,
        "updated_at": "2026-11-28T00:00:00Z",
        "deleted": False,
        "created_by": None,
        **case_fields(UNIT),
        "status": "accepted",
        "mediator_id": None,
        "closed_at": None,
        "follow_up_due": None,
        "opened_at": "2026-11-20T01:00:00Z",
    }
    store.pulled.apply_page([Change(table=TableName.CASES, record=server_record)], cursor="c1")
    store.records.save(TableName.CASES, case_id, {"title": "本地修改"})
    newer = {**server_record, "version": 9, "title": "服务器修改", "description": "服务器补充"}
    store.pulled.apply_page([Change(table=TableName.CASES, record=newer)], cursor="c2")
    local = store.records.get("cases", case_id)
    assert local is not None
    assert local["title"] == "本地修改"
    assert local["description"] == "服务器补充"
    assert local["version"] == 9
    [item] = store.outbox.items()
    assert item.base_version == 5
    assert store.device.read().cursor == "c2"


def test_unknown_fields_from_a_newer_server_survive_an_edit(store: LocalStore) -> None:
    case_id = uuid.uuid4()
    record = {
        "id": str(case_id),
        "version": 5,
        "updated_at": None,
        "deleted": False,
        "created_by": None,
        **case_fields(UNIT),
        "status": "accepted",
        "mediator_id": None,
        "closed_at": None,
        "follow_up_due": None,
        "priority": "high",
    }
    store.pulled.apply_page([Change(table=TableName.CASES, record=record)], cursor="c1")
    store.records.save(TableName.CASES, case_id, {"title": "x"})
    assert store.records.get("cases", case_id)["priority"] == "high"  # type: ignore[index]


def test_personal_fields_are_not_in_the_database_file(store: LocalStore, tmp_path: Path) -> None:
    case_id = uuid.uuid4()
    store.records.save(TableName.CASES, case_id, case_fields(UNIT))
    store.records.save(
        TableName.PARTIES, uuid.uuid4(), party_fields(case_id, name="欧阳娜娜", phone="13912345678")
    )
    store.engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("field.db*"))
    for secret in ("欧阳娜娜", "13912345678", "百家村3号"):
        assert secret.encode() not in raw
    for secret in ("煤棚损坏纠纷", "邻居翻修时损坏了煤棚"):  # the case's title and description
        assert secret.encode() not in raw
    # What the app queries by stays plain (a sanity check of the scan):
    assert b"neighbourhood" in raw
