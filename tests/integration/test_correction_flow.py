"""Community correction from the officer's phone to the desk and back, in
one process with the real server (docs/protocol.md, "Community
correction"): enrolment and the entry announcement offline, a 10-day leave
decided by the office and the district on the desk, the decision on the
phone after its sync, the return, a warning, the release."""

import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlmodel import col

from field_app.errors import SaveRejectedError
from field_app.services.correction_events import (
    CorrectionRefusedError,
    file_leave_request,
    record_departure,
    record_entry_announcement,
    record_event,
    record_release,
    record_return,
)
from field_app.services.correction_reading import due_list, subject_timeline
from field_app.services.enrolment import enrol_subject
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.tables import OutboxEntry
from field_app.supervision.client import SupervisionClient
from field_app.sync.correction_settings import stored_settings
from shared_models.correction.approvals import ApprovalStatus
from shared_models.correction.due import DueKind
from shared_models.correction.team import TeamWarning
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.event_content import (
    DecisionOutcome,
    EntryAnnouncement,
    LeaveReason,
    LeaveRequest,
    Measure,
    ReleaseAnnouncement,
    RewardSanction,
)
from shared_models.protocol.errors import ErrorCode
from tests.factories import id_number
from tests.integration.sync_fixtures import (
    BASE_URL,
    Link,
    Phone,
    Server,
    migrated_local_template,
    running_server,
)


@pytest.fixture(scope="module")
def local_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_local_template(tmp_path_factory.mktemp("local-template"))


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    with running_server(db_url, tmp_path / "blobs") as running:
        yield running


def _signature() -> bytes:
    out = io.BytesIO()
    Image.new("L", (60, 20), 255).save(out, "PNG")
    return out.getvalue()


def _desk(server: Server, username: str) -> SupervisionClient:
    token = server.login(username, f"desk-{username}")["token"]
    http = httpx.Client(transport=server.http._transport, base_url=BASE_URL)
    return SupervisionClient(http, lambda: token)


def test_enrol_offline_leave_decided_on_the_desk_back_on_the_phone(
    server: Server, tmp_path: Path, local_template: Path
) -> None:
    link = Link(server.http)
    phone = Phone(httpx.Client(transport=link, base_url=BASE_URL), tmp_path / "p", local_template)
    phone.login("officer.baijia")
    blobs = LocalBlobStore(tmp_path / "p" / "blobs", phone.store.cipher, phone.store)
    phone.engine.blobs = blobs
    officer = server.district.user("officer.baijia")
    phone.sync()  # fetches the district's settings
    settings = stored_settings(phone.store)
    assert settings.leave_trip_max_days == 30
    link.up = False

    enrolled = enrol_subject(
        phone.store,
        blobs,
        {
            "name": "李某",
            "id_number": id_number(serial="777"),
            "gender": "female",
            "correction_type": "suspended_sentence",
            "term_start": "2026-01-05",
            "term_end": "2026-12-31",
            "offence": "盗窃罪",
            "sentence": "有期徒刑一年，缓刑一年",
            "court": "复兴区人民法院",
            "supervision_level": "strict",
            "team": [{"name": "张某", "role": "officer", "gender": "male"}],
        },
        org_unit_id=server.district.baijia.id,
        officer_id=officer.id,
        settings=settings,
    )
    assert enrolled.warnings == [TeamWarning.NO_WOMAN_FOR_WOMAN]
    assert enrolled.subject.checkin_interval_days == 7
    subject_id = enrolled.subject.id
    entry = EntryAnnouncement(place="百家街道司法所", present=["张某"], items_read=["judgment"])
    record_entry_announcement(
        phone.store, blobs, subject_id, entry, date(2026, 1, 6), _signature(), settings
    )
    request = LeaveRequest(
        start=date(2026, 3, 1),
        end=date(2026, 3, 10),
        destination="石家庄",
        reason=LeaveReason.MEDICAL,
        guarantor="李某某",
    )
    leave = file_leave_request(
        phone.store, blobs, subject_id, request, date(2026, 2, 20), _signature(), settings
    ).event
    with pytest.raises(CorrectionRefusedError) as overlap:
        file_leave_request(
            phone.store, blobs, subject_id, request, date(2026, 2, 20), _signature(), settings
        )
    assert overlap.value.code is ErrorCode.LEAVE_OVERLAPS
    with pytest.raises(CorrectionRefusedError) as early:
        record_departure(phone.store, leave.id, date(2026, 3, 1), settings)
    assert early.value.code is ErrorCode.APPROVAL_REQUIRED

    link.up = True
    phone.sync()
    with phone.store.transaction() as session:
        states = list(session.scalars(select(col(OutboxEntry.state))))
    assert states == [], states  # everything applied

    office, district = _desk(server, "supervisor.baijia"), _desk(server, "supervisor.fuxing")
    [waiting] = office.waiting_requests().requests
    assert waiting.request.id == leave.id
    assert office.decide(leave.id, DecisionOutcome.APPROVED, "同意").waiting_for is not None
    done = district.decide(leave.id, DecisionOutcome.APPROVED)
    assert done.status is ApprovalStatus.APPROVED
    desk_view = office.subject_timeline(subject_id)
    assert [e.kind.value for e in desk_view.events][:2] == ["entry_announcement", "leave_request"]

    phone.sync()
    now = datetime(2026, 3, 12, 9, tzinfo=DEFAULT_ZONE)
    timeline = subject_timeline(phone.store, subject_id, settings, now)
    assert timeline is not None
    assert timeline.requests[leave.id].status is ApprovalStatus.APPROVED
    record_departure(phone.store, leave.id, date(2026, 3, 1), settings)
    [row] = due_list(phone.store, settings, now, officer.id)
    assert row.out_on_leave
    assert any(i.kind is DueKind.LEAVE_RETURN and i.overdue for i in row.due)
    record_return(phone.store, leave.id, date(2026, 3, 12), settings)
    warning = RewardSanction(measure=Measure.WARNING, facts="未按规定时间报到")
    record_event(phone.store, blobs, subject_id, warning, date(2026, 3, 12), settings)
    phone.sync()
    assert not due_list(phone.store, settings, now, officer.id)[0].out_on_leave

    [sanction] = district.waiting_requests().requests or office.waiting_requests().requests
    office.decide(sanction.request.id, DecisionOutcome.APPROVED)
    district.decide(sanction.request.id, DecisionOutcome.APPROVED)
    assert office.subject_timeline(subject_id).warnings == 1

    release = ReleaseAnnouncement(
        place="百家街道司法所", certificate_number="（2026）复矫解字第1号"
    )
    record_release(
        phone.store, blobs, subject_id, release, date(2026, 12, 31), _signature(), settings
    )
    phone.sync()
    with phone.store.transaction() as session:
        assert list(session.scalars(select(col(OutboxEntry.state)))) == []
    subject = office.subject_timeline(subject_id).subject
    assert (subject.status.value, subject.released_on) == ("released", date(2026, 12, 31))
    with pytest.raises(SaveRejectedError):
        record_event(phone.store, blobs, subject_id, warning, date(2027, 1, 2), settings)
