"""Rows created and changed within one push, and what pull makes of them.

Push writes the rows it creates in bulk at the end of the batch and pull
converts column values to JSON by column type; these tests pin that both
behave exactly like the one-row-at-a-time path: later mutations of a batch
see (and merge with) rows created earlier in it, an owner moved in the same
batch takes its new dependents along, and a pulled record equals the
canonical conversion of the stored row.
"""

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from shared_models.protocol.push import MutationResult, MutationStatus
from shared_models.protocol.tables import TableName
from sync_server.core.db import read_session, write_session
from sync_server.services.sync.records import ROWS, row_to_wire
from sync_server.services.sync.stored_results import stored_result
from sync_server.tables import AppliedMutation
from tests.factories import (
    District,
    case_fields,
    mutation,
    party_fields,
    subject_fields,
    visit_fields,
)


def test_a_batch_builds_on_rows_it_created(device_for: Any, district: District) -> None:
    device = device_for("mediator.baijia")
    case_id, party_id, visit_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    results = device.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("parties", party_id, party_fields(case_id)),
            mutation("visits", visit_id, visit_fields(case_id=case_id)),
            mutation("visits", visit_id, {"notes": "补记：双方到场"}),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied", "applied", "conflict"]
    versions = [r["version"] for r in results]
    assert versions == sorted(versions)
    assert len(set(versions)) == 4

    reader = device_for("supervisor.baijia")
    reader.pull()
    visit = reader.records[("visits", str(visit_id))]
    assert visit["notes"] == "补记：双方到场"
    assert visit["version"] == versions[3]
    assert reader.records[("parties", str(party_id))]["case_id"] == str(case_id)
    conflict = reader.records[("conflicts", results[3]["conflict_id"])]
    assert conflict["overwritten_value"] == "本人到所报到，状态良好"


def test_a_move_in_a_batch_is_refused_and_the_rest_applies(
    device_for: Any, district: District
) -> None:
    """Moving a case is a transfer, not an edit, even for the district; the
    batch around the refused move applies as sent."""
    device = device_for("supervisor.fuxing")
    case_id, visit_id = uuid.uuid4(), uuid.uuid4()
    results = device.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("visits", visit_id, visit_fields(case_id=case_id)),
            mutation("cases", case_id, {"org_unit_id": str(district.xiyuan_committee.id)}),
            mutation("visits", uuid.uuid4(), visit_fields(case_id=case_id)),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "applied"]
    assert results[2]["error"]["code"] == "TRANSFER_REQUIRED"
    assert results[2]["error"]["field"] == "org_unit_id"

    baijia = device_for("mediator.baijia")
    baijia.pull()
    assert baijia.ids("cases") == {str(case_id)}
    assert len(baijia.ids("visits")) == 2


def test_a_mutation_repeated_within_a_batch_applies_once(
    device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    create = mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))
    first, second = device.push([create, create])
    assert (first["status"], second["status"]) == ("applied", "duplicate")
    assert second["version"] == first["version"]
    [replayed] = device.push([create])
    assert replayed == second


def test_pulled_records_equal_the_stored_rows(
    device_for: Any, district: District, engine: Engine
) -> None:
    mediator = device_for("mediator.baijia")
    officer = device_for("officer.baijia")
    case_id, subject_id = uuid.uuid4(), uuid.uuid4()
    mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("parties", uuid.uuid4(), party_fields(case_id)),
            mutation(
                "visits",
                uuid.uuid4(),
                visit_fields(case_id=case_id, lat=36.61, lon=114.48, accuracy_m=8.5),
            ),
        ]
    )
    officer.push(
        [
            mutation(
                "subjects",
                subject_id,
                subject_fields(district.baijia.id, district.user("officer.baijia").id),
            ),
            mutation("visits", uuid.uuid4(), visit_fields(subject_id=subject_id)),
        ]
    )
    reader = device_for("supervisor.baijia")
    reader.pull()
    compared = 0
    with read_session(engine) as session:
        for (table_name, record_id), record in reader.records.items():
            model: Any = ROWS[TableName(table_name)]
            row = session.scalars(select(model).where(model.id == uuid.UUID(record_id))).one()
            assert record == row_to_wire(TableName(table_name), row), table_name
            compared += 1
    assert compared >= 8  # org units, users, case, party, subject, two visits


def test_a_pull_with_a_current_cursor_keeps_the_cursor(device_for: Any, district: District) -> None:
    device = device_for("mediator.baijia")
    device.push([mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))])
    device.pull()
    current = device.cursor
    device.pull()
    assert device.cursor == current
    other = device_for("mediator.xiyuan")
    other.push([mutation("cases", uuid.uuid4(), case_fields(district.xiyuan_committee.id))])
    device.pull()
    assert device.cursor != current
    assert len(device.ids("cases")) == 1


@pytest.mark.parametrize(
    "result",
    [
        MutationResult(mutation_id=uuid.uuid4(), status=MutationStatus.APPLIED, version=7),
        MutationResult(mutation_id=uuid.uuid4(), status=MutationStatus.MERGED, version=8),
        MutationResult(
            mutation_id=uuid.uuid4(),
            status=MutationStatus.CONFLICT,
            version=9,
            conflict_id=uuid.uuid4(),
        ),
    ],
)
def test_a_stored_result_is_the_results_json_but_its_key(result: MutationResult) -> None:
    stored = stored_result(result)
    expected = result.model_dump(mode="json")
    del expected["mutation_id"]  # the applied_mutations row's key
    assert stored == expected
    assert MutationResult.model_validate({**stored, "mutation_id": result.mutation_id}) == result


def test_a_result_stored_whole_is_still_replayed(
    device_for: Any, district: District, engine: Engine
) -> None:
    """Results stored before the mutation id left the JSON still answer a
    replay: a device may resend a push it made with the older server."""
    device = device_for("mediator.baijia")
    case = mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))
    [first] = device.push([case])
    whole = MutationResult.model_validate(first).model_dump(mode="json")
    with write_session(engine) as session:
        session.execute(
            update(AppliedMutation)
            .where(AppliedMutation.mutation_id == uuid.UUID(case["mutation_id"]))  # type: ignore[arg-type]
            .values(result=whole)
        )
    [again] = device.push([case])
    assert again == {**first, "status": "duplicate"}
