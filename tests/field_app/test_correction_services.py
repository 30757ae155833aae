"""The phone's correction services on a local store: the due list (which
reads only the latest of each kind and decrypts a handful of events) agrees
with the timeline (which reads everything), the rules refuse before saving,
and enrolment warns about the team."""

import random
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from field_app.errors import SaveRejectedError
from field_app.security.aead import DataKeyCipher
from field_app.services.correction_events import (
    CorrectionRefusedError,
    leave_check,
    leave_left,
    record_departure,
    record_event,
    record_return,
)
from field_app.services.correction_reading import due_list, subject_timeline
from field_app.services.enrolment import enrol_subject, update_enrolment
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.correction.settings import DEFAULT_SETTINGS
from shared_models.correction.team import TeamWarning
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.event_content import (
    ApprovalLevel,
    CommunityService,
    Conversation,
    Decision,
    DecisionOutcome,
    Education,
    EventContent,
    HealthReport,
    HealthReportType,
    LeaveReason,
    LeaveRequest,
    Measure,
    RewardSanction,
)
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.pull import Change
from shared_models.protocol.tables import TableName
from tests.factories import id_number

UNIT, OFFICER, HEAD = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf0000000301010018dd8db00000000049454e44ae426082"
)
"""A 1×1 PNG: the signature pad's image as stored."""
NOW = datetime(2026, 6, 20, 10, tzinfo=DEFAULT_ZONE)


def _enrol(store: LocalStore, serial: str, **fields: Any) -> uuid.UUID:
    particulars = {
        "name": f"对象{serial}",
        "id_number": id_number(serial=serial),
        "correction_type": "suspended_sentence",
        "term_start": "2025-01-01",
        "term_end": "2027-12-31",
        **fields,
    }
    enrolled = enrol_subject(
        store, None, particulars, org_unit_id=UNIT, officer_id=OFFICER, settings=DEFAULT_SETTINGS
    )
    return enrolled.subject.id


def _approve(store: LocalStore, request_id: uuid.UUID, subject_id: uuid.UUID) -> None:
    """A decision as the phone receives it from the desk (a pulled record)."""
    decision = Decision(
        outcome=DecisionOutcome.APPROVED, level=ApprovalLevel.OFFICE, decided_by=HEAD
    )
    record = {
        "id": str(uuid.uuid4()),
        "version": 10_000,
        "updated_at": None,
        "deleted": False,
        "created_by": str(HEAD),
        "subject_id": str(subject_id),
        "kind": "decision",
        "occurred_on": "2026-01-02",
        "request_id": str(request_id),
        "content": decision.model_dump(mode="json"),
    }
    change = Change(table=TableName.SUBJECT_EVENTS, op="upsert", record=record)
    store.pulled.apply_page([change], store.device.read().cursor or "")


def _leave(start: date, days: int) -> LeaveRequest:
    return LeaveRequest(
        start=start,
        end=start + timedelta(days=days - 1),
        destination="石家庄",
        reason=LeaveReason.FAMILY,
        guarantor="王某某",
    )


def test_the_due_list_agrees_with_the_timeline(store: LocalStore) -> None:
    rng = random.Random(7)
    subjects = [
        _enrol(store, f"{n:03d}", correction_type=kind, supervision_level=level)
        for n, (kind, level) in enumerate(
            [
                ("suspended_sentence", "strict"),
                ("temporary_outside", "normal"),
                ("parole", "lenient"),
                ("temporary_outside", "strict"),
            ]
        )
    ]
    for subject_id in subjects:
        day = date(2025, 1, 3)
        while day < NOW.date():
            content: EventContent = rng.choice(
                [
                    Conversation(summary="谈话"),
                    Education(hours=2, topic="法治"),
                    CommunityService(hours=3, activity="清扫"),
                    HealthReport(report_type=rng.choice(list(HealthReportType))),
                ]
            )
            record_event(store, None, subject_id, content, day, DEFAULT_SETTINGS)
            day += timedelta(days=rng.randint(5, 40))
    out, back = subjects[0], subjects[1]
    for subject_id, returns in ((out, False), (back, True)):
        leave = record_event(
            store,
            None,
            subject_id,
            _leave(date(2026, 6, 1), 5),
            date(2026, 5, 25),
            DEFAULT_SETTINGS,
        ).event
        _approve(store, leave.id, subject_id)
        record_departure(store, leave.id, date(2026, 6, 1), DEFAULT_SETTINGS)
        if returns:
            record_return(store, leave.id, date(2026, 6, 5), DEFAULT_SETTINGS)
    warning = RewardSanction(measure=Measure.WARNING, facts="未按时报到")
    record_event(store, None, subjects[2], warning, date(2026, 3, 1), DEFAULT_SETTINGS)

    listed = {row.subject.id: row for row in due_list(store, DEFAULT_SETTINGS, NOW, OFFICER)}
    assert set(listed) == set(subjects)
    for subject_id in subjects:
        timeline = subject_timeline(store, subject_id, DEFAULT_SETTINGS, NOW)
        assert timeline is not None
        assert listed[subject_id].due == timeline.due, subject_id
        assert listed[subject_id].warnings == timeline.warnings
    assert listed[out].out_on_leave
    assert not listed[back].out_on_leave
    assert listed[subjects[2]].warnings == 1


