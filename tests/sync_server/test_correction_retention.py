"""Retention (docs/protocol.md, "Community correction"): a released
subject's record leaves the office's devices once the district's retention
period has passed; the district keeps it."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from lastmile_cli import app
from shared_models.correction.settings import CorrectionSettings
from sync_server.core.db import write_session
from sync_server.services.correction.archive import archive_released
from tests.factories import District, mutation, visit_fields
from tests.sync_server.correction_data import ENTRY, enrol, push_event


def test_a_released_record_leaves_the_office_after_retention(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    bureau = device_for("supervisor.fuxing")
    today = datetime.now(UTC).date()
    long_ago = (today - timedelta(days=200)).isoformat()
    lately = (today - timedelta(days=10)).isoformat()
    old = enrol(officer, district, term_start="2024-01-01", term_end=long_ago)
    recent = enrol(officer, district, status="released", released_on=lately)
    supervised = enrol(officer, district)
    checkin = uuid.uuid4()
    officer.push([mutation("visits", checkin, visit_fields(subject_id=old))])
    entry_id, _ = push_event(officer, old, ENTRY, occurred_on="2024-01-03")
    release = {"status": "released", "released_on": long_ago}
    officer.pull()
    version = officer.records[("subjects", str(old))]["version"]
    [released] = officer.push([mutation("subjects", old, release, base_version=version)])
    assert released["status"] in ("applied", "merged"), released
    for device in (officer, office, bureau):
        device.pull()
        assert ("subject_events", str(entry_id)) in device.records

    with write_session(engine) as session:
        assert (
            archive_released(session, CorrectionSettings(retention_days=90), datetime.now(UTC)) == 1
        )
    for device in (officer, office, bureau):
        device.pull()
    for device in (officer, office):
        held = {record_id for _, record_id in device.records}
        assert not held & {str(old), str(checkin), str(entry_id)}
        assert {str(recent), str(supervised)} <= held
    assert {("subjects", str(old)), ("subject_events", str(entry_id))} <= set(bureau.records)
    # Nothing on the office's side may write to it any more.
    _, late = push_event(officer, old, {"kind": "conversation", "summary": "x"})
    assert late["status"] == "rejected"
    with write_session(engine) as session:
        assert (
            archive_released(session, CorrectionSettings(retention_days=90), datetime.now(UTC)) == 0
        )


def test_the_archive_runs_from_the_command_line(
    client: TestClient, device_for: Any, district: District, settings: Any
) -> None:
    officer = device_for("officer.baijia")
    enrol(
        officer,
        district,
        status="released",
        released_on=str(date(2020, 1, 1)),
        term_end="2020-01-01",
        term_start="2019-01-01",
    )
    result = CliRunner().invoke(app, ["admin", "archive-released", "--db", settings.db])
    assert result.exit_code == 0, result.output
    assert "archived 1 released subjects" in result.output
