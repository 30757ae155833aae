"""The jurisdiction is reused between requests (it reads the whole org tree),
but never past a change of the user it belongs to: a user moved to another
office works in the new one from the next request on."""

import uuid
from typing import Any

from sqlalchemy import Engine, update

from sync_server.core.db import write_session
from sync_server.tables import UserRow
from tests.factories import District, case_fields, mutation


def test_a_user_moved_to_another_office_works_there_from_the_next_request(
    device_for: Any, district: District, engine: Engine
) -> None:
    supervisor = device_for("supervisor.baijia")
    [before] = supervisor.push(
        [mutation("cases", uuid.uuid4(), case_fields(district.xiyuan_committee.id))]
    )
    assert before["status"] == "rejected"
    assert before["error"]["code"] == "OUT_OF_SCOPE"

    with write_session(engine) as session:
        session.execute(
            update(UserRow)
            .where(UserRow.username == "supervisor.baijia")  # type: ignore[arg-type]
            .values(org_unit_id=district.xiyuan.id)
        )

    [after] = supervisor.push(
        [mutation("cases", uuid.uuid4(), case_fields(district.xiyuan_committee.id))]
    )
    [home] = supervisor.push(
        [mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))]
    )
    assert after["status"] == "applied", after
    assert home["status"] == "rejected"