def test_refusals_before_saving(store: LocalStore) -> None:
    subject_id = _enrol(store, "900")
    first = record_event(
        store, None, subject_id, _leave(date(2026, 3, 1), 30), date(2026, 2, 1), DEFAULT_SETTINGS
    ).event
    with pytest.raises(CorrectionRefusedError) as overlap:
        record_event(
            store,
            None,
            subject_id,
            _leave(date(2026, 3, 30), 2),
            date(2026, 2, 1),
            DEFAULT_SETTINGS,
        )
    assert (overlap.value.code, overlap.value.field) == (ErrorCode.LEAVE_OVERLAPS, "content.start")
    record_event(
        store, None, subject_id, _leave(date(2026, 5, 1), 30), date(2026, 4, 1), DEFAULT_SETTINGS
    )
    with pytest.raises(CorrectionRefusedError) as year:
        record_event(
            store, None, subject_id, _leave(date(2026, 9, 1), 1), date(2026, 8, 1), DEFAULT_SETTINGS
        )
    assert year.value.code is ErrorCode.LEAVE_LIMIT_EXCEEDED
    # The form asks the same rule before the subject signs, and says what is left.
    asked = leave_check(store, subject_id, _leave(date(2026, 9, 1), 1), DEFAULT_SETTINGS)
    assert asked is not None
    assert asked.problem.code is ErrorCode.LEAVE_LIMIT_EXCEEDED
    assert leave_left(store, subject_id, DEFAULT_SETTINGS, 2026) == 0
    assert leave_left(store, subject_id, DEFAULT_SETTINGS, 2027) == 60
    with pytest.raises(CorrectionRefusedError) as early:
        record_departure(store, first.id, date(2026, 3, 1), DEFAULT_SETTINGS)
    assert early.value.code is ErrorCode.APPROVAL_REQUIRED
    with pytest.raises(SaveRejectedError) as bad:
        record_event(
            store,
            None,
            subject_id,
            Conversation(summary="x"),
            date(2026, 3, 1),
            DEFAULT_SETTINGS,
            request_id=first.id,
        )
    assert bad.value.field == "request_id"


def test_enrolment_warns_about_the_team_and_keeps_the_level(store: LocalStore) -> None:
    team = [{"name": "张某", "role": "officer", "gender": "male"}]
    enrolled = enrol_subject(
        store,
        None,
        {
            "name": "李某",
            "id_number": id_number(serial="901"),
            "gender": "female",
            "correction_type": "parole",
            "term_start": "2026-01-01",
            "term_end": "2026-12-31",
            "supervision_level": "lenient",
            "team": team,
        },
        org_unit_id=UNIT,
        officer_id=OFFICER,
        settings=DEFAULT_SETTINGS,
    )
    assert enrolled.warnings == [TeamWarning.NO_WOMAN_FOR_WOMAN]
    assert enrolled.subject.checkin_interval_days == DEFAULT_SETTINGS.lenient.checkin_days
    woman = {"name": "王某", "role": "volunteer", "gender": "female"}
    fixed = update_enrolment(store, enrolled.subject.id, {"team": [*team, woman]})
    assert fixed.warnings == []
    with pytest.raises(SaveRejectedError) as level:
        update_enrolment(store, enrolled.subject.id, {"supervision_level": "strict"})
    assert level.value.field == "supervision_level"
    with pytest.raises(SaveRejectedError) as wrong_id:
        enrol_subject(
            store,
            None,
            {
                "name": "x",
                "id_number": "130404197005171230",
                "correction_type": "parole",
                "term_start": "2026-01-01",
                "term_end": "2026-12-31",
            },
            org_unit_id=UNIT,
            officer_id=OFFICER,
            settings=DEFAULT_SETTINGS,
        )
    assert wrong_id.value.field == "id_number"


def test_a_signed_sanction_is_acknowledged_that_day(
    store: LocalStore, cipher: DataKeyCipher, tmp_path: Path
) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs", cipher, store)
    subject_id = _enrol(store, "901")
    warning = RewardSanction(measure=Measure.WARNING, facts="未按时报到")
    signed = record_event(
        store, blobs, subject_id, warning, date(2026, 3, 2), DEFAULT_SETTINGS, signature=PNG
    )
    assert isinstance(signed.event.content, RewardSanction)
    assert signed.event.content.acknowledged_on == date(2026, 3, 2)
    assert signed.signature is not None
    unsigned = record_event(store, None, subject_id, warning, date(2026, 3, 3), DEFAULT_SETTINGS)
    assert isinstance(unsigned.event.content, RewardSanction)
    assert unsigned.event.content.acknowledged_on is None
