"""The dashboard's "complete files / closed cases", on both databases: a
closed case whose file lacks nothing counts as complete, one without its
rights notices does not; both count for their office only."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import District
from tests.shared_models.case_file_records import closed_case
from tests.sync_server.conftest import Device
from tests.sync_server.test_case_files import seed


@pytest.mark.parametrize(("lacking", "complete"), [(None, 1), ("rights_notice", 0)])
def test_closed_cases_and_their_complete_files(
    client: TestClient, engine: Engine, district: District, lacking: str | None, complete: int
) -> None:
    records = closed_case(photos=0, unit=district.baijia_committee.id)
    if lacking is not None:
        records = records.without(lacking)
    seed(engine, records, district.user("mediator.baijia").id)
    desk = Device(client, "supervisor.fuxing", "desk-fuxing")

    board = client.get("/api/v1/dashboard", params={"month": "2027-01"}, headers=desk.headers)
    before = client.get("/api/v1/dashboard", params={"month": "2026-12"}, headers=desk.headers)

    assert board.status_code == 200, board.text
    offices = {o["office_name"]: o for o in board.json()["offices"]}
    assert offices["百家街道司法所"]["case_files_closed"] == 1
    assert offices["百家街道司法所"]["case_files_complete"] == complete
    assert offices["西苑街道司法所"]["case_files_closed"] == 0
    assert board.json()["total"]["case_files_complete"] == complete
    assert before.json()["total"]["case_files_closed"] == 0
